"""Administrators must pass a TOTP check before they reach the workspace or the admin site."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from chinhquyen.accounts.permissions import requires_two_factor

_EXEMPT_PREFIXES = ("/tai-khoan/", "/static/", "/healthz", "/i18n/")


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_EXEMPT_PREFIXES)
            and requires_two_factor(user)
            and not user.is_verified()
        ):
            from django_otp import user_has_device

            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "detail": "Tài khoản quản trị cần xác thực hai lớp trước khi dùng API.",
                        "code": "two_factor_required",
                    },
                    status=403,
                )
            target = "accounts:otp_verify" if user_has_device(user) else "accounts:otp_setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
