"""The REST API (django-ninja, OpenAPI at /api/v1/docs). Each domain app adds its router here."""

from ninja import NinjaAPI

from chinhquyen import __version__

api = NinjaAPI(
    title="chinhquyen API",
    version=__version__,
    description="API của nền tảng chính quyền số: tổ chức, tài khoản, nhật ký, thủ tục, hồ sơ.",
    urls_namespace="api",
)

from chinhquyen.organizations.api import router as organizations_router  # noqa: E402

api.add_router("/organizations", organizations_router)
