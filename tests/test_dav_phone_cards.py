"""A card a phone PUT is served back byte for byte, with the ETag the PUT was answered with, until it changes
in Kith (dav.models.PhoneCard); and a PROPFIND on the site's root leads a client to its address books."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.choices import Intention
from api.models import Scope
from api.tokens import token_create
from contacts.actions import contact_set_tags, contact_update
from contacts.models import Contact
from tests.test_dav import C, D, basic, card, prop_text, propfind, put, report, sync, xml

# A phone's own way of writing a card: its order, its line ends, its spellings. Kith writes none of this
# the same way, so a card served byte for byte is the phone's.
PHONE_30 = (
    b"BEGIN:VCARD\nVERSION:3.0\nPRODID:-//Apple Inc.//iPhone OS 18.1//EN\nN:Lima;Ana;;;\nFN:Ana Lima\n"
    b"item1.TEL;type=CELL;type=pref:+351 912 345 678\nORG:Climbing gym;\nUID:ana-1\nEND:VCARD\n"
)
PHONE_40 = (
    b"BEGIN:VCARD\r\nVERSION:4.0\r\nUID:ana-1\r\nFN:Ana Lima\r\nN:Lima;Ana;;;\r\n"
    b"TEL;TYPE=cell:+351 912 345 678\r\nORG:Climbing gym\r\nEND:VCARD\r\n"
)
ACCEPT_40 = "text/vcard; version=4.0"


@pytest.fixture
def phone(alice):
    """A client signed in as alice with a write app password; like a phone, it sends no CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.defaults.update(basic("alice", token_create(alice, "phone", Scope.WRITE)[1]))
    return client


def _etags(response) -> dict[str, str]:
    """The getetag of each card in a multistatus, by card name."""
    return {
        (r.findtext(f"{D}href") or "").rsplit("/", 1)[-1]: r.findtext(f".//{D}getetag") or ""
        for r in xml(response).findall(f"{D}response")
        if r.find(f".//{D}getetag") is not None
    }


@pytest.mark.parametrize(("body", "accept"), [(PHONE_30, ""), (PHONE_40, ACCEPT_40)])
def test_a_put_is_answered_with_the_etag_every_read_then_gives_for_the_same_bytes(phone, alice, body, accept):
    _, token = sync(phone, "friendships")
    response = put(phone, "/dav/alice/friendships/ana.vcf", body, HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 201
    etag = response["ETag"]
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    got = phone.get("/dav/alice/friendships/ana.vcf", **headers)
    assert got.content == body and got["ETag"] == etag
    # The same text and ETag by PROPFIND, multiget and sync-collection, in every book the card is in.
    listing = propfind(
        phone, "/dav/alice/all/", '<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>', "1"
    )
    assert _etags(listing)["ana.vcf"] == etag
    version = '<C:address-data version="4.0"/>' if accept else "<C:address-data/>"
    multiget = (
        '<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/>'
        f"{version}</D:prop><D:href>/dav/alice/friendships/ana.vcf</D:href></C:addressbook-multiget>"
    )
    answer = report(phone, "/dav/alice/friendships/", multiget)
    assert _etags(answer) == {"ana.vcf": etag}
    assert prop_text(answer, f"{C}address-data").encode() == body
    changes = report(
        phone,
        "/dav/alice/friendships/",
        '<d:sync-collection xmlns:d="DAV:"><d:sync-token>'
        f"{token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop>"
        "</d:sync-collection>",
    )
    assert _etags(changes) == {"ana.vcf": etag}
    # What Kith read from it is in Kith as from any card.
    ana = Contact.objects.get(owner=alice, uid="ana-1")
    assert (ana.display_name, ana.company, ana.intention) == ("Ana Lima", "Climbing gym", Intention.PERSONAL)


def test_a_kith_edit_after_a_put_changes_the_etag_and_serves_kiths_card(phone, alice):
    etag = put(phone, "/dav/alice/friendships/ana.vcf", PHONE_30)["ETag"]
    ana = Contact.objects.get(owner=alice, uid="ana-1")
    contact_update(ana, title="Founder")
    got = phone.get("/dav/alice/friendships/ana.vcf")
    text = got.content.decode()
    assert got["ETag"] != etag
    assert "TITLE:Founder" in text and "X-KITH-INTENTION:personal" in text and "PRODID:-//Kith" in text
    # The phone's copy is now stale: a write with its ETag is refused and changes nothing.
    stale = put(
        phone, "/dav/alice/friendships/ana.vcf", card("ana-1", "Ana from the phone"), HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    ana.refresh_from_db()
    assert (ana.display_name, ana.title) == ("Ana Lima", "Founder")
    # A change to what the card is written from but not to the contact's row (its tags) counts too.
    fresh = put(phone, "/dav/alice/friendships/ana.vcf", PHONE_30, HTTP_IF_MATCH=got["ETag"])
    assert fresh.status_code == 204 and phone.get("/dav/alice/friendships/ana.vcf").content == PHONE_30
    contact_set_tags(ana, ["climbing"])
    assert "CATEGORIES:climbing" in phone.get("/dav/alice/friendships/ana.vcf").content.decode()


def test_the_phone_writes_again_with_the_etag_its_put_got_and_its_other_devices_hear_of_it(phone, alice):
    etag = put(phone, "/dav/alice/all/ana.vcf", PHONE_30)["ETag"]
    _, token = sync(phone, "all")
    # The same person, written out again by the phone in another form: nothing Kith keeps changed, but the
    # card did, so its ETag does and a sync from before hears of it.
    again = PHONE_30.replace(b"\n", b"\r\n")
    response = put(phone, "/dav/alice/all/ana.vcf", again, HTTP_IF_MATCH=etag)
    assert response.status_code == 204 and response["ETag"] not in ("", etag)
    assert sync(phone, "all", token)[0] == {"ana.vcf": 200}
    assert phone.get("/dav/alice/all/ana.vcf").content == again


def test_a_card_read_in_the_other_version_is_kiths_with_the_same_etag(phone, alice):
    etag = put(phone, "/dav/alice/all/ana.vcf", PHONE_30)["ETag"]
    four = phone.get("/dav/alice/all/ana.vcf", HTTP_ACCEPT=ACCEPT_40)
    assert four["ETag"] == etag
    assert "VERSION:4.0" in four.content.decode() and "PRODID:-//Kith" in four.content.decode()


@pytest.mark.parametrize(
    "body",
    [
        # vCard 2.1, which Kith does not serve.
        card("old-1", "Old Phone", "TEL;CELL:+351 912 345 678", version="2.1"),
        # A character XML cannot carry (the reader reads past it), so no REPORT could serve it as sent.
        card("old-1", "Old Phone", "X-FOLDER:a\x0cb"),
        # Something after the card.
        card("old-1", "Old Phone") + b"\x01more",
    ],
)
def test_a_card_kith_cannot_serve_as_sent_is_answered_without_an_etag_and_read_as_kiths(phone, alice, body):
    response = put(phone, "/dav/alice/all/old.vcf", body)
    assert response.status_code == 201 and not response.has_header("ETag")
    text = phone.get("/dav/alice/all/old.vcf").content.decode()
    assert "VERSION:3.0" in text and "FN:Old Phone" in text and "PRODID:-//Kith" in text
    multiget = (
        '<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop>'
        "<C:address-data/></D:prop><D:href>/dav/alice/all/old.vcf</D:href></C:addressbook-multiget>"
    )
    assert prop_text(report(phone, "/dav/alice/all/", multiget), f"{C}address-data") == text


# The site's root -------------------------------------------------------------------------------------------


def test_a_propfind_on_the_site_root_leads_to_the_principal_and_get_is_still_the_home_page(phone, alice):
    body = '<propfind xmlns="DAV:"><prop><current-user-principal/><resourcetype/></prop></propfind>'
    response = propfind(phone, "/", body)
    assert response.status_code == 207
    assert xml(response).findtext(f"{D}response/{D}href") == "/"
    assert prop_text(response, f"{D}current-user-principal") == "/dav/alice/"
    home = '<propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><prop><C:addressbook-home-set/>'
    assert prop_text(propfind(phone, "/", home + "</prop></propfind>"), f"{C}addressbook-home-set") == (
        "/dav/alice/"
    )
    anonymous = propfind(Client(enforce_csrf_checks=True), "/", body)
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Basic")
    assert propfind(Client(), "/", body, **basic("alice", "not a token")).status_code == 401
    # The home page is as it was: a page for a signed-in person, the login page for anyone else.
    assert Client().get("/").status_code == 302
    page = Client()
    page.force_login(alice)
    assert page.get("/").status_code == 200
