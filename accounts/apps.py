from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        # Logins are recorded when Django's auth says one happened (accounts.devices).
        from accounts import receivers

        receivers.connect()
