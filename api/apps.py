from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from accounts.signals import sessions_ended
        from api.receivers import tokens_revoke_all

        sessions_ended.connect(tokens_revoke_all, dispatch_uid="api_tokens_revoke_all")
