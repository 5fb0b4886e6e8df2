"""Quick capture: today's event, one row per person, duplicate warnings, retries and corrections."""

from __future__ import annotations

import datetime as dt
import re
import uuid
import zoneinfo

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Intention, Purpose, Setting
from contacts.models import Contact
from contacts.queries import contact_duplicates
from contacts.signals import contacts_changed
from interactions import capture
from interactions.actions import interaction_log
from interactions.capture import CaptureInput, capture_moment, capture_row_save
from interactions.models import Event, Interaction, Kind, Participation
from tests.factories import ContactFactory, EmailAddressFactory, EventFactory

HTMX = {"HX-Request": "true"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def conference(alice):
    return EventFactory(owner=alice, name="PyCon", setting=Setting.FORMAL, start_date=timezone.localdate())


def _row(**data: str) -> dict[str, str]:
    return {
        "name": "Ana Núñez",
        "context": "",
        "intention": Intention.PROFESSIONAL,
        "row_key": uuid.uuid4().hex,
        **data,
    }


def _capture_url(event: Event) -> str:
    return reverse("capture_event", args=[event.pk])


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _row_html(content: bytes, key: str) -> str:
    """The <li> of one capture row in a page or an htmx answer."""
    html = content.decode()
    start = html.rindex("<li ", 0, html.index(f'id="row-{key}"'))
    return html[start : html.index("</li>", html.index("</form>", start))]


def _folded_line(row_html: str) -> str | None:
    """The line a saved row folds to (the text of its <summary>), or None for a row that is a plain form."""
    found = re.search(r'<summary class="row-line">(.*?)</summary>', row_html, re.S)
    return _text(found.group(1)) if found else None


# Today's event ----------------------------------------------------------------------------------------------


def test_the_start_page_offers_todays_event_and_recent_ones(alice_client, alice):
    today = timezone.localdate()
    EventFactory(owner=alice, name="Climbing social", start_date=today)
    EventFactory(
        owner=alice, name="Three-day summit", start_date=today - dt.timedelta(days=1), end_date=today
    )
    EventFactory(owner=alice, name="Last week's party", start_date=today - dt.timedelta(days=6))
    EventFactory(owner=alice, name="Long ago", start_date=today - dt.timedelta(days=90))
    page = alice_client.get(reverse("capture"))
    assert [e.name for e in page.context["today_events"]] == ["Climbing social", "Three-day summit"]
    assert [e.name for e in page.context["recent"]] == ["Last week's party"]


def test_creating_todays_event_in_one_step_opens_its_capture_screen(alice_client, alice):
    response = alice_client.post(
        reverse("capture"), {"name": "Board games", "place": "Ana's", "setting": "informal"}
    )
    event = Event.objects.get(owner=alice)
    assert (event.name, event.start_date, event.setting) == ("Board games", timezone.localdate(), "informal")
    assert response.url == _capture_url(event)


def test_an_event_without_a_name_or_setting_is_not_created(alice_client, alice):
    response = alice_client.post(reverse("capture"), {"name": "", "setting": "gala"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "setting"}
    assert not Event.objects.exists()


# Saving rows ------------------------------------------------------------------------------------------------


def test_a_blank_row_defaults_the_intention_from_the_events_setting(alice_client, alice, conference):
    party = EventFactory(owner=alice, setting=Setting.INFORMAL)
    assert (
        alice_client.get(_capture_url(conference)).context["new_row"].form["intention"].value()
        == "professional"
    )
    assert alice_client.get(_capture_url(party)).context["new_row"].form["intention"].value() == "personal"


def test_a_row_saves_the_person_and_the_meeting_at_once(alice_client, alice, conference):
    response = alice_client.post(
        _capture_url(conference),
        _row(
            context="runs a climbing gym", email="ana@example.org", phone="+44 20 7946 0001", company="Crux"
        ),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert b"<html" not in response.content, "htmx gets the row alone"
    contact = Contact.objects.get(owner=alice)
    assert (contact.display_name, contact.intention, contact.company, contact.notes) == (
        "Ana Núñez",
        Intention.PROFESSIONAL,
        "Crux",
        "runs a climbing gym",
    )
    assert [e.address for e in contact.emails.all()] == ["ana@example.org"]
    assert [(p.number, p.e164) for p in contact.phones.all()] == [("+44 20 7946 0001", "+442079460001")]
    met = Interaction.objects.get(owner=alice)
    assert (met.kind, met.event, met.purpose, met.notes) == (
        Kind.MET,
        conference,
        Purpose.PROFESSIONAL,
        "runs a climbing gym",
    )
    assert list(met.contacts.all()) == [contact]
    assert response.context["row"].state == "saved"
    assert b"data-just-created" in response.content


def test_a_both_contact_met_at_a_party_is_met_for_personal_reasons(alice_client, alice):
    party = EventFactory(owner=alice, setting=Setting.INFORMAL)
    alice_client.post(_capture_url(party), _row(intention=Intention.BOTH), headers=HTMX)
    assert Interaction.objects.get().purpose == Purpose.PERSONAL


def test_saving_a_person_announces_them_to_the_follow_up_planner(
    alice_client, alice, conference, django_capture_on_commit_callbacks
):
    heard = []

    def listener(sender, owner, contact_ids, **kwargs):
        heard.append((owner.pk, list(contact_ids)))

    contacts_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            alice_client.post(_capture_url(conference), _row(), headers=HTMX)
    finally:
        contacts_changed.disconnect(listener)
    assert heard == [(alice.pk, [Contact.objects.get().pk])]


def test_without_javascript_a_row_posts_and_comes_back_to_the_screen(alice_client, alice, conference):
    response = alice_client.post(_capture_url(conference), _row())
    assert response.status_code == 302
    assert response.url.startswith(_capture_url(conference))
    page = alice_client.get(response.url)
    assert [row.form["name"].value() for row in page.context["rows"]] == ["Ana Núñez"]
    assert page.context["new_row"].form["name"].value() is None
    # The browser lands on the blank row (the #new-row of the redirect), below Ana's folded line.
    assert response.url.endswith("#new-row")
    assert 'id="new-row"' in _row_html(page.content, page.context["new_row"].key)
    saved = page.context["rows"][0]
    assert _folded_line(_row_html(page.content, saved.key)) == "Saved: Ana Núñez Professional (edit)"


def test_a_row_sent_twice_saves_one_person(alice_client, alice, conference):
    """The phone's first request saved the row but its answer was lost; the retry gets the same row."""
    data = _row()
    first = alice_client.post(_capture_url(conference), data, headers=HTMX)
    again = alice_client.post(_capture_url(conference), data, headers=HTMX)
    assert Contact.objects.count() == 1
    assert Participation.objects.count() == 1
    assert again.context["row"].participation.pk == first.context["row"].participation.pk


def test_a_row_whose_key_another_process_saved_returns_that_row(alice_client, alice, conference):
    """The key lives in the database, not in one process's cache: a retry that reaches another web process
    (here, a meeting saved with the key by any writer) finds the row saved the first time."""
    data = _row()
    first = ContactFactory(owner=alice, display_name="Ana Núñez")
    meeting = interaction_log(
        alice,
        [first],
        occurred_at=timezone.now(),
        kind=Kind.MET,
        setting=conference.setting,
        event=conference,
        row_key=data["row_key"],
    )
    response = alice_client.post(_capture_url(conference), data, headers=HTMX)
    assert response.status_code == 200
    assert response.context["row"].participation.interaction == meeting
    assert list(Contact.objects.all()) == [first]


def test_a_retry_that_lands_as_the_first_request_commits_gets_the_saved_row_not_a_question(
    alice, conference, monkeypatch
):
    """The retry looked for its key just before the first request committed, then found the person that
    request saved as a likely duplicate of itself: it is the saved row, not "same person or new?"."""
    row = CaptureInput(name="Ana Núñez", intention=Intention.PROFESSIONAL, row_key="k1")
    first = capture_row_save(alice, conference, row, now=timezone.now())
    looked_up = capture._saved_with_key
    calls = []

    def before_the_commit_then_after(owner, key):
        calls.append(key)
        return None if len(calls) == 1 else looked_up(owner, key)

    monkeypatch.setattr(capture, "_saved_with_key", before_the_commit_then_after)
    again = capture_row_save(alice, conference, row, now=timezone.now())
    assert again.repeated
    assert again.duplicates == ()
    assert again.participation == first.participation
    assert Contact.objects.count() == 1


def test_the_database_refuses_a_second_meeting_with_one_row_key(alice, conference):
    """Two requests of one row racing past the lookup: the loser's insert is refused, so it can roll back."""
    people = [ContactFactory(owner=alice), ContactFactory(owner=alice)]
    moment = timezone.now()
    interaction_log(alice, people[:1], occurred_at=moment, setting=conference.setting, row_key="k1")
    with pytest.raises(IntegrityError):
        interaction_log(alice, people[1:], occurred_at=moment, setting=conference.setting, row_key="k1")


def test_row_keys_are_per_user(alice, bob, conference):
    moment = timezone.now()
    interaction_log(alice, [ContactFactory(owner=alice)], occurred_at=moment, setting="formal", row_key="k1")
    interaction_log(bob, [ContactFactory(owner=bob)], occurred_at=moment, setting="formal", row_key="k1")
    assert Interaction.objects.filter(row_key="k1").count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"context": "y" * 501}, "context"),
        ({"email": "not an email"}, "email"),
        ({"intention": "frenemy"}, "intention"),
        ({"phone": "1" * 41}, "phone"),
        ({"row_key": "<script>"}, "row_key"),
        ({"link": "abc"}, "link"),
    ],
    ids=[
        "no-name",
        "huge-name",
        "huge-context",
        "bad-email",
        "unknown-intention",
        "huge-phone",
        "bad-key",
        "bad-link",
    ],
)
def test_an_invalid_row_is_shown_again_with_its_errors_and_saves_nothing(
    alice_client, alice, conference, change, field
):
    for headers in (HTMX, {}):
        response = alice_client.post(_capture_url(conference), _row(**change), headers=headers)
        assert response.status_code == 200
        row = response.context["row"] if headers else response.context["new_row"]
        assert row.state == "error"
        assert field in row.form.errors
    assert not Contact.objects.exists()
    assert not Interaction.objects.exists()


# Duplicates -------------------------------------------------------------------------------------------------


def test_a_likely_duplicate_is_asked_about_before_anything_is_saved(alice_client, alice, conference):
    known = ContactFactory(owner=alice, display_name="Ana Núñez")
    response = alice_client.post(_capture_url(conference), _row(name="ana nunez"), headers=HTMX)
    row = response.context["row"]
    assert row.state == "ask"
    assert list(row.duplicates) == [known]
    assert f'name="link" value="{known.pk}"'.encode() in response.content, "a Same person button for them"
    assert b"New person" in response.content
    assert Contact.objects.count() == 1
    assert not Interaction.objects.exists()


def test_the_same_email_is_a_likely_duplicate_whatever_the_name(alice_client, alice, conference):
    known = EmailAddressFactory(
        contact__owner=alice, contact__display_name="Ana Smith", address="Ana@Example.org"
    )
    response = alice_client.post(
        _capture_url(conference), _row(name="A. S.", email="ana@example.ORG"), headers=HTMX
    )
    assert list(response.context["row"].duplicates) == [known.contact]


def test_same_person_links_the_meeting_to_the_known_contact(alice_client, alice, conference):
    known = ContactFactory(owner=alice, display_name="Ana Núñez", intention=Intention.PERSONAL)
    response = alice_client.post(
        _capture_url(conference), _row(link=str(known.pk), context="now at Crux"), headers=HTMX
    )
    assert response.context["row"].state == "saved"
    assert Contact.objects.count() == 1
    met = Interaction.objects.get()
    assert (list(met.contacts.all()), met.kind, met.event, met.notes) == (
        [known],
        Kind.MET,
        conference,
        "now at Crux",
    )
    # A personal friend met at a conference: the meeting follows her intention.
    assert met.purpose == Purpose.PERSONAL


def test_linking_the_same_person_twice_at_one_event_is_one_meeting(alice_client, alice, conference):
    known = ContactFactory(owner=alice)
    alice_client.post(_capture_url(conference), _row(link=str(known.pk)), headers=HTMX)
    alice_client.post(_capture_url(conference), _row(link=str(known.pk), context="again"), headers=HTMX)
    assert Interaction.objects.get().notes == "again"


def test_new_person_saves_despite_a_likely_duplicate(alice_client, alice, conference):
    ContactFactory(owner=alice, display_name="Ana Núñez")
    response = alice_client.post(_capture_url(conference), _row(decision="new"), headers=HTMX)
    assert response.context["row"].state == "saved"
    assert Contact.objects.filter(display_name="Ana Núñez").count() == 2


def test_linking_another_users_contact_is_refused_and_changes_nothing(alice_client, alice, bob, conference):
    bobs = ContactFactory(owner=bob, display_name="Ana Núñez")
    response = alice_client.post(_capture_url(conference), _row(link=str(bobs.pk)), headers=HTMX)
    assert response.context["row"].state == "error"
    assert "link" in response.context["row"].form.errors
    assert not Interaction.objects.exists()
    assert Contact.objects.filter(owner=alice).count() == 0


def test_another_users_contacts_are_never_offered_as_duplicates(alice, bob):
    ContactFactory(owner=bob, display_name="Ana Núñez")
    EmailAddressFactory(contact__owner=bob, address="ana@example.org")
    assert contact_duplicates(alice, name="Ana Núñez", email="ana@example.org") == []


@pytest.mark.parametrize(
    ("typed", "known", "likely"),
    [
        ("nunez", "Ana Núñez", True),
        ("Núñez, Ana", "Ana Núñez", True),
        ("Jon Smith", "John Smith", True),
        ("Ana", "Ana Núñez", True),
        ("Ana Nolan", "Ana Núñez", False),
        ("Bea Smith", "John Smith", False),
    ],
)
def test_similar_names_ignore_case_accents_and_word_order(alice, typed, known, likely):
    contact = ContactFactory(owner=alice, display_name=known)
    assert (contact_duplicates(alice, name=typed) == [contact]) is likely


def test_the_inline_duplicate_lookup_answers_while_typing(alice_client, alice):
    known = ContactFactory(owner=alice, display_name="Ana Núñez", company="Crux")
    url = reverse("contact_duplicates")
    response = alice_client.get(url, {"name": "ANA NUNEZ", "choose": "1"}, headers=HTMX)
    assert list(response.context["duplicates"]) == [known]
    assert f'name="link" value="{known.pk}"'.encode() in response.content, "a Same person button for them"
    assert alice_client.get(url, {"name": "Ana Núñez", "exclude": str(known.pk)}).context["duplicates"] == []
    for odd in ({"exclude": "abc"}, {"exclude": "9" * 40}, {"name": "x" * 10_000}, {}):
        assert alice_client.get(url, odd).status_code == 200


# Correcting a saved row -------------------------------------------------------------------------------------


def test_a_saved_row_folds_to_one_line_that_opens_to_its_form(alice_client, alice, conference):
    response = alice_client.post(_capture_url(conference), _row(context="runs a climbing gym"), headers=HTMX)
    row = response.context["row"]
    html = _row_html(response.content, row.key)
    assert _folded_line(html) == "Saved: Ana Núñez runs a climbing gym Professional (edit)"
    # Folded (a closed <details>) around the whole form: it opens to be corrected, without JavaScript too.
    assert '<details class="row-edit">' in html
    assert html.index("<summary") < html.index("<form") < html.index("Save changes")
    assert 'class="capture-row is-saved"' in html


def test_the_blank_row_is_an_open_form_not_a_folded_line(alice_client, alice, conference):
    alice_client.post(_capture_url(conference), _row(), headers=HTMX)
    page = alice_client.get(_capture_url(conference))
    html = _row_html(page.content, page.context["new_row"].key)
    assert _folded_line(html) is None
    assert '<details class="row-edit"' not in html
    assert 'class="capture-row is-new"' in html and "Save person" in html


def test_a_correction_that_needs_fixing_stays_open(alice_client, alice, conference):
    saved = alice_client.post(_capture_url(conference), _row(context="grant"), headers=HTMX).context["row"]
    url = reverse("capture_row", args=[saved.participation.pk])
    response = alice_client.post(url, {"name": "", "intention": Intention.PROFESSIONAL}, headers=HTMX)
    html = _row_html(response.content, saved.key)
    assert '<details class="row-edit" open>' in html
    # The folded line still says what is saved; the form says what to fix.
    assert _folded_line(html) == "Saved: Ana Núñez grant Professional (edit)"
    assert f'id="row-{saved.key}-name" name="name" value=""' in html
    assert 'aria-invalid="true"' in html


def test_the_duplicate_lookup_fills_its_box_and_never_replaces_it(alice_client, alice, conference):
    """The lookup answers with nothing for an unknown name; the box it fills must stay for the next answer
    (it used to inherit the row's hx-swap="outerHTML" and vanish)."""
    page = alice_client.get(_capture_url(conference))
    key = page.context["new_row"].key
    html = _row_html(page.content, key)
    for field in ("name", "email"):
        tag = re.search(rf'<input[^>]*id="row-{key}-{field}"[^>]*>', html, re.S)
        assert tag is not None
        assert f'hx-target="#row-{key}-dupes"' in tag.group(0)
        assert 'hx-swap="innerHTML"' in tag.group(0)
    unknown = alice_client.get(reverse("contact_duplicates"), {"name": "Pri", "choose": "1"})
    assert unknown.content.strip() == b""


def test_a_saved_row_stays_editable(alice_client, alice, conference):
    saved = alice_client.post(_capture_url(conference), _row(context="grant article"), headers=HTMX).context[
        "row"
    ]
    url = reverse("capture_row", args=[saved.participation.pk])
    response = alice_client.post(
        url,
        {
            "name": "Ana María Núñez",
            "context": "send the grant article",
            "intention": Intention.BOTH,
            "email": "a@b.org",
        },
        headers=HTMX,
    )
    assert response.context["row"].state == "saved"
    contact = Contact.objects.get()
    met = Interaction.objects.get()
    assert (contact.display_name, contact.intention, contact.notes) == (
        "Ana María Núñez",
        Intention.BOTH,
        "send the grant article",
    )
    assert [e.address for e in contact.emails.all()] == ["a@b.org"]
    # A both contact met at a formal event: the meeting is professional; its note is the new context.
    assert (met.purpose, met.notes) == (Purpose.PROFESSIONAL, "send the grant article")


def test_correcting_a_row_keeps_notes_the_person_wrote_since(alice_client, alice, conference):
    saved = alice_client.post(_capture_url(conference), _row(context="grant"), headers=HTMX).context["row"]
    Contact.objects.update(notes="Loves bouldering.")
    alice_client.post(
        reverse("capture_row", args=[saved.participation.pk]),
        {"name": "Ana", "context": "grant, deck", "intention": Intention.PROFESSIONAL},
        headers=HTMX,
    )
    assert Contact.objects.get().notes == "Loves bouldering."
    assert Interaction.objects.get().notes == "grant, deck"


def test_an_invalid_correction_saves_nothing(alice_client, alice, conference):
    saved = alice_client.post(_capture_url(conference), _row(), headers=HTMX).context["row"]
    url = reverse("capture_row", args=[saved.participation.pk])
    for headers in (HTMX, {}):
        response = alice_client.post(url, {"name": "", "intention": "nope"}, headers=headers)
        assert response.status_code == 200
    assert Contact.objects.get().display_name == "Ana Núñez"


def test_without_javascript_a_correction_posts_and_comes_back(alice_client, alice, conference):
    saved = alice_client.post(_capture_url(conference), _row(), headers=HTMX).context["row"]
    response = alice_client.post(
        reverse("capture_row", args=[saved.participation.pk]), {"name": "Ana N.", "intention": "personal"}
    )
    assert response.status_code == 302
    assert Contact.objects.get().display_name == "Ana N."
    assert response.url.endswith(f"#row-p{saved.participation.pk}")
    page = alice_client.get(response.url)
    html = _row_html(page.content, f"p{saved.participation.pk}")
    assert _folded_line(html) == "Saved: Ana N. Personal (edit)"
    assert '<details class="row-edit">' in html


# When the meeting happened ----------------------------------------------------------------------------------


def test_a_meeting_captured_during_the_event_happened_now():
    lisbon = zoneinfo.ZoneInfo("Europe/Lisbon")
    now = dt.datetime(2026, 5, 2, 22, 30, tzinfo=dt.UTC)
    event = Event(
        name="Summit", start_date=dt.date(2026, 5, 1), end_date=dt.date(2026, 5, 3), setting="formal"
    )
    assert capture_moment(event, now, lisbon) == now


def test_a_meeting_captured_after_the_event_is_kept_at_noon_on_its_last_day():
    lisbon = zoneinfo.ZoneInfo("Europe/Lisbon")
    now = dt.datetime(2026, 5, 5, 9, 0, tzinfo=dt.UTC)
    event = Event(
        name="Summit", start_date=dt.date(2026, 5, 1), end_date=dt.date(2026, 5, 3), setting="formal"
    )
    assert capture_moment(event, now, lisbon) == dt.datetime(2026, 5, 3, 12, 0, tzinfo=lisbon)


# The "remind me" line ---------------------------------------------------------------------------------------


def _reminders(contact: Contact) -> list[tuple[dt.date, str, str]]:
    return list(
        contact.followups.filter(reason="requested")
        .order_by("due_on")
        .values_list("due_on", "note", "purpose")
    )


def test_a_row_can_carry_a_dated_remind_me_line(alice_client, alice, conference):
    on = timezone.localdate() + dt.timedelta(days=8)
    response = alice_client.post(
        _capture_url(conference),
        _row(remind_on=on.isoformat(), remind_note="send the deck"),
        headers=HTMX,
    )
    ana = Contact.objects.get(owner=alice)
    assert _reminders(ana) == [(on, "send the deck", Purpose.PROFESSIONAL)]
    assert "send the deck" in response.content.decode()


def test_a_both_contacts_reminder_takes_the_purpose_of_the_meeting(alice_client, alice):
    party = EventFactory(owner=alice, setting=Setting.INFORMAL, start_date=timezone.localdate())
    on = timezone.localdate() + dt.timedelta(days=3)
    alice_client.post(
        _capture_url(party), _row(intention=Intention.BOTH, remind_on=on.isoformat(), remind_note="photos")
    )
    assert _reminders(Contact.objects.get(owner=alice)) == [(on, "photos", Purpose.PERSONAL)]


@pytest.mark.parametrize(
    ("remind", "message"),
    [
        ({"remind_note": "send the deck"}, "Pick the day to be reminded on."),
        ({"remind_on": "2001-01-01", "remind_note": "too late"}, "A reminder needs a day from today on."),
        ({"remind_on": "3 December", "remind_note": "x"}, "Enter a valid date."),
        ({"remind_on": "2030-01-01", "remind_note": "x" * 501}, "at most 500 characters"),
    ],
    ids=["note-without-a-day", "a-day-in-the-past", "not-a-date", "a-huge-note"],
)
def test_a_bad_remind_me_line_saves_nothing_and_says_why(alice_client, alice, conference, remind, message):
    response = alice_client.post(_capture_url(conference), _row(**remind), headers=HTMX)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Contact.objects.filter(owner=alice).exists()


def test_saving_a_row_again_does_not_repeat_its_reminder(alice_client, alice, conference):
    on = timezone.localdate() + dt.timedelta(days=8)
    saved = alice_client.post(
        _capture_url(conference), _row(remind_on=on.isoformat(), remind_note="send the deck"), headers=HTMX
    ).context["row"]
    url = reverse("capture_row", args=[saved.participation.pk])
    again = {"name": "Ana Núñez", "intention": Intention.PROFESSIONAL, "remind_on": on.isoformat()}
    alice_client.post(url, {**again, "remind_note": "send the deck"}, headers=HTMX)
    alice_client.post(url, {**again, "remind_note": "and the photos"}, headers=HTMX)
    ana = Contact.objects.get(owner=alice)
    assert [note for _, note, _ in _reminders(ana)] == ["send the deck", "and the photos"]
