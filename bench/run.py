"""`make bench`: how fast the dashboards, the contacts list, a search, a contact page and the follow-up tick
are on the database DATABASE_URL names, at full size and at one tenth, so the growth of cost is visible.

1. Build the data with seed_demo: one user (benchbig) with 10,000 contacts and 100,000 interactions over
   three years, and 1,000 users (benchmany, bench1..bench999) with 100 contacts each. The tenth size is
   built first, then the full size replaces it (seed_demo names its extra users bench1..benchN).
2. Measure warm, in this process, through the Django test client logged in as benchbig: each page is
   requested once to warm caches, then `--repeat` times. For each: median and p95 server time, the SQL
   query count, and the ratio of the page's time to the time of its SQL alone (the queries captured with
   CaptureQueriesContext, executed again raw: the floor the database sets).
3. The tick: what Celery beat runs every five minutes (digests_due: find the users whose digest is due,
   create their digests, take them to send) over all users at a moment when every user's digest hour has
   come, in a transaction rolled back after each run so every run sees the same due follow-ups. Then what
   a worker does per digest it is handed (digest_send), for SENDS of them (mail to locmem).
4. Write bench/results.json and print a table per size, then the full/tenth ratios.

Usage: python bench/run.py [--repeat 15] [--tick-repeat 3] [--sizes tenth,full] [--reuse] [--merge]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from contacts.models import Contact  # noqa: E402
from demo.planner import DemoSize  # noqa: E402
from demo.seed import BENCH_PREFIX, seed_demo  # noqa: E402
from followups.digests import digest_send, digests_due  # noqa: E402
from interactions.models import Participation  # noqa: E402

# Fixed, so that two runs build the same data and the tick finds the same follow-ups due. 09:00 in London
# on a Wednesday: past every bench user's 08:00 digest hour, a working day for professional follow-ups.
NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
BIG, MANY = "benchbig", "benchmany"
SIZES = {
    "full": {"contacts": 10_000, "interactions": 100_000, "users": 1_000, "user_contacts": 100},
    "tenth": {"contacts": 1_000, "interactions": 10_000, "users": 100, "user_contacts": 100},
}
# Interactions per contact of the many small users, as for the big one: 10.
PER_CONTACT = 10
RESULTS = ROOT / "bench" / "results.json"
# Digests sent one by one, as workers do, for "digest: send one".
SENDS = 25


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _seeded(size: dict[str, int]) -> bool:
    big = Contact.objects.filter(owner__username=BIG).count()
    users = User.objects.filter(username__startswith=BENCH_PREFIX).count()
    return big == size["contacts"] and users == size["users"] + 1


def seed(size: dict[str, int]) -> float:
    began = time.monotonic()
    seed_demo(
        username=BIG,
        size=DemoSize(contacts=size["contacts"], interactions=size["interactions"], years=3),
        now=NOW,
    )
    # Extra users left from a larger size would join the tick: remove them.
    extra = [
        u
        for u in User.objects.filter(username__regex=rf"^{BENCH_PREFIX}[0-9]+$").values_list("pk", "username")
        if int(u[1][len(BENCH_PREFIX) :]) >= size["users"]
    ]
    if extra:
        User.objects.filter(pk__in=[pk for pk, _ in extra]).delete()
    seed_demo(
        username=MANY,
        extra_users=size["users"] - 1,
        size=DemoSize(
            contacts=size["user_contacts"], interactions=size["user_contacts"] * PER_CONTACT, years=3
        ),
        now=NOW,
    )
    if connection.vendor == "postgresql":
        # Seeding rewrites every contact row once (created_at, due dates), leaving as many dead rows as live
        # ones; a database in use would have had autovacuum tidy them long ago. VACUUM runs outside a
        # transaction, which this connection is in autocommit mode here.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
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


def measure_page(client: Client, url: str, repeat: int) -> dict[str, float]:
    assert client.get(url).status_code == 200, url  # warm
    times, sql_times, queries = [], [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - began)
        assert response.status_code == 200, url
        queries = len(captured.captured_queries)
        sql_times.append(_sql_alone(captured.captured_queries))
    return _summary(times, sql_times, queries)


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
    digests in a transaction rolled back at the end; the first `count` are sent one by one and timed."""
    times, sql_times, queries = [], [], []
    with transaction.atomic():
        for digest_id in digests_due(NOW)[:count]:
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                outcome = digest_send(digest_id, now=NOW)
                times.append(time.perf_counter() - began)
            assert outcome == "sent", outcome
            queries.append(len(captured.captured_queries))
            with transaction.atomic():
                sql_times.append(_sql_alone(captured.captured_queries))
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
    results = {name: measure_page(client, url, repeat) for name, url in pages.items()}
    # The tick as Celery beat runs it (find the users whose digest is due, create and queue their digests),
    # and the work of a worker per digest (workers send them in parallel).
    results["tick: queue"] = measure_tick(tick_repeat, lambda: digests_due(NOW))
    results["digest: send one"] = measure_send(SENDS)
    return results


def table(title: str, results: dict[str, dict[str, float]]) -> str:
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=15, help="Timed requests per page (default 15).")
    parser.add_argument("--tick-repeat", type=int, default=3, help="Timed ticks (default 3).")
    parser.add_argument("--sizes", default="tenth,full", help="Sizes to run, in order (default tenth,full).")
    parser.add_argument("--merge", action="store_true", help="Keep other sizes from bench/results.json.")
    parser.add_argument("--reuse", action="store_true", help="Keep data already seeded at the right size.")
    args = parser.parse_args()
    # The test client's host and the locmem mail backend, without setup_test_environment's instrumented
    # template rendering, which copies every context for the test client and would be timed too.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    mail.outbox = []
    report: dict[str, object] = {
        "database": connection.vendor,
        "now": NOW.isoformat(),
        "repeat": args.repeat,
        "sizes": {},
    }
    if args.merge and RESULTS.exists():
        # Sizes measured before (on another database, say) stay, so growth can be computed across runs.
        report["sizes"] = json.loads(RESULTS.read_text()).get("sizes", {})
    for name in args.sizes.split(","):
        size = SIZES[name]
        seconds = None
        if not (args.reuse and _seeded(size)):
            print(f"Seeding {name}: {size} ...", flush=True)
            seconds = round(seed(size), 1)
            print(f"  seeded in {seconds} s", flush=True)
        results = measure(args.repeat, args.tick_repeat)
        report["sizes"][name] = {  # type: ignore[index]
            "size": size,
            "database": connection.settings_dict["NAME"],
            "seed_seconds": seconds,
            "results": results,
        }
        print(table(f"\n{name} ({connection.vendor}): {size}", results), flush=True)
    sizes = report["sizes"]
    if "full" in sizes and "tenth" in sizes:  # type: ignore[operator]
        full, tenth = sizes["full"]["results"], sizes["tenth"]["results"]  # type: ignore[index]
        growth = {
            n: round(full[n]["median_ms"] / tenth[n]["median_ms"], 1) if tenth[n]["median_ms"] else None
            for n in full
            if n in tenth
        }
        report["growth_full_over_tenth"] = growth
        print("\nfull / tenth, median time: " + ", ".join(f"{n} {g}x" for n, g in growth.items()))
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
