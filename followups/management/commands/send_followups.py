"""`manage.py send_followups`: one digest tick, in this process. For installs that run cron instead of Celery
beat, and for tests; `--now` runs it as if at another moment."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from followups.digests import digests_send_due


def _moment(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date and time: {value!r}") from error
    # A moment without an offset is read as UTC, so the same command means the same instant anywhere.
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=dt.UTC)


class Command(BaseCommand):
    help = "Send the digests that are due now: one tick of the follow-up engine, without Celery."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            type=_moment,
            default=None,
            help="Run as if at this ISO 8601 moment (UTC when it has no offset), e.g. 2025-06-02T08:00.",
        )

    def handle(self, *args: Any, now: dt.datetime | None, **options: Any) -> None:
        self.stdout.write(digests_send_due(now))
