"""Citizens' main pages: no serious accessibility problems (axe-core) and light first loads.

Issue 6 asks for mobile-first, accessible pages with no page over 300 KB of transfer on the first
visit. These checks run in Debian's Chromium on a phone-sized viewport. The page-weight check is
served the way production serves: static files collected with WhiteNoise's compressing storage and
sent by the WhiteNoise middleware (Django's test static handler would send them uncompressed).
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connections
from django.test import Client, override_settings
from django.test.testcases import LiveServerThread

from chinhquyen.catalog import importing, services
from chinhquyen.catalog.models import Procedure
from chinhquyen.dossiers import drafts
from chinhquyen.dossiers import services as dossier_services
from tests.e2e.conftest import axe_violations, transfer_bytes

LIMIT = 300 * 1024
CODES = ("1.001193", "1.003583", "2.000528", "1.000894")

PAGES = [
    ("/", "Trang chủ"),
    ("/thu-tuc/", "Danh sách thủ tục"),
    ("/thu-tuc/?q=dang+ky+khai+sinh", "Tìm thủ tục không dấu"),
    ("/thu-tuc/1.001193/", "Chi tiết thủ tục"),
    ("/tai-khoan/dang-nhap/", "Đăng nhập"),
    ("/tai-khoan/dang-ky/", "Đăng ký tài khoản"),
    ("/tra-cuu/", "Tra cứu hồ sơ"),
]
IDS = [p for p, _ in PAGES]

# Pages of a logged-in citizen; {dossier} and {draft} are filled in by the citizen_pages fixture.
CITIZEN_PAGES = [
    ("/ho-so-cua-toi/", "Hồ sơ của tôi"),
    ("/ho-so-cua-toi/{dossier}/", "Một hồ sơ của tôi"),
    ("/nop-truc-tuyen/thu-tuc/1.001193/", "Nộp trực tuyến: bắt đầu"),
    ("/nop-truc-tuyen/{draft}/nguoi-nop/", "Nộp trực tuyến: bước 1 (người nộp)"),
]
CITIZEN_IDS = [p for p, _ in CITIZEN_PAGES]


@pytest.fixture
def catalog(transactional_db, agency_tree):
    records = [
        (n, r) for n, r in importing.read_records(services.DEMO_FIXTURE) if r["ma_thu_tuc"] in CODES
    ]
    services.import_records(records, source="test")


@pytest.fixture
def citizen_pages(catalog, agency_tree, citizen):
    """A citizen with one submitted dossier and one draft, and their session cookie's value."""
    procedure = Procedure.objects.get(code="1.001193")
    dossier = dossier_services.submit_online(
        actor=citizen, procedure=procedure, agency=agency_tree["ward"]
    )
    draft = drafts.start_draft(actor=citizen, procedure=procedure)
    client = Client()
    client.force_login(citizen)
    return {
        "dossier": dossier.code,
        "draft": str(draft.public_id),
        "session": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
    }


def _log_in(context, base_url: str, citizen_pages: dict) -> None:
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": citizen_pages["session"],
                "url": base_url,
            }
        ]
    )


def _phone(browser, base_url: str):
    context = browser.new_context(
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        base_url=base_url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


@pytest.fixture
def phone(browser, live_server):
    context, page = _phone(browser, live_server.url)
    yield page
    context.close()


@pytest.fixture(scope="module")
def compressed_static(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def production_server(transactional_db, compressed_static, settings):
    """The app behind WhiteNoise with compressed files, no test static handler in front."""
    settings.STATIC_ROOT = compressed_static
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = True
    shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    thread = LiveServerThread(
        "localhost", static_handler=lambda app: app, connections_override=shared
    )
    thread.daemon = True
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://localhost:{thread.port}"
    thread.terminate()
    for conn in shared.values():
        conn.dec_thread_sharing()


@pytest.mark.parametrize(("path", "label"), PAGES, ids=IDS)
def test_page_has_no_serious_accessibility_problem(phone, catalog, path, label):
    phone.goto(path)
    problems = axe_violations(phone)
    assert problems == [], f"{label}: {problems}"


@pytest.mark.parametrize(("path", "label"), PAGES, ids=IDS)
def test_first_visit_transfers_under_300_kb(browser, production_server, catalog, path, label):
    context, page = _phone(browser, production_server)
    try:
        size = transfer_bytes(page, path)
    finally:
        context.close()
    assert 0 < size <= LIMIT, f"{label}: {size} bytes"


@pytest.mark.parametrize(("path", "label"), CITIZEN_PAGES, ids=CITIZEN_IDS)
def test_citizen_page_has_no_serious_accessibility_problem(
    browser, live_server, citizen_pages, path, label
):
    context, page = _phone(browser, live_server.url)
    try:
        _log_in(context, live_server.url, citizen_pages)
        response = page.goto(path.format(**citizen_pages))
        assert response.status == 200 and "/dang-nhap/" not in page.url, label
        problems = axe_violations(page)
    finally:
        context.close()
    assert problems == [], f"{label}: {problems}"


@pytest.mark.parametrize(("path", "label"), CITIZEN_PAGES, ids=CITIZEN_IDS)
def test_citizen_page_first_visit_transfers_under_300_kb(
    browser, production_server, citizen_pages, path, label
):
    context, page = _phone(browser, production_server)
    try:
        _log_in(context, production_server, citizen_pages)
        size = transfer_bytes(page, path.format(**citizen_pages))
        assert "/dang-nhap/" not in page.url, label
    finally:
        context.close()
    assert 0 < size <= LIMIT, f"{label}: {size} bytes"
