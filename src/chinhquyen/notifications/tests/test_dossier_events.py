"""Each dossier action tells the applicant through the worker: SMS via the sandbox gateway over a
real socket, e-mail via a real SMTP server, and a Notification row for each."""

from __future__ import annotations

import re

import pytest

from chinhquyen.dossiers import services
from chinhquyen.dossiers.tests.conftest import (
    APPLICANT,
    PDF,
    desk_dossier,
    online_dossier,
    processing_dossier,
    received_dossier,
    run_steps,
    vn,
)
from chinhquyen.events.models import Delivery
from chinhquyen.notifications.models import Notification
from chinhquyen.notifications.tests.conftest import PUBLIC_URL, run_outbox

pytestmark = pytest.mark.django_db

LOOKUP = f"{PUBLIC_URL}/tra-cuu/"


def subject(mail) -> str:
    """The decoded subject (a long encoded header is folded onto its own line)."""
    return str(mail["Subject"]).strip()


def rows(d, key):
    found = Notification.objects.filter(ref_type="dossiers.dossier", ref_id=str(d.pk))
    return {n.channel: n for n in found.filter(template_key=key)}


def sms_to(gateway, phone):
    return [m for m in gateway.messages if m["Phone"] == phone]


def test_online_submission_then_reception_tell_the_applicant(world, sms_gateway, smtp_server):
    w = world
    d = online_dossier(w)
    assert Notification.objects.count() == 0  # nothing happens inside the request
    run_outbox()

    sent = rows(d, "dossier.submitted")
    assert set(sent) == {"sms", "email"}
    assert all(n.status == Notification.Status.SENT and n.attempts == 1 for n in sent.values())
    (sms,) = sms_to(sms_gateway, "0912345678")
    assert sms["Content"] == sent["sms"].body
    assert d.code in sms["Content"] and LOOKUP in sms["Content"]
    assert sms["Content"].isascii() and sms["IsUnicode"] == 0 and sms["Segments"] == 1
    assert "Ho so" in sms["Content"] and "tiep nhan" in sms["Content"]  # unaccented, case kept
    assert sent["sms"].provider_message_id == sms["SMSID"]
    (mail,) = smtp_server.messages
    assert mail["To"] == "an@example.vn"
    assert subject(mail) == f"Đã nhận hồ sơ trực tuyến {d.code}"
    text = mail.get_content()
    assert "Kính gửi ông/bà Nguyễn Văn An" in text
    assert f"{LOOKUP}?ma={d.code}" in text
    assert "0912345678" not in text and "040090001234" not in text  # no personal data

    w["clock"].set_time(vn(2026, 3, 2, 9, 30))
    d = services.receive(actor=w["intake"], dossier=d, expected_version=d.version)
    run_outbox()
    received = rows(d, "dossier.received")
    due = d.due_at.astimezone(vn(2026, 1, 1).tzinfo).strftime("%d/%m/%Y")
    assert f"hen tra ket qua ngay {due}" in received["sms"].body
    assert received["sms"].status == received["email"].status == Notification.Status.SENT
    assert subject(smtp_server.messages[-1]).endswith(f"hẹn trả kết quả ngày {due}")
    assert len(sms_to(sms_gateway, "0912345678")) == 2


def test_supplement_request_lists_what_to_bring(world, sms_gateway, smtp_server):
    w = world
    d = desk_dossier(w, papers=False)
    d = services.request_supplement(
        actor=w["intake"], dossier=d, expected_version=d.version,
        items=[
            {"name": "Bản chụp giấy tờ tùy thân", "reason": "Chưa có trong hồ sơ."},
            {"name": "Văn bản ủy quyền", "reason": "Người nộp là người được ủy quyền."},
        ],
        note="Mang bản chính để đối chiếu.",
    )  # fmt: skip
    run_outbox()
    sent = rows(d, "dossier.supplement_requested")
    assert sent["sms"].destination == APPLICANT["phone"]
    assert "can bo sung 2 giay to" in sent["sms"].body
    (mail,) = [m for m in smtp_server.messages if m["To"] == APPLICANT["email"]]
    text = mail.get_content()
    assert "1. Bản chụp giấy tờ tùy thân – lý do: Chưa có trong hồ sơ." in text
    assert "2. Văn bản ủy quyền" in text
    assert "Mang bản chính để đối chiếu." in text
    assert APPLICANT["address"] not in text and APPLICANT["identity_number"] not in text


def test_refused_reception_gives_the_reason_by_mail(world, sms_gateway, smtp_server):
    w = world
    d = online_dossier(w, papers=False)
    d = services.refuse_reception(
        actor=w["intake"], dossier=d, expected_version=d.version,
        reasons=["Thủ tục không thuộc thẩm quyền của Sở Tư pháp."],
    )  # fmt: skip
    run_outbox()
    sent = rows(d, "dossier.reception_refused")
    assert sent["sms"].status == Notification.Status.SENT
    assert "khong duoc tiep nhan" in sent["sms"].body
    assert "thẩm quyền của Sở Tư pháp" in smtp_server.messages[-1].get_content()


def test_apology_with_new_date_carries_form_04_content(world, sms_gateway, smtp_server):
    w = world
    d = processing_dossier(w)
    old_due = d.due_at
    d = services.propose_new_date(
        actor=w["leader"], dossier=d, expected_version=d.version,
        new_due_at=vn(2026, 3, 20, 17, 0), reason="Cần xác minh thông tin tại cơ quan công an.",
    )  # fmt: skip
    run_outbox()
    sent = rows(d, "dossier.new_date")
    assert "Xin loi" in sent["sms"].body and "20/03/2026" in sent["sms"].body
    (mail,) = [m for m in smtp_server.messages if "Xin lỗi" in subject(m)]
    text = mail.get_content()
    assert "thành thật xin lỗi" in text and "20/03/2026" in text
    assert "Cần xác minh thông tin tại cơ quan công an." in text
    assert old_due.astimezone(vn(2026, 1, 1).tzinfo).strftime("%d/%m/%Y") in text


def test_result_ready_then_returned(world, sms_gateway, smtp_server):
    w = world
    d = run_steps(w, processing_dossier(w))
    d = services.approve(actor=w["leader"], dossier=d, expected_version=d.version)
    d = services.issue_result(
        actor=w["intake"], dossier=d, expected_version=d.version, file=PDF, name="Phiếu LLTP"
    )
    run_outbox()
    ready = rows(d, "dossier.result_ready")
    assert "Bo phan Mot cua nhan ket qua" in ready["sms"].body  # result at the desk
    assert "Bộ phận Một cửa Sở Tư pháp" in smtp_server.messages[-1].get_content()
    d = services.return_result(
        actor=w["intake"], dossier=d, expected_version=d.version, via="desk",
        collected_by="Lê Thị Cúc",
    )  # fmt: skip
    run_outbox()
    assert rows(d, "dossier.returned")["sms"].status == Notification.Status.SENT
    assert "Đánh giá" not in rows(d, "dossier.returned")["sms"].body  # unaccented
    assert "Danh gia muc do hai long" in rows(d, "dossier.returned")["sms"].body


def test_online_result_points_to_my_dossiers(world, sms_gateway):
    w = world
    d = online_dossier(w)
    d = services.receive(actor=w["intake"], dossier=d, expected_version=d.version)
    d = services.forward(actor=w["intake"], dossier=d, expected_version=d.version)
    d = run_steps(w, d)
    d = services.approve(actor=w["leader"], dossier=d, expected_version=d.version)
    d = services.issue_result(
        actor=w["intake"], dossier=d, expected_version=d.version, file=PDF, name="Phiếu LLTP"
    )
    run_outbox()
    assert "Tai ve tai muc Ho so cua toi tren dichvucong.nghean.gov.vn" in (
        rows(d, "dossier.result_ready")["sms"].body
    )


def test_refused_processing_and_withdrawal(world, sms_gateway, smtp_server):
    w = world
    d = run_steps(w, processing_dossier(w), until=2)
    d = services.refuse_processing(
        actor=w["leader"], dossier=d, expected_version=d.version,
        reasons="Người yêu cầu không thuộc đối tượng được cấp.",
    )  # fmt: skip
    other = online_dossier(w)
    other = services.withdraw(
        actor=w["applicant"], dossier=other, expected_version=other.version,
        reason="Tôi không còn nhu cầu.",
    )  # fmt: skip
    run_outbox()
    assert "khong duoc giai quyet" in rows(d, "dossier.processing_refused")["sms"].body
    withdrawn = rows(other, "dossier.withdrawn")
    assert set(withdrawn) == {"sms", "email"}
    assert "da duoc rut theo de nghi" in withdrawn["sms"].body
    subjects = [subject(m) for m in smtp_server.messages]
    assert f"Hồ sơ {d.code} không được giải quyết" in subjects
    assert f"Hồ sơ {other.code} đã được rút" in subjects


def test_assigned_official_gets_an_email(world, smtp_server):
    w = world
    w["specialist"].email = "chuyenvien@stp.nghean.gov.vn"
    w["specialist"].save()
    d = received_dossier(w)
    d = services.forward(actor=w["intake"], dossier=d, expected_version=d.version)
    d = services.assign(
        actor=w["head"], dossier=d, expected_version=d.version, assignee=w["specialist"]
    )
    run_outbox()
    (row,) = Notification.objects.filter(template_key="dossier.step_assigned")
    assert row.destination == "chuyenvien@stp.nghean.gov.vn" and row.status == "sent"
    (mail,) = [m for m in smtp_server.messages if m["To"] == row.destination]
    assert d.code in subject(mail)
    assert "Kính gửi đồng chí" in mail.get_content()


def test_unconfigured_sms_is_recorded_as_skipped_and_nothing_crashes(world, smtp_server):
    w = world
    d = online_dossier(w)
    run_outbox()
    sent = rows(d, "dossier.submitted")
    assert sent["sms"].status == Notification.Status.SKIPPED
    assert sent["email"].status == Notification.Status.SENT
    assert not Delivery.objects.exclude(status=Delivery.Status.DELIVERED).exists()


def test_each_dossier_event_is_delivered_once_even_if_the_worker_runs_it_twice(world, sms_gateway):
    from chinhquyen.events.services import deliver

    w = world
    online_dossier(w)
    run_outbox()
    for delivery in Delivery.objects.all():
        assert deliver(delivery.pk) == Delivery.Status.DELIVERED
    run_outbox()
    assert Notification.objects.filter(template_key="dossier.submitted").count() == 2
    assert len(sms_gateway.messages) == 1
    assert re.fullmatch(r"[0-9a-f]{32}", sms_gateway.messages[0]["SMSID"])
