"""Request context for services that need to know who acts and from where (audit records)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from chinhquyen.core.context import request_context


class RequestContextMiddleware:
    """Make the acting user and client IP available to services for the length of a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        with request_context(user=user, ip=client_ip(request)):
            return self.get_response(request)


def client_ip(request: HttpRequest) -> str | None:
    """The client address; behind a trusted proxy the proxy sets REMOTE_ADDR via the ASGI server."""
    return request.META.get("REMOTE_ADDR") or None


class LanguageMiddleware:
    """Vietnamese unless the person chose another language (cookie set by /i18n/setlang/).

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: a phone set to
    English must not get half-English pages from a Vietnamese public service.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
