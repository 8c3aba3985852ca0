"""The one clock of the dossier engine.

Services read the time here, never from ``timezone.now()`` directly, so that scenario tests can
walk a dossier through days and weeks of working time (``clock.travel``) without sleeping and
without a library that patches the standard library.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.utils import timezone

_fixed: datetime | None = None


def now() -> datetime:
    return _fixed if _fixed is not None else timezone.now()


def set_time(moment: datetime | None) -> None:
    """Freeze the clock at ``moment`` (aware), or let it run again with ``None``. Tests only."""
    global _fixed
    if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
        raise ValueError("clock.set_time needs an aware datetime")
    _fixed = moment


def advance(**delta: float) -> datetime:
    """Move a frozen clock forward by ``timedelta(**delta)``."""
    if _fixed is None:
        raise RuntimeError("clock.advance needs a frozen clock (clock.set_time first)")
    set_time(_fixed + timedelta(**delta))
    return _fixed


@contextmanager
def travel(moment: datetime) -> Iterator[None]:
    previous = _fixed
    set_time(moment)
    try:
        yield
    finally:
        set_time(previous)
