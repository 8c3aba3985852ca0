"""Housekeeping: registrations never confirmed and spent verification codes are deleted after
their retention; everything active, recent or referenced stays; dry runs delete nothing; the
command and the worker run it."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from chinhquyen.accounts import housekeeping, services, verification
from chinhquyen.accounts.models import Role, RoleAssignment, User, VerificationCode
from chinhquyen.accounts.verification import CodeError
from chinhquyen.audit import services as audit
from chinhquyen.audit.models import AuditRecord
from chinhquyen.conftest import make_citizen
from chinhquyen.dossiers import services as dossier_services
from chinhquyen.dossiers.models import Dossier, DossierDraft
from chinhquyen.dossiers.tests.conftest import (  # noqa: F401 - fixtures used below
    all_papers,
    calendar_seeded,
    frozen,
    procedure,
)
from chinhquyen.events.management.commands.worker import Command as Worker

pytestmark = pytest.mark.django_db
PASSWORD = "Mat-khau-dang-ky-2026"


def _pending(contact: str, *, days: float = 10, name: str = "Phạm Thị Dung") -> User:
    """A registration started (real service) ``days`` ago and never confirmed."""
    row = services.start_registration(full_name=name, contact=contact, password=PASSWORD)
    _age(row.user, days)
    return row.user


def _age(user: User, days: float) -> None:
    """Move an account and its codes back in time (instead of waiting)."""
    delta = timedelta(days=days)
    User.objects.filter(pk=user.pk).update(date_joined=F("date_joined") - delta)
    VerificationCode.objects.filter(user=user).update(
        created_at=F("created_at") - delta, expires_at=F("expires_at") - delta
    )


def _code(*, hours_ago: float, user: User | None = None, **fields) -> VerificationCode:
    created = timezone.now() - timedelta(hours=hours_ago)
    values = {
        "purpose": VerificationCode.Purpose.CHANGE_CONTACT,
        "channel": VerificationCode.Channel.SMS,
        "destination": "0977000111",
        "salt": "s",
        "code_hash": "h",
        "created_at": created,
        "expires_at": created + verification.CODE_TTL,
    }
    values.update(fields)
    return VerificationCode.objects.create(user=user, **values)


def _exists(user: User) -> bool:
    return User.objects.filter(pk=user.pk).exists()


# --- Registrations never confirmed -------------------------------------------------------------


def test_old_unverified_registration_is_deleted_with_its_codes_and_audited_by_counts():
    user = _pending("0934567890", days=8)
    services.start_registration(full_name="Lê Văn Em", contact="em@example.vn", password=PASSWORD)
    other = User.objects.get(email="em@example.vn")
    _age(other, 9)
    assert VerificationCode.objects.filter(user__in=[user, other]).count() == 2

    result = housekeeping.purge_unverified()

    assert (result.accounts, result.account_codes) == (2, 2)
    assert not _exists(user) and not _exists(other)
    assert not VerificationCode.objects.filter(destination="0934567890").exists()
    (record,) = AuditRecord.objects.filter(action="accounts.purge_unverified")
    assert record.changes == {"accounts": 2, "codes": 2, "older_than_hours": 168.0}
    assert record.object_type == "accounts.user" and record.object_label == ""
    text = json.dumps(record.changes) + record.object_label + record.object_id
    assert "0934567890" not in text and "em@example.vn" not in text and "Dung" not in text
    assert audit.verify_chain().ok


def test_recent_unverified_registration_is_kept():
    user = _pending("0934567890", days=6)
    assert housekeeping.purge_unverified().accounts == 0
    assert _exists(user)
    assert not AuditRecord.objects.filter(action="accounts.purge_unverified").exists()


def test_registration_started_again_recently_is_kept_though_first_started_long_ago():
    user = _pending("0934567890", days=30)
    old_code = VerificationCode.objects.get(user=user)
    services.resend_code(code_id=old_code.pk)  # a fresh code today; date_joined stays old
    assert User.objects.get(pk=user.pk).date_joined < timezone.now() - timedelta(days=29)
    assert housekeeping.purge_unverified().accounts == 0
    assert _exists(user)


def test_retention_comes_from_the_setting(settings):
    settings.ACCOUNTS_UNVERIFIED_RETENTION = timedelta(days=30)
    user = _pending("0934567890", days=10)
    assert housekeeping.purge_unverified().accounts == 0 and _exists(user)
    settings.ACCOUNTS_UNVERIFIED_RETENTION = timedelta(days=2)
    assert housekeeping.purge_unverified().accounts == 1 and not _exists(user)


@pytest.mark.parametrize(
    "change",
    [
        {"is_active": True},
        {"registration_pending": False},
        {"last_login": timezone.now() - timedelta(days=9)},
        {"identity_verified": True},
        {"oidc_sub": "vneid-sub-1"},
        {"kind": User.Kind.OFFICIAL},
        {"is_staff": True},
    ],
    ids=lambda c: next(iter(c)),
)
def test_account_that_was_verified_used_or_is_not_a_plain_registration_is_kept(change):
    user = _pending("0934567890", days=30)
    User.objects.filter(pk=user.pk).update(**change)
    assert housekeeping.purge_unverified().accounts == 0
    assert _exists(user)


def test_confirmed_registration_and_ordinary_citizen_are_kept():
    row = services.start_registration(
        full_name="Phạm Thị Dung", contact="0934567890", password=PASSWORD
    )
    code = _sent_code("0934567890")
    services.confirm_registration(code_id=row.pk, code=code)
    _age(row.user, 60)
    citizen = make_citizen("0912345678")
    User.objects.filter(pk=citizen.pk).update(date_joined=timezone.now() - timedelta(days=400))
    assert housekeeping.run().accounts == 0
    assert _exists(row.user) and _exists(citizen)


def _sent_code(destination: str) -> str:
    from chinhquyen.events.models import OutboxEvent

    events = OutboxEvent.objects.filter(event_type="accounts.verification_code_requested")
    return [e.payload["code"] for e in events if e.payload["destination"] == destination][-1]


def _refer(kind: str, user: User, agency_tree, procedure):  # noqa: F811 - fixture value
    if kind == "draft":
        DossierDraft.objects.create(
            public_id=uuid.uuid4(), owner=user, procedure=procedure, submission_key="k-1"
        )
    elif kind == "representative":
        services.add_representation(actor=user, account=user, values={"name": "Phạm Văn Giang"})
    elif kind == "role":
        RoleAssignment.objects.create(user=user, role=Role.CLERK, agency=agency_tree["justice"])
    elif kind == "group":
        user.groups.add(Group.objects.create(name="Nhóm thử"))
    elif kind == "audit_actor":
        with transaction.atomic():
            audit.record("accounts.test", object_type="x", actor=user)


@pytest.mark.parametrize("kind", ["draft", "representative", "role", "group", "audit_actor"])
def test_account_referenced_anywhere_is_kept(kind, agency_tree, procedure):  # noqa: F811
    user = _pending("0934567890", days=30)
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.refresh_from_db()
    _refer(kind, user, agency_tree, procedure)
    User.objects.filter(pk=user.pk).update(is_active=False)
    spare = _pending("0934567891", days=30)

    result = housekeeping.purge_unverified()

    assert (result.accounts, result.kept_referenced) == (1, 0)
    assert _exists(user) and not _exists(spare)
    if kind == "draft":
        assert DossierDraft.objects.filter(owner=user).exists()
    assert audit.verify_chain().ok


def test_account_with_a_dossier_is_kept(calendar_seeded, frozen, agency_tree, procedure):  # noqa: F811
    user = _pending("0934567890", days=30)
    User.objects.filter(pk=user.pk).update(is_active=True, registration_pending=False)
    user.refresh_from_db()
    dossier = dossier_services.submit_online(
        actor=user,
        procedure=procedure,
        agency=agency_tree["justice"],
        papers=all_papers(procedure),
    )
    User.objects.filter(pk=user.pk).update(is_active=False, registration_pending=True)
    result = housekeeping.purge_unverified()
    assert (result.accounts, result.kept_referenced) == (0, 0)  # never selected at all
    assert _exists(user) and Dossier.objects.filter(pk=dossier.pk, submitted_by=user).exists()


def test_reference_unseen_by_the_selection_keeps_the_account_and_the_run_goes_on(
    calendar_seeded,  # noqa: F811
    frozen,  # noqa: F811
    agency_tree,
    procedure,  # noqa: F811
    monkeypatch,
):
    """As if a dossier appeared between the check and the delete: the protected account stays,
    the rest of its batch is still deleted, nothing is half done."""
    before = _pending("0934567880", days=30)
    user = _pending("0934567890", days=30)
    after = _pending("0934567899", days=30)
    User.objects.filter(pk=user.pk).update(is_active=True, registration_pending=False)
    user.refresh_from_db()
    dossier_services.submit_online(
        actor=user, procedure=procedure, agency=agency_tree["justice"], papers=all_papers(procedure)
    )
    User.objects.filter(pk=user.pk).update(is_active=False, registration_pending=True)
    monkeypatch.setattr(housekeeping, "_references", lambda: [])

    result = housekeeping.purge_unverified()

    assert (result.accounts, result.kept_referenced) == (2, 1)
    assert _exists(user) and not _exists(before) and not _exists(after)
    assert VerificationCode.objects.filter(user=user).count() == 1
    assert audit.verify_chain().ok


def test_large_backlog_goes_in_batches_each_audited():
    users = [_pending(f"093456789{i}", days=10) for i in range(5)]
    result = housekeeping.purge_unverified(batch_size=2)
    assert result.accounts == 5 and not User.objects.filter(pk__in=[u.pk for u in users]).exists()
    records = AuditRecord.objects.filter(action="accounts.purge_unverified").order_by("seq")
    assert [r.changes["accounts"] for r in records] == [2, 2, 1]


def test_dry_run_counts_and_deletes_nothing():
    user = _pending("0934567890", days=10)
    spent = _code(hours_ago=48, used_at=timezone.now() - timedelta(hours=47))
    result = housekeeping.run(dry_run=True)
    assert (result.accounts, result.account_codes, result.codes) == (1, 1, 1)
    assert result.dry_run
    assert _exists(user) and VerificationCode.objects.filter(pk=spent.pk).exists()
    assert not AuditRecord.objects.filter(action__startswith="accounts.purge").exists()


def test_a_purged_code_on_an_open_page_is_an_expired_code_not_an_error():
    row = services.start_registration(
        full_name="Phạm Thị Dung", contact="0934567890", password=PASSWORD
    )
    code = _sent_code("0934567890")
    _age(row.user, 10)
    housekeeping.run()
    with pytest.raises(CodeError, match="hết hạn"):
        services.confirm_registration(code_id=row.pk, code=code)
    with pytest.raises(CodeError, match="hết hạn"):
        services.resend_code(code_id=row.pk)


# --- Verification codes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state",
    [
        {"used_at": timezone.now() - timedelta(hours=47)},
        {},  # expired long ago
        {"attempts": verification.MAX_ATTEMPTS, "expires_at": timezone.now() + timedelta(hours=1)},
        {"superseded": True, "expires_at": timezone.now() + timedelta(hours=1)},
    ],
    ids=["used", "expired", "exhausted", "superseded"],
)
def test_old_spent_code_is_deleted_and_audited(state):
    owner = make_citizen("0912345678")
    spent = _code(hours_ago=48, user=owner, **state)
    orphan = _code(hours_ago=48, destination="0977000222", **state)  # contact held by another
    assert housekeeping.purge_codes().codes == 2
    assert not VerificationCode.objects.filter(pk__in=[spent.pk, orphan.pk]).exists()
    (record,) = AuditRecord.objects.filter(action="accounts.purge_codes")
    assert record.changes == {"codes": 2, "older_than_hours": 24.0}


def test_recent_or_live_codes_are_kept():
    owner = make_citizen("0912345678")
    recent_used = _code(hours_ago=20, user=owner, used_at=timezone.now() - timedelta(hours=20))
    recent_expired = _code(hours_ago=20, user=owner)
    live = _code(hours_ago=48, user=owner, expires_at=timezone.now() + timedelta(minutes=5))
    assert housekeeping.purge_codes().codes == 0
    assert (
        VerificationCode.objects.filter(pk__in=[recent_used.pk, recent_expired.pk, live.pk]).count()
        == 3
    )
    assert not AuditRecord.objects.filter(action="accounts.purge_codes").exists()


def test_codes_of_a_registration_still_waiting_stay_with_it():
    user = _pending("0934567890", days=3)
    assert housekeeping.purge_codes().codes == 0
    assert VerificationCode.objects.filter(user=user).count() == 1


def test_no_retention_lifts_the_hourly_send_limit():
    """The send limits count the last hour's codes; a too-short retention is raised to 1 hour."""
    for _ in range(verification.MAX_SENDS_PER_HOUR):
        _code(hours_ago=0.1, used_at=timezone.now())
    assert housekeeping.purge_codes(older_than=timedelta(0)).codes == 0
    with pytest.raises(CodeError, match="quá 5 lần trong một giờ"):
        verification.check_send_allowed("0977000111")


# --- Command and worker ------------------------------------------------------------------------


def test_command_purges_and_says_what_it_did():
    _pending("0934567890", days=10)
    _code(hours_ago=48, used_at=timezone.now() - timedelta(hours=47))

    out = StringIO()
    call_command("accounts", "purge", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Chạy thử, chưa xóa gì / Dry run, nothing deleted" in text
    assert "1 đăng ký chưa xác minh quá 7 ngày/days sẽ bị xóa" in text
    assert "kèm 1 mã xác minh" in text
    assert "1 mã xác minh đã hết dùng, cũ hơn 1 ngày/days, sẽ bị xóa" in text
    assert User.objects.filter(phone="0934567890").exists()

    out = StringIO()
    call_command("accounts", "purge", stdout=out)
    text = out.getvalue()
    assert "Đã xóa 1 đăng ký chưa xác minh quá 7 ngày/days và 1 mã xác minh" in text
    assert "Đã xóa 1 mã xác minh đã hết dùng, cũ hơn 1 ngày/days" in text
    assert "0934567890" not in text
    assert not User.objects.filter(phone="0934567890").exists()
    assert not VerificationCode.objects.exists()
    assert set(
        AuditRecord.objects.filter(action__startswith="accounts.purge").values_list(
            "source", flat=True
        )
    ) == {"cli"}

    out = StringIO()
    call_command("accounts", "purge", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        "dry_run": False,
        "accounts": 0,
        "account_codes": 0,
        "codes": 0,
        "kept_referenced": 0,
    }


def test_worker_housekeeping_step_runs_the_purge(caplog):
    user = _pending("0934567890", days=10)
    spent = _code(hours_ago=48, used_at=timezone.now() - timedelta(hours=47))
    with caplog.at_level(logging.INFO, logger="chinhquyen.worker"):
        results = Worker.housekeep()
    result = results["accounts"]
    assert (result.accounts, result.account_codes, result.codes) == (1, 1, 1)
    assert results["retention"] is not None  # the outbox's retention ran in the same round
    assert not _exists(user) and not VerificationCode.objects.filter(pk=spent.pk).exists()
    assert AuditRecord.objects.get(action="accounts.purge_unverified").source == "system"
    assert "1 unverified registrations, 2 verification codes deleted" in caplog.text
    assert "0934567890" not in caplog.text and "Dung" not in caplog.text


def test_worker_housekeeping_failure_is_logged_without_details_and_not_raised(caplog, monkeypatch):
    def broken(**kwargs):
        raise ValueError("account 0934567890 could not be deleted")

    monkeypatch.setattr(housekeeping, "run", broken)
    with caplog.at_level(logging.INFO, logger="chinhquyen.worker"):
        results = Worker.housekeep()
    assert results["accounts"] is None
    assert results["retention"] is not None  # one failing step does not stop the others
    assert "housekeeping accounts failed (ValueError)" in caplog.text
    assert "0934567890" not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_worker_housekeeping_thread_runs_a_round_then_stops():
    user = _pending("0934567890", days=10)
    stop = threading.Event()
    stop.set()
    thread = threading.Thread(target=Worker._housekeeping_loop, args=(stop, 3600))
    thread.start()
    thread.join()
    assert not _exists(user)


@pytest.mark.django_db(transaction=True)
def test_worker_batch_runs_housekeeping_unless_disabled():
    user = _pending("0934567890", days=10)
    call_command(
        "worker", "--batch", "--no-startup-delay", "--housekeeping-interval", "0", verbosity=0
    )
    assert _exists(user)
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    assert not _exists(user)
