"""The calendar screen of the workspace (included at /can-bo/lich/)."""

from django.urls import path

from chinhquyen.calendars import views

app_name = "calendars"
urlpatterns = [
    path("", views.year_view, name="year"),
]
