"""Rate limits count in database rows (accounts.ratelimit), one row per key and window."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_date_style"),
    ]

    operations = [
        migrations.CreateModel(
            name="RateCounter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("scope", models.CharField(max_length=32)),
                ("key_hash", models.CharField(max_length=64)),
                ("window_start", models.DateTimeField()),
                ("count", models.PositiveIntegerField(default=0)),
            ],
            options={
                "indexes": [models.Index(fields=["window_start"], name="ratecounter_window_start")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("scope", "key_hash", "window_start"), name="ratecounter_unique"
                    )
                ],
            },
        ),
    ]
