"""PROPFIND and REPORT: what a phone asks to learn what is in the books and what changed.

REPORTs on a book: `addressbook-multiget` (these cards), `addressbook-query` (every card, or those whose
properties match a text, as clients search by UID or name) and `sync-collection` (what changed since a sync
token, with the cards that left the book as 404s).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import unquote, urlsplit

from django.http import HttpRequest, HttpResponse

from contacts.models import Contact
from contacts.text import casefold_key
from dav.cards import VCARD_4, card_text
from dav.davxml import (
    CARDDAV,
    DAV,
    MAX_XML_BYTES,
    child_tags,
    gone_add,
    response_add,
    sub,
    tag,
    xml_bytes,
    xml_parse,
)
from dav.errors import DavError, condition_failed
from dav.props import ALLPROP, Resource, book_href, card_href, props_answer
from dav.store import BOOKS, book_cards, book_changes, cards_find, sync_token, sync_token_position
from transfer.vcard import property_parse, text_unescape, vcard_unfold

_MULTISTATUS = 207


def _answer(root: ET.Element) -> HttpResponse:
    return HttpResponse(xml_bytes(root), status=_MULTISTATUS, content_type="application/xml; charset=utf-8")


def _wanted(request_root: ET.Element | None) -> tuple[list[str], bool]:
    """The property names a PROPFIND or REPORT asks for, and whether it asked for all (allprop)."""
    if request_root is None:
        return ALLPROP, True
    prop = request_root.find(tag(DAV, "prop"))
    if prop is None:
        return ALLPROP, True
    return child_tags(prop), False


def _version_from(request_root: ET.Element | None, resource: Resource) -> None:
    """A REPORT's address-data may ask for vCard 4.0."""
    if request_root is None:
        return
    for element in request_root.iter(tag(CARDDAV, "address-data")):
        if element.get("version") == VCARD_4:
            resource.version = VCARD_4


def _card_resource(parent: Resource, contact: Contact) -> Resource:
    assert parent.book is not None
    return Resource(
        "card",
        card_href(parent.user, parent.book, contact),
        parent.user,
        parent.book,
        contact,
        parent.can_write,
        parent.version,
        contact.card_name,
    )


def _add(multistatus: ET.Element, resource: Resource, names: list[str], everything: bool) -> None:
    found, missing = props_answer(resource, names)
    response_add(multistatus, resource.href, found, [] if everything else missing)


def propfind(request: HttpRequest, resource: Resource) -> HttpResponse:
    """The resource's properties (Depth: 0), and its members' (Depth: 1; "infinity" is taken as 1)."""
    names, everything = _wanted(xml_parse(request.read(MAX_XML_BYTES + 1)))
    if resource.kind == "card" and resource.contact is None:
        raise DavError(404, "No card with this name in this address book.")
    multistatus = ET.Element(tag(DAV, "multistatus"))
    _add(multistatus, resource, names, everything)
    if request.headers.get("Depth", "infinity") != "0":
        for member in _members(resource):
            _add(multistatus, member, names, everything)
    return _answer(multistatus)


def _members(resource: Resource) -> list[Resource]:
    if resource.kind == "principal":
        return [
            Resource("book", book_href(resource.user, book), resource.user, book, None, resource.can_write)
            for book in (BOOKS[slug] for slug in resource.offered)
        ]
    if resource.kind == "book" and resource.book is not None:
        return [_card_resource(resource, contact) for contact in book_cards(resource.user, resource.book)]
    return []


def report(request: HttpRequest, resource: Resource) -> HttpResponse:
    root = xml_parse(request.read(MAX_XML_BYTES + 1))
    if root is None:
        raise DavError(400, "A REPORT needs a body.")
    if resource.kind != "book":
        raise condition_failed("supported-report")
    _version_from(root, resource)
    names, everything = _wanted(root)
    if root.tag == tag(CARDDAV, "addressbook-multiget"):
        return _multiget(root, resource, names, everything)
    if root.tag == tag(CARDDAV, "addressbook-query"):
        return _query(root, resource, names, everything)
    if root.tag == tag(DAV, "sync-collection"):
        return _sync(root, resource, names, everything)
    raise condition_failed("supported-report")


def _multiget(root: ET.Element, resource: Resource, names: list[str], everything: bool) -> HttpResponse:
    assert resource.book is not None
    hrefs = [element.text or "" for element in root.findall(tag(DAV, "href"))][:1000]
    card_names = {href: unquote(urlsplit(href).path.rstrip("/").rsplit("/", 1)[-1]) for href in hrefs}
    found = cards_find(resource.user, resource.book, list(card_names.values()))
    multistatus = ET.Element(tag(DAV, "multistatus"))
    for href in hrefs:
        contact = found.get(card_names[href])
        if contact is None or not unquote(urlsplit(href).path).startswith(unquote(resource.href)):
            gone_add(multistatus, href)
        else:
            _add(multistatus, _card_resource(resource, contact), names, everything)
    return _answer(multistatus)


def _sync(root: ET.Element, resource: Resource, names: list[str], everything: bool) -> HttpResponse:
    assert resource.book is not None
    token_element = root.find(tag(DAV, "sync-token"))
    token = (token_element.text or "").strip() if token_element is not None else ""
    since = sync_token_position(resource.user, token) if token else None
    if token and since is None:
        raise condition_failed("valid-sync-token")
    present, gone, position = book_changes(resource.user, resource.book, since)
    multistatus = ET.Element(tag(DAV, "multistatus"))
    for contact in present:
        _add(multistatus, _card_resource(resource, contact), names, everything)
    for name in gone:
        gone_add(multistatus, resource.href + name)
    sub(multistatus, DAV, "sync-token", sync_token(position))
    return _answer(multistatus)


# addressbook-query ------------------------------------------------------------------------------------------


def _properties(text: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in vcard_unfold(text):
        if (prop := property_parse(line)) is not None:
            values.setdefault(prop.name, []).append(text_unescape(prop.value))
    return values


def _text_matches(element: ET.Element, values: list[str]) -> bool:
    wanted = element.text or ""
    caseless = element.get("collation", "i;unicode-casemap") != "i;octet"
    fold = casefold_key if caseless else str
    kind = element.get("match-type", "contains")
    tests = {
        "equals": lambda v: fold(v) == fold(wanted),
        "starts-with": lambda v: fold(v).startswith(fold(wanted)),
        "ends-with": lambda v: fold(v).endswith(fold(wanted)),
    }
    test = tests.get(kind, lambda v: fold(wanted) in fold(v))
    matched = any(test(v) for v in values)
    return not matched if element.get("negate-condition") == "yes" else matched


def _prop_matches(element: ET.Element, properties: dict[str, list[str]]) -> bool:
    values = properties.get((element.get("name") or "").upper(), [])
    if element.find(tag(CARDDAV, "is-not-defined")) is not None:
        return not values
    matches = [_text_matches(e, values) for e in element.findall(tag(CARDDAV, "text-match"))]
    if not matches:
        return bool(values)
    return all(matches) if element.get("test") == "allof" else any(matches)


def _query(root: ET.Element, resource: Resource, names: list[str], everything: bool) -> HttpResponse:
    assert resource.book is not None
    query_filter = root.find(tag(CARDDAV, "filter"))
    prop_filters = [] if query_filter is None else query_filter.findall(tag(CARDDAV, "prop-filter"))
    every = query_filter is not None and query_filter.get("test") == "allof"
    limit_element = root.find(f"{tag(CARDDAV, 'limit')}/{tag(CARDDAV, 'nresults')}")
    limit_text = "" if limit_element is None else (limit_element.text or "")
    limit = int(limit_text) if limit_text.isdigit() else None
    multistatus = ET.Element(tag(DAV, "multistatus"))
    count = 0
    for contact in book_cards(resource.user, resource.book):
        if prop_filters:
            properties = _properties(card_text(contact, VCARD_4))
            results = (_prop_matches(f, properties) for f in prop_filters)
            if not (all(results) if every else any(results)):
                continue
        if limit is not None and count >= limit:
            break
        _add(multistatus, _card_resource(resource, contact), names, everything)
        count += 1
    return _answer(multistatus)
