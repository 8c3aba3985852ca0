from django.urls import path

from chinhquyen.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.procedure_list, name="list"),
    path("goi-y/", views.suggest, name="suggest"),
    path("<str:code>/", views.procedure_detail, name="detail"),
    path("<str:code>/mau/<int:paper_id>/", views.form_template, name="form"),
]
