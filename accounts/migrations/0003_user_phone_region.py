"""The phone region: the country of phone numbers written without a country code, empty until chosen."""

import accounts.regions
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_digest_secrets"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="phone_region",
            field=models.CharField(
                blank=True,
                help_text="ISO 3166 country code (GB, US) of phone numbers written without a country code.",
                max_length=2,
                validators=[accounts.regions.validate_phone_region],
            ),
        ),
    ]
