from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "chinhquyen.api"
    label = "api"
    verbose_name = "API"
