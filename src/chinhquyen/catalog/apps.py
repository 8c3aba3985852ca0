from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "chinhquyen.catalog"
    label = "catalog"
    verbose_name = "Thủ tục hành chính"
