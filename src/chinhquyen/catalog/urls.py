from django.urls import path

from chinhquyen.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.procedure_list, name="list"),
    path("goi-y/", views.suggest, name="suggest"),
    path("co-quan/", views.by_agency, name="agencies"),
    path("su-kien/", views.life_events, name="life_events"),
    path("su-kien/<slug:slug>/", views.life_event_detail, name="life_event"),
    path("<str:code>/", views.procedure_detail, name="detail"),
    path("<str:code>/mau/<int:paper_id>/", views.form_template, name="form"),
]
