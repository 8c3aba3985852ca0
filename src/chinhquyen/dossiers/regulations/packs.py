"""Regulation packs: one folder per legal text, holding ``pack.json`` and the form templates.

A pack is found by its folder: any directory beside this module that contains a ``pack.json``.
Adding ``tt03_2025/`` needs no code: its ``pack.json`` says when it is in force, which forms it
has and which template and paper each uses; it may ``extend`` an older pack to reuse templates
and the stylesheet. :func:`PackRegistry.pack_for` picks the pack in force on a date.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path

from .contexts import CONTEXT_KINDS
from .formatting import local

PACKS_ROOT = Path(__file__).resolve().parent
DEFAULT_DOSSIER_CODE = {
    # Circular 01/2018/TT-VPCP Art. 19: <agency identifier>-<YYMMDD>-<NNNN>, daily sequence.
    "template": "{agency}-{date:%y%m%d}-{seq:04d}",
    "pattern": r"^(?P<agency>[0-9A-Z.]{1,35})-(?P<date>\d{6})-(?P<seq>\d{4,})$",
    "reset": "daily",
    "timezone": "Asia/Ho_Chi_Minh",
}
PAPER_SIZES = {"A5", "A4", "A3"}
ORIENTATIONS = {"portrait", "landscape"}
_PACK_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class PackError(Exception):
    """A pack is unknown, or its pack.json is invalid."""


class NoPackInForce(PackError):
    """No pack is in force on the requested date."""


class UnknownForm(PackError):
    """The pack has no form with this code."""


@dataclass(frozen=True)
class FormSpec:
    """One mandated form of a pack, as ``pack.json`` declares it."""

    code: str  # "01"
    title: str  # "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    template: str  # file name, looked up in the pack folder then the packs it extends
    paper: str = "A5"
    orientation: str = "portrait"
    context: str | None = None  # a kind of contexts.CONTEXT_KINDS, or None
    required_keys: tuple[str, ...] = ()  # extra dotted keys the template needs
    legal_reference: str = ""  # "Mẫu số 01, Phụ lục ... Thông tư 01/2018/TT-VPCP"

    @property
    def page_size(self) -> str:
        """The CSS ``@page size`` value: ``A5 portrait``."""
        return f"{self.paper} {self.orientation}"


@dataclass(frozen=True)
class Pack:
    id: str
    name: str
    legal_basis: tuple[str, ...]
    effective_from: date
    effective_until: date | None  # first day no longer in force; None: open-ended
    forms: dict[str, FormSpec]
    folder: Path
    stylesheets: tuple[str, ...] = ()
    extends: str | None = None
    # {"template": "{agency}-{date:%y%m%d}-{seq:04d}", "pattern": regex, "reset", "timezone"}
    dossier_code: dict = field(default_factory=lambda: dict(DEFAULT_DOSSIER_CODE))
    # One-stop time rules of the legal text (supplement window, apology lead, paper cut-off…),
    # read by the dossier engine; kept as given in pack.json.
    rules: dict = field(default_factory=dict)
    template_dirs: tuple[Path, ...] = field(default=(), compare=False)

    def in_force_on(self, day: date) -> bool:
        if day < self.effective_from:
            return False
        return self.effective_until is None or day < self.effective_until

    def form(self, code: str) -> FormSpec:
        try:
            return self.forms[code]
        except KeyError:
            known = ", ".join(self.forms)
            raise UnknownForm(f"pack {self.id} has no form {code!r} (it has {known})") from None

    def format_dossier_code(self, *, agency_code: str, received_on: date, sequence: int) -> str:
        """The dossier code (mã hồ sơ) in this pack's format: ``000.00.20.H41-260212-0007``."""
        return self.dossier_code["template"].format(
            agency=agency_code, date=received_on, seq=sequence
        )

    def is_dossier_code(self, value: str) -> bool:
        return bool(self._dossier_code_re.match(value or ""))

    @cached_property
    def _dossier_code_re(self) -> re.Pattern[str]:
        return re.compile(self.dossier_code["pattern"])

    def find_file(self, name: str) -> Path:
        """A template or stylesheet, from this pack's folder or the packs it extends."""
        for folder in self.template_dirs:
            candidate = folder / name
            if candidate.is_file():
                return candidate
        raise PackError(f"pack {self.id}: file {name!r} not found in {self._dirs_text()}")

    def _dirs_text(self) -> str:
        return ", ".join(str(d) for d in self.template_dirs)


class PackRegistry:
    """The packs found under one folder. The module-level functions use :data:`PACKS_ROOT`."""

    def __init__(self, root: Path | str = PACKS_ROOT):
        self.root = Path(root)
        self._packs: dict[str, Pack] | None = None

    def reload(self) -> None:
        self._packs = None

    @property
    def packs(self) -> dict[str, Pack]:
        if self._packs is None:
            raw = {
                path.parent.name: _read_json(path) for path in sorted(self.root.glob("*/pack.json"))
            }
            self._packs = {pack_id: self._build(pack_id, raw) for pack_id in raw}
        return self._packs

    def available_packs(self) -> list[str]:
        """Pack ids, oldest in force first."""
        return [p.id for p in sorted(self.packs.values(), key=lambda p: p.effective_from)]

    def get(self, pack_id: str) -> Pack:
        try:
            return self.packs[pack_id]
        except KeyError:
            known = ", ".join(self.available_packs()) or "none"
            raise PackError(f"unknown regulation pack {pack_id!r} (available: {known})") from None

    def form_codes(self, pack_id: str) -> list[str]:
        return list(self.get(pack_id).forms)

    def pack_for(self, day: date) -> Pack:
        """The pack in force on ``day``; the one that took effect last if several overlap."""
        if isinstance(day, datetime):  # its calendar day in Vietnam
            day = local(day).date()
        candidates = [p for p in self.packs.values() if p.in_force_on(day)]
        if not candidates:
            raise NoPackInForce(f"no regulation pack is in force on {day.isoformat()}")
        return max(candidates, key=lambda p: p.effective_from)

    def _build(self, pack_id: str, raw: dict[str, dict], chain: tuple[str, ...] = ()) -> Pack:
        if pack_id in chain:
            raise PackError(f"pack {pack_id}: 'extends' loops through {' → '.join(chain)}")
        if not _PACK_ID.match(pack_id):
            raise PackError(f"pack folder {pack_id!r}: use lower-case letters, digits and '_'")
        data = raw[pack_id]
        where = f"{self.root / pack_id / 'pack.json'}"
        if data.get("id", pack_id) != pack_id:
            raise PackError(f"{where}: id {data['id']!r} differs from its folder {pack_id!r}")
        for key in ("name", "effective_from", "forms"):
            if key not in data:
                raise PackError(f"{where}: missing '{key}'")

        dirs = [self.root / pack_id]
        parent = None
        extends = data.get("extends")
        if extends:
            if extends not in raw:
                raise PackError(f"{where}: extends unknown pack {extends!r}")
            parent = self._build(extends, raw, (*chain, pack_id))
            dirs.extend(parent.template_dirs)

        forms = {}
        for code, spec in data["forms"].items():
            forms[code] = _form_spec(code, spec, where)
        inherited_code = parent.dossier_code if parent else DEFAULT_DOSSIER_CODE
        dossier_code = {**inherited_code, **data.get("dossier_code", {})}
        try:
            re.compile(dossier_code["pattern"])
        except re.error as exc:
            raise PackError(f"{where}: dossier_code.pattern: {exc}") from None
        pack = Pack(
            id=pack_id,
            name=data["name"],
            legal_basis=tuple(data.get("legal_basis", ())),
            effective_from=_date(data["effective_from"], where, "effective_from"),
            effective_until=_date(data.get("effective_until"), where, "effective_until"),
            forms=forms,
            folder=self.root / pack_id,
            stylesheets=tuple(data.get("stylesheets", parent.stylesheets if parent else ())),
            extends=extends,
            template_dirs=tuple(dirs),
            dossier_code=dossier_code,
            rules={**(parent.rules if parent else {}), **data.get("rules", {})},
        )
        for form in forms.values():
            pack.find_file(form.template)
        for stylesheet in pack.stylesheets:
            pack.find_file(stylesheet)
        return pack


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PackError(f"{path}: {exc}") from exc


def _date(value: str | None, where: str, key: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise PackError(f"{where}: '{key}' must be a YYYY-MM-DD date, got {value!r}") from None


def _form_spec(code: str, spec: dict, where: str) -> FormSpec:
    for key in ("title", "template"):
        if key not in spec:
            raise PackError(f"{where}: form {code} lacks '{key}'")
    paper = spec.get("paper", "A5")
    orientation = spec.get("orientation", "portrait")
    if paper not in PAPER_SIZES:
        raise PackError(f"{where}: form {code}: paper {paper!r} is not one of {PAPER_SIZES}")
    if orientation not in ORIENTATIONS:
        raise PackError(f"{where}: form {code}: orientation {orientation!r} is not valid")
    kind = spec.get("context")
    if kind is not None and kind not in CONTEXT_KINDS:
        raise PackError(
            f"{where}: form {code}: context {kind!r} is not one of {', '.join(CONTEXT_KINDS)}; "
            "omit it and list 'required_keys' for a new kind of form"
        )
    return FormSpec(
        code=code,
        title=spec["title"],
        template=spec["template"],
        paper=paper,
        orientation=orientation,
        context=kind,
        required_keys=tuple(spec.get("required_keys", ())),
        legal_reference=spec.get("legal_reference", ""),
    )
