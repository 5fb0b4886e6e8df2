"""Data migrations, run against rows made before them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

PARTICIPATION_WHEN = ("interactions", "0006_participation_when")


def _just_before(executor: MigrationExecutor, node: tuple[str, str]) -> list[tuple[str, str]]:
    """Every app at its latest migration, except that `node` and what follows it are not applied."""
    graph = executor.loader.graph
    (parent,) = [p for p in graph.node_map[node].parents if p[0] == node[0]]
    return [n for n in graph.leaf_nodes() if n[0] != node[0]] + [parent]


@pytest.fixture
def migrator():
    """A migration executor; whatever the test does, the database is migrated to the present after it."""
    yield MigrationExecutor(connection)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_participations_take_their_interactions_time_and_purpose(migrator):
    executor = migrator
    before = _just_before(executor, PARTICIPATION_WHEN)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    User = apps.get_model("accounts", "User")
    Contact = apps.get_model("contacts", "Contact")
    Interaction = apps.get_model("interactions", "Interaction")
    Participation = apps.get_model("interactions", "Participation")
    maya = User.objects.create(username="maya", email="maya@example.com")
    ana, ben = (
        Contact.objects.create(owner=maya, display_name=name, intention="personal", circle="close")
        for name in ("Ana", "Ben")
    )
    lunch = Interaction.objects.create(
        owner=maya,
        occurred_at=dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC),
        purpose="personal",
        setting="informal",
    )
    call = Interaction.objects.create(
        owner=maya,
        occurred_at=dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC),
        purpose="professional",
        setting="formal",
    )
    for interaction, contact in [(lunch, ana), (lunch, ben), (call, ana)]:
        Participation.objects.create(owner=maya, interaction=interaction, contact=contact)

    executor = MigrationExecutor(connection)
    executor.migrate([PARTICIPATION_WHEN])
    Participation = executor.loader.project_state([PARTICIPATION_WHEN]).apps.get_model(
        "interactions", "Participation"
    )
    rows = sorted(Participation.objects.values_list("contact__display_name", "occurred_at", "purpose"))
    assert rows == [
        ("Ana", lunch.occurred_at, "personal"),
        ("Ana", call.occurred_at, "professional"),
        ("Ben", lunch.occurred_at, "personal"),
    ]
