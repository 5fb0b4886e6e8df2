"""The folded copies of 0008 become what keeps tag names and a contact's email addresses unique, and what
duplicate warnings look an address up by; the database refuses an empty one."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0008_folded_columns"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.UniqueConstraint(
                fields=("owner", "name_folded"), name="tag_unique_folded_name_per_owner"
            ),
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.CheckConstraint(
                condition=~models.Q(name_folded=""), name="tag_name_folded_not_empty"
            ),
        ),
        migrations.AddConstraint(
            model_name="emailaddress",
            constraint=models.UniqueConstraint(
                fields=("contact", "address_folded"), name="email_unique_folded_per_contact"
            ),
        ),
        migrations.AddConstraint(
            model_name="emailaddress",
            constraint=models.CheckConstraint(
                condition=~models.Q(address_folded=""), name="email_address_folded_not_empty"
            ),
        ),
        migrations.AddIndex(
            model_name="emailaddress",
            index=models.Index(fields=["owner", "address_folded"], name="email_owner_address_folded"),
        ),
    ]
