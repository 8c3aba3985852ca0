"""Write side of organizations: the one door for every change of units, agencies and desks.

Each function checks permission (``actor=None`` means the system itself: a CLI command, the demo
loader, a migration; faces always pass ``request.user``), validates with Vietnamese messages
(:class:`~django.core.exceptions.ValidationError`), writes, and appends the audit record in the
same transaction.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from chinhquyen.accounts import permissions
from chinhquyen.audit import services as audit
from chinhquyen.lib import agency_code
from chinhquyen.lib import phone as phone_lib
from chinhquyen.lib.vntext import fold, normalize
from chinhquyen.organizations.models import (
    AdministrativeUnit,
    Agency,
    Counter,
    Desk,
    LegacyUnitMapping,
    Unit,
)
from chinhquyen.organizations.naming import is_partial, name_key, province_code, ward_code

DATA_DIR = Path(__file__).resolve().parent / "data"
UNITS_FIXTURE = DATA_DIR / "units-2025.json.gz"
LEGACY_FIXTURE = DATA_DIR / "legacy-2025.csv.gz"

AGENCY_COLUMNS = (
    "code",
    "name",
    "short_name",
    "kind",
    "parent_code",
    "admin_unit_code",
    "address",
    "phone",
    "email",
    "is_active",
)
_AGENCY_FIELDS = (
    "code",
    "name",
    "short_name",
    "kind",
    "parent",
    "admin_unit",
    "address",
    "phone",
    "email",
    "is_active",
)
_BATCH = 500
_AUDIT_SAMPLE = 100  # at most this many per-row details in a bulk load's audit record


def _require_manager(actor: Any) -> None:
    if actor is not None and not permissions.can_manage_organizations(actor):
        raise PermissionDenied("Bạn không có quyền quản lý cơ quan, đơn vị và danh mục hành chính.")


# --- reports ----------------------------------------------------------------------------------


@dataclass
class LoadReport:
    """What a load of reference data did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    source: str = ""

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.skipped)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"skipped_count": len(self.skipped)}

    def summary(self) -> str:
        return (
            f"{self.created} thêm mới, {self.updated} cập nhật, {self.unchanged} không đổi, "
            f"{len(self.skipped)} bỏ qua."
        )


@dataclass(frozen=True)
class RejectedRow:
    row: int
    code: str
    reason: str


@dataclass
class ImportReport:
    """What :func:`import_agencies` did; one entry in ``rejected`` per row that was not written."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    row_label: str = "Dòng"

    @property
    def ok(self) -> bool:
        return not self.rejected

    def lines(self) -> list[str]:
        """``Dòng 4 (MÃ): lý do`` for each rejected row, in file order."""
        return [
            f"{self.row_label} {r.row}" + (f" ({r.code})" if r.code else "") + f": {r.reason}"
            for r in sorted(self.rejected, key=lambda r: r.row)
        ]

    def summary(self) -> str:
        return (
            f"{self.created} thêm mới, {self.updated} cập nhật, {self.unchanged} không đổi, "
            f"{len(self.rejected)} dòng bị từ chối."
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [asdict(r) for r in sorted(self.rejected, key=lambda r: r.row)],
            "lines": self.lines(),
        }


# --- reading files ----------------------------------------------------------------------------


def _read_text(path: str | Path) -> str:
    """The file's text (UTF-8, with or without BOM); gzip is recognised by its magic bytes."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"Không đọc được tệp {path}: {exc.strerror or exc}.") from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ValidationError(f"Tệp nén {path.name} bị hỏng.") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"Tệp {path.name} không phải văn bản UTF-8 (hãy lưu lại với mã hóa UTF-8)."
        ) from exc


def _csv_rows(text: str) -> csv.DictReader:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if reader.fieldnames:
        reader.fieldnames = [fold(name).replace(" ", "_") for name in reader.fieldnames]
    return reader


# --- administrative units ---------------------------------------------------------------------


def _parse_units(text: str, source: str) -> tuple[list[dict], list[dict]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"Tệp {source} không phải JSON hợp lệ (dòng {exc.lineno}).") from exc
    if not isinstance(document, dict) or not isinstance(document.get("provinces"), list):
        raise ValidationError(
            f"Tệp {source} phải là một đối tượng JSON có danh sách “provinces” và “wards”."
        )
    wards = document.get("wards", [])
    if not isinstance(wards, list) or not all(
        isinstance(x, dict) for x in document["provinces"] + wards
    ):
        raise ValidationError(f"Tệp {source}: “provinces” và “wards” phải là danh sách đối tượng.")
    return document["provinces"], wards


def _upsert_units(
    rows: Iterable[tuple[str, dict[str, Any]]],
    existing: dict[str, AdministrativeUnit],
    report: LoadReport,
    changed: dict[str, Any],
) -> None:
    fields = ("name", "level", "kind", "province_id")
    to_create, to_update = [], []
    for code, wanted in rows:
        unit = existing.get(code)
        if unit is None:
            to_create.append(AdministrativeUnit(code=code, **wanted))
            if len(changed) < _AUDIT_SAMPLE:
                changed[code] = {"before": None, "after": wanted.get("name")}
            continue
        before = {f: getattr(unit, f) for f in fields}
        if before == {f: wanted[f] for f in fields}:
            report.unchanged += 1
            continue
        for f in fields:
            setattr(unit, f, wanted[f])
        to_update.append(unit)
        if len(changed) < _AUDIT_SAMPLE:
            changed[code] = audit.diff(before, wanted)
    AdministrativeUnit.objects.bulk_create(to_create, batch_size=_BATCH)
    AdministrativeUnit.objects.bulk_update(to_update, list(fields), batch_size=_BATCH)
    report.created += len(to_create)
    report.updated += len(to_update)


def load_administrative_units(*, path: str | Path | None = None, actor: Any = None) -> LoadReport:
    """Insert or update the 34 provinces and 3,321 wards from the shipped fixture or ``path``.

    Idempotent: running it twice creates and changes nothing the second time. Units absent from
    the file are left alone (agencies and addresses may still point to them).
    """
    _require_manager(actor)
    source = Path(path) if path else UNITS_FIXTURE
    provinces, wards = _parse_units(_read_text(source), source.name)
    report = LoadReport(source=source.name)
    Level = AdministrativeUnit.Level

    province_rows: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(provinces, start=1):
        code = province_code(item.get("code", ""))
        name = normalize(str(item.get("name", "")))
        if code is None or not name:
            report.skipped.append(
                f"Tỉnh thứ {index}: thiếu hoặc sai mã/tên ({item.get('code')!r})."
            )
            continue
        province_rows[code] = {
            "name": name[:200],
            "level": Level.PROVINCE,
            "kind": normalize(str(item.get("kind", "")))[:40],
            "province_id": None,
        }

    changed: dict[str, Any] = {}
    with transaction.atomic():
        existing = {u.code: u for u in AdministrativeUnit.objects.all()}
        _upsert_units(province_rows.items(), existing, report, changed)
        province_ids = dict(
            AdministrativeUnit.objects.filter(level=Level.PROVINCE).values_list("code", "pk")
        )
        ward_rows: dict[str, dict[str, Any]] = {}
        for index, item in enumerate(wards, start=1):
            code = ward_code(item.get("code", ""))
            name = normalize(str(item.get("name", "")))
            parent = province_code(item.get("province", ""))
            if code is None or not name:
                report.skipped.append(
                    f"Xã thứ {index}: thiếu hoặc sai mã/tên ({item.get('code')!r})."
                )
                continue
            if parent not in province_ids:
                report.skipped.append(
                    f"Xã {code} ({name}): không có tỉnh mã {item.get('province')!r} trong danh mục."
                )
                continue
            if code in ward_rows:
                report.skipped.append(f"Xã {code} ({name}): mã xuất hiện hai lần trong tệp.")
                continue
            ward_rows[code] = {
                "name": name[:200],
                "level": Level.WARD,
                "kind": normalize(str(item.get("kind", "")))[:40],
                "province_id": province_ids[parent],
            }
        _upsert_units(ward_rows.items(), existing, report, changed)
        audit.record(
            "organizations.load_units",
            object_type="organizations.administrativeunit",
            object_label=f"Danh mục đơn vị hành chính ({source.name})",
            actor=actor,
            changes={
                "source": source.name,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "skipped": len(report.skipped),
                "sample": changed,
            },
        )
    return report


# --- legacy mapping ---------------------------------------------------------------------------


def _parse_whole(value: str) -> bool | None:
    folded = fold(value)
    if folded in {"", "whole", "1", "true", "toan bo", "nhap toan bo", "giu nguyen"}:
        return True
    if folded in {"part", "0", "false"} or is_partial(folded):
        return False
    return None


def load_legacy_mappings(*, path: str | Path | None = None, actor: Any = None) -> LoadReport:
    """Insert or update the old-commune → new-ward table from the shipped fixture or ``path``.

    CSV columns: ``old_code, old_name, old_district, old_province, new_code, whole, note``
    (``whole`` is ``whole``/``part``). The new wards must be loaded first
    (:func:`load_administrative_units`); rows naming an unknown ward are skipped and reported.
    """
    _require_manager(actor)
    source = Path(path) if path else LEGACY_FIXTURE
    reader = _csv_rows(_read_text(source))
    missing = {"old_code", "old_name", "new_code"} - set(reader.fieldnames or ())
    if missing:
        raise ValidationError(
            f"Tệp {source.name} thiếu cột bắt buộc: {', '.join(sorted(missing))}."
        )
    report = LoadReport(source=source.name)
    fields = ("old_name", "old_name_key", "old_district", "old_province", "whole", "note")
    changed: dict[str, Any] = {}
    with transaction.atomic():
        ward_ids = dict(
            AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.WARD).values_list(
                "code", "pk"
            )
        )
        if not ward_ids:
            raise ValidationError(
                "Chưa có danh mục đơn vị hành chính: hãy nạp trước "
                "(chinhquyen organizations load-units)."
            )
        existing = {(m.old_code, m.new_unit_id): m for m in LegacyUnitMapping.objects.all()}
        seen: set[tuple[str, int]] = set()
        to_create, to_update = [], []
        for number, row in enumerate(reader, start=2):
            cells = {key: normalize(value or "") for key, value in row.items() if key}
            get = cells.get
            old_code, new_code = ward_code(get("old_code", "")), ward_code(get("new_code", ""))
            old_name = get("old_name", "")
            whole = _parse_whole(get("whole", ""))
            label = f"Dòng {number}"
            if old_code is None or not old_name:
                report.skipped.append(f"{label}: thiếu hoặc sai mã/tên xã cũ.")
                continue
            if new_code not in ward_ids:
                report.skipped.append(
                    f"{label}: mã xã mới {get('new_code', '')!r} "
                    "không có trong danh mục đơn vị hành chính."
                )
                continue
            if whole is None:
                report.skipped.append(f"{label}: cột whole phải là “whole” hoặc “part”.")
                continue
            key = (old_code, ward_ids[new_code])
            if key in seen:
                report.skipped.append(f"{label}: cặp {old_code} → {new_code} đã có ở dòng trước.")
                continue
            seen.add(key)
            note = get("note", "")
            wanted = {
                "old_name": old_name[:200],
                "old_name_key": name_key(old_name)[:200],
                "old_district": get("old_district", "")[:200],
                "old_province": get("old_province", "")[:200],
                "whole": whole,
                "note": note if len(note) <= 300 else note[:299] + "…",
            }
            mapping = existing.get(key)
            if mapping is None:
                to_create.append(LegacyUnitMapping(old_code=old_code, new_unit_id=key[1], **wanted))
                continue
            before = {f: getattr(mapping, f) for f in fields}
            if before == wanted:
                report.unchanged += 1
                continue
            for f, value in wanted.items():
                setattr(mapping, f, value)
            to_update.append(mapping)
            if len(changed) < _AUDIT_SAMPLE:
                changed[f"{old_code}→{new_code}"] = audit.diff(before, wanted)
        LegacyUnitMapping.objects.bulk_create(to_create, batch_size=_BATCH)
        LegacyUnitMapping.objects.bulk_update(to_update, list(fields), batch_size=_BATCH)
        report.created, report.updated = len(to_create), len(to_update)
        audit.record(
            "organizations.load_legacy",
            object_type="organizations.legacyunitmapping",
            object_label=f"Bảng chuyển đổi đơn vị hành chính cũ - mới ({source.name})",
            actor=actor,
            changes={
                "source": source.name,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "skipped": len(report.skipped),
                "sample": changed,
            },
        )
    return report


# --- agencies ---------------------------------------------------------------------------------


def agency_snapshot(agency: Agency) -> dict[str, Any]:
    """The audited fields of an agency, with related rows as their codes."""
    return {
        "code": agency.code,
        "name": agency.name,
        "short_name": agency.short_name,
        "kind": agency.kind,
        "parent": agency.parent.code if agency.parent_id else None,
        "admin_unit": agency.admin_unit.code if agency.admin_unit_id else None,
        "address": agency.address,
        "phone": agency.phone,
        "email": agency.email,
        "is_active": agency.is_active,
    }


def resolve_agency_kind(value: str) -> str | None:
    """``"department"`` or its Vietnamese label ``"Sở, ban, ngành"`` (with or without marks)."""
    text = normalize(value)
    if text in Agency.Kind.values:
        return text
    folded = fold(text)
    for kind_value, label in Agency.Kind.choices:
        if folded in (fold(label), fold(kind_value)):
            return kind_value
    return None


def _is_below(candidate_parent: Agency, agency: Agency) -> bool:
    """True if ``candidate_parent`` is ``agency`` itself or one of its descendants."""
    seen: set[int] = set()
    node_id: int | None = candidate_parent.pk
    while node_id is not None and node_id not in seen:
        if node_id == agency.pk:
            return True
        seen.add(node_id)
        node_id = Agency.objects.filter(pk=node_id).values_list("parent_id", flat=True).first()
    return False


def clean_agency_values(values: dict[str, Any], instance: Agency | None) -> dict[str, Any]:
    """Validate the given agency fields (``instance``: the agency being changed, if any).

    Returns them cleaned (NFC text, normalised code and phone) or raises one ValidationError
    with a Vietnamese message per field. Used by the services and by admin forms, so people see
    the same messages everywhere.
    """
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    if "code" in values:
        try:
            code = agency_code.validate(agency_code.normalize(values["code"] or ""))
        except agency_code.InvalidAgencyCode as exc:
            errors["code"] = str(exc)
        else:
            others = Agency.objects.filter(code=code)
            if instance is not None and instance.pk:
                others = others.exclude(pk=instance.pk)
            other = others.first()
            if other is not None:
                errors["code"] = f"Mã định danh {code} đã được dùng cho cơ quan “{other.name}”."
            cleaned["code"] = code
    for name, label, limit, required in (
        ("name", "Tên cơ quan", 255, True),
        ("short_name", "Tên viết tắt", 60, False),
        ("address", "Địa chỉ", 300, False),
    ):
        if name in values:
            text = normalize(values[name] or "")
            if required and not text:
                errors[name] = f"{label} không được để trống."
            elif len(text) > limit:
                errors[name] = f"{label} dài tối đa {limit} ký tự (đang có {len(text)})."
            cleaned[name] = text
    if "kind" in values:
        kind = resolve_agency_kind(values["kind"] or "")
        if kind is None:
            choices = ", ".join(f"{v} ({label})" for v, label in Agency.Kind.choices)
            errors["kind"] = (
                f"Loại cơ quan “{values['kind']}” không hợp lệ; chọn một trong: {choices}."
            )
        cleaned["kind"] = kind
    if "parent" in values:
        parent = values["parent"]
        if parent is not None and (not isinstance(parent, Agency) or parent.pk is None):
            errors["parent"] = "Cơ quan cấp trên phải là một cơ quan đã có trong hệ thống."
        elif (
            parent is not None
            and instance is not None
            and instance.pk
            and _is_below(parent, instance)
        ):
            errors["parent"] = "Cơ quan cấp trên không được là chính nó hoặc cấp dưới của nó."
        cleaned["parent"] = parent
    if "admin_unit" in values:
        unit = values["admin_unit"]
        if unit is not None and (not isinstance(unit, AdministrativeUnit) or unit.pk is None):
            errors["admin_unit"] = "Địa bàn phải là một đơn vị hành chính trong danh mục."
        cleaned["admin_unit"] = unit
    if "phone" in values:
        raw = normalize(values["phone"] or "")
        cleaned["phone"] = ""
        if raw:
            try:
                cleaned["phone"] = phone_lib.normalize(raw)
            except phone_lib.InvalidPhoneNumber as exc:
                errors["phone"] = str(exc)
    if "email" in values:
        email = normalize(values["email"] or "").lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors["email"] = f"Địa chỉ thư điện tử “{email}” không hợp lệ."
        cleaned["email"] = email
    if "is_active" in values:
        cleaned["is_active"] = bool(values["is_active"])
    if errors:
        raise ValidationError(errors)
    return cleaned


def create_agency(
    *,
    actor: Any,
    code: str,
    name: str,
    kind: str,
    parent: Agency | None = None,
    admin_unit: AdministrativeUnit | None = None,
    short_name: str = "",
    address: str = "",
    phone: str = "",
    email: str = "",
    is_active: bool = True,
) -> Agency:
    """Create an agency (cơ quan) with its official identifier code."""
    _require_manager(actor)
    values = {
        "code": code,
        "name": name,
        "kind": kind,
        "parent": parent,
        "admin_unit": admin_unit,
        "short_name": short_name,
        "address": address,
        "phone": phone,
        "email": email,
        "is_active": is_active,
    }
    with transaction.atomic():
        agency = Agency(**clean_agency_values(values, None))
        agency.save(force_insert=True)
        audit.record(
            "organizations.create_agency",
            obj=agency,
            actor=actor,
            changes=audit.diff({}, agency_snapshot(agency)),
        )
    return agency


def _update_agency(actor: Any, agency: Agency, changes: dict[str, Any]) -> tuple[Agency, bool]:
    unknown = set(changes) - set(_AGENCY_FIELDS)
    if unknown:
        raise TypeError(f"update_agency(): unknown fields {sorted(unknown)}")
    _require_manager(actor)
    with transaction.atomic():
        # No select_related here: PostgreSQL cannot lock the nullable side of an outer join.
        current = Agency.objects.select_for_update().get(pk=agency.pk)
        before = agency_snapshot(current)
        cleaned = clean_agency_values(changes, current)
        for name, value in cleaned.items():
            setattr(current, name, value)
        delta = audit.diff(before, agency_snapshot(current))
        if delta:
            current.save()
            audit.record("organizations.update_agency", obj=current, actor=actor, changes=delta)
    for name in _AGENCY_FIELDS:
        setattr(agency, name, getattr(current, name))
    return agency, bool(delta)


def update_agency(*, actor: Any, agency: Agency, **changes: Any) -> Agency:
    """Change some fields of an agency; audited with before/after. No change → no write.

    Fields: code, name, short_name, kind, parent, admin_unit, address, phone, email, is_active.
    A parent that is the agency itself or one of its descendants is refused.
    """
    return _update_agency(actor, agency, changes)[0]


# --- units, desks, counters -------------------------------------------------------------------


def _text(
    values: dict[str, Any],
    name: str,
    label: str,
    limit: int,
    errors: dict,
    *,
    required: bool = False,
) -> None:
    if name not in values:
        return
    text = normalize(values[name] or "")
    if required and not text:
        errors[name] = f"{label} không được để trống."
    elif len(text) > limit:
        errors[name] = f"{label} dài tối đa {limit} ký tự (đang có {len(text)})."
    values[name] = text


def _require_agency(value: Any, errors: dict) -> None:
    if not isinstance(value, Agency) or value.pk is None:
        errors["agency"] = "Phải chọn một cơ quan đã có trong hệ thống."


def clean_unit_values(values: dict[str, Any], instance: Unit | None) -> dict[str, Any]:
    """Validate unit fields like :func:`clean_agency_values`."""
    errors: dict[str, str] = {}
    values = dict(values)
    _text(values, "code", "Mã đơn vị", 40, errors, required=True)
    _text(values, "name", "Tên đơn vị", 255, errors, required=True)
    if "agency" in values:
        _require_agency(values["agency"], errors)
    if "is_one_stop" in values:
        values["is_one_stop"] = bool(values["is_one_stop"])
    agency = values.get("agency", instance.agency if instance else None)
    code = values.get("code", instance.code if instance else "")
    if "agency" not in errors and "code" not in errors and agency is not None:
        clash = Unit.objects.filter(agency=agency, code=code)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["code"] = f"Cơ quan “{agency}” đã có đơn vị mã “{code}”."
    if errors:
        raise ValidationError(errors)
    return values


def clean_desk_values(values: dict[str, Any], instance: Desk | None) -> dict[str, Any]:
    """Validate desk fields like :func:`clean_agency_values`."""
    errors: dict[str, str] = {}
    values = dict(values)
    _text(values, "name", "Tên bộ phận một cửa", 255, errors, required=True)
    _text(values, "address", "Địa chỉ", 300, errors)
    _text(values, "opening_hours", "Giờ làm việc", 200, errors)
    if "agency" in values:
        _require_agency(values["agency"], errors)
    if "is_active" in values:
        values["is_active"] = bool(values["is_active"])
    if errors:
        raise ValidationError(errors)
    return values


def clean_counter_values(values: dict[str, Any], instance: Counter | None) -> dict[str, Any]:
    """Validate counter fields like :func:`clean_agency_values`."""
    errors: dict[str, str] = {}
    values = dict(values)
    _text(values, "label", "Tên quầy", 200, errors)
    if "desk" in values and (not isinstance(values["desk"], Desk) or values["desk"].pk is None):
        errors["desk"] = "Phải chọn một bộ phận một cửa đã có trong hệ thống."
    if "number" in values:
        number = values["number"]
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 32767:
            errors["number"] = "Số quầy phải là số nguyên dương (1–32767)."
    if "serves" in values:
        serves = list(values["serves"] or ())
        if not all(isinstance(a, Agency) and a.pk for a in serves):
            errors["serves"] = "Chỉ chọn các cơ quan đã có trong hệ thống."
        values["serves"] = serves
    if "is_active" in values:
        values["is_active"] = bool(values["is_active"])
    desk = values.get("desk", instance.desk if instance else None)
    number = values.get("number", instance.number if instance else None)
    if not errors and desk is not None:
        clash = Counter.objects.filter(desk=desk, number=number)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["number"] = f"“{desk}” đã có quầy số {number}."
    if errors:
        raise ValidationError(errors)
    return values


def _unit_snapshot(unit: Unit) -> dict[str, Any]:
    return {
        "agency": unit.agency.code,
        "code": unit.code,
        "name": unit.name,
        "is_one_stop": unit.is_one_stop,
    }


def _desk_snapshot(desk: Desk) -> dict[str, Any]:
    return {
        "agency": desk.agency.code,
        "name": desk.name,
        "address": desk.address,
        "opening_hours": desk.opening_hours,
        "is_active": desk.is_active,
    }


def _counter_snapshot(counter: Counter) -> dict[str, Any]:
    serves = sorted(counter.serves.values_list("code", flat=True)) if counter.pk else []
    return {
        "desk": str(counter.desk),
        "number": counter.number,
        "label": counter.label,
        "serves": serves,
        "is_active": counter.is_active,
    }


_SIMPLE = {
    Unit: ("unit", clean_unit_values, _unit_snapshot, ("agency", "code", "name", "is_one_stop")),
    Desk: (
        "desk",
        clean_desk_values,
        _desk_snapshot,
        ("agency", "name", "address", "opening_hours", "is_active"),
    ),
    Counter: (
        "counter",
        clean_counter_values,
        _counter_snapshot,
        ("desk", "number", "label", "serves", "is_active"),
    ),
}


def _create(model: type, actor: Any, values: dict[str, Any]) -> Any:
    noun, clean, snapshot, _ = _SIMPLE[model]
    _require_manager(actor)
    with transaction.atomic():
        cleaned = clean(values, None)
        serves = cleaned.pop("serves", None)
        obj = model(**cleaned)
        obj.save(force_insert=True)
        if serves is not None:
            obj.serves.set(serves)
        audit.record(
            f"organizations.create_{noun}",
            obj=obj,
            actor=actor,
            changes=audit.diff({}, snapshot(obj)),
        )
    return obj


def _update(model: type, actor: Any, obj: Any, changes: dict[str, Any]) -> Any:
    noun, clean, snapshot, allowed = _SIMPLE[model]
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"update_{noun}(): unknown fields {sorted(unknown)}")
    _require_manager(actor)
    with transaction.atomic():
        current = model.objects.select_for_update().get(pk=obj.pk)
        before = snapshot(current)
        cleaned = clean(changes, current)
        serves = cleaned.pop("serves", None)
        for name, value in cleaned.items():
            setattr(current, name, value)
        current.save()
        if serves is not None:
            current.serves.set(serves)
        delta = audit.diff(before, snapshot(current))
        if delta:
            audit.record(f"organizations.update_{noun}", obj=current, actor=actor, changes=delta)
    return current


def _delete(model: type, actor: Any, obj: Any) -> None:
    noun, _, snapshot, _ = _SIMPLE[model]
    _require_manager(actor)
    with transaction.atomic():
        current = model.objects.select_for_update().get(pk=obj.pk)
        audit.record(
            f"organizations.delete_{noun}",
            obj=current,
            actor=actor,
            changes=audit.diff(snapshot(current), {}),
        )
        current.delete()


def create_unit(
    *, actor: Any, agency: Agency, code: str, name: str, is_one_stop: bool = False
) -> Unit:
    """Create a unit (phòng, bộ phận) inside an agency; its code is unique within the agency."""
    return _create(
        Unit, actor, {"agency": agency, "code": code, "name": name, "is_one_stop": is_one_stop}
    )


def update_unit(*, actor: Any, unit: Unit, **changes: Any) -> Unit:
    return _update(Unit, actor, unit, changes)


def delete_unit(*, actor: Any, unit: Unit) -> None:
    _delete(Unit, actor, unit)


def create_desk(
    *,
    actor: Any,
    agency: Agency,
    name: str,
    address: str = "",
    opening_hours: str = "",
    is_active: bool = True,
) -> Desk:
    """Create a one-stop desk (Bộ phận Một cửa) of an agency."""
    return _create(
        Desk,
        actor,
        {
            "agency": agency,
            "name": name,
            "address": address,
            "opening_hours": opening_hours,
            "is_active": is_active,
        },
    )


def update_desk(*, actor: Any, desk: Desk, **changes: Any) -> Desk:
    return _update(Desk, actor, desk, changes)


def delete_desk(*, actor: Any, desk: Desk) -> None:
    _delete(Desk, actor, desk)


def create_counter(
    *,
    actor: Any,
    desk: Desk,
    number: int,
    label: str = "",
    serves: Iterable[Agency] = (),
    is_active: bool = True,
) -> Counter:
    """Create a counter (quầy) of a desk, optionally receiving for some agencies."""
    return _create(
        Counter,
        actor,
        {"desk": desk, "number": number, "label": label, "serves": serves, "is_active": is_active},
    )


def update_counter(*, actor: Any, counter: Counter, **changes: Any) -> Counter:
    return _update(Counter, actor, counter, changes)


def delete_counter(*, actor: Any, counter: Counter) -> None:
    _delete(Counter, actor, counter)


# --- import and export of agencies ------------------------------------------------------------


@dataclass
class _Row:
    number: int
    code: str
    values: dict[str, Any]
    parent_code: str | None  # None: column absent; "": no parent


_TRUE = {"1", "true", "co", "x", "yes", "dang hoat dong"}
_FALSE = {"0", "false", "khong", "no", "ngung hoat dong"}


def _read_agency_rows(path: str | Path) -> tuple[str, list[tuple[int, dict[str, Any]]]]:
    path = Path(path)
    text = _read_text(path)
    if path.suffix.lower() == ".json" or path.name.lower().endswith(".json.gz"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"Tệp {path.name} không phải JSON hợp lệ (dòng {exc.lineno})."
            ) from exc
        items = document.get("agencies") if isinstance(document, dict) else document
        if not isinstance(items, list):
            raise ValidationError(
                f"Tệp {path.name} phải là một danh sách cơ quan "
                "(hoặc đối tượng có khóa “agencies”)."
            )
        rows = []
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                rows.append((number, {"__error__": "Mỗi mục phải là một đối tượng JSON."}))
                continue
            rows.append((number, {fold(str(k)).replace(" ", "_"): v for k, v in item.items()}))
        return "Mục", rows
    reader = _csv_rows(text)
    columns = list(reader.fieldnames or ())
    missing = {"code", "name"} - set(columns)
    if missing:
        raise ValidationError(
            f"Tệp {path.name} thiếu cột bắt buộc: {', '.join(sorted(missing))}. "
            f"Các cột: {', '.join(AGENCY_COLUMNS)}."
        )
    rows = []
    for number, row in enumerate(reader, start=2):
        if None in row:
            rows.append((number, {"__error__": "Dòng có nhiều ô hơn số cột tiêu đề."}))
            continue
        if not any((v or "").strip() for v in row.values()):
            continue
        rows.append((number, row))
    return "Dòng", rows


def _plan_row(number: int, raw: dict[str, Any]) -> _Row:
    """Parse one row; raise ValidationError with a Vietnamese reason if it cannot be used."""
    if "__error__" in raw:
        raise ValidationError(raw["__error__"])
    unknown = set(raw) - set(AGENCY_COLUMNS)
    if unknown:
        raise ValidationError(
            f"Cột/khóa không được hỗ trợ: {', '.join(sorted(unknown))}. "
            f"Các cột hợp lệ: {', '.join(AGENCY_COLUMNS)}."
        )

    def text(key: str) -> str:
        value = raw.get(key)
        return "" if value is None else normalize(str(value))

    try:
        code = agency_code.validate(agency_code.normalize(text("code")))
    except agency_code.InvalidAgencyCode as exc:
        raise ValidationError(str(exc)) from exc
    values: dict[str, Any] = {"code": code}
    for key in ("name", "short_name", "address", "phone", "email"):
        if key in raw:
            values[key] = text(key)
    if "name" not in values:
        raise ValidationError("Thiếu tên cơ quan.")
    if text("kind"):
        values["kind"] = text("kind")
    if "is_active" in raw and text("is_active"):
        value = raw["is_active"]
        folded = fold(str(value))
        if isinstance(value, bool):
            values["is_active"] = value
        elif folded in _TRUE:
            values["is_active"] = True
        elif folded in _FALSE:
            values["is_active"] = False
        else:
            raise ValidationError(f"Giá trị is_active “{value}” không hợp lệ (dùng 1 hoặc 0).")
    if "admin_unit_code" in raw:
        values["admin_unit"] = _find_admin_unit(text("admin_unit_code"))
    parent_code = None
    if "parent_code" in raw:
        parent_code = text("parent_code")
        if parent_code:
            try:
                parent_code = agency_code.validate(agency_code.normalize(parent_code))
            except agency_code.InvalidAgencyCode as exc:
                raise ValidationError(f"Mã cơ quan cấp trên: {exc}") from exc
            if parent_code == code:
                raise ValidationError("Cơ quan cấp trên không được là chính nó.")
    return _Row(number=number, code=code, values=values, parent_code=parent_code)


def _find_admin_unit(code: str) -> AdministrativeUnit | None:
    if not code:
        return None
    candidates = [code]
    if code.isdigit():
        candidates.append(province_code(code) if len(code) <= 2 else ward_code(code))
    unit = AdministrativeUnit.objects.filter(code__in=[c for c in candidates if c]).first()
    if unit is None:
        raise ValidationError(
            f"Không tìm thấy đơn vị hành chính mã “{code}” "
            "(đã nạp danh mục đơn vị hành chính chưa?)."
        )
    return unit


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(m for messages in exc.message_dict.values() for m in messages)
    return "; ".join(exc.messages)


def import_agencies(*, path: str | Path, actor: Any = None) -> ImportReport:
    """Create or update agencies from a CSV or JSON file, matched by code.

    Columns/keys: code, name, short_name, kind, parent_code, admin_unit_code, address, phone,
    email (and optionally is_active). A column that is absent leaves that field alone; an empty
    cell clears it. Parents may come after their children in the file. Each row is written whole
    or not at all; rejected rows are listed in the report with their row number and reason.
    Running the same file twice changes nothing the second time.
    """
    _require_manager(actor)
    label, raw_rows = _read_agency_rows(path)
    report = ImportReport(row_label=label)

    def reject(row: int, code: str, reason: str) -> None:
        report.rejected.append(RejectedRow(row=row, code=code, reason=reason))

    plans: dict[str, _Row] = {}
    for number, raw in raw_rows:
        try:
            plan = _plan_row(number, raw)
        except ValidationError as exc:
            reject(number, agency_code.normalize(str(raw.get("code") or "")), _messages(exc))
            continue
        if plan.code in plans:
            reject(
                number,
                plan.code,
                f"Mã {plan.code} đã xuất hiện ở {label.lower()} {plans[plan.code].number}.",
            )
            continue
        plans[plan.code] = plan

    rejected_codes = {r.code for r in report.rejected}
    done: set[str] = set()
    failed: dict[str, int] = {}
    with transaction.atomic():
        pending = list(plans.values())
        while pending:
            waiting = []
            for plan in pending:
                parent_code = plan.parent_code
                in_file = bool(parent_code) and parent_code in plans
                if parent_code and parent_code in failed:
                    reject(
                        plan.number,
                        plan.code,
                        f"Cơ quan cấp trên {parent_code} ({label.lower()} {failed[parent_code]}) "
                        "bị từ chối nên dòng này không được ghi.",
                    )
                    failed[plan.code] = plan.number
                elif in_file and parent_code not in done:
                    waiting.append(plan)
                elif _apply_row(plan, actor, report, reject, rejected_codes):
                    done.add(plan.code)
                else:
                    failed[plan.code] = plan.number
            if len(waiting) == len(pending):
                for plan in waiting:
                    reject(plan.number, plan.code, _cycle_reason(plan, plans))
                break
            pending = waiting
        report.rejected.sort(key=lambda r: r.row)
        audit.record(
            "organizations.import_agencies",
            object_type="organizations.agency",
            object_label=f"Nhập danh sách cơ quan ({Path(path).name})",
            actor=actor,
            changes={
                "source": Path(path).name,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "rejected": len(report.rejected),
            },
        )
    return report


def _cycle_reason(plan: _Row, plans: dict[str, _Row]) -> str:
    """Why a row still waits for its parent when nothing else can be written."""
    chain, code = [plan.code], plan.parent_code
    while code and code in plans and code not in chain:
        chain.append(code)
        code = plans[code].parent_code
    if code == plan.code:
        return "Vòng lặp cơ quan cấp trên: " + " → ".join([*chain, plan.code]) + "."
    return (
        f"Cơ quan cấp trên {plan.parent_code} nằm trong một vòng lặp cơ quan cấp trên "
        "nên dòng này không được ghi."
    )


def _apply_row(
    plan: _Row, actor: Any, report: ImportReport, reject, rejected_codes: set[str]
) -> bool:
    values = dict(plan.values)
    if plan.parent_code is not None:
        if plan.parent_code:
            parent = Agency.objects.filter(code=plan.parent_code).first()
            if parent is None:
                reason = f"Không tìm thấy cơ quan cấp trên mã {plan.parent_code}"
                if plan.parent_code in rejected_codes:
                    reason += " (dòng của cơ quan đó bị từ chối)"
                reject(plan.number, plan.code, reason + ".")
                return False
            values["parent"] = parent
        else:
            values["parent"] = None
    try:
        with transaction.atomic():
            existing = Agency.objects.filter(code=plan.code).first()
            if existing is None:
                values.setdefault("kind", Agency.Kind.DEPARTMENT)
                create_agency(actor=actor, **values)
                report.created += 1
            else:
                values.pop("code")
                _, changed = _update_agency(actor, existing, values)
                if changed:
                    report.updated += 1
                else:
                    report.unchanged += 1
    except ValidationError as exc:
        reject(plan.number, plan.code, _messages(exc))
        return False
    except IntegrityError:
        reject(
            plan.number, plan.code, "Không ghi được vào cơ sở dữ liệu (trùng hoặc sai liên kết)."
        )
        return False
    return True


def export_agencies(*, fmt: str = "json", queryset: Iterable[Agency] | None = None) -> str:
    """All agencies (or ``queryset``) as CSV or JSON that :func:`import_agencies` reads back."""
    if fmt not in ("json", "csv"):
        raise ValueError("fmt must be 'json' or 'csv'")
    agencies = (
        queryset
        if queryset is not None
        else Agency.objects.select_related("parent", "admin_unit").order_by("code")
    )
    rows = [
        {
            "code": a.code,
            "name": a.name,
            "short_name": a.short_name,
            "kind": a.kind,
            "parent_code": a.parent.code if a.parent_id else "",
            "admin_unit_code": a.admin_unit.code if a.admin_unit_id else "",
            "address": a.address,
            "phone": a.phone,
            "email": a.email,
            "is_active": a.is_active,
        }
        for a in agencies
    ]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=AGENCY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row | {"is_active": "1" if row["is_active"] else "0"})
    return out.getvalue()
