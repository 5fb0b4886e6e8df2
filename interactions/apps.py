from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "interactions"

    def ready(self) -> None:
        # The follow-up planner listens to the apps below it, which cannot import it: a contact's intention,
        # cadence, pause or archive changed, or the user's time zone or cadence defaults did.
        from accounts.signals import settings_changed
        from contacts.signals import contacts_changed, contacts_deleting
        from interactions import actions, followups

        contacts_changed.connect(
            followups.replan_after_contacts_changed, dispatch_uid="followups_replan_contacts"
        )
        settings_changed.connect(
            followups.replan_after_settings_changed, dispatch_uid="followups_replan_settings"
        )
        # A deleted contact takes the interactions that were with them alone along.
        contacts_deleting.connect(
            actions.interactions_delete_for_contacts, dispatch_uid="interactions_forget"
        )
