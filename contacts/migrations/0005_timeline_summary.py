"""The timeline summary grows: the one-before-last interaction of each purpose and the purposes of the
latest five, so the dashboards decide lasting relationships and drift without reading timelines. Existing
contacts get theirs from their interactions here (interactions.actions.contacts_refresh_last_seen keeps them
in step from now on)."""

from django.db import migrations, models

WINDOW = 5


def backfill(apps, schema_editor):
    Contact = apps.get_model("contacts", "Contact")
    Participation = apps.get_model("interactions", "Participation")
    rows = (
        Participation.objects.order_by("contact_id", "-interaction__occurred_at", "-interaction_id")
        .values_list("contact_id", "interaction__occurred_at", "interaction__purpose")
        .iterator(chunk_size=5000)
    )
    summaries = {}
    for contact_id, when, purpose in rows:
        summary = summaries.setdefault(contact_id, {"recent": [], "personal": [], "professional": []})
        if len(summary["recent"]) < WINDOW:
            summary["recent"].append(purpose)
        if len(summary[purpose]) < 2:
            summary[purpose].append(when)
    contacts = []
    for contact_id, summary in summaries.items():
        contact = Contact(pk=contact_id, recent_purposes=",".join(summary["recent"]))
        contact.previous_personal_at = summary["personal"][1] if len(summary["personal"]) > 1 else None
        contact.previous_professional_at = (
            summary["professional"][1] if len(summary["professional"]) > 1 else None
        )
        contacts.append(contact)
    Contact.objects.bulk_update(
        contacts, ["recent_purposes", "previous_personal_at", "previous_professional_at"], batch_size=1000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0004_contact_search_text"),
        ("interactions", "0005_met_at_event_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="previous_personal_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="contact",
            name="previous_professional_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="contact",
            name="recent_purposes",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
