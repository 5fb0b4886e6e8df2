"""`python manage.py bench_import [--rows N] [--kind vcard|linkedin|both]`: time generated imports."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from demo.benchmarks import import_bench


class Command(BaseCommand):
    help = (
        "Import N generated vCards and/or LinkedIn CSV rows for a throwaway user and print rows per second."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--kind", choices=["vcard", "linkedin", "both"], default="both")

    def handle(self, *args: object, **options: object) -> None:
        kinds = ["vcard", "linkedin"] if options["kind"] == "both" else [options["kind"]]
        for kind in kinds:
            self.stdout.write(str(import_bench(kind, options["rows"])))  # type: ignore[arg-type]
