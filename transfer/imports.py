"""Importing contacts, as the person does it: upload a file, see its preview, confirm it, and start it again
when its worker was lost.

1. transfer.reading turns the upload into cards, refusing a file Kith cannot read with a message for the
   person, and says per row what importing it would do: new, matches an existing contact (the same email,
   the same phone number, or the same name and company, ignoring case and accents), or invalid, with reasons.
2. transfer.writing writes the good rows in one transaction: new contacts in bulk, matches filling in the
   existing contact instead of making a twin. Importing the same file twice changes nothing the second time.
3. `ImportJob` carries the rows from the preview to the confirmation and, for a large file, to a Celery
   worker; transfer.jobs runs it there.
The steps here may queue that worker, so this is the module that imports transfer.tasks (and nothing the
tasks import imports this one).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from transfer.jobs import import_analyze, import_job_run
from transfer.models import ImportJob, ImportStatus
from transfer.reading import RowPreview, RowStatus, card_to_json, import_preview, import_read
from transfer.tasks import run_import
from transfer.vcard import Card
from transfer.writing import ImportResult, import_apply, previews_unchanged

logger = logging.getLogger(__name__)

# Files with more rows than this are imported by a Celery worker, with a progress bar.
BACKGROUND_ROWS = 200
# A queued or running job silent for this long may be started again from its page.
STALLED_AFTER = dt.timedelta(minutes=10)


def import_rows_preview(owner: User, cards: Sequence[Card], listed: int | None = None) -> list[RowPreview]:
    """What importing `cards` would do, row by row, as the preview page and the command say it: new, updates
    a contact, leaves one unchanged, ambiguous or invalid. Writes nothing. With `listed`, only the first that
    many rows are told apart as unchanged: the page lists those, its counts were made at upload, and telling
    loads every matched contact with its emails, phones and tags (~1 s for 5,000 matches on SQLite)."""
    previews = import_preview(owner, cards)
    previews_unchanged(owner, previews if listed is None else previews[:listed])
    return previews


def import_job_create(owner: User, data: bytes, filename: str, size: int | None = None) -> ImportJob:
    """Read an upload (`size`: its own, when `data` is only its start) and keep its rows for the preview.
    Raises ImportRefused; writes nothing then."""
    source, cards = import_read(data, filename, size)
    previews = import_rows_preview(owner, cards)
    return ImportJob.objects.create(
        owner=owner,
        filename=filename[:255],
        source=source,
        rows=[card_to_json(card) for card in cards],
        total=len(cards),
        new_count=sum(p.status == RowStatus.NEW for p in previews),
        matched_count=sum(p.status == RowStatus.MATCH for p in previews),
        unchanged_count=sum(p.status == RowStatus.UNCHANGED for p in previews),
        ambiguous_count=sum(p.status == RowStatus.AMBIGUOUS for p in previews),
        invalid_count=sum(p.status == RowStatus.INVALID for p in previews),
    )


def import_job_confirm(job: ImportJob, *, intention: str, tags: Sequence[str]) -> ImportJob:
    """The person confirmed the preview: a small file is imported at once, a large one is queued for a
    worker (after this transaction commits). A file with no row to import stays in preview: there is
    nothing to confirm."""
    if job.status != ImportStatus.PREVIEW or not job.importable:
        return job
    job.intention = intention
    job.tags = ", ".join(tags)
    if job.total > BACKGROUND_ROWS:
        job.status = ImportStatus.QUEUED
        job.save(update_fields=["intention", "tags", "status", "updated_at"])
        transaction.on_commit(lambda: run_import.delay(job.pk))
        return job
    job.status = ImportStatus.RUNNING
    job.save(update_fields=["intention", "tags", "status", "updated_at"])
    try:
        import_job_run(job.pk)
    except Exception:
        # Recorded on the job (status failed, the error) and shown on its page; nothing was written.
        logger.exception("Import job %s failed", job.pk)
    job.refresh_from_db()
    return job


def import_job_stalled(job: ImportJob, now: dt.datetime | None = None) -> bool:
    """Whether a queued or running job has shown no sign of life for a while (its worker or its broker
    message was lost); the person may then start it again."""
    now = now or timezone.now()
    return job.is_working and job.updated_at < now - STALLED_AFTER


def import_job_requeue(job: ImportJob) -> bool:
    """Queue a stalled or failed job again. Its earlier attempt wrote nothing (the import is one
    transaction), so running it again is safe. Returns whether it was queued."""
    if not (import_job_stalled(job) or job.status == ImportStatus.FAILED) or not job.rows:
        return False
    claimed = ImportJob.objects.filter(pk=job.pk, status=job.status, updated_at=job.updated_at).update(
        status=ImportStatus.QUEUED, progress=0, error="", finished_at=None, updated_at=timezone.now()
    )
    if claimed:
        transaction.on_commit(lambda: run_import.delay(job.pk))
    return bool(claimed)


def import_jobs_recent(owner: User, limit: int = 10) -> list[ImportJob]:
    return list(ImportJob.objects.filter(owner=owner).defer("rows")[:limit])


def import_file(
    owner: User, data: bytes, *, intention: str, tags: Sequence[str] = (), filename: str = ""
) -> ImportResult:
    """Read and import a file in one go, without a job or a preview."""
    _source, cards = import_read(data, filename)
    result = import_apply(owner, cards, intention=intention, tags=tags)
    import_analyze(result)
    return result
