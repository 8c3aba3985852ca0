"""Single sign-on with a national electronic identity provider (VNeID-style OpenID Connect).

Off unless ``OIDC_ENABLED`` (set from the ``CHINHQUYEN_OIDC_*`` variables, docs/configuration.md).
The code flow, state, nonce and PKCE come from mozilla-django-oidc; this module adds what a
public service needs: the ID token's audience and issuer are checked, the userinfo subject must
match the ID token's, and accounts are matched by the identity, never by e-mail.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from chinhquyen.accounts.models import User

log = logging.getLogger("chinhquyen.accounts")
FAILED = (
    "Đăng nhập bằng tài khoản định danh điện tử không thành công. "
    "Vui lòng thử lại hoặc đăng nhập bằng số điện thoại/thư điện tử."
)


def enabled() -> bool:
    return bool(getattr(settings, "OIDC_ENABLED", False))


class NationalIdentityBackend(OIDCAuthenticationBackend):
    """Authenticates only the callback of the code flow; inert when single sign-on is off."""

    def __init__(self, *args, **kwargs) -> None:
        self.UserModel = User
        if enabled():
            super().__init__(*args, **kwargs)

    def authenticate(self, request, **kwargs):
        # Only the callback view calls with these keywords; a password login never reaches here.
        if not enabled() or "password" in kwargs or "code_verifier" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def get_user(self, user_id):
        return ModelBackend.get_user(self, user_id)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token audience is not this client.")
        issuer = getattr(settings, "OIDC_OP_ISSUER", "")
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("ID token issuer does not match OIDC_OP_ISSUER.")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        from chinhquyen.accounts import services

        claims = self.get_userinfo(access_token, id_token, payload)
        sub = str(payload.get("sub") or "")
        if not sub or str(claims.get("sub", sub)) != sub:
            raise SuspiciousOperation("Userinfo subject differs from the ID token subject.")
        return services.sso_user_from_claims(
            sub=sub,
            claims=claims,
            identity_claim=getattr(settings, "OIDC_IDENTITY_NUMBER_CLAIM", "identity_number"),
        )


class _CallbackView(OIDCAuthenticationCallbackView):
    @property
    def failure_url(self) -> str:
        return reverse("accounts:login")

    def login_failure(self) -> HttpResponse:
        messages.error(self.request, FAILED)
        return HttpResponseRedirect(self.failure_url)

    def get(self, request):
        try:
            return super().get(request)
        except SuspiciousOperation as exc:
            # A forged or replayed callback (wrong state or nonce, bad token): refuse, log why.
            log.warning("single sign-on refused: %s", exc)
            return self.login_failure()


def start(request: HttpRequest) -> HttpResponse:
    """Send the browser to the identity provider (state, nonce and PKCE kept in the session)."""
    if not enabled():
        raise Http404
    return OIDCAuthenticationRequestView.as_view()(request)


def callback(request: HttpRequest) -> HttpResponse:
    if not enabled():
        raise Http404
    return _CallbackView.as_view()(request)
