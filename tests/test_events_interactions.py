"""Events (list, create, edit, detail) and interactions (log with several people, edit, delete)."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Intention, Purpose, Setting
from contacts.models import Contact
from interactions.actions import interaction_log
from interactions.models import Event, Interaction, Kind
from tests.factories import ContactFactory, EventFactory, InteractionFactory

pytestmark = pytest.mark.django_db


def _interaction_data(people, **changes: object) -> dict[str, object]:
    data = {
        "participants": [p.pk for p in people],
        "occurred_on": "2026-04-10",
        "occurred_time": "09:15",
        "kind": Kind.MEAL,
        "purpose": "",
        "setting": Setting.INFORMAL,
        "notes": "Lunch by the river.",
    }
    return {**data, **changes}


# Events -----------------------------------------------------------------------------------------------------


def test_the_events_list_counts_the_people_met_at_each(alice_client, alice):
    summit = EventFactory(owner=alice, name="Summit")
    EventFactory(owner=alice, name="Quiet one")
    ana, ben = ContactFactory.create_batch(2, owner=alice)
    InteractionFactory(owner=alice, event=summit, kind=Kind.MET, contacts=[ana])
    InteractionFactory(owner=alice, event=summit, kind=Kind.MET, contacts=[ana, ben])
    events = {e.name: e.people for e in alice_client.get(reverse("event_list")).context["page"].items}
    assert events == {"Summit": 2, "Quiet one": 0}


def test_an_event_is_created_and_edited(alice_client, alice):
    response = alice_client.post(
        reverse("event_create"),
        {
            "name": "Web Summit",
            "start_date": "2026-11-10",
            "end_date": "2026-11-12",
            "place": "Lisbon",
            "setting": "formal",
        },
    )
    event = Event.objects.get(owner=alice)
    assert response.url == event.get_absolute_url()
    assert (event.start_date, event.end_date) == (dt.date(2026, 11, 10), dt.date(2026, 11, 12))
    alice_client.post(
        reverse("event_edit", args=[event.pk]),
        {"name": "Web Summit 2026", "start_date": "2026-11-10", "place": "Lisbon", "setting": "formal"},
    )
    event.refresh_from_db()
    assert (event.name, event.end_date) == ("Web Summit 2026", None)


@pytest.mark.parametrize(
    "changes",
    [
        {"name": ""},
        {"name": "n" * 201},
        {"start_date": "2026-13-01"},
        {"start_date": "0001-01-01"},
        {"end_date": "2026-11-01"},
        {"setting": "virtual"},
    ],
)
def test_an_invalid_event_is_shown_again_and_saves_nothing(alice_client, alice, changes):
    data = {"name": "Web Summit", "start_date": "2026-11-10", "setting": "formal", **changes}
    response = alice_client.post(reverse("event_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Event.objects.exists()
    event = EventFactory(owner=alice, name="Kept")
    assert alice_client.post(reverse("event_edit", args=[event.pk]), data).status_code == 200
    assert Event.objects.get().name == "Kept"
    event.delete()


def test_the_event_page_lists_everyone_met_there(alice_client, alice):
    summit = EventFactory(owner=alice)
    ana = ContactFactory(owner=alice, display_name="Ana")
    ben = ContactFactory(owner=alice, display_name="Ben")
    ContactFactory(owner=alice, display_name="Not there")
    InteractionFactory(owner=alice, event=summit, kind=Kind.MET, contacts=[ana], notes="grant article")
    InteractionFactory(owner=alice, event=summit, kind=Kind.CONVERSATION, contacts=[ana, ben])
    response = alice_client.get(summit.get_absolute_url())
    assert [(c.display_name, len(moments)) for c, moments in response.context["people"]] == [
        ("Ana", 2),
        ("Ben", 1),
    ]
    assert b"grant article" in response.content


# Interactions -----------------------------------------------------------------------------------------------


def test_an_interaction_with_several_people_reaches_every_timeline(alice_client, alice):
    ana = ContactFactory(owner=alice, intention=Intention.PERSONAL)
    ben = ContactFactory(owner=alice, intention=Intention.PERSONAL)
    response = alice_client.post(reverse("interaction_create"), _interaction_data([ana, ben]))
    interaction = Interaction.objects.get()
    assert response.url in {ana.get_absolute_url(), ben.get_absolute_url()}
    assert set(interaction.contacts.all()) == {ana, ben}
    # Everyone is personal: personal, whatever the setting.
    assert interaction.purpose == Purpose.PERSONAL
    local = interaction.occurred_at.astimezone(alice.zone)
    assert (local.date(), local.time()) == (dt.date(2026, 4, 10), dt.time(9, 15))
    for person in (ana, ben):
        assert b"Lunch by the river." in alice_client.get(person.get_absolute_url()).content
        person.refresh_from_db()
        assert person.last_personal_at == interaction.occurred_at


@pytest.mark.parametrize(
    ("intentions", "setting", "chosen", "purpose"),
    [
        ([Intention.PROFESSIONAL, Intention.PROFESSIONAL], Setting.INFORMAL, "", Purpose.PROFESSIONAL),
        ([Intention.PERSONAL, Intention.PROFESSIONAL], Setting.FORMAL, "", Purpose.PROFESSIONAL),
        ([Intention.BOTH], Setting.INFORMAL, "", Purpose.PERSONAL),
        ([Intention.PERSONAL], Setting.INFORMAL, Purpose.PROFESSIONAL, Purpose.PROFESSIONAL),
    ],
    ids=["all-professional", "mixed-at-a-formal-setting", "both-at-an-informal-setting", "changed-by-hand"],
)
def test_the_purpose_defaults_from_the_people_and_the_setting_and_can_be_changed(
    alice_client, alice, intentions, setting, chosen, purpose
):
    people = [ContactFactory(owner=alice, intention=i) for i in intentions]
    alice_client.post(
        reverse("interaction_create"), _interaction_data(people, setting=setting, purpose=chosen)
    )
    assert Interaction.objects.get().purpose == purpose


def test_the_form_is_filled_in_from_the_address_and_ignores_what_is_not_yours(alice_client, alice, bob):
    ana = ContactFactory(owner=alice)
    summit = EventFactory(owner=alice, setting=Setting.FORMAL)
    bobs = ContactFactory(owner=bob)
    url = reverse("interaction_create")
    form = alice_client.get(
        url + f"?contact={ana.pk}&contact={bobs.pk}&contact=abc&event={summit.pk}"
    ).context["form"]
    assert form.initial["participants"] == [ana]
    assert (form.initial["event"], form.initial["setting"], form.initial["kind"]) == (summit, "formal", "met")
    for query in ("?event=abc", f"?event={EventFactory(owner=bob).pk}", "?contact=" + "9" * 40):
        assert alice_client.get(url + query).status_code == 200


def test_an_interaction_with_another_users_contact_is_refused(alice_client, alice, bob):
    ana, bobs = ContactFactory(owner=alice), ContactFactory(owner=bob)
    response = alice_client.post(reverse("interaction_create"), _interaction_data([ana, bobs]))
    assert response.status_code == 200
    assert "participants" in response.context["form"].errors
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [{"participants": []}, {"occurred_on": "tomorrow"}, {"kind": "duel"}, {"notes": "x" * 5001}],
)
def test_an_invalid_interaction_is_shown_again_and_saves_nothing(alice_client, alice, changes):
    ana = ContactFactory(owner=alice)
    response = alice_client.post(reverse("interaction_create"), _interaction_data([ana], **changes))
    assert response.status_code == 200
    assert b"Nothing was saved" in response.content
    assert not Interaction.objects.exists()


def test_editing_moves_the_interaction_between_timelines_and_last_seen_dates_follow(alice_client, alice):
    ana, ben = ContactFactory.create_batch(2, owner=alice)
    interaction = interaction_log(alice, [ana], occurred_at=timezone.now(), setting=Setting.INFORMAL)
    url = reverse("interaction_edit", args=[interaction.pk])
    form = alice_client.get(url).context["form"]
    assert form.initial["participants"] == [ana]
    response = alice_client.post(
        url + f"?next={ben.get_absolute_url()}",
        _interaction_data([ben], purpose=Purpose.PROFESSIONAL, next=ben.get_absolute_url()),
    )
    assert response.url == ben.get_absolute_url()
    interaction.refresh_from_db()
    assert list(interaction.contacts.all()) == [ben]
    assert (interaction.kind, interaction.purpose, interaction.notes) == (
        Kind.MEAL,
        "professional",
        "Lunch by the river.",
    )
    ana.refresh_from_db()
    ben.refresh_from_db()
    assert ana.last_interaction_at is None
    assert ben.last_professional_at == interaction.occurred_at


def test_an_archived_participant_can_stay_in_an_edited_interaction(alice_client, alice):
    ana = ContactFactory(owner=alice, archived_at=timezone.now())
    interaction = interaction_log(alice, [ana], occurred_at=timezone.now(), setting=Setting.INFORMAL)
    response = alice_client.post(reverse("interaction_edit", args=[interaction.pk]), _interaction_data([ana]))
    assert response.status_code == 302


def test_editing_to_another_users_contact_changes_nothing(alice_client, alice, bob):
    ana, bobs = ContactFactory(owner=alice), ContactFactory(owner=bob)
    interaction = interaction_log(
        alice, [ana], occurred_at=timezone.now(), setting=Setting.INFORMAL, notes="kept"
    )
    response = alice_client.post(
        reverse("interaction_edit", args=[interaction.pk]), _interaction_data([bobs])
    )
    assert response.status_code == 200
    assert list(Interaction.objects.get().contacts.all()) == [ana]
    assert Interaction.objects.get().notes == "kept"


def test_deleting_asks_first_and_keeps_the_people(alice_client, alice):
    ana = ContactFactory(owner=alice)
    interaction = interaction_log(alice, [ana], occurred_at=timezone.now(), setting=Setting.INFORMAL)
    url = reverse("interaction_delete", args=[interaction.pk])
    assert b"Delete this interaction?" in alice_client.get(url).content
    response = alice_client.post(url, {"next": "https://evil.example/"})
    assert response.url == ana.get_absolute_url()
    assert not Interaction.objects.exists()
    assert Contact.objects.get().last_interaction_at is None


def test_the_events_list_pages_by_cursor_latest_first(alice_client, alice):
    for i in range(30):
        EventFactory(owner=alice, name=f"Event {i:02}", start_date=dt.date(2026, 1, 1) + dt.timedelta(days=i))
    first = alice_client.get(reverse("event_list"))
    assert [e.name for e in first.context["page"].items][:2] == ["Event 29", "Event 28"]
    older = html.unescape(re.search(r'href="([^"]*)" rel="next">Older', first.content.decode()).group(1))
    second = alice_client.get(reverse("event_list") + older)
    assert [e.name for e in second.context["page"].items] == [f"Event {i:02}" for i in range(4, -1, -1)]
    assert "Latest" in second.content.decode() and 'rel="next"' not in second.content.decode()
    newer = html.unescape(re.search(r'href="([^"]*)" rel="prev">Newer', second.content.decode()).group(1))
    back = alice_client.get(reverse("event_list") + newer)
    assert [e.name for e in back.context["page"].items] == [e.name for e in first.context["page"].items]
    assert 'rel="prev"' not in back.content.decode()
    assert alice_client.get(reverse("event_list"), {"cursor": "forged"}).context["page"].first


def test_an_event_still_to_come_says_so_in_the_list(alice_client, alice):
    today = timezone.localdate()
    EventFactory(owner=alice, name="Next month", start_date=today + dt.timedelta(days=30))
    EventFactory(owner=alice, name="Last month", start_date=today - dt.timedelta(days=30))
    page = alice_client.get(reverse("event_list")).content.decode()
    assert page.count(">Upcoming</span>") == 1
    assert page.index("Next month") < page.index("Upcoming") < page.index("Last month")
