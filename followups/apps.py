from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "followups"

    def ready(self) -> None:
        # The engine listens to the apps below it, which cannot import it.
        from followups import receivers

        receivers.connect()
