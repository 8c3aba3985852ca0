"""What each action of the dossier page asks for, and how a posted form becomes a service call.

The service calls themselves are the API's (:data:`chinhquyen.dossiers.api.ACTION_CALLS`): a
posted form is turned into the API's :class:`~chinhquyen.dossiers.api.ActionIn`, so the page and
the API run exactly the same code. The two actions that carry a file (attach a paper, issue the
result) call their service directly, as the API's upload endpoints do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict

from chinhquyen.accounts import permissions as accounts
from chinhquyen.accounts.models import User
from chinhquyen.dossiers import api, permissions, services, timing, workflow
from chinhquyen.dossiers.models import Delivery, Dossier, Participation
from chinhquyen.organizations.models import Agency

# The inputs each action's form shows (names are the API's ActionIn fields).
INPUTS: dict[str, tuple[str, ...]] = {
    "receive": ("note",),
    "request_supplement": ("items", "note"),
    "supplement_received": ("note",),
    "refuse_reception": ("reasons",),
    "forward": ("assignee", "note"),
    "assign": ("assignee",),
    "reassign": ("assignee", "reason"),
    "complete_step": ("opinion", "next_assignee"),
    "return_to_previous_step": ("reason",),
    "consult": ("agency", "question", "working_days", "pause"),
    "answer_consultation": ("participation", "opinion"),
    "transfer_inter_agency": ("mode", "parts", "note"),
    "complete_participation": ("participation", "opinion"),
    "approve": ("opinion",),
    "refuse_processing": ("reasons",),
    "issue_result": ("file", "name", "number"),
    "return_result": ("via", "collected_by", "tracking_number", "note"),
    "withdraw": ("reason",),
    "stop_processing": ("reason",),
    "request_financial_obligation": ("amount", "description"),
    "obligation_paid": ("reference", "amount"),
    "propose_new_date": ("new_due_at", "reason"),
    "attach_paper": ("file", "required_paper"),
}
FILE_ACTIONS = ("issue_result", "attach_paper")
# Actions whose button is the main one of the page (primary style).
PRIMARY = {"receive", "forward", "complete_step", "approve", "issue_result", "return_result"}
# Actions that end or turn back the dossier: the button is styled as a warning.
DANGER = {"refuse_reception", "refuse_processing", "withdraw", "stop_processing"}
ITEM_ROWS = 3
PART_ROWS = 3


@dataclass
class ActionForm:
    """One action offered on the dossier page, with the choices its inputs need."""

    name: str
    label: str
    inputs: tuple[str, ...]
    style: str = "secondary"
    assignees: list[User] = field(default_factory=list)
    participations: list[Participation] = field(default_factory=list)
    agencies: list[Agency] = field(default_factory=list)
    papers: list[Any] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def anchor(self) -> str:
        return "thao-tac-" + self.name.replace("_", "-")

    @property
    def general_errors(self) -> list[str]:
        """Errors not tied to one of the inputs shown (state, version, a rule of the action)."""
        shown = {*self.inputs, "next_assignee" if "opinion" in self.inputs else ""}
        return [m for key, msgs in self.errors.items() if key not in shown for m in msgs]

    @property
    def item_rows(self) -> range:
        return range(ITEM_ROWS)

    @property
    def part_rows(self) -> range:
        return range(PART_ROWS)


def _ancestors(agency: Agency) -> list[int]:
    ids, seen, current = [], set(), agency
    while current is not None and current.pk not in seen:
        ids.append(current.pk)
        seen.add(current.pk)
        current = current.parent
    return ids


def eligible_officials(role: str, agency: Agency) -> list[User]:
    """Active officials holding ``role`` (any official role when blank) for ``agency``."""
    roles = [role] if role else sorted(accounts.OFFICIAL_ROLES)
    candidates = (
        User.objects.filter(
            kind=User.Kind.OFFICIAL,
            is_active=True,
            roles__role__in=roles,
            roles__agency_id__in=_ancestors(agency),
        )
        .distinct()
        .order_by("full_name", "username")
    )
    return [u for u in candidates if any(accounts.has_role(u, r, agency) for r in roles)]


def _entry_officials(d: Dossier, entry: dict[str, Any] | None) -> list[User]:
    if not entry:
        return []
    agency = d.agency if entry.get("agency_id") in (None, d.agency_id) else None
    if agency is None:
        agency = Agency.objects.filter(pk=entry["agency_id"]).first()
    return eligible_officials(entry.get("responsible_role", ""), agency) if agency else []


def _next_entry(d: Dossier) -> dict[str, Any] | None:
    step = d.current_step
    positions = [e["position"] for e in d.process or []]
    if step is None or step.position not in positions:
        return None
    i = positions.index(step.position) + 1
    return d.process[i] if i < len(positions) else None


def action_forms(user: Any, d: Dossier, allowed: list[str]) -> list[ActionForm]:
    """The forms of the actions ``user`` may take now (``allowed``), with their choices."""
    out = []
    for name in allowed:
        spec = workflow.action(name)
        style = "primary" if name in PRIMARY else "danger" if name in DANGER else "secondary"
        form = ActionForm(name, spec.label, INPUTS.get(name, ()), style)
        if name in ("assign", "reassign") and d.current_step is not None:
            form.assignees = [u for u in _step_candidates(d) if u.pk != d.current_step.assignee_id]
        elif name == "forward":
            form.assignees = _entry_officials(d, (d.process or [None])[0])
        elif name == "complete_step":
            form.assignees = _entry_officials(d, _next_entry(d))
        if name in ("answer_consultation", "complete_participation"):
            consult = name == "answer_consultation"
            form.participations = [
                p
                for p in d.participations.filter(state=Participation.State.ACTIVE).select_related(
                    "agency"
                )
                if (p.kind == Participation.Kind.CONSULTATION) == consult
                and permissions.can_perform(user, name, d, participation=p)
            ]
        if name in ("consult", "transfer_inter_agency"):
            here = permissions.processing_agency(d)
            form.agencies = list(Agency.objects.exclude(pk=here.pk).order_by("code"))
        if name in ("request_supplement", "attach_paper"):
            form.papers = list(d.procedure.papers.order_by("position"))
        out.append(form)
    return out


def _step_candidates(d: Dossier) -> list[User]:
    step = d.current_step
    return eligible_officials(step.responsible_role, step.agency)


# --- parsing a posted form ---------------------------------------------------------------------


def _text(data: QueryDict, key: str) -> str | None:
    value = (data.get(key) or "").strip()
    return value or None


def _number(data: QueryDict, key: str, kind: type, label: str) -> Any:
    value = (data.get(key) or "").strip().replace(" ", "")
    if not value:
        return None
    # 50.000 đồng (thousands with dots) for money; 2,5 or 2.5 days for working days.
    value = value.replace(",", ".") if kind is float else value.replace(".", "").replace(",", "")
    try:
        return kind(value)
    except ValueError:
        raise ValidationError({key: [f"{label} phải là một số."]}, code="invalid") from None


def _moment(data: QueryDict, key: str) -> datetime | None:
    value = (data.get(key) or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            {key: ["Ngày giờ hẹn mới không đúng dạng (ngày/tháng/năm giờ:phút)."]},
            code="invalid_date",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timing.TZ)


def _items(data: QueryDict) -> list[dict[str, Any]]:
    out = []
    for i in range(ITEM_ROWS):
        paper = (data.get(f"item-{i}-paper") or "").strip()
        name = (data.get(f"item-{i}-name") or "").strip()
        reason = (data.get(f"item-{i}-reason") or "").strip()
        if paper or name or reason:
            out.append(
                {"paper": int(paper) if paper.isdigit() else None, "name": name, "reason": reason}
            )
    return out


def _parts(data: QueryDict) -> list[dict[str, Any]]:
    out = []
    for i in range(PART_ROWS):
        agency = (data.get(f"part-{i}-agency") or "").strip()
        if not agency:
            continue
        out.append(
            {
                "agency": agency,
                "task": (data.get(f"part-{i}-task") or "").strip(),
                "working_days": _number(data, f"part-{i}-days", float, "Số ngày làm việc"),
            }
        )
    return out


def expected_version(data: QueryDict) -> int | None:
    value = (data.get("expected_version") or "").strip()
    return int(value) if value.isdigit() else None


def action_input(name: str, data: QueryDict) -> api.ActionIn:
    """The API's input of action ``name`` from the fields of the posted form."""
    values: dict[str, Any] = {"expected_version": expected_version(data)}
    for key in INPUTS.get(name, ()):
        if key == "items":
            values["items"] = [api.SupplementItemIn(**i) for i in _items(data)]
        elif key == "parts":
            values["parts"] = [api.PartIn(**p) for p in _parts(data)]
        elif key == "working_days":
            values[key] = _number(data, key, float, "Số ngày làm việc")
        elif key == "amount":
            values[key] = _number(data, key, int, "Số tiền")
        elif key == "participation":
            values[key] = _number(data, key, int, "Phần việc")
        elif key == "pause":
            values[key] = data.get("pause") == "1"
        elif key == "new_due_at":
            values[key] = _moment(data, key)
        elif key not in ("file", "name", "number", "required_paper"):
            values[key] = _text(data, key)
    return api.ActionIn(**values)


def perform(user: Any, d: Dossier, name: str, data: QueryDict, files: Any) -> Dossier:
    """Run action ``name`` on ``d`` for ``user`` with the posted ``data`` (and ``files``)."""
    version = expected_version(data)
    if name == "issue_result":
        upload = files.get("file")
        if upload is None:
            raise ValidationError({"file": ["Cần chọn tệp kết quả."]}, code="required")
        return services.issue_result(
            actor=user, dossier=d, expected_version=version, file=upload,
            name=data.get("name") or "", number=data.get("number") or "",
            file_name=upload.name or "",
        )  # fmt: skip
    if name == "attach_paper":
        upload = files.get("file")
        if upload is None:
            raise ValidationError({"file": ["Cần chọn tệp."]}, code="required")
        paper = (data.get("required_paper") or "").strip()
        return services.attach_paper(
            actor=user, dossier=d, expected_version=version, file=upload,
            required_paper=int(paper) if paper.isdigit() else None, file_name=upload.name or "",
        )  # fmt: skip
    call = api.ACTION_CALLS.get(name)
    if call is None:
        raise ValidationError(f"Không có thao tác «{name}».", code="unknown_action")
    body = action_input(name, data)
    return call(body, {"actor": user, "dossier": d, "expected_version": body.expected_version})


def allowed_actions(user: Any, d: Dossier) -> list[str]:
    """The actions ``user`` may take on ``d`` now (the API's list: state and permission)."""
    return api.allowed_actions(user, d)  # the one list the API also answers with


DELIVERY_CHOICES = Delivery.choices
