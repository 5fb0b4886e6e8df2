# Interactions and events stored before every date had bounds (a backup restored with an interaction at
# 0001-01-01, say) are brought to the nearest end of Kith's years, as accounts.dates would place them, so
# that no page has to show year 1 or 9999. The bounds are written out: a migration keeps the values of its
# day. Contacts' timeline summaries repeat their interactions' times, so they move the same way.

import datetime as dt

from django.db import migrations

EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)
SUMMARY = [
    "last_interaction_at",
    "last_personal_at",
    "last_professional_at",
    "previous_personal_at",
    "previous_professional_at",
]


def _clamp(model, names, earliest, latest):
    for name in names:
        model.objects.filter(**{f"{name}__lt": earliest}).update(**{name: earliest})
        model.objects.filter(**{f"{name}__gt": latest}).update(**{name: latest})


def clamp(apps, schema_editor):
    _clamp(apps.get_model("interactions", "Interaction"), ["occurred_at"], EARLIEST, LATEST)
    _clamp(apps.get_model("interactions", "Participation"), ["occurred_at"], EARLIEST, LATEST)
    _clamp(apps.get_model("interactions", "Event"), ["start_date", "end_date"], EARLIEST_DATE, LATEST_DATE)
    _clamp(apps.get_model("contacts", "Contact"), SUMMARY, EARLIEST, LATEST)


class Migration(migrations.Migration):
    dependencies = [
        ("interactions", "0008_interaction_row_key"),
        ("contacts", "0009_folded_constraints"),
    ]

    operations = [migrations.RunPython(clamp, migrations.RunPython.noop)]
