from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "chinhquyen.events"
    label = "events"
    verbose_name = "Sự kiện (outbox)"
