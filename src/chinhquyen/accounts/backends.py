"""Log in with a username (officials), a phone number or an e-mail address (citizens)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from chinhquyen.accounts.models import User
from chinhquyen.lib import phone


def find_user(identifier: str) -> User | None:
    value = (identifier or "").strip()
    if not value:
        return None
    query = Q(username__iexact=value)
    if "@" in value:
        query |= Q(email__iexact=value)
    elif phone.looks_like_phone(value):
        query |= Q(phone=phone.normalize(value))
    return User.objects.filter(query).first()


class PhoneOrEmailBackend(ModelBackend):
    def authenticate(
        self, request, username: str | None = None, password: str | None = None, **kwargs
    ):
        if username is None or password is None:
            return None
        user = find_user(username)
        if user is None:
            User().set_password(password)  # same work as a real check: no timing hint
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
