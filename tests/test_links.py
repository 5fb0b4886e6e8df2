"""The digest's one-click links (followups.links and its views): signed for one user, one follow-up and
one action, expiring after 30 days; GET only shows a button, POST acts; and the one-click unsubscribe."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Intention, Purpose
from accounts.deletion import account_deletion_request
from accounts.models import DigestFrequency
from followups.links import LinkAction, followup_link_url, unsubscribe_url
from followups.models import FollowUp, FollowUpState
from interactions.models import Interaction
from tests.factories import ContactFactory, FollowUpFactory
from tests.test_accounts import settings_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def followup(alice):
    contact = ContactFactory(owner=alice, display_name="Ana Lima", intention=Intention.PROFESSIONAL)
    return FollowUpFactory(contact=contact, purpose=Purpose.PROFESSIONAL, state=FollowUpState.SENT)


def path(url: str) -> str:
    return urlsplit(url).path


def link(followup: FollowUp, action: LinkAction) -> str:
    return path(followup_link_url(followup, action))


def unchanged(followup: FollowUp) -> bool:
    before = (followup.state, followup.snoozed_until)
    followup.refresh_from_db()
    followup.contact.refresh_from_db()
    return (followup.state, followup.snoozed_until) == before and not followup.contact.reminders_paused


@pytest.mark.parametrize("action", list(LinkAction))
def test_a_get_only_shows_a_confirmation_button(client, followup, action):
    response = client.get(link(followup, action))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'method="post"' in page and "Ana Lima" in page
    assert unchanged(followup)
    assert not Interaction.objects.exists()


def test_i_reached_out_works_without_logging_in(client, followup):
    response = client.post(link(followup, LinkAction.DONE))
    assert response.status_code == 200
    assert "reached out to Ana Lima" in response.content.decode()
    followup.refresh_from_db()
    assert followup.state == FollowUpState.DONE
    (interaction,) = Interaction.objects.all()
    assert interaction.purpose == Purpose.PROFESSIONAL
    assert list(interaction.contacts.all()) == [followup.contact]
    # A second press changes nothing more.
    assert "already" in client.post(link(followup, LinkAction.DONE)).content.decode().lower()
    assert Interaction.objects.count() == 1


def test_snooze_is_a_week_by_default_or_a_chosen_time(client, followup, alice):
    today = timezone.localdate(timezone=alice.zone)
    client.post(link(followup, LinkAction.SNOOZE))
    followup.refresh_from_db()
    assert (followup.state, followup.snoozed_until) == (FollowUpState.SNOOZED, today + dt.timedelta(days=7))
    until = today + dt.timedelta(days=40)
    client.post(link(followup, LinkAction.SNOOZE), {"until": until.isoformat()})
    followup.refresh_from_db()
    assert followup.snoozed_until == until


def test_snoozing_into_the_past_is_refused(client, followup):
    response = client.post(link(followup, LinkAction.SNOOZE), {"until": "2001-01-01"})
    assert response.status_code == 400
    assert unchanged(followup)


def test_stop_reminding_me_pauses_the_contact(client, followup, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link(followup, LinkAction.STOP))
    assert "will not remind you about Ana Lima" in response.content.decode()
    followup.contact.refresh_from_db()
    assert followup.contact.reminders_paused


def test_the_owner_logged_in_may_use_it_too(alice_client, followup):
    assert alice_client.post(link(followup, LinkAction.DONE)).status_code == 200
    followup.refresh_from_db()
    assert followup.state == FollowUpState.DONE


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_is_refused_and_changes_nothing(client, followup, method):
    url = link(followup, LinkAction.DONE)
    token = url.rstrip("/").rsplit("/", 1)[1]
    tampered = url.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
    response = getattr(client, method)(tampered)
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    assert unchanged(followup)


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_link_is_refused_and_changes_nothing(client, followup, method):
    url = link(followup, LinkAction.DONE)
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        response = getattr(client, method)(url)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert unchanged(followup)


def test_a_link_still_works_on_day_29(client, followup):
    url = link(followup, LinkAction.DONE)
    with time_machine.travel(timezone.now() + dt.timedelta(days=29)):
        assert client.post(url).status_code == 200


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_logged_in_user_is_refused_and_nothing_changes(client, bob, followup, method):
    client.force_login(bob)
    response = getattr(client, method)(link(followup, LinkAction.STOP))
    assert response.status_code == 403
    assert "This link is for another Kith account" in response.content.decode()
    assert unchanged(followup)


def test_a_token_made_for_one_action_does_not_work_for_another(client, followup):
    done_url = link(followup, LinkAction.DONE)
    stop_url = done_url.replace("/email/done/", "/email/stop/")
    response = client.post(stop_url)
    assert response.status_code == 400
    assert unchanged(followup)


def test_an_unknown_action_is_not_found(client, followup):
    url = link(followup, LinkAction.DONE).replace("/email/done/", "/email/delete/")
    assert client.post(url).status_code == 404


def test_a_follow_up_that_no_longer_exists_gets_a_clear_page(client, followup):
    url = link(followup, LinkAction.DONE)
    followup.delete()
    response = client.post(url)
    assert response.status_code == 404
    assert "This follow-up is gone" in response.content.decode()


@pytest.mark.parametrize("action", list(LinkAction))
def test_an_account_being_deleted_answers_its_links_as_gone_and_changes_nothing(
    client, alice, followup, action
):
    url = link(followup, action)
    account_deletion_request(alice)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 404
        assert "This follow-up is gone" in response.content.decode()
        assert "Ana Lima" not in response.content.decode()
    assert unchanged(followup)
    assert not Interaction.objects.exists()


# One-click unsubscribe -----------------------------------------------------------------------------------


def test_the_one_click_unsubscribe_post_needs_no_csrf_token_or_login(alice):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(path(unsubscribe_url(alice)), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.digest_frequency == DigestFrequency.OFF


def test_only_the_unsubscribe_endpoint_is_csrf_exempt(followup):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(link(followup, LinkAction.DONE)).status_code == 403
    assert unchanged(followup)


def test_an_unsubscribe_get_changes_nothing(client, alice):
    response = client.get(path(unsubscribe_url(alice)))
    assert response.status_code == 200 and 'method="post"' in response.content.decode()
    alice.refresh_from_db()
    assert alice.digest_frequency == DigestFrequency.DAILY


def test_the_unsubscribe_link_does_not_expire(client, alice):
    url = path(unsubscribe_url(alice))
    with time_machine.travel(timezone.now() + dt.timedelta(days=400)):
        assert client.post(url).status_code == 200
    alice.refresh_from_db()
    assert alice.digest_frequency == DigestFrequency.OFF


def test_the_unsubscribe_link_stops_working_once_the_setting_changed_again(client, alice):
    url = path(unsubscribe_url(alice))
    client.post(url)
    client.force_login(alice)
    alice.refresh_from_db()
    client.post(reverse("settings"), settings_data(alice, digest_frequency=DigestFrequency.WEEKLY))
    client.logout()
    response = client.post(url)
    assert response.status_code == 400
    assert "no longer works" in response.content.decode()
    alice.refresh_from_db()
    assert alice.digest_frequency == DigestFrequency.WEEKLY
    # The new secret's link works.
    assert client.post(path(unsubscribe_url(alice))).status_code == 200


def test_a_forged_unsubscribe_token_is_refused(client, alice, bob):
    url = path(unsubscribe_url(alice)).replace("/unsubscribe/", "/unsubscribe/x")
    assert client.post(url).status_code == 400
    alice.refresh_from_db()
    assert alice.digest_frequency == DigestFrequency.DAILY


def test_an_account_being_deleted_cannot_be_unsubscribed_by_its_old_link(client, alice):
    url = path(unsubscribe_url(alice))
    account_deletion_request(alice)
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 400
