"""Participations keep the contact's intention at the time (Participation.intention_then), so an event's
cohort can count the people whose intention changed since. Nothing recorded it before: existing rows take
the contact's current intention, which counts them as unchanged."""

from django.db import migrations, models

INTENTIONS = [("personal", "Personal"), ("professional", "Professional"), ("both", "Both")]

BACKFILL = """
    UPDATE interactions_participation
    SET intention_then = (
        SELECT intention FROM contacts_contact WHERE contacts_contact.id = interactions_participation.contact_id
    )
"""


def backfill(apps, schema_editor):
    schema_editor.execute(BACKFILL)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0011_card_identity_and_changes"),
        ("interactions", "0010_event_client_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="participation",
            name="intention_then",
            field=models.CharField(
                choices=INTENTIONS,
                editable=False,
                max_length=12,
                null=True,
                verbose_name="intention at the time",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="participation",
            name="intention_then",
            field=models.CharField(
                choices=INTENTIONS, editable=False, max_length=12, verbose_name="intention at the time"
            ),
        ),
    ]
