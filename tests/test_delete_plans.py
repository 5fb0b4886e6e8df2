"""Deleting a contact stays cheap however many rows its owner has (PostgreSQL).

PostgreSQL checks each composite (contact, owner) key of a deleted contact with one cached statement per key
and a generic plan. Where a contact has many rows (participations), the planner can prefer to AND in the
owner's own index, which for an owner of 50,000 contacts reads every one of their 600,000 participations for
each contact deleted (16 ms a contact: 17 s for a bulk delete of 1,000, and minutes for a whole account).
What the planner saw there (about 450 rows expected per owner, 14 per contact) is given to a small database
here with PostgreSQL's per-column `n_distinct` (20 owners over 600 rows: 30 expected per owner, 15 per
contact), and the check's generic plan must find a deleted contact's rows through an index on the contact
and its owner, never through the owner's alone.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from accounts.choices import Intention, Purpose, Setting
from interactions.models import Interaction, Kind, Participation
from tests.factories import ContactFactory, UserFactory
from tests.test_dashboard_plans import _nodes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _check_plan(table: str, column: str, key: tuple[int, int]) -> list[dict[str, Any]]:
    """The generic plan of PostgreSQL's own check that no row of `table` still points at a deleted row."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(
            f'PREPARE key_check(bigint, bigint) AS SELECT 1 FROM ONLY "{table}" x '
            f'WHERE $1 = "{column}" AND $2 = "owner_id" FOR KEY SHARE OF x'
        )
        try:
            cursor.execute("EXPLAIN (FORMAT JSON) EXECUTE key_check(%s, %s)", key)
            (plan,) = cursor.fetchone()
        finally:
            cursor.execute("DEALLOCATE key_check")
    plan = plan if isinstance(plan, list) else json.loads(plan)
    return list(_nodes(plan[0]["Plan"]))


def test_a_deleted_contacts_participations_are_checked_by_the_contact_not_the_owner():
    big, other = UserFactory(), UserFactory()
    contacts = ContactFactory.create_batch(40, owner=big, intention=Intention.PERSONAL)
    start = timezone.now() - dt.timedelta(days=400)
    for n in range(15):
        when = start + dt.timedelta(days=n)
        interactions = Interaction.objects.bulk_create(
            Interaction(
                owner=big,
                occurred_at=when,
                kind=Kind.CONVERSATION,
                purpose=Purpose.PERSONAL,
                setting=Setting.INFORMAL,
            )
            for _ in contacts
        )
        Participation.objects.bulk_create(
            Participation(
                owner=big,
                interaction=i,
                contact=c,
                occurred_at=when,
                purpose=Purpose.PERSONAL,
                intention_then=Intention.PERSONAL,
            )
            for i, c in zip(interactions, contacts, strict=True)
        )
    ContactFactory(owner=other)
    with connection.cursor() as cursor:
        # The rows' deferred key checks run now: a table with checks pending cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # More rows expected per owner than per contact, as in an installation with one large owner.
        cursor.execute("ALTER TABLE interactions_participation ALTER COLUMN owner_id SET (n_distinct = 20)")
        cursor.execute("ANALYZE interactions_participation")
    scans = [
        (node["Index Name"], node.get("Index Cond", ""))
        for node in _check_plan("interactions_participation", "contact_id", (contacts[0].pk, big.pk))
        if "Index Name" in node
    ]
    assert scans, "the check reads the whole table"
    assert all("contact_id" in condition for _index, condition in scans), scans
