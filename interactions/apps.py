from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "interactions"

    def ready(self) -> None:
        # A deleted contact takes the interactions that were with them alone along; contacts, below this
        # app, announces the deletion and cannot call it.
        from django.db.models.signals import m2m_changed

        from accounts.signals import settings_changed
        from contacts.models import Contact
        from contacts.signals import contacts_deleting
        from interactions import actions, days, tag_days

        contacts_deleting.connect(
            actions.interactions_delete_for_contacts, dispatch_uid="interactions_forget"
        )
        # A new time zone moves every interaction's local day: the counts per day are made again.
        settings_changed.connect(
            days.interaction_days_after_settings_changed, dispatch_uid="interactions_days_zone"
        )
        # A tag's people changed: its counts per day (TagDay) are made again on their days.
        m2m_changed.connect(tag_days.tag_days_after_tagging, sender=Contact.tags.through, dispatch_uid="tags")
