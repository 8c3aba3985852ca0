"""The workspace screen: a year of the working calendar at a glance, and overrides for administrators."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from chinhquyen.calendars import selectors, services
from chinhquyen.calendars.exceptions import CalendarError
from chinhquyen.calendars.forms import OverrideForm
from chinhquyen.calendars.models import CalendarDay
from chinhquyen.calendars.permissions import can_edit_calendar, can_view_calendar
from chinhquyen.organizations.models import Agency

WEEKDAY_HEADERS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")


def _year(value: str | None, default: int) -> int:
    try:
        year = int(value or default)
    except ValueError:
        return default
    return year if 1900 <= year <= 2200 else default


def _back(year: int, agency_code: str) -> str:
    query = {"year": year}
    if agency_code:
        query["agency"] = agency_code
    return f"{reverse('calendars:year')}?{urlencode(query)}"


@login_required
def year_view(request: HttpRequest) -> HttpResponse:
    if not can_view_calendar(request.user):
        raise PermissionDenied("Trang này dành cho cán bộ, công chức.")
    can_edit = can_edit_calendar(request.user)
    today = timezone.localdate()
    source = request.POST if request.method == "POST" else request.GET
    year = _year(source.get("year"), today.year)
    agency_code = (source.get("agency") or "").strip()
    agency = None
    if agency_code:
        try:
            agency = selectors.resolve_agency(agency_code)
        except CalendarError as exc:
            messages.error(request, exc.message)
            agency_code = ""

    form = OverrideForm(initial={"agency": agency})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Chỉ quản trị hệ thống cấp tỉnh được sửa lịch làm việc.")
        action = request.POST.get("action")
        if action == "remove":
            day = CalendarDay.objects.filter(pk=request.POST.get("day_id") or 0).first()
            if day is None:
                messages.error(request, "Không tìm thấy ngày cần bỏ.")
            else:
                services.delete_override(actor=request.user, day=day)
                messages.success(request, f"Đã bỏ ngày {day.date:%d/%m/%Y} ({day.name}) khỏi lịch.")
            return redirect(_back(year, agency_code))
        form = OverrideForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                day = services.save_override(
                    actor=request.user,
                    date=data["date"],
                    kind=data["kind"],
                    name=data["name"],
                    legal_source=data["legal_source"],
                    agency=data["agency"],
                    pair_date=data["pair_date"],
                )
            except ValidationError as exc:
                for field, errors in (
                    exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
                ).items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, f"Đã lưu ngày {day.date:%d/%m/%Y}: {day.name}.")
                return redirect(
                    _back(day.date.year, day.agency.code if day.agency_id else agency_code)
                )

    seeded = selectors.seeded_years()
    rows = selectors.days_for_year(year, agency)
    return render(
        request,
        "calendars/year.html",
        {
            "year": year,
            "previous_year": year - 1,
            "next_year": year + 1,
            "agency": agency,
            "agency_code": agency.code if agency else "",
            "agencies": Agency.objects.filter(is_active=True).order_by("code"),
            "months": selectors.year_grid(year, agency, today=today),
            "weekday_headers": WEEKDAY_HEADERS,
            "rows": rows,
            "removed": selectors.removed_national_days(year) if can_edit else [],
            "office_hours": selectors.office_hours_summary(agency),
            "seeded": year in seeded,
            "seeded_years": seeded,
            "can_edit": can_edit,
            "form": form,
        },
    )
