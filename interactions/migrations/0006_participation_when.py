"""Participations carry their interaction's time and purpose (see Participation), with an index to read who
was seen in a period from: existing rows take theirs from their interactions."""

from django.db import migrations, models

# UPDATE ... FROM on PostgreSQL; SQLite has it only since 3.33, so there a subquery per column.
BACKFILL = {
    "postgresql": """
        UPDATE interactions_participation
        SET occurred_at = interactions_interaction.occurred_at, purpose = interactions_interaction.purpose
        FROM interactions_interaction
        WHERE interactions_interaction.id = interactions_participation.interaction_id
    """,
    "sqlite": """
        UPDATE interactions_participation
        SET occurred_at = (
                SELECT occurred_at FROM interactions_interaction
                WHERE interactions_interaction.id = interactions_participation.interaction_id
            ),
            purpose = (
                SELECT purpose FROM interactions_interaction
                WHERE interactions_interaction.id = interactions_participation.interaction_id
            )
    """,
}


def backfill(apps, schema_editor):
    schema_editor.execute(BACKFILL[schema_editor.connection.vendor])


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0005_timeline_summary"),
        ("interactions", "0005_met_at_event_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="participation",
            name="occurred_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="participation",
            name="purpose",
            field=models.CharField(
                choices=[("personal", "Personal"), ("professional", "Professional")],
                editable=False,
                max_length=12,
                null=True,
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="participation",
            name="occurred_at",
            field=models.DateTimeField(editable=False),
        ),
        migrations.AlterField(
            model_name="participation",
            name="purpose",
            field=models.CharField(
                choices=[("personal", "Personal"), ("professional", "Professional")],
                editable=False,
                max_length=12,
            ),
        ),
        migrations.AddIndex(
            model_name="participation",
            index=models.Index(
                fields=["owner", "occurred_at"],
                include=("contact", "interaction", "purpose"),
                name="participation_owner_when",
            ),
        ),
    ]
