from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "chinhquyen.notifications"
    label = "notifications"
    verbose_name = "Thông báo"

    def ready(self) -> None:
        from chinhquyen.notifications import handlers  # noqa: F401
