"""Outbox handlers of the accounts app: e-mails sent by the worker, never in the request."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from chinhquyen.accounts.models import User
from chinhquyen.events.registry import register


@register("accounts.password_reset_requested")
def send_password_reset_email(event, delivery) -> None:
    user = User.objects.get(pk=event.payload["user_id"])
    body = render_to_string(
        "accounts/email/password_reset.txt",
        {"user": user, "link": event.payload["link"], "PLATFORM_NAME": settings.PLATFORM_NAME},
    )
    message = EmailMessage(
        subject=f"Đặt lại mật khẩu tài khoản {settings.PLATFORM_NAME}",
        body=body,
        to=[user.email],
        headers={"Message-ID": f"<{delivery.idempotency_key}@chinhquyen>"},
    )
    message.send(fail_silently=False)
