from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"

    def ready(self) -> None:
        # Balance's counts per tag (interactions.TagDay) follow a tag's people, who change below this app.
        from django.db.models.signals import m2m_changed, post_save

        from contacts.models import Contact
        from contacts.signals import clocks_written, contacts_deleting
        from dashboards import event_people, tag_days

        m2m_changed.connect(tag_days.tag_days_after_tagging, sender=Contact.tags.through, dispatch_uid="tags")
        contacts_deleting.connect(tag_days.tag_days_before_deleting, dispatch_uid="dashboards_tag_days")
        # The people met at events (EventPerson) follow their meetings, timeline summaries and clocks.
        clocks_written.connect(event_people.event_people_after_clocks, dispatch_uid="dashboards_event_people")
        post_save.connect(event_people.event_people_after_save, sender=Contact, dispatch_uid="event_people")
