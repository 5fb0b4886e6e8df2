# The FollowUp and Digest models moved to the followups app. Only Django's idea of them moves: their tables
# stay as they are (followups.models names them) and no row is touched. followups' first migration takes them
# over; it runs after this one.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("interactions", "0006_participation_when"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="FollowUp"),
                migrations.DeleteModel(name="Digest"),
            ],
            database_operations=[],
        ),
    ]
