"""Confirmed email addresses (accounts.confirmations), recent logins (accounts.devices) and the per-user secret
"log out everywhere" renews.

Every address already stored (the account's email, a reminder address) gets its row in a 14-day grace
period, in which digests keep going to it, and a confirmation email due now. The migration sends nothing
itself: the beat tick (accounts.tasks.send_due_confirmations) sends the emails, claiming each row first, so
each goes once.
"""

import datetime as dt

import accounts.models
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

# The grace period, written here rather than imported: a migration must do tomorrow what it does today.
GRACE = dt.timedelta(days=14)
BATCH = 1000


def addresses_in_grace(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    AddressConfirmation = apps.get_model("accounts", "AddressConfirmation")
    now = timezone.now()
    rows = []
    for user_id, email, reminder_email in User.objects.values_list(
        "pk", "email", "reminder_email"
    ).iterator():
        for address in dict.fromkeys(a.strip().casefold() for a in (email, reminder_email) if a.strip()):
            rows.append(
                AddressConfirmation(owner_id=user_id, address=address, grace_until=now + GRACE, send_at=now)
            )
        if len(rows) >= BATCH:
            AddressConfirmation.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    AddressConfirmation.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_rate_counter"),
    ]

    operations = [
        migrations.AlterModelManagers(
            name="user",
            managers=[
                ("objects", accounts.models.KithUserManager()),
            ],
        ),
        migrations.AddField(
            model_name="user",
            name="session_secret",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.CreateModel(
            name="AddressConfirmation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("address", models.CharField(max_length=254)),
                ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                ("grace_until", models.DateTimeField(blank=True, null=True)),
                ("send_at", models.DateTimeField(blank=True, null=True)),
                ("send_attempts", models.PositiveSmallIntegerField(default=0)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="address_confirmations",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("send_at__isnull", False)),
                        fields=["send_at"],
                        name="addressconfirmation_send",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("owner", "address"), name="addressconfirmation_unique")
                ],
            },
        ),
        migrations.CreateModel(
            name="LoginRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField()),
                ("device_id", models.CharField(max_length=32)),
                ("user_agent", models.CharField(blank=True, max_length=300)),
                ("network", models.CharField(blank=True, max_length=64)),
                ("new_device", models.BooleanField(default=False)),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="logins",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["owner", "-at"], name="loginrecord_owner_at")],
            },
        ),
        migrations.RunPython(addresses_in_grace, migrations.RunPython.noop),
    ]
