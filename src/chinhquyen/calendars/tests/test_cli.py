"""``chinhquyen calendar``: seed, due, explain, days; naive --start means Vietnam time."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chinhquyen.audit.models import AuditRecord
from chinhquyen.calendars.models import SeededYear

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_seed_twice(db):
    first = run("seed", "--years", "2025-2027")
    assert "năm mới khởi tạo: 2025, 2026, 2027" in first
    assert json.loads(run("seed", "--years", "2025-2027", "--json"))["created"] == 0
    assert list(SeededYear.objects.values_list("year", flat=True)) == [2025, 2026, 2027]
    assert AuditRecord.objects.get(action="calendars.seed").source == "cli"


def test_due_prints_iso_8601_in_vietnam_time(seeded):
    # A naive --start is Vietnam time (the documented CLI convention). Tết 2026 is skipped.
    assert (
        run("due", "--start", "2026-02-12T09:00", "--working-days", "5").strip()
        == "2026-02-26T09:00:00+07:00"
    )
    assert (
        run("due", "--start", "2026-02-12T02:00Z", "--working-hours", "8").strip()
        == "2026-02-13T09:30:00+07:00"
    )


def test_due_json(seeded, agency_tree):
    body = json.loads(
        run(
            "due",
            "--start",
            "2026-03-05T15:30",
            "--working-days",
            "2",
            "--paper",
            "--agency",
            agency_tree["justice"].code.lower(),
            "--json",
        )
    )
    assert body["agency"] == agency_tree["justice"].code
    assert body["cutoff_applied"] is True
    assert body["due"] == "2026-03-09T17:00:00+07:00"


def test_explain_text_and_json(seeded):
    text = run("explain", "--start", "2025-04-25T10:00", "--working-days", "3")
    assert "Hạn: 10:00 Thứ Ba 29/04/2025" in text
    assert "Làm bù cho ngày nghỉ 02/05/2025" in text
    body = json.loads(
        run(
            "explain",
            "--start",
            "2025-04-25T10:00",
            "--working-days",
            "3",
            "--pause",
            "2025-04-28T07:30/2025-04-28T17:00/chờ ý kiến",
            "--json",
        )
    )
    assert body["due"] == "2025-05-05T10:00:00+07:00"
    assert any(d["kind"] == "paused" for d in body["days"])


def test_days(seeded):
    text = run("days", "--year", "2026")
    assert "2026-11-24" in text and "Ngày Văn hóa Việt Nam" in text
    body = json.loads(run("days", "--year", "2025", "--json"))
    kinds = {d["date"]: d["kind"] for d in body["days"]}
    assert kinds["2025-05-02"] == "day_off_swap" and kinds["2025-04-26"] == "worked_day"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("due", "--start", "2026-02-12T09:00", "--working-days", "-1"), "không được âm"),
        (("due", "--start", "2031-02-12T09:00", "--working-days", "1"), "2031 chưa được khởi tạo"),
        (
            ("due", "--start", "2026-02-12T09:00", "--working-days", "1", "--agency", "KHONG"),
            "Không tìm thấy cơ quan",
        ),
        (("due", "--start", "hôm nay", "--working-days", "1"), "ISO 8601"),
        (("days", "--year", "20x6"), "không hợp lệ"),
        (("seed", "--years", "1990"), "1995"),
    ],
)
def test_errors_are_clear(seeded, args, words):
    with pytest.raises(CommandError, match=words):
        run(*args)
