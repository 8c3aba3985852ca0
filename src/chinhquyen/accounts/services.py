"""Write side of accounts: every change to an account or a role goes through here, audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from chinhquyen.accounts import permissions
from chinhquyen.accounts.models import Role, RoleAssignment, User
from chinhquyen.audit import services as audit
from chinhquyen.events import services as events
from chinhquyen.lib import cccd, phone

# ``actor=None`` means the system itself (a CLI command, the demo loader, a migration); views and
# API handlers always pass ``request.user``.


def _clean_contact(*, email: str | None, phone_number: str | None) -> tuple[str | None, str | None]:
    email = (email or "").strip().lower() or None
    phone_value = None
    if phone_number:
        try:
            phone_value = phone.normalize(phone_number)
        except phone.InvalidPhoneNumber as exc:
            raise ValidationError({"phone": str(exc)}) from exc
    if not email and not phone_value:
        raise ValidationError("Cần có số điện thoại hoặc thư điện tử để đăng nhập.")
    return email, phone_value


def _set_valid_password(user: User, password: str) -> None:
    """Check the password against the validators (Vietnamese messages) and hash it."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)


def register_citizen(
    *,
    full_name: str,
    password: str,
    email: str | None = None,
    phone_number: str | None = None,
    identity_number: str | None = None,
    kind: str = User.Kind.CITIZEN,
    organization_name: str = "",
    tax_code: str = "",
) -> User:
    """Create a citizen or business account that logs in with its phone number or e-mail."""
    if kind not in (User.Kind.CITIZEN, User.Kind.BUSINESS):
        raise ValidationError("Loại tài khoản không hợp lệ.")
    email, phone_value = _clean_contact(email=email, phone_number=phone_number)
    if identity_number:
        try:
            identity_number = cccd.validate(identity_number)
        except cccd.InvalidIdentityNumber as exc:
            raise ValidationError({"identity_number": str(exc)}) from exc
    user = User(
        username=phone_value or email,
        full_name=full_name.strip(),
        kind=kind,
        email=email,
        phone=phone_value,
        identity_number=identity_number or None,
        organization_name=organization_name,
        tax_code=tax_code,
    )
    _set_valid_password(user, password)
    with transaction.atomic():
        user.validate_unique()
        user.save()
        audit.record(
            "accounts.register",
            obj=user,
            object_label=user.username,
            changes={"kind": kind, "identity_number": cccd.mask(identity_number or "")},
        )
        events.publish("accounts.registered", aggregate=user, payload={"user_id": user.pk})
    return user


def create_official(
    *,
    actor: Any,
    username: str,
    full_name: str,
    agency: Any,
    password: str,
    unit: Any = None,
    email: str | None = None,
    phone_number: str | None = None,
    position: str = "",
    roles: list[str] | tuple[str, ...] = (),
) -> User:
    if actor is not None and not permissions.can_manage_officials(actor, agency):
        raise PermissionDenied("Bạn không có quyền tạo tài khoản cán bộ cho cơ quan này.")
    if unit is not None and unit.agency_id != agency.pk:
        raise ValidationError({"unit": "Đơn vị phải thuộc cơ quan của cán bộ."})
    if phone_number:
        try:
            phone_number = phone.normalize(phone_number)
        except phone.InvalidPhoneNumber as exc:
            raise ValidationError({"phone": str(exc)}) from exc
    user = User(
        username=username.strip(),
        full_name=full_name.strip(),
        kind=User.Kind.OFFICIAL,
        email=(email or "").strip().lower() or None,
        phone=phone_number or None,
        agency=agency,
        unit=unit,
        position=position,
    )
    _set_valid_password(user, password)
    with transaction.atomic():
        user.validate_unique()
        user.save()
        audit.record(
            "accounts.create_official",
            obj=user,
            actor=actor,
            object_label=user.username,
            changes={"agency": agency.code, "unit": unit.code if unit else None},
        )
        for role in roles:
            grant_role(actor=actor, user=user, role=role, agency=agency, unit=unit)
    return user


def grant_role(
    *,
    actor: Any,
    user: User,
    role: str,
    agency: Any,
    unit: Any = None,
    include_children: bool = False,
) -> RoleAssignment:
    if role not in Role.values:
        raise ValidationError({"role": "Vai trò không hợp lệ."})
    if not user.is_official:
        raise ValidationError("Chỉ giao vai trò cho tài khoản cán bộ.")
    if (
        actor is not None
        and role == Role.PROVINCE_ADMIN
        and not permissions.is_province_admin(actor)
    ):
        raise PermissionDenied("Chỉ quản trị cấp tỉnh được giao quyền quản trị.")
    if actor is not None and not permissions.can_manage_officials(actor, agency):
        raise PermissionDenied("Bạn không có quyền giao vai trò trong cơ quan này.")
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(
            user=user,
            role=role,
            agency=agency,
            unit=unit,
            defaults={"include_children": include_children},
        )
        if created:
            audit.record(
                "accounts.grant_role",
                obj=user,
                actor=actor,
                object_label=user.username,
                changes={"role": role, "agency": agency.code, "include_children": include_children},
            )
    user.__dict__.pop("_role_cache", None)
    return assignment


def make_administrator(*, actor: Any, user: User) -> User:
    """Give an official access to the admin site with every permission (province IT staff)."""
    if actor is not None and not permissions.is_province_admin(actor):
        raise PermissionDenied("Chỉ quản trị cấp tỉnh được cấp quyền quản trị hệ thống.")
    if not user.is_official:
        raise ValidationError("Chỉ tài khoản cán bộ mới được cấp quyền quản trị hệ thống.")
    with transaction.atomic():
        user.is_staff = True
        user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
        audit.record(
            "accounts.make_administrator", obj=user, actor=actor, object_label=user.username
        )
    return user


def revoke_role(*, actor: Any, assignment: RoleAssignment) -> None:
    if not permissions.can_manage_officials(actor, assignment.agency):
        raise PermissionDenied("Bạn không có quyền thu hồi vai trò trong cơ quan này.")
    with transaction.atomic():
        audit.record(
            "accounts.revoke_role",
            obj=assignment.user,
            actor=actor,
            object_label=assignment.user.username,
            changes={"role": assignment.role, "agency": assignment.agency.code},
        )
        assignment.delete()


def set_identity_number(*, actor: Any, user: User, identity_number: str) -> User:
    if not permissions.can_view_profile(actor, user):
        raise PermissionDenied("Bạn không có quyền sửa hồ sơ này.")
    try:
        number = cccd.validate(identity_number)
    except cccd.InvalidIdentityNumber as exc:
        raise ValidationError({"identity_number": str(exc)}) from exc
    with transaction.atomic():
        before = cccd.mask(user.identity_number or "")
        user.identity_number = number
        user.validate_unique()
        user.save(update_fields=["identity_number"])
        audit.record(
            "accounts.set_identity_number",
            obj=user,
            actor=actor,
            object_label=user.username,
            changes={"identity_number": {"before": before, "after": cccd.mask(number)}},
        )
    return user


def request_password_reset(*, identifier: str, base_url: str) -> None:
    """Queue a reset e-mail if the account exists and has an e-mail; say nothing either way."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from chinhquyen.accounts.backends import find_user

    user = find_user(identifier)
    if user is None or not user.is_active or not user.email or not user.has_usable_password():
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    with transaction.atomic():
        audit.record("accounts.password_reset_requested", obj=user, object_label=user.username)
        events.publish(
            "accounts.password_reset_requested",
            aggregate=user,
            payload={
                "user_id": user.pk,
                "link": f"{base_url}/tai-khoan/dat-lai-mat-khau/{uid}/{token}/",
            },
        )


def password_changed(*, user: User) -> None:
    with transaction.atomic():
        audit.record("accounts.password_changed", obj=user, actor=user, object_label=user.username)


def two_factor_enabled(*, user: User) -> None:
    with transaction.atomic():
        audit.record(
            "accounts.two_factor_enabled", obj=user, actor=user, object_label=user.username
        )
