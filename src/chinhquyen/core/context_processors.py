from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest


def _once(compute: Callable[[], bool]) -> Callable[[], bool]:
    """A callable the template calls only if the page asks (and then only once)."""
    answer: list[bool] = []

    def value() -> bool:
        if not answer:
            answer.append(compute())
        return answer[0]

    return value


def platform(request: HttpRequest) -> dict[str, Any]:
    """Names every page shows (the platform, the province), and what the workspace menu offers.

    ``can_use_desk`` (intake and the results to return) and ``can_read_book`` (the tracking book,
    Mẫu 06) ask the same permission functions as the desk pages, so the menu never shows a link
    that answers 403; they are computed only when a page's template reads them.
    """
    from chinhquyen.accounts.permissions import can_use_workspace, is_province_admin
    from chinhquyen.dossiers import desk, forms
    from chinhquyen.organizations.selectors import home_province

    province = home_province()
    user = getattr(request, "user", None)
    return {
        "PLATFORM_NAME": settings.PLATFORM_NAME,
        "PROVINCE": province,
        "PROVINCE_NAME": province.name if province else "",
        "is_province_admin": is_province_admin(user),
        "can_use_desk": _once(lambda: can_use_workspace(user) and bool(desk.intake_agencies(user))),
        "can_read_book": _once(lambda: can_use_workspace(user) and forms.can_download_book(user)),
    }
