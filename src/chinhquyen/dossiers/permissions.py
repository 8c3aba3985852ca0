"""Who may see or act on a dossier: one function per decision, plain bools, never raise.

Actions are described in :mod:`chinhquyen.dossiers.workflow` (``who`` and ``scope`` of each);
:func:`can_perform` reads that table. An API token narrows its owner's scope to the token's
agencies (``token_agency_ids``), so every check here goes through :func:`in_scope`.
"""

from __future__ import annotations

from typing import Any

from chinhquyen.accounts import permissions as accounts
from chinhquyen.accounts.models import Role
from chinhquyen.dossiers import workflow

TOKEN_SCOPE_ATTR = "_dossier_token_agency_ids"


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def token_agency_ids(user: Any) -> set[int] | None:
    """The agencies an API token limits its owner to (``None``: no token limit)."""
    return getattr(user, TOKEN_SCOPE_ATTR, None)


def in_scope(user: Any, role: str, agency: Any) -> bool:
    """The user holds ``role`` for ``agency``, and no API token excludes that agency."""
    if agency is None or not accounts.has_role(user, role, agency):
        return False
    limit = token_agency_ids(user)
    return limit is None or agency.pk in limit


def visible_agency_ids(user: Any) -> set[int] | None:
    """Agencies whose dossiers an official may see (``None``: all, the province administrator)."""
    if not _active(user) or not user.is_official:
        return set()
    scope = accounts.agency_ids_in_scope(user)
    limit = token_agency_ids(user)
    if scope is None:
        return None if limit is None else set(limit)
    return scope if limit is None else scope & limit


def is_applicant(user: Any, dossier: Any) -> bool:
    return (
        _active(user) and dossier.submitted_by_id is not None and dossier.submitted_by_id == user.pk
    )


def can_view_dossier(user: Any, dossier: Any) -> bool:
    """The applicant's own account; officials of the receiving or processing agency, of an
    agency taking part (consultation, liên thông), or of an agency above them in scope."""
    if is_applicant(user, dossier):
        return True
    ids = visible_agency_ids(user)
    if ids is None:
        return True
    if not ids:
        return False
    if dossier.agency_id in ids:
        return True
    step = dossier.current_step
    if step is not None and step.agency_id in ids:
        return True
    if any(step["agency_id"] in ids for step in dossier.process or [] if step.get("agency_id")):
        return True
    return dossier.participations.filter(agency_id__in=ids).exists()


def can_submit_online(user: Any) -> bool:
    """Anyone with an active account may apply online, for themselves or as a representative."""
    return _active(user)


def can_register_at_desk(user: Any, agency: Any) -> bool:
    return in_scope(user, Role.INTAKE_OFFICER, agency)


def processing_agency(dossier: Any) -> Any:
    step = dossier.current_step
    return step.agency if step is not None else dossier.agency


def is_step_handler(user: Any, dossier: Any) -> bool:
    """The official assigned to the current step; while nobody is, anyone with its role there."""
    step = dossier.current_step
    if step is None or step.finished_at is not None or not _active(user):
        return False
    limit = token_agency_ids(user)
    if limit is not None and step.agency_id not in limit:
        return False
    if step.assignee_id is not None:
        return step.assignee_id == user.pk
    if step.responsible_role:
        return in_scope(user, step.responsible_role, step.agency)
    return any(in_scope(user, role, step.agency) for role in accounts.OFFICIAL_ROLES)


def can_be_assigned(user: Any, dossier: Any) -> bool:
    """Whether ``user`` may be given the current step (holds its role in its agency)."""
    step = dossier.current_step
    if step is None or not _active(user) or not user.is_official:
        return False
    if step.responsible_role:
        return accounts.has_role(user, step.responsible_role, step.agency)
    return any(accounts.has_role(user, role, step.agency) for role in accounts.OFFICIAL_ROLES)


def scope_agency(dossier: Any, scope: str, participation: Any = None) -> Any:
    if scope == workflow.PARTICIPANT:
        return participation.agency if participation is not None else None
    if scope == workflow.PROCESSING:
        return processing_agency(dossier)
    return dossier.agency


def can_perform(user: Any, name: str, dossier: Any, *, participation: Any = None) -> bool:
    """Whether ``user`` (``None``: the platform itself) may perform action ``name`` on ``dossier``."""
    spec = workflow.action(name)
    if user is None:
        return workflow.SYSTEM in spec.who
    if not _active(user):
        return False
    agency = scope_agency(dossier, spec.scope, participation)
    for kind in spec.who:
        if kind == workflow.APPLICANT and is_applicant(user, dossier):
            return True
        if kind == workflow.STEP_HANDLER and is_step_handler(user, dossier):
            return True
        if kind in Role.values and in_scope(user, kind, agency):
            return True
        # The intake officers of the receiving agency act for it whatever the step's agency.
        if (
            kind == Role.INTAKE_OFFICER
            and spec.scope == workflow.PROCESSING
            and in_scope(user, kind, dossier.agency)
        ):
            return True
    return False


def who_label(name: str) -> str:
    """Vietnamese description of who may perform ``name`` (for error messages and docs)."""
    labels = {
        workflow.APPLICANT: "người nộp hồ sơ",
        workflow.STEP_HANDLER: "người được phân công xử lý bước hiện tại",
        workflow.SYSTEM: "hệ thống",
    }
    spec = workflow.action(name)
    where = {
        workflow.RECEIVING: "của cơ quan tiếp nhận",
        workflow.PROCESSING: "của cơ quan đang giải quyết",
        workflow.PARTICIPANT: "của cơ quan được xin ý kiến/liên thông",
    }[spec.scope]
    parts = []
    for kind in spec.who:
        if kind in labels:
            parts.append(labels[kind])
        else:
            parts.append(f"{Role(kind).label.lower()} {where}")
    return ", ".join(parts)


def can_view_results(user: Any, dossier: Any) -> bool:
    return can_view_dossier(user, dossier)


def can_manage_api_tokens(user: Any, owner: Any) -> bool:
    """Create or revoke tokens for ``owner``: the province administrator, or the leader of the
    owner's agency."""
    if accounts.is_province_admin(user):
        return True
    agency = getattr(owner, "agency", None)
    return agency is not None and accounts.has_role(user, Role.AGENCY_LEADER, agency)
