"""Read side of the working calendar: what faces and other apps ask.

Other apps compute deadlines with::

    from chinhquyen.calendars import selectors
    deadline = selectors.due(agency, received_at, working_days=5, paper=True)
    deadline.due  # aware datetime, Asia/Ho_Chi_Minh

or, in a loop, take ``selectors.calendar_for(agency)`` once and call
:mod:`chinhquyen.calendars.deadlines` with it.
"""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass
from datetime import date
from typing import Any

from chinhquyen.calendars import deadlines
from chinhquyen.calendars.loader import calendar_for, office_hours_of, resolve_agency
from chinhquyen.calendars.models import CalendarDay, SeededYear

__all__ = [
    "calendar_for",
    "due",
    "explain",
    "seeded_years",
    "days_for_year",
    "removed_national_days",
    "office_hours_summary",
    "year_grid",
    "resolve_agency",
]

MONTHS = [f"Tháng {m}" for m in range(1, 13)]


def due(agency: Any, start, **options: Any) -> deadlines.Deadline:
    """Compute a deadline in ``agency``'s calendar (options as :func:`deadlines.compute`)."""
    return deadlines.compute(calendar_for(agency), start, **options)


def explain(agency: Any, start, **options: Any) -> deadlines.Explanation:
    return deadlines.explain(calendar_for(agency), start, **options)


def seeded_years() -> list[int]:
    return list(SeededYear.objects.order_by("year").values_list("year", flat=True))


@dataclass(frozen=True)
class DayRow:
    id: int
    date: date
    kind: str
    name: str
    legal_source: str
    scope: str  # "national" or "agency"
    agency_code: str | None
    pair_date: date | None
    origin: str
    replaces_national: bool = False

    @property
    def kind_label(self) -> str:
        return deadlines.KIND_LABELS[self.kind]

    @property
    def weekday(self) -> str:
        return deadlines.WEEKDAYS[self.date.weekday()]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "date": self.date.isoformat(),
            "weekday": self.weekday,
            "kind": self.kind,
            "kind_label": self.kind_label,
            "name": self.name,
            "legal_source": self.legal_source,
            "scope": self.scope,
            "agency": self.agency_code,
            "pair_date": self.pair_date.isoformat() if self.pair_date else None,
            "origin": self.origin,
        }


def day_row(day: CalendarDay, replaces: bool = False) -> DayRow:
    return DayRow(
        id=day.pk,
        date=day.date,
        kind=day.kind,
        name=day.name,
        legal_source=day.legal_source,
        scope=day.scope,
        agency_code=day.agency.code if day.agency_id else None,
        pair_date=day.pair_date,
        origin=day.origin,
        replaces_national=replaces,
    )


def days_for_year(year: int, agency: Any = None) -> list[DayRow]:
    """The special days of ``year`` in force for ``agency`` (national ones, replaced by its own)."""
    the_agency = resolve_agency(agency)
    qs = CalendarDay.objects.filter(
        date__gte=date(year, 1, 1), date__lte=date(year, 12, 31), is_active=True
    ).select_related("agency")
    national = {d.date: day_row(d) for d in qs.filter(agency__isnull=True)}
    if the_agency is not None:
        for d in qs.filter(agency=the_agency):
            national[d.date] = day_row(d, replaces=d.date in national)
    return [national[d] for d in sorted(national)]


def removed_national_days(year: int) -> list[DayRow]:
    """National days an administrator removed (kept so that seeding does not restore them)."""
    qs = CalendarDay.objects.filter(
        agency__isnull=True,
        is_active=False,
        date__gte=date(year, 1, 1),
        date__lte=date(year, 12, 31),
    )
    return [day_row(d) for d in qs.order_by("date")]


def office_hours_summary(agency: Any = None) -> dict[str, Any]:
    """The weekly hours in force, per weekday and as one short line (runs of equal days grouped)."""
    hours, origin = office_hours_of(resolve_agency(agency))
    runs: list[list[int]] = []
    for wd in sorted(hours):
        if runs and runs[-1][-1] == wd - 1 and hours[runs[-1][-1]] == hours[wd]:
            runs[-1].append(wd)
        else:
            runs.append([wd])
    text = "; ".join(
        (
            deadlines.WEEKDAYS[run[0]]
            if len(run) == 1
            else f"{deadlines.WEEKDAYS[run[0]]} – {deadlines.WEEKDAYS[run[-1]]}"
        )
        + ": "
        + ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in hours[run[0]])
        for run in runs
    )
    return {
        "origin": origin,
        "text": text,
        "days": [
            {
                "weekday": wd,
                "label": deadlines.WEEKDAYS[wd],
                "hours": ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in hours[wd]),
            }
            for wd in sorted(hours)
        ],
    }


@dataclass(frozen=True)
class Cell:
    date: date
    classes: str
    title: str
    row: DayRow | None = None

    @property
    def day(self) -> int:
        return self.date.day


def year_grid(year: int, agency: Any = None, *, today: date | None = None) -> list[dict[str, Any]]:
    """Twelve month grids (weeks Monday–Sunday) with CSS classes marking each special day."""
    rows = {r.date: r for r in days_for_year(year, agency)}
    hours, _ = office_hours_of(resolve_agency(agency))
    months = []
    for month in range(1, 13):
        weeks = []
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells: list[Cell | None] = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                    continue
                cells.append(_cell(day, rows.get(day), hours, today))
            weeks.append(cells)
        months.append({"number": month, "name": MONTHS[month - 1], "weeks": weeks})
    return months


def _cell(day: date, row: DayRow | None, hours: dict, today: date | None) -> Cell:
    classes = []
    title = deadlines.WEEKDAYS[day.weekday()]
    if day.weekday() not in hours:
        classes.append("cal-rest")
    if row is not None:
        classes.append(
            {
                deadlines.HOLIDAY: "cal-holiday",
                deadlines.DAY_OFF_SWAP: "cal-swap",
                deadlines.WORKED_DAY: "cal-worked",
            }[row.kind]
        )
        if row.scope == "agency":
            classes.append("cal-agency")
        title = f"{title} {day:%d/%m}: {row.kind_label} – {row.name}"
    if today is not None and day == today:
        classes.append("cal-today")
    return Cell(day, " ".join(classes), title, row)
