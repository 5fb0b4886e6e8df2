"""CardDAV (the dav app): discovery, reading, sync-collection with tombstones, writes with preconditions,
ownership and bounds, spoken to as a phone would with custom methods on the test client."""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from accounts.choices import Intention
from accounts.models import User
from api.models import Scope
from api.tokens import token_create, token_revoke
from contacts.actions import (
    BulkAction,
    contact_archive,
    contact_delete,
    contact_set_emails,
    contact_set_tags,
    contact_update,
    contacts_bulk_change,
)
from contacts.models import CardChange, Contact, Tag
from tests.factories import PASSWORD, ContactFactory, InteractionFactory
from tests.migrating import migrate_to_just_before
from transfer.merge import contact_merge

D = "{DAV:}"
C = "{urn:ietf:params:xml:ns:carddav}"
CS = "{http://calendarserver.org/ns/}"


def basic(username: str, password: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {encoded}"}


@pytest.fixture
def phone(alice):
    """A client signed in as alice with a write app password; like a phone, it sends no CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.defaults.update(basic("alice", token_create(alice, "phone", Scope.WRITE)[1]))
    return client


def propfind(client, path: str, body: str = "", depth: str = "0", **headers: str):
    return client.generic("PROPFIND", path, body, content_type="application/xml", HTTP_DEPTH=depth, **headers)


def report(client, path: str, body: str):
    return client.generic("REPORT", path, body, content_type="application/xml", HTTP_DEPTH="1")


def xml(response) -> ET.Element:
    return ET.fromstring(response.content)


def prop_text(response, name: str) -> str:
    element = xml(response).find(f".//{name}")
    assert element is not None, response.content
    return "".join(element.itertext())


def card(uid: str, name: str, *extra: str, version: str = "3.0") -> bytes:
    lines = ["BEGIN:VCARD", f"VERSION:{version}", f"UID:{uid}", f"FN:{name}", *extra, "END:VCARD"]
    return ("\r\n".join(lines) + "\r\n").encode()


def put(client, path: str, body: bytes, **headers: str):
    return client.generic("PUT", path, body, content_type="text/vcard; charset=utf-8", **headers)


def sync(client, book: str, token: str = "") -> tuple[dict[str, int], str]:
    """The hrefs a sync-collection REPORT answers, with their status (200 or 404), and the new token."""
    body = (
        '<d:sync-collection xmlns:d="DAV:"><d:sync-token>'
        f"{token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop>"
        "</d:sync-collection>"
    )
    response = report(client, f"/dav/alice/{book}/", body)
    assert response.status_code == 207, response.content
    root = xml(response)
    statuses = {}
    for item in root.findall(f"{D}response"):
        href = item.findtext(f"{D}href") or ""
        status = item.findtext(f"{D}status") or item.findtext(f"{D}propstat/{D}status") or ""
        statuses[href.rsplit("/", 1)[-1]] = int(status.split()[1])
    return statuses, root.findtext(f"{D}sync-token") or ""


def etag_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response["ETag"]


def ctag(client) -> str:
    return prop_text(
        propfind(client, "/dav/alice/all/", '<propfind xmlns="DAV:"><allprop/></propfind>'), f"{CS}getctag"
    )


# Discovery and reading -------------------------------------------------------------------------------------


def test_well_known_leads_to_the_principal_and_its_three_books(phone):
    response = phone.generic("PROPFIND", "/.well-known/carddav")
    assert response.status_code == 301 and response["Location"] == "/dav/"
    body = '<propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>'
    assert prop_text(propfind(phone, "/dav/", body), f"{D}current-user-principal") == "/dav/alice/"
    body = (
        '<propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
        "<prop><C:addressbook-home-set/></prop></propfind>"
    )
    assert prop_text(propfind(phone, "/dav/alice/", body), f"{C}addressbook-home-set") == "/dav/alice/"
    body = '<propfind xmlns="DAV:"><prop><resourcetype/><displayname/></prop></propfind>'
    listing = xml(propfind(phone, "/dav/alice/", body, depth="1"))
    books = {
        r.findtext(f"{D}href"): r.findtext(f".//{D}displayname")
        for r in listing.findall(f"{D}response")
        if r.find(f".//{C}addressbook") is not None
    }
    assert books == {
        "/dav/alice/all/": "All",
        "/dav/alice/friendships/": "Friendships",
        "/dav/alice/network/": "Network",
    }


def test_the_books_hold_contacts_by_intention_and_not_the_archived(phone, alice):
    ContactFactory(owner=alice, display_name="Pia", intention=Intention.PERSONAL)
    ContactFactory(owner=alice, display_name="Neil", intention=Intention.PROFESSIONAL)
    ContactFactory(owner=alice, display_name="Bea", intention=Intention.BOTH)
    contact_archive(ContactFactory(owner=alice, display_name="Gone", intention=Intention.BOTH))
    body = '<propfind xmlns="DAV:"><prop><displayname/></prop></propfind>'

    def names(book: str) -> set[str]:
        root = xml(propfind(phone, f"/dav/alice/{book}/", body, depth="1"))
        return {r.findtext(f".//{D}displayname") for r in root.findall(f"{D}response")[1:]}

    assert names("all") == {"Pia", "Neil", "Bea"}
    assert names("friendships") == {"Pia", "Bea"}
    assert names("network") == {"Neil", "Bea"}


def test_a_card_is_vcard_3_by_default_and_4_when_asked_with_apples_birthday_without_a_year(phone, alice):
    contact = ContactFactory(owner=alice, display_name="Ana Lima", birthday_month=3, birthday_day=15)
    contact.vcard_extra = "X-SOCIALPROFILE;TYPE=mastodon:https://example.social/@ana"
    contact.save()
    path = f"/dav/alice/all/{contact.card_name}"
    three = phone.get(path).content.decode()
    assert "VERSION:3.0" in three and f"UID:{contact.uid}" in three
    assert "BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-15" in three
    assert "X-SOCIALPROFILE;TYPE=mastodon:https://example.social/@ana" in three
    four = phone.get(path, HTTP_ACCEPT="text/vcard; version=4.0").content.decode()
    assert "VERSION:4.0" in four and "BDAY:--0315" in four
    assert phone.get(path)["ETag"] == phone.get(path, HTTP_ACCEPT="text/vcard; version=4.0")["ETag"]


def test_multiget_and_query_answer_as_clients_ask(phone, alice):
    ana = ContactFactory(owner=alice, display_name="Ana Lima")
    ContactFactory(owner=alice, display_name="Bruno Sousa")
    body = (
        '<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/>'
        '<C:address-data content-type="text/vcard" version="4.0"/></D:prop>'
        f"<D:href>/dav/alice/all/{ana.card_name}</D:href><D:href>/dav/alice/all/nobody.vcf</D:href>"
        "</C:addressbook-multiget>"
    )
    root = xml(report(phone, "/dav/alice/all/", body))
    answers = {r.findtext(f"{D}href"): r for r in root.findall(f"{D}response")}
    assert "FN:Ana Lima" in answers[f"/dav/alice/all/{ana.card_name}"].findtext(f".//{C}address-data")
    assert "VERSION:4.0" in answers[f"/dav/alice/all/{ana.card_name}"].findtext(f".//{C}address-data")
    assert "404" in answers["/dav/alice/all/nobody.vcf"].findtext(f"{D}status")
    query = (
        '<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/>'
        '</D:prop><C:filter><C:prop-filter name="FN"><C:text-match match-type="contains">bruno</C:text-match>'
        "</C:prop-filter></C:filter></C:addressbook-query>"
    )
    root = xml(report(phone, "/dav/alice/all/", query))
    assert len(root.findall(f"{D}response")) == 1
    everyone = (
        '<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
        "<D:prop><D:getetag/></D:prop></C:addressbook-query>"
    )
    assert len(xml(report(phone, "/dav/alice/all/", everyone)).findall(f"{D}response")) == 2


# Sync ------------------------------------------------------------------------------------------------------


def test_sync_from_an_old_token_returns_the_changes_and_tombstones(phone, alice):
    kept = ContactFactory(owner=alice, display_name="Kept", intention=Intention.PERSONAL)
    edited = ContactFactory(owner=alice, display_name="Edited", intention=Intention.PERSONAL)
    deleted = ContactFactory(owner=alice, display_name="Deleted", intention=Intention.PERSONAL)
    archived = ContactFactory(owner=alice, display_name="Archived", intention=Intention.PERSONAL)
    moved = ContactFactory(owner=alice, display_name="Moved", intention=Intention.PERSONAL)
    first, token = sync(phone, "friendships")
    assert set(first) == {c.card_name for c in (kept, edited, deleted, archived, moved)}

    contact_update(edited, display_name="Edited again")
    contact_delete(deleted)
    contact_archive(archived)
    contact_update(moved, intention=Intention.PROFESSIONAL)
    new = put(phone, "/dav/alice/friendships/new.vcf", card("new-1", "Newly made"))
    assert new.status_code == 201

    changes, token2 = sync(phone, "friendships", token)
    assert changes == {
        edited.card_name: 200,
        deleted.card_name: 404,
        archived.card_name: 404,
        moved.card_name: 404,
        "new.vcf": 200,
    }
    network, _ = sync(phone, "network", token)
    assert network[moved.card_name] == 200
    assert sync(phone, "friendships", token2)[0] == {}


def test_an_unknown_sync_token_is_refused_as_valid_sync_token(phone, alice):
    ContactFactory(owner=alice)
    body = (
        '<d:sync-collection xmlns:d="DAV:"><d:sync-token>{}</d:sync-token>'
        "<d:prop><d:getetag/></d:prop></d:sync-collection>"
    )
    for token in ("urn:kith:sync:999999999", "http://elsewhere/sync/1", "urn:kith:sync:-1"):
        response = report(phone, "/dav/alice/all/", body.format(token))
        assert response.status_code == 403
        assert xml(response).find(f"{D}valid-sync-token") is not None


def test_the_ctag_changes_on_every_change(phone, alice):
    contact = ContactFactory(owner=alice, display_name="Ana")
    seen = [ctag(phone)]
    contact_update(contact, company="Climbing gym")
    seen.append(ctag(phone))
    contact_set_emails(contact, ["ana@example.org"])
    seen.append(ctag(phone))
    contact_set_tags(contact, ["climbing"])
    seen.append(ctag(phone))
    contact_archive(contact)
    seen.append(ctag(phone))
    assert put(phone, "/dav/alice/all/x.vcf", card("x", "Xavier")).status_code == 201
    seen.append(ctag(phone))
    assert len(set(seen)) == len(seen)


# Writing ---------------------------------------------------------------------------------------------------


def test_a_card_made_on_the_phone_takes_its_books_intention_with_reminders_paused(phone, alice):
    for book, uid, intention in (
        ("friendships", "f-1", Intention.PERSONAL),
        ("network", "n-1", Intention.PROFESSIONAL),
        ("all", "a-1", Intention.BOTH),
    ):
        body = card(uid, f"Made in {book}", "TEL;TYPE=CELL:+351 912 345 678", "EMAIL;TYPE=WORK:x@example.org")
        assert put(phone, f"/dav/alice/{book}/{uid}.vcf", body, HTTP_IF_NONE_MATCH="*").status_code == 201
        contact = Contact.objects.get(owner=alice, uid=uid)
        assert contact.intention == intention
        assert contact.reminders_paused and contact.new_from_phone
        assert [(p.number, p.label) for p in contact.phones.all()] == [("+351 912 345 678", "cell")]
        assert [(e.address, e.label) for e in contact.emails.all()] == [("x@example.org", "work")]
    contact_update(contact, intention=Intention.BOTH)
    contact.refresh_from_db()
    assert not contact.new_from_phone and not contact.reminders_paused


def test_unknown_properties_are_kept_and_served_back(phone, alice):
    extra = "X-PHONETIC-FIRST-NAME:Ahna"
    assert (
        put(
            phone, "/dav/alice/all/k.vcf", card("k", "Ana", extra, "ADR;TYPE=HOME:;;Rua 1;Lisboa;;;PT")
        ).status_code
        == 201
    )
    served = phone.get("/dav/alice/all/k.vcf").content.decode()
    assert extra in served and "ADR;TYPE=HOME:;;Rua 1;Lisboa;;;PT" in served
    assert served.count("UID:") == 1


def test_if_none_match_star_on_an_existing_card_is_412_and_changes_nothing(phone, alice):
    contact = ContactFactory(owner=alice, display_name="Ana")
    path = f"/dav/alice/all/{contact.card_name}"
    response = put(phone, path, card(contact.uid, "Someone else"), HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 412
    contact.refresh_from_db()
    assert contact.display_name == "Ana"


def test_a_stale_if_match_is_412_and_never_overwrites_a_newer_kith_edit(phone, alice):
    contact = ContactFactory(owner=alice, display_name="Ana", company="Old")
    path = f"/dav/alice/all/{contact.card_name}"
    etag = etag_of(phone, path)
    contact_update(contact, company="New in Kith")
    response = put(phone, path, card(contact.uid, "Ana from the phone", "ORG:Phone"), HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    contact.refresh_from_db()
    assert (contact.display_name, contact.company) == ("Ana", "New in Kith")
    assert phone.delete(path, HTTP_IF_MATCH=etag).status_code == 412
    contact.refresh_from_db()
    assert contact.archived_at is None
    fresh = etag_of(phone, path)
    assert (
        put(phone, path, card(contact.uid, "Ana Lima", "ORG:Phone"), HTTP_IF_MATCH=fresh).status_code == 204
    )
    contact.refresh_from_db()
    assert (contact.display_name, contact.company) == ("Ana Lima", "Phone")


def test_a_delete_archives_and_keeps_the_interactions(phone, alice):
    contact = ContactFactory(owner=alice, intention=Intention.PERSONAL)
    InteractionFactory(owner=alice, contacts=[contact])
    assert phone.delete(f"/dav/alice/friendships/{contact.card_name}").status_code == 204
    contact.refresh_from_db()
    assert contact.archived_at is not None and contact.interactions.count() == 1
    assert phone.get(f"/dav/alice/all/{contact.card_name}").status_code == 404


def test_deleting_a_both_contact_from_one_intention_book_drops_that_side_only(phone, alice):
    contact = ContactFactory(owner=alice, intention=Intention.BOTH)
    assert phone.delete(f"/dav/alice/friendships/{contact.card_name}").status_code == 204
    contact.refresh_from_db()
    assert contact.intention == Intention.PROFESSIONAL and contact.archived_at is None
    assert phone.get(f"/dav/alice/network/{contact.card_name}").status_code == 200


def test_a_put_with_a_known_uid_updates_and_unarchives_it_a_move_between_books(phone, alice):
    contact = ContactFactory(owner=alice, display_name="Ana", intention=Intention.PERSONAL)
    InteractionFactory(owner=alice, contacts=[contact])
    # A move on the phone: deleted from Friendships, then put into Network under the same UID.
    assert phone.delete(f"/dav/alice/friendships/{contact.card_name}").status_code == 204
    body = card(contact.uid, "Ana Lima")
    assert put(phone, "/dav/alice/network/moved.vcf", body, HTTP_IF_NONE_MATCH="*").status_code == 204
    contact.refresh_from_db()
    assert contact.archived_at is None and contact.intention == Intention.PROFESSIONAL
    assert contact.card_name == "moved.vcf" and contact.display_name == "Ana Lima"
    assert Contact.objects.filter(owner=alice).count() == 1 and contact.interactions.count() == 1


# Ownership, bounds and scopes ------------------------------------------------------------------------------


def test_another_users_token_paths_and_uids_are_404(client, alice, bob):
    theirs = ContactFactory(owner=bob, display_name="Bob's friend")
    client.defaults.update(basic("alice", token_create(alice, "phone", Scope.WRITE)[1]))
    assert propfind(client, "/dav/bob/").status_code == 404
    assert propfind(client, "/dav/bob/all/", depth="1").status_code == 404
    assert client.get(f"/dav/bob/all/{theirs.card_name}").status_code == 404
    assert client.get(f"/dav/alice/all/{theirs.card_name}").status_code == 404
    assert client.delete(f"/dav/alice/all/{theirs.card_name}").status_code == 404
    # Bob's UID in Alice's book is a new card of Alice's; Bob's contact is untouched.
    assert put(client, "/dav/alice/all/new.vcf", card(theirs.uid, "Mine")).status_code == 201
    theirs.refresh_from_db()
    assert theirs.display_name == "Bob's friend" and theirs.archived_at is None
    # Bob's token with Alice's username, or a revoked token, is no sign-in at all.
    bobs_token, bobs_raw = token_create(bob, "phone", Scope.WRITE)
    assert propfind(client, "/dav/alice/", **basic("alice", bobs_raw)).status_code == 401
    token_revoke(bobs_token)
    assert propfind(client, "/dav/bob/", **basic("bob", bobs_raw)).status_code == 401


def test_an_account_being_deleted_is_refused_before_the_worker_deletes_it(phone, alice, bob):
    ContactFactory(owner=alice, display_name="Ana")
    assert propfind(phone, "/dav/alice/all/", depth="1").status_code == 207
    browser = Client()
    browser.force_login(alice)
    browser.post(reverse("account_delete"), {"password": PASSWORD})
    assert User.objects.filter(pk=alice.pk).exists()
    assert propfind(phone, "/dav/alice/all/", depth="1").status_code == 401
    assert phone.get("/dav/alice/all/").status_code == 401
    bobs = basic("bob", token_create(bob, "phone", Scope.READ)[1])
    assert propfind(Client(), "/dav/bob/all/", depth="1", **bobs).status_code == 207


def test_a_read_token_reads_and_every_write_is_403(client, alice):
    contact = ContactFactory(owner=alice, display_name="Ana")
    client.defaults.update(basic("alice", token_create(alice, "phone", Scope.READ)[1]))
    path = f"/dav/alice/all/{contact.card_name}"
    assert client.get(path).status_code == 200
    assert put(client, path, card(contact.uid, "Changed")).status_code == 403
    assert client.delete(path).status_code == 403
    body = '<propfind xmlns="DAV:"><prop><current-user-privilege-set/></prop></propfind>'
    privileges = xml(propfind(client, "/dav/alice/all/", body))
    assert privileges.find(f".//{D}write") is None and privileges.find(f".//{D}read") is not None
    contact.refresh_from_db()
    assert contact.display_name == "Ana" and contact.archived_at is None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not a card", 400),
        (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No uid\r\nEND:VCARD\r\n", 400),
        (b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u\r\nEND:VCARD\r\n", 400),
        (b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u\r\nFN:Cut off\r\n", 400),
        (card("u", "Ana", *[f"EMAIL:a{i}@example.org" for i in range(11)]), 400),
        (card("u", "A" * 201), 400),
        (b"\xff\xfe not utf-8", 400),
        (card("u", "Ana", "PHOTO;ENCODING=b;TYPE=JPEG:" + "A" * (6 * 1024 * 1024)), 413),
    ],
)
def test_bad_cards_and_bodies_past_the_bound_change_nothing(phone, alice, body, status):
    contact = ContactFactory(owner=alice, display_name="Ana", uid="u", card_name="u.vcf")
    before = ctag(phone)
    assert put(phone, "/dav/alice/all/u.vcf", body).status_code == status
    assert put(phone, "/dav/alice/all/other.vcf", body).status_code == status
    contact.refresh_from_db()
    assert contact.display_name == "Ana" and Contact.objects.filter(owner=alice).count() == 1
    assert ctag(phone) == before


def test_hostile_xml_is_refused(phone, alice):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        '<propfind xmlns="DAV:"><prop><displayname>&lol2;</displayname></prop></propfind>'
    )
    assert propfind(phone, "/dav/alice/all/", bomb).status_code == 400
    assert propfind(phone, "/dav/alice/all/", "<propfind").status_code == 400
    big = '<propfind xmlns="DAV:"><prop>' + "<displayname/>" * 100_000 + "</prop></propfind>"
    assert propfind(phone, "/dav/alice/all/", big).status_code == 413


def test_no_or_wrong_credentials_are_401_with_a_basic_challenge(client, alice):
    response = propfind(client, "/dav/alice/")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Basic")
    assert (
        propfind(client, "/dav/alice/", **basic("alice", "correct horse battery staple")).status_code == 401
    )
    assert re.match(r"1, 3, addressbook", client.options("/dav/")["DAV"])


# Pages -----------------------------------------------------------------------------------------------------


def test_cards_from_the_phone_wait_under_new_from_your_phone_until_the_intention_is_set(phone, alice):
    assert put(phone, "/dav/alice/all/plumber.vcf", card("plumber", "Paulo the plumber")).status_code == 201
    contact = Contact.objects.get(owner=alice, uid="plumber")
    page = Client()
    page.force_login(alice)
    listing = page.get("/contacts/").content.decode()
    assert "New from your phone" in listing and f"/contacts/{contact.pk}/relationship/" in listing
    response = page.post(f"/contacts/{contact.pk}/relationship/", {"intention": "both", "circle": "wider"})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert not contact.new_from_phone and not contact.reminders_paused
    assert "New from your phone" not in page.get("/contacts/").content.decode()


def test_the_phone_sync_page_shows_the_address_and_makes_an_app_password(alice_client, alice):
    page = alice_client.get("/settings/phone-sync/")
    text = page.content.decode()
    assert page.status_code == 200 and "http://testserver/dav/" in text and "DAVx5" in text
    assert "shows people twice" in text
    response = alice_client.post(
        "/settings/phone-sync/",
        {
            "name": "iPhone",
            "scope": "write",
            "books": "intentions",
            "password": "correct horse battery staple",
        },
    )
    secret = re.search(r'value="(kith_[^"]+)"', response.content.decode()).group(1)
    # The password offers the books chosen for it, so an iPhone (which syncs every book offered) shows
    # nobody twice; the book it does not offer is not there for it.
    sync_client = Client(enforce_csrf_checks=True)
    sync_client.defaults.update(basic("alice", secret))
    body = '<propfind xmlns="DAV:"><prop><resourcetype/></prop></propfind>'
    listing = xml(propfind(sync_client, "/dav/alice/", body, depth="1"))
    hrefs = [r.findtext(f"{D}href") for r in listing.findall(f"{D}response")]
    assert hrefs == ["/dav/alice/", "/dav/alice/friendships/", "/dav/alice/network/"]
    assert propfind(sync_client, "/dav/alice/all/").status_code == 404
    assert (
        "Friendships and Network, as two address books"
        in alice_client.get("/settings/phone-sync/").content.decode()
    )
    wrong = {"name": "x", "scope": "write", "books": "all", "password": "wrong"}
    refused = alice_client.post("/settings/phone-sync/", wrong)
    assert refused.status_code == 400 and "kith_" not in refused.content.decode()


def test_a_bulk_intention_change_also_starts_the_reminders_of_cards_from_the_phone(phone, alice):
    assert put(phone, "/dav/alice/network/p.vcf", card("p", "Paula")).status_code == 201
    contact = Contact.objects.get(owner=alice, uid="p")
    assert contacts_bulk_change(alice, [contact.pk], BulkAction.SET_INTENTION, Intention.PROFESSIONAL) == 1
    contact.refresh_from_db()
    assert not contact.new_from_phone and not contact.reminders_paused


@pytest.mark.parametrize("name", ["a%00b.vcf", "x" * 300 + ".vcf", "tab%09.vcf"])
def test_a_card_name_no_card_can_have_is_404_to_read_and_400_to_write(phone, alice, name):
    path = f"/dav/alice/all/{name}"
    assert phone.get(path).status_code == 404
    assert phone.delete(path).status_code == 404
    assert put(phone, path, card("n", "Nadia")).status_code == 400
    body = (
        '<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
        f"<D:prop><D:getetag/></D:prop><D:href>{path}</D:href></C:addressbook-multiget>"
    )
    assert report(phone, "/dav/alice/all/", body).status_code == 207
    assert not Contact.objects.filter(owner=alice).exists()


def test_a_sync_token_of_a_thousand_digits_is_refused_not_a_crash(phone, alice):
    body = (
        '<d:sync-collection xmlns:d="DAV:"><d:sync-token>urn:kith:sync:' + "9" * 5000 + "</d:sync-token>"
        "<d:prop><d:getetag/></d:prop></d:sync-collection>"
    )
    assert report(phone, "/dav/alice/all/", body).status_code == 403


CARD_IDENTITY = ("contacts", "0011_card_identity_and_changes")


@pytest.mark.django_db(transaction=True)
def test_contacts_made_before_phone_sync_get_a_uid_and_a_card_name_each(migrator):
    apps = migrate_to_just_before(migrator, CARD_IDENTITY)
    User = apps.get_model("accounts", "User")
    Contact = apps.get_model("contacts", "Contact")
    maya = User.objects.create(username="maya", email="maya@example.com")
    for name in ("Ana", "Ben", "Cy"):
        Contact.objects.create(owner=maya, display_name=name, intention="personal", circle="close")
    executor = MigrationExecutor(connection)
    executor.migrate([CARD_IDENTITY])
    Contact = executor.loader.project_state([CARD_IDENTITY]).apps.get_model("contacts", "Contact")
    rows = list(Contact.objects.values_list("uid", "card_name"))
    assert len({uid for uid, _name in rows}) == 3
    assert all(uid and name == f"{uid}.vcf" for uid, name in rows)


def test_merges_imports_and_tag_changes_in_kith_reach_the_phone_by_sync(phone, alice, tmp_path):
    keep = ContactFactory(owner=alice, display_name="Ana", intention=Intention.PERSONAL)
    other = ContactFactory(owner=alice, display_name="Ana L.", intention=Intention.PERSONAL)
    tagged = ContactFactory(owner=alice, display_name="Tia", intention=Intention.PERSONAL)
    contact_set_tags(tagged, ["climbing"])
    _, token = sync(phone, "friendships")

    contact_merge(keep, other)
    tag = Tag.objects.get(owner=alice, name="climbing")
    tag.name = "Bouldering"
    tag.save()
    path = tmp_path / "new.vcf"
    path.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Imported Ivo\r\nEMAIL:ivo@example.org\r\nEND:VCARD\r\n")
    call_command(
        "import_contacts", str(path), "--user", "alice", "--intention", "personal", stdout=io.StringIO()
    )
    imported = Contact.objects.get(owner=alice, display_name="Imported Ivo")

    changes, _ = sync(phone, "friendships", token)
    assert changes == {
        keep.card_name: 200,
        other.card_name: 404,
        tagged.card_name: 200,
        imported.card_name: 200,
    }
    assert "CATEGORIES:Bouldering" in phone.get(f"/dav/alice/friendships/{tagged.card_name}").content.decode()


def test_past_the_rate_limit_a_phone_is_told_when_to_come_back(phone, alice, settings):
    settings.API_RATE_LIMIT = 2
    assert propfind(phone, "/dav/alice/").status_code == 207
    assert propfind(phone, "/dav/alice/").status_code == 207
    refused = propfind(phone, "/dav/alice/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0


def test_a_token_from_before_any_change_still_learns_of_deletes(phone, alice):
    contact = ContactFactory(owner=alice)
    CardChange.objects.filter(owner=alice).delete()  # as for contacts made before phone sync existed
    first, token = sync(phone, "all")
    assert token == "urn:kith:sync:0" and first == {contact.card_name: 200}
    contact_delete(contact)
    assert sync(phone, "all", token)[0] == {contact.card_name: 404}
