"""Login, logout, password reset, two-factor setup and verification, profile."""

from __future__ import annotations

import base64
from io import BytesIO

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from chinhquyen.accounts import oidc, selectors, services
from chinhquyen.accounts.forms import (
    CodeForm,
    ContactForm,
    IdentityNumberForm,
    LoginForm,
    NameForm,
    NewPasswordForm,
    OTPForm,
    PasswordResetRequestForm,
    RegisterForm,
    RepresentationForm,
)
from chinhquyen.accounts.models import VerificationCode
from chinhquyen.accounts.verification import CodeError, Destination
from chinhquyen.core.middleware import client_ip


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = oidc.enabled()
        return context

    def get_default_redirect_url(self) -> str:
        if self.request.user.is_authenticated and self.request.user.is_official:
            return reverse("workspace:home")
        return reverse("portal:home")


class LogoutView(auth_views.LogoutView):
    pass


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return default


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_password_reset(
            identifier=form.cleaned_data["identifier"],
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )
        return render(request, "accounts/password_reset_sent.html")
    return render(request, "accounts/password_reset.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    User = get_user_model()
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "accounts/password_reset_invalid.html", status=400)
    form = NewPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        services.password_changed(user=user)
        messages.success(request, "Đã đặt mật khẩu mới. Vui lòng đăng nhập.")
        return redirect("accounts:login")
    return render(request, "accounts/password_reset_confirm.html", {"form": form})


def _qr_data_uri(text: str) -> str:
    buffer = BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=5, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Add a TOTP authenticator: scan the QR, type a code to confirm."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name="Ứng dụng xác thực", confirmed=False
        )
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save()
            otp_login(request, device)
            services.two_factor_enabled(user=request.user)
            messages.success(request, "Đã bật xác thực hai lớp.")
            return redirect(_safe_next(request, reverse("workspace:home")))
        form.add_error("token", "Mã xác thực không đúng hoặc đã hết hạn.")
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr": _qr_data_uri(device.config_url),
            "secret": secret,
            "next": _safe_next(request, ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request, reverse("workspace:home")))
        form.add_error("token", "Mã xác thực không đúng hoặc đã hết hạn.")
    return render(
        request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request, "")}
    )


def _limited(request: HttpRequest, group: str, rate: str) -> bool:
    """Count this POST against the client address; True once the address is over ``rate``."""
    from django_ratelimit.core import is_ratelimited

    return is_ratelimited(
        request,
        group=f"accounts.{group}",
        key=lambda _group, req: client_ip(req) or "unknown",
        rate=rate,
        method="POST",
        increment=True,
    )


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "429.html", status=429)


def _apply_errors(
    form, exc: ValidationError, fields: tuple[str, ...], rename: dict[str, str] | None = None
) -> None:
    """Put a service's ValidationError on the form's fields (or on the form as a whole)."""
    rename = rename or {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = rename.get(field, field if field in fields else None)
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


# --- Registration ------------------------------------------------------------------------------

_REGISTER_SESSION = "accounts.register_code"
_CONTACT_SESSION = "accounts.contact_code"


def _remember_code(request: HttpRequest, key: str, row: VerificationCode) -> None:
    request.session[key] = {
        "id": row.pk,
        "to": Destination(row.channel, row.destination).masked,
        "channel": row.channel,
    }


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """Đăng ký: name, phone or e-mail, password, consent; then a code to prove the contact."""
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = RegisterForm(request.POST or None)
    if request.method == "POST":
        if _limited(request, "register", settings.ACCOUNTS_REGISTER_RATE):
            return _too_many(request)
        if form.is_valid():
            try:
                row = services.start_registration(
                    full_name=form.cleaned_data["full_name"],
                    contact=form.cleaned_data["contact"],
                    password=form.cleaned_data["password1"],
                )
            except ValidationError as exc:
                _apply_errors(form, exc, ("full_name", "contact"), {"password": "password1"})
            except CodeError as exc:
                form.add_error(None, str(exc))
            else:
                _remember_code(request, _REGISTER_SESSION, row)
                return redirect("accounts:register_verify")
    return render(request, "accounts/register.html", {"form": form, "sso_enabled": oidc.enabled()})


def _code_page(request: HttpRequest, form, pending: dict, **context) -> HttpResponse:
    return render(
        request, "accounts/verify_code.html", {"form": form, "pending": pending, **context}
    )


@require_http_methods(["GET", "POST"])
def register_verify(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(_REGISTER_SESSION)
    if not pending:
        return redirect("accounts:register")
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if _limited(request, "code", settings.ACCOUNTS_CODE_RATE):
            return _too_many(request)
        if form.is_valid():
            try:
                user = services.confirm_registration(
                    code_id=pending["id"], code=form.cleaned_data["code"]
                )
            except CodeError as exc:
                form.add_error("code", str(exc))
            else:
                request.session.pop(_REGISTER_SESSION, None)
                login(request, user, backend="chinhquyen.accounts.backends.PhoneOrEmailBackend")
                messages.success(request, "Đăng ký thành công. Chào mừng bạn!")
                return redirect("accounts:profile")
    return _code_page(
        request,
        form,
        pending,
        title="Xác minh để hoàn tất đăng ký",
        resend_url=reverse("accounts:register_resend"),
        back_url=reverse("accounts:register"),
        registering=True,
    )


@require_http_methods(["POST"])
def register_resend(request: HttpRequest) -> HttpResponse:
    return _resend(request, _REGISTER_SESSION, "accounts:register_verify", "accounts:register")


def _resend(request: HttpRequest, key: str, verify_url: str, start_url: str) -> HttpResponse:
    pending = request.session.get(key)
    if not pending:
        return redirect(start_url)
    if _limited(request, "code", settings.ACCOUNTS_CODE_RATE):
        return _too_many(request)
    try:
        row = services.resend_code(code_id=pending["id"])
    except CodeError as exc:
        messages.error(request, str(exc))
    else:
        _remember_code(request, key, row)
        messages.success(request, f"Đã gửi lại mã xác minh tới {pending['to']}.")
    return redirect(verify_url)


# --- Profile -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Show the account; edit name, contact (with a code) and identity number, audited."""
    action = request.POST.get("action", "identity") if request.method == "POST" else ""
    id_form = IdentityNumberForm(request.POST if action == "identity" else None)
    name_form = NameForm(
        request.POST if action == "name" else None, initial={"full_name": request.user.full_name}
    )
    contact_form = ContactForm(request.POST if action == "contact" else None)
    if action == "identity" and request.user.identity_verified:
        messages.error(request, "Số định danh đã được xác thực qua định danh điện tử.")
        return redirect("accounts:profile")
    if action == "identity" and id_form.is_valid():
        try:
            services.set_identity_number(
                actor=request.user,
                user=request.user,
                identity_number=id_form.cleaned_data["identity_number"],
            )
        except ValidationError as exc:
            for message in exc.message_dict.get("identity_number", exc.messages):
                id_form.add_error("identity_number", message)
        else:
            messages.success(request, "Đã cập nhật số định danh cá nhân.")
            return redirect("accounts:profile")
    if action == "name" and name_form.is_valid():
        try:
            services.update_name(
                actor=request.user,
                user=request.user,
                full_name=name_form.cleaned_data["full_name"],
            )
        except ValidationError as exc:
            _apply_errors(name_form, exc, ("full_name",))
        else:
            messages.success(request, "Đã cập nhật họ và tên.")
            return redirect("accounts:profile")
    if action == "contact" and contact_form.is_valid():
        if _limited(request, "code", settings.ACCOUNTS_CODE_RATE):
            return _too_many(request)
        try:
            row = services.request_contact_change(
                actor=request.user, user=request.user, contact=contact_form.cleaned_data["contact"]
            )
        except ValidationError as exc:
            _apply_errors(contact_form, exc, ("contact",))
        except CodeError as exc:
            contact_form.add_error("contact", str(exc))
        else:
            _remember_code(request, _CONTACT_SESSION, row)
            return redirect("accounts:contact_verify")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": id_form,
            "name_form": name_form,
            "contact_form": contact_form,
            "representations": selectors.representations_of(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_verify(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(_CONTACT_SESSION)
    if not pending:
        return redirect("accounts:profile")
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if _limited(request, "code", settings.ACCOUNTS_CODE_RATE):
            return _too_many(request)
        if form.is_valid():
            try:
                services.confirm_contact_change(
                    actor=request.user,
                    user=request.user,
                    code_id=pending["id"],
                    code=form.cleaned_data["code"],
                )
            except (CodeError, PermissionDenied) as exc:
                form.add_error("code", str(exc))
            else:
                request.session.pop(_CONTACT_SESSION, None)
                messages.success(request, "Đã cập nhật thông tin liên hệ.")
                return redirect("accounts:profile")
    return _code_page(
        request,
        form,
        pending,
        title="Xác minh thông tin liên hệ mới",
        resend_url=reverse("accounts:contact_resend"),
        back_url=reverse("accounts:profile"),
        registering=False,
    )


@login_required
@require_http_methods(["POST"])
def contact_resend(request: HttpRequest) -> HttpResponse:
    return _resend(request, _CONTACT_SESSION, "accounts:contact_verify", "accounts:profile")


# --- Representatives ---------------------------------------------------------------------------

_REP_FIELDS = (
    "kind",
    "name",
    "identity_number",
    "tax_code",
    "relation",
    "phone",
    "email",
    "address",
)


def _citizen_only(request: HttpRequest) -> None:
    if request.user.is_official:
        raise Http404


@login_required
@require_http_methods(["GET"])
def representations(request: HttpRequest) -> HttpResponse:
    _citizen_only(request)
    return render(
        request,
        "accounts/representations.html",
        {"representations": selectors.representations_of(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def representation_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _citizen_only(request)
    rep = selectors.get_representation(request.user, pk) if pk is not None else None
    initial = {f: getattr(rep, f) for f in _REP_FIELDS} if rep else None
    form = RepresentationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if rep is None:
                services.add_representation(
                    actor=request.user, account=request.user, values=form.cleaned_data
                )
            else:
                services.update_representation(
                    actor=request.user, representation=rep, values=form.cleaned_data
                )
        except ValidationError as exc:
            _apply_errors(form, exc, _REP_FIELDS)
        else:
            messages.success(request, "Đã lưu thông tin người được nộp hồ sơ thay.")
            return redirect("accounts:representations")
    return render(
        request, "accounts/representation_form.html", {"form": form, "representation": rep}
    )


@login_required
@require_http_methods(["GET", "POST"])
def representation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _citizen_only(request)
    rep = selectors.get_representation(request.user, pk)
    if request.method == "POST":
        services.remove_representation(actor=request.user, representation=rep)
        messages.success(request, f"Đã xóa {rep.name} khỏi danh sách.")
        return redirect("accounts:representations")
    return render(request, "accounts/representation_delete.html", {"representation": rep})
