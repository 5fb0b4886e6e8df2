"""The installable app and capture that survives the venue (issue #12): the manifest, the service worker and
the offline page, served with the right types under the CSP; events started offline saved once by their client
key; queued rows refused when signed for another account."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Intention, Setting
from contacts.models import Contact
from interactions.capture import event_start
from interactions.models import Event
from interactions.outbox import OWNER_FIELD, outbox_owner_matches, outbox_owner_sign
from tests.factories import EventFactory

HTMX = {"HX-Request": "true"}

pytestmark = pytest.mark.django_db


def _csp(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


# Installable ------------------------------------------------------------------------------------------------


def test_manifest_names_icons_start_url_and_standalone(client: Client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Kith" and manifest["short_name"] == "Kith"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == reverse("capture") and manifest["scope"] == "/"
    # The colours of static/css/kith.css: --bg behind the splash screen, --surface in the top bar.
    assert manifest["background_color"] == "#f7f6f2" and manifest["theme_color"] == "#ffffff"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200
        body = b"".join(png.streaming_content) if png.streaming else png.content
        assert body.startswith(b"\x89PNG\r\n\x1a\n")
        width, height = int.from_bytes(body[16:20], "big"), int.from_bytes(body[20:24], "big")
        assert f"{width}x{height}" == icon["sizes"]


def test_service_worker_is_served_from_the_root_as_javascript(client: Client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    # Served at the root, its scope is the whole site; the header allows it even if it moves.
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    assert body.startswith("self.KITH_CONFIG = ")
    config = json.loads(body.split("\n", 1)[0].removeprefix("self.KITH_CONFIG = ").removesuffix(";"))
    assert "/static/css/kith.css" in config["shell"] and config["offline"] == "/offline/"
    assert 'addEventListener("fetch"' in body


def test_pages_link_the_manifest_and_the_csp_allows_worker_and_manifest(alice_client: Client):
    page = alice_client.get(reverse("capture"))
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page.content.decode()
    policy = _csp(page)
    assert policy["worker-src"] == ["'self'"] and policy["manifest-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # still no inline script


def test_offline_page_says_the_page_needs_the_server(alice_client: Client):
    response = alice_client.get(reverse("offline"))
    assert response.status_code == 200
    assert "You are offline; this page needs the server." in response.content.decode()


# Events started offline -------------------------------------------------------------------------------------


def test_an_event_started_offline_is_saved_once_however_often_it_is_sent(alice, alice_client: Client):
    key = uuid.uuid4().hex
    data = {"name": "Meetup", "place": "", "setting": Setting.INFORMAL, "client_key": key}
    data[OWNER_FIELD] = outbox_owner_sign(alice)
    first = alice_client.post(reverse("capture"), data)
    second = alice_client.post(reverse("capture"), data, headers=HTMX)
    event = Event.objects.get(owner=alice)
    assert event.client_key == key
    assert first.url == second.url == reverse("capture_event", args=[event.pk])


def test_event_start_race_loses_to_the_first(alice):
    today = timezone.localdate()
    one = event_start(alice, name="A", place="", setting=Setting.FORMAL, day=today, client_key="k1")
    two = event_start(alice, name="A", place="", setting=Setting.FORMAL, day=today, client_key="k1")
    assert one.pk == two.pk and Event.objects.count() == 1
    # Without a key every start is an event of its own, as before.
    event_start(alice, name="B", place="", setting=Setting.FORMAL, day=today)
    event_start(alice, name="B", place="", setting=Setting.FORMAL, day=today)
    assert Event.objects.count() == 3


def test_client_keys_are_per_owner(alice, bob):
    EventFactory(owner=bob, client_key="shared")
    event = event_start(
        alice, name="Mine", place="", setting=Setting.FORMAL, day=timezone.localdate(), client_key="shared"
    )
    assert event.owner == alice and Event.objects.filter(client_key="shared").count() == 2


def _row(owner, **data: str) -> dict[str, str]:
    return {
        "name": "Ana Núñez",
        "intention": Intention.PERSONAL,
        "row_key": uuid.uuid4().hex,
        OWNER_FIELD: outbox_owner_sign(owner),
        **data,
    }


def test_rows_of_an_offline_event_are_sent_by_its_key_and_wait_for_it(alice, alice_client: Client):
    key = uuid.uuid4().hex
    url = reverse("capture_keyed", args=[key])
    row = _row(alice)
    early = alice_client.post(url, row, headers=HTMX)
    # The event has not arrived: try again later, nothing saved.
    assert early.status_code == 409 and not Contact.objects.exists()
    alice_client.post(reverse("capture"), {"name": "Meetup", "setting": Setting.INFORMAL, "client_key": key})
    saved = alice_client.post(url, row, headers=HTMX)
    again = alice_client.post(url, row, headers=HTMX)
    assert saved.status_code == again.status_code == 200
    assert 'data-state="saved"' in saved.content.decode()
    event = Event.objects.get(owner=alice, client_key=key)
    assert Contact.objects.filter(owner=alice, display_name="Ana Núñez").count() == 1
    assert event.interactions.count() == 1


def test_another_users_event_key_finds_nothing(alice, bob, client: Client):
    EventFactory(owner=alice, client_key="alices")
    client.force_login(bob)
    url = reverse("capture_keyed", args=["alices"])
    assert client.get(url).status_code == 404
    assert client.post(url, _row(bob), headers=HTMX).status_code == 404
    assert not Contact.objects.exists()


# The signed owner -------------------------------------------------------------------------------------------


def test_the_signed_owner_matches_only_its_user(alice, bob):
    signed = outbox_owner_sign(alice)
    assert outbox_owner_matches(alice, signed)
    assert not outbox_owner_matches(bob, signed)
    assert not outbox_owner_matches(alice, signed.replace(str(alice.pk), str(bob.pk), 1))
    assert not outbox_owner_matches(alice, "")


def test_a_queued_row_signed_for_another_user_is_refused(alice, bob, client: Client):
    event = EventFactory(owner=bob, start_date=timezone.localdate())
    client.force_login(bob)
    response = client.post(reverse("capture_event", args=[event.pk]), _row(alice), headers=HTMX)
    assert response.status_code == 403
    assert response["X-Kith-Refused"] == "owner"
    assert "someone else was logged in" in response.content.decode()
    assert not Contact.objects.exists()


def test_a_queued_event_signed_for_another_user_is_refused(alice, bob, client: Client):
    client.force_login(bob)
    data = {
        "name": "Alice's meetup",
        "setting": Setting.INFORMAL,
        "client_key": "k",
        OWNER_FIELD: outbox_owner_sign(alice),
    }
    response = client.post(reverse("capture"), data)
    assert response.status_code == 403 and not Event.objects.exists()


def test_capture_rows_carry_the_pages_signed_owner(alice, alice_client: Client):
    event = EventFactory(owner=alice, start_date=timezone.localdate())
    html = alice_client.get(reverse("capture_event", args=[event.pk])).content.decode()
    signed = outbox_owner_sign(alice)
    assert f'data-outbox-owner="{signed}"' in html
    assert f'name="{OWNER_FIELD}" value="{signed}"' in html
    assert f'data-capture-id="pk:{event.pk}"' in html


def test_the_offline_capture_page_sends_rows_by_the_events_key(alice_client: Client):
    html = alice_client.get(reverse("capture_offline")).content.decode()
    assert "/capture/key/__event__/" in html and "data-offline-event" in html
