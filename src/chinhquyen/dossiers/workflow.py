"""The dossier state machine, as data: states, actions, who may act, what each action needs.

A plain transition table (in the manner of DIGIT's BusinessService → State → Action) rather than
a state-machine library: the table is short, it is read by the services, the permissions, the API
and the documentation alike, and it needs no model mix-in.

The *steps* of processing are not in this table: they come from the procedure's internal process
(``catalog.ProcessStep`` rows, the agency's own if it has any), copied onto the dossier when it
is received (``Dossier.process``). ``complete_step`` walks them in order; after the last one the
dossier waits for the decision (``approve`` / ``refuse_processing``).

Who may act is a tuple of *actor kinds*:

* a :class:`~chinhquyen.accounts.models.Role` value: the official holds that role for the
  action's agency (``scope``: the receiving agency, the agency of the current step, or the
  agency of the consultation / inter-agency part being answered);
* ``"applicant"``: the account that submitted the dossier;
* ``"step_handler"``: the official assigned to the current step, or, while nobody is assigned,
  anyone holding the step's responsible role in the step's agency;
* ``"system"``: the platform itself (``actor=None``), e.g. a payment confirmation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from chinhquyen.accounts.models import Role
from chinhquyen.dossiers.errors import DossierStateError
from chinhquyen.dossiers.models import Status

S = Status

# TrangThaiHoSo of the national public service portal (Cổng DVCQG).
NATIONAL_STATUSES: dict[int, str] = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}

_NATIONAL: dict[str, int] = {
    S.SUBMITTED: 1,
    S.RECEIVED: 2,
    S.REFUSED_RECEPTION: 3,
    S.PROCESSING: 4,
    S.INTER_AGENCY: 4,
    S.PENDING_DECISION: 4,
    S.APPROVED: 4,
    S.AWAITING_SUPPLEMENT: 5,
    S.AWAITING_OBLIGATION: 6,
    S.WITHDRAWN: 7,
    S.STOPPED: 8,
    # A refusal of processing is a processed dossier whose result is the refusal letter.
    S.RESULT_READY: 9,
    S.REFUSED_PROCESSING: 9,
    S.RETURNED: 10,
}

# KenhThucHien: 1 direct, 2 online, 3 postal.
NATIONAL_CHANNELS = {"direct": 1, "online": 2, "postal": 3}


def national_status(status: str) -> int:
    """The national status (1–10) of an internal status. Raises ``KeyError`` for an unknown one."""
    return _NATIONAL[Status(status)]


def national_status_label(status: str) -> str:
    return NATIONAL_STATUSES[national_status(status)]


def internal_statuses(national: int) -> list[str]:
    """The internal statuses shown as ``national`` (for filtering lists by the national status)."""
    return [s for s, n in _NATIONAL.items() if n == national]


# States in which the dossier is the agency's to process: its deadline clock runs (unless a
# pause is open) and it can become overdue.
IN_PROCESS = frozenset(
    {
        S.RECEIVED,
        S.PROCESSING,
        S.INTER_AGENCY,
        S.PENDING_DECISION,
        S.APPROVED,
        S.AWAITING_OBLIGATION,
    }
)
# The agency's work is finished (the result or refusal exists) or the dossier has ended.
FINISHED = frozenset({S.RESULT_READY, S.REFUSED_PROCESSING, S.RETURNED})
CLOSED = frozenset({S.REFUSED_RECEPTION, S.RETURNED, S.WITHDRAWN, S.STOPPED})
OPEN = frozenset(Status.values) - CLOSED

APPLICANT = "applicant"
STEP_HANDLER = "step_handler"
SYSTEM = "system"
RECEIVING = "receiving"
PROCESSING = "processing"
PARTICIPANT = "participant"

LEADERS = (Role.UNIT_HEAD, Role.AGENCY_LEADER)
PARTICIPANT_ROLES = (Role.SPECIALIST, Role.UNIT_HEAD, Role.AGENCY_LEADER)


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    from_states: frozenset[str]
    to_state: str | None  # None: decided by the service (the next step, the state it left)
    who: tuple[str, ...]
    scope: str = RECEIVING
    requires: tuple[str, ...] = ()
    creates: bool = False

    def allows_state(self, status: str) -> bool:
        return status in self.from_states


def _action(name, label, from_states, to_state, who, scope=RECEIVING, requires=(), creates=False):
    return Action(
        name=name,
        label=label,
        from_states=frozenset(from_states),
        to_state=to_state,
        who=tuple(who),
        scope=scope,
        requires=tuple(requires),
        creates=creates,
    )


_BEFORE_DECISION = (S.PROCESSING, S.INTER_AGENCY, S.PENDING_DECISION)

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        _action("submit_online", "Nộp hồ sơ trực tuyến", (), S.SUBMITTED, (APPLICANT,),
                requires=("procedure", "agency", "applicant_name"), creates=True),
        _action("register_at_desk", "Đăng ký hồ sơ tại Bộ phận Một cửa", (), S.SUBMITTED,
                (Role.INTAKE_OFFICER,), requires=("procedure", "agency", "applicant_name"),
                creates=True),
        _action("attach_paper", "Nộp thành phần hồ sơ",
                (S.SUBMITTED, S.AWAITING_SUPPLEMENT, S.RECEIVED), None,
                (APPLICANT, Role.INTAKE_OFFICER), requires=("file",)),
        _action("receive", "Tiếp nhận hồ sơ", (S.SUBMITTED,), S.RECEIVED,
                (Role.INTAKE_OFFICER,)),
        _action("request_supplement", "Yêu cầu bổ sung, hoàn thiện hồ sơ",
                (S.SUBMITTED, S.RECEIVED, S.PROCESSING, S.PENDING_DECISION),
                S.AWAITING_SUPPLEMENT, (Role.INTAKE_OFFICER, STEP_HANDLER), scope=PROCESSING,
                requires=("items",)),
        _action("supplement_received", "Nhận đủ hồ sơ bổ sung", (S.AWAITING_SUPPLEMENT,), None,
                (Role.INTAKE_OFFICER, APPLICANT)),
        _action("refuse_reception", "Từ chối tiếp nhận hồ sơ",
                (S.SUBMITTED, S.AWAITING_SUPPLEMENT), S.REFUSED_RECEPTION,
                (Role.INTAKE_OFFICER,), requires=("reasons",)),
        _action("forward", "Chuyển hồ sơ đến bộ phận giải quyết", (S.RECEIVED,), S.PROCESSING,
                (Role.INTAKE_OFFICER,)),
        _action("assign", "Phân công xử lý", (S.PROCESSING, S.PENDING_DECISION), None, LEADERS,
                scope=PROCESSING, requires=("assignee",)),
        _action("reassign", "Phân công lại", (S.PROCESSING, S.PENDING_DECISION), None, LEADERS,
                scope=PROCESSING, requires=("assignee", "reason")),
        _action("complete_step", "Hoàn thành bước xử lý", (S.PROCESSING,), None,
                (STEP_HANDLER,), scope=PROCESSING, requires=("opinion",)),
        _action("return_to_previous_step", "Trả lại bước trước",
                (S.PROCESSING, S.PENDING_DECISION), S.PROCESSING, (STEP_HANDLER, *LEADERS),
                scope=PROCESSING, requires=("reason",)),
        _action("consult", "Lấy ý kiến cơ quan khác", (S.PROCESSING, S.PENDING_DECISION), None,
                (STEP_HANDLER, *LEADERS), scope=PROCESSING, requires=("agency", "question")),
        _action("answer_consultation", "Trả lời xin ý kiến", (*IN_PROCESS, S.AWAITING_SUPPLEMENT), None,
                PARTICIPANT_ROLES, scope=PARTICIPANT, requires=("participation", "opinion")),
        _action("transfer_inter_agency", "Chuyển liên thông", (S.PROCESSING,), S.INTER_AGENCY,
                (STEP_HANDLER, *LEADERS), scope=PROCESSING, requires=("mode", "parts")),
        _action("complete_participation", "Hoàn thành phần liên thông", (S.INTER_AGENCY,), None,
                PARTICIPANT_ROLES, scope=PARTICIPANT, requires=("participation", "opinion")),
        _action("approve", "Phê duyệt kết quả", (S.PROCESSING, S.PENDING_DECISION), S.APPROVED,
                LEADERS, scope=PROCESSING),
        _action("refuse_processing", "Từ chối giải quyết",
                (*_BEFORE_DECISION, S.AWAITING_SUPPLEMENT),
                S.REFUSED_PROCESSING, LEADERS, scope=PROCESSING, requires=("reasons",)),
        _action("issue_result", "Phát hành kết quả", (S.APPROVED,), S.RESULT_READY,
                (Role.INTAKE_OFFICER, Role.CLERK, *LEADERS), scope=PROCESSING,
                requires=("file", "name")),
        _action("return_result", "Trả kết quả", (S.RESULT_READY, S.REFUSED_PROCESSING),
                S.RETURNED, (Role.INTAKE_OFFICER, SYSTEM), requires=("via",)),
        _action("withdraw", "Rút hồ sơ",
                (S.SUBMITTED, S.AWAITING_SUPPLEMENT, S.RECEIVED, *_BEFORE_DECISION,
                 S.AWAITING_OBLIGATION), S.WITHDRAWN, (APPLICANT, Role.INTAKE_OFFICER),
                requires=("reason",)),
        _action("stop_processing", "Dừng xử lý hồ sơ",
                (S.RECEIVED, *_BEFORE_DECISION, S.AWAITING_OBLIGATION, S.AWAITING_SUPPLEMENT),
                S.STOPPED, (Role.AGENCY_LEADER,), scope=PROCESSING, requires=("reason",)),
        _action("request_financial_obligation", "Yêu cầu thực hiện nghĩa vụ tài chính",
                (S.PROCESSING, S.PENDING_DECISION, S.APPROVED), S.AWAITING_OBLIGATION,
                (STEP_HANDLER, Role.INTAKE_OFFICER, *LEADERS), scope=PROCESSING,
                requires=("amount", "description")),
        _action("obligation_paid", "Đã hoàn thành nghĩa vụ tài chính", (S.AWAITING_OBLIGATION,),
                None, (Role.INTAKE_OFFICER, SYSTEM), requires=("reference",)),
        _action("propose_new_date", "Xin lỗi và hẹn lại ngày trả kết quả",
                (*IN_PROCESS,), None, (STEP_HANDLER, *LEADERS), scope=PROCESSING,
                requires=("new_due_at", "reason")),
    )
}  # fmt: skip

REQUIRED_LABELS = {
    "procedure": "thủ tục",
    "agency": "cơ quan",
    "applicant_name": "tên chủ hồ sơ",
    "file": "tệp",
    "items": "danh sách giấy tờ cần bổ sung (kèm lý do)",
    "reasons": "lý do",
    "reason": "lý do",
    "assignee": "người được phân công",
    "opinion": "ý kiến xử lý",
    "question": "nội dung xin ý kiến",
    "participation": "phần việc phối hợp/liên thông",
    "mode": "hình thức liên thông (tuần tự/song song)",
    "parts": "các cơ quan liên thông",
    "name": "tên kết quả",
    "via": "hình thức trả kết quả",
    "amount": "số tiền",
    "description": "nội dung nghĩa vụ tài chính",
    "reference": "số chứng từ/mã giao dịch",
    "new_due_at": "ngày hẹn trả mới",
}


def action(name: str) -> Action:
    try:
        return ACTIONS[name]
    except KeyError:
        raise ValidationError(
            f"Thao tác «{name}» không có. Các thao tác: {', '.join(sorted(ACTIONS))}.",
            code="unknown_action",
        ) from None


def status_label(status: str) -> str:
    return Status(status).label


def check_state(name: str, status: str) -> None:
    """Raise :class:`DossierStateError` when ``name`` is not allowed in ``status``."""
    spec = action(name)
    if spec.allows_state(status):
        return
    allowed = ", ".join(f"«{status_label(s)}»" for s in sorted(spec.from_states)) or "—"
    raise DossierStateError(
        f"Không thể «{spec.label.lower()}» khi hồ sơ đang ở trạng thái «{status_label(status)}»; "
        f"thao tác này chỉ thực hiện được khi hồ sơ ở trạng thái: {allowed}."
    )


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Iterable) and not isinstance(value, bytes | bytearray):
        try:
            return len(value) == 0  # type: ignore[arg-type]
        except TypeError:
            return False
    return False


def check_inputs(name: str, values: Mapping[str, Any]) -> None:
    """Raise a ValidationError naming every required input of ``name`` that is missing."""
    missing = {
        key: [f"Cần nhập {REQUIRED_LABELS.get(key, key)}."]
        for key in action(name).requires
        if _blank(values.get(key))
    }
    if missing:
        raise ValidationError(missing, code="required")


def available_actions(status: str) -> list[str]:
    """The actions the table allows in ``status`` (before any rule of the dossier's own)."""
    return [a.name for a in ACTIONS.values() if not a.creates and a.allows_state(status)]


def spent(name: str, dossier: Any) -> bool:
    """Whether ``dossier`` already used up action ``name`` (allowed once by the regulation).

    A new date (Mẫu 04) may be set only once per dossier: once ``rescheduled_at`` is recorded,
    ``propose_new_date`` is no longer offered (the service refuses it too).
    """
    return name == "propose_new_date" and getattr(dossier, "rescheduled_at", None) is not None


def available_actions_for(dossier: Any) -> list[str]:
    """The actions that may be taken on ``dossier`` now, by its status and its own record
    (before asking who the user is): :func:`available_actions` less the :func:`spent` ones."""
    return [name for name in available_actions(dossier.status) if not spent(name, dossier)]
