"""One-stop desk: walk-in intake, printing its forms, results to return, the tracking book."""

from django.urls import path

from chinhquyen.web.workspace import desk_views as views

urlpatterns = [
    path("mot-cua/tiep-nhan/", views.desk_new, name="desk_new"),
    path("mot-cua/tiep-nhan/thu-tuc/", views.desk_procedures, name="desk_procedures"),
    path("mot-cua/tiep-nhan/nguoi-nop/", views.desk_lookup, name="desk_lookup"),
    path("mot-cua/ho-so/<str:code>/", views.desk_done, name="desk_done"),
    path(
        "mot-cua/ho-so/<str:code>/mau-<str:form_code>.pdf",
        views.desk_form_pdf,
        name="desk_form_pdf",
    ),
    path("mot-cua/tra-ket-qua/", views.desk_returns, name="desk_returns"),
    path("so-theo-doi/", views.tracking_book, name="tracking_book"),
    path("so-theo-doi.xlsx", views.tracking_book_xlsx, name="tracking_book_xlsx"),
    path("so-theo-doi.pdf", views.tracking_book_pdf, name="tracking_book_pdf"),
]
