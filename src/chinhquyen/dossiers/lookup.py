"""Public lookup of a dossier's status without an account (tra cứu hồ sơ).

Two things identify a dossier to someone who is not logged in: its code (printed on the receipt
and often said aloud, so not a secret) and a second factor only the applicant has: the lookup
secret printed on the receipt (Mẫu 01, 8 characters), or the last 4 digits of the applicant's
phone number.

What the answer may say: the procedure, the receiving agency, the status (plain and national),
the reception, due, finish and hand-back dates, the unit holding the dossier. Never the
applicant's name, phone, address, identity number, nor officials' names or opinions.

Enumeration resistance:

* a wrong code and a wrong second factor give the same answer (:func:`find` returns ``None``
  for both, and the faces render the same page or the same JSON error);
* the work is comparable: one indexed query by code in both cases, and both factors are compared
  with :func:`hmac.compare_digest` against the stored values, or against fixed dummies when no
  dossier has that code;
* attempts are rate-limited per client address (:func:`limited`, django-ratelimit, the
  ``DOSSIER_LOOKUP_RATE`` setting), the page and the API sharing one counter.

Codes and factors are never logged here. The receipt's QR code carries the code and the secret
in its URL (``/tra-cuu/?ma=…&mtc=…``, see :func:`chinhquyen.dossiers.forms.lookup_url`): a
scan opens the answer without typing, at the price of the secret appearing in that URL (the
browser's history, a proxy's access log). The secret opens only this public status, so the
trade-off is accepted; see docs/portal.md.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.http import HttpRequest
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited

from chinhquyen.core import fastsql
from chinhquyen.dossiers import timeline, workflow
from chinhquyen.dossiers.models import Dossier

RATE_GROUP = "dossiers.lookup"
DEFAULT_RATE = "20/m"
MAX_CODE = 60
MAX_FACTOR = 16
PHONE_DIGITS = 4
# Compared against when no dossier has the code, so that both cases do the same work.
_DUMMY_SECRET = "ZZZZZZZZ"
_DUMMY_PHONE = "----"
_SPACES = re.compile(r"\s+")


def rate() -> str:
    return getattr(settings, "DOSSIER_LOOKUP_RATE", DEFAULT_RATE) or DEFAULT_RATE


def limited(request: HttpRequest) -> bool:
    """Count one lookup attempt of the request's client address; ``True`` past the rate."""
    return is_ratelimited(
        request, group=RATE_GROUP, key="ip", rate=rate(), method=ALL, increment=True
    )


def clean_code(code: Any) -> str:
    return _SPACES.sub("", str(code or "")).upper()[: MAX_CODE + 1]


def clean_factor(factor: Any) -> str:
    return _SPACES.sub("", str(factor or "")).upper()[: MAX_FACTOR + 1]


def _phone_tail(phone: str) -> str:
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return digits[-PHONE_DIGITS:] if len(digits) >= PHONE_DIGITS else ""


# One query, no model instances: what the answer shows, and the two factors to compare.
_COLUMNS = {
    "code": "code",
    "status": "status",
    "procedure_code": "procedure__code",
    "procedure_name": "procedure__name",
    "agency_name": "agency__name",
    "submitted_at": "submitted_at",
    "received_at": "received_at",
    "due_at": "due_at",
    "finished_at": "finished_at",
    "returned_at": "returned_at",
    "clock_paused_since": "clock_paused_since",
    "rescheduled_due_at": "rescheduled_due_at",
    "step_agency_name": "current_step__agency__name",
    "step_unit": "current_step__responsible_unit",
    "step_finished_at": "current_step__finished_at",
}
_FACTORS = ("lookup_secret", "applicant_phone")


@dataclass(frozen=True)
class Found:
    """The public columns of a dossier found by :func:`find` (no personal data)."""

    code: str
    status: str
    procedure_code: str
    procedure_name: str
    agency_name: str
    submitted_at: datetime
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    clock_paused_since: datetime | None
    rescheduled_due_at: datetime | None
    step_agency_name: str | None
    step_unit: str | None
    step_finished_at: datetime | None


_NAMES = (*_COLUMNS, *_FACTORS)
# The public lookup is the hottest anonymous read; building the same SQL for every request cost as
# much as running the query. The SQL and the value converters (e.g. SQLite's text to aware
# datetime) are kept per database alias: under ASGI every request has a new connection object.
_statements: dict[tuple[str, str], tuple[str, dict] | None] = {}


def _queryset(code: str) -> Any:
    return (
        Dossier.objects.filter(code=code).order_by().values_list(*_COLUMNS.values(), *_FACTORS)[:1]
    )


def _statement(connection: Any) -> tuple[str, dict] | None:
    key = (connection.alias, connection.vendor)
    if key not in _statements:
        compiler = _queryset("?").query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        # ``None``: a backend that inlines or adds values takes the ORM path.
        _statements[key] = (
            (
                sql,
                fastsql.converters(
                    connection, [s[0] for s in compiler.select[: compiler.col_count]]
                ),
            )
            if list(params) == ["?"]
            else None
        )
    return _statements[key]


def _fetch(code: str) -> dict[str, Any] | None:
    """The public columns and both factors of the dossier ``code``, in one query."""
    connection = connections[router.db_for_read(Dossier)]
    prepared = _statement(connection)
    if prepared is None:  # pragma: no cover
        rows = list(_queryset(code))
    else:
        sql, found = prepared
        rows = [
            fastsql.convert(row, found, connection)
            for row in fastsql.fetch_prepared(connection, sql, [code], 1)
        ]
    return dict(zip(_NAMES, rows[0], strict=True)) if rows else None


def find(code: Any, factor: Any) -> Found | None:
    """The dossier with ``code`` when ``factor`` is its lookup secret or the last 4 digits of its
    applicant's phone; ``None`` otherwise, whichever of the two was wrong."""
    value, given = clean_code(code), clean_factor(factor)
    valid = 0 < len(value) <= MAX_CODE and 0 < len(given) <= MAX_FACTOR
    row = _fetch(value) if valid else None
    secret = row["lookup_secret"] if row is not None else _DUMMY_SECRET
    tail = _phone_tail(row["applicant_phone"]) if row is not None else _DUMMY_PHONE
    # Both comparisons always run; an empty phone tail never matches (compare_digest of
    # different lengths is False, still in constant time for the given input).
    by_secret = hmac.compare_digest(secret.encode(), given.encode())
    by_phone = hmac.compare_digest((tail or _DUMMY_PHONE).encode(), given.encode()) and bool(tail)
    if row is None or not valid or not (by_secret or by_phone):
        return None
    return Found(**{name: row[name] for name in _COLUMNS})


@dataclass(frozen=True)
class PublicStatus:
    """What the public lookup shows: no personal data."""

    code: str
    procedure_code: str
    procedure_name: str
    agency_name: str
    status: str
    status_label: str
    status_hint: str
    national_status: int
    national_status_label: str
    current_unit: str
    submitted_at: datetime
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    late_notice: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def public_status(found: Found, *, now: datetime) -> PublicStatus:
    f = found
    step_open = f.step_agency_name is not None and f.step_finished_at is None
    return PublicStatus(
        code=f.code,
        procedure_code=f.procedure_code,
        procedure_name=f.procedure_name,
        agency_name=f.agency_name,
        status=f.status,
        status_label=timeline.plain_status(f.status),
        status_hint=timeline.status_hint(f.status),
        national_status=workflow.national_status(f.status),
        national_status_label=workflow.national_status_label(f.status),
        current_unit=timeline.unit_text(
            f.status,
            f.agency_name,
            (f.step_agency_name or "") if step_open else "",
            (f.step_unit or "") if step_open else "",
        ),
        submitted_at=f.submitted_at,
        received_at=f.received_at,
        due_at=f.due_at,
        finished_at=f.finished_at,
        returned_at=f.returned_at,
        late_notice=timeline.late_notice(f, now),
    )
