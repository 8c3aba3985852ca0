"""Catalog operators' screens in the workspace: access, edits through the catalog services (new
version, audit record), process-time validation, form files, life events, navigation."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from chinhquyen.audit.models import AuditRecord
from chinhquyen.catalog import services
from chinhquyen.catalog.models import LifeEvent, Procedure, ProcessStep, RequiredPaper
from chinhquyen.catalog.tests.conftest import SMALL_CODES, demo_records
from chinhquyen.catalog.tests.test_views import _no_inline_code

pytestmark = pytest.mark.django_db

BIRTH = "1.001193"
LIST = "/can-bo/danh-muc/thu-tuc/"


def _edit(code: str) -> str:
    return f"{LIST}{code}/"


def _make_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>Tờ khai đăng ký khai sinh</w:document>")
    return buffer.getvalue()


DOCX = _make_docx()


def _docx() -> bytes:
    return DOCX


def _procedure_data(procedure: Procedure, **override) -> dict:
    data = {
        "name": procedure.name,
        "field": procedure.field_id or "",
        "levels": procedure.levels,
        "online_level": procedure.online_level,
        "conditions": procedure.conditions,
        "results": "\n".join(r.get("name", "") for r in procedure.results),
        "result_description": procedure.result_description,
        "keywords": procedure.keywords,
        "reason": "",
    }
    if procedure.is_active:
        data["is_active"] = "on"
    channels = list(procedure.channels.order_by("position"))
    data.update({"kenh-TOTAL_FORMS": len(channels), "kenh-INITIAL_FORMS": len(channels)})
    for i, c in enumerate(channels):
        for name in ("channel", "time_unit", "time_text", "fee_text", "fee_description"):
            data[f"kenh-{i}-{name}"] = getattr(c, name)
        data[f"kenh-{i}-time_value"] = "" if c.time_value is None else str(c.time_value)
        data[f"kenh-{i}-fee_amount"] = "" if c.fee_amount is None else str(c.fee_amount)
    data.update(override)
    return data


def _papers_data(papers: list[RequiredPaper], extra: dict | None = None) -> dict:
    data = {"giay-TOTAL_FORMS": len(papers), "giay-INITIAL_FORMS": len(papers)}
    for i, p in enumerate(papers):
        data.update({
            f"giay-{i}-id": p.pk, f"giay-{i}-group": p.group, f"giay-{i}-name": p.name,
            f"giay-{i}-originals": p.originals or "", f"giay-{i}-copies": p.copies or "",
            f"giay-{i}-ORDER": i + 1,
        })  # fmt: skip
    if extra:
        data.update(extra)
    return data


def _steps_data(steps: list[tuple[str, str]], agency: str = "") -> dict:
    data = {"buoc-TOTAL_FORMS": len(steps), "buoc-INITIAL_FORMS": 0}
    if agency:
        data["co_quan"] = agency
    for i, (name, hours) in enumerate(steps):
        data.update({
            f"buoc-{i}-name": name, f"buoc-{i}-responsible_role": "specialist",
            f"buoc-{i}-responsible_unit": "Phòng chuyên môn", f"buoc-{i}-allowance_hours": hours,
            f"buoc-{i}-ORDER": i + 1,
        })  # fmt: skip
    return data


@pytest.fixture
def small_catalog(db) -> services.ImportReport:
    return services.import_records(demo_records(SMALL_CODES), source="test")


def _verified(client, user):
    """Log in an administrator and pass the TOTP check the workspace asks of them."""
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client.force_login(user)
    ok = client.post("/tai-khoan/xac-thuc-hai-lop/", {"token": f"{totp(device.bin_key):06d}"})
    assert ok.status_code == 302
    return client


@pytest.fixture
def operator(client, officials):
    return _verified(client, officials["admin"])


@pytest.fixture
def timed_procedure(small_catalog) -> Procedure:
    """A procedure whose time is counted in working days (so its process must add up)."""
    for procedure in Procedure.objects.order_by("code").prefetch_related("channels"):
        hours = services.expected_hours(procedure)
        if hours and hours >= 4:
            return procedure
    raise AssertionError("the small catalog has no procedure counted in working time")


# --- access ---------------------------------------------------------------------------------------


def test_citizens_and_officials_without_permission_get_403(
    client, small_catalog, officials, citizen
):
    urls = [
        LIST,
        _edit(BIRTH),
        f"{_edit(BIRTH)}thanh-phan/",
        f"{_edit(BIRTH)}quy-trinh/",
        "/can-bo/danh-muc/su-kien/",
    ]
    anonymous = client.get(LIST)
    assert anonymous.status_code == 302 and "/tai-khoan/" in anonymous["Location"]
    for user in (citizen, officials["justice_specialist"], officials["ward_clerk"]):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, (user, url)
        paper = RequiredPaper.objects.filter(procedure__code=BIRTH).first()
        upload = client.post(
            f"{_edit(BIRTH)}thanh-phan/{paper.pk}/mau/",
            {"file": SimpleUploadedFile("mau.docx", _docx())},
        )
        assert upload.status_code == 403
    assert not RequiredPaper.objects.exclude(template_file="").exists()


def test_agency_leader_edits_only_own_process(client, small_catalog, officials, agency_tree):
    client.force_login(officials["justice_leader"])
    assert client.get(LIST).status_code == 200
    assert client.get(_edit(BIRTH)).status_code == 403  # public data: province administrator
    assert client.get(f"{_edit(BIRTH)}quy-trinh/").status_code == 403  # the province default
    own = client.get(f"{_edit(BIRTH)}quy-trinh/", {"co_quan": agency_tree["justice"].code})
    assert own.status_code == 200
    other = client.get(f"{_edit(BIRTH)}quy-trinh/", {"co_quan": agency_tree["building"].code})
    assert other.status_code == 403


def test_navigation_shows_catalog_only_to_operators(client, officials):
    _verified(client, officials["admin"])
    assert "Danh mục thủ tục" in client.get("/can-bo/").content.decode()
    client.force_login(officials["justice_specialist"])
    assert "Danh mục thủ tục" not in client.get("/can-bo/").content.decode()


# --- public data -----------------------------------------------------------------------------------


def test_edit_writes_a_new_version_and_an_audit_record(operator, small_catalog, officials):
    procedure = Procedure.objects.get(code=BIRTH)
    old_version, old_name = procedure.version, procedure.name
    old_in_force = services.version_in_force(procedure)
    page = operator.get(_edit(BIRTH))
    assert page.status_code == 200 and "Lưu (tạo phiên bản mới)" in page.content.decode()
    for url in (_edit(BIRTH), f"{_edit(BIRTH)}thanh-phan/", f"{_edit(BIRTH)}quy-trinh/", LIST):
        _no_inline_code(operator.get(url).content.decode())
    data = _procedure_data(
        procedure,
        name="Đăng ký khai sinh cho trẻ em",
        conditions="Trẻ sinh ra trên địa bàn.",
        reason="Cập nhật theo quyết định công bố mới",
        **{"kenh-0-fee_amount": "5000", "kenh-0-fee_text": ""},
    )
    response = operator.post(_edit(BIRTH), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    procedure.refresh_from_db()
    assert procedure.name == "Đăng ký khai sinh cho trẻ em"
    assert procedure.version == old_version + 1
    assert procedure.channels.order_by("position").first().fee_amount == 5000
    latest = services.version_in_force(procedure)
    assert latest.number == procedure.version and latest.created_by == officials["admin"]
    assert latest.reason == "Cập nhật theo quyết định công bố mới"
    assert latest.snapshot["name"] == "Đăng ký khai sinh cho trẻ em"
    # A dossier received earlier keeps the version it was received under.
    kept = services.version_in_force(procedure, at=old_in_force.created_at)
    assert kept.number == old_version and kept.snapshot["name"] == old_name
    record = AuditRecord.objects.filter(action="catalog.procedure.update").latest("seq")
    assert record.changes["name"] == {"before": old_name, "after": "Đăng ký khai sinh cho trẻ em"}
    assert record.changes["channels"]["after"][0]["fee_amount"] == 5000
    # Saving the same again changes nothing: no version, no audit record.
    count = AuditRecord.objects.count()
    again = operator.post(_edit(BIRTH), _procedure_data(procedure))
    assert again.status_code == 302
    procedure.refresh_from_db()
    assert procedure.version == old_version + 1 and AuditRecord.objects.count() == count
    public = operator.get(f"/thu-tuc/{BIRTH}/").content.decode()
    assert "Đăng ký khai sinh cho trẻ em" in public and "5.000 đồng" in public


def test_edit_refuses_bad_values_in_vietnamese(operator, small_catalog):
    procedure = Procedure.objects.get(code=BIRTH)
    version = procedure.version
    response = operator.post(_edit(BIRTH), _procedure_data(procedure, name=""))
    assert response.status_code == 400
    assert "This field" not in response.content.decode()
    response = operator.post(
        _edit(BIRTH), _procedure_data(procedure, **{"kenh-0-fee_amount": "-5"})
    )
    assert response.status_code == 400
    procedure.refresh_from_db()
    assert procedure.version == version


# --- process -------------------------------------------------------------------------------------


def test_process_steps_must_add_up_to_the_procedure_time(operator, timed_procedure):
    code = timed_procedure.code
    hours = services.expected_hours(timed_procedure)
    url = f"{_edit(code)}quy-trinh/"
    wrong = operator.post(url, _steps_data([("Tiếp nhận", "1"), ("Thẩm định", "1")]))
    html = wrong.content.decode()
    assert wrong.status_code == 400
    assert "Tổng thời gian các bước là 2 giờ, phải bằng thời hạn giải quyết" in html
    assert not ProcessStep.objects.filter(procedure=timed_procedure).exists()
    rest = hours - Decimal("1")
    ok = operator.post(url, _steps_data([("Tiếp nhận", "1"), ("Thẩm định", str(rest))]))
    assert ok.status_code == 302
    steps = list(timed_procedure.process_steps.filter(agency__isnull=True).order_by("position"))
    assert [s.name for s in steps] == ["Tiếp nhận", "Thẩm định"]
    assert sum(s.allowance_hours for s in steps) == hours
    assert AuditRecord.objects.filter(action="catalog.procedure.process").exists()


def test_agency_override_and_its_removal(client, officials, agency_tree, timed_procedure):
    client.force_login(officials["justice_leader"])
    code, justice = timed_procedure.code, agency_tree["justice"]
    hours = services.expected_hours(timed_procedure)
    url = f"{_edit(code)}quy-trinh/"
    response = client.post(url, _steps_data([("Xử lý tại Sở", str(hours))], justice.code))
    assert response.status_code == 302 and response["Location"].endswith(f"?co_quan={justice.code}")
    assert [s.name for s in ProcessStep.objects.filter(agency=justice)] == ["Xử lý tại Sở"]
    removed = client.post(url, {"co_quan": justice.code, "action": "remove"})
    assert removed.status_code == 302
    assert not ProcessStep.objects.filter(agency=justice).exists()


# --- papers and form files ----------------------------------------------------------------------


def test_form_file_upload_checks_type_and_is_downloadable(operator, small_catalog):
    procedure = Procedure.objects.get(code=BIRTH)
    paper = procedure.papers.order_by("position").first()
    url = f"{_edit(BIRTH)}thanh-phan/{paper.pk}/mau/"
    version = procedure.version
    fake = SimpleUploadedFile(
        "to-khai.pdf", b"MZ\x90\x00 not a form", content_type="application/pdf"
    )
    refused = operator.post(url, {"file": fake})
    assert refused.status_code == 400
    assert "Tệp mẫu đơn phải là PDF" in refused.content.decode()
    paper.refresh_from_db()
    assert not paper.template_file
    accepted = operator.post(url, {"file": SimpleUploadedFile("To khai khai sinh.docx", _docx())})
    assert accepted.status_code == 302
    paper.refresh_from_db()
    assert paper.template_file.name.endswith(".docx")
    procedure.refresh_from_db()
    assert procedure.version == version + 1
    assert AuditRecord.objects.filter(action="catalog.paper.template").exists()
    detail = operator.get(f"/thu-tuc/{BIRTH}/").content.decode()
    link = f"/thu-tuc/{BIRTH}/mau/{paper.pk}/"
    assert link in detail
    download = operator.get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == _docx()
    assert "attachment" in download["Content-Disposition"]
    removed = operator.post(url, {"action": "remove"})
    assert removed.status_code == 302
    assert link not in operator.get(f"/thu-tuc/{BIRTH}/").content.decode()


def test_form_file_size_limit(operator, small_catalog, settings):
    settings.CATALOG_FORM_MAX_BYTES = 1024
    paper = RequiredPaper.objects.filter(procedure__code=BIRTH).first()
    big = b"%PDF-1.7\n" + b"0" * 2048
    response = operator.post(
        f"{_edit(BIRTH)}thanh-phan/{paper.pk}/mau/", {"file": SimpleUploadedFile("a.pdf", big)}
    )
    assert response.status_code == 400 and "quá lớn" in response.content.decode()


def test_papers_edit_keeps_rows_adds_and_removes(operator, small_catalog):
    procedure = Procedure.objects.get(code=BIRTH)
    papers = list(procedure.papers.order_by("position"))
    assert len(papers) >= 2
    first, second = papers[0], papers[1]
    services.attach_form_template(
        actor=None, paper=first, file=SimpleUploadedFile("mau.docx", _docx())
    )
    first.refresh_from_db()
    version = Procedure.objects.get(pk=procedure.pk).version
    n = len(papers)
    data = _papers_data(papers, {
        "giay-0-name": "Tờ khai đăng ký khai sinh (theo mẫu)", "giay-0-originals": "1",
        "giay-1-DELETE": "on",
        "giay-TOTAL_FORMS": n + 1, f"giay-{n}-name": "Giấy chứng sinh", f"giay-{n}-originals": "1",
        f"giay-{n}-ORDER": n + 1,
    })  # fmt: skip
    response = operator.post(f"{_edit(BIRTH)}thanh-phan/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    rows = list(procedure.papers.order_by("position"))
    renamed = next(r for r in rows if r.pk == first.pk)  # same row: dossiers' links survive
    assert renamed.name == "Tờ khai đăng ký khai sinh (theo mẫu)"
    assert renamed.template_file.name == first.template_file.name
    assert second.pk not in {r.pk for r in rows}
    assert rows[-1].name == "Giấy chứng sinh" and rows[-1].originals == 1
    assert Procedure.objects.get(pk=procedure.pk).version == version + 1
    record = AuditRecord.objects.filter(action="catalog.procedure.papers").latest("seq")
    assert any(p["name"] == "Giấy chứng sinh" for p in record.changes["papers"]["after"])


# --- life events ---------------------------------------------------------------------------------


def test_life_events_are_edited_with_audit(operator, small_catalog):
    response = operator.post(
        "/can-bo/danh-muc/su-kien/",
        {"name": "Khi kết hôn", "slug": "", "description": "Đăng ký kết hôn.", "order": "2",
         "is_active": "on", "procedures": "1.000894\n1.004746"},
    )  # fmt: skip
    assert response.status_code == 302
    event = LifeEvent.objects.get(slug="khi-ket-hon")
    assert list(event.items.values_list("procedure__code", flat=True)) == ["1.000894", "1.004746"]
    assert AuditRecord.objects.filter(action="catalog.life_event.create").exists()
    unknown = operator.post(
        "/can-bo/danh-muc/su-kien/khi-ket-hon/",
        {"name": "Khi kết hôn", "slug": "khi-ket-hon", "order": "2", "is_active": "on",
         "procedures": "1.004746\n9.999999"},
    )  # fmt: skip
    assert unknown.status_code == 400 and "Không có thủ tục mã 9.999999" in unknown.content.decode()
    reordered = operator.post(
        "/can-bo/danh-muc/su-kien/khi-ket-hon/",
        {"name": "Khi kết hôn", "slug": "khi-ket-hon", "order": "2", "is_active": "on",
         "procedures": "1.004873\n1.000894"},
    )  # fmt: skip
    assert reordered.status_code == 302
    codes = list(event.items.order_by("order").values_list("procedure__code", flat=True))
    assert codes == ["1.004873", "1.000894"]
    record = AuditRecord.objects.filter(action="catalog.life_event.update").latest("seq")
    assert record.changes["procedures"]["after"] == ["1.004873", "1.000894"]
    page = operator.get("/thu-tuc/su-kien/khi-ket-hon/").content.decode()
    assert page.index("/thu-tuc/1.004873/") < page.index("/thu-tuc/1.000894/")
    deleted = operator.post("/can-bo/danh-muc/su-kien/khi-ket-hon/", {"action": "delete"})
    assert deleted.status_code == 302 and not LifeEvent.objects.exists()
    assert AuditRecord.objects.filter(action="catalog.life_event.delete").exists()
