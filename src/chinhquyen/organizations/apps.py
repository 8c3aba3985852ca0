from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "chinhquyen.organizations"
    label = "organizations"
    verbose_name = "Tổ chức, đơn vị hành chính"
