"""Two-factor login: setting it up by QR code, the login's code step, recovery codes, the rate limit, the
admin site and password reset, turning it off, and `manage.py reset_2fa`.

Codes are computed here from the device's secret with django-otp's own TOTP function, as an app would; a code
for the next 30-second step (drift=1) is one the server has not seen yet but still accepts.
"""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.twofactor import ReauthForm, recovery_codes_make, two_factor_enabled
from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "a brand new tolerable passphrase"


def code(device: TOTPDevice, drift: int = 0) -> str:
    return f"{totp(device.bin_key, drift=drift):06d}"


def code_from_key(key_text: str, drift: int = 0) -> str:
    """The app's code for a setup key as the page shows it (base 32 in groups of four)."""
    key = base64.b32decode("".join(key_text.split()))
    return f"{totp(key, drift=drift):06d}"


def enrol(user: User) -> tuple[TOTPDevice, list[str]]:
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return device, recovery_codes_make(user)


@pytest.fixture
def alice_2fa(alice):
    return enrol(alice)


def logged_in_user_id(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def password_step(client, username="alice", password=PASSWORD, next_url=None):
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": username, "password": password})


def code_step(client, value: str):
    return client.post(reverse("login_code"), {"code": value})


# Setting it up


def test_setting_up_shows_a_qr_code_and_the_key_and_is_off_until_a_first_code_is_right(alice_client, alice):
    page = alice_client.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "style=" not in html.split("<svg", 1)[1].split("</svg>")[0]
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', html).group(1)
    # Reloading the page keeps the same secret, so a QR code already scanned still works.
    assert secret in alice_client.get(reverse("two_factor_setup")).content.decode()

    wrong = alice_client.post(reverse("two_factor_setup"), {"code": "000000", "password": PASSWORD})
    assert "That code is not right" in wrong.content.decode()
    no_password = alice_client.post(
        reverse("two_factor_setup"), {"code": code_from_key(secret), "password": "nope"}
    )
    assert "That is not your password" in no_password.content.decode()
    assert not two_factor_enabled(alice)

    right = {"code": code_from_key(secret), "password": PASSWORD}
    done = alice_client.post(reverse("two_factor_setup"), right)
    assert done.status_code == 200
    shown = re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", done.content.decode())
    assert len(shown) == 10
    assert two_factor_enabled(alice)
    # This browser just gave a code: its session counts as having passed the second factor.
    assert alice_client.session.get(DEVICE_ID_SESSION_KEY)
    # The recovery codes were shown once: the status page only counts them.
    status = alice_client.get(reverse("two_factor")).content.decode()
    assert "10 of 10 recovery codes left" in status
    assert shown[0] not in status


def test_the_two_factor_page_is_linked_from_settings_and_more(alice_client):
    for name in ("settings", "more"):
        assert reverse("two_factor") in alice_client.get(reverse(name)).content.decode()


@pytest.mark.parametrize("name", ["two_factor", "two_factor_setup", "two_factor_recovery", "two_factor_off"])
def test_the_two_factor_pages_need_a_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# Logging in


def test_with_two_factor_on_the_password_alone_does_not_log_in(client, alice, alice_2fa):
    response = password_step(client)
    assert response.status_code == 302 and response["Location"] == reverse("login_code")
    assert logged_in_user_id(client) is None
    assert client.get(reverse("home")).status_code == 302
    assert "Enter your code" in client.get(reverse("login_code")).content.decode()


def test_without_two_factor_the_password_logs_in_as_before(client, alice):
    response = password_step(client)
    assert response["Location"] == reverse("home")
    assert logged_in_user_id(client) == alice.pk


def test_the_right_code_logs_in_and_follows_next(client, alice, alice_2fa):
    device, _ = alice_2fa
    password_step(client, next_url="/contacts/")
    response = code_step(client, code(device))
    assert response.status_code == 302 and response["Location"] == "/contacts/"
    assert logged_in_user_id(client) == alice.pk
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_an_unsafe_next_still_goes_home_after_the_code(client, alice, alice_2fa):
    device, _ = alice_2fa
    password_step(client, next_url="https://evil.example/")
    response = code_step(client, code(device))
    assert response["Location"] == reverse("home")


def test_a_wrong_code_is_refused(client, alice, alice_2fa):
    password_step(client)
    response = code_step(client, "123456")
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_a_code_is_accepted_once(client, alice, alice_2fa):
    device, _ = alice_2fa
    used = code(device)
    password_step(client)
    code_step(client, used)
    client.post(reverse("logout"))
    password_step(client)
    assert "That code is not right" in code_step(client, used).content.decode()
    assert logged_in_user_id(client) is None


def test_wrong_codes_are_rate_limited_per_user_even_with_the_right_code(client, alice, alice_2fa, settings):
    settings.TWO_FACTOR_RATE_LIMIT = 3
    device, _ = alice_2fa
    password_step(client)
    for _ in range(3):
        assert code_step(client, "000000").status_code == 200
    response = code_step(client, code(device))
    assert response.status_code == 429
    # "a minute" when the window is about to end, else "N minutes".
    refused = response.content.decode()
    assert re.search(r"Too many wrong codes\. Wait (a minute|\d+ minutes) and try again", refused)
    assert logged_in_user_id(client) is None


def test_wrong_codes_are_rate_limited_per_client_address(client, alice, bob, alice_2fa, settings):
    settings.TWO_FACTOR_RATE_LIMIT = 3
    bob_device, _ = enrol(bob)
    password_step(client)
    code_step(client, "000000")
    code_step(client, "000001")
    password_step(client, "bob")
    assert code_step(client, "000002").status_code == 200
    assert code_step(client, code(bob_device)).status_code == 429


def test_the_right_code_resets_the_users_count(client, alice, alice_2fa, settings):
    settings.TWO_FACTOR_RATE_LIMIT = 3
    device, _ = alice_2fa
    password_step(client)
    code_step(client, "000000")
    code_step(client, "000001")
    code_step(client, code(device))
    client.post(reverse("logout"))
    # From another address (which keeps its own count of failures), two more typos and the right code.
    client.defaults["REMOTE_ADDR"] = "192.0.2.7"
    password_step(client)
    code_step(client, "000002")
    code_step(client, "000003")
    assert code_step(client, code(device, drift=1)).status_code == 302


def test_a_recovery_code_logs_in_once(client, alice, alice_2fa):
    _, codes = alice_2fa
    password_step(client)
    # Typed as people type: capitals, without the dash, with spaces.
    response = code_step(client, " " + codes[0].replace("-", " ").upper())
    assert response.status_code == 302 and logged_in_user_id(client) == alice.pk
    assert StaticToken.objects.filter(device__user=alice).count() == 9
    client.post(reverse("logout"))

    password_step(client)
    assert "That code is not right" in code_step(client, codes[0]).content.decode()
    assert logged_in_user_id(client) is None


def test_the_code_step_without_the_password_step_goes_to_login(client, alice, alice_2fa):
    device, _ = alice_2fa
    response = code_step(client, code(device))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert logged_in_user_id(client) is None


def test_the_code_step_expires(client, alice, alice_2fa):
    device, _ = alice_2fa
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as traveller:
        password_step(client)
        traveller.shift(dt.timedelta(minutes=6))
        response = code_step(client, code(device))
        assert response.status_code == 302 and response["Location"] == reverse("login")
        assert "That took more than 5 minutes" in client.get(response["Location"]).content.decode()
    assert logged_in_user_id(client) is None


def test_another_users_pending_login_cannot_be_used(client, alice, bob, alice_2fa):
    bob_device, _ = enrol(bob)
    # Alice's password step in one browser does nothing for another browser with her code.
    password_step(client)
    other = Client()
    assert code_step(other, code(alice_2fa[0])).status_code == 302
    assert logged_in_user_id(other) is None
    # And in her browser, bob's code is not hers.
    assert "That code is not right" in code_step(client, code(bob_device)).content.decode()
    assert logged_in_user_id(client) is None


def test_a_new_password_step_replaces_the_pending_user(client, alice, bob, alice_2fa):
    bob_device, _ = enrol(bob)
    password_step(client)
    password_step(client, "bob")
    code_step(client, code(bob_device))
    assert logged_in_user_id(client) == bob.pk


# The admin site


@pytest.fixture
def staff(db):
    return UserFactory(username="sam", is_staff=True, is_superuser=True)


def test_the_admin_sends_a_visitor_to_kiths_login(client, db):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login") + "?next=/admin/")


def test_the_admin_asks_for_the_second_factor(client, staff):
    device, _ = enrol(staff)
    password_step(client, "sam", next_url="/admin/")
    # Between the password and the code, nobody is logged in: the admin sends the visitor to log in.
    assert client.get("/admin/", follow=True).redirect_chain[-1][0].startswith(reverse("login"))
    response = code_step(client, code(device))
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_password_only_session_does_not_reach_the_admin(client, staff):
    enrol(staff)
    client.force_login(staff)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert "logged in with your password alone" in response.content.decode()


def test_staff_without_two_factor_must_turn_it_on_for_the_admin(client, staff):
    client.force_login(staff)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert reverse("two_factor_setup") in response.content.decode()


# Password reset


def test_password_reset_neither_logs_in_nor_skips_the_code(client, alice, alice_2fa):
    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    link = reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(alice)])
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("password_reset_complete")
    assert logged_in_user_id(client) is None

    response = password_step(client, password=NEW_PASSWORD)
    assert response["Location"] == reverse("login_code")
    assert logged_in_user_id(client) is None
    assert two_factor_enabled(alice)


# Turning it off, new recovery codes


def test_turning_it_off_needs_the_password_and_a_code(alice_client, alice, alice_2fa):
    device, _ = alice_2fa
    url = reverse("two_factor_off")
    wrong_password = alice_client.post(url, {"password": "nope", "code": code(device)})
    assert "That is not your password" in wrong_password.content.decode()
    wrong_code = alice_client.post(url, {"password": PASSWORD, "code": "000000"})
    assert "That code is not right" in wrong_code.content.decode()
    no_code = alice_client.post(url, {"password": PASSWORD})
    assert no_code.status_code == 200
    assert two_factor_enabled(alice)

    response = alice_client.post(url, {"password": PASSWORD, "code": code(device)}, follow=True)
    assert "Two-factor login is off" in response.content.decode()
    assert not two_factor_enabled(alice)
    assert not StaticToken.objects.filter(device__user=alice).exists()
    alice_client.post(reverse("logout"))
    assert password_step(alice_client)["Location"] == reverse("home")


def test_new_recovery_codes_need_the_password_and_a_code_and_replace_the_old(alice_client, alice, alice_2fa):
    device, old = alice_2fa
    url = reverse("two_factor_recovery")
    alice_client.post(url, {"password": "nope", "code": code(device)})
    alice_client.post(url, {"password": PASSWORD, "code": "000000"})
    assert StaticToken.objects.filter(device__user=alice).count() == 10

    response = alice_client.post(url, {"password": PASSWORD, "code": old[0]})
    new = re.findall(r"<li><code>([a-z2-7-]{9})</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    alice_client.post(reverse("logout"))
    password_step(alice_client)
    assert code_step(alice_client, old[1]).status_code == 200
    assert code_step(alice_client, new[0]).status_code == 302


def test_the_off_and_recovery_pages_send_a_user_without_two_factor_to_the_status_page(alice_client):
    for name in ("two_factor_off", "two_factor_recovery"):
        response = alice_client.post(reverse(name), {"password": PASSWORD})
        assert response["Location"] == reverse("two_factor")


def test_reauth_asks_for_a_code_only_when_two_factor_is_on(rf, alice, bob):
    enrol(bob)
    assert set(ReauthForm(rf.get("/"), alice).fields) == {"password"}
    assert set(ReauthForm(rf.get("/"), bob).fields) == {"password", "code"}


# The operator's command


def test_reset_2fa_removes_the_users_devices(alice, bob, alice_2fa, capsys):
    enrol(bob)
    call_command("reset_2fa", "--user", "alice")
    out = capsys.readouterr().out
    assert "Turned off two-factor login for alice" in out and "10 unused recovery codes" in out
    assert not two_factor_enabled(alice)
    assert two_factor_enabled(bob)
    call_command("reset_2fa", "--user", "alice")
    assert "nothing was changed" in capsys.readouterr().out


def test_reset_2fa_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="no user named 'ghost'") as error:
        call_command("reset_2fa", "--user", "ghost")
    assert error.value.returncode == 1
