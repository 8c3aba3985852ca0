"""Inboxes, the dossier page, its actions, files and forms, leaders' bulk decisions."""

from django.urls import path

from chinhquyen.web.workspace.dossiers import views

urlpatterns = [
    path("hop-viec/so-luong/", views.inbox_nav, name="inbox_nav"),
    path("hop-viec/<slug:box>/", views.inbox, name="inbox"),
    path("mo-ho-so/", views.open_code, name="open_code"),
    path("theo-doi-han/", views.watch, name="watch"),
    path("phe-duyet-nhieu/", views.bulk_decide, name="bulk_decide"),
    path("ho-so/<str:code>/", views.dossier_page, name="dossier"),
    path("ho-so/<str:code>/thao-tac/<str:action>/", views.dossier_action, name="dossier_action"),
    path("ho-so/<str:code>/giay-to/<int:paper_id>/", views.paper_file, name="dossier_paper"),
    path("ho-so/<str:code>/ket-qua/<int:result_id>/", views.result_file, name="dossier_result"),
    path("ho-so/<str:code>/mau/<str:form_code>.pdf", views.dossier_form, name="dossier_form"),
]
