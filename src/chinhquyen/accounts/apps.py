from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "chinhquyen.accounts"
    label = "accounts"
    verbose_name = "Tài khoản"

    def ready(self) -> None:
        from chinhquyen.accounts import handlers, signals  # noqa: F401
