"""Accounts: sign-up, log in and out, password reset and change, rate limits, settings, account deletion."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import Counter
from functools import partial
from urllib.parse import urlsplit

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from accounts.deletion import account_deletion_request, account_deletions_due
from accounts.display import DATE_STYLES
from accounts.models import DigestFrequency, RateCounter, User
from accounts.pages import url_with_id
from accounts.tasks import delete_account, delete_requested_accounts, send_password_reset
from contacts.models import Contact, Tag
from interactions.models import Event, Interaction
from tests.factories import (
    PASSWORD,
    ContactFactory,
    EventFactory,
    InteractionFactory,
    TagFactory,
    UserFactory,
)

NEW_PASSWORD = "a brand new tolerable passphrase"


@pytest.fixture
def worker(monkeypatch, django_capture_on_commit_callbacks):
    """`with worker():` runs the tasks queued by the requests inside it when it ends, as the Celery worker
    would once their transactions commit."""
    monkeypatch.setattr(send_password_reset, "delay", send_password_reset)
    monkeypatch.setattr(delete_account, "delay", delete_account)
    return partial(django_capture_on_commit_callbacks, execute=True)


def logged_in_user_id(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def settings_data(user: User, **changes: object) -> dict[str, object]:
    data = {
        "time_zone": user.time_zone,
        "date_style": user.date_style,
        "phone_region": user.phone_region,
        "digest_frequency": user.digest_frequency,
        "digest_weekday": user.digest_weekday,
        "digest_hour": user.digest_hour,
        "reminder_email": user.reminder_email,
        "personal_inner_days": user.personal_inner_days,
        "personal_close_days": user.personal_close_days,
        "personal_wider_days": user.personal_wider_days,
        "professional_inner_days": user.professional_inner_days,
        "professional_close_days": user.professional_close_days,
        "professional_wider_days": user.professional_wider_days,
    }
    data.update(changes)
    return data


def user_settings(user: User) -> dict[str, object]:
    user.refresh_from_db()
    return {name: getattr(user, name) for name in settings_data(user)}


# Sign-up


@pytest.mark.django_db
def test_signup_creates_the_user_logs_them_in_and_goes_home(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "carol",
            "email": "carol@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "time_zone": "America/New_York",
            "date_style": "mdy",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    carol = User.objects.get(username="carol")
    assert carol.email == "carol@example.com"
    assert carol.time_zone == "America/New_York"
    assert carol.date_style == "mdy"
    assert carol.check_password(NEW_PASSWORD)
    assert logged_in_user_id(client) == carol.pk


@pytest.mark.django_db
def test_signup_form_offers_time_zones_and_defaults_to_utc(client):
    response = client.get(reverse("signup"))
    assert response.status_code == 200
    content = response.content.decode()
    assert '<option value="UTC" selected>' in content
    assert '<option value="Europe/Lisbon">Lisbon</option>' in content
    for field in response.context["form"]:
        assert f'for="{field.id_for_label}"' in content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "suggested", "example"),
    [
        ("en-US,en;q=0.9", "mdy", "Dec 1, 2026"),
        ("de-DE", "dmy", "1 Dec 2026"),
        ("sv-SE,sv;q=0.9,en-US;q=0.8", "iso", "2026-12-01"),
        ("", "dmy", "1 Dec 2026"),
    ],
)
def test_the_signup_form_preselects_the_date_format_the_browsers_language_suggests(
    client, accept_language, suggested, example
):
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC), tick=False):
        response = client.get(reverse("signup"), headers={"accept-language": accept_language})
    content = response.content.decode()
    selected = re.findall(r'<option value="([A-Za-z_]+)" selected>([^<]*)</option>', content)
    # Each format is shown as today's date written in it; the time zone menu keeps its own default.
    assert selected == [("UTC", "UTC"), (suggested, f"{example} ({DATE_STYLES[suggested].name})")]
    assert '<label for="id_date_style">Date format' in content


@pytest.mark.django_db
def test_a_fresh_signup_form_lets_the_browser_suggest_its_time_zone(client):
    # kith.js picks the browser's zone in a menu carrying this attribute; the menu itself works without it.
    content = client.get(reverse("signup")).content.decode()
    assert re.search(r'<select name="time_zone"[^>]*data-browser-time-zone', content)


@pytest.mark.django_db
def test_a_signup_form_sent_back_with_errors_keeps_the_chosen_time_zone(client):
    response = client.post(
        reverse("signup"),
        {"username": "carol", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "time_zone": "UTC"},
    )
    content = response.content.decode()
    assert "email" in response.context["form"].errors
    assert '<option value="UTC" selected>' in content
    assert "data-browser-time-zone" not in content


@pytest.mark.django_db
def test_signup_requires_an_email_and_a_known_time_zone(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "carol",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "time_zone": "Mars/Olympus",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "email" in form.errors
    assert "“Mars/Olympus” is not a time zone Kith knows" in response.content.decode()
    assert not User.objects.filter(username="carol").exists()


@pytest.mark.django_db
def test_signup_refuses_a_username_taken_in_another_case(client, alice):
    response = client.post(
        reverse("signup"),
        {
            "username": "Alice",
            "email": "other@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "time_zone": "UTC",
        },
    )
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_signup_is_refused_when_turned_off(client, settings):
    settings.ALLOW_SIGNUP = False
    response = client.get(reverse("signup"))
    assert response.status_code == 404
    assert "Sign-up is turned off" in response.content.decode()
    assert "<form" not in response.content.decode().split("<main", 1)[1]

    response = client.post(
        reverse("signup"),
        {
            "username": "mallory",
            "email": "mallory@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "time_zone": "UTC",
        },
    )
    assert response.status_code == 404
    assert not User.objects.exists()
    assert logged_in_user_id(client) is None


@pytest.mark.django_db
@pytest.mark.parametrize("allow_signup", [True, False])
def test_login_page_links_to_signup_only_when_it_is_on(client, settings, allow_signup):
    settings.ALLOW_SIGNUP = allow_signup
    content = client.get(reverse("login")).content.decode()
    assert (f'href="{reverse("signup")}"' in content) is allow_signup


# Log in and out


def test_login_with_the_right_password_logs_in_and_goes_home(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert logged_in_user_id(client) == alice.pk


def test_login_follows_next_to_a_page_of_this_site(client, alice):
    response = client.post(
        reverse("login") + "?next=" + reverse("settings"),
        {"username": "alice", "password": PASSWORD, "next": reverse("settings")},
    )
    assert response["Location"] == reverse("settings")


def test_login_with_a_wrong_password_says_so_and_does_not_log_in(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert "That username and password do not match an account." in response.content.decode()
    assert logged_in_user_id(client) is None


def test_logout_needs_a_post(alice_client, alice):
    response = alice_client.get(reverse("logout"))
    assert response.status_code == 405
    assert logged_in_user_id(alice_client) == alice.pk

    response = alice_client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert logged_in_user_id(alice_client) is None


def test_a_logged_in_user_visiting_login_goes_home(alice_client):
    response = alice_client.get(reverse("login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


# Rate limits


def test_login_is_rate_limited_per_username_even_with_the_right_password(client, alice):
    for n in range(10):
        response = client.post(
            reverse("login"), {"username": "alice", "password": "wrong"}, REMOTE_ADDR=f"10.0.0.{n}"
        )
        assert response.status_code == 200

    response = client.post(
        reverse("login"), {"username": "Alice", "password": PASSWORD}, REMOTE_ADDR="10.0.1.1"
    )
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_login_is_rate_limited_per_client_address(client, alice):
    for n in range(10):
        client.post(reverse("login"), {"username": f"guess{n}", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")

    response = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert logged_in_user_id(client) is None

    # Someone elsewhere is not held back by the guesses from that address.
    response = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.10"
    )
    assert response.status_code == 302
    assert logged_in_user_id(client) == alice.pk


def test_a_successful_login_resets_the_username_count(client, alice):
    for n in range(9):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"}, REMOTE_ADDR=f"10.0.0.{n}")
    assert client.post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code == 302
    client.post(reverse("logout"))

    for n in range(9):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"}, REMOTE_ADDR=f"10.0.1.{n}")
    response = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.2.1"
    )
    assert response.status_code == 302


def test_the_login_limit_follows_the_settings(client, alice, settings):
    settings.LOGIN_RATE_LIMIT = 2
    for _ in range(2):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429


def test_password_reset_is_rate_limited_per_email(client, alice, worker):
    with worker():
        for n in range(5):
            response = client.post(
                reverse("password_reset"), {"email": "alice@example.com"}, REMOTE_ADDR=f"10.0.0.{n}"
            )
            assert response.status_code == 302
    assert len(mail.outbox) == 5

    with worker():
        response = client.post(
            reverse("password_reset"), {"email": "ALICE@example.com"}, REMOTE_ADDR="10.0.1.1"
        )
    assert response.status_code == 429
    assert "Too many password reset requests" in response.content.decode()
    assert len(mail.outbox) == 5


def test_password_reset_is_rate_limited_per_client_address(client, alice, worker):
    with worker():
        for n in range(5):
            client.post(reverse("password_reset"), {"email": f"nobody{n}@example.com"})
        response = client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert response.status_code == 429
    assert "Too many password reset requests" in response.content.decode()
    assert mail.outbox == []


# Frozen: the limits count in fixed windows, and eleven slow logins on a busy machine can straddle two.
@time_machine.travel(dt.datetime(2026, 12, 1, 12, 0, 5, tzinfo=dt.UTC), tick=False)
def test_the_client_address_comes_from_the_proxy_only_when_trusted(client, alice, settings):
    for n in range(10):
        client.post(
            reverse("login"),
            {"username": f"guess{n}", "password": "wrong"},
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_FORWARDED_FOR=f"1.2.3.4, 203.0.113.{n}",
        )
    # Untrusted, the header is ignored: every guess came from the proxy's address, which is now limited.
    response = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
    )
    assert response.status_code == 429

    RateCounter.objects.all().delete()
    settings.RATE_LIMIT_TRUST_FORWARDED_FOR = True
    for n in range(10):
        client.post(
            reverse("login"),
            {"username": f"guess{n}", "password": "wrong"},
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_FORWARDED_FOR=f"1.2.3.4, 203.0.113.{n}",
        )
    response = client.post(
        reverse("login"),
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.200",
    )
    assert response.status_code == 302


# Password reset and change


def test_password_reset_sends_one_email_whose_link_sets_a_new_password(client, alice, settings, worker):
    settings.SITE_URL = "https://kith.example.org"
    with worker():
        response = client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert message.subject == "Reset your Kith password"
    link = re.search(r"https?://\S+", message.body).group()
    assert link.startswith("https://kith.example.org/accounts/password/reset/")

    response = client.get(urlsplit(link).path, follow=True)
    assert response.context["validlink"]
    set_password_url = response.redirect_chain[-1][0]
    response = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")

    response = client.post(reverse("login"), {"username": "alice", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert logged_in_user_id(client) == alice.pk

    # The link is spent once used.
    client.post(reverse("logout"))
    response = client.get(urlsplit(link).path, follow=True)
    assert not response.context["validlink"]
    assert "This link no longer works" in response.content.decode()


def test_password_reset_says_the_same_for_an_unknown_email(client, alice, worker):
    with worker():
        known = client.post(reverse("password_reset"), {"email": "alice@example.com"}, follow=True)
        unknown = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert "If an account uses that address" in unknown.content.decode()
    assert len(mail.outbox) == 1


def test_password_change_lets_the_user_log_in_with_the_new_password(alice_client, alice, client):
    response = alice_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("password_change_done")
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    # The browser that changed it stays logged in.
    assert logged_in_user_id(alice_client) == alice.pk


# Settings


@pytest.mark.parametrize("name", ["settings", "account_delete", "password_change", "password_change_done"])
def test_every_settings_page_requires_login(client, db, name):
    url = reverse(name)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"


def test_settings_page_labels_every_input(alice_client):
    response = alice_client.get(reverse("settings"))
    assert response.status_code == 200
    content = response.content.decode()
    form = response.context["form"]
    assert len(form.fields) == 13
    for field in form:
        assert f'<label for="{field.id_for_label}"' in content
    assert '<option value="Europe/London" selected>London</option>' in content


def test_settings_saves_valid_values(alice_client, alice):
    data = settings_data(
        alice,
        time_zone="Asia/Tokyo",
        date_style="iso",
        digest_frequency="weekly",
        digest_weekday=4,
        digest_hour=0,
        reminder_email="alice.reminders@example.com",
        personal_inner_days=7,
        professional_wider_days=3650,
    )
    response = alice_client.post(reverse("settings"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("settings")
    assert user_settings(alice) == data

    response = alice_client.get(reverse("settings"))
    assert "Settings saved." in response.content.decode()


def test_settings_keep_a_saved_time_zone_the_menu_leaves_out(alice_client, alice):
    alice.time_zone = "US/Eastern"
    alice.save()
    response = alice_client.get(reverse("settings"))
    assert '<option value="US/Eastern" selected>' in response.content.decode()


def test_settings_refuse_an_unknown_time_zone_with_a_clear_message(alice_client, alice):
    before = user_settings(alice)
    response = alice_client.post(
        reverse("settings"), settings_data(alice, time_zone="Mars/Olympus", digest_hour=6)
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "“Mars/Olympus” is not a time zone Kith knows" in content
    assert "Nothing was saved" in content
    assert user_settings(alice) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("digest_hour", "24", "Choose an hour from 0 to 23."),
        ("digest_hour", "-1", "Choose an hour from 0 to 23."),
        ("personal_inner_days", "0", "greater than or equal to 1"),
        ("professional_close_days", "3651", "less than or equal to 3650"),
        ("personal_wider_days", "", "This field is required."),
        ("digest_frequency", "hourly", "Select a valid choice."),
        ("digest_weekday", "7", "Select a valid choice."),
        ("date_style", "yyyy/mm/dd", "Select a valid choice."),
        ("date_style", "", "This field is required."),
        ("reminder_email", "not an address", "Enter a valid email address."),
    ],
)
def test_settings_refuse_invalid_values_and_change_nothing(alice_client, alice, field, value, message):
    before = user_settings(alice)
    response = alice_client.post(
        reverse("settings"), settings_data(alice, time_zone="Asia/Tokyo", **{field: value})
    )
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert user_settings(alice) == before


def test_settings_change_only_the_logged_in_user(alice_client, alice, bob):
    before = user_settings(bob)
    alice_client.post(reverse("settings"), settings_data(alice, digest_hour=5))
    assert user_settings(alice)["digest_hour"] == 5
    assert user_settings(bob) == before


# Deleting the account


@pytest.fixture
def alice_and_bob_data(alice, bob):
    data = {}
    for user in (alice, bob):
        contact = ContactFactory(owner=user)
        event = EventFactory(owner=user)
        InteractionFactory(owner=user, event=event, contacts=[contact])
        data[user.username] = contact
    return data


def test_delete_page_asks_for_confirmation_and_a_get_deletes_nothing(alice_client, alice, alice_and_bob_data):
    response = alice_client.get(reverse("account_delete"))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'for="id_password"' in content
    assert "cannot be undone" in content
    assert User.objects.filter(pk=alice.pk).exists()


def test_delete_with_a_wrong_password_deletes_nothing(alice_client, alice, alice_and_bob_data):
    response = alice_client.post(reverse("account_delete"), {"password": "wrong"})
    assert response.status_code == 200
    assert "That is not your password" in response.content.decode()
    assert User.objects.filter(pk=alice.pk).exists()
    assert Contact.objects.filter(owner=alice).count() == 1
    assert logged_in_user_id(alice_client) == alice.pk


def test_delete_account_removes_the_user_and_everything_they_own_but_not_bobs(
    alice_client, alice, bob, alice_and_bob_data, worker
):
    alice_id = alice.pk
    with worker():
        response = alice_client.post(reverse("account_delete"), {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("login")

    assert not User.objects.filter(pk=alice_id).exists()
    for model in (Contact, Event, Interaction):
        assert not model.objects.filter(owner_id=alice_id).exists()
        assert model.objects.filter(owner=bob).count() == 1

    assert logged_in_user_id(alice_client) is None
    response = alice_client.get(reverse("login"))
    assert "Your account and everything in it are being deleted." in response.content.decode()


def test_deleting_an_account_deletes_its_tags_without_rewriting_the_contacts_going_with_them(
    alice_client, alice, bob, worker
):
    """A tag deleted on its own rebuilds its people's search text and notes their cards as changed; when the
    whole account goes, that work (seconds for 10,000 tagged contacts) would go to rows being deleted."""
    tag = TagFactory(owner=alice, name="Climbing")
    for contact in ContactFactory.create_batch(3, owner=alice):
        contact.tags.add(tag)
    bobs = ContactFactory(owner=bob)
    bobs.tags.add(TagFactory(owner=bob, name="Climbing"))
    with CaptureQueriesContext(connection) as deleting, worker():
        alice_client.post(reverse("account_delete"), {"password": PASSWORD})
    written = [q["sql"] for q in deleting.captured_queries if q["sql"].startswith(("UPDATE", "INSERT"))]
    assert not [sql for sql in written if "contacts_contact" in sql or "contacts_cardchange" in sql], written
    assert not Tag.objects.filter(owner_id=tag.owner_id).exists()
    assert Tag.objects.filter(owner=bob).count() == 1
    assert "climbing" in Contact.objects.get(pk=bobs.pk).search_text


def test_a_deleted_user_cannot_log_in_again(client, db):
    carol = UserFactory(username="carol")
    client.force_login(carol)
    client.post(reverse("account_delete"), {"password": PASSWORD})
    response = client.post(reverse("login"), {"username": "carol", "password": PASSWORD})
    assert response.status_code == 200
    assert logged_in_user_id(client) is None


def owned_rows(user_id: int) -> dict[str, int]:
    """How many rows of each model with an owner key belong to `user_id`, models with none left out."""
    counts = {}
    for model in apps.get_models():
        if any(field.name == "owner" for field in model._meta.get_fields()):
            count = model._default_manager.filter(owner_id=user_id).count()
            if count:
                counts[model._meta.label] = count
    return counts


def test_asking_to_delete_an_account_shuts_it_at_once_before_the_worker_deletes_it(
    alice_client, alice, alice_and_bob_data
):
    elsewhere = Client()
    elsewhere.force_login(alice)
    response = alice_client.post(reverse("account_delete"), {"password": PASSWORD}, follow=True)
    assert "Your account and everything in it are being deleted." in response.content.decode()

    alice.refresh_from_db()
    assert alice.deletion_requested_at is not None
    assert not alice.is_active
    assert alice.digest_frequency == DigestFrequency.OFF
    # Every session of hers is over, the one that asked and any other.
    assert logged_in_user_id(alice_client) is None
    assert elsewhere.get(reverse("settings")).status_code == 302
    response = alice_client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    assert logged_in_user_id(alice_client) is None


def test_a_broker_that_cannot_take_the_deletion_leaves_it_to_the_sweep(
    alice_client, alice, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(user_id):
        raise ConnectionRefusedError("no broker")

    monkeypatch.setattr(delete_account, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("account_delete"), {"password": PASSWORD})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.deletion_requested_at is not None and not alice.is_active
    later = alice.deletion_requested_at + dt.timedelta(minutes=11)
    assert account_deletions_due(later) == [alice.pk]


def test_the_deletion_task_deletes_everything_the_user_owns_but_nothing_of_bobs(
    alice, bob, alice_and_bob_data
):
    TagFactory(owner=alice)
    TagFactory(owner=bob)
    bobs = owned_rows(bob.pk)
    assert owned_rows(alice.pk).keys() == bobs.keys()
    account_deletion_request(alice)

    assert delete_account(alice.pk) == f"account {alice.pk}: deleted"

    assert not User.objects.filter(pk=alice.pk).exists()
    assert owned_rows(alice.pk) == {}
    assert owned_rows(bob.pk) == bobs


def test_running_the_deletion_task_twice_is_harmless(alice, bob, alice_and_bob_data):
    bobs = owned_rows(bob.pk)
    account_deletion_request(alice)
    delete_account(alice.pk)
    assert delete_account(alice.pk) == f"account {alice.pk}: nothing to delete"
    assert owned_rows(bob.pk) == bobs


def test_the_deletion_task_leaves_an_account_no_one_asked_to_delete(bob, alice_and_bob_data):
    bobs = owned_rows(bob.pk)
    assert delete_account(bob.pk) == f"account {bob.pk}: nothing to delete"
    assert User.objects.get(pk=bob.pk).is_active
    assert owned_rows(bob.pk) == bobs


def test_the_sweep_deletes_accounts_asked_for_over_ten_minutes_ago_only(db, bob, worker):
    now = timezone.now()
    lost = UserFactory(username="lost")
    account_deletion_request(lost, now=now - dt.timedelta(minutes=11))
    fresh = UserFactory(username="fresh")
    account_deletion_request(fresh, now=now - dt.timedelta(minutes=1))
    ContactFactory(owner=lost)
    ContactFactory(owner=fresh)

    with worker():
        assert delete_requested_accounts() == "queued 1 account deletion(s)"

    assert set(User.objects.values_list("username", flat=True)) == {"fresh", "bob"}
    assert owned_rows(lost.pk) == {}
    assert Contact.objects.filter(owner=fresh).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_handed_the_same_deletion_at_once_delete_it_once():
    """The broker may deliver a task twice, and the sweep may queue one still running: on PostgreSQL each run
    takes the user's row with SKIP LOCKED, so one deletes and the others, in their own connections, find
    nothing and fail with nothing."""
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    for user in (alice, bob):
        ContactFactory.create_batch(20, owner=user)
    account_deletion_request(alice)
    barrier = threading.Barrier(4)
    results: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(delete_account(alice.pk))
        except BaseException as error:  # Re-raised below, in the test's thread.
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    prefix = f"account {alice.pk}: "
    assert Counter(results) == {prefix + "deleted": 1, prefix + "nothing to delete": 3}
    assert not Contact.objects.filter(owner_id=alice.pk).exists()
    assert Contact.objects.filter(owner=bob).count() == 20


@pytest.mark.parametrize("name", ["contact_detail", "event_detail", "followup_snooze", "dashboard_log"])
def test_links_built_from_an_id_are_the_ones_django_reverses(name):
    for pk in (1, 42, 1234567):
        assert url_with_id(name, pk) == reverse(name, args=[pk])


def test_links_built_from_an_id_keep_the_script_prefix():
    set_script_prefix("/kith/")
    try:
        assert url_with_id("contact_detail", 7) == "/kith/contacts/7/" == reverse("contact_detail", args=[7])
    finally:
        set_script_prefix("/")
    assert url_with_id("contact_detail", 7) == "/contacts/7/"
