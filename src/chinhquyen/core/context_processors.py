from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict:
    """Names every page shows: the platform and the province it serves."""
    from chinhquyen.accounts.permissions import is_province_admin
    from chinhquyen.organizations.selectors import home_province

    province = home_province()
    return {
        "PLATFORM_NAME": settings.PLATFORM_NAME,
        "PROVINCE": province,
        "PROVINCE_NAME": province.name if province else "",
        "is_province_admin": is_province_admin(getattr(request, "user", None)),
    }
