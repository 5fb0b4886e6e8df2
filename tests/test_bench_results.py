"""bench/run.py's results.json and tables: a run adds its sizes to what the runs before it wrote (`make bench`
runs PostgreSQL, then SQLite with --merge), and the tables show every size with the growth to the next,
query counts that changed, and SQLite against PostgreSQL at the same size."""

from __future__ import annotations

import json
from typing import Any

from bench import run


def _entry(friendships: float, contacts_list: float, *, list_queries: int = 7) -> dict[str, Any]:
    def result(median: float, queries: int) -> dict[str, Any]:
        return {"median_ms": median, "p95_ms": median + 1, "queries": queries, "sql_ms": 1.0, "ratio": 2.0}

    return {
        "size": {},
        "seed_seconds": 1.0,
        "results": {
            "friendships": result(friendships, 8),
            "contacts list": result(contacts_list, list_queries),
        },
    }


def test_a_merged_run_keeps_the_other_sizes_and_the_other_database(tmp_path):
    path = tmp_path / "results.json"
    earlier = {
        "database": "postgresql",
        "sizes": {"tenth": _entry(10, 10), "full": _entry(20, 12), "large": _entry(40, 12)},
        "sqlite": {"tenth": _entry(12, 11)},
        "growth_full_over_tenth": {"friendships": 2.0},
    }
    path.write_text(json.dumps(earlier))

    report = run.report_load(path, merge=True)
    report.setdefault("sqlite", {})["full"] = _entry(30, 24)
    run.report_write(path, report)

    written = json.loads(path.read_text())
    assert list(written["sizes"]) == ["tenth", "full", "large"]
    assert set(written["sqlite"]) == {"tenth", "full"}
    assert written["growth"]["sizes"] == {
        "full / tenth": {"friendships": 2.0, "contacts list": 1.2},
        "large / full": {"friendships": 2.0, "contacts list": 1.0},
    }
    assert written["growth"]["sqlite"] == {"full / tenth": {"friendships": 2.5, "contacts list": 2.2}}
    assert written["sqlite_over_postgresql"]["full"] == {"friendships": 1.5, "contacts list": 2.0}
    assert "growth_full_over_tenth" not in written
    # Without --merge a run starts afresh.
    assert run.report_load(path, merge=False) == {"sizes": {}}


def test_the_tables_show_each_size_its_growth_changed_query_counts_and_sqlite_against_postgresql():
    report = {
        "sizes": {
            "tenth": _entry(10, 10),
            "full": _entry(20, 12),
            "large": _entry(40, 12, list_queries=8),
        },
        "sqlite": {"tenth": _entry(12, 11), "full": _entry(30, 24)},
    }

    lines = run.summary(report).splitlines()

    header = lines[lines.index("PostgreSQL, times in ms") + 1]
    assert header.startswith("| what | tenth median | full median | large median | large p95 |")
    assert header.endswith("| full / tenth | large / full |")
    assert "| friendships | 10 | 20 | 40 | 41 | 8 | 1.0 | 2.0 | 2.0x | 2.0x |" in lines
    assert "| contacts list | 10 | 12 | 12 | 13 | 7 -> 7 -> 8 | 1.0 | 2.0 | 1.2x | 1.0x |" in lines
    assert "PostgreSQL, query counts full -> large: contacts list 7 -> 8" in lines
    assert "PostgreSQL, query counts tenth -> full: none changed" in lines
    assert "| friendships | 12 | 10 | 1.2x | 30 | 20 | 1.5x |" in lines
