"""The WebDAV properties of each kind of resource: the root, the user's principal (which is also the home of
their address books), an address book and a card. `props_answer` says which of the asked-for properties a
resource has, with their values, and which it has not."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import quote

from accounts.models import User
from contacts.models import Contact
from dav.cards import VCARD_3, VCARD_4, card_etag, card_served
from dav.davxml import CALSERVER, CARDDAV, DAV, href_element, sub, tag
from dav.store import Book, books_position, sync_token

ROOT = "/dav/"
MAX_CARD_BYTES = 5 * 1024 * 1024
# What a PROPFIND without a body (allprop) answers.
ALLPROP = [
    tag(DAV, "resourcetype"),
    tag(DAV, "displayname"),
    tag(DAV, "getetag"),
    tag(DAV, "getcontenttype"),
    tag(DAV, "current-user-principal"),
    tag(DAV, "sync-token"),
    tag(CALSERVER, "getctag"),
]
_REPORTS = [(CARDDAV, "addressbook-multiget"), (CARDDAV, "addressbook-query"), (DAV, "sync-collection")]


@dataclass
class Resource:
    kind: str  # "root", "principal", "book" or "card"
    href: str
    user: User
    book: Book | None = None
    contact: Contact | None = None
    can_write: bool = False
    version: str = VCARD_3
    name: str = ""  # a card's name, as the path gives it
    # The books the caller's app password offers (dav.models.BOOKS_OFFERED), by slug.
    offered: tuple[str, ...] = ("all", "friendships", "network")


def principal_href(user: User) -> str:
    return f"{ROOT}{quote(user.get_username(), safe='')}/"


def book_href(user: User, book: Book) -> str:
    return f"{principal_href(user)}{book.slug}/"


def card_href(user: User, book: Book, contact: Contact) -> str:
    return book_href(user, book) + quote(contact.card_name, safe="")


def _resourcetype(resource: Resource) -> ET.Element:
    element = ET.Element(tag(DAV, "resourcetype"))
    if resource.kind != "card":
        sub(element, DAV, "collection")
    if resource.kind == "principal":
        sub(element, DAV, "principal")
    if resource.kind == "book":
        sub(element, CARDDAV, "addressbook")
    return element


def _privileges(resource: Resource) -> ET.Element:
    element = ET.Element(tag(DAV, "current-user-privilege-set"))
    names = ["read", "read-current-user-privilege-set"]
    if resource.can_write and resource.kind in ("book", "card"):
        names += ["write", "write-content", "bind", "unbind"]
    for name in names:
        sub(sub(element, DAV, "privilege"), DAV, name)
    return element


def _reports(resource: Resource) -> ET.Element:
    element = ET.Element(tag(DAV, "supported-report-set"))
    if resource.kind == "book":
        for namespace, name in _REPORTS:
            sub(sub(sub(element, DAV, "supported-report"), DAV, "report"), namespace, name)
    return element


def _address_data_types() -> ET.Element:
    element = ET.Element(tag(CARDDAV, "supported-address-data"))
    for version in (VCARD_3, VCARD_4):
        sub(element, CARDDAV, "address-data-type").attrib.update(
            {"content-type": "text/vcard", "version": version}
        )
    return element


def _text(name: str, namespace: str, value: str) -> ET.Element:
    element = ET.Element(tag(namespace, name))
    element.text = value
    return element


def _wrapped(name: str, namespace: str, href: str) -> ET.Element:
    element = ET.Element(tag(namespace, name))
    element.append(href_element(href))
    return element


def _book_prop(resource: Resource, name: str) -> ET.Element | None:
    assert resource.book is not None
    book = resource.book
    if name == tag(CALSERVER, "getctag"):
        return _text("getctag", CALSERVER, str(books_position(resource.user)))
    if name == tag(DAV, "sync-token"):
        return _text("sync-token", DAV, sync_token(books_position(resource.user)))
    if name == tag(CARDDAV, "addressbook-description"):
        return _text("addressbook-description", CARDDAV, book.description)
    if name == tag(CARDDAV, "supported-address-data"):
        return _address_data_types()
    if name == tag(CARDDAV, "max-resource-size"):
        return _text("max-resource-size", CARDDAV, str(MAX_CARD_BYTES))
    return None


def _card_prop(resource: Resource, name: str) -> ET.Element | None:
    assert resource.contact is not None
    if name == tag(DAV, "getetag"):
        return _text("getetag", DAV, card_etag(resource.contact))
    if name == tag(DAV, "getcontenttype"):
        return _text("getcontenttype", DAV, f"text/vcard; charset=utf-8; version={resource.version}")
    if name == tag(CARDDAV, "address-data"):
        return _text("address-data", CARDDAV, card_served(resource.contact, resource.version).text)
    return None


def prop_value(resource: Resource, name: str) -> ET.Element | None:
    """The property `name` (Clark notation) of the resource, or None when it has none."""
    principal = principal_href(resource.user)
    common = {
        tag(DAV, "resourcetype"): lambda: _resourcetype(resource),
        tag(DAV, "current-user-principal"): lambda: _wrapped("current-user-principal", DAV, principal),
        tag(DAV, "principal-URL"): lambda: _wrapped("principal-URL", DAV, principal),
        tag(DAV, "principal-collection-set"): lambda: _wrapped("principal-collection-set", DAV, ROOT),
        tag(DAV, "owner"): lambda: _wrapped("owner", DAV, principal),
        tag(DAV, "current-user-privilege-set"): lambda: _privileges(resource),
        tag(DAV, "supported-report-set"): lambda: _reports(resource),
    }
    if name in common:
        return common[name]()
    if name == tag(DAV, "displayname"):
        names = {"root": "Kith", "principal": resource.user.get_username()}
        text = resource.book.name if resource.book and resource.kind == "book" else names.get(resource.kind)
        text = resource.contact.display_name if resource.contact else text
        return _text("displayname", DAV, text or "")
    if name == tag(CARDDAV, "addressbook-home-set") and resource.kind != "card":
        return _wrapped("addressbook-home-set", CARDDAV, principal)
    if resource.kind == "book":
        return _book_prop(resource, name)
    if resource.kind == "card":
        return _card_prop(resource, name)
    return None


def props_answer(resource: Resource, names: list[str]) -> tuple[list[ET.Element], list[str]]:
    """(the values of the properties the resource has, the names of those it has not)."""
    found, missing = [], []
    for name in names:
        value = prop_value(resource, name)
        if value is None:
            missing.append(name)
        else:
            found.append(value)
    return found, missing
