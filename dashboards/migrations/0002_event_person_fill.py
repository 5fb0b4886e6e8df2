"""Fill EventPerson for the people already met at events. The rules are frozen here as they stand at this
migration (dashboards.event_people keeps the rows from now on)."""

from django.db import migrations

_BATCH = 500


def fill(apps, schema_editor):
    Participation = apps.get_model("interactions", "Participation")
    Contact = apps.get_model("contacts", "Contact")
    EventPerson = apps.get_model("dashboards", "EventPerson")
    first_met = {}
    meetings = Participation.objects.filter(interaction__kind="met", interaction__event__isnull=False)
    for contact_id, event_id, purpose, occurred_at in meetings.values_list(
        "contact_id", "interaction__event_id", "purpose", "occurred_at"
    ).iterator():
        key = (event_id, purpose)
        met = first_met.setdefault(contact_id, {})
        if key not in met or occurred_at < met[key]:
            met[key] = occurred_at
    ids = sorted(first_met)
    rows = []
    for start in range(0, len(ids), _BATCH):
        for contact in Contact.objects.filter(pk__in=ids[start : start + _BATCH]):
            for (event_id, purpose), met_at in sorted(first_met[contact.pk].items()):
                last = getattr(contact, f"last_{purpose}_at")
                previous = getattr(contact, f"previous_{purpose}_at")
                rows.append(
                    EventPerson(
                        owner_id=contact.owner_id,
                        event_id=event_id,
                        contact_id=contact.pk,
                        purpose=purpose,
                        first_met_at=met_at,
                        followed_up=last is not None and last > met_at,
                        lasting=previous is not None and previous > met_at,
                        lapsed_on=getattr(contact, f"{purpose}_clock_lapsed_on"),
                        active=contact.archived_at is None,
                    )
                )
    EventPerson.objects.bulk_create(rows, batch_size=_BATCH)


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0001_event_person")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
