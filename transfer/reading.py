"""Reading an import: an upload turned into `vcard.Card`s, each cleaned to fit Kith's columns, and the
preview of what importing them would do. Nothing here writes.

1. `import_read` turns an upload into cards (vCard; LinkedIn, Google or Kith's own CSV), refusing an empty,
   binary, too large or unreadable file with a message for the person. Text is UTF-8 (with or without a
   byte-order mark), UTF-16 (Excel's "Unicode text", with or without its mark), or else Windows-1252. The
   readers stop at the first bound a file passes (size, rows, line length, properties per card), before
   they allocate for it; a row past a contact's bounds (emails, phones, tags, links: those of the contact
   form) is invalid, with its reason.
2. `import_preview` says per row: new, matches an existing contact (see transfer.matching), could be
   several contacts (ambiguous, left out), or invalid, with reasons. Whether a match would change its contact
   is the writer's to say (transfer.writing.previews_unchanged).
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email
from django.db.models import Field, Model

from accounts.models import User
from contacts.actions import tag_clean_name
from contacts.forms import MAX_EMAILS, MAX_LINKS, MAX_PHONES, MAX_TAGS
from contacts.models import Contact, EmailAddress, PhoneNumber
from contacts.text import casefold_key
from transfer import csvfiles, vcard
from transfer.matching import AMBIGUOUS, MatchIndex, phone_key
from transfer.vcard import Card

# Stated on the import page and enforced here.
_MB = 1024 * 1024
MAX_BYTES = 5 * _MB
MAX_ROWS = 20_000
# Google's own groups, which say nothing about the person.
_SYSTEM_GROUPS = {"mycontacts", "starred"}


def _max_length(model: type[Model], name: str) -> int:
    """A text column's limit, read from the model so that the import and the column never disagree."""
    column = model._meta.get_field(name)
    if not isinstance(column, Field) or column.max_length is None:
        raise ImproperlyConfigured(f"{model.__name__}.{name} has no max_length for the import to cut to.")
    return column.max_length


_NAME_MAX = _max_length(Contact, "display_name")
_FIELD_MAX = {name: _max_length(Contact, name) for name in ("given_name", "family_name", "company", "title")}
_NUMBER_MAX = _max_length(PhoneNumber, "number")
_LABEL_MAX = _max_length(EmailAddress, "label")
_ADDRESS_MAX = _max_length(EmailAddress, "address")
_UID_MAX = _max_length(Contact, "uid")


class ImportRefused(ValueError):
    """A file Kith will not import, with the message the person sees. Nothing has been written."""


# Reading --------------------------------------------------------------------------------------------------


def _utf16_unmarked(data: bytes) -> str | None:
    """The codec of UTF-16 saved without its byte-order mark, or None. Headers and property names are ASCII,
    whose characters are a NUL byte beside a letter: in such a file's first kilobytes at least half the
    bytes on one side are NUL and none on the other. No UTF-8 or Windows-1252 text has a NUL."""
    head = data[:4096]
    even, odd = head[0::2], head[1::2]
    if len(head) < 4:
        return None
    if odd.count(0) * 2 >= len(odd) and not even.count(0):
        return "utf-16-le"
    if even.count(0) * 2 >= len(even) and not odd.count(0):
        return "utf-16-be"
    return None


def _text_decode(data: bytes) -> str:
    """The file's text. UTF-16 (Excel's "Unicode text") is known by its byte-order mark, little- or
    big-endian, or by the NUL bytes of its ASCII characters (`_utf16_unmarked`); anything else is read by
    vcard_decode (UTF-8 with or without its mark, else Windows-1252). A file that looks like UTF-16 and is
    not is refused: it is damaged, or not text."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-16"
    elif not (codec := _utf16_unmarked(data) or ""):
        return vcard.vcard_decode(data)
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        raise ImportRefused(
            f"This file looks like UTF-16 text but cannot be read as such (at byte {error.start:,}). Save it "
            "again from its program, as CSV or as Unicode text."
        ) from error


def _looks_binary(text: str) -> bool:
    # A NUL anywhere: no text format has one, and PostgreSQL cannot store one in a text column.
    if "\x00" in text:
        return True
    head = text[:8192]
    controls = sum(1 for c in head if c < " " and c not in "\t\n\r")
    return controls > len(head) * 0.05


def _size_text(size: int) -> str:
    """Megabytes to one decimal, rounded up, so that a file just past the bound does not read as within it."""
    return f"{math.ceil(size * 10 / _MB) / 10:.1f} MB"


def import_read(data: bytes, filename: str = "", size: int | None = None) -> tuple[str, list[Card]]:
    """The source ('vcard', 'linkedin', 'google' or 'kith') and the cards of an upload. `size` is the upload's
    own size when `data` is only its first MAX_BYTES + 1 bytes (the page reads no more). Raises
    ImportRefused."""
    size = len(data) if size is None else max(size, len(data))
    if size > MAX_BYTES:
        raise ImportRefused(
            f"The file is {_size_text(size)}; Kith reads files up to {MAX_BYTES / _MB:g} MB. "
            "Split it into smaller files."
        )
    text = _text_decode(data)
    if not text.strip():
        raise ImportRefused("The file is empty.")
    if _looks_binary(text):
        raise ImportRefused(
            "This is not a text file. Kith imports vCard files (.vcf) and CSV files from LinkedIn, Google "
            "Contacts or Kith; a spreadsheet must be saved as CSV first."
        )
    try:
        if "BEGIN:VCARD" in text[:4096].upper():
            source, cards = "vcard", vcard.vcard_parse(text, max_cards=MAX_ROWS)
        else:
            source, cards = csvfiles.csv_parse(text, max_rows=MAX_ROWS)
    except (vcard.VCardError, csvfiles.CsvError, vcard.ReadLimit) as error:
        raise ImportRefused(str(error)) from error
    if not cards:
        raise ImportRefused("The file holds no contacts, only a header.")
    return source, [card_clean(card) for card in cards]


def card_clean(card: Card) -> Card:
    """Make a card fit Kith's columns, noting what had to change; a card Kith cannot import gets a fatal
    problem (see `card_fatal`)."""
    card.display_name = " ".join(card.display_name.split())
    _uid_read(card)
    for name, limit in _FIELD_MAX.items():
        value = getattr(card, name).strip()
        if len(value) > limit:
            card.problems.append(f"{name.replace('_', ' ')} cut to {limit} characters")
            value = value[:limit]
        setattr(card, name, value)
    _values_bound(card)
    emails = []
    for address, label in card.emails:
        try:
            validate_email(address)
            if len(address) > _ADDRESS_MAX:
                raise ValidationError("too long")
        except ValidationError:
            card.problems.append(f"“{address[:60]}” is not an email address; kept with the contact's extras")
            card.extra.append(f"EMAIL:{vcard.text_escape(address)}")
            continue
        emails.append((address, label[:_LABEL_MAX]))
    card.emails = emails
    phones = []
    for number, label in card.phones:
        if len(number) > _NUMBER_MAX:
            card.problems.append(f"phone number “{number[:20]}…” is too long; kept with the extras")
            card.extra.append(f"TEL:{vcard.text_escape(number)}")
            continue
        phones.append((number, label[:_LABEL_MAX]))
    card.phones = phones
    return card


def _uid_read(card: Card) -> None:
    """The card's UID from its UID line (a vCard's), kept in `Card.uid` and not with the extras: the contact
    has a UID of its own, which the export writes. A UID is kept when a card could have it, as CardDAV and
    the backup take them (1 to 255 printable characters, no "/"); another is left out and the row is
    matched as a file without UIDs is."""
    extra = []
    for line in card.extra:
        prop = vcard.property_parse(line)
        if prop is not None and prop.name == "UID":
            card.uid = card.uid or prop.value.strip()
        else:
            extra.append(line)
    card.extra = extra
    if card.uid and not (len(card.uid) <= _UID_MAX and card.uid.isprintable() and "/" not in card.uid):
        card.problems.append(f"the UID “{card.uid[:40]}” is not one a card can have; left out")
        card.uid = ""


def _unique[T](values: list[T], key: Callable[[T], object]) -> list[T]:
    """The values in order, each key's first only."""
    seen: set[object] = set()
    unique = []
    for value in values:
        if (k := key(value)) not in seen:
            seen.add(k)
            unique.append(value)
    return unique


def _values_bound(card: Card) -> None:
    """Drop repeated emails, phone numbers, tags and links, then hold the rest to a contact's bounds: a row
    past one is invalid, its reason saying which (and its lists are cut to the bound, so that the job keeps
    no more than the bound of each)."""
    card.emails = _unique(card.emails, lambda e: casefold_key(e[0]))
    card.phones = _unique(card.phones, lambda p: phone_key(p[0]) or p[0])
    tags = (tag_clean_name(t) for t in card.tags)
    card.tags = _unique([t for t in tags if t and casefold_key(t) not in _SYSTEM_GROUPS], casefold_key)
    card.links = _unique([link for link in card.links if link.strip()], str)
    for name, what, limit in (
        ("emails", "email addresses", MAX_EMAILS),
        ("phones", "phone numbers", MAX_PHONES),
        ("tags", "tags", MAX_TAGS),
        ("links", "links", MAX_LINKS),
    ):
        values = getattr(card, name)
        if len(values) > limit:
            card.refused.append(f"{len(values):,} {what}; a contact has at most {limit}")
            setattr(card, name, values[:limit])


def card_fatal(card: Card) -> list[str]:
    """Why a card cannot be imported at all (empty when it can)."""
    fatal = list(card.refused)
    if not card.complete:
        fatal.append("the file ends in the middle of this card (no END:VCARD); is it cut off?")
    if not card.display_name:
        fatal.append("no name, company or email address to call this person by")
    elif len(card.display_name) > _NAME_MAX:
        fatal.append(f"the name is longer than {_NAME_MAX} characters")
    return fatal


def card_to_json(card: Card) -> dict:
    data = asdict(card)
    data["connected_on"] = card.connected_on.isoformat() if card.connected_on else None
    data["archived_on"] = card.archived_on.isoformat() if card.archived_on else None
    return data


def card_from_json(data: dict) -> Card:
    data = dict(data)
    connected = data.pop("connected_on", None)
    archived = data.pop("archived_on", None)
    birthday = data.pop("birthday", None)
    card = Card(**data)
    card.emails = [(address, label) for address, label in card.emails]
    card.phones = [(number, label) for number, label in card.phones]
    card.birthday = tuple(birthday) if birthday else None
    card.connected_on = dt.date.fromisoformat(connected) if connected else None
    card.archived_on = dt.date.fromisoformat(archived) if archived else None
    return card


# Preview --------------------------------------------------------------------------------------------------


class RowStatus:
    NEW = "new"
    MATCH = "match"
    # A match whose contact already holds everything the row does (transfer.writing.previews_unchanged).
    UNCHANGED = "unchanged"
    # Several existing contacts could be the row (transfer.matching): it is left out.
    AMBIGUOUS = "ambiguous"
    INVALID = "invalid"
    ALL = (NEW, MATCH, UNCHANGED, AMBIGUOUS, INVALID)


@dataclass
class RowPreview:
    number: int  # 1-based, as a person counts rows
    card: Card
    status: str
    match_id: int | None = None
    match_name: str = ""
    reasons: list[str] = field(default_factory=list)


def import_preview(owner: User, cards: Sequence[Card]) -> list[RowPreview]:
    """What importing `cards` would do, row by row; writes nothing."""
    index = MatchIndex.build(owner)
    previews = []
    for number, card in enumerate(cards, start=1):
        fatal = card_fatal(card)
        if fatal:
            previews.append(RowPreview(number, card, RowStatus.INVALID, reasons=fatal + card.problems))
            continue
        found, why = index.place(card, f"row:{number}")
        if found == AMBIGUOUS:
            previews.append(RowPreview(number, card, RowStatus.AMBIGUOUS, reasons=[why, *card.problems]))
        elif isinstance(found, int):
            previews.append(
                RowPreview(
                    number, card, RowStatus.MATCH, found, index.names.get(found, ""), [why, *card.problems]
                )
            )
        elif found is not None:
            previews.append(
                RowPreview(
                    number, card, RowStatus.MATCH, reasons=[f"{why} as row {found[4:]}", *card.problems]
                )
            )
        else:
            previews.append(RowPreview(number, card, RowStatus.NEW, reasons=card.problems))
    return previews
