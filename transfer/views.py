"""Import / export pages: upload, preview and confirm an import, watch its progress; download exports and
restore a backup; find and merge duplicates. Rules live in transfer.imports (with reading, matching, writing
and jobs), exports, backup and merge."""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse, HttpResponseNotAllowed, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.choices import Intention
from accounts.ownership import get_owned_or_404
from accounts.pages import AuthenticatedHttpRequest, render_page
from contacts.models import Contact
from transfer import backup, exports, imports, jobs, merge, reading
from transfer.forms import ImportConfirmForm, ImportUploadForm, RestoreForm
from transfer.models import ImportJob, ImportStatus

# Rows listed on the preview page; the counts above the list cover every row.
PREVIEW_ROWS = 300
# Rows the import leaves out, listed apart with their reasons.
_LEFT_OUT = (reading.RowStatus.INVALID, reading.RowStatus.AMBIGUOUS)


def _read_upload(upload: UploadedFile, limit: int) -> bytes:
    """At most `limit + 1` bytes, so that a huge upload is refused without reading it all into memory."""
    upload.seek(0)
    return upload.read(limit + 1)


def _home_context(request: AuthenticatedHttpRequest, **extra: object) -> dict[str, object]:
    return {
        "upload_form": ImportUploadForm(),
        "restore_form": RestoreForm(),
        "jobs": imports.import_jobs_recent(request.user),
        "max_mb": reading.MAX_BYTES // (1024 * 1024),
        "max_rows": f"{reading.MAX_ROWS:,}",
        "background_rows": imports.BACKGROUND_ROWS,
        **extra,
    }


@login_required
@require_GET
def transfer_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render_page(request, "transfer/transfer.html", _home_context(request))


@login_required
@require_POST
def import_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Read the upload and show its preview; a file Kith cannot read gets a clear message, nothing written."""
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        context = _home_context(request, upload_form=form)
        return render_page(request, "transfer/transfer.html", context, status=400)
    upload = form.cleaned_data["file"]
    try:
        data = _read_upload(upload, reading.MAX_BYTES)
        job = imports.import_job_create(request.user, data, upload.name or "upload", size=upload.size)
    except reading.ImportRefused as error:
        form.add_error("file", str(error))
        context = _home_context(request, upload_form=form)
        return render_page(request, "transfer/transfer.html", context, status=400)
    return redirect(job)


@login_required
def import_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A job's preview (before confirming), its progress bar (htmx polls the `progress` partial) or its
    result. The page can be left and come back to: everything it shows is in the job's row."""
    # Ownership before the method: another user's id is a 404 whatever the method.
    job = get_owned_or_404(ImportJob, request.user, pk=pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    context: dict[str, object] = {"job": job, "stalled": imports.import_job_stalled(job)}
    if job.status == ImportStatus.FAILED:
        context["failure"] = jobs.import_job_failure(job)
    if job.status == ImportStatus.PREVIEW:
        previews = imports.import_rows_preview(request.user, jobs.import_job_cards(job), listed=PREVIEW_ROWS)
        initial_intention = Intention.PROFESSIONAL if job.source == "linkedin" else Intention.PERSONAL
        context |= {
            "previews": previews[:PREVIEW_ROWS],
            "more_rows": max(len(previews) - PREVIEW_ROWS, 0),
            "invalid": [p for p in previews if p.status in _LEFT_OUT][:PREVIEW_ROWS],
            "form": ImportConfirmForm(initial={"intention": initial_intention}),
            "background_rows": imports.BACKGROUND_ROWS,
        }
    return render_page(request, "transfer/import_job.html", context, partial="progress")


@login_required
def import_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_owned_or_404(ImportJob, request.user, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ImportConfirmForm(request.POST)
    if job.status != ImportStatus.PREVIEW:
        return redirect(job)
    if not form.is_valid():
        problems = " ".join(str(e) for es in form.errors.values() for e in es)
        messages.error(request, f"Nothing imported: {problems}")
        return redirect(job)
    job = imports.import_job_confirm(
        job, intention=form.cleaned_data["intention"], tags=form.cleaned_data["tags"]
    )
    if job.status == ImportStatus.PREVIEW:
        messages.error(request, f"Nothing in {job.filename} can be imported; nothing was saved.")
    elif job.status == ImportStatus.DONE:
        messages.success(request, f"Imported {job.filename}.")
    elif job.status == ImportStatus.FAILED:
        messages.error(request, f"The import of {job.filename} failed; nothing was imported.")
    return redirect(job)


@login_required
def import_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Start a stalled or failed job again."""
    job = get_owned_or_404(ImportJob, request.user, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if imports.import_job_requeue(job):
        messages.success(request, f"Started the import of {job.filename} again.")
    return redirect(job)


@login_required
def import_discard(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_owned_or_404(ImportJob, request.user, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if job.status == ImportStatus.PREVIEW:
        job.delete()
        messages.success(request, f"Discarded {job.filename}; nothing was imported.")
    return redirect("transfer")


# Exports and the backup -----------------------------------------------------------------------------------


def _download(chunks: Iterable[str], filename: str, content_type: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse((chunk.encode("utf-8") for chunk in chunks), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _stamp(request: AuthenticatedHttpRequest) -> str:
    return f"kith-{request.user.username}-{timezone.localdate():%Y-%m-%d}"


@login_required
@require_GET
def export_vcard(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    return _download(
        exports.contacts_vcard(request.user), f"{_stamp(request)}.vcf", "text/vcard; charset=utf-8"
    )


@login_required
@require_GET
def export_contacts_csv(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    return _download(
        exports.contacts_csv(request.user), f"{_stamp(request)}-contacts.csv", "text/csv; charset=utf-8"
    )


@login_required
@require_GET
def export_interactions_csv(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    return _download(
        exports.interactions_csv(request.user),
        f"{_stamp(request)}-interactions.csv",
        "text/csv; charset=utf-8",
    )


@login_required
@require_GET
def export_backup(request: AuthenticatedHttpRequest) -> HttpResponse:
    response = HttpResponse(
        json.dumps(backup.backup_build(request.user), ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{_stamp(request)}-backup.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def backup_restore_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Restore a backup into this (empty) account; anything wrong gets a message and writes nothing."""
    form = RestoreForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        data = _read_upload(upload, backup.MAX_BACKUP_BYTES)
        try:
            if len(data) > backup.MAX_BACKUP_BYTES:
                raise backup.BackupRefused("The backup is larger than Kith restores (50 MB).")
            try:
                parsed = json.loads(data.decode("utf-8-sig"))
            except (UnicodeDecodeError, ValueError, RecursionError) as error:
                raise backup.BackupRefused("This is not a Kith backup file (it is not JSON).") from error
            result = backup.backup_restore(request.user, parsed)
        except backup.BackupRefused as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, f"Restored {result}.")
            return redirect("transfer")
    context = _home_context(request, restore_form=form)
    return render_page(request, "transfer/transfer.html", context, status=400)


# Duplicates -----------------------------------------------------------------------------------------------


@login_required
@require_GET
def merge_duplicates(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Likely twins among the user's contacts, each with a link to compare and merge them."""
    twins = merge.contacts_find_twins(request.user)
    return render_page(request, "transfer/duplicates.html", {"twins": twins, "max_pairs": merge.MAX_PAIRS})


@login_required
def merge_contacts(request: AuthenticatedHttpRequest, keep: int, other: int) -> HttpResponse:
    """GET compares two contacts; POST merges the second into the first."""
    kept = get_owned_or_404(Contact, request.user, pk=keep)
    gone = get_owned_or_404(Contact, request.user, pk=other)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if kept.pk == gone.pk:
        messages.error(request, "A contact cannot be merged with itself.")
        return redirect("merge_duplicates")
    over = merge.merge_over_bounds(kept, gone)
    if request.method == "POST":
        if over:
            messages.error(request, " ".join([*over, "Nothing was merged."]))
            return redirect("merge_contacts", keep=kept.pk, other=gone.pk)
        name = gone.display_name
        merged = merge.contact_merge(kept, gone)
        messages.success(request, f"Merged {name} into {merged.display_name}; nothing was lost.")
        return redirect(merged)
    context = {
        "keep": kept,
        "other": gone,
        "over": over,
        "rows": [
            ("Name", kept.display_name, gone.display_name),
            ("Company", kept.company, gone.company),
            ("Job title", kept.title, gone.title),
            ("Birthday", kept.birthday_text, gone.birthday_text),
            (
                "Emails",
                ", ".join(e.address for e in kept.emails.all()),
                ", ".join(e.address for e in gone.emails.all()),
            ),
            (
                "Phones",
                ", ".join(p.number for p in kept.phones.all()),
                ", ".join(p.number for p in gone.phones.all()),
            ),
            ("Tags", ", ".join(t.name for t in kept.tags.all()), ", ".join(t.name for t in gone.tags.all())),
            ("Intention", kept.get_intention_display(), gone.get_intention_display()),
            ("Interactions", kept.participations.count(), gone.participations.count()),
            ("Notes", kept.notes, gone.notes),
        ],
    }
    return render_page(request, "transfer/merge.html", context)
