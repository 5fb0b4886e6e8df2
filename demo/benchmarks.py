"""Import benchmarks: N generated vCards or LinkedIn CSV rows imported for a fresh user, timed from the raw
bytes to the committed rows and any follow-ups planned after the commit. `make bench` calls
`import_bench` through `python manage.py bench_import`; `bench_import --hostile` times each hostile file
(`hostile_bench`)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from django.db import transaction

from accounts.choices import Intention
from accounts.models import User
from contacts.models import Contact
from demo.hostile import hostile_files
from transfer.reading import ImportRefused, import_preview, import_read
from transfer.writing import import_apply

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def vcards_generate(n: int) -> bytes:
    cards = []
    for i in range(n):
        cards.append(
            "BEGIN:VCARD\r\nVERSION:3.0\r\n"
            f"FN:Person {i} Núñez\r\nN:Núñez {i};Person;;;\r\n"
            f"ORG:Company {i % 500};Team\r\nTITLE:Role {i % 40}\r\n"
            f"EMAIL;TYPE=INTERNET;TYPE=WORK:person{i}@example.com\r\n"
            f"TEL;TYPE=CELL:+44 7700 {i:06d}\r\n"
            f"BDAY:--{1 + i % 12:02d}{1 + i % 28:02d}\r\n"
            f"NOTE:Met at event {i % 100}\\, talked about climbing.\r\n"
            f"CATEGORIES:group{i % 20},bench\r\n"
            f"item1.ADR;TYPE=HOME:;;{i} High Street;London;;N1;UK\r\n"
            "END:VCARD\r\n"
        )
    return "".join(cards).encode()


def linkedin_generate(n: int) -> bytes:
    lines = ["Notes:", '"When exporting your connection data, you may notice..."', ""]
    lines.append("First Name,Last Name,URL,Email Address,Company,Position,Connected On")
    for i in range(n):
        connected = f"{1 + i % 28:02d} {_MONTHS[i % 12]} {2015 + i % 10}"
        lines.append(
            f"Person{i},Okafor{i},https://www.linkedin.com/in/p{i},p{i}@example.com,"
            f'"Company {i % 500}, Inc.",Engineer,{connected}'
        )
    return "\r\n".join(lines).encode()


@dataclass
class BenchResult:
    kind: str
    rows: int
    seconds: float
    committed_seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        return (
            f"import {self.kind}: {self.rows} rows in {self.seconds:.2f} s "
            f"({self.rows_per_second:,.0f} rows/s)"
            + (
                f"; committed after {self.committed_seconds:.2f} s, the rest is planning follow-ups"
                if self.seconds - self.committed_seconds > 0.05
                else ", follow-ups planned in the import's transaction"
            )
        )


def import_bench(kind: str, n: int, *, keep: bool = False) -> BenchResult:
    """Import `n` generated rows of `kind` ('vcard' or 'linkedin') for a new user and time it, from the raw
    bytes to the follow-ups planned after the commit. The user and everything imported are deleted
    afterwards unless `keep`."""
    data = vcards_generate(n) if kind == "vcard" else linkedin_generate(n)
    user = User.objects.create_user(username=f"bench-{uuid.uuid4().hex[:10]}", time_zone="Europe/London")
    intention = Intention.PROFESSIONAL if kind == "linkedin" else Intention.PERSONAL
    committed = 0.0

    def mark() -> None:
        nonlocal committed
        committed = time.perf_counter()

    try:
        start = time.perf_counter()
        with transaction.atomic():
            # Registered first, so it runs first on commit, before the follow-up planner.
            transaction.on_commit(mark)
            _source, cards = import_read(data)
            result = import_apply(user, cards, intention=intention, tags=["bench"])
        seconds = time.perf_counter() - start
        assert result.created == n == Contact.objects.filter(owner=user).count(), result
    finally:
        if not keep:
            user.delete()
    return BenchResult(kind, n, seconds, committed - start)


@dataclass
class HostileTiming:
    name: str
    size: int
    seconds: float
    outcome: str  # "read: N rows" or "refused: the message"

    def __str__(self) -> str:
        return f"{self.seconds:7.2f} s  {self.size / (1024 * 1024):6.2f} MB  {self.name}: {self.outcome[:80]}"


def hostile_bench() -> list[HostileTiming]:
    """Time each hostile file (demo.hostile) from the raw bytes through the preview to the rows written, in a
    transaction rolled back, for a throwaway user; slowest first."""
    user = User.objects.create_user(username=f"bench-{uuid.uuid4().hex[:10]}", time_zone="Europe/London")
    timings = []
    try:
        for hostile in hostile_files():
            data = hostile.make()
            start = time.perf_counter()
            with transaction.atomic():
                try:
                    _source, cards = import_read(data, hostile.filename)
                except ImportRefused as error:
                    outcome = f"refused: {error}"
                else:
                    import_preview(user, cards)
                    result = import_apply(user, cards, intention=Intention.PERSONAL)
                    outcome = f"read: {result.created} created, {result.invalid} invalid"
                transaction.set_rollback(True)
            timings.append(HostileTiming(hostile.name, len(data), time.perf_counter() - start, outcome))
    finally:
        user.delete()
    return sorted(timings, key=lambda t: -t.seconds)
