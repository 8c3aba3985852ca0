"""Public catalog pages: search with filters and pages, detail, suggestions, form downloads."""

import re

import pytest
from django.core.files.base import ContentFile

from chinhquyen.catalog import services
from chinhquyen.catalog.models import OnlineLevel, Procedure
from chinhquyen.catalog.tests.test_search import BAD_INPUT

pytestmark = pytest.mark.django_db


def _no_inline_code(html: str) -> None:
    assert " style=" not in html
    assert not re.search(r"<style[\s>]", html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # only external scripts (CSP)
    assert re.search(r" on[a-z]+=", html) is None


def test_list_page_searches_filters_and_pages(client, small_catalog):
    response = client.get("/thu-tuc/", {"q": "dang ky ket hon"})
    html = response.content.decode()
    assert response.status_code == 200
    _no_inline_code(html)
    assert html.index("Thủ tục đăng ký kết hôn") < html.index("Thủ tục đăng ký lại kết hôn")
    assert 'hx-get="/thu-tuc/goi-y/"' in html and 'hx-trigger="input changed delay:200ms"' in html
    assert "catalog/catalog.css" in html
    page2 = client.get("/thu-tuc/", {"cap": "commune", "trang": 2}).content.decode()
    assert "trang 2/" in page2 and "cap=commune" in page2


def test_browse_by_field(client, small_catalog):
    html = client.get("/thu-tuc/").content.decode()
    assert "Theo lĩnh vực" in html and "Hộ tịch" in html


@pytest.mark.parametrize("query", BAD_INPUT)
def test_list_page_survives_any_query(client, small_catalog, query):
    response = client.get(
        "/thu-tuc/", {"q": query, "trang": "x", "cap": "<b>", "linh_vuc": "'", "truc_tuyen": "1"}
    )
    assert response.status_code == 200
    assert "<b>" not in response.content.decode().split("catalog-filters")[1][:2000]


def test_suggestions_fragment(client, small_catalog):
    html = client.get(
        "/thu-tuc/goi-y/", {"q": "ket hon"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in html and 'href="/thu-tuc/1.000894/"' in html
    assert client.get("/thu-tuc/goi-y/", {"q": "k"}).content.decode().strip() == ""


def test_detail_page_shows_papers_fees_times_and_legal_basis(client, small_catalog):
    html = client.get("/thu-tuc/1.001193/").content.decode()
    _no_inline_code(html)
    p = Procedure.objects.get(code="1.001193")
    assert p.name in html
    assert "Thành phần hồ sơ" in html and p.papers.first().name[:30] in html
    assert "Miễn phí" in html and "Thời hạn giải quyết" in html
    assert "Căn cứ pháp lý" in html


def test_apply_online_button_only_when_online(client, small_catalog, admin_user):
    p = Procedure.objects.get(code="1.001193")
    assert p.accepts_online
    html = client.get("/thu-tuc/1.001193/").content.decode()
    assert "Nộp hồ sơ trực tuyến" in html
    assert 'href="/nop-truc-tuyen/thu-tuc/1.001193/"' in html
    services.update_procedure(actor=admin_user, procedure=p, online_level=OnlineLevel.NONE)
    html = client.get("/thu-tuc/1.001193/").content.decode()
    assert "Nộp hồ sơ trực tuyến" not in html and "chưa nhận hồ sơ trực tuyến" in html


def test_form_template_download(client, small_catalog, admin_user):
    p = Procedure.objects.get(code="1.001193")
    paper = p.papers.first()
    assert client.get(f"/thu-tuc/1.001193/mau/{paper.pk}/").status_code == 404
    pdf = b"%PDF-1.4\n% to khai khai sinh\n%%EOF\n"
    services.attach_form_template(
        actor=admin_user, paper=paper, file=ContentFile(pdf, name="to-khai-khai-sinh.pdf")
    )
    html = client.get("/thu-tuc/1.001193/").content.decode()
    assert f"/thu-tuc/1.001193/mau/{paper.pk}/" in html
    response = client.get(f"/thu-tuc/1.001193/mau/{paper.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == pdf
    assert "attachment" in response["Content-Disposition"]


def test_unknown_or_inactive_procedure_is_404(client, small_catalog, admin_user):
    assert client.get("/thu-tuc/9.999999/").status_code == 404
    p = Procedure.objects.get(code="1.001193")
    services.update_procedure(actor=admin_user, procedure=p, is_active=False)
    assert client.get("/thu-tuc/1.001193/").status_code == 404
