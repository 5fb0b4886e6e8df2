"""Phone sync in a real browser, 375 px wide: the page shows the address and username, makes an app password
that a CardDAV client can then sign in with, and fits the screen; a card the phone made waits under "New from
your phone" on the Contacts page. No console errors or CSP violations."""

from __future__ import annotations

import base64
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from contacts.models import Contact
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _fits(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def test_phone_sync_makes_an_app_password_that_a_phone_signs_in_with(phone, person, artifacts_dir):
    phone.goto("/more/")
    phone.get_by_role("link", name="Phone sync").click()
    assert phone.get_by_role("heading", name="Phone sync", level=1).is_visible()
    assert "/dav/" in phone.locator("dd code").first.inner_text()
    assert _fits(phone)
    phone.get_by_label("Your password").fill(PASSWORD)
    phone.get_by_role("button", name="Make app password").click()
    secret = phone.get_by_role("textbox", name="App password").input_value()
    assert secret.startswith("kith_") and _fits(phone)
    # One tap copies it, or, where the browser keeps the clipboard from the page, selects it for copying.
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"])
    phone.get_by_role("button", name="Copy").click()
    expect(phone.locator("button[data-copy]")).to_have_text(re.compile("Copied|Selected: copy it"))
    if phone.locator("button[data-copy]").inner_text() == "Copied":
        assert phone.evaluate("navigator.clipboard.readText()") == secret
    else:
        whole = "f => f.selectionStart === 0 && f.selectionEnd === f.value.length"
        assert phone.locator("#new-password").evaluate(whole)
    phone.screenshot(path=str(artifacts_dir / "phone-sync-375.png"), full_page=True)

    card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:plumber\r\nFN:Paulo the plumber\r\nEND:VCARD\r\n"
    auth = base64.b64encode(f"{person.username}:{secret}".encode()).decode()
    response = Client(enforce_csrf_checks=True).generic(
        "PUT", f"/dav/{person.username}/all/plumber.vcf", card, HTTP_AUTHORIZATION=f"Basic {auth}"
    )
    assert response.status_code == 201
    contact = Contact.objects.get(owner=person, uid="plumber")
    phone.goto("/contacts/")
    section = phone.get_by_role("region", name="New from your phone")
    assert _fits(phone)
    phone.screenshot(path=str(artifacts_dir / "contacts-new-from-phone-375.png"))
    # The intention of the book it was saved in (All: both) is the filled button: one tap keeps it.
    choice = section.get_by_role("form", name="Intention for Paulo the plumber")
    assert "secondary" not in (choice.get_by_role("button", name="Both").get_attribute("class") or "")
    with phone.expect_navigation():
        choice.get_by_role("button", name="Personal").click()
    expect(phone.get_by_role("region", name="New from your phone")).to_have_count(0)
    contact.refresh_from_db()
    assert (contact.intention, contact.new_from_phone, contact.reminders_paused) == ("personal", False, False)
