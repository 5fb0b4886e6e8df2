from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"

    def ready(self) -> None:
        # Balance's counts per tag (interactions.TagDay) follow a tag's people, who change below this app.
        from django.db.models.signals import m2m_changed

        from contacts.models import Contact
        from contacts.signals import contacts_deleting
        from dashboards import tag_days

        m2m_changed.connect(tag_days.tag_days_after_tagging, sender=Contact.tags.through, dispatch_uid="tags")
        contacts_deleting.connect(tag_days.tag_days_before_deleting, dispatch_uid="dashboards_tag_days")
