"""Login, logout, password reset, two-factor setup and verification, profile."""

from __future__ import annotations

import base64
from io import BytesIO

import segno
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from chinhquyen.accounts import services
from chinhquyen.accounts.forms import (
    IdentityNumberForm,
    LoginForm,
    NewPasswordForm,
    OTPForm,
    PasswordResetRequestForm,
)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

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


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = IdentityNumberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_identity_number(
                actor=request.user,
                user=request.user,
                identity_number=form.cleaned_data["identity_number"],
            )
        except ValidationError as exc:
            for message in exc.message_dict.get("identity_number", exc.messages):
                form.add_error("identity_number", message)
        else:
            messages.success(request, "Đã cập nhật số định danh cá nhân.")
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})
