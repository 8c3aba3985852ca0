from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "chinhquyen.notifications"
    verbose_name = "Thông báo"
