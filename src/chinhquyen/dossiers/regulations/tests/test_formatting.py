"""Dates and personal data as the forms print them (Decree 30/2020 padding, Vietnam time)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chinhquyen.dossiers.regulations import formatting as f
from chinhquyen.dossiers.regulations.formatting import VIETNAM


def test_datetime_reads_as_on_the_forms():
    value = datetime(2026, 2, 12, 14, 30, tzinfo=VIETNAM)
    assert f.vn_datetime(value) == "14 giờ 30 phút, ngày 12 tháng 02 năm 2026"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 5), "ngày 05 tháng 01 năm 2026"),  # day < 10 and January padded
        (date(2026, 2, 28), "ngày 28 tháng 02 năm 2026"),  # February padded
        (date(2026, 3, 5), "ngày 05 tháng 3 năm 2026"),  # March onwards: no leading zero
        (date(2026, 11, 24), "ngày 24 tháng 11 năm 2026"),
    ],
)
def test_decree_30_pads_days_below_10_and_months_1_and_2(day, expected):
    assert f.vn_date(day) == expected


def test_utc_datetimes_print_in_vietnam_time():
    # 17:30 UTC on 11 February is 00:30 on 12 February in Hà Nội.
    value = datetime(2026, 2, 11, 17, 30, tzinfo=UTC)
    assert f.vn_datetime(value) == "00 giờ 30 phút, ngày 12 tháng 02 năm 2026"
    assert f.short_datetime(value) == "00:30 12/02/2026"


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        f.vn_date(datetime(2026, 2, 12, 14, 30))


def test_place_date_line():
    assert f.place_date("Nghệ An", date(2026, 2, 12)) == "Nghệ An, ngày 12 tháng 02 năm 2026"


def test_labels_and_masks():
    assert f.paper_form("certified_copy") == "Bản sao chứng thực"
    assert f.handover_result("late") == "Quá hạn"
    assert f.handover_result(None) == ""
    assert f.two_digits(1) == "01"
    assert f.mask_phone("0912345678") == "09******78"
    assert f.mask_phone(None) == ""
