"""My card (issue #12): the user's own details, kept in settings and shown as a QR code of a vCard 4.0 that
works under the CSP; each user sees and edits only their own."""

from __future__ import annotations

import re

import pytest
import segno
from django.test import Client
from django.urls import reverse

from contacts.models import MyCard
from contacts.mycard import my_card_vcard
from transfer.vcard import vcard_parse

pytestmark = pytest.mark.django_db

MAYA = {
    "name": "Maya Lindqvist",
    "email": "maya@example.com",
    "phone": "+44 20 7946 0000",
    "company": "Lindqvist; Sons, Ltd",
    "job_title": "Head of Climbing",
    "url": "https://maya.example.com/about",
}


def _modules(svg: str) -> list[list[bool]]:
    """The dark modules of segno's inline SVG path (absolute M, relative m and h, one unit a module)."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    grid = [[False] * size for _ in range(size)]
    x = y = 0.0
    for op, args in re.findall(r"([MmHh])([^MmHh]*)", re.search(r' d="([^"]+)"', svg).group(1)):
        numbers = [float(n) for n in args.replace(",", " ").split()]
        if op == "M":
            x, y = numbers
        elif op == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            for column in range(int(x), int(x + numbers[0])):
                grid[int(y)][column] = True
            x += numbers[0]
    return grid


def test_my_card_is_kept_in_settings_and_shown_as_a_qr_of_its_vcard(alice, alice_client: Client):
    assert "Fill in my card" in alice_client.get(reverse("my_card")).content.decode()
    response = alice_client.post(reverse("my_card_edit"), MAYA)
    assert response.status_code == 302 and response.url == reverse("my_card")
    card = MyCard.objects.get(owner=alice)
    page = alice_client.get(reverse("my_card")).content.decode()
    svg = re.search(r"<svg[^>]*qr-code.*?</svg>", page, re.S).group(0)
    # Under the CSP: no style attribute and no <style> in the markup.
    assert "style" not in svg
    payload = my_card_vcard(card)
    expected = segno.make(payload, error="m", micro=False, boost_error=False)
    assert _modules(svg) == [[bool(v) for v in row] for row in expected.matrix_iter(border=4)]
    # What the QR code holds: a vCard 4.0 that a reader (Kith's own import) takes back whole.
    assert payload.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n") and payload.endswith("END:VCARD\r\n")
    (read,) = vcard_parse(payload)
    assert read.display_name == "Maya Lindqvist" and read.family_name == "Lindqvist"
    assert read.company == "Lindqvist; Sons, Ltd" and read.title == "Head of Climbing"
    assert [e for e, _ in read.emails] == ["maya@example.com"]
    assert [p for p, _ in read.phones] == ["+44 20 7946 0000"]
    assert read.links == ["https://maya.example.com/about"]
    # Big enough to scan across a table: CSS draws it the width of a phone (static/css/kith.css .qr-code).
    assert 'class="qr-code"' in svg


def test_my_card_is_linked_from_settings_and_more(alice_client: Client):
    for name in ("settings", "more"):
        html = alice_client.get(reverse(name)).content.decode()
        assert reverse("my_card") in html or reverse("my_card_edit") in html


def test_each_user_sees_and_edits_only_their_own_card(alice, bob, client: Client):
    MyCard.objects.create(owner=alice, **MAYA)
    client.force_login(bob)
    assert "Maya" not in client.get(reverse("my_card")).content.decode()
    assert "Maya" not in client.get(reverse("my_card_edit")).content.decode()
    client.post(reverse("my_card_edit"), {**MAYA, "name": "Bob"})
    assert MyCard.objects.get(owner=alice).name == "Maya Lindqvist"
    assert MyCard.objects.get(owner=bob).name == "Bob"


def test_my_card_needs_a_login(client: Client):
    assert client.get(reverse("my_card")).status_code == 302
    assert client.post(reverse("my_card_edit"), MAYA).status_code == 302
    assert not MyCard.objects.exists()


def test_a_bad_email_or_link_saves_nothing(alice_client: Client):
    response = alice_client.post(
        reverse("my_card_edit"), {**MAYA, "email": "nope", "url": "javascript:alert(1)"}
    )
    assert response.status_code == 200 and "Nothing was saved" in response.content.decode()
    assert not MyCard.objects.exists()
