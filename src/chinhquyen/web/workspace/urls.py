from django.urls import include, path

from chinhquyen.web.workspace import views

app_name = "workspace"
urlpatterns = [
    path("", views.home, name="home"),
    path("co-quan/", views.agencies, name="agencies"),
    path("nhat-ky/", views.audit_log, name="audit_log"),
    # Inboxes, the dossier page, actions, leaders' bulk approval.
    path("", include("chinhquyen.web.workspace.urls_dossiers")),
    # Desk intake, tracking book (Mẫu 06), appointments to return.
    path("", include("chinhquyen.web.workspace.urls_desk")),
    # Catalog operators: edit procedures, papers, internal processes.
    path("", include("chinhquyen.web.workspace.urls_catalog")),
]
