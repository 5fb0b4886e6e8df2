"""Logging interactions: the default purpose rule of PRODUCT.md and the contacts' last-seen dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.choices import Intention, Purpose, Setting
from interactions.actions import (
    OwnershipError,
    interaction_default_purpose,
    interaction_delete,
    interaction_log,
    interaction_update,
)
from tests.factories import ContactFactory, EventFactory

P, B, W = Intention.PERSONAL, Intention.BOTH, Intention.PROFESSIONAL


@pytest.mark.parametrize(
    ("intentions", "setting", "purpose"),
    [
        ([P], Setting.FORMAL, Purpose.PERSONAL),
        ([W], Setting.INFORMAL, Purpose.PROFESSIONAL),
        ([P, P], Setting.FORMAL, Purpose.PERSONAL),
        ([P, W], Setting.FORMAL, Purpose.PROFESSIONAL),
        ([P, W], Setting.INFORMAL, Purpose.PERSONAL),
        ([B], Setting.FORMAL, Purpose.PROFESSIONAL),
        ([B], Setting.INFORMAL, Purpose.PERSONAL),
        ([B, B], Setting.INFORMAL, Purpose.PERSONAL),
    ],
    ids=[
        "one-personal-contact-at-a-conference-is-personal",
        "one-professional-contact-at-a-party-is-professional",
        "all-personal-is-personal",
        "mixed-intentions-at-a-formal-setting-is-professional",
        "mixed-intentions-at-an-informal-setting-is-personal",
        "both-at-a-formal-setting-is-professional",
        "both-at-an-informal-setting-is-personal",
        "all-both-follows-the-setting",
    ],
)
def test_the_default_purpose_follows_the_intentions_then_the_setting(intentions, setting, purpose):
    assert interaction_default_purpose(intentions, setting) == purpose


@pytest.mark.django_db
def test_logging_updates_the_last_seen_dates_per_purpose(alice):
    ana = ContactFactory(owner=alice, intention=Intention.BOTH)
    lunch = timezone.now() - dt.timedelta(days=10)
    call = timezone.now() - dt.timedelta(days=2)
    interaction_log(alice, [ana], occurred_at=lunch, setting=Setting.INFORMAL, purpose=Purpose.PERSONAL)
    interaction_log(alice, [ana], occurred_at=call, setting=Setting.FORMAL, purpose=Purpose.PROFESSIONAL)
    ana.refresh_from_db()
    assert (ana.last_personal_at, ana.last_professional_at, ana.last_interaction_at) == (lunch, call, call)


@pytest.mark.django_db
def test_deleting_the_latest_interaction_falls_back_to_the_one_before(alice):
    ana = ContactFactory(owner=alice)
    earlier = timezone.now() - dt.timedelta(days=30)
    interaction_log(alice, [ana], occurred_at=earlier, setting=Setting.INFORMAL)
    latest = interaction_log(alice, [ana], occurred_at=timezone.now(), setting=Setting.INFORMAL)
    interaction_delete(latest)
    ana.refresh_from_db()
    assert ana.last_interaction_at == ana.last_personal_at == earlier


@pytest.mark.django_db
def test_the_timeline_summary_follows_logs_edits_and_deletes(alice):
    """The two latest of each purpose and the purposes of the latest five, newest first, which drift and
    lasting relationships are read from."""
    ana = ContactFactory(owner=alice, intention=Intention.PROFESSIONAL)
    start = timezone.now() - dt.timedelta(days=60)
    logged = [
        interaction_log(
            alice,
            [ana],
            occurred_at=start + dt.timedelta(days=day),
            setting=Setting.INFORMAL,
            purpose=purpose,
        )
        for day, purpose in enumerate([W, W, P, P, P, W, P])
    ]
    ana.refresh_from_db()
    assert ana.recent_purpose_list == [P, W, P, P, P]
    assert (ana.last_professional_at, ana.previous_professional_at) == (
        logged[5].occurred_at,
        logged[1].occurred_at,
    )
    assert (ana.last_personal_at, ana.previous_personal_at) == (logged[6].occurred_at, logged[4].occurred_at)

    interaction_update(logged[6], purpose=W)
    ana.refresh_from_db()
    assert ana.recent_purpose_list == [W, W, P, P, P]
    assert ana.previous_professional_at == logged[5].occurred_at

    for interaction in logged[:6]:
        interaction_delete(interaction)
    ana.refresh_from_db()
    assert ana.recent_purpose_list == [W]
    assert (ana.last_personal_at, ana.previous_personal_at, ana.previous_professional_at) == (
        None,
        None,
        None,
    )


@pytest.mark.django_db
def test_an_interaction_can_have_several_participants(alice):
    ana, ben = ContactFactory(owner=alice), ContactFactory(owner=alice)
    interaction = interaction_log(alice, [ana, ben], occurred_at=timezone.now(), setting=Setting.INFORMAL)
    assert set(interaction.contacts.all()) == {ana, ben}


@pytest.mark.django_db
def test_another_users_contact_or_event_cannot_be_linked(alice, bob):
    with pytest.raises(OwnershipError):
        interaction_log(
            alice, [ContactFactory(owner=bob)], occurred_at=timezone.now(), setting=Setting.FORMAL
        )
    with pytest.raises(OwnershipError):
        interaction_log(
            alice,
            [ContactFactory(owner=alice)],
            occurred_at=timezone.now(),
            setting=Setting.FORMAL,
            event=EventFactory(owner=bob),
        )
    assert not alice.interactions.exists()
