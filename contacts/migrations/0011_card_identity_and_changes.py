import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import contacts.models


def uids_fill(apps, schema_editor):
    """Give every contact a UID and a card name (`<uid>.vcf`); new rows get theirs from the fields."""
    Contact = apps.get_model("contacts", "Contact")
    batch = []
    for contact in Contact.objects.filter(uid="").only("pk").iterator(chunk_size=1000):
        contact.uid = str(uuid.uuid4())
        contact.card_name = f"{contact.uid}.vcf"
        batch.append(contact)
        if len(batch) >= 1000:
            Contact.objects.bulk_update(batch, ["uid", "card_name"])
            batch = []
    Contact.objects.bulk_update(batch, ["uid", "card_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0010_my_card"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="uid",
            field=contacts.models.CardUidField(default="", max_length=255),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="contact",
            name="card_name",
            field=contacts.models.CardNameField(default="", max_length=255),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="contact",
            name="new_from_phone",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(uids_fill, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.UniqueConstraint(fields=("owner", "uid"), name="contact_unique_uid_per_owner"),
        ),
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.UniqueConstraint(
                fields=("owner", "card_name"), name="contact_unique_card_name_per_owner"
            ),
        ),
        migrations.CreateModel(
            name="CardChange",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=255)),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["owner", "id"], name="cardchange_owner_id"),
                    models.Index(fields=["owner", "name"], name="cardchange_owner_name"),
                ],
            },
        ),
    ]
