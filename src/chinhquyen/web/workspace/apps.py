from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "chinhquyen.web.workspace"
    label = "workspace"
    verbose_name = "Không gian làm việc"
