"""`make bench`: how fast the dashboards, the contacts list, a search, a contact page and the follow-up tick
are at three sizes on PostgreSQL (the database DATABASE_URL names), and at two on SQLite, so the growth of
cost with the data, and the cost of the embedded default, are visible.

1. Build the data with seed_demo (SIZES): one user (benchbig) with 1,000, 10,000 or 50,000 contacts and ten
   interactions each over three years, and 100, 1,000 or 2,000 small users (benchmany, bench1..benchN) with
   100 contacts and 1,000 interactions each (100 each at large). Each size replaces the one before in the
   same database (seed_demo names its extra users bench1..benchN; those beyond the size are deleted).
2. Measure warm, in this process, through the Django test client logged in as benchbig: each page is
   requested once to warm caches, then `--repeat` rounds of one request to each page in turn (a burst of
   load from elsewhere lands on every page's samples, not on one page's). For each: median and p95 server
   time, the SQL query count, and the ratio of the page's time to the time of its SQL alone (the queries
   captured with CaptureQueriesContext, executed again raw: the floor the database sets).
3. The tick: what Celery beat runs every five minutes (digests_due: find the users whose digest is due,
   create their digests, take them to send) over all users at a moment when every user's digest hour has
   come, in a transaction rolled back after each run so every run sees the same due follow-ups. Then what
   a worker does per digest it is handed (digest_send), for SENDS of them (mail to locmem).
4. Write bench/results.json (PostgreSQL's sizes under "sizes", SQLite's under "sqlite") and print a table
   per size, then every size side by side with the growth from each to the next, and SQLite against
   PostgreSQL at the same size.

`--database sqlite` runs on a fresh SQLite file, var/bench.sqlite3, with the embedded default's settings
(this script runs itself again with DATABASE_URL=sqlite:///...; config.settings gives such a file the same
pragmas), sizes tenth and full unless --sizes says otherwise.

Usage: python bench/run.py [--database url|sqlite] [--sizes tenth,full,large] [--repeat 15] [--tick-repeat 3]
                           [--reuse] [--merge]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.database import database_analyze  # noqa: E402
from accounts.models import User  # noqa: E402
from contacts.models import Contact  # noqa: E402
from demo.planner import DemoSize  # noqa: E402
from demo.seed import BENCH_PREFIX, demo_users_delete, seed_demo  # noqa: E402
from followups.digests import digest_send, digests_due  # noqa: E402
from interactions.models import Interaction, Participation  # noqa: E402

# Fixed, so that two runs build the same data and the tick finds the same follow-ups due. 09:00 in London
# on a Wednesday: past every bench user's 08:00 digest hour, a working day for professional follow-ups.
NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
BIG, MANY = "benchbig", "benchmany"
# In order of growth: each size is compared with the one before it. "users" counts the small users
# (benchmany and bench1..), each with "user_contacts" contacts and "user_interactions" interactions.
SIZES: dict[str, dict[str, int]] = {
    "tenth": {
        "contacts": 1_000,
        "interactions": 10_000,
        "users": 100,
        "user_contacts": 100,
        "user_interactions": 1_000,
    },
    "full": {
        "contacts": 10_000,
        "interactions": 100_000,
        "users": 1_000,
        "user_contacts": 100,
        "user_interactions": 1_000,
    },
    "large": {
        "contacts": 50_000,
        "interactions": 500_000,
        "users": 2_000,
        "user_contacts": 100,
        "user_interactions": 100,
    },
}
# What each database runs unless --sizes says otherwise, and where its results go in results.json.
DEFAULT_SIZES = {"url": "tenth,full,large", "sqlite": "tenth,full"}
SECTIONS = {"url": "sizes", "sqlite": "sqlite"}
RESULTS = ROOT / "bench" / "results.json"
SQLITE_FILE = ROOT / "var" / "bench.sqlite3"
# Digests sent one by one, as workers do, for "digest: send one".
SENDS = 25


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def size_scaled(size: dict[str, int], scale: float) -> dict[str, int]:
    """`size` with every count multiplied by `scale` (at least one of each), to try the code paths quickly."""
    return {key: max(1, round(value * scale)) for key, value in size.items()}


def _seeded(size: dict[str, int]) -> bool:
    big = Contact.objects.filter(owner__username=BIG).count()
    users = User.objects.filter(username__startswith=BENCH_PREFIX).count()
    many = Interaction.objects.filter(owner__username=MANY).count()
    return big == size["contacts"] and users == size["users"] + 1 and many == size["user_interactions"]


def _users_remove(pks: list[int], *, apart: bool) -> None:
    """Delete benchmark users beyond the size (they would join the tick), in a process of their own when
    `apart`."""
    with transaction.atomic():
        demo_users_delete(User.objects.filter(pk__in=pks).order_by("pk"))
    if apart:
        connections.close_all()


def _seed_many(size: dict[str, int], positions: range | None = None) -> None:
    """Seed the small users (benchmany, bench1..), or only those at `positions` in a process of their own,
    which leaves planner statistics to seed() (seed_demo says why) and closes its connection when done."""
    seed_demo(
        username=MANY,
        extra_users=size["users"] - 1,
        size=DemoSize(contacts=size["user_contacts"], interactions=size["user_interactions"], years=3),
        now=NOW,
        positions=positions,
        analyze=positions is None,
    )
    if positions is not None:
        connections.close_all()


def seed(size: dict[str, int], processes: int = 1) -> float:
    """Seed benchbig and the small users; on PostgreSQL, the small users in `processes` processes of their
    own, split evenly, while this one seeds benchbig: the rows are the same, in a fraction of the time."""
    began = time.monotonic()
    # Small users left from a larger size: removed first (by the seeding processes, before they seed).
    extra = [
        pk
        for pk, name in User.objects.filter(username__regex=rf"^{BENCH_PREFIX}[0-9]+$").values_list(
            "pk", "username"
        )
        if int(name[len(BENCH_PREFIX) :]) >= size["users"]
    ]
    apart = connection.vendor == "postgresql" and processes > 1
    with contextlib.ExitStack() as stack:
        parts = []
        if apart:
            # Forked processes open connections of their own: none may inherit this one's.
            connections.close_all()
            pool = stack.enter_context(
                ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"))
            )
            parts = [pool.submit(_users_remove, extra[k::processes], apart=True) for k in range(processes)]
            bounds = [size["users"] * k // processes for k in range(processes + 1)]
            parts += [pool.submit(_seed_many, size, range(lo, hi)) for lo, hi in itertools.pairwise(bounds)]
        elif extra:
            _users_remove(extra, apart=False)
        seed_demo(
            username=BIG,
            size=DemoSize(contacts=size["contacts"], interactions=size["interactions"], years=3),
            now=NOW,
        )
        print(f"  {BIG} seeded in {time.monotonic() - began:.1f} s", flush=True)
        if not apart:
            _seed_many(size)
        for part in parts:
            part.result()
    print(f"  {size['users']} small users seeded by {time.monotonic() - began:.1f} s", flush=True)
    if connection.vendor == "postgresql":
        # Seeding rewrites every contact row once (created_at, due dates), leaving as many dead rows as live
        # ones; a database in use would have had autovacuum tidy them long ago. VACUUM runs outside a
        # transaction, which this connection is in autocommit mode here.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        # What the embedded default does after a seed or an import: fresh planner statistics.
        database_analyze()
    return time.monotonic() - began


def _sql_alone(queries: list[dict[str, str]]) -> float:
    """Execute the captured statements again, raw, and return how long the database took."""
    began = time.perf_counter()
    with connection.cursor() as cursor:
        for query in queries:
            cursor.execute(query["sql"])
            if cursor.description is not None:
                cursor.fetchall()
    return time.perf_counter() - began


def _summary(times: list[float], sql_times: list[float], queries: int) -> dict[str, float]:
    times.sort()
    p95 = statistics.quantiles(times, n=20, method="inclusive")[-1] if len(times) > 1 else times[0]
    median, sql = statistics.median(times), statistics.median(sql_times)
    return {
        "median_ms": _ms(median),
        "p95_ms": _ms(p95),
        "queries": queries,
        "sql_ms": _ms(sql),
        "ratio": round(median / sql, 1) if sql else None,
    }


def measure_pages(client: Client, pages: dict[str, str], repeat: int) -> dict[str, dict[str, float]]:
    """Each page requested once to warm, then `repeat` rounds of one request to every page in turn: a burst of
    load from elsewhere on a shared machine then lands on a sample of every page, not on all of one page's."""
    for url in pages.values():
        assert client.get(url).status_code == 200, url
    times: dict[str, list[float]] = {name: [] for name in pages}
    sql_times: dict[str, list[float]] = {name: [] for name in pages}
    queries: dict[str, int] = {}
    for _ in range(repeat):
        for name, url in pages.items():
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.get(url)
                times[name].append(time.perf_counter() - began)
            assert response.status_code == 200, url
            queries[name] = len(captured.captured_queries)
            sql_times[name].append(_sql_alone(captured.captured_queries))
    return {name: _summary(times[name], sql_times[name], queries[name]) for name in pages}


def measure_tick(repeat: int, tick: Callable[[], object]) -> dict[str, float]:
    """Time `tick` in a transaction rolled back after each run, so every run finds the same work."""
    times, sql_times, queries, outcome = [], [], 0, ""
    for _ in range(repeat):
        with transaction.atomic():
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                outcome = tick()
                times.append(time.perf_counter() - began)
            sql = [q for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
            queries = len(captured.captured_queries)
            transaction.set_rollback(True)
        with transaction.atomic():
            # The writes again, inside a transaction rolled back, so the next run sees the same data.
            sql_times.append(_sql_alone(sql))
            transaction.set_rollback(True)
    result = _summary(times, sql_times, queries)
    result["outcome"] = outcome if isinstance(outcome, str) else f"{len(outcome)} digests queued"
    return result


def measure_send(count: int) -> dict[str, float]:
    """What a worker does per queued digest: claim it, build it, send it, record it. The tick queues the
    digests in a transaction rolled back at the end; the first `count` are sent one by one and timed, each
    rolled back after it is sent and again after its statements are replayed, so the replay meets the rows
    the send met (a replayed INSERT after the send's own would break a unique constraint)."""
    times, sql_times, queries = [], [], []
    with transaction.atomic():
        for digest_id in digests_due(NOW)[:count]:
            with transaction.atomic():
                with CaptureQueriesContext(connection) as captured:
                    began = time.perf_counter()
                    outcome = digest_send(digest_id, now=NOW)
                    times.append(time.perf_counter() - began)
                transaction.set_rollback(True)
            assert outcome == "sent", outcome
            queries.append(len(captured.captured_queries))
            sql = [q for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
            with transaction.atomic():
                sql_times.append(_sql_alone(sql))
                transaction.set_rollback(True)
        transaction.set_rollback(True)
    result = _summary(times, sql_times, round(statistics.median(queries)))
    result["outcome"] = f"{len(times)} digests sent, one at a time"
    return result


def measure(repeat: int, tick_repeat: int) -> dict[str, dict[str, float]]:
    big = User.objects.get(username=BIG)
    client = Client()
    client.force_login(big)
    busiest = (
        Participation.objects.filter(owner=big)
        .values("contact_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "contact_id")
        .first()
    )
    pages = {
        "friendships": "/friendships/",
        "network": "/network/",
        "balance": "/balance/",
        "contacts list": "/contacts/",
        "search": "/contacts/?q=climb",
        "contact page": f"/contacts/{busiest['contact_id']}/",
    }
    results = measure_pages(client, pages, repeat)
    # The tick as Celery beat runs it (find the users whose digest is due, create and queue their digests),
    # and the work of a worker per digest (workers send them in parallel).
    results["tick: queue"] = measure_tick(tick_repeat, lambda: digests_due(NOW))
    results["digest: send one"] = measure_send(SENDS)
    return results


def table(title: str, results: dict[str, dict[str, Any]]) -> str:
    lines = [
        f"{title}",
        f"| {'what':<15} | median ms | p95 ms | queries | SQL alone ms | page / SQL |",
        f"| {'-' * 15} | --------: | -----: | ------: | -----------: | ---------: |",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name:<15} | {r['median_ms']:>9} | {r['p95_ms']:>6} | {r['queries']:>7} "
            f"| {r['sql_ms']:>12} | {r['ratio']!s:>10} |"
        )
    return "\n".join(lines)


# results.json and the tables across sizes and databases ------------------------------------------------


def _ratios(top: dict[str, Any], bottom: dict[str, Any]) -> dict[str, float | None]:
    """Median of each measurement in `top` over the same in `bottom`."""
    return {
        name: round(top[name]["median_ms"] / bottom[name]["median_ms"], 1)
        if bottom[name]["median_ms"]
        else None
        for name in top
        if name in bottom
    }


def _steps(section: dict[str, Any]) -> list[tuple[str, str]]:
    """Each size `section` holds with the next larger one it holds, in the order of SIZES."""
    present = [name for name in SIZES if name in section]
    return list(itertools.pairwise(present))


def growth(section: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """How each median grew from each size to the next: {"full / tenth": {"friendships": 2.8, ...}, ...}."""
    return {
        f"{larger} / {smaller}": _ratios(section[larger]["results"], section[smaller]["results"])
        for smaller, larger in _steps(section)
    }


def sqlite_over_postgresql(report: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """Each SQLite median over PostgreSQL's at the same size."""
    sizes, sqlite = report.get("sizes", {}), report.get("sqlite", {})
    return {
        name: _ratios(sqlite[name]["results"], sizes[name]["results"])
        for name in SIZES
        if name in sizes and name in sqlite
    }


def query_changes(section: dict[str, Any]) -> dict[str, dict[str, tuple[int, int]]]:
    """The measurements whose query count changed from each size to the next, with both counts."""
    changes = {}
    for smaller, larger in _steps(section):
        before, after = section[smaller]["results"], section[larger]["results"]
        changes[f"{smaller} -> {larger}"] = {
            name: (before[name]["queries"], after[name]["queries"])
            for name in after
            if name in before and before[name]["queries"] != after[name]["queries"]
        }
    return changes


def _row(cells: Sequence[object]) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value}x"


def side_by_side(title: str, section: dict[str, Any]) -> list[str]:
    """Every size of one database in a row per measurement: the medians, the largest size's p95 and SQL,
    the query counts, and the growth from each size to the next."""
    names = [name for name in SIZES if name in section]
    last = names[-1]
    steps = growth(section)
    header = [
        "what",
        *(f"{name} median" for name in names),
        f"{last} p95",
        "queries",
        f"SQL alone ({last})",
        f"page / SQL ({last})",
        *steps,
    ]
    lines = [f"\n{title}, times in ms", _row(header), _row(["---"] + ["---:"] * (len(header) - 1))]
    for what, r in section[last]["results"].items():
        counts = [section[name]["results"].get(what, {}).get("queries") for name in names]
        queries = str(counts[0]) if len(set(counts)) == 1 else " -> ".join(map(str, counts))
        medians = [section[name]["results"].get(what, {}).get("median_ms", "-") for name in names]
        ratios = [_ratio(step.get(what)) for step in steps.values()]
        lines.append(_row([what, *medians, r["p95_ms"], queries, r["sql_ms"], r["ratio"], *ratios]))
    return lines


def summary(report: dict[str, Any]) -> str:
    """The tables for the README: each database's sizes side by side, then SQLite against PostgreSQL."""
    lines: list[str] = []
    for key, title in (("sizes", "PostgreSQL"), ("sqlite", "SQLite")):
        section = report.get(key, {})
        if not section:
            continue
        lines += side_by_side(title, section)
        for step, changed in query_changes(section).items():
            said = ", ".join(f"{what} {a} -> {b}" for what, (a, b) in changed.items()) or "none changed"
            lines.append(f"{title}, query counts {step}: {said}")
    compared = sqlite_over_postgresql(report)
    if compared:
        names = list(compared)
        header = ["what"]
        for name in names:
            header += [f"SQLite {name}", f"PostgreSQL {name}", "SQLite / PostgreSQL"]
        lines += ["\nSQLite against PostgreSQL, median ms", _row(header)]
        lines.append(_row(["---"] + ["---:"] * (len(header) - 1)))
        for what in report["sqlite"][names[-1]]["results"]:
            cells: list[object] = [what]
            for name in names:
                sqlite, postgres = report["sqlite"][name]["results"], report["sizes"][name]["results"]
                if what in sqlite and what in postgres:
                    cells += [
                        sqlite[what]["median_ms"],
                        postgres[what]["median_ms"],
                        _ratio(compared[name][what]),
                    ]
                else:
                    cells += ["-", "-", "-"]
            lines.append(_row(cells))
    return "\n".join(lines)


def report_load(path: Path, *, merge: bool) -> dict[str, Any]:
    """The report to add this run to: with `merge`, what `path` holds (other sizes, the other database)."""
    report: dict[str, Any] = json.loads(path.read_text()) if merge and path.exists() else {}
    report.pop("growth_full_over_tenth", None)  # before "growth" held every step
    report.setdefault("sizes", {})
    return report


def report_write(path: Path, report: dict[str, Any]) -> None:
    """Work out the figures across sizes and databases, then write `path` whole or not at all."""
    report["growth"] = {key: growth(report[key]) for key in ("sizes", "sqlite") if report.get(key)}
    report["sqlite_over_postgresql"] = sqlite_over_postgresql(report)
    written = path.with_name(path.name + ".tmp")
    written.write_text(json.dumps(report, indent=2) + "\n")
    written.replace(path)


def _on_bench_sqlite() -> bool:
    return connection.vendor == "sqlite" and Path(connection.settings_dict["NAME"]) == SQLITE_FILE


def _sqlite_fresh(reuse: bool) -> None:
    """A fresh, migrated var/bench.sqlite3 (the one there is kept with --reuse)."""
    if not reuse:
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            SQLITE_FILE.with_name(SQLITE_FILE.name + suffix).unlink(missing_ok=True)
    began = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"{SQLITE_FILE.relative_to(ROOT)} migrated in {time.monotonic() - began:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database",
        choices=["url", "sqlite"],
        default="url",
        help="url: the database DATABASE_URL names (default); sqlite: a fresh var/bench.sqlite3.",
    )
    parser.add_argument("--repeat", type=int, default=15, help="Timed requests per page (default 15).")
    parser.add_argument("--tick-repeat", type=int, default=3, help="Timed ticks (default 3).")
    parser.add_argument(
        "--sizes",
        help="Sizes to run, in order (default tenth,full,large; tenth,full with --database sqlite).",
    )
    parser.add_argument(
        "--merge", action="store_true", help="Keep what bench/results.json holds of other runs."
    )
    parser.add_argument("--reuse", action="store_true", help="Keep data already seeded at the right size.")
    parser.add_argument(
        "--seed-processes",
        type=int,
        default=2,
        help="Processes seeding the small users on PostgreSQL, beside benchbig's (default 2).",
    )
    # Where to write, for trial runs that must leave bench/results.json alone.
    parser.add_argument("--results", type=Path, default=RESULTS, help=argparse.SUPPRESS)
    # Every count multiplied by this, to try the code paths in seconds; nothing is written to results.json.
    parser.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database == "sqlite" and not _on_bench_sqlite():
        # Settings are read once, at django.setup(): run again with DATABASE_URL naming the file.
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{SQLITE_FILE}"}
        sys.exit(subprocess.run([sys.executable, __file__, *sys.argv[1:]], env=env, check=False).returncode)
    if args.database == "url" and not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL to the database to fill with benchmark users (README: Benchmarks)")
    if args.database == "sqlite":
        _sqlite_fresh(args.reuse)
    # The test client's host and the locmem mail backend, without setup_test_environment's instrumented
    # template rendering, which copies every context for the test client and would be timed too.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    mail.outbox = []
    key = SECTIONS[args.database]
    report = report_load(args.results, merge=args.merge)
    report.update({"now": NOW.isoformat(), "repeat": args.repeat})
    if key == "sizes":
        report["database"] = connection.vendor
    section = report.setdefault(key, {})
    for name in (args.sizes or DEFAULT_SIZES[args.database]).split(","):
        size = size_scaled(SIZES[name], args.scale) if args.scale != 1 else SIZES[name]
        seconds = None
        if not (args.reuse and _seeded(size)):
            print(f"Seeding {name}: {size} ...", flush=True)
            seconds = round(seed(size, args.seed_processes), 1)
            print(f"  seeded in {seconds} s", flush=True)
        began = time.monotonic()
        results = measure(args.repeat, args.tick_repeat)
        section[name] = {
            "size": size,
            "database": str(connection.settings_dict["NAME"]).removeprefix(f"{ROOT}/"),
            "vendor": connection.vendor,
            "seed_seconds": seconds,
            "measure_seconds": round(time.monotonic() - began, 1),
            "results": results,
        }
        print(table(f"\n{name} ({connection.vendor}): {size}", results), flush=True)
        print(f"  measured in {section[name]['measure_seconds']} s", flush=True)
    if args.scale != 1:
        print(summary(report))
        print(f"\nScaled by {args.scale}: {args.results} left alone.")
        return
    report_write(args.results, report)
    print(summary(report))
    print(f"\nWrote {args.results}")


if __name__ == "__main__":
    main()
