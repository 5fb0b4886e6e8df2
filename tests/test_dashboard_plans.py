"""Every query the dashboards run is served by an index on PostgreSQL (issue #17).

The pages are requested over a seeded account and each statement they ran is explained with
`enable_seqscan = off`: the planner then scans a table from end to end only when no index can serve the
query at all, so a sequential scan of contacts, interactions or participations left in a plan (or a scan of
a whole index of theirs, with no condition on it) is a query that reads the whole table whatever the
account's size."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from demo.planner import DemoSize
from demo.seed import seed_demo

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
# The tables that grow with the data; the people met at events (EventPerson) is one row per person met.
WATCHED = {
    "contacts_contact",
    "interactions_interaction",
    "interactions_participation",
    "dashboards_eventperson",
}
PAGES = ["/friendships/", "/network/", "/balance/"]

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _sequential_scans(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        (plan,) = cursor.fetchone()
    plan = plan if isinstance(plan, list) else json.loads(plan)
    whole = []
    for node in _nodes(plan[0]["Plan"]):
        kind, relation = node["Node Type"], node.get("Relation Name")
        if relation not in WATCHED:
            continue
        if kind == "Seq Scan":
            whole.append(f"{kind} on {relation}")
        # Refused a sequential scan, the planner reads a whole index instead: the same thing in another order.
        elif kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node:
            whole.append(f"{kind} of all of {node['Index Name']} on {relation}")
    return whole


@time_machine.travel(NOW, tick=False)
def test_no_dashboard_query_reads_a_whole_table(client):
    seed_demo(size=DemoSize(contacts=300, interactions=2000, years=3), now=NOW)
    client.force_login(User.objects.get(username="demo"))
    explained = 0
    for page in PAGES:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page).status_code == 200
        for query in queries.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            explained += 1
            assert _sequential_scans(sql) == [], (page, sql[:300])
    assert explained >= 15
