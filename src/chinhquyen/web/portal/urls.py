from django.urls import include, path

from chinhquyen.web.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    # Apply online: drafts, uploads, review, submit (nop-truc-tuyen/...).
    path("", include("chinhquyen.web.portal.urls_apply")),
    # My dossiers, public lookup (/tra-cuu/), rating.
    path("", include("chinhquyen.web.portal.urls_dossiers")),
]
