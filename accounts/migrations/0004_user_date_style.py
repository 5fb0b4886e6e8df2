"""The date format: how days are printed on pages and in emails. Existing users keep "1 Dec 2026"."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_phone_region"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="date_style",
            field=models.CharField(
                choices=[
                    ("dmy", "1 Dec 2026"),
                    ("mdy", "Dec 1, 2026"),
                    ("iso", "2026-12-01"),
                    ("dmy_numeric", "01/12/2026"),
                    ("mdy_numeric", "12/01/2026"),
                ],
                default="dmy",
                max_length=16,
                verbose_name="date format",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("date_style__in", ["dmy", "mdy", "iso", "dmy_numeric", "mdy_numeric"])),
                name="user_date_style_valid",
            ),
        ),
    ]
