# The dashboards count interactions per local day and purpose from a small summary (InteractionDay,
# interactions.days) instead of every interaction. It is filled here for the interactions already stored, one
# grouped statement per user with interactions, each counted by day in that user's time zone.

import zoneinfo

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import TruncDate


def fill(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Interaction = apps.get_model("interactions", "Interaction")
    InteractionDay = apps.get_model("interactions", "InteractionDay")
    owners = Interaction.objects.values("owner_id").distinct()
    for user_id, time_zone in User.objects.filter(pk__in=owners).values_list("pk", "time_zone"):
        counted = (
            Interaction.objects.filter(owner_id=user_id)
            .annotate(local_day=TruncDate("occurred_at", tzinfo=zoneinfo.ZoneInfo(time_zone)))
            .values_list("local_day", "purpose")
            .annotate(n=Count("*"))
            .order_by()
        )
        InteractionDay.objects.bulk_create(
            [InteractionDay(owner_id=user_id, day=d, purpose=p, count=n) for d, p, n in counted],
            batch_size=1000,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("interactions", "0011_participation_intention_then"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="InteractionDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                (
                    "purpose",
                    models.CharField(
                        choices=[("personal", "Personal"), ("professional", "Professional")], max_length=12
                    ),
                ),
                ("count", models.PositiveIntegerField()),
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
                "constraints": [
                    models.UniqueConstraint(fields=("owner", "day", "purpose"), name="interaction_day_once"),
                    models.CheckConstraint(
                        condition=models.Q(("purpose__in", ["personal", "professional"])),
                        name="interaction_day_purpose_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("count__gt", 0)), name="interaction_day_count_positive"
                    ),
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
