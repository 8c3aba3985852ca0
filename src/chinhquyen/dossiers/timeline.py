"""What happened to a dossier, told to its applicant in plain Vietnamese.

The control sheet (:class:`~chinhquyen.dossiers.models.DossierEvent` rows) is written for
officials: step numbers, hand-overs between people, internal opinions. The applicant needs fewer,
plainer lines: the dossier was received, which unit is working on it, what they must bring and
why, that it is late (with the apology and the new date), that the result is ready, that it was
handed back. This module turns the events into those lines and gives the plain status of a
dossier; it reads only, and it never shows officials' internal opinions or names.

Plain functions, no request: the portal, the public lookup and notifications use the same words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chinhquyen.dossiers import timing, workflow
from chinhquyen.dossiers.models import Delivery, Dossier, DossierEvent, Status

S = Status

# --- plain status --------------------------------------------------------------------------------

IN_PROGRESS = "in_progress"
NEEDS_ACTION = "needs_action"
FINISHED = "finished"
GROUP_LABELS = {
    IN_PROGRESS: "Đang giải quyết",
    NEEDS_ACTION: "Cần bạn thực hiện",
    FINISHED: "Đã kết thúc",
}

# Statuses in which the applicant has something to do: bring papers, pay, collect the result.
NEEDS_ACTION_STATUSES = frozenset({S.AWAITING_SUPPLEMENT, S.AWAITING_OBLIGATION, S.RESULT_READY})
FINISHED_STATUSES = frozenset(
    {S.RETURNED, S.REFUSED_RECEPTION, S.REFUSED_PROCESSING, S.WITHDRAWN, S.STOPPED}
)
IN_PROGRESS_STATUSES = frozenset(Status.values) - NEEDS_ACTION_STATUSES - FINISHED_STATUSES

_PLAIN_STATUS: dict[str, tuple[str, str]] = {
    S.SUBMITTED: (
        "Đã gửi, chờ tiếp nhận",
        "Cán bộ Bộ phận Một cửa sẽ kiểm tra hồ sơ và tiếp nhận, hoặc hướng dẫn bạn bổ sung.",
    ),
    S.AWAITING_SUPPLEMENT: (
        "Cần bổ sung giấy tờ",
        "Hồ sơ còn thiếu hoặc chưa đúng giấy tờ. Xem danh sách cần bổ sung và nộp lại.",
    ),
    S.REFUSED_RECEPTION: (
        "Không được tiếp nhận",
        "Hồ sơ không được tiếp nhận; lý do được ghi bên dưới.",
    ),
    S.RECEIVED: ("Đã tiếp nhận", "Hồ sơ đã được tiếp nhận và sắp được chuyển đi giải quyết."),
    S.PROCESSING: ("Đang giải quyết", "Cơ quan có thẩm quyền đang xem xét hồ sơ."),
    S.INTER_AGENCY: (
        "Đang giải quyết (liên thông)",
        "Hồ sơ đang được nhiều cơ quan phối hợp giải quyết.",
    ),
    S.PENDING_DECISION: ("Đang giải quyết", "Hồ sơ đang chờ lãnh đạo xem xét, ký duyệt."),
    S.AWAITING_OBLIGATION: (
        "Cần nộp phí, thuế",
        "Bạn cần thực hiện nghĩa vụ tài chính (nộp phí, lệ phí, thuế) để hồ sơ được giải quyết tiếp.",
    ),
    S.APPROVED: ("Đã được duyệt, chờ phát hành kết quả", "Kết quả sắp được phát hành."),
    S.RESULT_READY: (
        "Đã có kết quả, mời bạn nhận",
        "Kết quả đã có. Bạn nhận theo hình thức đã đăng ký.",
    ),
    S.REFUSED_PROCESSING: (
        "Bị từ chối giải quyết",
        "Cơ quan giải quyết đã có văn bản trả lời, nêu rõ lý do từ chối.",
    ),
    S.RETURNED: ("Đã trả kết quả", "Hồ sơ đã hoàn tất."),
    S.WITHDRAWN: ("Đã rút hồ sơ", "Hồ sơ đã được rút theo yêu cầu của người nộp."),
    S.STOPPED: (
        "Đã dừng giải quyết",
        "Cơ quan giải quyết đã dừng xử lý hồ sơ; lý do ghi bên dưới.",
    ),
}


def group_of(status: str) -> str:
    """``needs_action``, ``finished`` or ``in_progress``: the filters of the applicant's list."""
    if status in NEEDS_ACTION_STATUSES:
        return NEEDS_ACTION
    if status in FINISHED_STATUSES:
        return FINISHED
    return IN_PROGRESS


def statuses_of(group: str) -> frozenset[str]:
    return {
        IN_PROGRESS: IN_PROGRESS_STATUSES,
        NEEDS_ACTION: NEEDS_ACTION_STATUSES,
        FINISHED: FINISHED_STATUSES,
    }[group]


def plain_status(status: str) -> str:
    """The status in the applicant's words (e.g. ``Cần bổ sung giấy tờ``)."""
    return _PLAIN_STATUS[Status(status)][0]


def status_hint(status: str) -> str:
    """One sentence saying what the status means for the applicant."""
    return _PLAIN_STATUS[Status(status)][1]


def is_late(dossier: Any, now: datetime) -> bool:
    """The agency holds the dossier past its due date (a pause freezes the clock).

    ``dossier``: a :class:`Dossier`, or any object with ``status``, ``due_at`` and
    ``clock_paused_since`` (the public lookup's record).
    """
    if dossier.due_at is None or dossier.status not in workflow.IN_PROCESS:
        return False
    return (dossier.clock_paused_since or now) > dossier.due_at


def unit_text(
    status: str, agency_name: str, step_agency_name: str = "", step_unit: str = ""
) -> str:
    """Where a dossier is, as a unit and agency name (never a person). ``step_agency_name`` and
    ``step_unit``: the agency and unit of the current step, when one is open."""
    if (status in workflow.IN_PROCESS or status == S.INTER_AGENCY) and step_agency_name:
        unit = (step_unit or "").strip()
        return (
            f"{unit}, {step_agency_name}"
            if unit and unit not in step_agency_name
            else (step_agency_name)
        )
    if status == S.PENDING_DECISION:
        return f"Lãnh đạo {agency_name}"
    if status in (S.SUBMITTED, S.RECEIVED):
        return f"Bộ phận Một cửa – {agency_name}"
    return agency_name


def current_unit(dossier: Dossier) -> str:
    """Where the dossier is now, as a unit and agency name (never a person)."""
    step = dossier.current_step
    open_step = step is not None and step.finished_at is None
    return unit_text(
        dossier.status,
        dossier.agency.name,
        step.agency.name if open_step else "",
        step.responsible_unit if open_step else "",
    )


# --- the timeline --------------------------------------------------------------------------------

# Kinds of lines (for the icon and colour of a row).
INFO = "info"
ACTION = "action"  # the applicant must do something
WARNING = "warning"
DONE = "done"
ENDED = "ended"

# Internal hand-overs between officials: not shown to the applicant.
HIDDEN_ACTIONS = frozenset({"assign", "reassign", "return_to_previous_step", "answer_consultation"})


@dataclass(frozen=True)
class Row:
    """One line of the applicant's timeline."""

    at: datetime
    title: str
    text: str = ""
    kind: str = INFO
    items: list[dict[str, str]] = field(default_factory=list)
    seq: int = 0
    unit: str = ""  # the unit holding the dossier after this line, when it says so


def day(moment: datetime | None) -> str:
    """``dd/mm/yyyy`` in Vietnam time (``""`` for none)."""
    if moment is None:
        return ""
    return f"{moment.astimezone(timing.TZ):%d/%m/%Y}"


def moment_text(moment: datetime | None) -> str:
    """``HH:MM ngày dd/mm/yyyy`` in Vietnam time (``""`` for none)."""
    if moment is None:
        return ""
    local = moment.astimezone(timing.TZ)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def _agency_name(agency: Any, dossier: Dossier) -> str:
    return agency.name if agency is not None else dossier.agency.name


def _unit_of(dossier: Dossier, position: int | None, event: DossierEvent) -> str:
    """The unit of step ``position`` of the dossier's process, with its agency."""
    agency = _agency_name(event.to_agency, dossier)
    for entry in dossier.process or []:
        if entry.get("position") == position:
            unit = (entry.get("responsible_unit") or "").strip()
            if unit and unit not in agency:
                return f"{unit}, {agency}"
    return agency


def _next_position(dossier: Dossier, position: int | None) -> int | None:
    positions = [e.get("position") for e in dossier.process or []]
    if position in positions:
        i = positions.index(position) + 1
        return positions[i] if i < len(positions) else None
    return None


def _lines(text: str) -> list[dict[str, str]]:
    out = []
    for line in (text or "").splitlines():
        line = line.strip().lstrip("-").strip()
        if line:
            out.append({"name": line, "reason": ""})
    return out


def _due(event: DossierEvent) -> str:
    return day(event.due_after)


def row_for(event: DossierEvent, dossier: Dossier) -> Row | None:
    """The applicant's line for one control-sheet event, or ``None`` for an internal one."""
    a, data = event.action, event.data or {}
    mine = event.actor_id is not None and event.actor_id == dossier.submitted_by_id
    at, seq = event.at, event.seq

    def row(title: str, text: str = "", kind: str = INFO, items=None, unit: str = "") -> Row:
        return Row(
            at=at, title=title, text=text, kind=kind, items=list(items or []), seq=seq, unit=unit
        )

    if a in HIDDEN_ACTIONS:
        return None
    if a == "submit_online":
        return row("Bạn đã nộp hồ sơ trực tuyến", "Hồ sơ đang chờ cán bộ tiếp nhận kiểm tra.")
    if a == "register_at_desk":
        return row("Hồ sơ được đăng ký tại Bộ phận Một cửa", f"Nơi nộp: {dossier.agency.name}.")
    if a == "attach_paper":
        paper = data.get("paper") or data.get("file") or "giấy tờ"
        who = "Bạn đã nộp" if mine else "Đã nộp"
        return row(f"{who} giấy tờ: {paper}")
    if a == "receive":
        due = _due(event)
        text = f"Ngày hẹn trả kết quả: {due}." if due else ""
        return row("Hồ sơ đã được tiếp nhận", text, DONE)
    if a == "request_supplement":
        items = [
            {"name": str(i.get("name", "")), "reason": str(i.get("reason", ""))}
            for i in data.get("items", [])
        ]
        text = "Thời hạn giải quyết tạm dừng cho đến khi bạn nộp đủ giấy tờ bổ sung."
        if data.get("stage") == "reception":
            text = "Hồ sơ sẽ được tiếp nhận khi bạn nộp đủ giấy tờ bổ sung."
        if event.opinion:
            text = f"{text} Hướng dẫn thêm: {event.opinion}"
        return row("Cần bổ sung giấy tờ", text, ACTION, items)
    if a == "supplement_received":
        text = ""
        if data.get("restarted") and event.due_after:
            text = f"Thời hạn giải quyết được tính lại từ đầu; ngày hẹn trả mới: {_due(event)}."
        return row("Đã nhận đủ giấy tờ bổ sung", text, DONE)
    if a == "refuse_reception":
        return row("Hồ sơ không được tiếp nhận", "Lý do:", ENDED, _lines(event.opinion))
    if a == "forward":
        first = dossier.process[0].get("position") if dossier.process else None
        unit = _unit_of(dossier, first, event)
        return row("Hồ sơ được chuyển đi giải quyết", f"Đơn vị giải quyết: {unit}.", unit=unit)
    if a == "complete_step":
        nxt = _next_position(dossier, event.step_position)
        if nxt is None:
            return row("Hồ sơ được trình lãnh đạo xem xét, ký duyệt")
        unit = _unit_of(dossier, nxt, event)
        return row("Hồ sơ chuyển sang đơn vị khác xử lý", f"Đang xử lý tại: {unit}.", unit=unit)
    if a == "consult":
        return row(
            "Cơ quan giải quyết đang lấy ý kiến cơ quan khác",
            f"Cơ quan được hỏi ý kiến: {_agency_name(event.to_agency, dossier)}.",
        )
    if a == "transfer_inter_agency":
        return row("Hồ sơ được chuyển liên thông đến các cơ quan phối hợp giải quyết")
    if a == "complete_participation":
        return row(
            "Một cơ quan phối hợp đã xong phần việc của mình",
            _agency_name(event.from_agency, dossier) if event.from_agency_id else "",
        )
    if a == "approve":
        return row("Hồ sơ đã được phê duyệt", "Kết quả đang được phát hành.", DONE)
    if a == "refuse_processing":
        return row(
            "Cơ quan giải quyết từ chối giải quyết hồ sơ",
            "Văn bản trả lời nêu lý do:",
            ENDED,
            _lines(event.opinion),
        )
    if a == "issue_result":
        via = Delivery(dossier.result_delivery).label if dossier.result_delivery else ""
        text = f"Hình thức nhận kết quả bạn đã đăng ký: {via}." if via else ""
        return row("Đã có kết quả", text, DONE)
    if a == "return_result":
        via = data.get("via")
        text = {
            Delivery.DESK: "Kết quả đã được trao tại Bộ phận Một cửa.",
            Delivery.POST: "Kết quả đã được gửi qua bưu chính.",
            Delivery.ONLINE: "Kết quả điện tử đã được trả trực tuyến; bạn tải về ở mục Tải về.",
        }.get(via, "")
        return row("Đã trả kết quả", text, DONE)
    if a == "withdraw":
        title = "Bạn đã rút hồ sơ" if mine else "Hồ sơ đã được rút theo yêu cầu của bạn"
        return row(title, f"Lý do: {event.opinion}" if event.opinion else "", ENDED)
    if a == "stop_processing":
        return row(
            "Hồ sơ bị dừng giải quyết", f"Lý do: {event.opinion}" if event.opinion else "", ENDED
        )
    if a == "request_financial_obligation":
        amount = data.get("amount")
        money = f"{amount:,}".replace(",", ".") + " đồng" if isinstance(amount, int) else ""
        text = f"Số tiền: {money}. " if money else ""
        text += f"Nội dung: {event.opinion}" if event.opinion else ""
        return row("Cần nộp phí, lệ phí, thuế", text.strip(), ACTION)
    if a == "obligation_paid":
        return row("Đã ghi nhận bạn hoàn thành nghĩa vụ tài chính", "", DONE)
    if a == "propose_new_date":
        text = (
            f"Hồ sơ giải quyết chậm so với ngày hẹn {day(event.due_before)}. Cơ quan giải quyết "
            f"xin lỗi bạn và hẹn trả kết quả vào ngày {day(event.due_after)}."
        )
        items = [{"name": "Lý do chậm", "reason": event.opinion}] if event.opinion else []
        return row("Xin lỗi vì hồ sơ bị chậm – hẹn lại ngày trả kết quả", text, WARNING, items)
    try:
        label = workflow.action(a).label
    except Exception:  # noqa: BLE001 - an action added later still gets a line
        label = a
    return row(label)


def rows(dossier: Dossier, events: Iterable[DossierEvent] | None = None) -> list[Row]:
    """The applicant's timeline of ``dossier``, oldest first.

    ``events`` defaults to the dossier's control sheet, read once with the agencies it names.
    """
    if events is None:
        events = dossier.events.select_related("to_agency", "from_agency").order_by("seq")
    out: list[Row] = []
    unit = ""
    for event in events:
        line = row_for(event, dossier)
        if line is None:
            continue
        if line.unit:
            # A step handed to the same unit is internal work: the applicant sees unit changes.
            if event.action == "complete_step" and line.unit == unit:
                continue
            unit = line.unit
        out.append(line)
    return out


def late_notice(dossier: Any, now: datetime) -> str:
    """A sentence for a dossier past its due date, or ``""`` (``dossier``: as for :func:`is_late`,
    with ``rescheduled_due_at``).

    With an apology and a new date, it says the new date; without, that the agency is late and
    owes an apology (the applicant may ask the desk).
    """
    if dossier.rescheduled_due_at is not None and dossier.status in workflow.IN_PROCESS:
        if is_late(dossier, now):
            return (
                f"Hồ sơ đã quá cả ngày hẹn lại ({day(dossier.rescheduled_due_at)}). Bạn có thể "
                "liên hệ Bộ phận Một cửa để được giải thích."
            )
        return (
            f"Hồ sơ giải quyết chậm; cơ quan giải quyết đã xin lỗi và hẹn trả kết quả vào ngày "
            f"{day(dossier.rescheduled_due_at)}."
        )
    if is_late(dossier, now):
        return (
            f"Hồ sơ đã quá ngày hẹn trả ({day(dossier.due_at)}). Cơ quan giải quyết phải gửi "
            "phiếu xin lỗi và hẹn lại ngày trả kết quả; bạn có thể liên hệ Bộ phận Một cửa."
        )
    return ""
