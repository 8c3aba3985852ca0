"""Dossier codes (mã số hồ sơ) and the rules of the regulation pack in force.

The format and the one-stop time rules are data, read from the regulation pack's ``pack.json`` (its forms live
beside it in ``regulations/``). Circular 01/2018/TT-VPCP Art. 19 gives the code as
``<agency identifier>-<YYMMDD>-<NNNN>``: the receiving agency's identifier code (QCVN 102:2016 /
Decision 20/2020), the date in Vietnam, and a sequence of the dossiers that agency received that
day, restarting at 0001 every day. A pack for Circular 03/2025 is added beside it, not by editing
this one.

The sequence is a counter row per agency per day, incremented with one ``UPDATE … SET n = n + 1``
inside the caller's transaction: the row lock serialises two desks receiving in the same second,
and the loser of a race to create the day's row retries the increment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from chinhquyen.dossiers import regulations

DEFAULT_PACK = "tt01_2018"


class InvalidDossierCode(ValueError):
    """A text that is not a dossier code of the pack."""


@dataclass(frozen=True)
class DossierCode:
    agency: str
    day: date
    seq: int
    text: str

    def __str__(self) -> str:
        return self.text


def pack_name() -> str:
    name = getattr(settings, "DOSSIER_REGULATION_PACK", DEFAULT_PACK)
    known = regulations.available_packs()
    if name not in known:
        raise LookupError(f"Bộ quy định «{name}» không có; các bộ có: {', '.join(sorted(known))}.")
    return name


def pack(name: str | None = None) -> dict[str, Any]:
    """The code format and one-stop rules of a pack, read from its ``pack.json`` (the data)."""
    found = regulations.get_pack(name or pack_name())
    return {
        "title": found.name,
        "valid_from": found.effective_from.isoformat(),
        "code": found.dossier_code,
        "rules": found.rules,
    }


def rule(key: str, name: str | None = None) -> Any:
    return pack(name)["rules"][key]


def paper_cutoff(name: str | None = None) -> time:
    hour, minute = (int(x) for x in rule("paper_cutoff", name).split(":"))
    return time(hour, minute)


def local_day(moment: datetime, name: str | None = None) -> date:
    """The date of ``moment`` in the pack's time zone (Asia/Ho_Chi_Minh)."""
    return moment.astimezone(ZoneInfo(pack(name)["code"]["timezone"])).date()


def format_code(agency_code: str, day: date, seq: int, name: str | None = None) -> str:
    if seq < 1:
        raise ValueError("sequence numbers start at 1")
    return pack(name)["code"]["template"].format(agency=agency_code, date=day, seq=seq)


def parse_code(text: str, name: str | None = None) -> DossierCode:
    value = (text or "").strip().upper()
    match = re.match(pack(name)["code"]["pattern"], value)
    if not match:
        raise InvalidDossierCode(
            f"«{text}» không phải mã hồ sơ (dạng <mã định danh cơ quan>-<YYMMDD>-<NNNN>, "
            "ví dụ 000.00.12.H29-250503-0001)."
        )
    try:
        day = datetime.strptime(match["date"], "%y%m%d").date()  # noqa: DTZ007 - a date only
    except ValueError as exc:
        raise InvalidDossierCode(f"Ngày trong mã hồ sơ «{text}» không hợp lệ.") from exc
    return DossierCode(match["agency"], day, int(match["seq"]), value)


_NEXT_SQL = (
    'UPDATE "dossiers_dossiercodesequence" SET "last_value" = "last_value" + 1'
    ' WHERE "agency_id" = %s AND "day" = %s RETURNING "last_value"'
)


def next_sequence(agency: Any, day: date) -> int:
    """The next number of ``agency`` on ``day``. Call inside the transaction that uses it."""
    from chinhquyen.dossiers.models import DossierCodeSequence

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("codes.next_sequence() must run inside transaction.atomic().")
    for _ in range(3):
        # One statement: the UPDATE holds the row lock until commit and returns our own value.
        with connection.cursor() as cursor:
            cursor.execute(_NEXT_SQL, [agency.pk, day.isoformat()])
            row = cursor.fetchone()
        if row is not None:
            return row[0]
        try:
            with transaction.atomic():
                DossierCodeSequence.objects.create(agency=agency, day=day, last_value=1)
            return 1
        except IntegrityError:
            continue  # another desk created the day's row first: increment it
    raise RuntimeError("could not allocate a dossier code sequence")  # pragma: no cover


def allocate(agency: Any, moment: datetime, name: str | None = None) -> str:
    """A new, unique code for a dossier ``agency`` registers at ``moment``."""
    day = local_day(moment, name)
    return format_code(agency.code, day, next_sequence(agency, day), name)
