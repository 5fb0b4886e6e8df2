"""Migration tests' helpers: where to stop before a migration, so that rows can be made as they were."""

from __future__ import annotations

from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps


def just_before(executor: MigrationExecutor, node: tuple[str, str]) -> list[tuple[str, str | None]]:
    """Every app at its latest migration that does not need `node`: `node` and whatever depends on it, in
    its own app or another (an app whose first migration does is at zero), are not applied."""
    graph = executor.loader.graph
    after = set(graph.backwards_plan(node))
    targets: list[tuple[str, str | None]] = []
    for app in sorted({name for name, _ in graph.nodes}):
        kept = [n for n in graph.forwards_plan(_leaf(graph, app)) if n[0] == app and n not in after]
        targets.append(kept[-1] if kept else (app, None))
    return targets


def _leaf(graph, app: str) -> tuple[str, str]:
    (leaf,) = [n for n in graph.leaf_nodes() if n[0] == app]
    return leaf


def migrate_to_just_before(executor: MigrationExecutor, node: tuple[str, str]) -> StateApps:
    """Migrate the database to `just_before(node)` and return the models as they were there."""
    before = just_before(executor, node)
    executor.migrate(before)
    return executor.loader.project_state([n for n in before if n[1]]).apps
