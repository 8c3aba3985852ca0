"""Packs are folders: found by their pack.json, chosen by date, extended without code changes."""

from __future__ import annotations

import io
import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pypdf
import pytest

from chinhquyen.dossiers import regulations
from chinhquyen.dossiers.regulations.packs import PACKS_ROOT, PackRegistry
from chinhquyen.dossiers.regulations.rendering import render_pdf
from chinhquyen.dossiers.regulations.samples import sample_context


def test_the_2018_pack_is_available_with_its_six_forms():
    assert "tt01_2018" in regulations.available_packs()
    assert regulations.form_codes("tt01_2018") == ["01", "02", "03", "04", "05", "06"]
    pack = regulations.get_pack("tt01_2018")
    assert pack.effective_from == date(2019, 1, 6)
    assert pack.form("01").title == "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    assert {c: pack.form(c).page_size for c in pack.forms} == {
        "01": "A5 portrait",
        "02": "A5 portrait",
        "03": "A5 portrait",
        "04": "A5 portrait",
        "05": "A5 portrait",
        "06": "A4 landscape",
    }


def test_unknown_pack_and_form_are_named():
    with pytest.raises(regulations.PackError, match="unknown regulation pack 'tt99_2030'"):
        regulations.render("01", {}, pack="tt99_2030")
    with pytest.raises(regulations.UnknownForm, match="no form '07'"):
        regulations.render("07", {})


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2019, 1, 6), "tt01_2018"),
        (date(2026, 2, 12), "tt01_2018"),
        (datetime(2026, 2, 12, 7, 30, tzinfo=UTC), "tt01_2018"),
    ],
)
def test_pack_in_force_on_a_date(day, expected):
    assert regulations.pack_for(day).id == expected


def test_no_pack_before_the_circular_took_effect():
    with pytest.raises(regulations.NoPackInForce, match="2019-01-05"):
        regulations.pack_for(date(2019, 1, 5))


def test_dossier_code_format_is_held_in_the_pack():
    pack = regulations.get_pack("tt01_2018")
    code = pack.format_dossier_code(
        agency_code="000.00.20.H41", received_on=date(2026, 2, 12), sequence=7
    )
    assert code == "000.00.20.H41-260212-0007"
    assert pack.is_dossier_code(code)
    assert pack.is_dossier_code("000.00.20.H41-260212-12345")  # a busy day past 9999
    assert not pack.is_dossier_code("000.00.20.H41-2602-7")


def test_the_one_stop_time_rules_are_held_in_the_pack():
    assert regulations.get_pack("tt01_2018").rules == {
        "supplement_window_working_days": 3,  # ND 61/2018 Art. 19
        "apology_lead_working_days": 1,
        "max_new_dates": 1,
        "paper_cutoff": "15:00",  # Art. 18
        "consultation_working_days": 5,
    }


# --- a second pack beside the first, with no code change --------------------------------------

STOP_NOTICE = """{% extends "_base.html" %}
{% block body %}
<p>Hồ sơ của: <strong>{{ applicant.name }}</strong></p>
<p>Dừng giải quyết từ: <span class="date">{{ stopped_at|vn_datetime }}</span></p>
<p>Lý do: {{ stop_reason }}</p>
{% endblock %}
"""


def make_2025_pack(root: Path) -> None:
    """tt03_2025 reuses the 2018 receipt and stylesheet and adds a stop notice (form 05)."""
    shutil.copytree(PACKS_ROOT / "tt01_2018", root / "tt01_2018")
    folder = root / "tt03_2025"
    folder.mkdir()
    (folder / "mau_05_dung.html").write_text(STOP_NOTICE, encoding="utf-8")
    (folder / "pack.json").write_text(
        json.dumps(
            {
                "name": "Biểu mẫu theo Thông tư 03/2025/TT-VPCP (thử nghiệm)",
                "legal_basis": ["Thông tư 03/2025/TT-VPCP"],
                "effective_from": "2025-07-01",
                "extends": "tt01_2018",
                "forms": {
                    "01": {
                        "title": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
                        "template": "mau_01_tiep_nhan.html",
                        "context": "receipt",
                    },
                    "05": {
                        "title": "Thông báo dừng giải quyết hồ sơ",
                        "template": "mau_05_dung.html",
                        "required_keys": ["dossier_code", "lookup_url", "applicant.name"]
                        + ["stopped_at", "stop_reason", "agency.name", "place", "issued_at"],
                    },
                },
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )


@pytest.fixture
def registry(tmp_path) -> PackRegistry:
    make_2025_pack(tmp_path)
    return PackRegistry(tmp_path)


def test_a_new_pack_folder_is_found_and_chosen_by_date(registry):
    assert registry.available_packs() == ["tt01_2018", "tt03_2025"]
    assert registry.pack_for(date(2025, 6, 30)).id == "tt01_2018"
    assert registry.pack_for(date(2025, 7, 1)).id == "tt03_2025"
    assert registry.pack_for(date(2026, 2, 12)).id == "tt03_2025"


def test_an_ending_date_closes_a_pack(tmp_path):
    make_2025_pack(tmp_path)
    path = tmp_path / "tt03_2025" / "pack.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["effective_until"] = "2026-01-01"
    path.write_text(json.dumps(data), encoding="utf-8")
    registry = PackRegistry(tmp_path)
    assert registry.pack_for(date(2025, 12, 31)).id == "tt03_2025"
    assert registry.pack_for(date(2026, 1, 1)).id == "tt01_2018"


def test_the_new_pack_renders_inherited_and_new_forms(registry):
    pack = registry.get("tt03_2025")
    assert pack.stylesheets == ("forms.css",)  # inherited with the templates
    assert pack.rules == registry.get("tt01_2018").rules  # and the time rules
    receipt = render_pdf(pack, pack.form("01"), sample_context("01"))
    assert "GIẤY TIẾP NHẬN HỒ SƠ" in pypdf.PdfReader(io.BytesIO(receipt)).pages[0].extract_text()

    context = sample_context("03")
    context["stopped_at"] = datetime(2026, 2, 20, 9, 0, tzinfo=UTC)
    context["stop_reason"] = "Người yêu cầu rút hồ sơ."
    notice = render_pdf(pack, pack.form("05"), context)
    text = pypdf.PdfReader(io.BytesIO(notice)).pages[0].extract_text()
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text
    assert "16 giờ 00 phút, ngày 20 tháng 02 năm 2026" in text

    del context["stop_reason"]
    with pytest.raises(regulations.MissingContextKey, match="'stop_reason'"):
        render_pdf(pack, pack.form("05"), context)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"effective_from": "01/07/2025"}, "YYYY-MM-DD"),
        ({"extends": "tt00_1999"}, "extends unknown pack"),
        ({"id": "tt04_2025"}, "differs from its folder"),
        (
            {"forms": {"01": {"title": "X", "template": "khong_co.html"}}},
            "'khong_co.html' not found",
        ),
        ({"forms": {"01": {"title": "X", "template": "mau_05_dung.html", "paper": "A6"}}}, "A6"),
        ({"forms": {"01": {"title": "X", "template": "mau_05_dung.html", "context": "x"}}}, "'x'"),
    ],
)
def test_a_broken_pack_json_is_reported_with_its_path(tmp_path, change, message):
    make_2025_pack(tmp_path)
    path = tmp_path / "tt03_2025" / "pack.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(change)
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(regulations.PackError, match=message):
        PackRegistry(tmp_path).packs  # noqa: B018 - loading is the test


def test_templates_cannot_read_server_files_or_the_network(registry, caplog):
    folder = registry.root / "tt03_2025"
    (folder / "mau_05_dung.html").write_text(
        '{% extends "_base.html" %}{% block body %}<img src="file:///etc/hostname">'
        '<img src="http://127.0.0.1:9/x.png">{% endblock %}',
        encoding="utf-8",
    )
    registry.reload()
    pack = registry.get("tt03_2025")
    context = sample_context("03") | {"stopped_at": datetime.now(UTC), "stop_reason": "x"}
    with caplog.at_level("ERROR", logger="weasyprint"):
        render_pdf(pack, pack.form("05"), context)
    refused = [r.getMessage() for r in caplog.records if "disallowed protocol" in r.getMessage()]
    assert len(refused) == 2
