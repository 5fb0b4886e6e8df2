"""Planner statistics: the query planner picks an index by what it knows of the tables, and a planner that
knows nothing guesses. PostgreSQL's autovacuum keeps its statistics; SQLite keeps none until someone runs
`ANALYZE`, and an unanalysed SQLite file ran the dashboards 1.7x slower at 10,000 contacts (issue #17).

`database_analyze` is called after migrations (accounts.receivers), after the demo seed and after an import
(bulk writes of thousands of rows), and once a day by beat. On SQLite, `analysis_limit` bounds each index's
sample, so the call takes milliseconds however large the file grows; on PostgreSQL, only the tables named are
analysed (autovacuum does the rest in its own time).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

# Rows SQLite samples per index: enough to tell a selective index from one that is not.
SQLITE_ANALYSIS_LIMIT = 1000


def database_analyze(models: Iterable[type[Model]] = (), *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Refresh the planner's statistics: every table on SQLite, the tables of `models` on PostgreSQL."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
