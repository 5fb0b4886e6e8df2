"""Scan theirs (issue #12): a capture row's photo of a QR code fills the row. "My card" rendered as an image
fills a row with that card; a badge's URL lands in the context line; a blank photo says no code was found;
oversized and hostile images are refused with a clear message, and nothing is saved."""

from __future__ import annotations

import io
import os
import uuid

import pytest
import segno
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.choices import Intention
from contacts.models import Contact, MyCard
from contacts.mycard import my_card_vcard
from interactions import scan
from interactions.models import Event
from interactions.scan import code_read
from tests.factories import EventFactory

HTMX = {"HX-Request": "true"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(alice) -> Event:
    return EventFactory(owner=alice, name="PyCon", start_date=timezone.localdate())


def _qr_png(text: str, scale: int = 8) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def _image(width: int, height: int, kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height), 255).save(out, kind)
    return out.getvalue()


def _send(client: Client, event: Event, photo: bytes, filename: str = "photo.png", **fields: str):
    data = {"intention": Intention.PROFESSIONAL, "row_key": uuid.uuid4().hex, "name": "", **fields}
    data["photo"] = SimpleUploadedFile(filename, photo, content_type="image/png")
    return client.post(reverse("capture_event", args=[event.pk]), data, headers=HTMX)


def test_my_card_as_a_photo_fills_the_row_with_that_card(alice, bob, alice_client: Client, event):
    card = MyCard.objects.create(
        owner=bob,
        name="Bruno Costa",
        email="bruno@example.com",
        phone="+351 912 345 678",
        company="Costa; Filhos",
        job_title="Founder",
    )
    response = _send(alice_client, event, _qr_png(my_card_vcard(card)))
    assert 'data-state="saved"' in response.content.decode()
    contact = Contact.objects.get(owner=alice)
    assert contact.display_name == "Bruno Costa" and contact.company == "Costa; Filhos"
    assert [e.address for e in contact.emails.all()] == ["bruno@example.com"]
    assert [p.number for p in contact.phones.all()] == ["+351 912 345 678"]


def test_what_the_person_typed_wins_over_the_code(alice, alice_client: Client, event):
    vcard = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Ito;Hana;;;\r\nEMAIL:hana@example.com\r\nEND:VCARD\r\n"
    _send(alice_client, event, _qr_png(vcard), name="Hana I.")
    contact = Contact.objects.get(owner=alice)
    assert contact.display_name == "Hana I." and contact.emails.get().address == "hana@example.com"


def test_a_mecard_fills_the_row(alice, alice_client: Client, event):
    _send(alice_client, event, _qr_png("MECARD:N:Quinn,Dara;TEL:+44 20 7946 0000;EMAIL:dara@example.com;;"))
    contact = Contact.objects.get(owner=alice)
    assert contact.display_name == "Dara Quinn" and contact.phones.get().number == "+44 20 7946 0000"


def test_a_badges_url_lands_in_the_context_line(alice, alice_client: Client, event):
    response = _send(alice_client, event, _qr_png("https://badges.example.org/p/4411"), name="Eli Moreau")
    assert 'data-state="saved"' in response.content.decode()
    contact = Contact.objects.get(owner=alice)
    assert contact.display_name == "Eli Moreau"
    assert contact.interactions.get().notes == "https://badges.example.org/p/4411"


def test_a_badge_without_a_name_comes_back_with_its_url_and_asks_for_the_name(alice_client: Client, event):
    html = _send(alice_client, event, _qr_png("https://badges.example.org/p/4411")).content.decode()
    assert 'data-state="error"' in html and 'value="https://badges.example.org/p/4411"' in html
    assert not Contact.objects.exists()


def test_a_blank_photo_says_no_code_was_found(alice_client: Client, event):
    html = _send(alice_client, event, _image(400, 300), name="Fatima Zahra").content.decode()
    assert "No QR code was found in the photo" in html and 'data-state="error"' in html
    assert not Contact.objects.exists()


def test_an_oversized_photo_is_refused(alice_client: Client, event, monkeypatch):
    html = _send(alice_client, event, _image(5000, 4000), name="Gita Rao").content.decode()
    assert "too many pixels" in html
    monkeypatch.setattr(scan, "MAX_PHOTO_BYTES", 1000)
    noise = io.BytesIO()
    Image.frombytes("L", (200, 200), os.urandom(200 * 200)).save(noise, "PNG")
    html = _send(alice_client, event, noise.getvalue(), name="Gita Rao").content.decode()
    assert "The photo is too big" in html
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    "photo",
    [
        b"not an image at all",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,  # a PNG header and nothing sound after it
        _image(50, 50, "PNG")[:60],  # cut short
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    ],
)
def test_hostile_or_broken_files_answer_a_clear_error(alice_client: Client, event, photo):
    html = _send(alice_client, event, photo, name="Ivo Marsh").content.decode()
    assert "That file is not a photo Kith can read." in html
    assert not Contact.objects.exists()


def test_a_decompression_bomb_is_refused_before_it_is_decoded(alice_client: Client, event):
    # A PNG that claims 30,000 x 30,000 pixels in a few kilobytes.
    bomb = io.BytesIO()
    Image.new("1", (30_000, 30_000), 1).save(bomb, "PNG", optimize=True)
    html = _send(alice_client, event, bomb.getvalue(), name="Jo Bloggs").content.decode()
    assert "too many pixels" in html or "not a photo Kith can read" in html
    assert not Contact.objects.exists()


def test_code_read_unescapes_vcard_text():
    read = code_read("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ana N\\, Jr.\r\nORG:A\\;B;Unit\r\nEND:VCARD")
    assert read.name == "Ana N, Jr." and read.company == "A;B"
