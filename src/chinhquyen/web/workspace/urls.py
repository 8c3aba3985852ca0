from django.urls import path

from chinhquyen.web.workspace import views

app_name = "workspace"
urlpatterns = [
    path("", views.home, name="home"),
    path("co-quan/", views.agencies, name="agencies"),
    path("nhat-ky/", views.audit_log, name="audit_log"),
]
