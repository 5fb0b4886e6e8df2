from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from accounts.choices import Intention


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", "Waiting for your confirmation"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    """One uploaded file, from its preview to its import.

    The parsed rows are stored here (`rows`, plain JSON), so the preview, the confirmation and a Celery
    worker all read the same thing and the upload itself is not kept. The import writes every contact in one
    transaction together with `status = done`; a job whose worker died mid-way is still `running` with
    nothing written, and is run again from its rows (transfer.jobs.import_job_run is idempotent).
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    filename = models.CharField(max_length=255)
    source = models.CharField(max_length=10, help_text="vcard, linkedin or google")
    status = models.CharField(max_length=8, choices=ImportStatus.choices, default=ImportStatus.PREVIEW)
    intention = models.CharField(max_length=12, choices=Intention.choices, blank=True)
    tags = models.CharField(max_length=500, blank=True, help_text="Tags for every imported contact.")
    rows = models.JSONField(default=list, help_text="The parsed rows, as transfer.imports.row_to_json.")
    total = models.PositiveIntegerField(default=0)
    new_count = models.PositiveIntegerField(default=0)
    matched_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    ambiguous_count = models.PositiveIntegerField(default=0)
    invalid_count = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="importjob_status_valid"
            ),
        ]
        indexes = [
            # The import page's "your recent imports".
            models.Index(fields=["owner", "-created_at"], name="importjob_owner_recent"),
        ]

    def __str__(self) -> str:
        return f"Import of {self.filename} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("import_job", args=[self.pk])

    @property
    def is_working(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    @property
    def importable(self) -> int:
        """Rows the import would write: new people and matches, unchanged ones too (the batch's tags reach
        them). Invalid and ambiguous rows are left out."""
        return self.new_count + self.matched_count + self.unchanged_count

    @property
    def percent(self) -> int:
        return 100 if self.status == ImportStatus.DONE else min(self.progress, 100)
