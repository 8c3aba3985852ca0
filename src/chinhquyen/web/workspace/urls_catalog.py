from django.urls import path

from chinhquyen.web.workspace import catalog_views as views

urlpatterns = [
    path("danh-muc/thu-tuc/", views.procedure_list, name="catalog_list"),
    path("danh-muc/su-kien/", views.life_events, name="catalog_life_events"),
    path("danh-muc/su-kien/<slug:slug>/", views.life_event_edit, name="catalog_life_event"),
    path("danh-muc/thu-tuc/<str:code>/", views.procedure_edit, name="catalog_edit"),
    path("danh-muc/thu-tuc/<str:code>/thanh-phan/", views.procedure_papers, name="catalog_papers"),
    path(
        "danh-muc/thu-tuc/<str:code>/thanh-phan/<int:paper_id>/mau/",
        views.paper_form_file,
        name="catalog_paper_file",
    ),
    path("danh-muc/thu-tuc/<str:code>/quy-trinh/", views.procedure_process, name="catalog_process"),
]
