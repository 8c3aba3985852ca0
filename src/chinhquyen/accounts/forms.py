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


class RegisterForm(forms.Form):
    full_name = forms.CharField(
        label="Họ và tên",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name", "autofocus": True}),
    )
    contact = forms.CharField(
        label="Số điện thoại hoặc thư điện tử",
        help_text="Chúng tôi gửi mã xác minh gồm 6 chữ số tới số hoặc địa chỉ này.",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(
        label="Mật khẩu",
        help_text="Ít nhất 10 ký tự, không quá đơn giản, không chỉ gồm chữ số.",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Nhập lại mật khẩu",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(
        label=(
            "Tôi đồng ý để Cổng dịch vụ công dùng thông tin trên để tạo tài khoản, "
            "gửi mã xác minh và thông báo về hồ sơ của tôi."
        ),
        error_messages={"required": "Vui lòng đánh dấu đồng ý để tạo tài khoản."},
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("password1") and data.get("password2") != data.get("password1"):
            self.add_error("password2", "Hai mật khẩu không khớp nhau.")
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Mã xác minh 6 chữ số",
        min_length=6,
        max_length=6,
        error_messages={
            "required": "Vui lòng nhập mã xác minh.",
            "min_length": "Mã xác minh gồm 6 chữ số.",
            "max_length": "Mã xác minh gồm 6 chữ số.",
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]{6}",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError("Mã xác minh gồm 6 chữ số.")
        return code


class NameForm(forms.Form):
    full_name = forms.CharField(
        label="Họ và tên", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )


class ContactForm(forms.Form):
    contact = forms.CharField(
        label="Số điện thoại hoặc thư điện tử mới",
        help_text="Chúng tôi gửi mã xác minh tới số hoặc địa chỉ mới; thông tin chỉ đổi khi bạn nhập đúng mã.",
        max_length=254,
    )


class RepresentationForm(forms.Form):
    kind = forms.ChoiceField(
        label="Là",
        choices=[("person", "Cá nhân"), ("organisation", "Tổ chức, doanh nghiệp")],
        widget=forms.RadioSelect,
        initial="person",
    )
    name = forms.CharField(label="Họ tên hoặc tên tổ chức", max_length=255)
    identity_number = forms.CharField(
        label="Số định danh cá nhân (CCCD, 12 chữ số)",
        help_text="Với cá nhân.",
        max_length=20,
        required=False,
    )
    tax_code = forms.CharField(
        label="Mã số thuế/mã số doanh nghiệp",
        help_text="Với tổ chức, doanh nghiệp.",
        max_length=20,
        required=False,
    )
    relation = forms.CharField(
        label="Quan hệ hoặc giấy ủy quyền",
        help_text="Ví dụ: “Mẹ tôi”, “Giấy ủy quyền số 12/UQ ngày 02/3/2026”.",
        max_length=500,
        required=False,
    )
    phone = forms.CharField(label="Số điện thoại", max_length=20, required=False)
    email = forms.CharField(label="Thư điện tử", max_length=254, required=False)
    address = forms.CharField(label="Địa chỉ", max_length=500, required=False)
