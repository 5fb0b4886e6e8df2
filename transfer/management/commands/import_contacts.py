"""`python manage.py import_contacts FILE --user NAME [--intention ...] [--tag ...] [--dry-run]`"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.choices import Intention
from accounts.models import User
from transfer.imports import import_rows_preview
from transfer.reading import ImportRefused, RowStatus, import_read
from transfer.writing import import_apply


class Command(BaseCommand):
    help = "Import contacts from a vCard file, LinkedIn's Connections.csv or a Google Contacts CSV export."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="The username whose contacts these become.")
        parser.add_argument(
            "--intention",
            choices=Intention.values,
            default=None,
            help="Intention of new contacts (default: professional for LinkedIn, personal otherwise).",
        )
        parser.add_argument("--tag", action="append", default=[], help="A tag for every imported contact.")
        parser.add_argument("--dry-run", action="store_true", help="Show the preview; write nothing.")

    def handle(self, *args: object, **options: object) -> None:
        try:
            user = User.objects.get(username=options["user"])
        except User.DoesNotExist as error:
            raise CommandError(f"No user named {options['user']!r}.") from error
        path: Path = options["file"]  # type: ignore[assignment]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        try:
            source, cards = import_read(data, path.name)
        except ImportRefused as error:
            raise CommandError(str(error)) from error
        previews = import_rows_preview(user, cards)
        counts = {status: sum(p.status == status for p in previews) for status in RowStatus.ALL}
        self.stdout.write(
            f"{path.name} ({source}): {len(cards)} rows, {counts.get('new', 0)} new, "
            f"{counts.get('match', 0)} matching existing contacts, {counts.get('unchanged', 0)} unchanged, "
            f"{counts.get('ambiguous', 0)} ambiguous, {counts.get('invalid', 0)} invalid."
        )
        for preview in previews:
            if preview.status in (RowStatus.INVALID, RowStatus.AMBIGUOUS):
                reasons = "; ".join(preview.reasons)
                self.stdout.write(f"  row {preview.number}: {preview.status}: {reasons}")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")
            return
        intention = options["intention"] or (
            Intention.PROFESSIONAL if source == "linkedin" else Intention.PERSONAL
        )
        result = import_apply(user, cards, intention=intention, tags=options["tag"])  # type: ignore[arg-type]
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged, {result.invalid} invalid and {result.ambiguous} ambiguous "
                "rows skipped."
            )
        )
