"""Logins from new devices (accounts.devices, issue 14 item 3): told to the user by email, listed on the
Security page, and "log out everywhere else" ends every other session."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts import tasks
from accounts.devices import DEVICE_COOKIE, device_describe, network_coarse
from accounts.models import LoginRecord
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def worker(monkeypatch, django_capture_on_commit_callbacks):
    """`with worker():` runs the tasks queued inside it when it ends, as the Celery worker would."""
    monkeypatch.setattr(tasks.send_new_device_email, "delay", tasks.send_new_device_email)
    return lambda: django_capture_on_commit_callbacks(execute=True)


def browser(agent: str = FIREFOX_LINUX, address: str = "203.0.113.7") -> Client:
    return Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)


def log_in(client: Client, user, worker) -> None:
    with worker():
        response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()


def test_a_login_from_a_new_browser_is_emailed_once(alice, worker):
    firefox = browser()
    log_in(firefox, alice, worker)
    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]
    assert "Firefox on Linux" in message.subject
    assert "203.0.113.0/24" in message.body
    assert "http://127.0.0.1:8000/accounts/security/" in message.body

    # The same browser again, after logging out: it carries the device cookie, so no email.
    firefox.post(reverse("logout"))
    log_in(firefox, alice, worker)
    assert len(mail.outbox) == 1

    # Another browser is new.
    log_in(browser(SAFARI_IPHONE), alice, worker)
    assert len(mail.outbox) == 2
    assert "Safari on iOS" in mail.outbox[1].subject


def test_a_browser_known_for_one_user_is_new_for_another(alice, bob, worker):
    shared = browser()
    log_in(shared, alice, worker)
    shared.post(reverse("logout"))
    log_in(shared, bob, worker)
    assert [m.to for m in mail.outbox] == [["alice@example.com"], ["bob@example.com"]]


def test_a_forged_device_cookie_counts_as_a_new_device(alice, worker):
    firefox = browser()
    firefox.cookies[DEVICE_COOKIE] = f"{alice.pk}:0123456789abcdef"
    log_in(firefox, alice, worker)
    assert len(mail.outbox) == 1


def test_no_email_without_a_confirmed_address(worker):
    carol = UserFactory(username="carol", confirmed=False)
    log_in(browser(), carol, worker)
    assert mail.outbox == []
    assert LoginRecord.objects.filter(owner=carol, new_device=True).count() == 1


def test_the_security_page_lists_only_my_recent_logins_and_marks_this_browser(alice, bob, worker):
    log_in(browser(SAFARI_IPHONE, "198.51.100.9"), alice, worker)
    log_in(browser(address="192.0.2.1"), bob, worker)
    firefox = browser()
    log_in(firefox, alice, worker)
    page = firefox.get(reverse("security")).content.decode()
    assert "Safari on iOS" in page
    assert "198.51.100.0/24" in page
    assert "Firefox on Linux" in page
    assert page.count(">This browser<") == 1
    assert "192.0.2.0/24" not in page  # bob's


def test_log_out_everywhere_ends_the_other_sessions_and_keeps_this_one(alice, worker):
    phone, laptop = browser(SAFARI_IPHONE), browser()
    log_in(phone, alice, worker)
    log_in(laptop, alice, worker)
    assert phone.get(reverse("settings")).status_code == 200

    response = laptop.post(reverse("logout_everywhere"))
    assert response.status_code == 302
    assert laptop.get(reverse("settings")).status_code == 200
    gone = phone.get(reverse("settings"))
    assert gone.status_code == 302
    assert gone.url.startswith(reverse("login"))
    # The phone can log in again with the password.
    log_in(phone, alice, worker)
    assert phone.get(reverse("settings")).status_code == 200


def test_log_out_everywhere_needs_a_post(alice_client):
    assert alice_client.get(reverse("logout_everywhere")).status_code == 405


@pytest.mark.parametrize(
    ("agent", "described"),
    [
        (FIREFOX_LINUX, "Firefox on Linux"),
        (SAFARI_IPHONE, "Safari on iOS"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        ("curl/8.5.0", "Unknown browser"),
        ("", "Unknown browser"),
    ],
)
def test_the_browser_is_named_from_its_user_agent(agent, described):
    assert device_describe(agent) == described


@pytest.mark.parametrize(
    ("address", "network"),
    [("203.0.113.7", "203.0.113.0/24"), ("2001:db8:1:2::9", "2001:db8:1::/48"), ("unknown", "")],
)
def test_the_client_address_is_kept_coarse(address, network):
    assert network_coarse(address) == network
