"""The applicant's satisfaction rating: who, when, once, audited, published; and the counts.

The reasons offered are rows the province keeps (seeded with the reasons of earlier releases):
retired, reworded or level-bound reasons, their audited changes, and the admin screens."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from chinhquyen.accounts.models import Role
from chinhquyen.audit.models import AuditRecord
from chinhquyen.conftest import make_official
from chinhquyen.dossiers import ratings
from chinhquyen.dossiers.errors import DossierStateError, error_code
from chinhquyen.dossiers.models import DossierRating, RatingReason, Satisfaction
from chinhquyen.dossiers.tests import citizen_flows as flows
from chinhquyen.dossiers.tests.conftest import build_procedure, vn
from chinhquyen.events.models import OutboxEvent


def test_the_applicant_rates_once_after_the_result(world, stranger):
    w = world
    d = flows.result_ready(w)
    assert ratings.can_rate(w["applicant"], d)
    w["clock"].set_time(vn(2026, 3, 5, 11, 0))
    rating = ratings.rate_dossier(
        w["applicant"], d, Satisfaction.NOT_SATISFIED, ["slow", "many_supplements", "slow"],
        "  Phải đi lại hai lần.  ",
    )  # fmt: skip
    stored = DossierRating.objects.get(dossier=d)
    assert stored.pk == rating.pk
    assert (stored.level, stored.reasons, stored.comment) == (
        "not_satisfied", ["slow", "many_supplements"], "Phải đi lại hai lần.",
    )  # fmt: skip
    assert (stored.agency, stored.procedure, stored.rated_by) == (
        d.agency, d.procedure, w["applicant"],
    )  # fmt: skip
    assert stored.created_at == vn(2026, 3, 5, 11, 0)
    record = AuditRecord.objects.get(action="dossiers.rated")
    assert record.object_id == str(d.pk) and record.changes["level"] == "not_satisfied"
    event = OutboxEvent.objects.get(event_type="dossiers.rated")
    assert event.payload["code"] == d.code
    assert event.payload["reasons"] == ["slow", "many_supplements"]
    assert event.payload["has_comment"] is True
    assert "Phải đi lại" not in str(event.payload)  # free text stays out of the outbox

    with pytest.raises(DossierStateError) as exc:
        ratings.rate_dossier(w["applicant"], d, Satisfaction.SATISFIED)
    assert error_code(exc.value) == "already_rated"
    assert "chỉ được đánh giá một lần" in exc.value.messages[0]
    assert DossierRating.objects.count() == 1
    assert not ratings.can_rate(w["applicant"], d)


def test_only_the_applicant_and_only_when_answered(world, stranger):
    w = world
    d = flows.processing(w)
    with pytest.raises(DossierStateError) as exc:
        ratings.rate_dossier(w["applicant"], d, Satisfaction.SATISFIED)
    assert error_code(exc.value) == "not_rateable"
    assert not ratings.can_rate(w["applicant"], d)
    d = flows.returned(w)
    for somebody in (stranger, w["intake"], w["admin"]):
        with pytest.raises(PermissionDenied):
            ratings.rate_dossier(somebody, d, Satisfaction.VERY_SATISFIED)
    assert not DossierRating.objects.exists()
    assert not OutboxEvent.objects.filter(event_type="dossiers.rated").exists()


def test_inputs_are_checked(world):
    w = world
    d = flows.returned(w)
    cases = [
        (("excellent", [], ""), "level"),
        ((Satisfaction.SATISFIED, ["made-up"], ""), "reasons"),
        (
            (Satisfaction.SATISFIED, [f"r{i}" for i in range(ratings.MAX_REASONS + 1)], ""),
            "reasons",
        ),
        ((Satisfaction.NOT_SATISFIED, ["other"], ""), "comment"),
        ((Satisfaction.SATISFIED, [], "x" * (ratings.MAX_COMMENT + 1)), "comment"),
    ]
    for args, field in cases:
        with pytest.raises(ValidationError) as exc:
            ratings.rate_dossier(w["applicant"], d, *args)
        assert field in exc.value.message_dict, args
    assert not DossierRating.objects.exists()


def test_rating_summary_counts_and_share(world, agency_tree):
    w = world
    flows_done = []
    for _ in range(4):
        flows_done.append(flows.returned(w))
    levels = [
        (Satisfaction.VERY_SATISFIED, []),
        (Satisfaction.SATISFIED, ["slow"]),
        (Satisfaction.SATISFIED, []),
        (Satisfaction.NOT_SATISFIED, ["slow", "attitude"]),
    ]
    days = [vn(2026, 3, 5, 11, 0), vn(2026, 3, 6, 11, 0), vn(2026, 3, 31, 23, 30),
            vn(2026, 4, 1, 0, 30)]  # fmt: skip
    for d, (level, reasons), when in zip(flows_done, levels, days, strict=True):
        w["clock"].set_time(when)
        ratings.rate_dossier(w["applicant"], d, level, reasons)

    everything = ratings.rating_summary()
    assert (everything.total, everything.very_satisfied, everything.satisfied) == (4, 1, 2)
    assert everything.not_satisfied == 1
    assert everything.satisfied_count == 3 and everything.satisfied_share == 0.75
    assert everything.reasons == {"slow": 2, "attitude": 1}

    march = ratings.rating_summary(period=(date(2026, 3, 1), date(2026, 3, 31)))
    assert march.total == 3  # 31/3 23:30 Vietnam time is March; 1/4 00:30 is not
    assert march.satisfied_share == 1.0
    april = ratings.rating_summary(w["agency"], w["procedure"], (date(2026, 4, 1), None))
    assert (april.total, april.not_satisfied, april.satisfied_share) == (1, 1, 0.0)

    other = build_procedure(agency_tree["building"], code="1.999999")
    empty = ratings.rating_summary(agency=agency_tree["building"], procedure=other)
    assert (empty.total, empty.satisfied_share) == (0, None)
    assert ratings.rating_summary(agency=w["agency"].pk).total == 4


def test_demo_ratings_rate_one_returned_dossier_and_leave_one_waiting(world):
    from chinhquyen.dossiers.demo import KEY_PREFIX
    from chinhquyen.dossiers.demo_ratings import load_demo_ratings
    from chinhquyen.dossiers.models import Dossier

    w = world
    first, second = flows.returned(w), flows.returned(w)
    flows.processing(w)  # a demo dossier still in progress is not a candidate
    for number, d in ((3, first), (19, second)):
        Dossier.objects.filter(pk=d.pk).update(idempotency_key=f"{KEY_PREFIX}{number:02d}")
    assert load_demo_ratings() == {"rated": 1, "waiting": 1, "created": 1}
    rating = DossierRating.objects.get()
    assert rating.dossier_id == first.pk and rating.rated_by == w["applicant"]
    assert ratings.can_rate(w["applicant"], second)
    assert load_demo_ratings() == {"rated": 1, "waiting": 1, "created": 0}
    assert DossierRating.objects.count() == 1


# --- the reasons are rows the province keeps ------------------------------------------------------

OLD_REASONS = {
    "slow": "Thời gian giải quyết lâu",
    "attitude": "Thái độ cán bộ chưa tốt",
    "many_supplements": "Yêu cầu bổ sung hồ sơ nhiều lần",
    "unclear_guidance": "Hướng dẫn chưa rõ ràng",
    "other": "Khác",
}
ALL_LEVELS = ["very_satisfied", "satisfied", "not_satisfied"]


@pytest.mark.django_db
def test_the_seeded_rows_are_the_reasons_offered_until_now():
    rows = ratings.active_reasons()
    assert [(r.code, r.text) for r in rows] == list(OLD_REASONS.items())
    assert all(r.levels == ALL_LEVELS and r.is_active for r in rows)
    assert [r.code for r in rows if r.requires_comment] == ["other"]
    assert [r.position for r in rows] == sorted(r.position for r in rows)
    for level in ALL_LEVELS:
        assert [r.code for r in ratings.active_reasons(level)] == list(OLD_REASONS)


def test_a_retired_reason_is_refused_but_still_counted_and_named(world):
    w = world
    first, second = flows.returned(w), flows.returned(w)
    ratings.rate_dossier(w["applicant"], first, Satisfaction.NOT_SATISFIED, ["attitude", "slow"])
    attitude = RatingReason.objects.get(code="attitude")
    ratings.update_reason(actor=w["admin"], reason=attitude, is_active=False)

    with pytest.raises(ValidationError) as exc:
        ratings.rate_dossier(w["applicant"], second, Satisfaction.NOT_SATISFIED, ["attitude"])
    assert exc.value.message_dict["reasons"] == [
        "Lý do «Thái độ cán bộ chưa tốt» không còn được dùng; vui lòng chọn lý do khác."
    ]
    assert not DossierRating.objects.filter(dossier=second).exists()
    assert "attitude" not in [r.code for r in ratings.active_reasons()]

    summary = ratings.rating_summary()
    assert summary.reasons == {"attitude": 1, "slow": 1}
    by_code = {c.code: c for c in summary.reason_counts}
    assert by_code["attitude"] == ratings.ReasonCount(
        "attitude", "Thái độ cán bộ chưa tốt", 1, False
    )
    assert by_code["slow"].count == 1 and by_code["slow"].is_active
    assert by_code["other"].count == 0  # offered now, never given
    assert [c.code for c in summary.reason_counts] == list(OLD_REASONS)  # in the reasons' order
    # Reworded later: the old ratings are named by the reason's current text.
    ratings.update_reason(actor=w["admin"], reason=attitude, text="Thái độ phục vụ chưa tốt")
    assert ratings.reason_texts(["slow", "attitude"]) == [
        "Thời gian giải quyết lâu",
        "Thái độ phục vụ chưa tốt",
    ]


def test_a_reason_offered_only_when_not_satisfied(world):
    w = world
    d = flows.returned(w)
    reason = ratings.create_reason(
        actor=w["admin"],
        code="phi-ngoai",
        text="Bị đòi thêm khoản phí ngoài quy định",
        for_very_satisfied=False,
        for_satisfied=False,
        for_not_satisfied=True,
        position=5,
    )
    assert reason.levels == ["not_satisfied"]
    assert ratings.active_reasons("not_satisfied")[0].code == "phi-ngoai"
    assert "phi-ngoai" not in [r.code for r in ratings.active_reasons("very_satisfied")]

    with pytest.raises(ValidationError) as exc:
        ratings.rate_dossier(w["applicant"], d, Satisfaction.VERY_SATISFIED, ["phi-ngoai"])
    assert exc.value.message_dict["reasons"] == [
        "Lý do «Bị đòi thêm khoản phí ngoài quy định» chỉ chọn được khi bạn đánh giá "
        "«Không hài lòng»."
    ]
    assert not DossierRating.objects.exists()
    rating = ratings.rate_dossier(w["applicant"], d, Satisfaction.NOT_SATISFIED, ["phi-ngoai"])
    assert rating.reasons == ["phi-ngoai"]
    record = AuditRecord.objects.get(action="dossiers.rating_reason_created")
    assert record.changes["code"] == "phi-ngoai" and record.actor_id == w["admin"].pk


def test_a_reason_asking_for_a_comment_is_data_too(world):
    w = world
    d = flows.returned(w)
    slow = RatingReason.objects.get(code="slow")
    ratings.update_reason(actor=w["admin"], reason=slow, requires_comment=True)
    with pytest.raises(ValidationError) as exc:
        ratings.rate_dossier(w["applicant"], d, Satisfaction.SATISFIED, ["slow"])
    assert exc.value.message_dict["comment"] == [
        "Bạn chọn lý do «Thời gian giải quyết lâu»: vui lòng ghi rõ ý kiến."
    ]


def test_reason_changes_are_checked_audited_and_kept_from_others(world):
    w = world
    slow = RatingReason.objects.get(code="slow")
    with pytest.raises(PermissionDenied):
        ratings.update_reason(actor=w["intake"], reason=slow, text="Lâu")
    with pytest.raises(ValidationError) as exc:
        ratings.update_reason(
            actor=w["admin"], reason=slow, for_very_satisfied=False, for_satisfied=False,
            for_not_satisfied=False,
        )  # fmt: skip
    assert "Chọn ít nhất một mức" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        ratings.update_reason(actor=w["admin"], reason=slow, code="cham")
    assert "không sửa được" in exc.value.message_dict["code"][0]
    with pytest.raises(ValidationError) as exc:
        ratings.create_reason(actor=w["admin"], code="slow", text="Trùng mã")
    assert "Đã có lý do mang mã «slow»" in exc.value.message_dict["code"][0]
    with pytest.raises(ValidationError) as exc:
        ratings.create_reason(actor=w["admin"], code="có dấu", text="Sai mã")
    assert "code" in exc.value.message_dict
    assert not AuditRecord.objects.filter(action__startswith="dossiers.rating_reason").exists()

    ratings.update_reason(actor=w["admin"], reason=slow, position=99, text=" Chờ lâu ")
    slow.refresh_from_db()
    assert (slow.code, slow.text, slow.position) == ("slow", "Chờ lâu", 99)
    record = AuditRecord.objects.get(action="dossiers.rating_reason_changed")
    assert record.changes == {
        "position": {"before": 10, "after": 99},
        "text": {"before": "Thời gian giải quyết lâu", "after": "Chờ lâu"},
    }
    ratings.update_reason(actor=w["admin"], reason=slow, position=99)  # nothing changes
    assert AuditRecord.objects.filter(action="dossiers.rating_reason_changed").count() == 1


def test_a_used_reason_is_never_deleted_an_unused_one_is(world):
    w = world
    d = flows.returned(w)
    ratings.rate_dossier(w["applicant"], d, Satisfaction.SATISFIED, ["many_supplements"])
    used = RatingReason.objects.get(code="many_supplements")
    assert ratings.reason_in_use(used)
    assert not ratings.reason_in_use(RatingReason.objects.get(code="slow"))
    with pytest.raises(DossierStateError) as exc:
        ratings.delete_reason(actor=w["admin"], reason=used)
    assert error_code(exc.value) == "reason_in_use"
    assert "đã được chọn trong 1 đánh giá" in exc.value.messages[0]
    assert RatingReason.objects.filter(code="many_supplements").exists()

    typo = ratings.create_reason(actor=w["admin"], code="nham", text="Gõ nhầm")
    ratings.delete_reason(actor=w["admin"], reason=typo)
    assert not RatingReason.objects.filter(code="nham").exists()
    record = AuditRecord.objects.get(action="dossiers.rating_reason_deleted")
    assert record.changes["text"] == "Gõ nhầm"


def test_the_demo_rating_uses_a_reason_offered_now(world):
    from chinhquyen.dossiers.demo_ratings import DEMO_RATING, demo_reasons

    w = world
    assert demo_reasons() == ["slow"]
    RatingReason.objects.filter(code="slow").update(is_active=False)
    first = ratings.active_reasons(DEMO_RATING["level"])[0].code
    assert demo_reasons() == [first] and first != "slow"
    assert RatingReason.objects.get(code=first).is_active
    del w


# --- admin ---------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, settings, agency_tree):
    # The two-factor check of administrators is tested in accounts; here we test the screens.
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if not m.endswith("RequireTwoFactorMiddleware")
    ]
    user = make_official("quantri.lydo", agency_tree["root"], Role.PROVINCE_ADMIN, is_staff=True)
    client.force_login(user)
    client.user = user
    return client


def _reason_form(**overrides) -> dict:
    data = {
        "text": "", "position": "100", "is_active": "on", "for_very_satisfied": "on",
        "for_satisfied": "on", "for_not_satisfied": "on",
    }  # fmt: skip
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_edits_reasons_through_the_audited_service(world, admin_client):
    url = reverse("admin:dossiers_ratingreason_changelist")
    listing = admin_client.get(url)
    assert listing.status_code == 200
    assert "Yêu cầu bổ sung hồ sơ nhiều lần" in listing.content.decode()

    added = admin_client.post(
        reverse("admin:dossiers_ratingreason_add"),
        _reason_form(code="xep-hang", text="Phải xếp hàng lâu", position="15",
                     for_very_satisfied=None, for_satisfied=None),
    )  # fmt: skip
    assert added.status_code == 302, added.content.decode()[:2000]
    row = RatingReason.objects.get(code="xep-hang")
    assert row.levels == ["not_satisfied"] and row.position == 15
    assert AuditRecord.objects.get(action="dossiers.rating_reason_created").actor_id == (
        admin_client.user.pk
    )

    change = reverse("admin:dossiers_ratingreason_change", args=[row.pk])
    page_html = admin_client.get(change).content.decode()
    assert 'name="code"' not in page_html  # the code is read-only once created
    edited = admin_client.post(
        change, _reason_form(code="doi-ma", text="Phải xếp hàng chờ lâu", position="15",
                             is_active=None, for_very_satisfied=None, for_satisfied=None),
    )  # fmt: skip
    assert edited.status_code == 302
    row.refresh_from_db()
    assert (row.code, row.text, row.is_active) == ("xep-hang", "Phải xếp hàng chờ lâu", False)
    record = AuditRecord.objects.get(action="dossiers.rating_reason_changed")
    assert set(record.changes) == {"text", "is_active"}

    no_level = admin_client.post(
        reverse("admin:dossiers_ratingreason_add"),
        _reason_form(code="khong-muc", text="Không mức", for_very_satisfied=None,
                     for_satisfied=None, for_not_satisfied=None),
    )  # fmt: skip
    assert no_level.status_code == 200
    assert "Chọn ít nhất một mức hài lòng" in no_level.content.decode()
    assert not RatingReason.objects.filter(code="khong-muc").exists()


def test_admin_cannot_delete_a_used_reason(world, admin_client):
    w = world
    d = flows.returned(w)
    ratings.rate_dossier(w["applicant"], d, Satisfaction.NOT_SATISFIED, ["unclear_guidance"])
    used = RatingReason.objects.get(code="unclear_guidance")
    delete_url = reverse("admin:dossiers_ratingreason_delete", args=[used.pk])
    assert admin_client.get(delete_url).status_code == 403
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert RatingReason.objects.filter(pk=used.pk).exists()
    change = admin_client.get(reverse("admin:dossiers_ratingreason_change", args=[used.pk]))
    assert delete_url not in change.content.decode()
    # No bulk delete from the list either.
    listing = admin_client.get(reverse("admin:dossiers_ratingreason_changelist"))
    assert "delete_selected" not in listing.content.decode()

    unused = RatingReason.objects.get(code="slow")
    gone = admin_client.post(
        reverse("admin:dossiers_ratingreason_delete", args=[unused.pk]), {"post": "yes"}
    )
    assert gone.status_code == 302
    assert not RatingReason.objects.filter(pk=unused.pk).exists()
    assert AuditRecord.objects.filter(action="dossiers.rating_reason_deleted").count() == 1


def test_only_the_province_administrator_sees_the_reasons_in_the_admin(world, client, settings):
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if not m.endswith("RequireTwoFactorMiddleware")
    ]
    leader = make_official("gd.lydo", world["agency"], Role.AGENCY_LEADER, is_staff=True)
    client.force_login(leader)
    response = client.get(reverse("admin:dossiers_ratingreason_changelist"))
    assert response.status_code == 403
