"""The REST API (django-ninja, OpenAPI at /api/v1/docs). Each domain app adds its router here."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from chinhquyen import __version__

api = NinjaAPI(
    title="chinhquyen API",
    version=__version__,
    description="API của nền tảng chính quyền số: tổ chức, tài khoản, nhật ký, thủ tục, hồ sơ.",
    urls_namespace="api",
)


# Structured errors: {"detail": "<Vietnamese message>", "code": "...", "errors": {...}}.
@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    message = str(exc) or "Bạn không có quyền thực hiện thao tác này."
    return api.create_response(request, {"detail": message, "code": "forbidden"}, status=403)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(
        request, {"detail": "Vui lòng đăng nhập.", "code": "not_authenticated"}, status=401
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(
        request, {"detail": "Không tìm thấy.", "code": "not_found"}, status=404
    )


@api.exception_handler(DjangoValidationError)
def _invalid(request, exc):
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    first = next(iter(errors.values()))[0]
    return api.create_response(
        request, {"detail": first, "code": "invalid", "errors": errors}, status=422
    )


from chinhquyen.accounts.api import router as accounts_router  # noqa: E402
from chinhquyen.audit.api import router as audit_router  # noqa: E402
from chinhquyen.organizations.api import router as organizations_router  # noqa: E402

api.add_router("/organizations", organizations_router)
api.add_router("/accounts", accounts_router)
api.add_router("/audit", audit_router)

from chinhquyen.calendars.api import router as calendars_router  # noqa: E402

api.add_router("/calendar", calendars_router)

from chinhquyen.catalog.api import router as catalog_router  # noqa: E402

api.add_router("/procedures", catalog_router)

from chinhquyen.dossiers.api import router as dossiers_router  # noqa: E402

api.add_router("/dossiers", dossiers_router)

from chinhquyen.dossiers.api_drafts import router as dossier_drafts_router  # noqa: E402

api.add_router("/dossier-drafts", dossier_drafts_router)
