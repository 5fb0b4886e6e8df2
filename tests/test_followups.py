"""The follow-up planner keeps FollowUp rows in step with the data (followups.engine), and the user's
actions on a follow-up: snooze, dismiss, done, request.

Time is frozen on Monday 2 June 2025 at noon in London (the factories' time zone), so the policy's dates are
easy to read: a close personal contact is due 30 days after its clock started, a close professional one 90.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.choices import Circle, Intention, Purpose, Setting
from contacts.actions import contact_archive, contact_update
from contacts.models import Contact
from contacts.policy import Reason
from followups.engine import (
    FollowUpClosed,
    followup_dismiss,
    followup_done,
    followup_request,
    followup_snooze,
    followups_replan,
)
from followups.models import FollowUp, FollowUpState
from interactions.actions import interaction_delete, interaction_log, interaction_update
from interactions.models import Kind
from tests.factories import ContactFactory, FollowUpFactory

NOW = dt.datetime(2025, 6, 2, 11, 0, tzinfo=dt.UTC)  # Monday, noon in London (BST)
TODAY = NOW.date()
P, W = Purpose.PERSONAL, Purpose.PROFESSIONAL

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def at(text: str) -> dt.datetime:
    """Noon UTC on a date, which is the same date in London."""
    return dt.datetime.fromisoformat(text).replace(hour=12, tzinfo=dt.UTC)


def open_followups(contact: Contact) -> list[tuple[str, str, dt.date]]:
    return sorted((f.purpose, f.reason, f.due_on) for f in FollowUp.objects.filter(contact=contact).open())


def new_contact(owner, intention: str = Intention.PERSONAL, **fields) -> Contact:
    contact = ContactFactory(owner=owner, intention=intention, **fields)
    followups_replan(owner, [contact.pk])
    return contact


def log(contact: Contact, when: str, purpose: str = P, kind: str = Kind.CONVERSATION, **fields):
    setting = Setting.FORMAL if purpose == W else Setting.INFORMAL
    return interaction_log(
        contact.owner, [contact], occurred_at=at(when), purpose=purpose, kind=kind, setting=setting, **fields
    )


# Planning keeps in step ----------------------------------------------------------------------------------


def test_a_new_contacts_clock_starts_when_it_was_created(alice):
    ana = new_contact(alice)
    assert open_followups(ana) == [(P, Reason.CADENCE, d("2025-07-02"))]
    followup = FollowUp.objects.get(contact=ana)
    assert (followup.clock_since, followup.cadence_days) == (TODAY, 30)


def test_logging_a_meeting_plans_the_first_follow_up_after_it(alice):
    ana = new_contact(alice, Intention.PROFESSIONAL)
    log(ana, "2025-05-30", W, Kind.MET)  # a Friday: due the next working day
    assert open_followups(ana) == [(W, Reason.AFTER_MEETING, d("2025-06-02"))]


def test_logging_moves_the_one_open_follow_up_instead_of_adding_one(alice):
    ana = new_contact(alice)
    log(ana, "2025-05-20")
    log(ana, "2025-05-25")
    assert open_followups(ana) == [(P, Reason.CADENCE, d("2025-06-24"))]
    assert FollowUp.objects.filter(contact=ana).count() == 1


def test_editing_an_interaction_re_plans(alice):
    ana = new_contact(alice)
    interaction = log(ana, "2025-05-20")
    interaction_update(interaction, occurred_at=at("2025-05-28"))
    assert open_followups(ana) == [(P, Reason.CADENCE, d("2025-06-27"))]
    interaction_update(interaction, purpose=W, setting=Setting.FORMAL)
    # A professional interaction does not reset a personal clock: it runs from the contact's creation again.
    assert open_followups(ana) == [(P, Reason.CADENCE, d("2025-07-02"))]


def test_editing_the_participants_re_plans_who_left_and_who_joined(alice):
    ana, ben = new_contact(alice), new_contact(alice)
    interaction = log(ana, "2025-05-20")
    interaction_update(interaction, contacts=[ben])
    assert open_followups(ana) == [(P, Reason.CADENCE, d("2025-07-02"))]
    assert open_followups(ben) == [(P, Reason.CADENCE, d("2025-06-19"))]


def test_deleting_an_interaction_re_plans(alice):
    ana = new_contact(alice)
    log(ana, "2025-05-01")
    latest = log(ana, "2025-05-20")
    interaction_delete(latest)
    assert open_followups(ana) == [(P, Reason.CADENCE, d("2025-05-31"))]


def test_a_both_contact_keeps_one_follow_up_per_clock(alice):
    ana = new_contact(alice, Intention.BOTH)
    log(ana, "2025-05-20", P)
    assert open_followups(ana) == [
        (P, Reason.CADENCE, d("2025-06-19")),
        (W, Reason.CADENCE, d("2025-09-01")),  # 90 days after creation, a Monday
    ]


def test_changing_the_intention_re_plans(alice, django_capture_on_commit_callbacks):
    ana = new_contact(alice, Intention.PERSONAL)
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(ana, intention=Intention.PROFESSIONAL)
    assert open_followups(ana) == [(W, Reason.CADENCE, d("2025-09-01"))]


def test_changing_the_contacts_cadence_or_circle_re_plans(alice, django_capture_on_commit_callbacks):
    ana = new_contact(alice)
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(ana, personal_cadence_days=7)
    assert open_followups(ana) == [(P, Reason.CADENCE, d("2025-06-09"))]
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(ana, personal_cadence_days=None, circle=Circle.INNER)
    assert open_followups(ana) == [(P, Reason.CADENCE, d("2025-06-16"))]


def test_paused_contacts_get_nothing_until_resumed(alice, django_capture_on_commit_callbacks):
    ana = new_contact(alice)
    requested = followup_request(ana, d("2025-06-10"), "send the photos")
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(ana, reminders_paused=True)
    # The clock's follow-up is withdrawn; the user's own request is kept but hidden while paused.
    assert open_followups(ana) == [(P, Reason.REQUESTED, d("2025-06-10"))]
    assert not FollowUp.objects.filter(pk=requested.pk).active().exists()
    ana.refresh_from_db()
    assert ana.next_followup_on is None
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(ana, reminders_paused=False)
    assert open_followups(ana) == [
        (P, Reason.CADENCE, d("2025-07-02")),
        (P, Reason.REQUESTED, d("2025-06-10")),
    ]
    ana.refresh_from_db()
    assert ana.next_followup_on == d("2025-06-10")


def test_archived_contacts_get_nothing(alice, django_capture_on_commit_callbacks):
    ana = new_contact(alice, Intention.BOTH, birthday_month=6, birthday_day=20)
    assert len(open_followups(ana)) == 3
    with django_capture_on_commit_callbacks(execute=True):
        contact_archive(ana)
    assert open_followups(ana) == []
    ana.refresh_from_db()
    assert ana.next_followup_on is None


def test_next_followup_on_follows_the_earliest_open_follow_up(alice):
    ana = new_contact(alice)
    ana.refresh_from_db()
    assert ana.next_followup_on == d("2025-07-02")
    followup_request(ana, d("2025-06-05"), "call about the flat")
    ana.refresh_from_db()
    assert ana.next_followup_on == d("2025-06-05")
    followup_snooze(FollowUp.objects.get(contact=ana, reason=Reason.REQUESTED), d("2025-07-10"))
    ana.refresh_from_db()
    assert ana.next_followup_on == d("2025-07-02")


def test_changing_cadence_defaults_or_time_zone_in_settings_re_plans_every_contact(alice_client, alice):
    from tests.test_accounts import settings_data

    ana, ben = new_contact(alice), new_contact(alice, Intention.PROFESSIONAL)
    response = alice_client.post(
        reverse("settings"), settings_data(alice, personal_close_days=10, professional_close_days=20)
    )
    assert response.status_code == 302
    assert open_followups(ana) == [(P, Reason.CADENCE, d("2025-06-12"))]
    assert open_followups(ben) == [(W, Reason.CADENCE, d("2025-06-23"))]  # 22 June is a Sunday
    # On Kiritimati (UTC+14) the contact was created on 3 June, local time: every clock moves a day.
    alice.refresh_from_db()
    alice_client.post(reverse("settings"), settings_data(alice, time_zone="Pacific/Kiritimati"))
    assert open_followups(ana) == [(P, Reason.CADENCE, d("2025-06-13"))]


# The database keeps one open clock follow-up per contact and purpose -------------------------------------


def test_the_database_refuses_a_second_open_clock_follow_up(alice):
    ana = new_contact(alice)
    clock = FollowUp.objects.get(contact=ana)
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUp.objects.create(
            owner=alice,
            contact=ana,
            purpose=P,
            reason=Reason.AFTER_MEETING,
            due_on=TODAY,
            clock_since=TODAY,
            cadence_days=30,
            state=FollowUpState.SENT,
        )
    # A closed one is history and does not count.
    clock.state = FollowUpState.DISMISSED
    clock.save()
    FollowUp.objects.create(
        owner=alice,
        contact=ana,
        purpose=P,
        reason=Reason.CADENCE,
        due_on=TODAY,
        clock_since=TODAY,
        cadence_days=30,
    )


def test_requested_and_birthday_follow_ups_sit_beside_the_clock(alice):
    ana = new_contact(alice, birthday_month=6, birthday_day=20)
    followup_request(ana, d("2025-06-05"), "send the photos")
    followup_request(ana, d("2025-06-05"), "book the table")
    assert open_followups(ana) == [
        (P, Reason.BIRTHDAY, d("2025-06-20")),
        (P, Reason.CADENCE, d("2025-07-02")),
        (P, Reason.REQUESTED, d("2025-06-05")),
        (P, Reason.REQUESTED, d("2025-06-05")),
    ]


def test_a_requested_follow_up_of_a_both_contact_takes_the_chosen_purpose(alice):
    ana = ContactFactory(owner=alice, intention=Intention.BOTH)
    assert followup_request(ana, TODAY, "send the deck", purpose=W).purpose == W
    ben = ContactFactory(owner=alice, intention=Intention.PERSONAL)
    assert followup_request(ben, TODAY, "flowers", purpose=W).purpose == P


# History is never re-opened -------------------------------------------------------------------------------


def test_an_emailed_follow_up_answered_by_an_interaction_is_closed_as_done(alice, frozen):
    frozen.move_to(dt.datetime(2025, 4, 1, 12, tzinfo=dt.UTC))
    ana = new_contact(alice)
    frozen.move_to(NOW)
    FollowUp.objects.filter(contact=ana).update(state=FollowUpState.SENT)
    log(ana, "2025-06-01")
    states = sorted(FollowUp.objects.filter(contact=ana).values_list("state", "due_on"))
    assert states == [(FollowUpState.DONE, d("2025-05-01")), (FollowUpState.SCHEDULED, d("2025-07-01"))]


def test_an_emailed_follow_up_whose_cadence_grew_waits_to_be_emailed_again(alice, frozen):
    frozen.move_to(dt.datetime(2025, 4, 1, 12, tzinfo=dt.UTC))
    ana = new_contact(alice)
    frozen.move_to(NOW)
    FollowUp.objects.filter(contact=ana).update(state=FollowUpState.SENT)
    ana.personal_cadence_days = 90
    ana.save()
    followups_replan(alice, [ana.pk])
    followup = FollowUp.objects.get(contact=ana)
    assert (followup.state, followup.due_on) == (FollowUpState.SCHEDULED, d("2025-06-30"))


def test_dismissing_brings_the_next_follow_up_a_cadence_later_and_never_back(alice, frozen):
    ana = new_contact(alice)
    log(ana, "2025-04-01")  # due 1 May, overdue
    first = FollowUp.objects.get(contact=ana)
    followup_dismiss(first)
    assert open_followups(ana) == [(P, Reason.CADENCE, d("2025-05-31"))]
    # Re-planning again (any change) keeps the dismissed one closed.
    followups_replan(alice, [ana.pk])
    first.refresh_from_db()
    assert first.state == FollowUpState.DISMISSED
    assert open_followups(ana) == [(P, Reason.CADENCE, d("2025-05-31"))]
    with pytest.raises(FollowUpClosed):
        followup_snooze(first, d("2025-07-01"))


def test_i_reached_out_logs_an_interaction_of_the_follow_ups_purpose(alice):
    ana = new_contact(alice, Intention.BOTH)
    professional = FollowUp.objects.get(contact=ana, purpose=W)
    interaction = followup_done(professional)
    assert (interaction.purpose, interaction.setting, interaction.occurred_at) == (W, Setting.FORMAL, NOW)
    professional.refresh_from_db()
    assert (professional.state, professional.done_at) == (FollowUpState.DONE, NOW)
    # The professional clock starts again today; the personal one is untouched.
    assert open_followups(ana) == [(P, Reason.CADENCE, d("2025-07-02")), (W, Reason.CADENCE, d("2025-09-01"))]
    assert FollowUp.objects.get(contact=ana, purpose=W, state=FollowUpState.SCHEDULED).clock_since == TODAY


def test_a_birthday_once_emailed_makes_room_for_next_years(alice):
    ana = new_contact(alice, birthday_month=6, birthday_day=2)
    birthday = FollowUp.objects.get(contact=ana, reason=Reason.BIRTHDAY)
    assert birthday.due_on == TODAY
    birthday.state = FollowUpState.SENT
    birthday.save()
    followups_replan(alice, [ana.pk])
    assert sorted(
        FollowUp.objects.filter(contact=ana, reason=Reason.BIRTHDAY).values_list("due_on", "state")
    ) == [
        (d("2025-06-02"), FollowUpState.SENT),
        (d("2026-06-02"), FollowUpState.SCHEDULED),
    ]


def test_a_changed_birthday_moves_its_scheduled_follow_up(alice, django_capture_on_commit_callbacks):
    ana = new_contact(alice, birthday_month=6, birthday_day=20)
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(ana, birthday_month=7, birthday_day=1)
    assert [due for _, reason, due in open_followups(ana) if reason == Reason.BIRTHDAY] == [d("2025-07-01")]


def test_snoozing_is_only_for_open_follow_ups_and_comes_back_on_its_date(alice):
    followup = FollowUpFactory(contact__owner=alice)
    followup_snooze(followup, d("2025-06-09"))
    followup.refresh_from_db()
    assert (followup.state, followup.effective_on) == (FollowUpState.SNOOZED, d("2025-06-09"))
    assert not FollowUp.objects.due_by(TODAY).filter(pk=followup.pk).exists()
    assert FollowUp.objects.due_by(d("2025-06-09")).filter(pk=followup.pk).exists()


# The Due page and the contact page's follow-ups ------------------------------------------------------------


def test_the_due_page_groups_like_the_digest_most_overdue_first(alice_client, alice):
    late = ContactFactory(owner=alice, display_name="Very late")
    FollowUp.objects.create(
        owner=alice,
        contact=late,
        purpose=P,
        reason=Reason.CADENCE,
        clock_since=d("2025-04-01"),
        cadence_days=14,
        due_on=d("2025-04-15"),
    )
    followup_request(ContactFactory(owner=alice, display_name="Asked"), TODAY, "bring the book")
    colleague = ContactFactory(owner=alice, display_name="Colleague", intention=Intention.PROFESSIONAL)
    followup_request(colleague, TODAY, "send the deck")
    followup_request(ContactFactory(owner=alice, display_name="Not yet"), d("2025-06-20"), "later")
    page = alice_client.get(reverse("due")).content.decode()
    page = page[page.index('<main id="main">') :]  # after the menu, which links to both dashboards
    assert page.index("Friendships") < page.index("Very late") < page.index("Asked") < page.index("Network")
    assert page.index("Network") < page.index("Colleague")
    assert "Not yet" not in page


@pytest.mark.parametrize("action", ["followup_done", "followup_snooze", "followup_dismiss"])
def test_due_page_buttons_work_without_javascript(alice_client, alice, action):
    followup = followup_request(ContactFactory(owner=alice, display_name="Ana"), TODAY, "call")
    response = alice_client.post(reverse(action, args=[followup.pk]), {"next": reverse("due")})
    assert response.status_code == 302 and response.url == reverse("due")
    followup.refresh_from_db()
    expected = {"followup_done": "done", "followup_snooze": "snoozed", "followup_dismiss": "dismissed"}
    assert followup.state == expected[action]
    assert alice_client.get(reverse("due")).context["groups"] == []


def test_with_htmx_a_button_returns_the_fresh_due_list(alice_client, alice):
    followup = followup_request(ContactFactory(owner=alice, display_name="Ana"), TODAY, "call")
    followup_request(ContactFactory(owner=alice, display_name="Ben"), TODAY, "call")
    response = alice_client.post(
        reverse("followup_snooze", args=[followup.pk]),
        {"days": "3", "from": "due"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    status, _, due_list = page.partition('<div id="due-list"')
    assert due_list and "<html" not in page
    assert "Ben" in due_list and "Ana" not in due_list
    # What happened is said in the page's status line, swapped in beside the list.
    assert 'role="status" hx-swap-oob="true"' in status and "Snoozed" in status and "refused" not in status
    followup.refresh_from_db()
    assert followup.snoozed_until == TODAY + dt.timedelta(days=3)


def test_the_contact_page_partial_shows_next_follow_ups_and_htmx_gets_it_back(alice_client, alice):
    ana = new_contact(alice, Intention.BOTH)
    response = alice_client.post(
        reverse("followup_request", args=[ana.pk]),
        {"due_on": "2025-06-10", "note": "send <the> deck", "purpose": W},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<section class="card contact-followups" id="contact-followups"')
    assert "send &lt;the&gt; deck" in page
    assert page.count('class="followup ') == 3  # two clocks and the request
    requested = FollowUp.objects.get(contact=ana, reason=Reason.REQUESTED)
    assert (requested.purpose, requested.due_on) == (W, d("2025-06-10"))
    response = alice_client.post(
        reverse("followup_dismiss", args=[requested.pk]), {"from": "contact"}, headers={"HX-Request": "true"}
    )
    assert response.content.decode().count('class="followup ') == 2


def test_remind_me_refuses_a_past_date_and_says_why(alice_client, alice):
    ana = ContactFactory(owner=alice)
    response = alice_client.post(
        reverse("followup_request", args=[ana.pk]), {"due_on": "2025-05-01", "note": "x"}
    )
    assert response.status_code == 400
    assert "Choose today or a later date." in response.content.decode()
    assert not FollowUp.objects.exists()
    response = alice_client.post(
        reverse("followup_request", args=[ana.pk]), {"due_on": "2025-06-03", "note": "x"}
    )
    assert response.status_code == 302 and response.url == ana.get_absolute_url()
    assert FollowUp.objects.get().purpose == P


def test_with_htmx_a_refused_remind_me_comes_back_as_typed_with_the_error_under_the_date(alice_client, alice):
    ana = ContactFactory(owner=alice)
    followup_request(ana, d("2025-06-20"), "ask about Porto")
    response = alice_client.post(
        reverse("followup_request", args=[ana.pk]),
        {"due_on": "2020-01-01", "note": "send the deck"},
        headers={"HX-Request": "true"},
    )
    # htmx swaps only a 2xx answer: a 400 would leave the page as it was, the button seemingly dead.
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<section class="card contact-followups" id="contact-followups"')
    date_input = re.search(r'<input type="date"[^>]*>', page)
    assert date_input and 'value="2020-01-01"' in date_input[0] and 'aria-invalid="true"' in date_input[0]
    error = f'<ul class="errorlist" id="remind-on-{ana.pk}-err"><li>Choose today or a later date.</li></ul>'
    assert error in page and page.index(date_input[0]) < page.index(error)
    assert 'value="send the deck"' in page
    assert "ask about Porto" in page and "Nothing planned yet" not in page
    assert list(FollowUp.objects.filter(contact=ana).values_list("note", flat=True)) == ["ask about Porto"]


def test_without_javascript_a_refused_remind_me_shows_the_contacts_follow_ups(alice_client, alice):
    ana = ContactFactory(owner=alice)
    followup_request(ana, d("2025-06-20"), "ask about Porto")
    response = alice_client.post(
        reverse("followup_request", args=[ana.pk]), {"due_on": "2020-01-01", "note": "send the deck"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "<html" in page and "Choose today or a later date." in page
    assert "ask about Porto" in page and "Nothing planned yet" not in page
    assert 'value="2020-01-01"' in page and 'value="send the deck"' in page


def test_a_closed_follow_up_cannot_be_snoozed(alice_client, alice):
    followup = followup_request(ContactFactory(owner=alice), TODAY, "call")
    followup_dismiss(followup)
    response = alice_client.post(reverse("followup_snooze", args=[followup.pk]), follow=True)
    assert "dismissed already" in response.content.decode()
    followup.refresh_from_db()
    assert followup.state == FollowUpState.DISMISSED


def test_with_htmx_a_refused_snooze_on_the_contact_page_says_why_in_the_card(alice_client, alice):
    ana = ContactFactory(owner=alice)
    closed = followup_request(ana, TODAY, "call")
    followup_request(ana, d("2025-06-20"), "ask about Porto")
    followup_dismiss(closed)  # in another tab, or from the digest
    response = alice_client.post(
        reverse("followup_snooze", args=[closed.pk]),
        {"days": "3", "from": "contact", "next": ana.get_absolute_url()},
        headers={"HX-Request": "true"},
    )
    # The card that htmx swaps for itself, not the contact page whose timeline would take its place.
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<section class="card contact-followups" id="contact-followups"')
    assert "<html" not in page and 'id="timeline-h"' not in page
    assert '<div role="alert">' in page
    assert "Nothing was snoozed: this follow-up is dismissed already." in page
    assert "ask about Porto" in page
    # Said once, now: not again on the next page.
    assert "Nothing was snoozed" not in alice_client.get(ana.get_absolute_url()).content.decode()
    closed.refresh_from_db()
    assert closed.state == FollowUpState.DISMISSED


def test_with_htmx_a_refused_snooze_on_the_due_page_says_why_with_the_list(alice_client, alice):
    closed = followup_request(ContactFactory(owner=alice, display_name="Ana"), TODAY, "call")
    followup_request(ContactFactory(owner=alice, display_name="Ben"), TODAY, "call")
    followup_done(closed)
    response = alice_client.post(
        reverse("followup_snooze", args=[closed.pk]),
        {"days": "3", "from": "due", "next": reverse("due")},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    status, _, due_list = page.partition('<div id="due-list"')
    assert due_list and "<html" not in page and "Ben" in due_list and "Ana" not in due_list
    # A refusal is an alert, styled as an error, not the polite status a success is.
    assert 'class="due-status refused" role="alert" hx-swap-oob="true"' in status
    assert "Nothing was snoozed: this follow-up is done already." in status
    assert "Nothing was snoozed" not in alice_client.get(reverse("due")).content.decode()


@pytest.mark.parametrize(
    ("action", "said"),
    [("followup_done", "Nothing was logged"), ("followup_dismiss", "Nothing was dismissed")],
)
def test_done_or_dismiss_on_a_follow_up_closed_elsewhere_says_so(alice_client, alice, action, said):
    ana = ContactFactory(owner=alice, display_name="Ana")
    closed = followup_request(ana, TODAY, "call")
    followup_dismiss(closed)
    url = reverse(action, args=[closed.pk])
    reason = f"{said}: this follow-up is dismissed already."
    htmx = {"HX-Request": "true"}
    card = alice_client.post(url, {"from": "contact"}, headers=htmx).content.decode()
    assert card.lstrip().startswith('<section class="card contact-followups"') and reason in card
    due_list = alice_client.post(url, {"from": "due"}, headers=htmx).content.decode()
    assert '<div id="due-list"' in due_list and reason in due_list
    page = alice_client.post(url, {"next": reverse("due")}, follow=True).content.decode()
    assert reason in page and "Done: logged" not in page
    assert not ana.interactions.exists()
    closed.refresh_from_db()
    assert closed.state == FollowUpState.DISMISSED


def test_the_contact_page_shows_its_follow_ups_with_the_remind_me_form(alice_client, alice):
    ana = new_contact(alice)
    page = alice_client.get(ana.get_absolute_url()).content.decode()
    assert 'id="contact-followups"' in page
    assert reverse("followup_request", args=[ana.pk]) in page
    assert reverse("followup_snooze", args=[FollowUp.objects.get(contact=ana).pk]) in page


def test_the_due_page_says_how_late_in_words_with_the_groups_names(alice_client, alice):
    late = ContactFactory(owner=alice, display_name="Very late")
    FollowUp.objects.create(
        owner=alice,
        contact=late,
        purpose=P,
        reason=Reason.CADENCE,
        clock_since=d("2025-04-01"),
        cadence_days=14,
        due_on=d("2025-04-15"),  # 48 days before Monday 2 June; overdue score 3.43
    )
    followup_request(ContactFactory(owner=alice, display_name="Asked"), TODAY, "bring the book")
    colleague = ContactFactory(owner=alice, display_name="Colleague", intention=Intention.PROFESSIONAL)
    followup_request(colleague, d("2025-05-31"), "send the deck", purpose=W)
    page = alice_client.get(reverse("due")).content.decode()
    main = page[page.index('<main id="main">') :]
    assert "6 weeks late</span>" in main and "due today</span>,</span> <span>requested</span>" in main
    assert "due today" in main and "2 days late" in main
    assert not re.search(r"\d\.\d+\s*[x\u00d7]", main)
    assert "Friendships" in main and "Network" in main and not re.search(r"Friendship\b", main)
    assert not re.search(r"<(p|li|span|div)\b[^>]*>\s*·", main), "a line starts with a stray middle dot"


def test_a_due_follow_up_has_one_button_and_the_rest_in_a_menu(alice_client, alice):
    followup = followup_request(ContactFactory(owner=alice, display_name="Ana"), TODAY, "call")
    html = alice_client.get(reverse("due"), headers={"HX-Request": "true"}).content.decode()
    item = html[html.index('class="followup ') :]
    shown, menu = item.split('<details class="menu">', 1)
    assert shown.count("<button") == 1 and "Done" in shown
    assert reverse("followup_done", args=[followup.pk]) in shown
    assert reverse("followup_snooze", args=[followup.pk]) in menu
    assert reverse("followup_dismiss", args=[followup.pk]) in menu


def test_the_contact_pages_follow_ups_say_when_in_words_and_name_the_groups(alice_client, alice):
    ana = new_contact(alice, Intention.BOTH)
    followup_request(ana, d("2025-06-06"), "send the deck", purpose=W)  # Friday
    html = alice_client.get(ana.get_absolute_url()).content.decode()
    panel = html[html.index('id="contact-followups"') :]
    panel = panel[: panel.index("</section>")]
    assert "due Friday</span>,</span> <span>requested</span>" in panel
    assert '<option value="personal">Friendships</option>' in panel
    assert '<option value="professional">Network</option>' in panel
    assert re.search(r'class="badge personal">Friendships<', panel)
    assert re.search(r'class="badge professional">Network<', panel)
