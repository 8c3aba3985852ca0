"""Record logins, logouts and lockouts in the audit log."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.dispatch import receiver

from chinhquyen.audit import services as audit
from chinhquyen.core.middleware import client_ip


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs) -> None:
    with transaction.atomic():
        audit.record(
            "accounts.login",
            obj=user,
            actor=user,
            object_label=user.username,
            ip=client_ip(request) if request else None,
        )


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    with transaction.atomic():
        audit.record(
            "accounts.logout",
            obj=user,
            actor=user,
            object_label=user.username,
            ip=client_ip(request) if request else None,
        )


@receiver(user_locked_out)
def on_locked_out(sender, request, username=None, ip_address=None, **kwargs) -> None:
    # The login name someone typed is personal data: keep only that a lockout happened, and where.
    with transaction.atomic():
        audit.record("accounts.locked_out", object_type="accounts.user", ip=ip_address)
