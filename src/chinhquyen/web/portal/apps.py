from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "chinhquyen.web.portal"
    label = "portal"
    verbose_name = "Cổng dịch vụ công"
