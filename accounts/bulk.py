"""Writing many rows at once.

- `rows_update`: different values for many rows. Django's `bulk_update` sends one `CASE WHEN id = ...` per
  field, which the database evaluates arm by arm for every row (seconds for 10,000 rows); `rows_update` joins
  the table to a list of values instead, one statement per batch, on PostgreSQL and on SQLite (3.33 and
  later).
- `pairs_add`: rows of a link table (a many-to-many's), as two arrays in one statement on PostgreSQL.
- `CopyQuerySet`: a `bulk_create` that writes large batches through PostgreSQL's `COPY`. Django's INSERT
  prepares every cell through its field and builds one placeholder per cell, which costs more than the
  database's own work (10,000 contacts: ~1.2 s against ~0.25 s).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import Any

from django.db import connection, connections, models
from django.db.models import Field, Model
from django.db.models.fields import AutoFieldMixin

BATCH_SIZE = 500
# Below this many rows an INSERT costs no more than the sequence read and the COPY.
COPY_MIN_ROWS = 50
# Fields whose value, when it has the type the field holds, is already what the database takes (no pre_save,
# no conversion): per field class, that test. A value of another type (a datetime in a DateField, a float in
# an IntegerField), and every other field, goes through the field's own pre_save and get_db_prep_save, as
# Django's INSERT does.
_TEXT, _NUMBER = (lambda v: isinstance(v, str)), (lambda v: isinstance(v, int) and not isinstance(v, bool))
_PLAIN_FIELDS: dict[type[Field[Any, Any]], Callable[[Any], bool]] = {
    models.CharField: _TEXT,
    models.TextField: _TEXT,
    models.EmailField: _TEXT,
    models.URLField: _TEXT,
    models.SlugField: _TEXT,
    models.IntegerField: _NUMBER,
    models.SmallIntegerField: _NUMBER,
    models.BigIntegerField: _NUMBER,
    models.PositiveIntegerField: _NUMBER,
    models.PositiveSmallIntegerField: _NUMBER,
    models.PositiveBigIntegerField: _NUMBER,
    models.ForeignKey: _NUMBER,
    models.OneToOneField: _NUMBER,
    models.BooleanField: lambda v: type(v) is bool,
    models.DateField: lambda v: type(v) is dt.date,
    models.DateTimeField: lambda v: isinstance(v, dt.datetime) and v.tzinfo is not None,
}


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


def pairs_add(model: type[Model], columns: tuple[str, str], pairs: Iterable[tuple[int, int]]) -> None:
    """Insert rows of `model` (a link table: an id and two integer columns) holding `pairs`, skipping those a
    unique constraint already holds. PostgreSQL takes the pairs as two arrays in one statement; elsewhere
    Django's INSERT with ignore_conflicts, which builds an object and two placeholders a pair (20,000 links:
    ~0.25 s against ~0.03 s)."""
    pairs = sorted(pairs)
    if not pairs:
        return
    fields = [f for f in (model._meta.get_field(name) for name in columns) if isinstance(f, Field)]
    if len(fields) != 2:
        raise TypeError(f"{columns} are not two columns of {model._meta.label}")
    if connection.vendor != "postgresql":
        a, b = (str(f.attname) for f in fields)
        model._default_manager.bulk_create(
            [model(**{a: x, b: y}) for x, y in pairs], batch_size=BATCH_SIZE, ignore_conflicts=True
        )
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(f.column)) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({names}) "
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[]) ON CONFLICT DO NOTHING",
            [[x for x, _ in pairs], [y for _, y in pairs]],
        )


class CopyQuerySet[M: Model](models.QuerySet[M]):
    """A QuerySet whose `bulk_create` writes batches of `COPY_MIN_ROWS` rows or more through PostgreSQL's
    `COPY`, with primary keys taken from the table's sequence first, so the objects come back with them as
    from an INSERT. Django's own INSERT stays for SQLite, small batches, objects that have a primary key
    already, and conflict handling (which COPY cannot do). Like Django's, it sends no signals."""

    def bulk_create(self, objs: Iterable[M], *args: Any, **kwargs: Any) -> list[M]:
        objs = list(objs)
        self._for_write = True  # as Django's bulk_create: self.db is then the database written to
        conflicts = kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts") or len(args) > 1
        meta = self.model._meta
        if (
            conflicts
            or len(objs) < COPY_MIN_ROWS
            or connections[self.db].vendor != "postgresql"
            or not isinstance(meta.pk, AutoFieldMixin)
            # Values the database makes: COPY would have to leave them out and read them back.
            or any(f.generated or f.has_db_default() for f in meta.concrete_fields)
            or any(obj.pk is not None for obj in objs)
        ):
            return super().bulk_create(objs, *args, **kwargs)
        rows_copy(self.model, objs, using=self.db)
        return objs


def rows_copy(model: type[Model], objs: Sequence[Model], *, using: str = "default") -> None:
    """Insert `objs` (new objects of `model`, no primary keys yet) with one `COPY` on PostgreSQL and give each
    its primary key, in the order of `objs`."""
    db = connections[using]
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [f for f in meta.local_concrete_fields if f is not pk]
    cells = [_cell(f, db) for f in fields]
    quote = db.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in [pk, *fields])
    for obj in objs:
        # What Django's bulk_create checks: a related object saved after it was assigned lends its key.
        obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
    # COPY goes through psycopg's own cursor: errors are made Django's (IntegrityError...) as an INSERT's are.
    with db.wrap_database_errors, db.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(objs)],
        )
        keys = sorted(row[0] for row in cursor.fetchall())
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for key, obj in zip(keys, objs, strict=True):
                copy.write_row([key, *(cell(obj) for cell in cells)])
    for key, obj in zip(keys, objs, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = using


def _cell(field: Field[Any, Any], db: Any) -> Callable[[Model], Any]:
    """How one field's value on an object becomes its cell: taken as it is when the field is plain and the
    value of its type (_PLAIN_FIELDS), else through the field's pre_save (auto_now, folded copies, generated
    card names) and get_db_prep_save (JSON, time zones), as an INSERT would."""
    prepared = lambda obj: field.get_db_prep_save(field.pre_save(obj, True), db)  # noqa: E731
    plain = _PLAIN_FIELDS.get(type(field))
    if plain is None or getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return prepared
    read = attrgetter(field.attname)

    def cell(obj: Model) -> Any:
        value = read(obj)
        return value if value is None or plain(value) else prepared(obj)

    return cell
