from django.urls import path

from chinhquyen.accounts import views

app_name = "accounts"
urlpatterns = [
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", views.LogoutView.as_view(), name="logout"),
    path("quen-mat-khau/", views.password_reset, name="password_reset"),
    path(
        "dat-lai-mat-khau/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("xac-thuc-hai-lop/", views.otp_verify, name="otp_verify"),
    path("xac-thuc-hai-lop/cai-dat/", views.otp_setup, name="otp_setup"),
    path("ho-so/", views.profile, name="profile"),
]
