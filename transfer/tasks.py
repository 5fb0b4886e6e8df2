"""Celery tasks: thin wrappers that take an id, load, call the domain function in transfer.jobs and return
a short summary. transfer.imports queues them; nothing here imports it back."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from transfer.jobs import import_job_run, import_jobs_forget
from transfer.models import ImportJob

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, retry_backoff_max=120, max_retries=5)
def run_import(job_id: int) -> str:
    """Import a confirmed job. Its rows and its `done` status commit together, so a retry after a crash
    starts from a clean slate, and a job already done is left alone."""
    try:
        return import_job_run(job_id)
    except ImportJob.DoesNotExist:
        logger.info("Import job %s is gone (its user was deleted); nothing to import.", job_id)
        return f"import {job_id}: gone"


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, retry_backoff_max=120, max_retries=5)
def forget_stale_imports() -> str:
    """Beat's hourly clean-up of parsed rows nobody needs (transfer.jobs.import_jobs_forget)."""
    deleted, cleared = import_jobs_forget()
    return f"{deleted} previews deleted, {cleared} failed imports cleared"
