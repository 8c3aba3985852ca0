from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "chinhquyen.calendars"
    label = "calendars"
    verbose_name = "Lịch làm việc"
