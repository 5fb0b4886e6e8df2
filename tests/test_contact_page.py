"""The contact page: details and tags, intention and circle in place, the timeline, the inline log form,
archive and delete."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Intention, Purpose, Setting
from contacts.models import Contact
from contacts.signals import contacts_changed
from interactions import forms as interaction_forms
from interactions import views
from interactions.actions import interaction_log
from interactions.models import Interaction, Kind
from tests.factories import (
    ContactFactory,
    EmailAddressFactory,
    EventFactory,
    FollowUpFactory,
    InteractionFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def ana(alice):
    return ContactFactory(owner=alice, display_name="Ana Núñez", intention=Intention.PERSONAL, company="Crux")


@pytest.fixture
def heard():
    calls: list[tuple[int, list[int]]] = []

    def listener(sender, owner, contact_ids, **kwargs):
        calls.append((owner.pk, sorted(contact_ids)))

    contacts_changed.connect(listener)
    yield calls
    contacts_changed.disconnect(listener)


def _page(contact: Contact) -> str:
    return reverse("contact_detail", args=[contact.pk])


def _log_data(**changes: object) -> dict[str, object]:
    data = {
        "occurred_on": "2026-03-02",
        "occurred_time": "",
        "kind": Kind.CALL,
        "purpose": "",
        "setting": Setting.INFORMAL,
        "notes": "Talked about the grant.",
    }
    return {**data, **changes}


def _log_form(html: str) -> str:
    start = html.index('<form class="log-form"')
    return html[start : html.index("</form>", start)]


def _offered(html: str) -> list[str]:
    """The names the plain <select multiple> of the people picker offers (no JavaScript), in order."""
    return [label for _value, label, _selected in _options(html, "participants")]


def _ticked(html: str) -> list[str]:
    """The ids chosen: selected in the select, and drawn as ticked checkboxes above the search box (the two
    must agree)."""
    selected = [value for value, _label, chosen in _options(html, "participants") if chosen]
    ticked = re.findall(r'<input type="checkbox" name="participants" value="(\d+)" checked disabled>', html)
    assert ticked == selected
    return selected


def _options(html: str, name: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of each option of the select `name`."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.DOTALL)
    assert select, name
    return [
        (value, label, bool(selected))
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select[1]
        )
    ]


def _seen(contact: Contact, days_ago: int) -> None:
    """Set when the user last saw `contact`, as logging an interaction would."""
    when = timezone.now() - dt.timedelta(days=days_ago)
    Contact.objects.filter(pk=contact.pk).update(last_interaction_at=when)


# What the page shows ----------------------------------------------------------------------------------------


def test_the_page_shows_details_tags_and_a_timeline_coloured_and_named_by_purpose(alice_client, alice, ana):
    ana.tags.add(TagFactory(owner=alice, name="climbing"))
    EmailAddressFactory(contact=ana, address="ana@example.org")
    ben = ContactFactory(owner=alice, display_name="Ben")
    summit = EventFactory(owner=alice, name="Lisbon Summit")
    interaction_log(
        alice,
        [ana, ben],
        occurred_at=timezone.now() - dt.timedelta(days=2),
        kind=Kind.MET,
        purpose=Purpose.PROFESSIONAL,
        setting=Setting.FORMAL,
        event=summit,
        notes="Wants the deck.",
    )
    interaction_log(
        alice, [ana], occurred_at=timezone.now(), purpose=Purpose.PERSONAL, setting=Setting.INFORMAL
    )
    html = alice_client.get(_page(ana)).content.decode()
    assert "ana@example.org" in html and "climbing" in html and "Crux" in html
    assert '<li class="moment professional">' in html and '<li class="moment personal">' in html
    assert '<span class="badge professional">Professional</span>' in html, "purpose by text as well as colour"
    assert "Lisbon Summit</a>" in html, "the event is named"
    assert ">Ben</a>" in html, "the others are named"
    assert "Wants the deck." in html
    assert "{# follow-ups section goes here #}" not in html


def test_who_they_are_and_the_next_follow_up_come_first_then_the_timeline_then_the_rest(
    alice_client, alice, ana
):
    FollowUpFactory(contact=ana, note="send the grant article")
    InteractionFactory(owner=alice, contacts=[ana], notes="Climbed at Crux.")
    html = alice_client.get(_page(ana)).content.decode()
    marks = [
        "<h1>Ana Núñez</h1>",
        'id="contact-standing"',
        'id="next-followup"',
        'id="log-toggle"',
        "Climbed at Crux.",
        'id="details-h"',
        'id="relationship-h"',
        'id="followups-h"',
        'id="manage-h"',
    ]
    positions = [html.index(mark) for mark in marks]
    assert positions == sorted(positions)
    head = html[html.index('id="next-followup"') : html.index('id="log-toggle"')]
    assert "send the grant article" in head and "late" in head
    assert '<span class="health ' in html[positions[1] : positions[2]], "the health line is in the header"
    # The log form is folded until opened.
    assert '<details class="card log-panel" id="log">' in html
    assert (
        '<details class="card log-panel" id="log" open>'
        in alice_client.get(_page(ana), {"log": "1"}).content.decode()
    )


def test_the_next_follow_up_line_can_be_fetched_again_alone(alice_client, ana):
    FollowUpFactory(contact=ana, note="send the grant article")
    response = alice_client.get(_page(ana), {"part": "next"}, headers=HTMX)
    html = response.content.decode()
    assert html.strip().startswith('<p class="next-followup" id="next-followup"')
    assert "send the grant article" in html and "<html" not in html


def test_a_long_email_address_is_cut_short_never_broken_with_the_whole_of_it_in_its_title(alice_client, ana):
    address = "ana.nunez.climbing.and.grant.writing@very-long-domain-name.example.org"
    EmailAddressFactory(contact=ana, address=address)
    html = alice_client.get(_page(ana)).content.decode()
    assert f'<a class="truncate" href="mailto:{address}" title="{address}">{address}</a>' in html


def test_changing_the_intention_in_place_also_refreshes_the_header(alice_client, ana):
    response = alice_client.post(
        reverse("contact_relationship", args=[ana.pk]),
        {"intention": "professional", "circle": "inner"},
        headers=HTMX,
    )
    html = response.content.decode()
    standing = html[html.index('id="contact-standing"') :]
    assert 'hx-swap-oob="true"' in standing[:60]
    assert "Professional" in standing and "Inner circle" in standing


def test_changing_the_intention_in_place_has_the_header_fetch_its_next_follow_up_again(alice_client, ana):
    """The new intention re-plans the follow-ups; the header's "Next follow-up" line fetches itself again on
    `followups-changed` (contact_detail.html), which the answer triggers."""
    url = reverse("contact_relationship", args=[ana.pk])
    response = alice_client.post(url, {"intention": "both", "circle": "close"}, headers=HTMX)
    assert "followups-changed" in json.loads(response.headers["HX-Trigger"])
    page = alice_client.get(_page(ana)).content.decode()
    line = page[page.index('id="next-followup"') :]
    assert 'hx-trigger="followups-changed from:body"' in line[: line.index(">")]
    # A rejected change moved nothing.
    rejected = alice_client.post(url, {"intention": "rival", "circle": "close"}, headers=HTMX)
    assert "HX-Trigger" not in rejected.headers


def test_logging_with_htmx_also_refreshes_the_health_in_the_header(alice, alice_client, ana):
    interaction_log(
        alice, [ana], occurred_at=timezone.now() - dt.timedelta(days=45), setting=Setting.INFORMAL
    )
    ana.refresh_from_db()
    page = alice_client.get(_page(ana)).content.decode()
    assert '<span class="health fading">Fading</span>' in page
    today = timezone.localdate(timezone=alice.zone).isoformat()
    response = alice_client.post(
        reverse("contact_log", args=[ana.pk]), _log_data(occurred_on=today), headers=HTMX
    )
    body = response.content.decode()
    standing = body[body.index('<p class="contact-standing"') :]
    assert 'hx-swap-oob="true"' in standing[: standing.index(">")]
    assert '<span class="health recent">Recent</span>' in standing[: standing.index("</p>")]


def test_a_rejected_log_leaves_the_header_alone(alice_client, ana):
    response = alice_client.post(
        reverse("contact_log", args=[ana.pk]), _log_data(occurred_on=""), headers=HTMX
    )
    assert b"hx-swap-oob" not in response.content


@pytest.mark.parametrize("size", [5, 50])
def test_the_page_runs_a_fixed_number_of_queries(
    alice_client, alice, ana, size, django_assert_max_num_queries
):
    others = ContactFactory.create_batch(size, owner=alice)
    ana.tags.add(*TagFactory.create_batch(3, owner=alice))
    EmailAddressFactory.create_batch(2, contact=ana)
    events = EventFactory.create_batch(3, owner=alice)
    for i in range(size):
        InteractionFactory(owner=alice, contacts=[ana, others[i]], event=events[i % 3])
    with django_assert_max_num_queries(15):
        response = alice_client.get(_page(ana))
    assert len(response.context["page"].object_list) == min(size, views.TIMELINE_PER_PAGE)


def test_odd_timeline_pages_still_show_the_page(alice_client, ana):
    for page in ("abc", "0", "99999", "-3"):
        assert alice_client.get(_page(ana), {"page": page}).status_code == 200


# Intention and circle in place ------------------------------------------------------------------------------


def test_intention_and_circle_change_in_place_with_htmx(
    alice_client, alice, ana, heard, django_capture_on_commit_callbacks
):
    url = reverse("contact_relationship", args=[ana.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(url, {"intention": "both", "circle": "inner"}, headers=HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'id="relationship"' in response.content and b"Saved" in response.content
    ana.refresh_from_db()
    assert (ana.intention, ana.circle) == ("both", "inner")
    assert heard == [(alice.pk, [ana.pk])]


def test_intention_changes_without_javascript_too(alice_client, ana):
    response = alice_client.post(
        reverse("contact_relationship", args=[ana.pk]), {"intention": "professional", "circle": "close"}
    )
    assert response.url == _page(ana)
    assert Contact.objects.get().intention == "professional"


def test_an_unknown_intention_changes_nothing(alice_client, ana, heard):
    for headers in (HTMX, {}):
        response = alice_client.post(
            reverse("contact_relationship", args=[ana.pk]),
            {"intention": "rival", "circle": "x"},
            headers=headers,
        )
        assert response.status_code == 200
        assert set(response.context["form"].errors) == {"intention", "circle"}
    assert Contact.objects.get().intention == "personal"
    assert heard == []


def test_setting_the_same_intention_again_announces_nothing(
    alice_client, ana, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(
            reverse("contact_relationship", args=[ana.pk]),
            {"intention": "personal", "circle": "close"},
            headers=HTMX,
        )
    assert heard == []


# Logging from the page --------------------------------------------------------------------------------------


def test_the_inline_form_logs_with_htmx_and_returns_the_timeline(alice_client, alice, ana):
    response = alice_client.post(reverse("contact_log", args=[ana.pk]), _log_data(), headers=HTMX)
    assert response.status_code == 200
    assert b'id="timeline"' in response.content and b"<html" not in response.content
    assert b"Talked about the grant." in response.content
    interaction = Interaction.objects.get()
    assert list(interaction.contacts.all()) == [ana]
    # A personal contact: the default purpose is personal. A date alone is kept at noon local time.
    assert interaction.purpose == Purpose.PERSONAL
    local = interaction.occurred_at.astimezone(alice.zone)
    assert (local.date(), local.hour, local.minute) == (dt.date(2026, 3, 2), 12, 0)
    ana.refresh_from_db()
    assert ana.last_personal_at == interaction.occurred_at


def test_logging_with_htmx_also_refreshes_the_next_follow_ups(alice_client, alice, ana):
    """The follow-ups section sits outside the swapped timeline; the response carries a fresh copy of it for
    htmx to swap out of band, so "Next follow-ups" never shows what the new interaction has changed."""
    page = alice_client.get(_page(ana)).content.decode()
    assert "Nothing planned yet." in page
    response = alice_client.post(reverse("contact_log", args=[ana.pk]), _log_data(), headers=HTMX)
    body = response.content.decode()
    followups = body[body.index('id="contact-followups"') :]
    assert 'hx-swap-oob="true"' in followups[:200]
    assert "keep in touch" in followups.lower()
    # Personal, close circle: 30 days after the call of 2 March 2026.
    assert list(ana.followups.open().values_list("due_on", flat=True)) == [dt.date(2026, 4, 1)]


def test_the_inline_form_logs_with_others_and_they_see_it_too(alice_client, alice, ana):
    ben = ContactFactory(owner=alice, display_name="Ben", intention=Intention.PROFESSIONAL)
    response = alice_client.post(
        reverse("contact_log", args=[ana.pk]),
        _log_data(participants=[ben.pk], setting=Setting.FORMAL, occurred_time="18:30"),
    )
    assert response.url == _page(ana)
    interaction = Interaction.objects.get()
    assert set(interaction.contacts.all()) == {ana, ben}
    # Mixed intentions at a formal setting: professional.
    assert interaction.purpose == Purpose.PROFESSIONAL
    assert b"Talked about the grant." in alice_client.get(_page(ben)).content


def test_an_explicit_purpose_wins_over_the_default(alice_client, ana):
    alice_client.post(reverse("contact_log", args=[ana.pk]), _log_data(purpose=Purpose.PROFESSIONAL))
    assert Interaction.objects.get().purpose == Purpose.PROFESSIONAL


@pytest.mark.parametrize(
    "changes",
    [
        {"occurred_on": ""},
        {"occurred_on": "2026-02-30"},
        {"occurred_on": "0001-01-01"},
        {"occurred_time": "25:00"},
        {"kind": "telepathy"},
        {"purpose": "romantic"},
        {"setting": "online"},
        {"event": "abc"},
        {"participants": ["abc"]},
        {"notes": "n" * 5001},
    ],
)
def test_an_invalid_log_is_shown_again_and_saves_nothing(alice_client, ana, changes):
    for headers in (HTMX, {}):
        response = alice_client.post(
            reverse("contact_log", args=[ana.pk]), _log_data(**changes), headers=headers
        )
        assert response.status_code == 200
        assert response.context["log_form"].errors
        assert b"Nothing was saved" in response.content
    assert not Interaction.objects.exists()


def test_logging_with_another_users_contact_or_event_is_refused(alice_client, alice, bob, ana):
    bobs_contact, bobs_event = ContactFactory(owner=bob), EventFactory(owner=bob)
    for changes in ({"participants": [bobs_contact.pk]}, {"event": bobs_event.pk}):
        response = alice_client.post(reverse("contact_log", args=[ana.pk]), _log_data(**changes))
        assert response.status_code == 200
        assert response.context["log_form"].errors
    assert not Interaction.objects.exists()


def test_also_with_offers_the_people_seen_most_recently_by_name(alice_client, alice, bob, ana, monkeypatch):
    monkeypatch.setattr(interaction_forms, "RECENT_PEOPLE", 3)
    people = {
        name: ContactFactory(owner=alice, display_name=name) for name in ("Cleo", "Ben", "Dara", "Eli", "Fay")
    }
    for name, days_ago in (("Cleo", 1), ("Ben", 2), ("Dara", 3), ("Eli", 40)):
        _seen(people[name], days_ago)
    # Seen more recently than anyone, yet not offered: the page's own person, an archived one, bob's.
    _seen(ana, 0)
    gus = ContactFactory(owner=alice, display_name="Gus", archived_at=timezone.now())
    _seen(gus, 0)
    _seen(ContactFactory(owner=bob, display_name="Hal"), 0)
    html = alice_client.get(_page(ana)).content.decode()
    assert _offered(_log_form(html)) == ["Ben", "Cleo", "Dara"]
    assert _ticked(html) == []


def test_without_javascript_also_with_is_a_select_of_the_30_people_seen_most_recently(
    alice_client, alice, ana
):
    people = ContactFactory.create_batch(35, owner=alice)
    for days_ago, person in enumerate(people):
        _seen(person, days_ago)
    html = _log_form(alice_client.get(_page(ana)).content.decode())
    assert re.search(r'<select name="participants" id="id_participants" multiple>', html)
    assert '<label for="id_participants" class="picker-label">People you saw most recently</label>' in html
    recent = sorted(people[:30], key=lambda c: (c.display_name, c.pk))
    assert _offered(html) == [c.display_name for c in recent]
    assert _ticked(html) == []
    # The search box that JavaScript shows instead starts hidden and disabled, so it posts nothing without it.
    assert re.search(r'<div class="picker-search" data-picker-search hidden>', html)
    assert re.search(r'<input type="search" [^>]*name="q"[^>]* disabled\s', html)
    assert f'hx-get="{reverse("people_search")}?exclude={ana.pk}"' in html


def test_also_with_fills_up_with_people_never_seen_first_added_first(alice_client, alice, ana, monkeypatch):
    monkeypatch.setattr(interaction_forms, "RECENT_PEOPLE", 3)
    for name in ("Zoe", "Yan", "Xia"):
        ContactFactory(owner=alice, display_name=name)
    _seen(ContactFactory(owner=alice, display_name="Ben"), 5)
    assert _offered(alice_client.get(_page(ana)).content.decode()) == ["Ben", "Yan", "Zoe"]


def test_the_log_form_logs_with_a_person_it_offers_and_with_one_it_does_not(
    alice_client, alice, ana, monkeypatch
):
    monkeypatch.setattr(interaction_forms, "RECENT_PEOPLE", 1)
    ben = ContactFactory(owner=alice, display_name="Ben")
    cleo = ContactFactory(owner=alice, display_name="Cleo")
    _seen(ben, 1)
    _seen(cleo, 30)
    html = alice_client.get(_page(ana)).content.decode()
    assert _offered(html) == ["Ben"]
    offered = _options(html, "participants")[0][0]
    alice_client.post(reverse("contact_log", args=[ana.pk]), _log_data(participants=[offered]))
    # Anyone of the user's people can be posted, offered or not (a longer list, another page).
    alice_client.post(reverse("contact_log", args=[ana.pk]), _log_data(participants=[cleo.pk]))
    logged = [set(i.contacts.all()) for i in Interaction.objects.order_by("pk")]
    assert logged == [{ana, ben}, {ana, cleo}]


def test_the_log_form_offers_every_event_newest_first_and_none_by_default(alice_client, alice, bob, ana):
    old = EventFactory(owner=alice, name="Rosa's & friends", start_date=dt.date(2024, 5, 3))
    new = EventFactory(owner=alice, name="Lisbon Summit", start_date=dt.date(2026, 3, 1))
    EventFactory(owner=bob, name="Bob's party")
    html = alice_client.get(_page(ana)).content.decode()
    assert _options(html, "event") == [
        ("", "No event", True),
        (str(new.pk), "Lisbon Summit (1 Mar 2026)", False),
        (str(old.pk), "Rosa&#x27;s &amp; friends (3 May 2024)", False),
    ]
    assert ("conversation", "Conversation", True) in _options(html, "kind")
    assert _options(html, "purpose")[0] == ("", "Automatic", True)


def test_every_field_of_the_log_form_has_a_label(alice_client, alice, ana):
    ben = ContactFactory(owner=alice, display_name="Ben")
    EventFactory(owner=alice)
    html = alice_client.post(
        reverse("contact_log", args=[ana.pk]), _log_data(participants=[ben.pk], occurred_on="")
    ).content.decode()
    form = _log_form(html)
    controls = [
        c for c in re.findall(r"<(?:input|select|textarea)\b[^>]*>", form) if 'type="hidden"' not in c
    ]
    # Kind, date, time, setting, purpose, event, notes; Ben ticked, the search box, the plain select.
    assert len(controls) == 10
    for control in controls:
        wrapped = f'<label class="picker-option">{control}' in form
        control_id = re.search(r' id="([^"]+)"', control)
        assert wrapped or (control_id and f'<label for="{control_id[1]}"' in form), control


def test_a_rejected_log_comes_back_as_it_was_entered(alice_client, alice, ana, monkeypatch):
    """The person ticked comes back ticked though the page does not offer them; the others it does not offer
    stay out (a rejected log used to list every contact the user has)."""
    monkeypatch.setattr(interaction_forms, "RECENT_PEOPLE", 1)
    ben = ContactFactory(owner=alice, display_name="Ben")
    cleo = ContactFactory(owner=alice, display_name="Cleo")
    ContactFactory(owner=alice, display_name="Dara")
    _seen(ben, 1)
    summit = EventFactory(owner=alice, name="Lisbon Summit", start_date=dt.date(2026, 3, 1))
    data = _log_data(
        occurred_on="2026-02-30",
        kind=Kind.MEAL,
        event=summit.pk,
        participants=[cleo.pk],
        notes="Lunch & deck",
    )
    for headers in (HTMX, {}):
        html = alice_client.post(
            reverse("contact_log", args=[ana.pk]), data, headers=headers
        ).content.decode()
        assert "Nothing was saved" in html
        assert re.search(
            r'<input type="date" name="occurred_on" value="2026-02-30"[^>]*aria-invalid="true"', html
        )
        assert _offered(html) == ["Ben", "Cleo"]
        assert _ticked(html) == [str(cleo.pk)]
        assert ("meal", "Meal", True) in _options(html, "kind")
        assert (str(summit.pk), "Lisbon Summit (1 Mar 2026)", True) in _options(html, "event")
        assert ">\nLunch &amp; deck</textarea>" in html
        assert '<details class="card log-panel" id="log" open>' in html, "the folded form opens to show why"
    assert not Interaction.objects.exists()


def test_a_rejected_log_never_shows_another_users_person(alice_client, alice, bob, ana):
    outsider = ContactFactory(owner=bob, display_name="Olga")
    response = alice_client.post(reverse("contact_log", args=[ana.pk]), _log_data(participants=[outsider.pk]))
    html = response.content.decode()
    assert "participants" in response.context["log_form"].errors
    assert "Olga" not in html and _ticked(html) == []


def test_the_interaction_page_uses_the_same_picker_and_ticks_who_took_part(alice_client, alice, monkeypatch):
    """The recent people and those who took part, even an archived one; nobody else archived."""
    monkeypatch.setattr(interaction_forms, "RECENT_PEOPLE", 1)
    ContactFactory(owner=alice, display_name="Ana")
    ben = ContactFactory(owner=alice, display_name="Ben")
    cleo = ContactFactory(owner=alice, display_name="Cleo", archived_at=timezone.now())
    ContactFactory(owner=alice, display_name="Dara", archived_at=timezone.now())
    summit = EventFactory(owner=alice, name="Lisbon Summit", start_date=dt.date(2026, 3, 1))
    interaction = InteractionFactory(owner=alice, contacts=[ben, cleo], event=summit)
    html = alice_client.get(reverse("interaction_edit", args=[interaction.pk])).content.decode()
    assert _offered(html) == ["Ana", "Ben", "Cleo"]
    assert sorted(_ticked(html)) == sorted([str(ben.pk), str(cleo.pk)])
    assert (str(summit.pk), "Lisbon Summit (1 Mar 2026)", True) in _options(html, "event")
    created = alice_client.get(reverse("interaction_create")).content.decode()
    assert _offered(created) == ["Ana"]
    assert f'hx-get="{reverse("people_search")}"' in created, "searches everyone, leaving nobody out"


def test_logging_needs_a_post(alice_client, ana):
    assert alice_client.get(reverse("contact_log", args=[ana.pk])).status_code == 405


# Archive and delete -----------------------------------------------------------------------------------------


def test_archiving_asks_first_then_hides_the_contact_and_announces_it(
    alice_client, alice, ana, heard, django_capture_on_commit_callbacks
):
    url = reverse("contact_archive", args=[ana.pk])
    assert b"Archive Ana N" in alice_client.get(url).content
    assert Contact.objects.get().archived_at is None
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(url, {"archive": "1"})
    assert Contact.objects.get().is_archived
    assert [c for c, _h, _t in alice_client.get("/contacts/").context["rows"]] == []
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(url, {"archive": "0"})
    assert not Contact.objects.get().is_archived
    assert heard == [(alice.pk, [ana.pk]), (alice.pk, [ana.pk])]


def test_deleting_asks_first_then_removes_the_person_and_what_was_theirs_alone(alice_client, alice, ana):
    ben = ContactFactory(owner=alice)
    alone = InteractionFactory(owner=alice, contacts=[ana])
    shared = InteractionFactory(owner=alice, contacts=[ana, ben])
    bens = InteractionFactory(owner=alice, contacts=[ben])
    url = reverse("contact_delete", args=[ana.pk])
    assert b"cannot be undone" in alice_client.get(url).content
    assert Contact.objects.filter(pk=ana.pk).exists()
    response = alice_client.post(url)
    assert response.url == reverse("contact_list")
    assert not Contact.objects.filter(pk=ana.pk).exists()
    assert set(Interaction.objects.values_list("pk", flat=True)) == {shared.pk, bens.pk}
    assert not Interaction.objects.filter(pk=alone.pk).exists()
