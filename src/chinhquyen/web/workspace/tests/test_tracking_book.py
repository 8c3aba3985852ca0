"""The tracking book (sổ theo dõi hồ sơ, Mẫu 06): page, xlsx and PDF, and who may read it."""
# ruff: noqa: F811 - the dossier tests' fixtures are imported by name (pytest finds them so)

from __future__ import annotations

import io
import re
from datetime import datetime

import openpyxl
import pypdf
from django.test import Client
from django.urls import reverse

from chinhquyen.accounts.models import Role
from chinhquyen.conftest import make_official
from chinhquyen.dossiers import services
from chinhquyen.dossiers.tests.conftest import (  # noqa: F401 - fixtures
    APPLICANT,
    applicant,
    calendar_seeded,
    desk,
    desk_dossier,
    frozen,
    people,
    procedure,
    received_dossier,
    vn,
    world,
)

BOOK = reverse("workspace:tracking_book")
PERIOD = {"tu": "2026-03-01", "den": "2026-03-31"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def three_dossiers(w):
    """Two received in March (one refused at reception is not in the book), one in April."""
    first = received_dossier(w)
    w["clock"].set_time(vn(2026, 3, 3, 10, 0))
    second = received_dossier(w)
    refused = desk_dossier(w, papers=False)
    services.refuse_reception(
        actor=w["intake"], dossier=refused, expected_version=refused.version,
        reasons="Không thuộc thẩm quyền.",
    )  # fmt: skip
    w["clock"].set_time(vn(2026, 4, 1, 9, 0))
    april = received_dossier(w)
    return first, second, april


def query(w, **extra) -> dict:
    return {"co_quan": w["agency"].code, **PERIOD, **extra}


def test_book_page_lists_the_period_in_reception_order(world):
    w = world
    first, second, april = three_dossiers(w)
    page = client_for(w["intake"]).get(BOOK, query(w))
    body = page.content.decode()
    assert page.status_code == 200
    assert body.index(first.code) < body.index(second.code)
    assert april.code not in body
    assert "2 hồ sơ tiếp nhận trong kỳ" in body
    assert "Nhận kết quả từ cơ quan giải quyết" in body
    assert "0903123456" not in body and "09******56" in body  # phone printed masked


def test_book_as_xlsx_read_back(world):
    w = world
    first, second, _ = three_dossiers(w)
    response = client_for(w["intake"]).get(reverse("workspace:tracking_book_xlsx"), query(w))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "SỔ THEO DÕI HỒ SƠ"
    headers = rows[4]
    assert headers[:3] == ("TT", "Mã hồ sơ", "Tên thủ tục hành chính")
    assert "Hẹn trả kết quả" in headers and "Trả kết quả cho cá nhân, tổ chức" in headers
    data = [r for r in rows[6:] if r[0] is not None]
    assert [(r[0], r[1]) for r in data] == [(1, first.code), (2, second.code)]
    assert data[0][4] == APPLICANT["name"]
    assert data[0][7] == datetime(2026, 3, 2, 9, 0)  # received, Vietnam time
    assert data[0][8] == first.due_at.astimezone(vn(2026, 1, 1).tzinfo).replace(tzinfo=None)


def test_book_as_pdf_form_06(world):
    w = world
    first, second, april = three_dossiers(w)
    response = client_for(w["intake"]).get(reverse("workspace:tracking_book_pdf"), query(w))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    text = text_of(response.content)
    assert "SỔ THEO DÕI HỒ SƠ" in text.upper()
    assert first.code in text and second.code in text and april.code not in text


def test_book_numbers_continue_across_pages_and_the_year(world):
    w = world
    first, second, april = three_dossiers(w)
    # April only: the line number continues the year's book (3rd dossier received in 2026).
    page = client_for(w["intake"]).get(BOOK, query(w, tu="2026-04-01", den="2026-04-30"))
    body = page.content.decode()
    assert re.search(r"<td>3</td>\s*<th scope=\"row\"[^>]*>" + re.escape(april.code), body)


def test_another_agencys_official_cannot_see_the_book(world):
    w = world
    three_dossiers(w)
    outsider = client_for(make_official("tiepnhan.sxd", w["building"], Role.INTAKE_OFFICER))
    for name in ("tracking_book", "tracking_book_xlsx", "tracking_book_pdf"):
        assert outsider.get(reverse(f"workspace:{name}"), query(w)).status_code == 403
    # Their own book is empty; a leader above both may read this one.
    own = outsider.get(BOOK, {**PERIOD})
    assert own.status_code == 200 and w["agency"].code not in own.content.decode()
    assert client_for(w["root_leader"]).get(BOOK, query(w)).status_code == 200
    assert Client().get(BOOK).status_code == 302


def test_bad_period_is_explained_not_an_error(world):
    w = world
    page = client_for(w["intake"]).get(BOOK, query(w, tu="2026-13-01"))
    assert page.status_code == 200
    assert "Ngày không hợp lệ" in page.content.decode()
