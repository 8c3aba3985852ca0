"""The national calendar as the ``holidays`` package and our sources file give it (no database).

:func:`national_days` lists, for some years, every holiday, every weekday off in a swap and every
Saturday worked in exchange, each with its Vietnamese name and legal source. The seeding service
writes these rows to the database (where administrators may then edit them); tests build calendar
snapshots from them directly.

The package gives the dates but not the documents behind them, so ``data/sources.json`` maps each
kind of day (and known dates) to its legal source, and adds announced decisions the package does
not contain yet ("supplements").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

import holidays

from chinhquyen.calendars.deadlines import DAY_OFF_SWAP, HOLIDAY, KINDS, WORKED_DAY, DayInfo

PACKAGE_LABEL = f"holidays {holidays.__version__}"
# The package's Vietnamese label for a swapped weekday off: "Ngày nghỉ (thay cho ngày 26/04/2025)".
_SWAP = re.compile(r"thay cho ngày (\d{2})/(\d{2})/(\d{4})")


@dataclass(frozen=True)
class NationalDay:
    date: date
    kind: str
    name: str
    legal_source: str
    pair_date: date | None = None

    def info(self) -> DayInfo:
        return DayInfo(self.kind, self.name, self.legal_source, False, self.pair_date)


@lru_cache(maxsize=1)
def sources() -> dict[str, Any]:
    text = resources.files("chinhquyen.calendars").joinpath("data/sources.json").read_text("utf-8")
    return json.loads(text)


def category(name: str, kind: str) -> str:
    """Which rule a day comes from, judged by its Vietnamese name (see sources.json)."""
    if kind == DAY_OFF_SWAP:
        return "swap"
    if kind == WORKED_DAY:
        return "worked_day"
    lowered = name.lower()
    if "nghỉ bù" in lowered:
        return "observed"
    for needle, key in (
        ("tết dương lịch", "new_year"),
        ("tết", "lunar_new_year"),
        ("hùng vương", "hung_kings"),
        ("chiến thắng", "reunification"),
        ("lao động", "labour"),
        ("quốc khánh", "national_day"),
        ("văn hóa", "culture_day"),
    ):
        if needle in lowered:
            return key
    return ""


def legal_source(day: date, name: str, kind: str) -> str:
    """The legal source of a day: a known date, else the year's decision plus the rule, else the default."""
    data = sources()
    by_date = data.get("dates", {}).get(day.isoformat())
    if by_date:
        return by_date
    key = category(name, kind)
    rule = data.get("categories", {}).get(key, "")
    decision = data.get("years", {}).get(str(day.year), {}).get(key, "")
    if rule and decision:
        return f"{rule}; {decision}"
    return rule or decision or data.get("default", "Theo Bộ luật Lao động 2019, Điều 112")


def _parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def national_days(years: Iterable[int]) -> list[NationalDay]:
    """Every national holiday, swapped weekday off and worked Saturday of ``years``, by date."""
    wanted = sorted({int(y) for y in years})
    if not wanted:
        return []
    vn = holidays.country_holidays("VN", years=wanted, language="vi")
    days: dict[date, NationalDay] = {}
    swaps_by_worked: dict[date, date] = {}
    for day, names in sorted(vn.items()):
        if day.year not in wanted:
            continue
        # Two holidays on one date come joined with "; " (has not happened in VN, but be ready).
        name = names
        match = _SWAP.search(names)
        if match:
            worked = date(int(match[3]), int(match[2]), int(match[1]))
            swaps_by_worked[worked] = day
            days[day] = NationalDay(
                day, DAY_OFF_SWAP, name, legal_source(day, name, DAY_OFF_SWAP), worked
            )
        else:
            days[day] = NationalDay(day, HOLIDAY, name, legal_source(day, name, HOLIDAY))
    for worked in sorted(getattr(vn, "weekend_workdays", ()) or ()):
        if worked.year not in wanted:
            continue
        off = swaps_by_worked.get(worked)
        name = f"Làm bù cho ngày nghỉ {off:%d/%m/%Y}" if off else "Ngày làm bù"
        days[worked] = NationalDay(
            worked, WORKED_DAY, name, legal_source(worked, name, WORKED_DAY), off
        )
    for item in sources().get("supplements", []):
        day = date.fromisoformat(item["date"])
        if day.year not in wanted:
            continue
        kind = item["kind"]
        if kind not in KINDS:
            raise ValueError(f"sources.json: unknown kind {kind!r} for {day}")
        name = item["name"]
        days[day] = NationalDay(
            day,
            kind,
            name,
            item.get("legal_source") or legal_source(day, name, kind),
            _parse_date(item.get("pair_date")),
        )
    return [days[d] for d in sorted(days)]
