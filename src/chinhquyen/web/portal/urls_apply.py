"""Nộp hồ sơ trực tuyến (nop-truc-tuyen/…): drafts, the four steps, uploads, submission."""

from django.urls import path

from chinhquyen.web.portal import apply

urlpatterns = [
    path("nop-truc-tuyen/", apply.draft_list, name="apply_drafts"),
    path("nop-truc-tuyen/thu-tuc/<str:code>/", apply.start, name="apply_start"),
    path("nop-truc-tuyen/<uuid:draft_id>/nguoi-nop/", apply.applicant, name="apply_applicant"),
    path("nop-truc-tuyen/<uuid:draft_id>/noi-dung/", apply.details, name="apply_details"),
    path("nop-truc-tuyen/<uuid:draft_id>/giay-to/", apply.papers, name="apply_papers"),
    path(
        "nop-truc-tuyen/<uuid:draft_id>/giay-to/<int:paper_id>/tai-len/",
        apply.upload,
        name="apply_upload",
    ),
    path(
        "nop-truc-tuyen/<uuid:draft_id>/tep/<int:file_id>/bo/",
        apply.remove_file,
        name="apply_remove_file",
    ),
    path("nop-truc-tuyen/<uuid:draft_id>/xem-lai/", apply.review, name="apply_review"),
    path("nop-truc-tuyen/<uuid:draft_id>/nop/", apply.submit, name="apply_submit"),
    path("nop-truc-tuyen/<uuid:draft_id>/da-nop/", apply.done, name="apply_done"),
    path("nop-truc-tuyen/<uuid:draft_id>/xoa/", apply.delete, name="apply_delete"),
]
