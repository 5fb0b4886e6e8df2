# FollowUp and Digest, moved here from the interactions app (its 0007 let go of them). Their tables exist
# already and keep their names, so this takes over Django's idea of the models and creates nothing; on a new
# database, interactions' 0003 made the tables. The content types move too, so admin history and any
# permissions granted on them follow.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    # Types made for the new label before this ran (none, unless migrations ran out of order) give way.
    old = ContentType.objects.filter(app_label="interactions", model__in=["followup", "digest"])
    ContentType.objects.filter(app_label="followups", model__in=old.values("model")).delete()
    old.update(app_label="followups")


def content_types_go_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="followups", model__in=["followup", "digest"]).update(
        app_label="interactions"
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contacts", "0005_timeline_summary"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("interactions", "0007_followups_move_out"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Digest",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "local_date",
                            models.DateField(
                                help_text="The date in the user's time zone this digest is for."
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("claimed", "Being sent"),
                                    ("sent", "Sent"),
                                    ("failed", "Failed"),
                                    ("skipped", "Nothing to send"),
                                ],
                                default="pending",
                                max_length=8,
                            ),
                        ),
                        (
                            "available_at",
                            models.DateTimeField(help_text="When the tick may queue it (again)."),
                        ),
                        (
                            "claimed_until",
                            models.DateTimeField(
                                blank=True,
                                help_text="The lease of the worker sending it; after it, another may take over.",
                                null=True,
                            ),
                        ),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("last_error", models.TextField(blank=True)),
                        ("message_id", models.CharField(blank=True, max_length=255)),
                        (
                            "followup_count",
                            models.PositiveSmallIntegerField(default=0, help_text="Follow-ups it emailed."),
                        ),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="digests",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "interactions_digest",
                        "ordering": ["-local_date", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="FollowUp",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "purpose",
                            models.CharField(
                                choices=[("personal", "Personal"), ("professional", "Professional")],
                                max_length=12,
                            ),
                        ),
                        (
                            "reason",
                            models.CharField(
                                choices=[
                                    ("after_meeting", "After meeting"),
                                    ("cadence", "Keep in touch"),
                                    ("requested", "Requested"),
                                    ("birthday", "Birthday"),
                                ],
                                max_length=13,
                            ),
                        ),
                        ("due_on", models.DateField()),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("scheduled", "Scheduled"),
                                    ("sent", "Sent"),
                                    ("done", "Done"),
                                    ("snoozed", "Snoozed"),
                                    ("dismissed", "Dismissed"),
                                ],
                                default="scheduled",
                                max_length=9,
                            ),
                        ),
                        (
                            "note",
                            models.TextField(
                                blank=True, help_text="What the user asked to be reminded of (requested)."
                            ),
                        ),
                        (
                            "clock_since",
                            models.DateField(
                                blank=True, help_text="Start of the clock behind it.", null=True
                            ),
                        ),
                        ("cadence_days", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("snoozed_until", models.DateField(blank=True, null=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("done_at", models.DateTimeField(blank=True, null=True)),
                        ("dismissed_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "contact",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="followups",
                                to="contacts.contact",
                            ),
                        ),
                        (
                            "digest",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="followups",
                                to="followups.digest",
                            ),
                        ),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="followups",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "interactions_followup",
                        "ordering": ["due_on", "id"],
                    },
                ),
                migrations.AddIndex(
                    model_name="digest",
                    index=models.Index(
                        condition=models.Q(("status__in", ["pending", "failed"])),
                        fields=["available_at"],
                        name="digest_waiting",
                    ),
                ),
                migrations.AddIndex(
                    model_name="digest",
                    index=models.Index(
                        condition=models.Q(("status", "claimed")),
                        fields=["claimed_until"],
                        name="digest_claimed",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="digest",
                    constraint=models.UniqueConstraint(
                        fields=("owner", "local_date"), name="digest_once_per_local_date"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="digest",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("status__in", ["pending", "claimed", "sent", "failed", "skipped"])
                        ),
                        name="digest_status_valid",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="digest",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "claimed"), _negated=True),
                            ("claimed_until__isnull", False),
                            _connector="OR",
                        ),
                        name="digest_claim_has_lease",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="digest",
                    constraint=models.UniqueConstraint(fields=("id", "owner"), name="digest_id_owner"),
                ),
                migrations.AddIndex(
                    model_name="followup",
                    index=models.Index(
                        condition=models.Q(("state", "scheduled")),
                        fields=["owner", "due_on"],
                        name="followup_to_email",
                    ),
                ),
                migrations.AddIndex(
                    model_name="followup",
                    index=models.Index(
                        condition=models.Q(("state", "snoozed")),
                        fields=["owner", "snoozed_until"],
                        name="followup_snooze_ends",
                    ),
                ),
                migrations.AddIndex(
                    model_name="followup",
                    index=models.Index(
                        condition=models.Q(("state__in", ("scheduled", "sent", "snoozed"))),
                        fields=["owner", "due_on"],
                        name="followup_open",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="followup",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("state__in", ["scheduled", "sent", "done", "snoozed", "dismissed"])
                        ),
                        name="followup_state_valid",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="followup",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("reason__in", ["after_meeting", "cadence", "requested", "birthday"])
                        ),
                        name="followup_reason_valid",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="followup",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("purpose__in", ["personal", "professional"])),
                        name="followup_purpose_valid",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="followup",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("state", "snoozed"), _negated=True),
                            ("snoozed_until__isnull", False),
                            _connector="OR",
                        ),
                        name="followup_snooze_has_end",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="followup",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("reason__in", ("after_meeting", "cadence")), _negated=True),
                            models.Q(
                                ("cadence_days__gte", 1),
                                ("cadence_days__isnull", False),
                                ("clock_since__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="followup_clock_is_known",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="followup",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("reason", "birthday"), _negated=True),
                            ("purpose", "personal"),
                            _connector="OR",
                        ),
                        name="followup_birthday_is_personal",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="followup",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(
                            ("reason__in", ("after_meeting", "cadence")),
                            ("state__in", ("scheduled", "sent", "snoozed")),
                        ),
                        fields=("contact", "purpose"),
                        name="followup_one_open_clock",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="followup",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("reason", "birthday")),
                        fields=("contact", "due_on"),
                        name="followup_one_birthday_a_day",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_follow, content_types_go_back),
    ]
