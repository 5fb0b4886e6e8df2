"""`python manage.py bench_import [--rows N] [--kind vcard|linkedin|both] [--hostile]`: time generated
imports, or each hostile file of demo.hostile."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from demo.benchmarks import hostile_bench, import_bench


class Command(BaseCommand):
    help = (
        "Import N generated vCards and/or LinkedIn CSV rows for a throwaway user and print rows per second; "
        "with --hostile, time each hostile file instead and print the slowest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--kind", choices=["vcard", "linkedin", "both"], default="both")
        parser.add_argument(
            "--hostile", action="store_true", help="Time each hostile file (demo.hostile), slowest first."
        )
        parser.add_argument("--top", type=int, default=10, help="With --hostile: how many files to list.")

    def handle(self, *args: object, **options: object) -> None:
        if options["hostile"]:
            timings = hostile_bench()
            for timing in timings[: int(str(options["top"]))]:
                self.stdout.write(str(timing))
            slowest = timings[0]
            self.stdout.write(
                f"{len(timings)} hostile files; the slowest, {slowest.name} "
                f"({slowest.size / (1024 * 1024):.1f} MB), took {slowest.seconds:.2f} s."
            )
            return
        kinds = ["vcard", "linkedin"] if options["kind"] == "both" else [options["kind"]]
        for kind in kinds:
            self.stdout.write(str(import_bench(kind, options["rows"])))  # type: ignore[arg-type]
