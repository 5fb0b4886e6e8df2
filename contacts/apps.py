from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "contacts"

    def ready(self) -> None:
        # Keeps Contact.search_text in step with tag changes.
        from contacts import receivers  # noqa: F401
