"""Housekeeping of accounts: delete registrations nobody confirmed and spent verification codes.

A registration by phone or e-mail holds an inactive account (name, phone or e-mail, password
hash) and hashed codes until the person types the code back. Nobody may be kept on file without
a purpose (Nghị định 13/2023/NĐ-CP on personal data protection), so:

* :func:`purge_unverified` deletes accounts that never confirmed their contact, never logged in,
  and that nothing in the database refers to (no dossier, draft, representative, role, group,
  audit record as actor, ...), once they are older than ``ACCOUNTS_UNVERIFIED_RETENTION``;
  their codes go with them.
* :func:`purge_codes` deletes code rows that can no longer succeed (used, expired, exhausted or
  replaced) once they are older than ``ACCOUNTS_CODE_RETENTION``. Codes of a registration still
  waiting for confirmation stay until the account itself is confirmed or purged.

Both work in batches, each its own short transaction, so a large backlog never holds the SQLite
write lock for long. Each batch that deleted something writes one audit record with counts only
(never names, phones or e-mails: the audit log is append-only and would keep them for ever).
The worker runs :func:`run` about once an hour; ``chinhquyen accounts purge`` runs it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone

from chinhquyen.accounts import verification
from chinhquyen.accounts.models import User, VerificationCode
from chinhquyen.audit import services as audit

BATCH_SIZE = 500
DEFAULT_UNVERIFIED_RETENTION = timedelta(days=7)
DEFAULT_CODE_RETENTION = timedelta(days=1)
# The send limits of :mod:`verification` count the codes of the last hour per destination; no
# retention may be shorter, or purging would lift the limits.
MIN_RETENTION = timedelta(hours=1)

_SAFE_TO_DELETE = (ProtectedError, RestrictedError, IntegrityError)


@dataclass(frozen=True)
class PurgeResult:
    """What one run deleted (or, with ``dry_run``, would delete)."""

    accounts: int = 0
    account_codes: int = 0
    codes: int = 0
    kept_referenced: int = 0
    dry_run: bool = False

    @property
    def total_codes(self) -> int:
        return self.account_codes + self.codes


def unverified_retention() -> timedelta:
    """How long an unconfirmed registration is kept (``ACCOUNTS_UNVERIFIED_RETENTION``)."""
    value = getattr(settings, "ACCOUNTS_UNVERIFIED_RETENTION", DEFAULT_UNVERIFIED_RETENTION)
    return max(value, MIN_RETENTION)


def code_retention() -> timedelta:
    """How long a spent verification code is kept (``ACCOUNTS_CODE_RETENTION``)."""
    value = getattr(settings, "ACCOUNTS_CODE_RETENTION", DEFAULT_CODE_RETENTION)
    return max(value, MIN_RETENTION)


def _references() -> list[tuple[type[models.Model], str, str]]:
    """Every table with a foreign key to an account, except the codes deleted along with it.

    Read from the ORM (hidden ``related_name="+"`` relations and many-to-many link tables
    included), so a relation added later in any app also keeps its accounts from being purged.
    """
    found = []
    for rel in User._meta.get_fields(include_hidden=True):
        if not rel.auto_created or rel.concrete or rel.many_to_many:
            continue
        if rel.related_model is VerificationCode:
            continue
        found.append((rel.related_model, rel.field.attname, rel.field.target_field.attname))
    return found


def unverified_accounts(*, now: datetime, older_than: timedelta) -> models.QuerySet[User]:
    """Accounts :func:`purge_unverified` may delete: unconfirmed, unused, unreferenced, old.

    "Old" means both created before the cutoff and without a code sent since then: starting the
    registration again for the same contact keeps the original ``date_joined``.
    """
    cutoff = now - max(older_than, MIN_RETENTION)
    qs = User.objects.filter(
        registration_pending=True,
        is_active=False,
        last_login__isnull=True,
        is_staff=False,
        is_superuser=False,
        identity_verified=False,
        oidc_sub__isnull=True,
        date_joined__lt=cutoff,
    ).exclude(kind=User.Kind.OFFICIAL)
    qs = qs.filter(
        ~Exists(VerificationCode.objects.filter(user=OuterRef("pk"), created_at__gte=cutoff))
    )
    for model, column, target in _references():
        qs = qs.filter(~Exists(model._base_manager.filter(**{column: OuterRef(target)})))
    return qs


def spent_codes(*, now: datetime, older_than: timedelta) -> models.QuerySet[VerificationCode]:
    """Code rows :func:`purge_codes` may delete: unable to succeed any more, and old."""
    cutoff = now - max(older_than, MIN_RETENTION)
    return VerificationCode.objects.filter(created_at__lt=cutoff).filter(
        Q(used_at__isnull=False)
        | Q(expires_at__lte=now)
        | Q(attempts__gte=verification.MAX_ATTEMPTS)
        | Q(superseded=True),
        Q(user__isnull=True) | Q(user__registration_pending=False),
    )


def _delete_accounts(pks: list[int], *, older_than: timedelta) -> tuple[int, int]:
    """Delete these accounts with their codes and audit the counts (inside the caller's
    transaction). Any table that still refers to one raises instead of losing data."""
    _, per_model = User.objects.filter(pk__in=pks).delete()
    accounts = per_model.get(User._meta.label, 0)
    codes = per_model.get(VerificationCode._meta.label, 0)
    if accounts:
        audit.record(
            "accounts.purge_unverified",
            object_type=User._meta.label_lower,
            changes={
                "accounts": accounts,
                "codes": codes,
                "older_than_hours": round(older_than.total_seconds() / 3600, 2),
            },
        )
    return accounts, codes


def purge_unverified(
    *,
    now: datetime | None = None,
    older_than: timedelta | None = None,
    batch_size: int = BATCH_SIZE,
    dry_run: bool = False,
) -> PurgeResult:
    """Delete registrations never confirmed within ``older_than`` (default: the setting).

    Candidates are chosen and locked inside each batch's transaction, with every reference
    checked in the same query, so nothing protected is touched. Should a reference appear
    between the check and the delete anyway, that batch is retried one account at a time and
    the referenced account is kept (counted in ``kept_referenced``).
    """
    now = now or timezone.now()
    older_than = max(older_than or unverified_retention(), MIN_RETENTION)
    candidates = unverified_accounts(now=now, older_than=older_than)
    if dry_run:
        return PurgeResult(
            accounts=candidates.count(),
            account_codes=VerificationCode.objects.filter(user__in=candidates).count(),
            dry_run=True,
        )
    accounts = codes = kept = 0
    last_pk = 0
    while True:
        pks: list[int] = []
        try:
            with transaction.atomic():
                pks = list(
                    candidates.filter(pk__gt=last_pk)
                    .order_by("pk")
                    .select_for_update()
                    .values_list("pk", flat=True)[:batch_size]
                )
                if not pks:
                    break
                last_pk = pks[-1]
                done, gone = _delete_accounts(pks, older_than=older_than)
                accounts, codes = accounts + done, codes + gone
        except _SAFE_TO_DELETE:
            for pk in pks:
                try:
                    with transaction.atomic():
                        if candidates.filter(pk=pk).select_for_update().exists():
                            done, gone = _delete_accounts([pk], older_than=older_than)
                            accounts, codes = accounts + done, codes + gone
                except _SAFE_TO_DELETE:
                    kept += 1
    return PurgeResult(accounts=accounts, account_codes=codes, kept_referenced=kept)


def purge_codes(
    *,
    now: datetime | None = None,
    older_than: timedelta | None = None,
    batch_size: int = BATCH_SIZE,
    dry_run: bool = False,
) -> PurgeResult:
    """Delete verification codes that can no longer succeed, once older than ``older_than``."""
    now = now or timezone.now()
    older_than = max(older_than or code_retention(), MIN_RETENTION)
    candidates = spent_codes(now=now, older_than=older_than)
    if dry_run:
        return PurgeResult(codes=candidates.count(), dry_run=True)
    total = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            pks = list(
                candidates.filter(pk__gt=last_pk)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not pks:
                break
            last_pk = pks[-1]
            deleted, _ = VerificationCode.objects.filter(pk__in=pks).delete()
            if deleted:
                audit.record(
                    "accounts.purge_codes",
                    object_type=VerificationCode._meta.label_lower,
                    changes={
                        "codes": deleted,
                        "older_than_hours": round(older_than.total_seconds() / 3600, 2),
                    },
                )
            total += deleted
    return PurgeResult(codes=total)


def run(*, now: datetime | None = None, dry_run: bool = False) -> PurgeResult:
    """Both purges with the configured retentions: what the worker and the command call."""
    now = now or timezone.now()
    accounts = purge_unverified(now=now, dry_run=dry_run)
    codes = purge_codes(now=now, dry_run=dry_run)
    return PurgeResult(
        accounts=accounts.accounts,
        account_codes=accounts.account_codes,
        codes=codes.codes,
        kept_referenced=accounts.kept_referenced,
        dry_run=dry_run,
    )
