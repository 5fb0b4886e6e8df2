"""When a user asked for their account to be deleted (accounts.deletion): the worker deletes marked accounts,
and the beat sweep finds those a lost task left through the partial index."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_address_confirmation"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="deletion_requested_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="user",
            index=models.Index(
                condition=models.Q(("deletion_requested_at__isnull", False)),
                fields=["deletion_requested_at"],
                name="user_deletion_requested",
            ),
        ),
    ]
