"""The counts of interactions per tag, local day and purpose (TagDay) that the Balance view reads: after every
kind of write, to interactions or to who carries a tag, they equal what the interactions, participations and
tags tables say, counted here in Python (an interaction once per tag, on its local day by the policy), and the
Balance view's rows per tag follow them."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts.choices import Intention, Purpose, Setting
from contacts.actions import (
    BulkAction,
    contact_delete,
    contact_set_emails,
    contact_set_tags,
    contacts_bulk_change,
    tag_delete,
    tag_rename,
)
from contacts.models import Contact, Tag
from contacts.policy import local_date
from dashboards.balance import balance_build
from dashboards.counts import month_start
from interactions.actions import interaction_delete, interaction_log, interaction_update
from interactions.days import interaction_days_refresh, tag_days_refresh
from interactions.models import Interaction, Participation, TagDay
from tests.factories import ContactFactory, TagFactory, UserFactory
from tests.migrating import migrate_to_just_before
from transfer.backup import backup_build, backup_restore
from transfer.imports import import_file
from transfer.merge import contact_merge

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 10)

type Key = tuple[int, dt.date, str]  # tag id, local day, purpose


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def truth(user) -> Counter[Key]:
    """The user's interactions per tag of the people taking part, local day and purpose, from the
    interactions, participations and tags tables: each interaction once per tag."""
    zone = user.zone
    tags_of: dict[int, set[int]] = defaultdict(set)
    for contact_id, tag_id in Contact.tags.through.objects.filter(contact__owner=user).values_list(
        "contact_id", "tag_id"
    ):
        tags_of[contact_id].add(tag_id)
    interactions = {
        pk: (local_date(when, zone), purpose)
        for pk, when, purpose in Interaction.objects.filter(owner=user).values_list(
            "pk", "occurred_at", "purpose"
        )
    }
    tagged: dict[int, set[int]] = defaultdict(set)
    for interaction_id, contact_id in Participation.objects.filter(interaction__owner=user).values_list(
        "interaction_id", "contact_id"
    ):
        tagged[interaction_id] |= tags_of[contact_id]
    return Counter((tag, *interactions[pk]) for pk, tags in tagged.items() for tag in tags)


def stored(user) -> Counter[Key]:
    return Counter(
        {
            (tag, day, purpose): n
            for tag, day, purpose, n in TagDay.objects.filter(owner=user).values_list(
                "tag_id", "day", "purpose", "count"
            )
        }
    )


def year_per_tag(counts: Counter[Key], today: dt.date = TODAY) -> dict[int, tuple[int, int]]:
    """The Balance's rows from the counts: per tag, (personal, professional) over the 12 local months."""
    first, end = month_start(today, 11), month_start(today, -1)
    per_tag: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (tag, day, purpose), n in counts.items():
        if first <= day < end:
            per_tag[tag][purpose == Purpose.PROFESSIONAL] += n
    return {tag: (p, q) for tag, (p, q) in per_tag.items()}


def assert_in_step(user, client=None) -> None:
    """The stored counts equal the tables', the Balance's rows per tag are theirs, and every stored row is
    of the user's own tags; with a client, the page shows those rows."""
    user.refresh_from_db()
    counts = truth(user)
    assert stored(user) == counts
    assert not TagDay.objects.filter(owner=user).exclude(tag__owner=user).exists()
    expected = year_per_tag(counts)
    shown = {t.tag.pk: (t.personal, t.professional) for t in balance_build(user, TODAY).tags}
    assert shown == expected
    if client is not None:
        page = client.get(reverse("balance")).content.decode()
        rows = re.findall(
            r'<tr data-tag="([^"]+)">.*?<td class="personal">(\d+)</td><td class="professional">(\d+)</td>',
            page,
            re.DOTALL,
        )
        names = dict(Tag.objects.filter(owner=user).values_list("pk", "name"))
        assert sorted((name, int(p), int(q)) for name, p, q in rows) == sorted(
            (names[tag], p, q) for tag, (p, q) in expected.items()
        )


def log(user, contacts, when, purpose=Purpose.PERSONAL):
    contacts = contacts if isinstance(contacts, list) else [contacts]
    if isinstance(when, int):
        when = NOW - dt.timedelta(days=when)
    return interaction_log(user, contacts, occurred_at=when, purpose=purpose, setting=Setting.INFORMAL)


def tagged(user, name, *tags, intention=Intention.PERSONAL):
    contact = ContactFactory(owner=user, display_name=name, intention=intention)
    contact.tags.add(*tags)
    return contact


@pytest.fixture
def climbing(alice):
    return TagFactory(owner=alice, name="climbing")


@pytest.fixture
def investors(alice):
    return TagFactory(owner=alice, name="investors")


@pytest.fixture
def bobs_world(bob):
    """Bob's own tag of the same name, with interactions on the same days as Alice's: never hers."""
    bobs_tag = TagFactory(owner=bob, name="climbing")
    bobs = tagged(bob, "Bob's friend", bobs_tag)
    for days in (1, 10, 40):
        log(bob, bobs, days, Purpose.PROFESSIONAL)
    return bobs


# Interactions written ---------------------------------------------------------------------------------------


def test_an_interaction_counts_once_per_tag_on_its_local_day(
    alice_client, alice, climbing, investors, bobs_world
):
    ana = tagged(alice, "Ana", climbing)
    angel = tagged(alice, "Angel", climbing, investors)
    untagged = ContactFactory(owner=alice)
    # 31 May 23:30 UTC is 1 June 00:30 in London; two climbers in one interaction count once for climbing.
    log(alice, [ana, angel], dt.datetime(2026, 5, 31, 23, 30, tzinfo=dt.UTC))
    log(alice, angel, 12, Purpose.PROFESSIONAL)
    log(alice, untagged, 3)
    log(alice, [untagged, ana], 400)  # beyond the Balance's year, still counted per day

    assert stored(alice)[(climbing.pk, dt.date(2026, 6, 1), Purpose.PERSONAL)] == 1
    assert stored(alice)[(investors.pk, dt.date(2026, 6, 1), Purpose.PERSONAL)] == 1
    assert_in_step(alice, alice_client)
    assert {t.tag.pk: (t.personal, t.professional) for t in balance_build(alice, TODAY).tags} == {
        climbing.pk: (1, 1),
        investors.pk: (1, 1),
    }
    assert_in_step(bobs_world.owner)


def test_moving_re_purposing_and_deleting_interactions_move_their_counts(
    alice, climbing, investors, bobs_world
):
    ana = tagged(alice, "Ana", climbing)
    ben = tagged(alice, "Ben", investors, intention=Intention.BOTH)
    lunch = log(alice, [ana, ben], 5)
    call = log(alice, ben, 5, Purpose.PROFESSIONAL)
    log(alice, ana, 40)

    interaction_update(lunch, occurred_at=NOW - dt.timedelta(days=200))
    assert_in_step(alice)
    interaction_update(call, purpose=Purpose.PERSONAL)
    assert_in_step(alice)
    interaction_update(lunch, notes="Talked about the move")
    assert_in_step(alice)
    interaction_delete(call)
    assert (investors.pk, TODAY - dt.timedelta(days=5), Purpose.PERSONAL) not in stored(alice)
    assert_in_step(alice)
    assert_in_step(bobs_world.owner)


def test_changing_who_took_part_moves_the_counts_between_tags(alice, climbing, investors):
    ana = tagged(alice, "Ana", climbing)
    ben = tagged(alice, "Ben", investors)
    cleo = ContactFactory(owner=alice)
    call = log(alice, [ana], 3)

    interaction_update(call, contacts=[ana, ben])
    assert stored(alice)[(investors.pk, TODAY - dt.timedelta(days=3), Purpose.PERSONAL)] == 1
    assert_in_step(alice)
    interaction_update(call, contacts=[cleo])
    assert stored(alice) == Counter()
    assert_in_step(alice)


# Who carries a tag ---------------------------------------------------------------------------------------


def test_a_tag_added_or_removed_on_either_side_recounts_its_days(
    alice_client, alice, climbing, investors, bobs_world
):
    ana = tagged(alice, "Ana")
    ben = tagged(alice, "Ben", climbing)
    log(alice, [ana, ben], 2)
    log(alice, ana, 20, Purpose.PROFESSIONAL)
    log(alice, ana, 500)
    assert_in_step(alice)

    ana.tags.add(climbing, investors)  # a contact's side
    assert stored(alice)[(investors.pk, TODAY - dt.timedelta(days=20), Purpose.PROFESSIONAL)] == 1
    assert_in_step(alice, alice_client)
    ana.tags.remove(climbing)
    assert_in_step(alice)
    climbing.contacts.add(ana)  # the tag's side
    assert_in_step(alice)
    investors.contacts.remove(ana)
    assert_in_step(alice)
    contact_set_tags(ana, ["investors", "new one"])
    assert_in_step(alice, alice_client)
    ana.tags.clear()
    assert_in_step(alice)
    climbing.contacts.clear()
    assert stored(alice) == Counter()
    assert_in_step(alice, alice_client)
    assert_in_step(bobs_world.owner)


def test_a_bulk_change_of_tags_recounts_every_contact_it_touched(alice, climbing, bobs_world):
    people = [tagged(alice, f"Person {n}") for n in range(6)]
    for n, contact in enumerate(people):
        log(alice, contact, n * 30, Purpose.PERSONAL if n % 2 else Purpose.PROFESSIONAL)
    log(alice, people[:3], 7)
    ids = [c.pk for c in people[:4]]

    assert contacts_bulk_change(alice, ids, BulkAction.ADD_TAG, "climbing") == 4
    assert_in_step(alice)
    assert contacts_bulk_change(alice, ids, BulkAction.ADD_TAG, "New tag") == 4
    assert_in_step(alice)
    assert contacts_bulk_change(alice, [people[0].pk, people[1].pk], BulkAction.REMOVE_TAG, "climbing") == 2
    assert stored(alice)[(climbing.pk, TODAY - dt.timedelta(days=7), Purpose.PERSONAL)] == 1
    assert_in_step(alice)
    assert_in_step(bobs_world.owner)


def test_a_renamed_tag_keeps_its_counts_and_a_deleted_one_loses_them(alice, climbing, investors):
    ana = tagged(alice, "Ana", climbing, investors)
    log(alice, ana, 4)
    before = stored(alice)

    tag_rename(climbing, "Climbing")
    assert stored(alice) == before
    assert_in_step(alice)
    tag_delete(climbing)
    assert stored(alice) == Counter({(investors.pk, TODAY - dt.timedelta(days=4), Purpose.PERSONAL): 1})
    assert_in_step(alice)


def test_a_deleted_contact_no_longer_counts_for_its_tags(
    alice_client, alice, climbing, investors, bobs_world
):
    ana = tagged(alice, "Ana", climbing, investors)
    ben = tagged(alice, "Ben", investors)
    cleo = tagged(alice, "Cleo", climbing)
    log(alice, [ana, ben], 2)  # stays, with Ben: investors still, climbing no more
    log(alice, [ana, cleo], 2)  # stays: climbing by Cleo
    log(alice, ana, 2)  # goes with her
    log(alice, [ana, ContactFactory(owner=alice)], 60, Purpose.PROFESSIONAL)

    contact_delete(ana)

    assert stored(alice) == Counter(
        {
            (investors.pk, TODAY - dt.timedelta(days=2), Purpose.PERSONAL): 1,
            (climbing.pk, TODAY - dt.timedelta(days=2), Purpose.PERSONAL): 1,
        }
    )
    assert_in_step(alice, alice_client)
    assert_in_step(bobs_world.owner)


def test_a_merge_counts_the_moved_interactions_for_the_kept_contacts_tags(alice, climbing, investors):
    keep = tagged(alice, "Ana", climbing)
    other = tagged(alice, "Ana", investors)
    friend = tagged(alice, "Friend", investors)
    log(alice, other, 10)  # becomes Ana's: climbing too now
    log(alice, [keep, other], 20, Purpose.PROFESSIONAL)
    log(alice, [other, friend], 100)
    log(alice, keep, 5)

    contact_merge(keep, other)

    assert stored(alice)[(climbing.pk, TODAY - dt.timedelta(days=10), Purpose.PERSONAL)] == 1
    assert stored(alice)[(climbing.pk, TODAY - dt.timedelta(days=100), Purpose.PERSONAL)] == 1
    assert_in_step(alice)


# Imports, restores, the demo, time zones ------------------------------------------------------------------


def test_a_linkedin_import_with_tags_counts_new_and_known_people(alice, climbing, bobs_world):
    known = tagged(alice, "Known Person")
    contact_set_emails(known, ["known@example.org"])
    log(alice, known, 30)
    log(alice, known, 300, Purpose.PROFESSIONAL)
    lines = ["First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
    lines += [f"Person,Number {n},,p{n}@example.org,,,{n + 1:02d} Mar 2026" for n in range(5)]
    lines += ["Known,Person,,known@example.org,,,03 Jan 2026"]
    data = ("\n".join(lines) + "\n").encode()

    import_file(
        alice, data, intention=Intention.PROFESSIONAL, tags=["LinkedIn", "climbing"], filename="c.csv"
    )

    linkedin = Tag.objects.get(owner=alice, name="LinkedIn")
    assert stored(alice)[(linkedin.pk, dt.date(2026, 3, 1), Purpose.PROFESSIONAL)] == 1
    # The known person's earlier interactions count for the tags the import gave them.
    assert stored(alice)[(climbing.pk, TODAY - dt.timedelta(days=30), Purpose.PERSONAL)] == 1
    assert_in_step(alice)
    assert_in_step(bobs_world.owner)


def test_a_vcard_import_tagging_a_known_contact_counts_their_interactions(alice):
    known = tagged(alice, "Ana Demir")
    contact_set_emails(known, ["ana@example.org"])
    log(alice, known, 8)
    cards = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana Demir\r\nEMAIL:ana@example.org\r\n"
        "CATEGORIES:Climbing,Family\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Someone New\r\nCATEGORIES:Climbing\r\nEND:VCARD\r\n"
    )

    import_file(alice, cards.encode(), intention=Intention.PERSONAL, filename="contacts.vcf")

    climbing = Tag.objects.get(owner=alice, name="Climbing")
    assert known.tags.filter(pk=climbing.pk).exists()
    assert stored(alice)[(climbing.pk, TODAY - dt.timedelta(days=8), Purpose.PERSONAL)] == 1
    assert_in_step(alice)


def test_a_restored_backup_is_counted_per_tag_in_its_own_time_zone(alice, bob, climbing, investors):
    alice.time_zone = "Asia/Tokyo"
    alice.settings_save(["time_zone"])
    ana = tagged(alice, "Ana", climbing)
    ben = tagged(alice, "Ben", climbing, investors)
    log(alice, [ana, ben], dt.datetime(2026, 6, 1, 16, tzinfo=dt.UTC))  # 2 June in Tokyo
    log(alice, ben, 45, Purpose.PROFESSIONAL)

    backup_restore(bob, json.loads(json.dumps(backup_build(alice))))

    bobs_climbing = Tag.objects.get(owner=bob, name="climbing")
    assert stored(bob)[(bobs_climbing.pk, dt.date(2026, 6, 2), Purpose.PERSONAL)] == 1
    assert sorted(stored(bob).values()) == sorted(stored(alice).values())
    assert_in_step(bob)
    assert_in_step(alice)


def test_the_demo_seed_counts_its_tags(db):
    from demo.planner import DemoSize
    from demo.seed import seed_demo

    seed_demo(size=DemoSize(contacts=15, interactions=120, years=1.0), now=NOW)
    demo = UserFactory._meta.model.objects.get(username="demo")
    assert stored(demo)
    assert_in_step(demo)
    # Seeding again replaces the data, and the counts with it.
    seed_demo(size=DemoSize(contacts=10, interactions=50, years=0.5), seed=7, now=NOW)
    assert_in_step(demo)


def test_a_new_time_zone_moves_the_counts_to_their_new_local_days(alice, climbing):
    ana = tagged(alice, "Ana", climbing)
    # 22:30 UTC on 31 May: 31 May in London, 1 June in Tokyo.
    log(alice, ana, dt.datetime(2026, 5, 31, 22, 30, tzinfo=dt.UTC))

    alice.time_zone = "Asia/Tokyo"
    alice.settings_save(["time_zone"])

    assert stored(alice) == Counter({(climbing.pk, dt.date(2026, 6, 1), Purpose.PERSONAL): 1})
    assert_in_step(alice)


def test_the_balance_keeps_to_its_twelve_local_months(alice, climbing):
    ana = tagged(alice, "Ana", climbing)
    # The first moment of the Balance's year in London (1 July 2025, BST) and the last one before it.
    log(alice, ana, dt.datetime(2025, 6, 30, 23, 0, tzinfo=dt.UTC))
    log(alice, ana, dt.datetime(2025, 6, 30, 22, 59, tzinfo=dt.UTC))
    log(alice, ana, dt.datetime(2026, 6, 30, 22, 59, tzinfo=dt.UTC), Purpose.PROFESSIONAL)  # later this month
    log(alice, ana, dt.datetime(2026, 6, 30, 23, 0, tzinfo=dt.UTC), Purpose.PROFESSIONAL)  # July

    assert [(t.tag.pk, t.personal, t.professional) for t in balance_build(alice, TODAY).tags] == [
        (climbing.pk, 1, 1)
    ]
    assert_in_step(alice)


def test_refreshing_is_idempotent_and_mends_counts_gone_wrong(alice, climbing, investors):
    ana = tagged(alice, "Ana", climbing, investors)
    log(alice, ana, 1)
    log(alice, ana, 200, Purpose.PROFESSIONAL)
    TagDay.objects.filter(owner=alice).update(count=7)
    TagDay.objects.create(
        owner=alice, tag=climbing, day=dt.date(2025, 1, 1), purpose=Purpose.PERSONAL, count=3
    )

    tag_days_refresh(alice, [TODAY - dt.timedelta(days=1)], [climbing.pk])
    assert stored(alice)[(climbing.pk, TODAY - dt.timedelta(days=1), Purpose.PERSONAL)] == 1
    assert stored(alice)[(investors.pk, TODAY - dt.timedelta(days=1), Purpose.PERSONAL)] == 7
    interaction_days_refresh(alice)
    interaction_days_refresh(alice)
    assert_in_step(alice)


def test_participants_changed_in_the_admin_are_counted(alice, climbing, investors):
    from types import SimpleNamespace

    from django.contrib import admin

    from interactions.admin import InteractionAdmin

    ana = tagged(alice, "Ana", climbing)
    ben = tagged(alice, "Ben", investors)
    call = log(alice, ana, 6)
    gone = call.participations.get()
    added = Participation(interaction=call, contact=ben)
    formset = SimpleNamespace(save=lambda commit: [added], deleted_objects=[gone])

    InteractionAdmin(Interaction, admin.site).save_formset(
        None, SimpleNamespace(instance=call), formset, True
    )

    assert stored(alice) == Counter({(investors.pk, TODAY - dt.timedelta(days=6), Purpose.PERSONAL): 1})
    assert_in_step(alice)


TAG_DAYS_MIGRATION = ("interactions", "0013_tag_days")


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_what_is_already_stored(migrator):
    apps = migrate_to_just_before(migrator, TAG_DAYS_MIGRATION)
    User = apps.get_model("accounts", "User")
    OldContact = apps.get_model("contacts", "Contact")
    OldTag = apps.get_model("contacts", "Tag")
    OldInteraction = apps.get_model("interactions", "Interaction")
    OldParticipation = apps.get_model("interactions", "Participation")
    tokyo = User.objects.create(username="maya", email="maya@example.com", time_zone="Asia/Tokyo")
    london = User.objects.create(username="lee", email="lee@example.com", time_zone="Europe/London")
    late = dt.datetime(2026, 5, 31, 22, 30, tzinfo=dt.UTC)
    for owner, purpose in [(tokyo, "personal"), (london, "professional")]:
        tag = OldTag.objects.create(owner=owner, name="climbing", name_folded="climbing")
        people = [
            OldContact.objects.create(owner=owner, display_name=name, intention="personal", circle="close")
            for name in ("A", "B", "C")
        ]
        people[0].tags.add(tag)
        people[1].tags.add(tag)
        for group in (people[:2], people[2:], people[:1]):
            interaction = OldInteraction.objects.create(
                owner=owner, occurred_at=late, purpose=purpose, setting="formal"
            )
            for contact in group:
                OldParticipation.objects.create(
                    owner=owner,
                    interaction=interaction,
                    contact=contact,
                    occurred_at=late,
                    purpose=purpose,
                    intention_then="personal",
                )

    executor = MigrationExecutor(connection)
    executor.migrate([TAG_DAYS_MIGRATION])

    rows = sorted(TagDay.objects.values_list("owner__username", "tag__name", "day", "purpose", "count"))
    assert rows == [
        ("lee", "climbing", dt.date(2026, 5, 31), "professional", 2),
        ("maya", "climbing", dt.date(2026, 6, 1), "personal", 2),
    ]
