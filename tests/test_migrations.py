"""Data migrations, run against rows made before them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.migrating import migrate_to_just_before

PARTICIPATION_WHEN = ("interactions", "0006_participation_when")


@pytest.mark.django_db(transaction=True)
def test_existing_participations_take_their_interactions_time_and_purpose(migrator):
    apps = migrate_to_just_before(migrator, PARTICIPATION_WHEN)
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


FOLLOWUPS_MOVE = ("interactions", "0007_followups_move_out")


@pytest.mark.django_db(transaction=True)
def test_followups_and_digests_keep_every_row_across_their_move_to_their_own_app(migrator):
    """FollowUp and Digest moved from interactions to followups with a state-only migration: a database
    holding them before the move holds the same rows after, read through the new app's models."""
    apps = migrate_to_just_before(migrator, FOLLOWUPS_MOVE)
    with pytest.raises(LookupError):
        apps.get_model("followups", "FollowUp")
    User = apps.get_model("accounts", "User")
    Contact = apps.get_model("contacts", "Contact")
    OldFollowUp = apps.get_model("interactions", "FollowUp")
    OldDigest = apps.get_model("interactions", "Digest")
    maya = User.objects.create(username="maya", email="maya@example.com")
    ana = Contact.objects.create(owner=maya, display_name="Ana", intention="personal", circle="close")
    digest = OldDigest.objects.create(
        owner=maya,
        local_date=dt.date(2026, 3, 2),
        status="sent",
        available_at=dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC),
        message_id="<digest-1@kith>",
        followup_count=1,
    )
    sent = OldFollowUp.objects.create(
        owner=maya,
        contact=ana,
        purpose="personal",
        reason="cadence",
        due_on=dt.date(2026, 3, 1),
        state="sent",
        clock_since=dt.date(2025, 12, 1),
        cadence_days=90,
        digest=digest,
    )
    asked = OldFollowUp.objects.create(
        owner=maya,
        contact=ana,
        purpose="personal",
        reason="requested",
        due_on=dt.date(2026, 4, 1),
        note="send the photos",
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from followups.models import Digest, FollowUp

    rows = sorted(FollowUp.objects.values_list("pk", "contact__display_name", "reason", "state", "note"))
    assert rows == [
        (sent.pk, "Ana", "cadence", "sent", ""),
        (asked.pk, "Ana", "requested", "scheduled", "send the photos"),
    ]
    assert FollowUp.objects.get(pk=sent.pk).digest_id == digest.pk
    assert list(Digest.objects.values_list("pk", "message_id", "status")) == [
        (digest.pk, "<digest-1@kith>", "sent")
    ]


FOLDED_COLUMNS = ("contacts", "0008_folded_columns")


@pytest.mark.django_db(transaction=True)
def test_the_migration_folds_stored_rows_and_merges_those_that_now_collide(migrator):
    apps = migrate_to_just_before(migrator, FOLDED_COLUMNS)
    User = apps.get_model("accounts", "User")
    Contact = apps.get_model("contacts", "Contact")
    Tag = apps.get_model("contacts", "Tag")
    EmailAddress = apps.get_model("contacts", "EmailAddress")
    maya, zoe = (User.objects.create(username=n, email=f"{n}@example.com") for n in ("maya", "zoe"))
    ana, ben, cy = (
        Contact.objects.create(owner=maya, display_name=n, intention="personal", circle="close")
        for n in ("Ana", "Ben", "Cy")
    )
    sharp, plain = (
        Tag.objects.create(owner=maya, name="Straße"),
        Tag.objects.create(owner=maya, name="STRASSE"),
    )
    zoes = Tag.objects.create(owner=zoe, name="strasse")
    sharp.contacts.add(ana, ben)
    plain.contacts.add(ana, cy)
    for contact, address in [(ana, "ana@straße.example"), (ana, "ANA@STRASSE.example"), (ben, "")]:
        EmailAddress.objects.create(owner=maya, contact=contact, address=address)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    apps = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    Tag = apps.get_model("contacts", "Tag")
    EmailAddress = apps.get_model("contacts", "EmailAddress")
    assert list(Tag.objects.filter(owner_id=maya.pk).values_list("pk", "name", "name_folded")) == [
        (sharp.pk, "Straße", "strasse")
    ]
    assert sorted(Tag.objects.get(pk=sharp.pk).contacts.values_list("display_name", flat=True)) == [
        "Ana",
        "Ben",
        "Cy",
    ]
    assert Tag.objects.get(pk=zoes.pk).name_folded == "strasse"
    assert list(EmailAddress.objects.values_list("contact_id", "address", "address_folded")) == [
        (ana.pk, "ana@straße.example", "ana@strasse.example")
    ]


DATES_WITHIN_YEARS = ("interactions", "0009_dates_within_kiths_years")


@pytest.mark.django_db(transaction=True)
def test_interactions_stored_at_year_one_are_brought_within_kiths_years_and_the_pages_load(migrator, client):
    """A backup restored before every date had bounds could hold an interaction at 0001-01-01, which made
    the home page, the contacts list and the contact page a 500."""
    apps = migrate_to_just_before(migrator, DATES_WITHIN_YEARS)
    User = apps.get_model("accounts", "User")
    Contact = apps.get_model("contacts", "Contact")
    Interaction = apps.get_model("interactions", "Interaction")
    Participation = apps.get_model("interactions", "Participation")
    maya = User.objects.create(username="maya", email="maya@example.com")
    ana = Contact.objects.create(owner=maya, display_name="Ana", intention="personal", circle="close")
    year_one = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
    lunch = Interaction.objects.create(
        owner=maya, occurred_at=year_one, purpose="personal", setting="informal"
    )
    Participation.objects.create(
        owner=maya, interaction=lunch, contact=ana, occurred_at=year_one, purpose="personal"
    )
    Contact.objects.filter(pk=ana.pk).update(last_interaction_at=year_one, last_personal_at=year_one)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from accounts.models import User as CurrentUser
    from interactions.models import Interaction as CurrentInteraction

    assert CurrentInteraction.objects.get(pk=lunch.pk).occurred_at == dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
    client.force_login(CurrentUser.objects.get(username="maya"))
    for url in ("/", "/contacts/", f"/contacts/{ana.pk}/"):
        assert client.get(url).status_code == 200, url
