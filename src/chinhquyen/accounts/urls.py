from django.urls import path

from chinhquyen.accounts import oidc, views

app_name = "accounts"
urlpatterns = [
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", views.LogoutView.as_view(), name="logout"),
    path("dang-ky/", views.register, name="register"),
    path("dang-ky/xac-minh/", views.register_verify, name="register_verify"),
    path("dang-ky/gui-lai-ma/", views.register_resend, name="register_resend"),
    path("dinh-danh/", oidc.start, name="sso_start"),
    path("dinh-danh/callback/", oidc.callback, name="sso_callback"),
    path("quen-mat-khau/", views.password_reset, name="password_reset"),
    path(
        "dat-lai-mat-khau/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("xac-thuc-hai-lop/", views.otp_verify, name="otp_verify"),
    path("xac-thuc-hai-lop/cai-dat/", views.otp_setup, name="otp_setup"),
    path("ho-so/", views.profile, name="profile"),
    path("ho-so/xac-minh-lien-he/", views.contact_verify, name="contact_verify"),
    path("ho-so/xac-minh-lien-he/gui-lai-ma/", views.contact_resend, name="contact_resend"),
    path("ho-so/nguoi-duoc-nop-thay/", views.representations, name="representations"),
    path(
        "ho-so/nguoi-duoc-nop-thay/them/",
        views.representation_edit,
        name="representation_add",
    ),
    path(
        "ho-so/nguoi-duoc-nop-thay/<int:pk>/sua/",
        views.representation_edit,
        name="representation_edit",
    ),
    path(
        "ho-so/nguoi-duoc-nop-thay/<int:pk>/xoa/",
        views.representation_delete,
        name="representation_delete",
    ),
]
