"""The data each mandated form needs: plain dicts, described here as TypedDicts and checked at render.

A pack's ``pack.json`` names, for every form, one of the context kinds in :data:`CONTEXT_KINDS`
(``"receipt"``, ``"supplement_request"``, ...) and may list extra ``required_keys``. The caller
(the dossier engine) builds the dict; nothing here touches the database. All datetimes must be
timezone-aware; they print in Vietnam time. docs/forms.md documents every key with an example.
"""

import types
import typing
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Literal, NotRequired, TypedDict, Union

# Marks a list that must hold at least one item: an empty one counts as missing.
NON_EMPTY = "non-empty"

# --- building blocks ---------------------------------------------------------------------------


class Agency(TypedDict):
    """The issuing body, printed top left in capitals (Decree 30/2020)."""

    name: str  # "Trung tâm Phục vụ hành chính công tỉnh Nghệ An" (bold line)
    parent: NotRequired[str]  # governing body (cơ quan chủ quản): "UBND tỉnh Nghệ An"


class Applicant(TypedDict):
    """The person or organisation the dossier is for (người nộp / chủ hồ sơ)."""

    name: str
    address: str
    phone: NotRequired[str]  # full number; forms that others see print it masked
    email: NotRequired[str]


class Procedure(TypedDict):
    code: str  # national TTHC code, "3.000333"
    name: str


class Officer(TypedDict):
    name: str
    phone: NotRequired[str]  # a work number the applicant may call (form 02)


class Signer(TypedDict):
    """Who signs a document on behalf of the agency (form 04)."""

    position: str  # "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"
    name: str
    authority: NotRequired[str]  # "KT. GIÁM ĐỐC", "TL. GIÁM ĐỐC" (Decree 30/2020 signing marks)


class Paper(TypedDict):
    """One submitted paper (thành phần hồ sơ)."""

    name: str
    form: Literal["original", "copy", "certified_copy", "electronic"]
    quantity: int


class TrackingBookEntry(TypedDict):
    volume: str  # "Quyển số" — "01/2026"
    number: int  # "Số thứ tự" in that book


class SupplementItem(TypedDict):
    """One thing the applicant must add or complete (form 02), with why."""

    name: str  # the paper or the content
    reason: str
    requirement: NotRequired[str]  # what exactly to bring: "01 bản sao có chứng thực"


class Handover(TypedDict):
    """One hand-over of the dossier between units or people (a row of form 05)."""

    from_unit: str  # "1. Giao": the unit handing over
    to_unit: str  # "2. Nhận": the unit receiving
    giver: str  # person handing over (signs)
    receiver: str  # person receiving (signs)
    at: datetime
    due_at: NotRequired[datetime]  # the step's own deadline, when it has one
    result: NotRequired[Literal["early", "on_time", "late"] | None]  # None/absent: still open
    note: NotRequired[str]


class TrackingBookRow(TypedDict):
    """One dossier in the tracking book (form 06)."""

    number: int  # số thứ tự in the book
    dossier_code: str
    procedure_name: str
    sets: int  # số lượng hồ sơ (bộ)
    applicant_name: str
    applicant_address: str
    applicant_phone: NotRequired[str]  # printed masked: the book is signed at the desk
    lead_agency: str  # cơ quan chủ trì giải quyết
    received_at: datetime
    due_at: datetime
    forwarded_at: NotRequired[datetime]  # chuyển hồ sơ đến cơ quan giải quyết
    result_received_at: NotRequired[datetime]  # nhận kết quả từ cơ quan giải quyết
    returned_at: NotRequired[datetime]  # trả kết quả cho cá nhân, tổ chức
    note: NotRequired[str]


# --- the forms ---------------------------------------------------------------------------------


class FormHeader(TypedDict):
    """What every form prints in its header."""

    agency: Agency
    place: str  # the place in the date line: "Nghệ An"
    issued_at: datetime  # the date of the form


class DossierForm(FormHeader):
    """Forms about one dossier (01–05): its code as text, Code 128 and a QR to look it up."""

    dossier_code: str  # "000.00.20.H41-260212-0007"
    lookup_url: str  # https URL encoded in the QR; must not contain the phone number
    procedure: Procedure
    applicant: Applicant


class ReceiptContext(DossierForm):
    """Mẫu 01 — Giấy tiếp nhận hồ sơ và hẹn trả kết quả."""

    desk: str  # the receiving desk: "Trung tâm Phục vụ hành chính công tỉnh Nghệ An"
    papers: Annotated[list[Paper], NON_EMPTY]
    sets: int  # số lượng hồ sơ (bộ)
    processing_time: str  # as the procedure states it: "10 ngày làm việc"
    received_at: datetime
    due_at: datetime  # the appointment (hẹn trả kết quả)
    result_delivery: str  # where/how the result is returned: "Tại Trung tâm ..." / "Qua bưu chính"
    intake_officer: Officer
    tracking_book: NotRequired[TrackingBookEntry]
    lookup_secret: NotRequired[str]  # printed under the code; the QR URL carries it too


class SupplementRequestContext(DossierForm):
    """Mẫu 02 — Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (one list, everything missing, once)."""

    desk: str
    received_at: datetime
    items: Annotated[list[SupplementItem], NON_EMPTY]
    guide_officer: Officer  # người hướng dẫn: signs, and the applicant may call them


class RefusalContext(DossierForm):
    """Mẫu 03 — Phiếu từ chối tiếp nhận giải quyết hồ sơ."""

    desk: str
    received_at: datetime  # when the papers were handed in
    reasons: Annotated[list[str], NON_EMPTY]
    intake_officer: Officer


class ApologyContext(DossierForm):
    """Mẫu 04 — Phiếu xin lỗi và hẹn lại ngày trả kết quả (issued by the late agency)."""

    received_at: datetime
    due_at: datetime  # the appointment that will be missed
    reason: str
    new_due_at: datetime  # the one new appointment
    signer: Signer
    number: NotRequired[str]  # "Số: 125/STP-HCTP" without "Số: "
    recipients: NotRequired[list[str]]  # "Nơi nhận"; default: the applicant and the file copy


class ControlSheetContext(DossierForm):
    """Mẫu 05 — Phiếu kiểm soát quá trình giải quyết hồ sơ (the dossier's hand-over history)."""

    lead_agency: str  # cơ quan (bộ phận) giải quyết hồ sơ
    cooperating_agencies: NotRequired[list[str]]
    handovers: Annotated[list[Handover], NON_EMPTY]
    blank_rows: NotRequired[int]  # empty rows to fill by hand on a paper dossier


class TrackingBookContext(FormHeader):
    """Mẫu 06 — Sổ theo dõi hồ sơ (A4 landscape) for one desk and period."""

    desk: str
    period_start: date
    period_end: date
    lookup_url: str  # QR: where the electronic book for this period is read
    rows: list[TrackingBookRow]
    volume: NotRequired[str]  # "Quyển số"


CONTEXT_KINDS: dict[str, type] = {
    "receipt": ReceiptContext,
    "supplement_request": SupplementRequestContext,
    "refusal": RefusalContext,
    "apology": ApologyContext,
    "control_sheet": ControlSheetContext,
    "tracking_book": TrackingBookContext,
}


# --- validation --------------------------------------------------------------------------------


class FormContextError(ValueError):
    """The context given for a form is incomplete or has a value of the wrong kind."""

    def __init__(self, message: str, *, key: str):
        super().__init__(message)
        self.key = key


class MissingContextKey(FormContextError, KeyError):
    """Required keys are absent. ``key`` is the first one's dotted path (``applicant.name``),
    ``keys`` all of them in declaration order."""

    def __init__(self, message: str, *, keys: list[str]):
        super().__init__(message, key=keys[0])
        self.keys = keys

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]


def validate(context: dict[str, Any], kind: str | None, *, extra_required=(), label: str = ""):
    """Check ``context`` against the TypedDict of ``kind`` and the pack's extra dotted keys.

    Raises :class:`MissingContextKey` naming every missing key (``papers[1].quantity``), or
    :class:`FormContextError` for a value of the wrong kind (a naive datetime, a string date).
    """
    prefix = f"{label}: " if label else ""
    if not isinstance(context, dict):
        raise FormContextError(f"{prefix}the context must be a dict", key="")
    missing: list[str] = []
    if kind is not None:
        _collect_missing(context, CONTEXT_KINDS[kind], "", missing)
    for dotted in extra_required:
        key = _missing_path(context, dotted)
        if key and key not in missing:
            missing.append(key)
    if missing:
        listed = ", ".join(f"'{key}'" for key in missing)
        noun = "key" if len(missing) == 1 else "keys"
        raise MissingContextKey(f"{prefix}missing required {noun} {listed}", keys=missing)
    if kind is not None:
        _check_typed_dict(context, CONTEXT_KINDS[kind], path="", prefix=prefix)
    _check_lookup_url(context, prefix)


def _absent(value: dict, name: str) -> bool:
    return value.get(name) is None or value.get(name) == ""


@cache
def _hints(td: type) -> dict[str, Any]:
    return typing.get_type_hints(td, include_extras=True)


def _non_empty(hint: Any) -> bool:
    if typing.get_origin(hint) is NotRequired:
        hint = typing.get_args(hint)[0]
    return typing.get_origin(hint) is Annotated and NON_EMPTY in hint.__metadata__


def _missing_path(context: dict, dotted: str) -> str | None:
    value: Any = context
    walked = []
    for part in dotted.split("."):
        walked.append(part)
        if not isinstance(value, dict) or _absent(value, part):
            return ".".join(walked)
        value = value[part]
    return None


def _collect_missing(value: Any, hint: Any, key: str, missing: list[str]) -> None:
    """Walk the value along its type and note every absent required key."""
    hint = _unwrap(hint)
    if typing.is_typeddict(hint) and isinstance(value, dict):
        for name, field_hint in _hints(hint).items():
            path = f"{key}.{name}" if key else name
            empty = _non_empty(field_hint) and value.get(name) == []
            if _absent(value, name) or empty:
                if name in hint.__required_keys__:
                    missing.append(path)
            else:
                _collect_missing(value[name], field_hint, path, missing)
    elif typing.get_origin(hint) is list and isinstance(value, list | tuple):
        (item_hint,) = typing.get_args(hint)
        for index, item in enumerate(value):
            _collect_missing(item, item_hint, f"{key}[{index}]", missing)


def _unwrap(hint: Any) -> Any:
    """``NotRequired[X]``, ``Annotated[X, ...]`` and ``X | None`` → ``X``."""
    origin = typing.get_origin(hint)
    if origin is NotRequired:
        hint = typing.get_args(hint)[0]
        origin = typing.get_origin(hint)
    if origin is Annotated:
        hint = typing.get_args(hint)[0]
        origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [h for h in typing.get_args(hint) if h is not type(None)]
        hint = options[0]
    return hint


def _check_typed_dict(value: dict, td: type, *, path: str, prefix: str) -> None:
    for name, hint in _hints(td).items():
        if not _absent(value, name):
            _check_value(value[name], hint, key=f"{path}{name}", prefix=prefix)


def _check_value(value: Any, hint: Any, *, key: str, prefix: str) -> None:
    hint = _unwrap(hint)
    origin = typing.get_origin(hint)

    def wrong(expected: str) -> FormContextError:
        return FormContextError(
            # The value itself stays out of the message: it may be personal data.
            f"{prefix}'{key}' must be {expected}, got {type(value).__name__}",
            key=key,
        )

    if origin is Literal:
        allowed = typing.get_args(hint)
        if value not in allowed:
            raise FormContextError(
                f"{prefix}'{key}' must be one of {', '.join(map(repr, allowed))}, got {value!r}",
                key=key,
            )
    elif origin is list:
        if not isinstance(value, list | tuple):
            raise wrong("a list")
        (item_hint,) = typing.get_args(hint)
        for index, item in enumerate(value):
            _check_value(item, item_hint, key=f"{key}[{index}]", prefix=prefix)
    elif typing.is_typeddict(hint):
        if not isinstance(value, dict):
            raise wrong("a dict")
        _check_typed_dict(value, hint, path=f"{key}.", prefix=prefix)
    elif hint is datetime:
        if not isinstance(value, datetime):
            raise wrong("a datetime")
        if value.tzinfo is None:
            raise FormContextError(f"{prefix}'{key}' must be timezone-aware", key=key)
    elif hint is date:
        if not isinstance(value, date) or isinstance(value, datetime):
            raise wrong("a date")
    elif hint is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise wrong("an int")
    elif hint is str:
        if not isinstance(value, str):
            raise wrong("a str")


def _check_lookup_url(context: dict, prefix: str) -> None:
    url = context.get("lookup_url")
    if url is None:
        return
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise FormContextError(f"{prefix}'lookup_url' must be an http(s) URL", key="lookup_url")
    # Phone numbers never go into URLs (domain rules: personal data stays out of URLs and logs).
    applicant = context.get("applicant") or {}
    phone = applicant.get("phone") if isinstance(applicant, dict) else None
    if phone and phone in url:
        raise FormContextError(
            f"{prefix}'lookup_url' must not contain the applicant's phone number", key="lookup_url"
        )
