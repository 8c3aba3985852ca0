"""The applicant's satisfaction rating: who, when, once, audited, published; and the counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chinhquyen.audit.models import AuditRecord
from chinhquyen.dossiers import ratings
from chinhquyen.dossiers.errors import DossierStateError, error_code
from chinhquyen.dossiers.models import DossierRating, Satisfaction
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
