# The Balance view counts interactions per tag of the people taking part from a small summary (TagDay,
# interactions.days) instead of every participation of the year. It is filled here for what is already stored:
# one grouped statement per user with tagged people in an interaction, each counted by day in that user's time
# zone, an interaction once per tag however many of its people carry it.

import zoneinfo

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import TruncDate


def fill(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Participation = apps.get_model("interactions", "Participation")
    TagDay = apps.get_model("interactions", "TagDay")
    owners = Participation.objects.values("owner_id").distinct()
    for user_id, time_zone in User.objects.filter(pk__in=owners).values_list("pk", "time_zone"):
        counted = (
            Participation.objects.filter(owner_id=user_id, contact__tags__isnull=False)
            .annotate(local_day=TruncDate("occurred_at", tzinfo=zoneinfo.ZoneInfo(time_zone)))
            .values_list("contact__tags", "local_day", "purpose")
            .annotate(n=Count("interaction_id", distinct=True))
            .order_by()
        )
        TagDay.objects.bulk_create(
            [TagDay(owner_id=user_id, tag_id=t, day=d, purpose=p, count=n) for t, d, p, n in counted],
            batch_size=1000,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0011_card_identity_and_changes"),
        ("interactions", "0012_interaction_days"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="TagDay",
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
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "tag",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="contacts.tag"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("owner", "day", "tag", "purpose"), name="tag_day_once"),
                    models.CheckConstraint(
                        condition=models.Q(("purpose__in", ["personal", "professional"])),
                        name="tag_day_purpose_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("count__gt", 0)), name="tag_day_count_positive"
                    ),
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
