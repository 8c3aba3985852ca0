from django.contrib import admin
from django.urls import include, path

from chinhquyen.api.urls import api

admin.site.site_header = "Quản trị hệ thống chinhquyen"
admin.site.site_title = "Quản trị chinhquyen"
admin.site.index_title = "Quản trị"

urlpatterns = [
    path("", include("chinhquyen.core.urls")),
    # Before the portal's patterns: the API's public lookup is the busiest anonymous request.
    path("api/v1/", api.urls),
    path("", include("chinhquyen.web.portal.urls")),
    path("tai-khoan/", include("chinhquyen.accounts.urls")),
    path("can-bo/lich/", include("chinhquyen.calendars.urls")),
    path("can-bo/", include("chinhquyen.web.workspace.urls")),
    path("thu-tuc/", include("chinhquyen.catalog.urls")),
    path("quan-tri/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
