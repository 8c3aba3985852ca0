"""My dossiers (/ho-so-cua-toi/…), the public lookup (/tra-cuu/) and the rating."""

from django.urls import path

from chinhquyen.web.portal import dossiers

urlpatterns = [
    path("ho-so-cua-toi/", dossiers.my_dossiers, name="my_dossiers"),
    path("ho-so-cua-toi/<str:code>/", dossiers.my_dossier, name="my_dossier"),
    path(
        "ho-so-cua-toi/<str:code>/giay-tiep-nhan.pdf",
        dossiers.my_dossier_receipt,
        name="my_dossier_receipt",
    ),
    path(
        "ho-so-cua-toi/<str:code>/ket-qua/<int:result_id>/",
        dossiers.my_dossier_result,
        name="my_dossier_result",
    ),
    path("ho-so-cua-toi/<str:code>/bo-sung/", dossiers.my_dossier_upload, name="my_dossier_upload"),
    path(
        "ho-so-cua-toi/<str:code>/bo-sung/gui/",
        dossiers.my_dossier_supplement_done,
        name="my_dossier_supplement_done",
    ),
    path(
        "ho-so-cua-toi/<str:code>/rut-ho-so/",
        dossiers.my_dossier_withdraw,
        name="my_dossier_withdraw",
    ),
    path("ho-so-cua-toi/<str:code>/danh-gia/", dossiers.my_dossier_rate, name="my_dossier_rate"),
    path("tra-cuu/", dossiers.lookup, name="lookup"),
]
