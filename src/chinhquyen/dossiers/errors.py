"""Errors of the dossier engine. Each carries a Vietnamese message that can be shown as it is.

They are :class:`~django.core.exceptions.ValidationError` subclasses, so every face that already
shows validation errors shows these; the API maps them to 409 with their ``code``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class DossierStateError(ValidationError):
    """The action is not allowed in the dossier's current state (trạng thái)."""

    default_code = "wrong_state"

    def __init__(self, message: str, code: str | None = None, params: Any = None) -> None:
        super().__init__(message, code=code or self.default_code, params=params)


class StaleDossierError(DossierStateError):
    """The caller's copy of the dossier is older than the stored one (optimistic concurrency)."""

    default_code = "stale"

    def __init__(self, *, code: str, current: int, expected: Any) -> None:
        super().__init__(
            f"Hồ sơ {code} vừa được người khác cập nhật (phiên bản hiện tại {current}, biểu mẫu "
            f"của bạn là phiên bản {expected}). Không có thay đổi nào được lưu; vui lòng tải lại "
            "hồ sơ, xem thay đổi mới nhất rồi thực hiện lại."
        )
        self.current_version = current
        self.expected_version = expected


def invalid(messages: Any, code: str = "invalid") -> ValidationError:
    """A ValidationError whose every message carries ``code`` (also those of a field dict,
    where Django would otherwise drop it)."""
    if isinstance(messages, dict):
        return ValidationError(
            {
                key: [ValidationError(m, code=code) for m in (v if isinstance(v, list) else [v])]
                for key, v in messages.items()
            }
        )
    return ValidationError(messages, code=code)


def error_code(exc: ValidationError) -> str:
    """The machine-readable code of a validation error (``invalid`` when it has none)."""
    if isinstance(exc, DossierStateError):
        return exc.code or exc.default_code
    code = getattr(exc, "code", None)
    if code:
        return code
    items = (
        [e for errors in exc.error_dict.values() for e in errors]
        if hasattr(exc, "error_dict")
        else exc.error_list
    )
    for item in items:
        if getattr(item, "code", None):
            return item.code
    return "invalid"
