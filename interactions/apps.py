from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "interactions"

    def ready(self) -> None:
        # A deleted contact takes the interactions that were with them alone along; contacts, below this
        # app, announces the deletion and cannot call it.
        from contacts.signals import contacts_deleting
        from interactions import actions

        contacts_deleting.connect(
            actions.interactions_delete_for_contacts, dispatch_uid="interactions_forget"
        )
