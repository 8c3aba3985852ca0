"""Who is acting, and from which address, for code that runs inside a request or a command."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ActingContext:
    user: Any = None
    ip: str | None = None
    source: str = "web"


_current: contextvars.ContextVar[ActingContext] = contextvars.ContextVar(
    "chinhquyen_acting",
    default=ActingContext(source="system"),  # noqa: B039 - frozen dataclass, immutable
)


@contextmanager
def request_context(
    *, user: Any = None, ip: str | None = None, source: str = "web"
) -> Iterator[None]:
    token = _current.set(ActingContext(user=user, ip=ip, source=source))
    try:
        yield
    finally:
        _current.reset(token)


def current() -> ActingContext:
    return _current.get()
