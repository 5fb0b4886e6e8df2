"""Confirmed addresses (accounts.confirmations, issue 14 item 1): digests and test digests go only to an
address its owner confirmed from the link sent to it; the link's GET changes nothing; confirmation emails and
test digests are rate limited; addresses stored before get 14 days of grace."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail, signing
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts import tasks
from accounts.confirmations import (
    AddressState,
    addresses_status,
    confirmation_token,
    confirmations_send_due,
)
from accounts.models import AddressConfirmation, User
from demo.planner import DemoSize
from demo.seed import seed_demo
from followups.digests import digests_send_due
from followups.models import FollowUp, FollowUpState
from tests.factories import ContactFactory, FollowUpFactory, UserFactory
from tests.migrating import migrate_to_just_before
from tests.test_accounts import settings_data

pytestmark = pytest.mark.django_db

ADDRESS_CONFIRMATION = ("accounts", "0006_address_confirmation")
# 08:00 in London (BST), the default digest hour, on Monday 2 June 2025.
MONDAY_8AM = dt.datetime(2025, 6, 2, 7, 0, tzinfo=dt.UTC)


@pytest.fixture
def worker(monkeypatch, django_capture_on_commit_callbacks):
    """`with worker():` runs the tasks queued inside it when it ends, as the Celery worker would."""
    monkeypatch.setattr(tasks.send_address_confirmation, "delay", tasks.send_address_confirmation)
    monkeypatch.setattr(tasks.send_new_device_email, "delay", tasks.send_new_device_email)
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def carol(db):
    """A user who has not confirmed her address."""
    return UserFactory(username="carol", email="carol@example.com", confirmed=False)


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def link_in(message) -> str:
    (url,) = re.findall(r"http://\S+/accounts/confirm/\S+/", message.body)
    return url.removeprefix("http://127.0.0.1:8000")


def state(user: User, address: str) -> str:
    return next(s.state for s in addresses_status(user) if s.address == address)


def due_followup(user: User) -> FollowUp:
    """A requested follow-up due the day before MONDAY_8AM."""
    return FollowUpFactory(contact=ContactFactory(owner=user), due_on=dt.date(2025, 6, 1))


def request_link(client, user: User, address: str, worker):
    with worker():
        response = client.post(reverse("address_confirmation_send"), {"address": address})
    return response


# Test digests --------------------------------------------------------------------------------------------


def test_a_test_digest_to_an_unconfirmed_address_sends_nothing_and_offers_the_link(client, carol):
    client.force_login(carol)
    response = client.post(reverse("digest_test"))
    assert mail.outbox == []
    assert "carol@example.com is not confirmed yet" in texts(response)[-1]
    page = client.get(reverse("settings")).content.decode()
    assert "Waiting for you to confirm it" in page
    assert "Send the link again" in page


def test_the_test_digest_after_the_limit_is_refused_and_says_when_to_try_again(alice_client, settings):
    settings.TEST_DIGEST_RATE_LIMIT = 2
    for _ in range(2):
        alice_client.post(reverse("digest_test"))
    assert len(mail.outbox) == 2
    response = alice_client.post(reverse("digest_test"))
    assert len(mail.outbox) == 2
    assert re.search(r"No test digest was sent: .* Wait (a minute|\d+ minutes)", texts(response)[-1])


def test_the_test_digest_limit_counts_per_address_across_users(client, settings):
    settings.TEST_DIGEST_RATE_LIMIT = 1
    for name in ("ann", "ben"):
        user = UserFactory(username=name, reminder_email="shared@example.com")
        client.force_login(user)
        client.post(reverse("digest_test"))
    assert [m.to for m in mail.outbox] == [["shared@example.com"]]


# The link -------------------------------------------------------------------------------------------------


def test_the_link_s_get_changes_nothing_and_its_post_confirms(client, carol, worker):
    client.force_login(carol)
    request_link(client, carol, "carol@example.com", worker)
    (message,) = mail.outbox
    assert message.to == ["carol@example.com"]
    url = link_in(message)
    client.logout()  # the link works from a mail client's browser, logged out

    page = client.get(url)
    assert page.status_code == 200
    assert "Confirm carol@example.com" in page.content.decode()
    assert state(carol, "carol@example.com") == AddressState.WAITING

    done = client.post(url)
    assert "Address confirmed" in done.content.decode()
    assert state(carol, "carol@example.com") == AddressState.CONFIRMED
    client.force_login(carol)
    client.post(reverse("digest_test"))
    assert mail.outbox[-1].subject.startswith("[Test]")


def test_another_users_link_is_refused(client, carol, bob):
    row = AddressConfirmation.objects.create(owner=carol, address="carol@example.com")
    client.force_login(bob)
    url = reverse("address_confirm", kwargs={"token": confirmation_token(row)})
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 403
        assert "another Kith account" in response.content.decode()
    assert state(carol, "carol@example.com") == AddressState.WAITING


def test_a_link_cannot_be_pointed_at_another_users_address(client, carol, bob):
    """Bob's token changed to name Carol's row does not verify."""
    mine = AddressConfirmation.objects.get(owner=bob)
    theirs = AddressConfirmation.objects.create(owner=carol, address="carol@example.com")
    _payload, stamp, signature = confirmation_token(mine).split(":")
    swapped = signing.b64_encode(json.dumps({"u": bob.pk, "c": theirs.pk}).encode()).decode()
    forged = f"{swapped}:{stamp}:{signature}"
    response = client.post(reverse("address_confirm", kwargs={"token": forged}))
    assert response.status_code in {400, 404}
    assert state(carol, "carol@example.com") == AddressState.WAITING


def test_a_tampered_or_expired_link_is_refused_with_a_clear_page(client, carol):
    row = AddressConfirmation.objects.create(owner=carol, address="carol@example.com")
    token = confirmation_token(row)
    tampered = client.post(reverse("address_confirm", kwargs={"token": token[:-2] + "xx"}))
    assert tampered.status_code == 400
    assert "This link is not valid" in tampered.content.decode()
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=8)):
        expired = client.post(reverse("address_confirm", kwargs={"token": token}))
    assert expired.status_code == 410
    assert "This link has expired" in expired.content.decode()
    assert state(carol, "carol@example.com") == AddressState.WAITING


def test_sending_the_link_for_someone_elses_address_is_a_404(alice_client, bob):
    response = alice_client.post(reverse("address_confirmation_send"), {"address": "bob@example.com"})
    assert response.status_code == 404
    assert mail.outbox == []


# Changing an address --------------------------------------------------------------------------------------


def test_changing_the_address_unconfirms_it_and_sends_a_link_to_the_new_one(client, worker):
    alice = UserFactory(username="alice", reminder_email="alice.old@example.com")
    client.force_login(alice)
    old_row = AddressConfirmation.objects.get(owner=alice, address="alice.old@example.com")
    old_link = reverse("address_confirm", kwargs={"token": confirmation_token(old_row)})
    with worker():
        response = client.post(
            reverse("settings"), settings_data(alice, reminder_email="Alice.New@Example.com")
        )
    assert "A confirmation link is on its way to alice.new@example.com" in " ".join(texts(response))
    alice.refresh_from_db()
    assert state(alice, "alice.new@example.com") == AddressState.WAITING
    (message,) = mail.outbox
    assert message.to == ["alice.new@example.com"]

    # No digest, and no test digest, to the new address until it is confirmed; the follow-up waits.
    followup = due_followup(alice)
    assert digests_send_due(MONDAY_8AM) == "nothing due"
    client.post(reverse("digest_test"))
    assert len(mail.outbox) == 1
    followup.refresh_from_db()
    assert followup.state == FollowUpState.SCHEDULED

    # Going back to the old address needs it confirmed again: its old link no longer works, nor does the
    # link of the address given up.
    client.post(reverse("settings"), settings_data(alice, reminder_email="alice.old@example.com"))
    alice.refresh_from_db()
    assert state(alice, "alice.old@example.com") == AddressState.WAITING
    assert client.post(old_link).status_code == 404
    assert client.post(link_in(message)).status_code == 404
    assert state(alice, "alice.old@example.com") == AddressState.WAITING


def test_confirmation_emails_are_rate_limited_per_user_and_per_address(client, carol, settings, worker):
    settings.ADDRESS_CONFIRMATION_RATE_LIMIT = 2
    client.force_login(carol)
    for _ in range(2):
        request_link(client, carol, "carol@example.com", worker)
    assert len(mail.outbox) == 2
    response = request_link(client, carol, "carol@example.com", worker)
    assert len(mail.outbox) == 2
    assert re.search(r"No confirmation link was sent .* Wait (a minute|\d+ minutes)", texts(response)[-1])
    # Another account naming the same address is refused too: the address has had its share.
    dave = UserFactory(username="dave", email="dave@example.com")
    client.force_login(dave)
    with worker():
        client.post(reverse("settings"), settings_data(dave, reminder_email="carol@example.com"))
    assert len(mail.outbox) == 2


def test_signing_up_sends_a_confirmation_link(client, worker):
    with worker():
        client.post(
            reverse("signup"),
            {
                "username": "erin",
                "email": "erin@example.com",
                "password1": "a long enough passphrase",
                "password2": "a long enough passphrase",
                "time_zone": "Europe/London",
                "date_style": "dmy",
            },
        )
    erin = User.objects.get(username="erin")
    assert state(erin, "erin@example.com") == AddressState.WAITING
    assert [m.to for m in mail.outbox] == [["erin@example.com"]]


# The digest -----------------------------------------------------------------------------------------------


def test_an_unconfirmed_address_gets_no_digest_and_the_follow_up_waits_for_it(client, carol):
    followup = due_followup(carol)
    assert digests_send_due(MONDAY_8AM) == "nothing due"
    assert mail.outbox == []
    followup.refresh_from_db()
    assert followup.state == FollowUpState.SCHEDULED
    client.force_login(carol)
    assert followup.contact.display_name in client.get(reverse("due")).content.decode()

    carol.addresses_mark_confirmed()
    assert digests_send_due(MONDAY_8AM + dt.timedelta(days=1)) == "1 sent"
    assert mail.outbox[0].to == ["carol@example.com"]


@pytest.mark.django_db(transaction=True)
def test_addresses_stored_before_keep_their_digests_for_14_days_then_stop_until_confirmed(migrator):
    apps = migrate_to_just_before(migrator, ADDRESS_CONFIRMATION)
    OldUser = apps.get_model("accounts", "User")
    OldUser.objects.create(username="maya", email="maya@example.com", time_zone="Europe/London")
    OldUser.objects.create(
        username="noor", email="noor@example.com", reminder_email="NOOR@example.com", time_zone="UTC"
    )
    with time_machine.travel(MONDAY_8AM - dt.timedelta(hours=1), tick=False):
        executor = MigrationExecutor(connection)
        executor.migrate([ADDRESS_CONFIRMATION])
        # On to the present (the accounts migrations after it), so the models below match the tables.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    maya = User.objects.get(username="maya")
    followup = due_followup(maya)

    # One confirmation email per address, sent by the tick, exactly once; the migration sent none itself.
    assert mail.outbox == []
    assert confirmations_send_due(MONDAY_8AM) == "2 sent"
    assert confirmations_send_due(MONDAY_8AM + dt.timedelta(minutes=20)) == "nothing due"
    assert sorted(m.to[0] for m in mail.outbox) == ["maya@example.com", "noor@example.com"]
    mail.outbox.clear()

    # Inside the grace period, digests still go.
    with time_machine.travel(MONDAY_8AM, tick=False):
        assert digests_send_due(MONDAY_8AM) == "1 sent"
    assert mail.outbox[0].to == ["maya@example.com"]
    followup.state = FollowUpState.SCHEDULED
    followup.save()

    # Past the 14 days, the follow-up waits on the Due page until the address is confirmed.
    later = MONDAY_8AM + dt.timedelta(days=15)
    with time_machine.travel(later, tick=False):
        assert digests_send_due(later) == "nothing due"
        followup.refresh_from_db()
        assert followup.state == FollowUpState.SCHEDULED
        maya.addresses_mark_confirmed()
        next_day = later + dt.timedelta(days=1)
        assert digests_send_due(next_day) == "1 sent"


# Users the operator made ------------------------------------------------------------------------------------


def test_users_made_on_the_command_line_count_as_confirmed(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long enough passphrase")
    call_command("createsuperuser", "--noinput", username="root", email="root@example.com")
    root = User.objects.get(username="root")
    assert state(root, "root@example.com") == AddressState.CONFIRMED


def test_the_demo_user_counts_as_confirmed(db):
    seed_demo(now=MONDAY_8AM, size=DemoSize(contacts=3, interactions=3, years=1))
    demo = User.objects.get(username="demo")
    assert [s.state for s in addresses_status(demo)] == [AddressState.CONFIRMED]
