"""The counts of interactions per local day and purpose (InteractionDay) that the dashboards read: after every
kind of write they equal what the interactions table says, counted here in Python by the policy's local date,
and the dashboards' numbers follow them."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts.choices import Intention, Purpose, Setting
from contacts.actions import contact_delete
from contacts.policy import local_date
from dashboards.counts import interaction_counts, month_start
from interactions.actions import interaction_delete, interaction_log, interaction_update
from interactions.days import interaction_days_refresh
from interactions.models import Interaction, InteractionDay
from tests.factories import ContactFactory, UserFactory
from tests.migrating import migrate_to_just_before
from transfer.backup import backup_build, backup_restore
from transfer.imports import import_file
from transfer.merge import contact_merge

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def truth(user) -> Counter[tuple[dt.date, str]]:
    """The user's interactions per local day and purpose, from the interactions table."""
    zone = user.zone
    return Counter(
        (local_date(when, zone), purpose)
        for when, purpose in Interaction.objects.filter(owner=user).values_list("occurred_at", "purpose")
    )


def stored(user) -> Counter[tuple[dt.date, str]]:
    return Counter(
        {
            (day, purpose): n
            for day, purpose, n in InteractionDay.objects.filter(owner=user).values_list(
                "day", "purpose", "count"
            )
        }
    )


def assert_in_step(user) -> None:
    """The stored counts equal the interactions', and the dashboards' numbers are theirs: per local month
    for the last twelve, and per purpose over the local days today-29..today and today-89..today."""
    user.refresh_from_db()
    counts = truth(user)
    assert stored(user) == counts
    shown = interaction_counts(user, TODAY, NOW)
    for month in shown.months:
        in_month = {
            purpose: sum(
                n for (day, p), n in counts.items() if p == purpose and month_start(day) == month.month
            )
            for purpose in Purpose.values
        }
        assert (month.personal, month.professional) == (in_month["personal"], in_month["professional"])
    for days, numbers in ((30, shown.last_30), (90, shown.last_90)):
        first = TODAY - dt.timedelta(days=days - 1)
        assert numbers == {
            purpose: sum(n for (day, p), n in counts.items() if p == purpose and first <= day <= TODAY)
            for purpose in Purpose.values
        }


def log(user, contacts, when, purpose=Purpose.PERSONAL):
    contacts = contacts if isinstance(contacts, list) else [contacts]
    return interaction_log(user, contacts, occurred_at=when, purpose=purpose, setting=Setting.INFORMAL)


@pytest.fixture
def ana(alice):
    return ContactFactory(owner=alice, display_name="Ana", intention=Intention.PERSONAL)


@pytest.fixture
def ben(alice):
    return ContactFactory(owner=alice, display_name="Ben", intention=Intention.BOTH)


def test_logged_interactions_are_counted_on_their_local_day(alice, ana):
    # 31 May 23:30 UTC is 1 June 00:30 in London: a June day, counted with June.
    late = log(alice, ana, dt.datetime(2026, 5, 31, 23, 30, tzinfo=dt.UTC))
    log(alice, ana, dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC))
    log(alice, ana, dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC), Purpose.PROFESSIONAL)
    log(alice, ana, NOW - dt.timedelta(days=29))
    log(alice, ana, NOW - dt.timedelta(days=30))
    log(alice, ana, NOW - dt.timedelta(days=89), Purpose.PROFESSIONAL)
    log(alice, ana, NOW - dt.timedelta(days=400))

    assert stored(alice)[(dt.date(2026, 6, 1), Purpose.PERSONAL)] == 2
    assert local_date(late.occurred_at, alice.zone) == dt.date(2026, 6, 1)
    assert_in_step(alice)
    shown = interaction_counts(alice, TODAY, NOW)
    # 29 days ago is in the last 30 local days, 30 days ago is not; 89 days ago is in the last 90.
    assert (shown.last_30, shown.last_90) == (
        {"personal": 3, "professional": 1},
        {"personal": 4, "professional": 2},
    )


def test_an_interaction_moved_to_another_month_leaves_its_old_day(alice, ana):
    lunch = log(alice, ana, dt.datetime(2026, 3, 14, 12, tzinfo=dt.UTC))
    log(alice, ana, dt.datetime(2026, 3, 14, 18, tzinfo=dt.UTC))
    interaction_update(lunch, occurred_at=dt.datetime(2026, 5, 2, 12, tzinfo=dt.UTC))

    assert stored(alice)[(dt.date(2026, 3, 14), Purpose.PERSONAL)] == 1
    assert stored(alice)[(dt.date(2026, 5, 2), Purpose.PERSONAL)] == 1
    assert_in_step(alice)

    interaction_update(lunch, occurred_at=dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC))
    assert (dt.date(2026, 5, 2), Purpose.PERSONAL) not in stored(alice)
    assert_in_step(alice)


def test_a_change_of_purpose_moves_the_count_to_the_other_purpose(alice, ben):
    call = log(alice, ben, NOW - dt.timedelta(days=3))
    interaction_update(call, purpose=Purpose.PROFESSIONAL)

    day = local_date(call.occurred_at, alice.zone)
    assert stored(alice) == Counter({(day, Purpose.PROFESSIONAL): 1})
    assert interaction_counts(alice, TODAY, NOW).last_30 == {"personal": 0, "professional": 1}
    assert_in_step(alice)


def test_an_edit_of_the_notes_alone_keeps_the_counts(alice, ana):
    call = log(alice, ana, NOW - dt.timedelta(days=3))
    interaction_update(call, notes="Talked about the move")
    assert_in_step(alice)


def test_a_deleted_interaction_is_no_longer_counted(alice, ana):
    first = log(alice, ana, NOW - dt.timedelta(days=5))
    log(alice, ana, NOW - dt.timedelta(days=5, hours=1))
    only = log(alice, ana, NOW - dt.timedelta(days=40))
    interaction_delete(first)
    interaction_delete(only)

    assert stored(alice) == Counter({(TODAY - dt.timedelta(days=5), Purpose.PERSONAL): 1})
    assert_in_step(alice)


def test_deleting_a_contact_uncounts_the_interactions_that_were_theirs_alone(alice, ana, ben):
    log(alice, ana, NOW - dt.timedelta(days=2))
    log(alice, [ana, ben], NOW - dt.timedelta(days=2))
    log(alice, ben, NOW - dt.timedelta(days=70), Purpose.PROFESSIONAL)
    contact_delete(ana)

    assert stored(alice) == Counter(
        {
            (TODAY - dt.timedelta(days=2), Purpose.PERSONAL): 1,
            (TODAY - dt.timedelta(days=70), Purpose.PROFESSIONAL): 1,
        }
    )
    assert_in_step(alice)


def _connections(count: int, on: str = "03 Jan 2026") -> bytes:
    lines = ["First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
    lines += [f"Person,Number {n},,p{n}@example.org,,,{on}" for n in range(count)]
    return ("\n".join(lines) + "\n").encode()


def test_an_import_counts_its_connections(alice, ana):
    log(alice, ana, dt.datetime(2026, 1, 3, 15, tzinfo=dt.UTC), Purpose.PROFESSIONAL)
    import_file(alice, _connections(5), intention=Intention.PROFESSIONAL, filename="Connections.csv")
    assert stored(alice)[(dt.date(2026, 1, 3), Purpose.PROFESSIONAL)] == 6
    assert_in_step(alice)

    # A second file: the same people again (nothing new) and known ones connected on other days.
    import_file(alice, _connections(5), intention=Intention.PROFESSIONAL, filename="Connections.csv")
    assert_in_step(alice)
    lines = ["First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
    lines += [f"New,Person {n},,new{n}@example.org,,,{n + 1:02d} Mar 2026" for n in range(20)]
    import_file(alice, ("\n".join(lines) + "\n").encode(), intention=Intention.PROFESSIONAL, filename="c.csv")
    assert_in_step(alice)


def test_a_restored_backup_is_counted_in_its_own_time_zone(alice, bob, ana, ben):
    alice.time_zone = "Asia/Tokyo"
    alice.settings_save(["time_zone"])
    log(alice, ana, dt.datetime(2026, 6, 1, 16, tzinfo=dt.UTC))  # 2 June in Tokyo
    log(alice, [ana, ben], NOW - dt.timedelta(days=45), Purpose.PROFESSIONAL)
    log(alice, ben, NOW - dt.timedelta(days=300))

    backup_restore(bob, json.loads(json.dumps(backup_build(alice))))

    bob.refresh_from_db()
    assert bob.time_zone == "Asia/Tokyo"
    assert stored(bob)[(dt.date(2026, 6, 2), Purpose.PERSONAL)] == 1
    assert stored(bob) == stored(alice)
    assert_in_step(bob)
    assert_in_step(alice)


def test_a_merge_keeps_every_interaction_counted_once(alice, ana):
    twin = ContactFactory(owner=alice, display_name="Ana", intention=Intention.PERSONAL)
    log(alice, ana, NOW - dt.timedelta(days=1))
    log(alice, [ana, twin], NOW - dt.timedelta(days=10))
    log(alice, twin, NOW - dt.timedelta(days=100))
    before = truth(alice)

    contact_merge(ana, twin)

    assert truth(alice) == before
    assert_in_step(alice)


def test_a_new_time_zone_moves_interactions_to_their_new_local_days(alice, ana):
    # 22:30 UTC on 31 May: 31 May in London, 1 June in Tokyo; a month apart on the chart.
    log(alice, ana, dt.datetime(2026, 5, 31, 22, 30, tzinfo=dt.UTC))
    log(alice, ana, NOW - dt.timedelta(days=5))
    assert stored(alice)[(dt.date(2026, 5, 31), Purpose.PERSONAL)] == 1

    alice.time_zone = "Asia/Tokyo"
    alice.settings_save(["time_zone"])

    assert (dt.date(2026, 5, 31), Purpose.PERSONAL) not in stored(alice)
    assert stored(alice)[(dt.date(2026, 6, 1), Purpose.PERSONAL)] == 1
    assert_in_step(alice)
    june = interaction_counts(alice, TODAY, NOW).months[-1]
    assert (june.month, june.personal) == (dt.date(2026, 6, 1), 2)


def test_the_settings_page_rebuilds_the_counts_when_the_time_zone_changes(alice_client, alice, ana):
    log(alice, ana, dt.datetime(2026, 5, 31, 22, 30, tzinfo=dt.UTC))
    data = {
        name: getattr(alice, name)
        for name in [
            "date_style",
            "phone_region",
            "digest_frequency",
            "digest_weekday",
            "digest_hour",
            "reminder_email",
            *(f"{p}_{c}_days" for p in Purpose.values for c in ("inner", "close", "wider")),
        ]
    }
    response = alice_client.post(reverse("settings"), {**data, "time_zone": "Asia/Tokyo"})

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.time_zone == "Asia/Tokyo"
    assert stored(alice) == Counter({(dt.date(2026, 6, 1), Purpose.PERSONAL): 1})
    assert_in_step(alice)


@pytest.mark.parametrize(
    "moments",
    [
        # Santiago's clocks go back from 00:00 to 23:00 on 5 April: 03:30 UTC is the second 23:30 of 4 April.
        [(2026, 4, 5, 2, 59), (2026, 4, 5, 3, 30), (2026, 4, 5, 4, 0), (2026, 4, 5, 4, 30)],
        # And forward from 00:00 to 01:00 on 6 September: 04:00 UTC is that day's first moment.
        [(2026, 9, 6, 3, 59), (2026, 9, 6, 4, 0), (2026, 9, 7, 3, 59)],
    ],
)
def test_days_whose_midnight_a_clock_change_skips_or_repeats_are_counted_whole(alice, ana, moments):
    alice.time_zone = "America/Santiago"
    alice.settings_save(["time_zone"])
    logged = [log(alice, ana, dt.datetime(*m, tzinfo=dt.UTC)) for m in moments]
    assert_in_step(alice)
    interaction_update(logged[0], occurred_at=logged[-1].occurred_at)
    interaction_delete(logged[1])
    assert_in_step(alice)


def test_another_users_interactions_are_never_counted_as_yours(alice, bob, ana):
    bob.time_zone = "America/New_York"
    bob.save()
    bobs = ContactFactory(owner=bob, intention=Intention.PROFESSIONAL)
    for days in (1, 1, 15, 60):
        log(bob, bobs, NOW - dt.timedelta(days=days), Purpose.PROFESSIONAL)
        log(alice, ana, NOW - dt.timedelta(days=days))
    bob_call = log(bob, bobs, NOW - dt.timedelta(days=2))
    interaction_update(bob_call, occurred_at=NOW - dt.timedelta(days=3))
    contact_delete(bobs)

    assert stored(bob) == Counter()
    assert sum(stored(alice).values()) == 4
    assert_in_step(alice)
    assert_in_step(bob)
    assert interaction_counts(bob, TODAY, NOW).last_90 == {"personal": 0, "professional": 0}


def test_changes_made_in_the_admin_are_counted(alice, bob, ana):
    from django.contrib import admin

    from interactions.admin import InteractionAdmin

    site_admin = InteractionAdmin(Interaction, admin.site)
    call = log(alice, ana, NOW - dt.timedelta(days=3))
    others = [log(alice, ana, NOW - dt.timedelta(days=d)) for d in (3, 40)]
    log(bob, ContactFactory(owner=bob), NOW - dt.timedelta(days=40))

    call.occurred_at, call.purpose = NOW - dt.timedelta(days=50), Purpose.PROFESSIONAL
    site_admin.save_model(None, call, None, change=True)
    assert_in_step(alice)
    site_admin.delete_queryset(None, Interaction.objects.filter(pk__in=[o.pk for o in others]))
    assert_in_step(alice)
    assert_in_step(bob)
    site_admin.delete_model(None, call)
    assert stored(alice) == Counter()
    assert sum(stored(bob).values()) == 1


def test_refreshing_is_idempotent_and_mends_a_summary_gone_wrong(alice, ana):
    log(alice, ana, NOW - dt.timedelta(days=1))
    log(alice, ana, NOW - dt.timedelta(days=200), Purpose.PROFESSIONAL)
    InteractionDay.objects.filter(owner=alice).update(count=7)
    InteractionDay.objects.create(owner=alice, day=dt.date(2025, 1, 1), purpose=Purpose.PERSONAL, count=3)

    interaction_days_refresh(alice, [TODAY - dt.timedelta(days=1)])
    assert stored(alice)[(TODAY - dt.timedelta(days=1), Purpose.PERSONAL)] == 1
    interaction_days_refresh(alice)
    interaction_days_refresh(alice)
    assert_in_step(alice)


def test_the_summary_goes_with_its_user(alice, ana):
    log(alice, ana, NOW - dt.timedelta(days=1))
    alice.delete()
    assert not InteractionDay.objects.exists()


DAYS_MIGRATION = ("interactions", "0012_interaction_days")


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_interactions_already_stored(migrator):
    apps = migrate_to_just_before(migrator, DAYS_MIGRATION)
    User = apps.get_model("accounts", "User")
    OldInteraction = apps.get_model("interactions", "Interaction")
    tokyo = User.objects.create(username="maya", email="maya@example.com", time_zone="Asia/Tokyo")
    london = User.objects.create(username="lee", email="lee@example.com", time_zone="Europe/London")
    late = dt.datetime(2026, 5, 31, 22, 30, tzinfo=dt.UTC)
    for owner, purpose in [(tokyo, "personal"), (tokyo, "personal"), (london, "professional")]:
        OldInteraction.objects.create(owner=owner, occurred_at=late, purpose=purpose, setting="formal")

    executor = MigrationExecutor(connection)
    executor.migrate([DAYS_MIGRATION])

    rows = sorted(InteractionDay.objects.values_list("owner__username", "day", "purpose", "count"))
    assert rows == [
        ("lee", dt.date(2026, 5, 31), "professional", 1),
        ("maya", dt.date(2026, 6, 1), "personal", 2),
    ]


def test_the_demo_seed_counts_what_it_writes(db):
    from demo.planner import DemoSize
    from demo.seed import seed_demo

    seed_demo(size=DemoSize(contacts=15, interactions=120, years=1.0), now=NOW)
    demo = UserFactory._meta.model.objects.get(username="demo")
    assert sum(stored(demo).values()) == 120
    assert_in_step(demo)
    # Seeding again replaces the data, and the counts with it.
    seed_demo(size=DemoSize(contacts=10, interactions=50, years=0.5), seed=7, now=NOW)
    assert sum(stored(demo).values()) == 50
    assert_in_step(demo)
