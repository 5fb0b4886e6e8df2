"""Planner statistics (accounts.database): SQLite keeps none unless asked, so Kith asks after migrations,
after a large import and daily from beat; the embedded database runs with a page cache like a server's."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from accounts.choices import Intention
from accounts.database import database_analyze
from config.celery import app
from contacts.models import Contact
from tests.factories import ContactFactory
from transfer import jobs
from transfer.imports import import_file


def _analysed_rows(table: str) -> int | None:
    """What the planner believes the table holds: None while it has never been analysed."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return None
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s AND idx IS NOT NULL", [table])
            row = cursor.fetchone()
            return int(row[0].split()[0]) if row else None
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        tuples = cursor.fetchone()[0]
        return None if tuples < 0 else int(tuples)


def _linkedin(rows: int) -> bytes:
    lines = ["First Name,Last Name,Email Address,Company,Position,Connected On"]
    lines += [f"Person,Number{i},,Acme,Engineer,01 Jan 2024" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_analysing_tells_the_planner_how_many_contacts_there_are(alice):
    ContactFactory.create_batch(12, owner=alice)
    database_analyze([Contact])
    assert _analysed_rows(Contact._meta.db_table) == 12


def test_migrating_analyses_the_database(alice):
    ContactFactory.create_batch(7, owner=alice)
    call_command("migrate", verbosity=0)
    if connection.vendor == "sqlite":
        assert _analysed_rows(Contact._meta.db_table) == 7


def test_a_large_import_analyses_the_tables_it_filled(alice, monkeypatch):
    monkeypatch.setattr(jobs, "ANALYZE_AFTER_ROWS", 30)
    import_file(alice, _linkedin(10), intention=Intention.PROFESSIONAL, filename="Connections.csv")
    assert _analysed_rows(Contact._meta.db_table) is None or _analysed_rows(Contact._meta.db_table) != 10
    import_file(alice, _linkedin(40), intention=Intention.PROFESSIONAL, filename="Connections.csv")
    assert _analysed_rows(Contact._meta.db_table) == 40


def test_beat_analyses_daily_with_a_task_the_worker_knows():
    entry = settings.CELERY_BEAT_SCHEDULE["analyze-database"]
    assert entry["schedule"] == 24 * 60 * 60
    assert entry["task"] in app.tasks


def test_the_embedded_default_is_analysed_on_migrate_and_keeps_a_server_sized_cache(tmp_path):
    """The embedded default, whatever database this suite runs on: a fresh SQLite file, migrated by
    manage.py with no DATABASE_URL, holds planner statistics, and its connections run with the pragmas."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env["KITH_DATA_DIR"] = str(tmp_path)
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, timeout=300)
    database = sqlite3.connect(tmp_path / "kith.sqlite3")
    assert database.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone() == (
        1,
    )
    database.close()
    shown = subprocess.run(
        [*manage, "shell", "-v", "0", "-c", PRAGMAS_SHOWN],
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert shown.stdout.split() == ["wal", "-32000", "2"]


def test_a_sqlite_database_url_gets_the_embedded_defaults_settings(tmp_path):
    """DATABASE_URL=sqlite:///path (how `make bench` measures SQLite) is that file, with the same pragmas."""
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    env.update(KITH_DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}")
    shown = subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "shell", "-v", "0", "-c", PRAGMAS_SHOWN],
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert shown.stdout.split() == ["wal", "-32000", "2"]
    assert (tmp_path / "elsewhere.sqlite3").exists()
    assert not (tmp_path / "kith.sqlite3").exists()


PRAGMAS_SHOWN = """
from django.db import connection
with connection.cursor() as cursor:
    for pragma in ("journal_mode", "cache_size", "temp_store"):
        print(cursor.execute(f"PRAGMA {pragma}").fetchone()[0])
"""
