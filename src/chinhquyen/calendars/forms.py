"""Forms of the calendar screen. They only parse input; the services validate and write."""

from __future__ import annotations

from django import forms

from chinhquyen.calendars.models import CalendarDay
from chinhquyen.organizations.models import Agency


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class OverrideForm(forms.Form):
    date = forms.DateField(label="Ngày", widget=DateInput(attrs={"class": "form-control"}))
    kind = forms.ChoiceField(
        label="Loại",
        choices=CalendarDay.Kind.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    name = forms.CharField(
        label="Tên ngày",
        max_length=200,
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": "Ngày nghỉ (thay cho ngày 09/01/2027)"}
        ),
    )
    legal_source = forms.CharField(
        label="Căn cứ pháp lý",
        max_length=500,
        required=False,
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "placeholder": "Số, ngày văn bản của Thủ tướng/Bộ Nội vụ",
            }
        ),
    )
    pair_date = forms.DateField(
        label="Ngày hoán đổi tương ứng",
        required=False,
        widget=DateInput(attrs={"class": "form-control"}),
        help_text="Với ngày nghỉ hoán đổi: thứ Bảy làm bù; với ngày làm bù: ngày được nghỉ.",
    )
    agency = forms.ModelChoiceField(
        label="Phạm vi",
        queryset=Agency.objects.filter(is_active=True).order_by("code"),
        required=False,
        empty_label="Toàn quốc (mọi cơ quan)",
        to_field_name="code",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
