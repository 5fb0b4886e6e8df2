"""A contact as the card a phone syncs, and a phone's card as Kith's fields: pure functions over
`transfer.vcard`, the same writer as the export and the same hardened reader as imports.

Kith writes vCard 4.0; a phone gets 3.0 unless it asks for 4.0 (macOS Contacts drops 4.0 cards). The 3.0 form
is the 4.0 one with three things said the older way: the version, a birthday (with Apple's X-APPLE-OMIT-YEAR
when Kith has no year) and inline photos and logos (base64 with ENCODING=b instead of a data: URI). The ETag
is a hash of the 4.0 text, so it names the card's content whichever form a phone reads.

A card a phone PUT is kept as it came (dav.models.PhoneCard) and served instead of Kith's, in the version the
phone wrote it, for as long as Kith's own card for the contact is the one Kith made of it; its ETag is then
the hash of the kept text, whichever version a phone reads.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from accounts.formats import content_line_fold
from contacts.models import Contact
from dav.models import PhoneCard
from transfer.exports import contact_card
from transfer.reading import card_clean, card_fatal
from transfer.vcard import (
    BadText,
    Card,
    ReadLimit,
    VCardError,
    card_write,
    property_parse,
    text_check,
    vcard_parse,
    vcard_unfold,
)

VCARD_3 = "3.0"
VCARD_4 = "4.0"
MAX_UID_CHARS = 255
_PRODID = "PRODID:-//Kith//CardDAV//EN"
_BDAY_4 = re.compile(r"BDAY:(--|\d{4})(\d{2})(\d{2})")
_DATA_URI = re.compile(r"data:([\w.+-]+/[\w.+-]+);base64,(.*)", re.DOTALL)
_MEDIA_TYPES_3 = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF"}
_APPLE_NO_YEAR = "1604"
# Characters XML 1.0 cannot carry, so a card holding one cannot be served as sent in a REPORT's answer.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class CardRefused(ValueError):
    """A card a phone sent that Kith will not store; the message says why (a 400)."""


def _lines_40(contact: Contact) -> list[str]:
    card = contact_card(contact)
    # The UID is the contact's own; a UID kept from an import would be a second one.
    card.extra = [line for line in card.extra if not _is_uid(line)]
    lines = vcard_unfold(card_write(card))
    return [lines[0], lines[1], _PRODID, f"UID:{contact.uid}", *lines[2:]]


def _is_uid(line: str) -> bool:
    prop = property_parse(line)
    return prop is not None and prop.name == "UID"


@dataclass(frozen=True)
class Served:
    """A card as a phone reads it: the text and its strong ETag, quoted as HTTP writes it."""

    text: str
    etag: str


def text_etag(text: str) -> str:
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def card_fingerprint(contact: Contact) -> str:
    """The ETag of Kith's own card for the contact (a hash of its vCard 4.0 text). `contact` has its emails,
    phones and tags loaded (or they are read)."""
    return text_etag("\r\n".join(_lines_40(contact)))


def _kept(contact: Contact) -> PhoneCard | None:
    try:
        return contact.phone_card
    except PhoneCard.DoesNotExist:
        return None


def card_etag(contact: Contact) -> str:
    """The card's strong ETag: the kept card's while Kith's card is the one made of it, else Kith's."""
    fingerprint = card_fingerprint(contact)
    kept = _kept(contact)
    return kept.etag if kept is not None and kept.fingerprint == fingerprint else fingerprint


def card_served(contact: Contact, version: str = VCARD_3) -> Served:
    """The card a phone reads in `version`: the one a phone PUT, byte for byte, while Kith's card is still
    the one Kith made of it and the version is the one the phone wrote; else Kith's. GET, PROPFIND and every
    REPORT answer with this text and ETag."""
    lines = _lines_40(contact)
    fingerprint = text_etag("\r\n".join(lines))
    kept = _kept(contact)
    if kept is not None and kept.fingerprint == fingerprint:
        text = kept.text if kept.version == version else _lines_text(lines, version)
        return Served(text, kept.etag)
    return Served(_lines_text(lines, version), fingerprint)


def card_text(contact: Contact, version: str = VCARD_3) -> str:
    """Kith's card for the contact in vCard 3.0 or 4.0, folded, CRLF line ends."""
    return _lines_text(_lines_40(contact), version)


def _lines_text(lines: list[str], version: str) -> str:
    if version == VCARD_3:
        lines = [_line_30(line) for line in lines]
    return "".join(content_line_fold(line) + "\r\n" for line in lines)


def card_kept_version(text: str) -> str | None:
    """The version under which a phone's card text is kept and served as sent (dav.models.PhoneCard), or
    None when it is not: a version Kith does not serve (2.1), a character a DAV answer's XML cannot carry (the
    reader drops or replaces these, so Kith's card has none), or anything after the card's END line."""
    if _NOT_IN_XML.search(text) or not text.rstrip("\r\n").upper().endswith("END:VCARD"):
        return None
    for line in vcard_unfold(text):
        prop = property_parse(line)
        if prop is not None and prop.name == "VERSION":
            version = prop.value.strip()
            return version if version in (VCARD_3, VCARD_4) else None
    return None


def _line_30(line: str) -> str:
    if line == "VERSION:4.0":
        return "VERSION:3.0"
    if match := _BDAY_4.fullmatch(line):
        year, month, day = match.groups()
        if year == "--":
            return f"BDAY;X-APPLE-OMIT-YEAR={_APPLE_NO_YEAR}:{_APPLE_NO_YEAR}-{month}-{day}"
        return f"BDAY:{year}-{month}-{day}"
    prop = property_parse(line)
    if prop is not None and prop.name in ("PHOTO", "LOGO") and (data := _DATA_URI.fullmatch(prop.value)):
        media, payload = data.groups()
        head = f"{prop.group}.{prop.name}" if prop.group else prop.name
        kind = _MEDIA_TYPES_3.get(media.lower(), media.split("/")[-1].upper())
        return f"{head};ENCODING=b;TYPE={kind}:{payload}"
    return line


def card_read(body: bytes) -> tuple[Card, str]:
    """The one card of a PUT body and its UID, read by the import's reader. Raises CardRefused naming what is
    wrong: not UTF-8, not exactly one complete card, no UID, no name."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CardRefused("The card is not UTF-8 text.") from None
    try:
        cards = vcard_parse(text, max_cards=1)
    except (VCardError, ReadLimit) as error:
        raise CardRefused(str(error)) from None
    card = cards[0]
    if not card.complete:
        raise CardRefused("The card has no END:VCARD line.")
    uids = [p for line in card.extra if (p := property_parse(line)) is not None and p.name == "UID"]
    if len(uids) != 1:
        raise CardRefused("A card needs exactly one UID.")
    try:
        uid = text_check(uids[0].value.strip())
    except BadText as error:
        raise CardRefused(f"UID: {error}.") from None
    if not uid or len(uid) > MAX_UID_CHARS or "/" in uid:
        raise CardRefused(f"A UID is 1 to {MAX_UID_CHARS} characters, without “/”.")
    card.extra = [line for line in card.extra if not _is_uid(line)]
    # What an import checks: Kith's columns and a contact's bounds (10 email addresses, 30 tags...).
    if fatal := card_fatal(card_clean(card)):
        raise CardRefused("The card cannot be stored: " + "; ".join(fatal) + ".")
    return card, uid
