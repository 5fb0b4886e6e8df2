from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "interactions"

    def ready(self) -> None:
        # A deleted contact takes the interactions that were with them alone along; contacts, below this
        # app, announces the deletion and cannot call it.
        from accounts.signals import settings_changed
        from contacts.signals import contacts_deleting
        from interactions import actions, days

        contacts_deleting.connect(
            actions.interactions_delete_for_contacts, dispatch_uid="interactions_forget"
        )
        # A new time zone moves every interaction's local day: the counts per day are made again.
        settings_changed.connect(
            days.interaction_days_after_settings_changed, dispatch_uid="interactions_days_zone"
        )
