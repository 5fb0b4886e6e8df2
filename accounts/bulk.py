"""Writing different values to many rows at once. Django's `bulk_update` sends one `CASE WHEN id = ...` per
field, which the database evaluates arm by arm for every row (seconds for 10,000 rows); `rows_update` joins
the table to a list of values instead, one statement per batch, on PostgreSQL and on SQLite (3.33 and
later).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model

BATCH_SIZE = 500


def rows_update(model: type[Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Set `fields` of `model`'s rows: each of `rows` is a primary key followed by the new values of
    `fields`, in that order. Returns how many rows were given."""
    if not rows:
        return 0
    meta = model._meta
    quote = connection.ops.quote_name
    columns: list[Field[Any, Any]] = []
    for name in fields:
        column = meta.get_field(name)
        assert isinstance(column, Field), f"{name} is not a column of {meta.label}"
        columns.append(column)
    pk = meta.pk
    assert pk is not None
    names = ["key", *(f"v{i}" for i in range(len(columns)))]
    # PostgreSQL types a VALUES list from its first row and would take NULLs and dates as text: every cell
    # says its type. SQLite takes the values as they come (its CAST to a date would make a number).
    if connection.vendor == "postgresql":
        types = [pk.db_type(connection), *(c.db_type(connection) for c in columns)]
        cell = [f"CAST(%s AS {t})" for t in types]
    else:
        cell = ["%s"] * len(names)
    row_sql = "(" + ", ".join(cell) + ")"
    table = quote(meta.db_table)
    assignments = ", ".join(
        f"{quote(str(c.column))} = v.{n}" for c, n in zip(columns, names[1:], strict=True)
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            batch = rows[start : start + BATCH_SIZE]
            params: list[Any] = []
            for row in batch:
                params.append(row[0])
                params.extend(
                    c.get_db_prep_value(value, connection) for c, value in zip(columns, row[1:], strict=True)
                )
            cursor.execute(
                f"WITH v({', '.join(names)}) AS (VALUES {', '.join([row_sql] * len(batch))}) "
                f"UPDATE {table} SET {assignments} FROM v WHERE {table}.{quote(str(pk.column))} = v.key",
                params,
            )
    return len(rows)
