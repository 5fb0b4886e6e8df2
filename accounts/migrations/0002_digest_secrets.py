"""The per-user secrets of the digest's one-click unsubscribe and the calendar feed, and `next_digest_at`.

A callable default is evaluated once for a new column, so existing users would share one secret: the fields
are added without uniqueness, every existing user gets their own secrets, then the calendar token becomes
unique.
"""

import accounts.models
from django.db import migrations, models


def give_each_user_own_secrets(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.only("pk").iterator():
        User.objects.filter(pk=user.pk).update(
            unsubscribe_secret=accounts.models.new_secret(), calendar_token=accounts.models.new_secret()
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="unsubscribe_secret",
            field=models.CharField(default=accounts.models.new_secret, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="user",
            name="calendar_token",
            field=models.CharField(default=accounts.models.new_secret, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="user",
            name="next_digest_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(give_each_user_own_secrets, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="user",
            name="calendar_token",
            field=models.CharField(
                default=accounts.models.new_secret, editable=False, max_length=64, unique=True
            ),
        ),
        migrations.AddIndex(
            model_name="user",
            index=models.Index(
                condition=models.Q(("digest_frequency", "off"), _negated=True),
                fields=["next_digest_at"],
                name="user_next_digest",
            ),
        ),
    ]
