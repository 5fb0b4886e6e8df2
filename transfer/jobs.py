"""Running an ImportJob: what a Celery worker does with a confirmed job (or the request itself, for a small
file), and the hourly clean-up of the parsed rows nobody needs. transfer.tasks calls these; the steps a person
takes on the page (upload, confirm, start again) are in transfer.imports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from accounts.choices import Intention
from accounts.database import database_analyze
from contacts.models import Contact, EmailAddress, PhoneNumber
from followups.models import FollowUp
from interactions.models import Interaction, Participation
from transfer.models import ImportJob, ImportStatus
from transfer.reading import card_from_json
from transfer.vcard import Card
from transfer.writing import ImportResult, import_apply

# What a person reads about a failed import, by the kind of error its job keeps (the raw error stays on the
# job, for the admin, and in the worker's log).
_FAILURES = {
    "IntegrityError": (
        "A row clashed with a contact already in Kith (the same email address or tag written another way, "
        "for example) in a way the preview did not catch."
    ),
    "OperationalError": "The database was busy or out of reach.",
    "InterfaceError": "The database was busy or out of reach.",
}
_FAILURE_ELSE = "Something went wrong on Kith's side."
_FAILURE_NEXT = (
    "You can start the import again; if it fails again, tell whoever runs this Kith (the details are in "
    "its log)."
)

# How long parsed rows are kept for a preview nobody confirmed, and for a failed import (import_jobs_forget).
PREVIEW_KEPT = dt.timedelta(days=1)
FAILED_KEPT = dt.timedelta(days=7)
# An import this large gets fresh planner statistics (accounts.database) for the tables it filled.
ANALYZE_AFTER_ROWS = 500
_IMPORTED_TABLES = (Contact, EmailAddress, PhoneNumber, Interaction, Participation, FollowUp)


def import_analyze(result: ImportResult) -> None:
    """Fresh planner statistics after a large import."""
    if result.created + result.updated >= ANALYZE_AFTER_ROWS:
        database_analyze(_IMPORTED_TABLES)


def import_job_cards(job: ImportJob) -> list[Card]:
    return [card_from_json(row) for row in job.rows]


def import_job_failure(job: ImportJob) -> str:
    """Why a failed import failed, in a sentence a person understands, and what they can do."""
    kind = job.error.split(":", 1)[0].strip()
    return f"{_FAILURES.get(kind, _FAILURE_ELSE)} {_FAILURE_NEXT}"


def _progress_reporter(job_id: int) -> tuple[Callable[[float], None], Callable[[], None]]:
    """A function that records a job's progress (a fraction) where the page can see it, and one that closes
    what it opened.

    The import writes in one transaction, so progress written through the same connection stays invisible
    until the end. On PostgreSQL the reporter writes through a second connection of its own, in autocommit;
    the job's row is only locked by the import's transaction at its very end, after the last report. SQLite
    allows one writer at a time, so there progress is only recorded outside the transaction (matching)."""
    last = -1

    def changed(fraction: float) -> int | None:
        nonlocal last
        percent = min(int(fraction * 100), 99)
        if percent == last:
            return None
        last = percent
        return percent

    if connection.vendor != "postgresql":

        def report(fraction: float) -> None:
            if not connection.in_atomic_block and (percent := changed(fraction)) is not None:
                ImportJob.objects.filter(pk=job_id).update(progress=percent, updated_at=timezone.now())

        return report, lambda: None

    side = connections.create_connection(DEFAULT_DB_ALIAS)
    table = ImportJob._meta.db_table

    def report_side(fraction: float) -> None:
        if (percent := changed(fraction)) is not None:
            with side.cursor() as cursor:
                cursor.execute(
                    f'UPDATE "{table}" SET progress = %s, updated_at = %s WHERE id = %s AND status = %s',
                    [percent, timezone.now(), job_id, ImportStatus.RUNNING],
                )

    return report_side, side.close


def import_job_run(job_id: int) -> str:
    """Import a confirmed job's rows. The rows and `status = done` are written in one transaction, so a job
    interrupted mid-way has written nothing and can simply run again; a finished job is left alone."""
    job = ImportJob.objects.select_related("owner").get(pk=job_id)
    if job.status in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.PREVIEW):
        return f"import {job_id}: {job.status}, nothing to do"
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportStatus.RUNNING, progress=0, updated_at=timezone.now()
    )
    report, report_close = _progress_reporter(job_id)

    def finish(result: ImportResult) -> None:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.DONE,
            progress=100,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            rows=[],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )

    try:
        result = import_apply(
            job.owner,
            import_job_cards(job),
            intention=job.intention or Intention.PERSONAL,
            tags=[t for t in job.tags.split(",") if t.strip()],
            progress=report,
            finish=finish,
        )
    except Exception as error:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    finally:
        report_close()
    import_analyze(result)
    return (
        f"import {job_id}: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
    )


def import_jobs_forget(now: dt.datetime | None = None) -> tuple[int, int]:
    """Forget the parsed rows nobody needs any more: a preview nobody confirmed within PREVIEW_KEPT is
    deleted (the file can be uploaded again), and a failed import keeps its rows for
    FAILED_KEPT, for *Start the import again*, then only its outcome. A finished import already dropped its
    rows when it committed. Returns (previews deleted, failed imports cleared)."""
    now = now or timezone.now()
    deleted, _ = ImportJob.objects.filter(
        status=ImportStatus.PREVIEW, updated_at__lt=now - PREVIEW_KEPT
    ).delete()
    cleared = ImportJob.objects.filter(status=ImportStatus.FAILED, finished_at__lt=now - FAILED_KEPT).update(
        rows=[]
    )
    return deleted, cleared
