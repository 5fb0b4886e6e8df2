"""Ownership: every object belongs to exactly one user.

Views fetch objects by id only through `get_owned_or_404`, so another user's id is a 404. The database
checks what it can as well: `composite_owner_keys` gives migrations composite foreign keys, (fk, owner_id)
referencing the target's UNIQUE (id, owner_id), so PostgreSQL itself refuses a row that points at another
user's object. SQLite cannot add constraints to existing tables; there the domain functions and the
outsider tests carry the rule alone.
"""

from __future__ import annotations

from django.db import models
from django.shortcuts import get_object_or_404


def get_owned_or_404[M: models.Model](
    model: type[M] | models.QuerySet[M], user: models.Model, **lookup: object
) -> M:
    """Return the object matching `lookup` that `user` owns, or raise Http404 (never 403: another user's
    ids must not even be confirmed to exist)."""
    queryset = model._default_manager.all() if isinstance(model, type) else model
    return get_object_or_404(queryset.filter(owner=user), **lookup)


def owned[M: models.Model](model: type[M], user: models.Model) -> models.QuerySet[M]:
    """Every row of `model` that `user` owns."""
    return model._default_manager.filter(owner=user)


def composite_owner_keys(*keys: tuple[str, str, str]):
    """The forward and backward functions of a RunPython operation adding (table, column, target) keys."""

    def name(table: str, column: str) -> str:
        return f"{table}_{column}_same_owner"[:63]

    def forward(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table, column, target in keys:
            schema_editor.execute(
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{name(table, column)}" '
                f'FOREIGN KEY ("{column}", "owner_id") REFERENCES "{target}" ("id", "owner_id") '
                "DEFERRABLE INITIALLY DEFERRED"
            )

    def backward(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table, column, _target in keys:
            schema_editor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name(table, column)}"')

    return forward, backward
