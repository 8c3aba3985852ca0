"""Write side of the catalog: the one door for every change of procedures.

Each function checks permission (``actor=None`` means the system itself: the CLI, the demo
loader), validates with Vietnamese messages (:class:`~django.core.exceptions.ValidationError`),
writes, refreshes the search columns and index, writes a new :class:`ProcedureVersion` when the
content changed, and appends the audit record and the outbox event in the same transaction.
An operator's edit is audited per change; an import run is audited once, with its counts.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Prefetch

from chinhquyen.accounts.models import Role
from chinhquyen.audit import services as audit
from chinhquyen.catalog import codes, importing, permissions, search
from chinhquyen.catalog.models import (
    LEVEL_FLAGS,
    ONLINE_LEVELS,
    Channel,
    Field,
    Level,
    LifeEvent,
    LifeEventProcedure,
    OnlineLevel,
    PaperKind,
    Procedure,
    ProcedureAgency,
    ProcedureChannel,
    ProcedureVersion,
    ProcessStep,
    RequiredPaper,
)
from chinhquyen.catalog.parsing import TimeUnit, clean_line, clean_text
from chinhquyen.events import services as events
from chinhquyen.lib.vntext import fold
from chinhquyen.organizations.models import Agency

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_FIXTURE = DATA_DIR / "demo-procedures.jsonl.gz"

# Fields an operator may edit directly (the rest comes with channels, papers, process, agencies).
LINE_FIELDS = ("name", "kind", "decision_number", "issuing_agency")
TEXT_FIELDS = (
    "competent_authority",
    "implementing_agency",
    "receiving_address",
    "delegated_agency",
    "coordinating_agency",
    "steps_text",
    "conditions",
    "legal_basis_text",
    "result_description",
    "keywords",
    "related_procedures",
    "channels_text",
    "papers_text",
)
JSON_FIELDS = ("applicant_types", "legal_basis", "results")
FLAG_FIELDS = tuple(LEVEL_FLAGS.values()) + ("is_active",)
EDITABLE_FIELDS = (
    LINE_FIELDS + TEXT_FIELDS + JSON_FIELDS + FLAG_FIELDS + ("field", "online_level", "source_url")
)
_AUDIT_SAMPLE = 100
_SEARCH_BODY_LIMIT = 4000


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _require_manager(actor: Any) -> None:
    if actor is not None:
        _require(
            permissions.can_manage_catalog(actor),
            "Bạn không có quyền quản lý danh mục thủ tục hành chính.",
        )


def _number(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return format(Decimal(value).normalize(), "f")


# --- snapshots and versions --------------------------------------------------------------------


def channel_dict(c: ProcedureChannel) -> dict[str, Any]:
    return {
        "channel": c.channel,
        "time_value": _number(c.time_value),
        "time_unit": c.time_unit,
        "time_text": c.time_text,
        "fee_amount": c.fee_amount,
        "fee_currency": c.fee_currency,
        "fee_text": c.fee_text,
        "fee_description": c.fee_description,
        "description": c.description,
    }


def paper_dict(p: RequiredPaper) -> dict[str, Any]:
    return {
        "group": p.group,
        "name": p.name,
        "kind": p.kind,
        "conditional": p.conditional,
        "condition": p.condition,
        "originals": p.originals,
        "copies": p.copies,
        "templates": list(p.template_names or []),
        "template_file": p.template_file.name if p.template_file else "",
        "has_eform": p.has_eform,
    }


def step_dict(s: ProcessStep) -> dict[str, Any]:
    return {
        "position": s.position,
        "name": s.name,
        "responsible_role": s.responsible_role,
        "responsible_unit": s.responsible_unit,
        "allowance_hours": _number(s.allowance_hours),
    }


def snapshot(
    procedure: Procedure,
    *,
    channels: Sequence[ProcedureChannel] | None = None,
    papers: Sequence[RequiredPaper] | None = None,
    steps: Sequence[ProcessStep] | None = None,
    links: Sequence[ProcedureAgency] | None = None,
) -> dict[str, Any]:
    """Everything a dossier needs to know about the procedure, as plain JSON.

    Rows the caller already holds can be passed in; the others are read.
    """
    data: dict[str, Any] = {"code": procedure.code}
    for name in (
        LINE_FIELDS + TEXT_FIELDS + JSON_FIELDS + ("online_level", "source_url", "is_active")
    ):
        data[name] = getattr(procedure, name)
    data["field"] = procedure.field.name if procedure.field_id else ""
    data["levels"] = procedure.levels
    if channels is None:
        channels = procedure.channels.order_by("position")
    if papers is None:
        papers = procedure.papers.order_by("position")
    if steps is None:
        steps = procedure.process_steps.select_related("agency")
    if links is None:
        links = procedure.agency_links.select_related("agency")
    data["channels"] = [channel_dict(c) for c in channels]
    data["papers"] = [paper_dict(p) for p in papers]
    process: dict[str, list[dict[str, Any]]] = {}
    for step in sorted(steps, key=lambda s: (s.agency.code if s.agency_id else "", s.position)):
        process.setdefault(step.agency.code if step.agency_id else "", []).append(step_dict(step))
    data["process"] = process
    data["agencies"] = sorted(
        ({"code": link.agency.code, "name": link.agency.name, "role": link.role} for link in links),
        key=lambda a: (a["code"], a["role"]),
    )
    return json.loads(json.dumps(data, ensure_ascii=False))


def _write_version(
    procedure: Procedure, *, actor: Any, reason: str, snap: dict | None = None, first: bool = False
) -> ProcedureVersion | None:
    """A new version when the snapshot differs from the latest one (``first``: there is none)."""
    snap = snapshot(procedure) if snap is None else snap
    latest = None if first else procedure.versions.order_by("-number").first()
    if latest is not None and latest.snapshot == snap:
        return None
    number = (latest.number if latest else 0) + 1
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=number,
        snapshot=snap,
        reason=reason[:200],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    Procedure.objects.filter(pk=procedure.pk).update(version=number)
    procedure.version = number
    return version


def version_in_force(procedure: Procedure, at=None) -> ProcedureVersion | None:
    """The version a dossier received at ``at`` (default: now) is processed under."""
    qs = procedure.versions.order_by("-number")
    if at is not None:
        qs = qs.filter(created_at__lte=at)
    return qs.first()


# --- search columns ----------------------------------------------------------------------------


def _search_columns(procedure: Procedure, *, papers: Sequence[dict] | None = None) -> None:
    if papers is None:
        papers = [paper_dict(p) for p in procedure.papers.all()]
    procedure.search_name = search.search_text(procedure.name)
    body_parts = [
        procedure.field.name if procedure.field_id else "",
        procedure.keywords,
        " ".join(r.get("name", "") for r in procedure.results or []),
        " ".join(procedure.applicant_types or []),
        procedure.competent_authority,
        procedure.implementing_agency,
        " ".join(p["name"][:200] for p in papers[:30]),
    ]
    procedure.search_body = search.search_text(*body_parts, limit=_SEARCH_BODY_LIMIT)


def reindex(procedure: Procedure) -> None:
    _search_columns(procedure)
    Procedure.objects.filter(pk=procedure.pk).update(
        search_name=procedure.search_name, search_body=procedure.search_body
    )
    search.index_procedures([procedure.pk])


def rebuild_search_index() -> int:
    """Recompute every procedure's search columns and the FTS table (``catalog reindex``)."""
    count = 0
    with transaction.atomic():
        for procedure in Procedure.objects.select_related("field").prefetch_related("papers"):
            _search_columns(procedure)
            Procedure.objects.filter(pk=procedure.pk).update(
                search_name=procedure.search_name, search_body=procedure.search_body
            )
            count += 1
        search.index_procedures(None)
    return count


# --- validation --------------------------------------------------------------------------------


def _field_for(name: str, cache: dict[str, Field] | None = None) -> Field | None:
    name = clean_line(name)
    if not name:
        return None
    key = fold(name)
    if cache is not None and key in cache:
        return cache[key]
    found = Field.objects.filter(name_key=key).first()
    if found is None:
        found = Field.objects.create(name=name, name_key=key)
    if cache is not None:
        cache[key] = found
    return found


def clean_procedure_values(
    values: dict[str, Any], instance: Procedure | None = None
) -> dict[str, Any]:
    """Normalise (NFC, spaces) and check values for a procedure; raise ValidationError."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    unknown = set(values) - set(EDITABLE_FIELDS) - {"code"}
    if unknown:
        raise ValidationError(f"Không sửa được các trường: {', '.join(sorted(unknown))}.")
    for name, value in values.items():
        if name in LINE_FIELDS:
            cleaned[name] = clean_line(value)
        elif name in TEXT_FIELDS:
            cleaned[name] = clean_text(value)
        elif name in JSON_FIELDS:
            if not isinstance(value, list):
                errors.setdefault(name, []).append("Phải là một danh sách.")
            cleaned[name] = value
        elif name in FLAG_FIELDS:
            cleaned[name] = bool(value)
        elif name == "online_level":
            if value not in OnlineLevel.values:
                errors.setdefault(name, []).append("Mức độ trực tuyến không hợp lệ.")
            cleaned[name] = value
        elif name == "field":
            if isinstance(value, str):
                value = _field_for(value)
            cleaned[name] = value
        else:
            cleaned[name] = value.strip() if isinstance(value, str) else value
    if "name" in cleaned and not cleaned["name"]:
        errors.setdefault("name", []).append("Tên thủ tục không được để trống.")
    if instance is None:
        try:
            code = codes.parse(values.get("code"))
        except codes.InvalidProcedureCode as exc:
            errors.setdefault("code", []).append(str(exc))
        else:
            cleaned["code"] = str(code)
            if Procedure.objects.filter(code=cleaned["code"]).exists():
                errors.setdefault("code", []).append(f"Đã có thủ tục mã {cleaned['code']}.")
    elif "code" in values and codes.normalize(values["code"]) != instance.code:
        errors.setdefault("code", []).append("Không đổi được mã thủ tục; hãy tạo thủ tục mới.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def _plain(procedure: Procedure, names: Iterable[str]) -> dict[str, Any]:
    out = {}
    for name in names:
        value = getattr(procedure, name)
        out[name] = str(value) if isinstance(value, Field) else value
    return out


def _fresh(procedure: Procedure) -> Procedure:
    """Forget rows prefetched with the procedure (a page may have loaded them before a write),
    so that what follows reads the rows as they are now."""
    if hasattr(procedure, "_prefetched_objects_cache"):
        procedure._prefetched_objects_cache = {}
    return procedure


def _changed(procedure: Procedure, reason: str, actor: Any, action: str, changes: dict) -> None:
    _fresh(procedure)
    version = _write_version(procedure, actor=actor, reason=reason)
    audit.record(action, obj=procedure, changes=changes, actor=actor)
    events.publish(
        "catalog.procedure.changed",
        aggregate=procedure,
        payload={"code": procedure.code, "version": procedure.version, "action": action},
        idempotency_key=f"catalog.procedure.changed:{procedure.pk}:{version.number}"
        if version
        else None,
    )


# --- operator edits ---------------------------------------------------------------------------


def create_procedure(*, actor: Any, code: str, name: str, **values: Any) -> Procedure:
    _require_manager(actor)
    cleaned = clean_procedure_values({"code": code, "name": name, **values})
    parsed = codes.parse(cleaned["code"])
    with transaction.atomic():
        procedure = Procedure(
            base_code=parsed.base, code_suffix=parsed.suffix, source="manual", **cleaned
        )
        _search_columns(procedure, papers=[])
        procedure.save()
        search.index_procedures([procedure.pk])
        _changed(
            procedure,
            "tạo mới",
            actor,
            "catalog.procedure.create",
            {k: {"before": None, "after": v} for k, v in _plain(procedure, cleaned).items()},
        )
    return procedure


def update_procedure(
    *, actor: Any, procedure: Procedure, reason: str = "", **changes: Any
) -> Procedure:
    """Change fields of a procedure; a no-op when nothing differs."""
    _require_manager(actor)
    cleaned = clean_procedure_values(changes, procedure)
    with transaction.atomic():
        procedure = (
            Procedure.objects.select_for_update(of=("self",))
            .select_related("field")
            .get(pk=procedure.pk)
        )
        before = _plain(procedure, cleaned)
        for name, value in cleaned.items():
            setattr(procedure, name, value)
        after = _plain(procedure, cleaned)
        diff = audit.diff(before, after)
        if not diff:
            return procedure
        _search_columns(procedure)
        procedure.save()
        search.index_procedures([procedure.pk])
        _changed(procedure, reason or "cập nhật", actor, "catalog.procedure.update", diff)
    return procedure


def _decimal(value: Any, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).replace(",", "."))
    except InvalidOperation as exc:
        raise ValidationError(f"{label}: {value!r} không phải là số.") from exc
    if number < 0:
        raise ValidationError(f"{label} không được âm.")
    return number


def _channel_rows(
    procedure: Procedure, channels: Sequence[dict[str, Any]]
) -> list[ProcedureChannel]:
    rows = []
    for position, item in enumerate(channels):
        channel = item.get("channel")
        if channel not in Channel.values:
            raise ValidationError(f"Hình thức nộp không hợp lệ: {channel!r}.")
        unit = item.get("time_unit") or ""
        if unit and unit not in TimeUnit.LABELS:
            raise ValidationError(f"Đơn vị thời hạn không hợp lệ: {unit!r}.")
        fee = item.get("fee_amount")
        if fee not in (None, ""):
            try:
                fee = int(fee)
            except (TypeError, ValueError) as exc:
                raise ValidationError("Phí, lệ phí phải là số nguyên (đồng).") from exc
            if fee < 0:
                raise ValidationError("Phí, lệ phí không được âm.")
        else:
            fee = None
        rows.append(
            ProcedureChannel(
                procedure=procedure,
                position=position,
                channel=channel,
                time_value=_decimal(item.get("time_value"), "Thời hạn"),
                time_unit=unit,
                time_text=clean_line(item.get("time_text"))[:300],
                fee_amount=fee,
                fee_currency=(item.get("fee_currency") or ("VND" if fee is not None else ""))[:3],
                fee_text=clean_line(item.get("fee_text"))[:300],
                fee_description=clean_text(item.get("fee_description")),
                description=clean_text(item.get("description")),
            )
        )
    return rows


def _quantity(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= 999 else None


def _paper_kind(item: dict[str, Any], previous: RequiredPaper | None) -> tuple[str, bool, str]:
    """Kind, conditional flag and condition of a paper: as given, else as the row had them."""
    kind = item.get("kind")
    if kind not in PaperKind.values:
        kind = previous.kind if previous else PaperKind.SUBMIT
    if "conditional" in item:
        conditional = bool(item.get("conditional"))
    else:
        conditional = previous.conditional if previous else False
    condition = (
        clean_line(item.get("condition"))
        if "condition" in item
        else (previous.condition if previous else "")
    )
    if kind == PaperKind.NOTE:
        conditional, condition = False, ""
    return kind, conditional, condition[:300] if conditional else ""


def _paper_key(name: str) -> str:
    """A paper's name as matched across imports: folded, without list bullets or end marks."""
    return fold(name).strip(" *-+•.;:,")


def _paper_rows(
    procedure: Procedure,
    papers: Sequence[dict[str, Any]],
    keep: dict[tuple[str, str], RequiredPaper],
    claimed: dict[int, RequiredPaper] | None = None,
) -> list[RequiredPaper]:
    rows = []
    for position, item in enumerate(papers):
        name = clean_text(item.get("name"))
        if not name:
            raise ValidationError("Tên giấy tờ không được để trống.")
        group = clean_line(item.get("group"))
        previous = (claimed or {}).get(position) or keep.get((group, name))
        kind, conditional, condition = _paper_kind(item, previous)
        rows.append(
            RequiredPaper(
                procedure=procedure,
                position=position,
                group=group,
                name=name,
                kind=kind,
                conditional=conditional,
                condition=condition,
                originals=_quantity(item.get("originals")),
                copies=_quantity(item.get("copies")),
                template_names=[
                    clean_line(t) for t in item.get("templates") or [] if clean_line(t)
                ],
                # Files uploaded and e-form flags set locally survive a re-import.
                template_file=previous.template_file
                if previous
                else item.get("template_file") or "",
                # An operator's edit (rows named by id) sets the flag; an import keeps it.
                has_eform=bool(item.get("has_eform"))
                if item.get("id") or not previous
                else previous.has_eform,
            )
        )
    return rows


def _replace_channels(
    procedure: Procedure, channels: Sequence[dict[str, Any]], new: bool = False
) -> list:
    rows = _channel_rows(procedure, channels)
    if not new:
        procedure.channels.all().delete()
    return ProcedureChannel.objects.bulk_create(rows)


def _match_by_name(
    current: Sequence[RequiredPaper],
    papers: Sequence[dict[str, Any]],
    existing: dict[tuple[str, str], RequiredPaper],
) -> None:
    """Add to ``existing`` the rows an incoming paper matches by normalised name only.

    Only rows not already matched by group and name, and names that occur once among the
    unmatched rows and once among the unmatched incoming papers, so no link moves to the wrong
    paper.
    """
    incoming = [(clean_line(p.get("group")), clean_text(p.get("name"))) for p in papers]
    matched = {existing[k].pk for k in incoming if k in existing}
    rows: dict[str, list[RequiredPaper]] = {}
    for row in current:
        if row.pk not in matched:
            rows.setdefault(_paper_key(row.name), []).append(row)
    wanted: dict[str, list[tuple[str, str]]] = {}
    for key in incoming:
        if key not in existing:
            wanted.setdefault(_paper_key(key[1]), []).append(key)
    for name_key, keys in wanted.items():
        candidates = rows.get(name_key, [])
        if name_key and len(keys) == 1 and len(candidates) == 1:
            existing[keys[0]] = candidates[0]


def _replace_papers(
    procedure: Procedure, papers: Sequence[dict[str, Any]], new: bool = False
) -> list:
    """Make the procedure's papers the given list, keeping the rows (and ids) of papers that stay.

    Submitted papers of dossiers point at RequiredPaper rows: a paper matched by its group and
    name is updated in place, so those links survive an edit or a re-import. A paper whose group
    changed (section headings such as "Giấy tờ phải nộp" stopped being groups) is matched by its
    normalised name, when that name is unique on both sides.
    """
    current = [] if new else list(procedure.papers.all())
    existing = {(p.group, p.name): p for p in current}
    _match_by_name(current, papers, existing)
    by_id = {p.pk: p for p in current}
    # An operator's edit names the row it changes ("id"), so a renamed paper keeps its row and
    # its uploaded form; an import matches by group and name.
    claimed: dict[int, RequiredPaper] = {}
    for position, item in enumerate(papers):
        previous = by_id.get(item.get("id")) if item.get("id") else None
        if previous is not None:
            claimed[position] = previous
    keep = dict(existing)
    rows = _paper_rows(procedure, papers, keep, claimed)
    kept, created = [], []
    left = {p.pk: p for p in current}
    for row in rows:
        previous = claimed.get(row.position) or existing.get((row.group, row.name))
        if previous is None or previous.pk not in left:
            created.append(row)
        else:
            left.pop(previous.pk)
            row.pk = previous.pk
            kept.append(row)
    if left:
        RequiredPaper.objects.filter(pk__in=list(left)).delete()
    if kept:
        RequiredPaper.objects.bulk_update(
            kept,
            [
                "position", "group", "name", "kind", "conditional", "condition", "originals",
                "copies", "template_names", "template_file", "has_eform",
            ],
        )  # fmt: skip
    created = RequiredPaper.objects.bulk_create(created)
    return sorted(kept + created, key=lambda row: row.position)


def set_channels(
    *, actor: Any, procedure: Procedure, channels: Sequence[dict[str, Any]]
) -> Procedure:
    """Replace the channels (time and fee per way of submitting)."""
    _require_manager(actor)
    with transaction.atomic():
        before = [channel_dict(c) for c in procedure.channels.all()]
        _channel_rows(procedure, channels)  # validate before deleting anything
        _replace_channels(procedure, channels)
        after = [channel_dict(c) for c in _fresh(procedure).channels.all()]
        if before == after:
            return procedure
        online = any(c["channel"] == Channel.ONLINE for c in after)
        if not online and procedure.online_level != OnlineLevel.NONE:
            procedure.online_level = OnlineLevel.NONE
        elif online and procedure.online_level == OnlineLevel.NONE:
            procedure.online_level = OnlineLevel.UNSPECIFIED
        procedure.save(update_fields=["online_level", "updated_at"])
        _changed(procedure, "cách thức thực hiện", actor, "catalog.procedure.channels",
                 {"channels": {"before": before, "after": after}})  # fmt: skip
    return procedure


def set_papers(*, actor: Any, procedure: Procedure, papers: Sequence[dict[str, Any]]) -> Procedure:
    """Replace the required papers (uploaded form files are kept for papers with the same name)."""
    _require_manager(actor)
    with transaction.atomic():
        before = [paper_dict(p) for p in procedure.papers.all()]
        _replace_papers(procedure, papers)
        after = [paper_dict(p) for p in _fresh(procedure).papers.all()]
        if before == after:
            return procedure
        reindex(procedure)
        _changed(procedure, "thành phần hồ sơ", actor, "catalog.procedure.papers",
                 {"papers": {"before": before, "after": after}})  # fmt: skip
    return procedure


FORM_MAX_BYTES = 10 * 1024 * 1024
FORM_TYPES = {"pdf": "PDF", "docx": "Word (.docx)", "doc": "Word (.doc)", "xlsx": "Excel (.xlsx)",
              "odt": "OpenDocument (.odt)"}  # fmt: skip
FORM_TYPES_LABEL = ", ".join(FORM_TYPES.values())


def form_file_max_bytes() -> int:
    from django.conf import settings

    return int(getattr(settings, "CATALOG_FORM_MAX_BYTES", FORM_MAX_BYTES))


def form_file_kind(file: Any) -> str:
    """The kind of a form file by its first bytes (never its name): pdf, docx, doc, xlsx, odt.

    Raises ValidationError (Vietnamese) for an empty, too large or other file.
    """
    import zipfile

    size = getattr(file, "size", None)
    file.seek(0, io.SEEK_END)
    size = file.tell() if size is None else size
    file.seek(0)
    limit = form_file_max_bytes()
    if not size:
        raise ValidationError("Tệp mẫu đơn rỗng.", code="empty_file")
    if size > limit:
        raise ValidationError(
            f"Tệp mẫu đơn quá lớn ({size / 1048576:.1f} MB); tối đa {limit // 1048576} MB.",
            code="file_too_large",
        )
    head = file.read(8)
    file.seek(0)
    kind = ""
    if head.startswith(b"%PDF-"):
        kind = "pdf"
    elif head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        kind = "doc"
    elif head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(file) as archive:
                names = set(archive.namelist())
                mimetype = archive.read("mimetype").strip() if "mimetype" in names else b""
        except (zipfile.BadZipFile, OSError, KeyError):
            names, mimetype = set(), b""
        file.seek(0)
        if "word/document.xml" in names:
            kind = "docx"
        elif "xl/workbook.xml" in names:
            kind = "xlsx"
        elif mimetype == b"application/vnd.oasis.opendocument.text":
            kind = "odt"
    if not kind:
        raise ValidationError(
            f"Tệp mẫu đơn phải là {FORM_TYPES_LABEL}.", code="file_type_not_allowed"
        )
    return kind


def _form_file_name(paper: RequiredPaper, original: str, kind: str) -> str:
    from django.utils.text import slugify

    stem = Path(original or "").stem or (paper.template_names or ["mau-don"])[0]
    base = slugify(fold(stem))[:60].strip("-") or "mau-don"
    return f"{paper.procedure.base_code}-{base}.{kind}"


def attach_form_template(
    *, actor: Any, paper: RequiredPaper, file: Any, has_eform: bool | None = None
) -> RequiredPaper:
    """Upload the form file (mẫu đơn, tờ khai) of a paper, for citizens to download.

    The file is checked first (size, and type by its first bytes) and stored under a name made
    from the procedure code and the file's name; the audit and the new version record it.
    """
    _require_manager(actor)
    kind = form_file_kind(file) if file is not None else ""
    with transaction.atomic():
        before = paper_dict(paper)
        if file is not None:
            name = _form_file_name(paper, getattr(file, "name", ""), kind)
            paper.template_file.save(name, file, save=False)
        if has_eform is not None:
            paper.has_eform = has_eform
        paper.save()
        procedure = paper.procedure
        _changed(procedure, "mẫu đơn, tờ khai", actor, "catalog.paper.template",
                 audit.diff(before, paper_dict(paper)))  # fmt: skip
    return paper


def remove_form_template(*, actor: Any, paper: RequiredPaper) -> RequiredPaper:
    """Take a paper's form file off the public page. The stored file stays: older versions of
    the procedure name it, and a dossier received under them may need it."""
    _require_manager(actor)
    if not paper.template_file:
        return paper
    with transaction.atomic():
        before = paper_dict(paper)
        paper.template_file = ""
        paper.save(update_fields=["template_file"])
        _changed(paper.procedure, "gỡ mẫu đơn, tờ khai", actor, "catalog.paper.template",
                 audit.diff(before, paper_dict(paper)))  # fmt: skip
    return paper


def expected_hours(procedure: Procedure) -> Decimal | None:
    """The procedure's time in working hours (direct channel), when it counts working time."""
    duration = procedure.processing_time()
    return duration.working_hours() if duration else None


def set_process(
    *,
    actor: Any,
    procedure: Procedure,
    steps: Sequence[dict[str, Any]],
    agency: Agency | None = None,
) -> list[ProcessStep]:
    """Replace the internal process (the province default, or ``agency``'s own).

    The steps' allowances must add up to the procedure's time when that is counted in working
    days or hours. An empty list removes an agency's override.
    """
    if actor is not None:
        _require(
            permissions.can_edit_process(actor, agency),
            "Bạn không có quyền sửa quy trình nội bộ của thủ tục này.",
        )
    rows = _process_rows(procedure, steps, agency)
    with transaction.atomic():
        before, after = _write_process(procedure, agency, rows)
        if before != after:
            _changed(
                procedure,
                "quy trình nội bộ" + (f" ({agency.code})" if agency else ""),
                actor,
                "catalog.procedure.process",
                {
                    "agency": agency.code if agency else "",
                    "steps": {"before": before, "after": after},
                },
            )
    return rows


def _write_process(
    procedure: Procedure, agency: Agency | None, rows: list[ProcessStep]
) -> tuple[list, list]:
    current = procedure.process_steps.filter(agency=agency)
    before = [step_dict(s) for s in current]
    current.delete()
    ProcessStep.objects.bulk_create(rows)
    return before, [step_dict(s) for s in rows]


def _process_rows(
    procedure: Procedure, steps: Sequence[dict[str, Any]], agency: Agency | None
) -> list[ProcessStep]:
    rows = []
    for position, item in enumerate(steps, start=1):
        name = clean_line(item.get("name"))
        if not name:
            raise ValidationError(f"Bước {position}: thiếu nội dung công việc.")
        hours = _decimal(item.get("allowance_hours"), f"Bước {position}: thời gian")
        if not hours:
            raise ValidationError(f"Bước {position}: thời gian phải lớn hơn 0 giờ.")
        role = item.get("responsible_role") or ""
        if role and role not in Role.values:
            raise ValidationError(f"Bước {position}: vai trò {role!r} không hợp lệ.")
        rows.append(
            ProcessStep(
                procedure=procedure,
                agency=agency,
                position=position,
                name=name,
                responsible_role=role,
                responsible_unit=clean_line(item.get("responsible_unit")),
                allowance_hours=hours,
            )
        )
    expected = expected_hours(procedure)
    total = sum((r.allowance_hours for r in rows), Decimal(0))
    if rows and expected is not None and total != expected:
        raise ValidationError(
            f"Tổng thời gian các bước là {_number(total)} giờ, phải bằng thời hạn giải quyết "
            f"{_number(expected)} giờ làm việc."
        )
    return rows


def set_agencies(
    *, actor: Any, procedure: Procedure, links: Sequence[tuple[Agency, str]]
) -> Procedure:
    """Replace which local agencies handle the procedure, and as what (``ProcedureAgency.Role``)."""
    _require_manager(actor)
    for _, role in links:
        if role not in ProcedureAgency.Role.values:
            raise ValidationError(f"Vai trò cơ quan không hợp lệ: {role!r}.")
    with transaction.atomic():
        before = sorted(
            (x.agency.code, x.role) for x in procedure.agency_links.select_related("agency")
        )
        procedure.agency_links.all().delete()
        ProcedureAgency.objects.bulk_create(
            [
                ProcedureAgency(procedure=procedure, agency=a, role=r)
                for a, r in dict.fromkeys(links)
            ]
        )
        after = sorted((a.code, r) for a, r in dict.fromkeys(links))
        if before != after:
            _changed(procedure, "cơ quan giải quyết", actor, "catalog.procedure.agencies",
                     {"agencies": {"before": before, "after": after}})  # fmt: skip
    return procedure


def edit_procedure(
    *,
    actor: Any,
    procedure: Procedure,
    channels: Sequence[dict[str, Any]] | None = None,
    reason: str = "",
    **changes: Any,
) -> Procedure:
    """The operator's page save: public fields and per-channel times and fees together.

    One transaction, one new version (only when something differs), one audit record holding
    every change. Dossiers already received keep the version they were received under.
    """
    _require_manager(actor)
    cleaned = clean_procedure_values(changes, procedure)
    if channels is not None:
        _channel_rows(procedure, channels)  # validate before writing anything
    with transaction.atomic():
        procedure = (
            Procedure.objects.select_for_update(of=("self",))
            .select_related("field")
            .get(pk=procedure.pk)
        )
        before = _plain(procedure, cleaned)
        original_online = procedure.online_level
        for name, value in cleaned.items():
            setattr(procedure, name, value)
        diff = audit.diff(before, _plain(procedure, cleaned))
        if channels is not None:
            old = [channel_dict(c) for c in procedure.channels.order_by("position")]
            new = [channel_dict(c) for c in _channel_rows(procedure, channels)]
            if old != new:
                _replace_channels(procedure, channels)
                diff["channels"] = {"before": old, "after": new}
                online = any(c["channel"] == Channel.ONLINE for c in new)
                if not online:
                    procedure.online_level = OnlineLevel.NONE
                elif procedure.online_level == OnlineLevel.NONE:
                    procedure.online_level = OnlineLevel.UNSPECIFIED
                diff.pop("online_level", None)
                if procedure.online_level != original_online:
                    diff["online_level"] = {
                        "before": original_online,
                        "after": procedure.online_level,
                    }
        if not diff:
            return procedure
        _search_columns(procedure)
        procedure.save()
        search.index_procedures([procedure.pk])
        _changed(procedure, reason or "cập nhật", actor, "catalog.procedure.update", diff)
    return procedure


# --- life events -------------------------------------------------------------------------------


def _life_event_values(values: dict[str, Any], instance: LifeEvent | None) -> dict[str, Any]:
    from django.utils.text import slugify

    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if "name" in values:
        cleaned["name"] = clean_line(values["name"])[:200]
        if not cleaned["name"]:
            errors.setdefault("name", []).append("Tên sự kiện không được để trống.")
    if "slug" in values:
        cleaned["slug"] = slugify(fold(values["slug"] or ""))[:80]
        if not cleaned["slug"]:
            errors.setdefault("slug", []).append("Đường dẫn chỉ gồm chữ không dấu, số và dấu -.")
        elif (
            LifeEvent.objects.filter(slug=cleaned["slug"])
            .exclude(pk=instance.pk if instance else None)
            .exists()
        ):
            errors.setdefault("slug", []).append("Đã có sự kiện dùng đường dẫn này.")
    if "description" in values:
        cleaned["description"] = clean_text(values["description"])
    if "order" in values:
        cleaned["order"] = _quantity(values["order"]) or 0
    if "is_active" in values:
        cleaned["is_active"] = bool(values["is_active"])
    if errors:
        raise ValidationError(errors)
    return cleaned


def _life_event_procedures(codes_in_order: Sequence[str]) -> list[Procedure]:
    wanted = [codes.normalize(c) for c in codes_in_order if codes.normalize(c)]
    found = {p.code: p for p in Procedure.objects.filter(code__in=wanted)}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise ValidationError(
            {"procedures": [f"Không có thủ tục mã {', '.join(dict.fromkeys(missing))}."]}
        )
    return [found[c] for c in dict.fromkeys(wanted)]


def _event_dict(event: LifeEvent) -> dict[str, Any]:
    return {
        "slug": event.slug,
        "name": event.name,
        "description": event.description,
        "order": event.order,
        "is_active": event.is_active,
        "procedures": list(event.items.order_by("order").values_list("procedure__code", flat=True)),
    }


def _write_event_procedures(event: LifeEvent, procedures: Sequence[Procedure]) -> None:
    event.items.all().delete()
    LifeEventProcedure.objects.bulk_create(
        [
            LifeEventProcedure(life_event=event, procedure=p, order=n)
            for n, p in enumerate(procedures, start=1)
        ]
    )


def save_life_event(
    *,
    actor: Any,
    event: LifeEvent | None = None,
    procedure_codes: Sequence[str] | None = None,
    **values: Any,
) -> LifeEvent:
    """Create (``event=None``) or change a life event and its ordered procedures, audited."""
    _require_manager(actor)
    if event is None:
        values.setdefault("slug", values.get("name", ""))
    cleaned = _life_event_values(values, event)
    procedures = _life_event_procedures(procedure_codes) if procedure_codes is not None else None
    with transaction.atomic():
        before = _event_dict(event) if event is not None else {}
        if event is None:
            event = LifeEvent.objects.create(**cleaned)
        else:
            for name, value in cleaned.items():
                setattr(event, name, value)
            event.save()
        if procedures is not None:
            _write_event_procedures(event, procedures)
        diff = audit.diff(before, _event_dict(event))
        if diff:
            audit.record(
                "catalog.life_event.create" if not before else "catalog.life_event.update",
                obj=event,
                changes=diff,
                actor=actor,
            )
    return event


def delete_life_event(*, actor: Any, event: LifeEvent) -> None:
    _require_manager(actor)
    with transaction.atomic():
        audit.record(
            "catalog.life_event.delete",
            obj=event,
            changes={k: {"before": v, "after": None} for k, v in _event_dict(event).items()},
            actor=actor,
        )
        event.delete()


def load_demo_life_events() -> int:
    """Seed the demo life events (``life_events.DEMO_LIFE_EVENTS``) that do not exist yet, with
    the procedures of the catalog that are there. Returns how many events were created."""
    from chinhquyen.catalog.life_events import DEMO_LIFE_EVENTS

    created = 0
    with transaction.atomic():
        for position, (slug, name, description, event_codes) in enumerate(
            DEMO_LIFE_EVENTS, start=1
        ):
            if LifeEvent.objects.filter(slug=slug).exists():
                continue
            present = set(
                Procedure.objects.filter(code__in=event_codes).values_list("code", flat=True)
            )
            event = LifeEvent.objects.create(
                slug=slug, name=name, description=description, order=position
            )
            _write_event_procedures(
                event, _life_event_procedures([c for c in event_codes if c in present])
            )
            created += 1
        if created:
            audit.record(
                "catalog.demo_life_events",
                object_type="catalog.lifeevent",
                object_label="Sự kiện đời sống mẫu cho dữ liệu minh họa",
                changes={"created": created},
            )
    return created


# Which demo department handles a field at province level (matched by the folded agency name).
DEMO_FIELD_DEPARTMENTS = {
    "so tu phap": (
        "Hộ tịch", "Chứng thực", "Nuôi con nuôi", "Quốc tịch", "Trợ giúp pháp lý", "Công chứng",
        "Hòa giải ở cơ sở", "Bồi thường nhà nước", "Lý lịch tư pháp",
    ),
    "so xay dung": (
        "Đường bộ", "Hoạt động xây dựng", "Nhà ở và công sở", "Quy hoạch đô thị và nông thôn",
    ),
    "so nong nghiep va moi truong": (
        "Đất đai", "Tài nguyên nước", "Môi trường", "Lâm nghiệp", "Thủy lợi", "Thủy sản",
        "Nông nghiệp", "Thú y", "Trồng trọt và Bảo vệ thực vật", "Chăn nuôi", "Giảm nghèo",
    ),
    "so tai chinh": ("Thành lập và hoạt động của doanh nghiệp", "Tài chính đất đai"),
    "so noi vu": ("Người có công",),
}  # fmt: skip
# Fields the police or social insurance handle: no people's committee or department does them.
DEMO_FIELDS_ELSEWHERE = (
    "Cấp, quản lý căn cước", "Đăng ký, quản lý cư trú", "Định danh và xác thực điện tử",
    "Đăng ký, quản lý phương tiện giao thông cơ giới, xe máy chuyên dùng", "Chính sách",
    "Sát hạch, cấp giấy phép lái xe", "Phòng cháy, chữa cháy", "Khiếu nại, tố cáo",
    "Đăng ký, quản lý con dấu", "Thực hiện chính sách BHXH", "Thực hiện chính sách BHYT",
)  # fmt: skip


def link_demo_agencies() -> int:
    """Say which demo agencies handle the demo procedures, for browsing by agency.

    Province level: the department of the procedure's field implements it and the public
    administration service centre receives it; commune level: every ward/commune people's
    committee implements it. Procedures that already have agencies are left alone; fields the
    police or social insurance handle get none. Illustrative, like the demo processes; one
    audit record for the whole run. Returns the number of links written.
    """
    kinds = Agency.Kind
    departments = {fold(a.name): a for a in Agency.objects.filter(kind=kinds.DEPARTMENT)}
    field_agency: dict[str, Agency] = {}
    for key, field_names in DEMO_FIELD_DEPARTMENTS.items():
        agency = next((a for name, a in departments.items() if name.startswith(key)), None)
        if agency is not None:
            for name in field_names:
                field_agency[fold(name)] = agency
    centre = Agency.objects.filter(kind=kinds.SERVICE_CENTRE, is_active=True).first()
    wards = list(Agency.objects.filter(kind=kinds.WARD_COMMITTEE, is_active=True))
    elsewhere = {fold(n) for n in DEMO_FIELDS_ELSEWHERE}
    role = ProcedureAgency.Role
    rows: list[ProcedureAgency] = []
    procedures = (
        Procedure.objects.filter(is_active=True, agency_links__isnull=True, field__isnull=False)
        .select_related("field")
        .distinct()
    )
    for procedure in procedures:
        key = procedure.field.name_key
        if key in elsewhere:
            continue
        department = field_agency.get(key)
        if procedure.at_province and department is not None:
            rows.append(ProcedureAgency(procedure=procedure, agency=department))
            if centre is not None:
                rows.append(
                    ProcedureAgency(procedure=procedure, agency=centre, role=role.RECEIVING)
                )
        if procedure.at_commune:
            rows += [ProcedureAgency(procedure=procedure, agency=w) for w in wards]
    if not rows:
        return 0
    with transaction.atomic():
        ProcedureAgency.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        audit.record(
            "catalog.demo_agencies",
            object_type="catalog.procedure",
            object_label="Cơ quan giải quyết mẫu cho dữ liệu minh họa",
            changes={"links": len(rows)},
        )
    return len(rows)


# --- import ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rejected:
    row: int
    code: str
    reason: str


@dataclass
class ImportReport:
    """What an import did, and what it could not read (the raw text is kept for those)."""

    source: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)
    # Papers of the file read as notes (lưu ý), papers to present (xuất trình), and papers
    # needed only in some cases (conditional), so an operator sees what is no longer required.
    paper_kinds: Counter = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def problem_counts(self) -> dict[str, int]:
        counts: Counter = Counter()
        for items in self.problems.values():
            counts.update({_problem_kind(p) for p in items})
        return dict(counts.most_common())

    def summary(self) -> str:
        return (
            f"{self.created} thêm mới, {self.updated} cập nhật, {self.unchanged} không đổi, "
            f"{len(self.rejected)} bị từ chối; {len(self.problems)} thủ tục có phần không đọc được "
            "(đã giữ nguyên văn)."
            + (
                f" Thành phần hồ sơ: {self.paper_kinds['note']} lưu ý, "
                f"{self.paper_kinds['present']} giấy tờ xuất trình, "
                f"{self.paper_kinds['conditional']} giấy tờ chỉ cần trong một số trường hợp."
                if self.paper_kinds
                else ""
            )
        )

    def lines(self) -> list[str]:
        out = [
            f"Dòng {r.row}" + (f" ({r.code})" if r.code else "") + f": {r.reason}"
            for r in self.rejected
        ]
        for code, items in sorted(self.problems.items()):
            out += [f"{code}: {p}" for p in items]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [r.__dict__ for r in self.rejected],
            "problem_counts": self.problem_counts,
            "problems": self.problems,
            "paper_kinds": {k: self.paper_kinds[k] for k in ("note", "present", "conditional")},
        }


def _problem_kind(problem: str) -> str:
    """``"Kênh trực tuyến: thời hạn '1' không ghi đơn vị"`` → ``"Kênh trực tuyến: thời hạn không ghi đơn vị"``."""
    head, _, rest = problem.partition(":")
    words = re.sub(r"'[^']*'|\"[^\"]*\"", " ", rest).split()
    return f"{head}: {' '.join(words)}" if words else head


def _target_values(
    data: dict[str, Any], current: Procedure | None, fields: dict[str, Field]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in LINE_FIELDS + TEXT_FIELDS + JSON_FIELDS + ("source_url",):
        if name in data:
            values[name] = data[name]
    if "field_name" in data:
        values["field"] = _field_for(data["field_name"], fields)
    if "levels" in data:
        for level, flag in LEVEL_FLAGS.items():
            values[flag] = level in data["levels"]
    if "online" in data:
        level = current.online_level if current else OnlineLevel.NONE
        if data["online"]:
            # Keep a level an operator set; the national data does not say which one applies.
            values["online_level"] = level if level in ONLINE_LEVELS else OnlineLevel.UNSPECIFIED
        else:
            values["online_level"] = OnlineLevel.NONE
    return values


def _normalised_channels(channels: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [channel_dict(c) for c in _channel_rows(Procedure(), channels)]


def _comparable_papers(papers: Sequence[dict[str, Any]]) -> list[tuple]:
    return [
        (
            clean_line(p.get("group")),
            clean_text(p.get("name")),
            p.get("kind") or PaperKind.SUBMIT,
            bool(p.get("conditional")),
            clean_line(p.get("condition"))[:300],
            _quantity(p.get("originals")),
            _quantity(p.get("copies")),
            [clean_line(t) for t in p.get("templates") or [] if clean_line(t)],
        )
        for p in papers
    ]


def _papers_as_kept(procedure: Procedure, papers: Sequence[dict[str, Any]]) -> list[dict]:
    """Incoming papers that do not say their kind or condition (a spreadsheet exported before
    paper kinds existed) take them from the row they match, as :func:`_paper_rows` will, so
    comparing them with the stored rows does not see a change that will not happen."""
    keys = ("kind", "conditional", "condition")
    if all(k in p for p in papers for k in keys):
        return list(papers)
    rows = list(procedure.papers.all())
    existing = {(p.group, p.name): p for p in rows}
    _match_by_name(rows, papers, existing)
    kept = []
    for item in papers:
        previous = existing.get((clean_line(item.get("group")), clean_text(item.get("name"))))
        kind, conditional, condition = _paper_kind(item, previous)
        kept.append({**item, "kind": kind, "conditional": conditional, "condition": condition})
    return kept


def apply_data(
    data: dict[str, Any],
    *,
    current: Procedure | None,
    actor: Any,
    reason: str,
    source: str,
    fields: dict[str, Field],
) -> tuple[str, Procedure]:
    """Create or update one procedure from imported values: ``created``/``updated``/``unchanged``.

    Only the keys present in ``data`` are written, so a spreadsheet with five columns does not
    blank the rest of a procedure imported from the full national records.
    """
    values = _target_values(data, current, fields)
    channels = data.get("channels")
    papers = data.get("papers")
    if papers is not None and current is not None:
        papers = _papers_as_kept(current, papers)
    if current is None:
        parsed = codes.parse(data["code"])
        procedure = Procedure(code=data["code"], base_code=parsed.base, code_suffix=parsed.suffix,
                              source=source, **values)  # fmt: skip
        status = "created"
        channels_changed = channels is not None
        papers_changed = papers is not None
    else:
        procedure = current
        changed = {k: v for k, v in values.items() if getattr(procedure, k) != v}
        channels_changed = channels is not None and _normalised_channels(channels) != [
            channel_dict(c) for c in procedure.channels.all()
        ]
        papers_changed = papers is not None and _comparable_papers(papers) != _comparable_papers(
            [paper_dict(p) for p in procedure.papers.all()]
        )
        if not changed and not channels_changed and not papers_changed:
            return "unchanged", procedure
        for name, value in changed.items():
            setattr(procedure, name, value)
        status = "updated"
    if papers is not None:
        paper_values = papers
    else:
        paper_values = [paper_dict(p) for p in procedure.papers.all()] if procedure.pk else []
    _search_columns(procedure, papers=paper_values)
    procedure.save()
    new = status == "created"
    channel_rows = _replace_channels(procedure, channels, new) if channels_changed else None
    paper_rows = _replace_papers(procedure, papers, new) if papers_changed else None
    if hasattr(procedure, "_prefetched_objects_cache"):
        procedure._prefetched_objects_cache = {}
    if new:
        snap = snapshot(
            procedure, channels=channel_rows or [], papers=paper_rows or [], steps=[], links=[]
        )
    else:
        snap = snapshot(procedure, channels=channel_rows, papers=paper_rows)
    _write_version(procedure, actor=actor, reason=reason, snap=snap, first=new)
    return status, procedure


def _our_format_to_data(record: dict[str, Any]) -> dict[str, Any]:
    """A record of our own JSON export, back to import values (round trip)."""
    data = {
        k: record[k]
        for k in LINE_FIELDS + TEXT_FIELDS + JSON_FIELDS + ("source_url",)
        if k in record
    }
    data["code"] = str(codes.parse(record.get("code")))
    if not clean_line(record.get("name")):
        raise ValueError("Thiếu tên thủ tục.")
    data["name"] = clean_line(record["name"])
    if "field" in record:
        data["field_name"] = record["field"]
    if "levels" in record:
        data["levels"] = [lv for lv in record["levels"] if lv in Level.values]
    if "channels" in record:
        data["channels"] = record["channels"]
        data["online"] = any(c.get("channel") == Channel.ONLINE for c in record["channels"])
    if "papers" in record:
        data["papers"] = record["papers"]
    return data


def import_catalog(*, path: str | Path, actor: Any = None) -> ImportReport:
    """Import a national data file (``.jsonl[.gz]``, ``.json``, ``.xlsx``) or our own export."""
    _require_manager(actor)
    try:
        records = list(importing.read_records(path))
    except importing.UnreadableFile as exc:
        raise ValidationError(str(exc)) from exc
    return import_records(records, actor=actor, source=Path(path).name)


def import_records(
    records: Iterable[tuple[int, dict[str, Any]]], *, actor: Any = None, source: str = ""
) -> ImportReport:
    """Create or update procedures by code, idempotently, in one transaction, audited once."""
    _require_manager(actor)
    report = ImportReport(source=source)
    seen: set[str] = set()
    touched: list[int] = []
    created_codes: list[str] = []
    updated_codes: list[str] = []
    with transaction.atomic():
        existing = {
            p.code: p
            for p in Procedure.objects.select_related("field").prefetch_related(
                Prefetch("channels", queryset=ProcedureChannel.objects.order_by("position")),
                Prefetch("papers", queryset=RequiredPaper.objects.order_by("position")),
            )
        }
        fields = {f.name_key: f for f in Field.objects.all()}
        for row, record in records:
            code_text = str(record.get("ma_thu_tuc") or record.get("code") or "")[:60]
            try:
                if (
                    "ma_thu_tuc" in record
                    or record.get("_format") == "xlsx"
                    or "_invalid" in record
                ):
                    data, problems = importing.record_to_data(record)
                    kind = "xlsx" if record.get("_format") == "xlsx" else "national"
                else:
                    data, problems, kind = _our_format_to_data(record), [], "export"
            except (codes.InvalidProcedureCode, ValueError) as exc:
                report.rejected.append(Rejected(row, code_text, str(exc)))
                continue
            if data["code"] in seen:
                report.rejected.append(
                    Rejected(row, data["code"], "Mã thủ tục trùng trong tệp; bỏ qua dòng sau.")
                )
                continue
            seen.add(data["code"])
            if problems:
                report.problems[data["code"]] = problems
            for paper in data.get("papers") or []:
                if paper.get("kind") in (PaperKind.NOTE, PaperKind.PRESENT):
                    report.paper_kinds[paper["kind"]] += 1
                if paper.get("conditional"):
                    report.paper_kinds["conditional"] += 1
            try:
                with transaction.atomic():
                    status, procedure = apply_data(
                        data, current=existing.get(data["code"]), actor=actor,
                        reason=f"nhập từ {source}"[:200], source=kind, fields=fields,
                    )  # fmt: skip
            except ValidationError as exc:
                report.rejected.append(Rejected(row, data["code"], "; ".join(exc.messages)))
                continue
            if status == "created":
                report.created += 1
                created_codes.append(procedure.code)
                existing[procedure.code] = procedure
            elif status == "updated":
                report.updated += 1
                updated_codes.append(procedure.code)
            else:
                report.unchanged += 1
            if status != "unchanged":
                touched.append(procedure.pk)
        search.index_procedures(touched)
        if touched and connection.vendor == "postgresql":
            with (
                connection.cursor() as cursor
            ):  # fresh statistics, or the planner ignores the indexes
                cursor.execute(f"ANALYZE catalog_procedure, {search.PG_TABLE}")
        audit.record(
            "catalog.import",
            object_type="catalog.procedure",
            object_label=f"Nhập danh mục thủ tục từ {source}"[:300],
            changes={
                "source": source,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "rejected": len(report.rejected),
                "with_problems": len(report.problems),
                "paper_kinds": dict(report.paper_kinds),
                "created_codes": created_codes[:_AUDIT_SAMPLE],
                "updated_codes": updated_codes[:_AUDIT_SAMPLE],
            },
            actor=actor,
        )
        if report.created or report.updated:
            events.publish(
                "catalog.imported",
                aggregate_type="catalog.procedure",
                payload={"source": source, "created": report.created, "updated": report.updated},
            )
    return report


# --- export ----------------------------------------------------------------------------------


def _export_queryset():
    return (
        Procedure.objects.select_related("field")
        .prefetch_related(
            Prefetch("channels", queryset=ProcedureChannel.objects.order_by("position")),
            Prefetch("papers", queryset=RequiredPaper.objects.order_by("position")),
        )
        .order_by("code")
    )


def export_catalog(*, fmt: str = "json") -> bytes:
    """The whole catalog as JSON (re-importable) or as an Excel workbook."""
    if fmt == "json":
        items = [snapshot(p) | {"version": p.version} for p in _export_queryset()]
        return json.dumps(items, ensure_ascii=False, indent=1).encode("utf-8")
    if fmt == "xlsx":
        return _export_xlsx()
    raise ValidationError("Định dạng xuất phải là json hoặc xlsx.")


def _export_xlsx() -> bytes:
    try:
        from openpyxl import Workbook
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ValidationError("Cần cài gói openpyxl để xuất tệp .xlsx.") from exc
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Thủ tục"
    sheet.append(["Mã số", "Tên", "Lĩnh vực", "Cấp thực hiện", "Mức độ trực tuyến",
                  "Cơ quan thực hiện", "Đối tượng thực hiện", "Kết quả", "Phiên bản", "Đang áp dụng"])  # fmt: skip
    channels = workbook.create_sheet("Cách thức thực hiện")
    channels.append(["Mã số", "Hình thức nộp", "Thời hạn", "Đơn vị", "Thời hạn (nguyên văn)",
                     "Phí, lệ phí (đồng)", "Phí (nguyên văn)", "Mô tả phí"])  # fmt: skip
    papers = workbook.create_sheet(importing.PAPERS_SHEET)
    papers.append(list(importing.PAPER_HEADERS))
    _paper_choices(papers)
    for p in _export_queryset():
        sheet.append([
            p.code, p.name, p.field.name if p.field_id else "", ", ".join(p.level_labels),
            p.get_online_level_display(), p.implementing_agency, ", ".join(p.applicant_types),
            "; ".join(r.get("name", "") for r in p.results), p.version, "có" if p.is_active else "không",
        ])  # fmt: skip
        for c in p.channels.all():
            channels.append([
                p.code, c.get_channel_display(), float(c.time_value) if c.time_value is not None else None,
                TimeUnit.LABELS.get(c.time_unit, ""), c.time_text, c.fee_amount, c.fee_text,
                c.fee_description,
            ])  # fmt: skip
        for paper in p.papers.all():
            papers.append([
                p.code, paper.group, paper.name, importing.PAPER_KIND_LABELS[paper.kind],
                importing.YES if paper.conditional else importing.NO, paper.condition,
                paper.originals, paper.copies, "; ".join(paper.template_names),
            ])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _paper_choices(sheet: Any) -> None:
    """Drop-down lists for the columns "Loại" and "Có điều kiện", so an edit stays readable."""
    from openpyxl.worksheet.datavalidation import DataValidation

    for column, values in (
        ("D", importing.PAPER_KIND_LABELS.values()),
        ("E", (importing.YES, importing.NO)),
    ):
        choice = DataValidation(
            type="list", formula1=f'"{",".join(values)}"', allow_blank=True, showErrorMessage=True,
            errorTitle="Giá trị không hợp lệ", error="Chọn một giá trị trong danh sách.",
        )  # fmt: skip
        choice.add(f"{column}2:{column}1048576")
        sheet.add_data_validation(choice)


# --- demo data ---------------------------------------------------------------------------------

# Quy trình nội bộ mẫu (demo only): the usual one-stop steps with a share of the procedure's time.
_DEMO_STEPS = (
    (
        "Tiếp nhận, kiểm tra hồ sơ, chuyển xử lý",
        Role.INTAKE_OFFICER,
        "Bộ phận Một cửa",
        Decimal("0.10"),
    ),
    (
        "Thẩm định, xử lý hồ sơ, dự thảo kết quả",
        Role.SPECIALIST,
        "Phòng chuyên môn",
        Decimal("0.50"),
    ),
    ("Xem xét, trình ký", Role.UNIT_HEAD, "Lãnh đạo phòng chuyên môn", Decimal("0.15")),
    ("Phê duyệt, ký kết quả", Role.AGENCY_LEADER, "Lãnh đạo cơ quan", Decimal("0.15")),
    ("Vào sổ, đóng dấu, phát hành", Role.CLERK, "Văn thư", Decimal("0.05")),
    ("Trả kết quả cho người nộp", Role.INTAKE_OFFICER, "Bộ phận Một cửa", Decimal("0.05")),
)


def demo_process(total_hours: Decimal) -> list[dict[str, Any]]:
    """A template process whose allowances (in half hours) add up exactly to ``total_hours``."""
    half = Decimal("0.5")
    steps, used = [], Decimal(0)
    for name, role, unit, share in _DEMO_STEPS:
        hours = max(half, (total_hours * share / half).to_integral_value() * half)
        steps.append(
            {
                "name": name,
                "responsible_role": role,
                "responsible_unit": unit,
                "allowance_hours": hours,
            }
        )
        used += hours
    steps[1]["allowance_hours"] += total_hours - used  # the specialist absorbs the rounding
    if steps[1]["allowance_hours"] <= 0:
        return []
    return steps


def load_demo_catalog() -> ImportReport:
    """Load the shipped demo procedures (province and ward levels, real national data) and give
    each one whose time is in working days or hours a template internal process."""
    report = import_records(
        importing.read_records(DEMO_FIXTURE), actor=None, source=DEMO_FIXTURE.name
    )
    demo_codes = {
        str(codes.parse(r.get("ma_thu_tuc"))) for _, r in importing.read_records(DEMO_FIXTURE)
    }
    given = []
    with transaction.atomic():
        pending = Procedure.objects.filter(code__in=demo_codes, process_steps__isnull=True)
        for procedure in pending.prefetch_related("channels").distinct():
            hours = expected_hours(procedure)
            steps = demo_process(hours) if hours else []
            if steps:
                rows = _process_rows(procedure, steps, None)
                _write_process(procedure, None, rows)
                snap = snapshot(procedure, channels=procedure.channels.all(), steps=rows)
                _write_version(
                    procedure,
                    actor=None,
                    reason="quy trình nội bộ mẫu (dữ liệu minh họa)",
                    snap=snap,
                )
                given.append(procedure.code)
        if given:
            audit.record(
                "catalog.demo_process",
                object_type="catalog.procedure",
                object_label="Quy trình nội bộ mẫu cho dữ liệu minh họa",
                changes={"procedures": len(given), "codes": given[:_AUDIT_SAMPLE]},
            )
    load_demo_life_events()
    return report
