from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label="Số điện thoại, thư điện tử hoặc tên đăng nhập",
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label="Mật khẩu",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": "Thông tin đăng nhập hoặc mật khẩu không đúng. Vui lòng thử lại.",
        "inactive": "Tài khoản này đã bị khóa. Vui lòng liên hệ quản trị hệ thống.",
    }


class PasswordResetRequestForm(forms.Form):
    identifier = forms.CharField(
        label="Số điện thoại hoặc thư điện tử đã đăng ký",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )


class NewPasswordForm(SetPasswordForm):
    error_messages = {"password_mismatch": "Hai mật khẩu không khớp nhau."}


class OTPForm(forms.Form):
    token = forms.CharField(
        label="Mã xác thực 6 chữ số",
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]{6}",
                "autofocus": True,
            }
        ),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError("Mã xác thực gồm 6 chữ số.")
        return token


class IdentityNumberForm(forms.Form):
    identity_number = forms.CharField(label="Số định danh cá nhân (CCCD, 12 chữ số)", max_length=20)
