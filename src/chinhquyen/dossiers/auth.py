"""Authentication of the dossier API: an integration's API token, or the browser session.

``Authorization: Bearer cqt_…`` identifies an :class:`~chinhquyen.dossiers.models.ApiToken`; the
request then acts as the token's owner, limited to the token's agencies (when it names any).
Without the header the Django session is used (with its CSRF check on writes). Tokens are
compared by their SHA-256 only; a revoked or expired token, or one whose owner is inactive, is
refused (401).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ninja.security import HttpBearer, SessionAuth

from chinhquyen.dossiers import clock
from chinhquyen.dossiers.models import ApiToken
from chinhquyen.dossiers.permissions import TOKEN_SCOPE_ATTR
from chinhquyen.dossiers.services import TOKEN_PREFIX, hash_token

# last_used_at is written at most this often per token (a write per request would serialise them).
_TOUCH_EVERY = timedelta(minutes=1)


def authenticate_token(raw: str) -> Any:
    """The owner of a valid token, carrying the token's agency limit, or ``None``."""
    raw = (raw or "").strip()
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("owner")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    now = clock.now()
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    owner = token.owner
    if not owner.is_active:
        return None
    agencies = set(token.agencies.values_list("pk", flat=True))
    setattr(owner, TOKEN_SCOPE_ATTR, agencies or None)
    owner.api_token = token
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return owner


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` (OpenAPI: bearer)."""

    def authenticate(self, request, token):
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


class SessionOrNothing(SessionAuth):
    """The session, active accounts only."""

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


def dossier_auth() -> list:
    return [ApiTokenAuth(), SessionOrNothing()]
