"""Outbox handlers: who is told what, when something happens to a dossier or an account.

Each handler runs in the worker, inside the delivery's transaction. It only decides and queues
(:func:`services.notify`); the sending is its own outbox delivery (``notifications.send``),
retried with backoff on its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings

from chinhquyen.dossiers.models import Delivery as ResultDelivery
from chinhquyen.dossiers.models import Dossier, DossierEvent
from chinhquyen.events.registry import register
from chinhquyen.notifications import services

VN = ZoneInfo("Asia/Ho_Chi_Minh")

# Dossier action (outbox event ``dossiers.<action>``) → message to the applicant.
APPLICANT_TEMPLATES = {
    "submit_online": "dossier.submitted",
    "receive": "dossier.received",
    "request_supplement": "dossier.supplement_requested",
    "refuse_reception": "dossier.reception_refused",
    "propose_new_date": "dossier.new_date",
    "request_financial_obligation": "dossier.obligation_requested",
    "issue_result": "dossier.result_ready",
    "return_result": "dossier.returned",
    "refuse_processing": "dossier.processing_refused",
    "withdraw": "dossier.withdrawn",
    "stop_processing": "dossier.stopped",
}
# Actions that hand a step to a named official → an e-mail to that official.
ASSIGNING_ACTIONS = ("forward", "assign", "reassign", "complete_step")


def _date(moment: datetime | None) -> str:
    return moment.astimezone(VN).strftime("%d/%m/%Y") if moment else ""


def _money(amount: Any) -> str:
    return f"{int(amount):,}".replace(",", ".") if amount is not None else ""


def dossier_context(dossier: Dossier, line: DossierEvent | None) -> dict[str, Any]:
    """What the texts may use. The applicant's name is the only personal data in it."""
    base = settings.NOTIFICATIONS["PUBLIC_URL"]
    data = (line.data if line else None) or {}
    due = (line.due_after if line else None) or dossier.due_at
    return {
        "name": dossier.applicant_name,
        "code": dossier.code,
        "procedure": dossier.procedure.name,
        "agency": dossier.agency.name,
        "desk": dossier.desk.name
        if dossier.desk_id
        else f"Bộ phận Một cửa – {dossier.agency.name}",
        "due_date": _date(due),
        "old_date": _date(line.due_before if line else None),
        "new_date": _date(dossier.rescheduled_due_at or due),
        "reason": line.opinion if line else "",
        "items": data.get("items", []),
        "amount": _money(dossier.obligation_amount),
        "result_online": dossier.result_delivery == ResultDelivery.ONLINE,
        "result_by_post": dossier.result_delivery == ResultDelivery.POST,
        "returned_via": data.get("via", dossier.returned_via),
        "lookup_url": f"{base}/tra-cuu/",
        "lookup_link": f"{base}/tra-cuu/?{urlencode({'ma': dossier.code})}",
        "site": urlsplit(base).netloc or base,
    }


def _load(event) -> tuple[Dossier, DossierEvent | None] | None:
    dossier = (
        Dossier.objects.select_related("procedure", "agency", "desk")
        .filter(pk=event.aggregate_id)
        .first()
    )
    if dossier is None:
        return None
    line = (
        DossierEvent.objects.select_related("to_user")
        .filter(dossier=dossier, seq=event.payload.get("version"))
        .first()
    )
    return dossier, line


def _register_all(event_types):
    def decorator(fn):
        for event_type in event_types:
            register(event_type)(fn)
        return fn

    return decorator


@_register_all(f"dossiers.{action}" for action in APPLICANT_TEMPLATES)
def tell_applicant(event, delivery) -> None:
    """SMS to the applicant's phone, e-mail to their address (Zalo where a template is active)."""
    loaded = _load(event)
    if loaded is None:
        return
    dossier, line = loaded
    action = event.payload.get("action") or event.event_type.split(".", 1)[1]
    services.notify(
        template_key=APPLICANT_TEMPLATES[action],
        context=dossier_context(dossier, line),
        to_phone=dossier.applicant_phone or None,
        to_email=dossier.applicant_email or None,
        zalo_user=dossier.applicant_phone or None,
        ref=dossier,
        key=delivery.idempotency_key,
    )


@_register_all(f"dossiers.{action}" for action in ASSIGNING_ACTIONS)
def tell_assigned_official(event, delivery) -> None:
    """E-mail the official a step was handed to, if the hand-over names one with an address."""
    loaded = _load(event)
    if loaded is None:
        return
    dossier, line = loaded
    official = line.to_user if line else None
    if official is None or not official.email or not official.is_active:
        return
    context = dossier_context(dossier, line)
    context.update(
        official=getattr(official, "full_name", "") or official.get_username(),
        step=line.to_label,
        workspace_url=f"{settings.NOTIFICATIONS['PUBLIC_URL']}/",
    )
    services.notify(
        template_key="dossier.step_assigned",
        context=context,
        to_email=official.email,
        channels=["email"],
        ref=dossier,
        key=delivery.idempotency_key,
    )


PURPOSES = {"register": "đăng ký tài khoản", "change_contact": "đổi thông tin liên lạc"}


def _code_minutes(payload: dict[str, Any]) -> int | str:
    """How long the code is valid: from the event, else the accounts app's code lifetime."""
    if payload.get("expires_minutes"):
        return payload["expires_minutes"]
    from chinhquyen.accounts import verification

    ttl = getattr(verification, "CODE_TTL", None)
    return int(ttl.total_seconds() // 60) if ttl else ""


@register("accounts.verification_code_requested")
def send_verification_code(event, delivery) -> None:
    """The code goes to the one destination asked for, through its channel; never logged."""
    payload = event.payload
    channel = payload.get("channel")
    destination = str(payload.get("destination") or "")
    if channel not in ("sms", "email") or not destination:
        return
    services.notify(
        template_key="account.verification_code",
        context={
            "code": payload.get("code", ""),
            "purpose": PURPOSES.get(payload.get("purpose"), payload.get("purpose") or ""),
            "minutes": _code_minutes(payload),
        },
        to_phone=destination if channel == "sms" else None,
        to_email=destination if channel == "email" else None,
        channels=[channel],
        ref=("accounts.verification", payload.get("purpose") or "", "mã xác minh"),
        key=delivery.idempotency_key,
    )
    # The queued message now carries the code (and drops it once sent): the request event no
    # longer needs it, so it does not stay readable in the outbox table.
    type(event).objects.filter(pk=event.pk).update(payload={**payload, "code": services.REDACTED})


def _notification_id(event) -> int:
    return int(event.payload["notification_id"])


def _send_given_up(event, delivery, exc: BaseException) -> None:
    """The outbox stopped trying: the message is recorded as failed, with why and how often."""
    services.record_failure(_notification_id(event), attempt=delivery.attempts, error=exc)


def _send_retried(event, delivery) -> None:
    """An operator retries the delivery: the failed message is queued again."""
    services.reopen(_notification_id(event))


@register(services.SEND_EVENT, on_give_up=_send_given_up, on_retry=_send_retried)
def send_notification(event, delivery) -> None:
    """Hand one queued message to its channel; raising asks the outbox to retry later (or, for a
    permanent error, to give up at once)."""
    services.send_queued(_notification_id(event), attempt=delivery.attempts)
