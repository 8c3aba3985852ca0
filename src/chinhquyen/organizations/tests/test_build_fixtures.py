"""The fixture builder, on small messy inputs shaped like the official lists."""

import csv
import gzip
import io
import json
import os
import unicodedata
from pathlib import Path

import pytest

from chinhquyen.organizations import services
from chinhquyen.organizations.data import build_fixtures as bf
from chinhquyen.organizations.naming import canonical_name, name_key, split_prefix

CAP_TINH = [["40", "Nghệ An"], ["01", "Thành phố Hà Nội"], ["", ""]]
NESTED = [
    {"code": 1, "name": "Thành phố Hà Nội", "wards": [{"code": 4, "name": "Phường Ba Đình"}]},
    {
        "code": 40,
        "name": "Tỉnh Nghệ An",
        "wards": [
            {"code": 16702, "name": "Phường Vinh Phú"},
            {"code": 17902, "name": "xã Nghi Phong"},
        ],
    },
]
FLAT = [
    {
        "code": 16702,
        "name": unicodedata.normalize("NFD", "Phường  Vinh Phú"),
        "province_name": "Tỉnh Nghệ An",
    },
    {"code": 4, "name": "Phường Ba Đình", "province_name": "Thành phố Hà Nội"},
    {"code": 17902, "name": "xã Nghi Phong", "province_name": "Tỉnh Nghệ An"},
]
LEGACY = [
    ["Đơn vị hành chính từ ngày 01/7/2025", "", "", "Đơn vị hành chính trước ngày 01/7/2025"],
    [
        "Tỉnh, thành phố",
        "Tên Xã mới",
        "Mã Xã mới",
        "Tên Xã cũ",
        "Mã Xã cũ",
        "Ghi chú",
        "Quận/huyện",
        "Tỉnh cũ",
        "",
    ],
    ["NGHỆ AN  ", "", "", "", "", "", "", "", ""],
    [
        "Tỉnh Nghệ An (40)",
        "Phường Vinh Phú ",
        "16702",
        "Phường  Nghi Phú",
        "16702",
        "Nhập toàn bộ",
        "Thành phố Vinh (412)",
        "Tỉnh Nghệ An (40)",
        "",
    ],
    [
        "Tỉnh Nghệ An (40)",
        "Xã Nghi Phong",
        "17902",
        "Xã Nghi Phong ",
        "17902",
        "Nhập một  phần",
        "Thị Xã Cửa Lò (413)",
        "Nghệ An (40)",
        "",
    ],
    [
        "Tỉnh Nghệ An (40)",
        "Xã Nghi Phong",
        "17902",
        "Xã Nghi Xuân",
        "17905",
        "Phần còn lại sau khi tách một phần vào xã Nghi Thái",
        "Huyện Nghi Lộc (420)",
        "Tỉnh Nghệ An (40)",
        "",
    ],
    [
        "Tỉnh Nghệ An (40)",
        "Xã Kim Đông",
        "14698",
        "Khu vực bãi bồi",
        "",
        "Nhập toàn bộ",
        "Huyện Kim Sơn (376)",
        "Tỉnh Ninh Bình (37)",
        "",
    ],
    [
        "Tỉnh Nghệ An (40)",
        "Đặc khu Không Có",
        "99999",
        "Xã Cũ",
        "00001",
        "Nhập toàn bộ",
        "Huyện X (001)",
        "Tỉnh Y (01)",
        "",
    ],
    [
        "Tỉnh Nghệ An (40)",
        "Phường Vinh Phú",
        "16702",
        "Phường Nghi Phú",
        "16702",
        "Nhập toàn bộ",
        "Thành phố Vinh (412)",
        "Tỉnh Nghệ An (40)",
        "",
    ],
]


def test_prefixes_and_keys():
    assert split_prefix("Thị Xã  Cửa Lò") == ("Thị xã", "Cửa Lò")
    assert split_prefix("TP Hải Phòng") == ("Thành phố", "Hải Phòng")
    assert split_prefix("Xã") == ("", "Xã")
    assert canonical_name("xã Bắc Sơn") == "Xã Bắc Sơn"
    assert name_key("Phường  Nghi Phú") == name_key("nghi phu") == "nghi phu"


def test_build_units_from_messy_sources():
    document, remarks = bf.build_units(CAP_TINH, NESTED, FLAT)
    assert document["provinces"] == [
        {"code": "01", "name": "Thành phố Hà Nội", "kind": "Thành phố"},
        {"code": "40", "name": "Tỉnh Nghệ An", "kind": "Tỉnh"},
    ]
    assert document["wards"] == [
        {"code": "00004", "name": "Phường Ba Đình", "kind": "Phường", "province": "01"},
        {"code": "16702", "name": "Phường Vinh Phú", "kind": "Phường", "province": "40"},
        {"code": "17902", "name": "Xã Nghi Phong", "kind": "Xã", "province": "40"},
    ]
    assert all(unicodedata.is_normalized("NFC", w["name"]) for w in document["wards"])
    assert any("xã Nghi Phong" in r for r in remarks)


def test_build_units_refuses_inconsistent_sources():
    wrong = [dict(FLAT[0], province_name="Thành phố Hà Nội")]
    with pytest.raises(bf.SourceError):
        bf.build_units(CAP_TINH, NESTED, wrong)
    with pytest.raises(bf.SourceError):
        bf.build_units([["40", "Hà Tĩnh"]], NESTED, [])


def test_build_legacy_cleans_skips_and_counts():
    result = bf.build_legacy(LEGACY, {"16702", "17902", "14698"})
    assert result.headings == 3
    assert result.rows == [
        {
            "old_code": "16702",
            "old_name": "Phường Nghi Phú",
            "old_district": "Thành phố Vinh",
            "old_province": "Tỉnh Nghệ An",
            "new_code": "16702",
            "whole": "whole",
            "note": "Nhập toàn bộ",
        },
        {
            "old_code": "17902",
            "old_name": "Xã Nghi Phong",
            "old_district": "Thị xã Cửa Lò",
            "old_province": "Nghệ An",
            "new_code": "17902",
            "whole": "part",
            "note": "Nhập một phần",
        },
        {
            "old_code": "17905",
            "old_name": "Xã Nghi Xuân",
            "old_district": "Huyện Nghi Lộc",
            "old_province": "Tỉnh Nghệ An",
            "new_code": "17902",
            "whole": "part",
            "note": "Phần còn lại sau khi tách một phần vào xã Nghi Thái",
        },
    ]
    assert len(result.skipped) == 3
    assert "thiếu mã xã cũ" in result.skipped[0]
    assert "99999" in result.skipped[1]
    assert "trùng cặp" in result.skipped[2]


def _write_sources(folder: Path) -> None:
    with (folder / "cap-tinh-2025.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(CAP_TINH)
    (folder / "nested-divisions-2025.json").write_text(json.dumps(NESTED), encoding="utf-8")
    (folder / "flat-divisions-2025.json").write_text(json.dumps(FLAT), encoding="utf-8")
    with (folder / "bang-chuyen-doi-dvhc-moi-cu.csv").open("w", encoding="utf-8", newline="") as h:
        csv.writer(h).writerows(LEGACY)


@pytest.mark.django_db
def test_build_writes_deterministic_gzip_that_the_loaders_read(tmp_path):
    _write_sources(tmp_path)
    first, second = tmp_path / "a", tmp_path / "b"
    summary = bf.build(tmp_path, first)
    bf.build(tmp_path, second)
    assert (summary["provinces"], summary["wards"], summary["legacy_rows"]) == (2, 3, 3)
    for name in (bf.UNITS_FILE, bf.LEGACY_FILE):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    rows = list(
        csv.DictReader(io.StringIO(gzip.decompress((first / bf.LEGACY_FILE).read_bytes()).decode()))
    )
    assert list(rows[0]) == list(bf.LEGACY_COLUMNS)
    units = services.load_administrative_units(path=first / bf.UNITS_FILE)
    legacy = services.load_legacy_mappings(path=first / bf.LEGACY_FILE)
    assert (units.created, legacy.created, legacy.skipped) == (5, 3, [])


def test_main_reports_errors_in_vietnamese(tmp_path, capsys):
    assert bf.main(["--source", str(tmp_path / "missing"), "--output", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith("Lỗi:")


@pytest.mark.skipif(
    not os.environ.get("CHINHQUYEN_ADMIN_UNITS_SOURCE"),
    reason="set CHINHQUYEN_ADMIN_UNITS_SOURCE to the folder of the official lists",
)
def test_shipped_fixtures_are_what_the_builder_makes(tmp_path):
    bf.build(Path(os.environ["CHINHQUYEN_ADMIN_UNITS_SOURCE"]), tmp_path)
    for name in (bf.UNITS_FILE, bf.LEGACY_FILE):
        assert (tmp_path / name).read_bytes() == (bf.HERE / name).read_bytes()
