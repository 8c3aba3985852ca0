"""Write side of accounts: every change to an account or a role goes through here, audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from chinhquyen.accounts import permissions, verification
from chinhquyen.accounts.models import (
    Representation,
    Role,
    RoleAssignment,
    User,
    VerificationCode,
)
from chinhquyen.accounts.verification import CodeError, Destination
from chinhquyen.audit import services as audit
from chinhquyen.events import services as events
from chinhquyen.lib import cccd, party, phone

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


# --- Registration with a verification code -----------------------------------------------------


def parse_contact(value: str) -> Destination:
    """A phone number or an e-mail address as typed, normalised, with the channel to reach it."""
    from django.core.validators import validate_email

    value = (value or "").strip()
    if "@" in value:
        email = value.lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError({"contact": "Địa chỉ thư điện tử không hợp lệ."}) from exc
        return Destination(VerificationCode.Channel.EMAIL, email)
    try:
        return Destination(VerificationCode.Channel.SMS, phone.normalize(value))
    except phone.InvalidPhoneNumber as exc:
        raise ValidationError({"contact": str(exc)}) from exc


def _holder_of(destination: Destination) -> User | None:
    field = "phone" if destination.channel == VerificationCode.Channel.SMS else "email"
    return (
        User.objects.filter(**{field: destination.address}).first()
        or User.objects.filter(username__iexact=destination.address).first()
    )


def start_registration(*, full_name: str, contact: str, password: str) -> VerificationCode:
    """Hold a new citizen account, inactive, until the code sent to its phone/e-mail comes back.

    Nothing tells the caller whether the contact already has an account: an existing verified
    account is left untouched and gets a row that can never succeed (same pages, same limits).
    A pending, never-verified registration for the same contact is replaced.
    """
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise ValidationError({"full_name": "Vui lòng nhập họ và tên."})
    destination = parse_contact(contact)
    email = destination.address if destination.channel == VerificationCode.Channel.EMAIL else None
    phone_value = destination.address if email is None else None
    candidate = User(
        username=destination.address,
        kind=User.Kind.CITIZEN,
        full_name=full_name,
        email=email,
        phone=phone_value,
        is_active=False,
        registration_pending=True,
    )
    _set_valid_password(candidate, password)  # checked the same way whoever holds the contact
    with transaction.atomic():
        holder = _holder_of(destination)
        if holder is not None and not holder.registration_pending:
            return verification.issue(
                user=None, purpose=VerificationCode.Purpose.REGISTER, destination=destination
            )
        verification.check_send_allowed(destination.address)
        if holder is not None:
            candidate.pk = holder.pk
            candidate.date_joined = holder.date_joined
        user = candidate
        user.save()
        return verification.issue(
            user=user, purpose=VerificationCode.Purpose.REGISTER, destination=destination
        )


def resend_code(*, code_id: int) -> VerificationCode:
    """A new code for the same account and destination, within the send limits."""
    with transaction.atomic():
        old = VerificationCode.objects.select_for_update().filter(pk=code_id).first()
        if old is None or old.used_at is not None:  # used, or purged by housekeeping
            raise CodeError(verification.EXPIRED)
        return verification.issue(
            user=old.user,
            purpose=old.purpose,
            destination=Destination(old.channel, old.destination),
        )


def _check_code(code_id: int, code: str, purpose: str) -> tuple[VerificationCode, User]:
    """Check a code and keep the attempt count even when it is wrong."""
    error: CodeError | None = None
    with transaction.atomic():
        row = (
            VerificationCode.objects.select_for_update().filter(pk=code_id, purpose=purpose).first()
        )
        if row is None:  # purged by housekeeping (see housekeeping.py) while the page was open
            raise CodeError(verification.EXPIRED)
        try:
            user = verification.check(row, code)
        except CodeError as exc:
            error = exc
    if error is not None:
        raise error
    return row, user


def confirm_registration(*, code_id: int, code: str) -> User:
    """Activate the pending account once its code is right; raise :class:`CodeError` if not."""
    row, user = _check_code(code_id, code, VerificationCode.Purpose.REGISTER)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user.pk).first()
        if user is None or not user.registration_pending:
            raise CodeError(verification.EXPIRED)
        user.is_active = True
        user.registration_pending = False
        user.save(update_fields=["is_active", "registration_pending"])
        audit.record(
            "accounts.register",
            obj=user,
            actor=user,
            object_label=user.username,
            changes={"kind": user.kind, "verified": row.channel},
        )
        events.publish("accounts.registered", aggregate=user, payload={"user_id": user.pk})
    return user


# --- Profile -----------------------------------------------------------------------------------


def update_name(*, actor: Any, user: User, full_name: str) -> User:
    if not permissions.can_view_profile(actor, user):
        raise PermissionDenied("Bạn không có quyền sửa hồ sơ này.")
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise ValidationError({"full_name": "Vui lòng nhập họ và tên."})
    if len(full_name) > 200:
        raise ValidationError({"full_name": "Họ và tên dài quá 200 ký tự."})
    with transaction.atomic():
        before = user.full_name
        user.full_name = full_name
        user.save(update_fields=["full_name"])
        audit.record(
            "accounts.update_name",
            obj=user,
            actor=actor,
            object_label=user.username,
            changes={"full_name": {"before": before, "after": full_name}},
        )
    return user


def request_contact_change(*, actor: Any, user: User, contact: str) -> VerificationCode:
    """Send a code to a new phone/e-mail; the account changes only when the code comes back.

    A contact already used by another account gets the same answer and a code that never works.
    """
    if not permissions.can_view_profile(actor, user):
        raise PermissionDenied("Bạn không có quyền sửa hồ sơ này.")
    destination = parse_contact(contact)
    with transaction.atomic():
        holder = _holder_of(destination)
        taken = holder is not None and holder.pk != user.pk and not holder.registration_pending
        row = verification.issue(
            user=None if taken else user,
            purpose=VerificationCode.Purpose.CHANGE_CONTACT,
            destination=destination,
        )
        audit.record(
            "accounts.contact_change_requested",
            obj=user,
            actor=actor,
            object_label=user.username,
            changes={"channel": destination.channel, "to": destination.masked},
        )
    return row


def confirm_contact_change(*, actor: Any, user: User, code_id: int, code: str) -> User:
    row, owner = _check_code(code_id, code, VerificationCode.Purpose.CHANGE_CONTACT)
    if owner.pk != user.pk or not permissions.can_view_profile(actor, user):
        raise PermissionDenied("Mã xác minh này không dành cho tài khoản của bạn.")
    field = "phone" if row.channel == VerificationCode.Channel.SMS else "email"
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        # A registration that was never verified does not keep a contact from its real owner.
        User.objects.filter(**{field: row.destination}, registration_pending=True).exclude(
            pk=user.pk
        ).delete()
        User.objects.filter(username__iexact=row.destination, registration_pending=True).exclude(
            pk=user.pk
        ).delete()
        if User.objects.filter(**{field: row.destination}).exclude(pk=user.pk).exists():
            raise CodeError(verification.EXPIRED)
        before = getattr(user, field) or ""
        setattr(user, field, row.destination)
        update = [field]
        if before and user.username == before:
            user.username = row.destination
            update.append("username")
        user.save(update_fields=update)
        mask = phone.mask if field == "phone" else (lambda v: Destination("email", v).masked)
        audit.record(
            f"accounts.change_{field}",
            obj=user,
            actor=actor,
            object_label=user.username,
            changes={
                field: {"before": mask(before) if before else "", "after": mask(row.destination)}
            },
        )
    return user


# --- Representatives (người được nộp hồ sơ thay) ------------------------------------------------

_REPRESENTATION_FIELDS = (
    "kind",
    "name",
    "identity_number",
    "tax_code",
    "relation",
    "phone",
    "email",
    "address",
)


def _clean_representation(values: dict[str, Any]) -> dict[str, str]:
    from django.core.validators import validate_email

    out = {k: " ".join(str(values.get(k) or "").split()) for k in _REPRESENTATION_FIELDS}
    errors: dict[str, list[str]] = {}
    out["kind"] = out["kind"] or Representation.Kind.PERSON
    if out["kind"] not in Representation.Kind.values:
        errors["kind"] = ["Vui lòng chọn cá nhân hoặc tổ chức."]
    if not out["name"]:
        errors["name"] = ["Vui lòng nhập họ tên hoặc tên tổ chức."]
    elif len(out["name"]) > 255:
        errors["name"] = ["Tên dài quá 255 ký tự."]
    party.check_numbers(out, errors)
    if out["kind"] == Representation.Kind.ORGANISATION:
        out["identity_number"] = ""
        if not out["tax_code"] and "tax_code" not in errors:
            errors["tax_code"] = ["Tổ chức: vui lòng nhập mã số thuế/mã số doanh nghiệp."]
    else:
        out["tax_code"] = ""
    if out["phone"]:
        try:
            out["phone"] = phone.normalize(out["phone"])
        except phone.InvalidPhoneNumber as exc:
            errors["phone"] = [str(exc)]
    if out["email"]:
        out["email"] = out["email"].lower()
        try:
            validate_email(out["email"])
        except ValidationError:
            errors["email"] = ["Địa chỉ thư điện tử không hợp lệ."]
    for key, limit in (("relation", 500), ("address", 500)):
        if len(out[key]) > limit:
            errors[key] = [f"Nội dung dài quá {limit} ký tự."]
    if errors:
        raise ValidationError(errors)
    return out


def _representation_audit(rep: Representation) -> dict[str, str]:
    return {
        "kind": rep.kind,
        "name": rep.name,
        "identity_number": cccd.mask(rep.identity_number),
        "tax_code": rep.tax_code,
    }


def _check_may_represent(actor: Any, account: User) -> None:
    if account.is_official or (
        actor is not None and not permissions.can_view_profile(actor, account)
    ):
        raise PermissionDenied("Bạn không có quyền sửa danh sách này.")


def add_representation(*, actor: Any, account: User, values: dict[str, Any]) -> Representation:
    """Add a person or organisation the account applies for."""
    _check_may_represent(actor, account)
    data = _clean_representation(values)
    with transaction.atomic():
        rep = Representation.objects.create(account=account, **data)
        audit.record(
            "accounts.add_representation",
            obj=rep,
            actor=actor,
            object_label=rep.name,
            changes=_representation_audit(rep),
        )
    return rep


def update_representation(
    *, actor: Any, representation: Representation, values: dict[str, Any]
) -> Representation:
    _check_may_represent(actor, representation.account)
    data = _clean_representation(values)
    with transaction.atomic():
        before = _representation_audit(representation)
        for key, value in data.items():
            setattr(representation, key, value)
        representation.save()
        after = _representation_audit(representation)
        audit.record(
            "accounts.update_representation",
            obj=representation,
            actor=actor,
            object_label=representation.name,
            changes={
                k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]
            },
        )
    return representation


def remove_representation(*, actor: Any, representation: Representation) -> None:
    _check_may_represent(actor, representation.account)
    with transaction.atomic():
        audit.record(
            "accounts.remove_representation",
            obj=representation,
            actor=actor,
            object_label=representation.name,
            changes=_representation_audit(representation),
        )
        representation.delete()


# --- Single sign-on with the national electronic identity (OIDC) -------------------------------


def sso_user_from_claims(*, sub: str, claims: dict[str, Any], identity_claim: str) -> User | None:
    """The account for an identity the provider vouched for; created on first sign-in.

    Matching is by the provider's subject (``sub``) and then by the identity number it asserts,
    never by e-mail or phone, which people can type into any account. An identity number that
    another account only typed in itself (not verified) moves to the verified identity.
    """
    import hashlib

    sub = str(sub or "").strip()
    if not sub:
        return None
    name = " ".join(
        str(
            claims.get("name")
            or " ".join(filter(None, [claims.get("family_name"), claims.get("given_name")]))
            or ""
        ).split()
    )[:200]
    try:
        number = (
            cccd.validate(str(claims.get(identity_claim) or ""))
            if claims.get(identity_claim)
            else None
        )
    except cccd.InvalidIdentityNumber:
        number = None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(oidc_sub=sub).first()
        action = "accounts.sso_login"
        if user is None and number:
            holder = User.objects.select_for_update().filter(identity_number=number).first()
            if holder is not None and holder.identity_verified:
                if holder.oidc_sub or holder.is_official:
                    return None  # verified for someone else: refuse rather than guess
                user, action = holder, "accounts.sso_linked"
                user.oidc_sub = sub
            elif holder is not None:
                holder.identity_number = None
                holder.save(update_fields=["identity_number"])
                audit.record(
                    "accounts.identity_number_released",
                    obj=holder,
                    object_label=holder.username,
                    changes={"identity_number": cccd.mask(number), "reason": "verified_elsewhere"},
                )
        if user is None:
            digest = hashlib.sha256(sub.encode()).hexdigest()[:24]
            user = User(
                username=f"dinhdanh-{digest}",
                full_name=name or "Công dân",
                kind=User.Kind.CITIZEN,
                oidc_sub=sub,
                identity_number=number,
                identity_verified=bool(number),
            )
            user.set_unusable_password()
            user.save()
            audit.record(
                "accounts.sso_register",
                obj=user,
                actor=user,
                object_label=user.username,
                changes={"identity_number": cccd.mask(number or "")},
            )
            return user
        if user.is_official or not user.is_active:
            return None
        update = ["oidc_sub"]
        if name and name != user.full_name:
            user.full_name = name
            update.append("full_name")
        if number and not user.identity_verified:
            taken = User.objects.filter(identity_number=number).exclude(pk=user.pk).exists()
            if not taken:
                user.identity_number = number
                user.identity_verified = True
                update += ["identity_number", "identity_verified"]
        user.save(update_fields=update)
        audit.record(
            action,
            obj=user,
            actor=user,
            object_label=user.username,
            changes={"identity_number": cccd.mask(user.identity_number or "")},
        )
    return user
