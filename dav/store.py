"""The address books over Kith's contacts: which cards each book holds, what changed since a sync token, and
what a phone's PUT and DELETE do. Writes go through `contacts.actions`, like every page and the API.

Three books per user: *All*, *Friendships* (personal and both) and *Network* (professional and both); an
archived contact is in none. A card's name in every book is `Contact.card_name`; the log of changes,
`contacts.CardChange`, is what sync tokens and the ctag count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, QuerySet

from accounts.choices import Circle, Intention
from accounts.models import User
from api.models import AccessToken
from api.tokens import token_create
from contacts.actions import (
    contact_archive,
    contact_save,
    contact_set_emails,
    contact_set_phones,
    contact_set_tags,
)
from contacts.models import CardChange, Contact, EmailAddress, PhoneNumber, card_changes_record
from contacts.text import casefold_key
from dav.cards import card_etag, card_fingerprint, card_kept_version, text_etag
from dav.models import PhoneCard, SyncPassword
from transfer.vcard import Card


@dataclass(frozen=True)
class Book:
    slug: str
    name: str
    description: str
    # The intentions whose contacts the book holds; a card made in it gets `made_as`.
    intentions: frozenset[str]
    made_as: str


BOOKS = {
    book.slug: book
    for book in (
        Book(
            "all",
            "All",
            "Everyone in Kith",
            frozenset(Intention.values),
            Intention.BOTH,
        ),
        Book(
            "friendships",
            "Friendships",
            "Personal relationships in Kith",
            frozenset({Intention.PERSONAL, Intention.BOTH}),
            Intention.PERSONAL,
        ),
        Book(
            "network",
            "Network",
            "Professional relationships in Kith",
            frozenset({Intention.PROFESSIONAL, Intention.BOTH}),
            Intention.PROFESSIONAL,
        ),
    )
}
_SYNC_PREFIX = "urn:kith:sync:"
MAX_CARD_NAME = Contact._meta.get_field("card_name").max_length or 255
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_CARD_FIELDS = ("display_name", "given_name", "family_name", "company", "title", "notes", "links")


class Conflict(Exception):
    """A precondition failed (412), the card would take another card's name (409), or its name is not one a
    card can have (400)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def book_cards(owner: User, book: Book) -> QuerySet[Contact]:
    """The cards in the book, with what a card is written from loaded."""
    return (
        Contact.objects.filter(owner=owner, archived_at__isnull=True, intention__in=book.intentions)
        .select_related("phone_card")
        .prefetch_related("emails", "phones", "tags")
        .order_by("pk")
    )


def in_book(contact: Contact, book: Book) -> bool:
    return contact.archived_at is None and contact.intention in book.intentions


def card_name_valid(name: str) -> bool:
    """Whether a card could have this name: what the column holds, no NUL (PostgreSQL refuses one in any
    query), no control character, no lone surrogate."""
    return 0 < len(name) <= MAX_CARD_NAME and name.isprintable() and not _LONE_SURROGATE.search(name)


def card_find(owner: User, book: Book, name: str) -> Contact | None:
    """The card with this name in the book, or None."""
    return book_cards(owner, book).filter(card_name=name).first() if card_name_valid(name) else None


def cards_find(owner: User, book: Book, names: Sequence[str]) -> dict[str, Contact]:
    """The cards with these names in the book, by name (at most the first thousand names are looked up)."""
    valid = [name for name in names[:1000] if card_name_valid(name)]
    return {c.card_name: c for c in book_cards(owner, book).filter(card_name__in=valid)}


def books_position(owner: User) -> int:
    """The position of the owner's latest change: the ctag of every book, and the sync token now."""
    return CardChange.objects.filter(owner=owner).aggregate(top=Max("id"))["top"] or 0


def sync_token(position: int) -> str:
    return f"{_SYNC_PREFIX}{position}"


def sync_token_position(owner: User, token: str) -> int | None:
    """The log position a sync token names, None for one Kith never gave."""
    digits = token.removeprefix(_SYNC_PREFIX)
    if digits == token or not (digits.isascii() and digits.isdigit() and len(digits) <= 18):
        return None
    position = int(digits)
    return position if position <= books_position(owner) else None


def book_changes(owner: User, book: Book, since: int | None) -> tuple[list[Contact], list[str], int]:
    """What changed in the book after log position `since`: the cards now in it, the names of cards no longer
    in it (deleted, archived or moved to the other book), and the position to sync from next time. With no
    position (a first sync), every card and nothing gone; position 0 is a token like any other (a first sync
    made before any change was noted), whose changes are all the log holds."""
    position = books_position(owner)
    if since is None:
        return list(book_cards(owner, book)), [], position
    names = list(
        CardChange.objects.filter(owner=owner, id__gt=since, id__lte=position)
        .order_by("id")
        .values_list("name", flat=True)
    )
    present: dict[str, Contact] = {}
    for start in range(0, len(names), 500):
        present.update(cards_find(owner, book, names[start : start + 500]))
    return list(present.values()), [n for n in names if n not in present], position


def _etag_check(contact: Contact | None, if_match: str | None, if_none_match: str | None) -> None:
    """HTTP's preconditions on the card a URL holds now (None when none): 412 when one fails."""
    if if_none_match is not None and if_none_match.strip() == "*" and contact is not None:
        raise Conflict(412, "A card with this name already exists.")
    if if_match is None:
        return
    wanted = {tag.strip() for tag in if_match.split(",")}
    if contact is None or ("*" not in wanted and card_etag(contact) not in wanted):
        raise Conflict(412, "The card changed since the phone read it.")


def _labels_set(contact: Contact, card: Card) -> None:
    """The labels the card gives its email addresses and phone numbers."""
    emails = {casefold_key(address): label for address, label in card.emails}
    for email in EmailAddress.objects.filter(contact=contact):
        if email.label != (label := emails.get(email.address_folded, email.label)):
            EmailAddress.objects.filter(pk=email.pk).update(label=label)
    phones = dict(card.phones)
    for phone in PhoneNumber.objects.filter(contact=contact):
        if phone.label != (label := phones.get(phone.number, phone.label)):
            PhoneNumber.objects.filter(pk=phone.pk).update(label=label)


def _fields_set(contact: Contact, card: Card) -> list[str]:
    """Set the contact's fields from the card; returns the names of those that changed."""
    values: dict[str, object] = {name: getattr(card, name) for name in _CARD_FIELDS}
    month, day, year = card.birthday or (None, None, None)
    values.update(
        birthday_month=month, birthday_day=day, birthday_year=year, vcard_extra="\n".join(card.extra)
    )
    if card.circle in Circle.values:
        values["circle"] = card.circle
    changed = [name for name, value in values.items() if getattr(contact, name) != value]
    for name in changed:
        setattr(contact, name, values[name])
    return changed


@dataclass(frozen=True)
class Stored:
    """What a phone's PUT did: the contact, whether it is new, and the ETag to answer with (None when the card
    is not kept as sent, so the phone must read back what Kith stored)."""

    contact: Contact
    created: bool
    etag: str | None


@transaction.atomic
def card_put(
    owner: User,
    book: Book,
    name: str,
    card: Card,
    uid: str,
    *,
    sent: str = "",
    if_match: str | None = None,
    if_none_match: str | None = None,
) -> Stored:
    """Store a card a phone sent to `name` in `book` (`card` read from `sent`, the body's text).

    1. The card with this name (in the book) must pass the request's preconditions; a name that belongs to a
       contact with another UID is a conflict.
    2. A UID Kith knows, archived or not, is that contact: it is updated and brought back, and joins the book
       (a contact in neither intention book takes the book's; one in the other book becomes `both`).
    3. A new UID is a new contact with the book's intention, reminders paused, under "New from your phone".
    4. Tags are the card's CATEGORIES when it has any: phones that drop the property keep Kith's tags.
    5. The text is kept as sent, with the fingerprint of Kith's card for the contact now
       (dav.models.PhoneCard).
    """
    if not card_name_valid(name):
        raise Conflict(400, f"A card's name is 1 to {MAX_CARD_NAME} printable characters.")
    contacts = Contact.objects.select_for_update().filter(owner=owner)
    at_name = contacts.filter(card_name=name).first()
    _etag_check(at_name if at_name is not None and in_book(at_name, book) else None, if_match, if_none_match)
    if at_name is not None and at_name.uid != uid:
        raise Conflict(409, "Another card has this name; a card's UID cannot change.")
    contact = at_name or contacts.filter(uid=uid).first()
    created = contact is None
    if contact is None:
        contact = Contact(
            owner=owner,
            uid=uid,
            card_name=name,
            intention=book.made_as,
            reminders_paused=True,
            new_from_phone=True,
        )
        changed = [*_fields_set(contact, card), "intention"]
    else:
        changed = [*_fields_set(contact, card), *_placed(contact, book, name)]
    if changed:
        # Field checks as the edit form makes them; a ValidationError rolls everything back (a 400).
        contact.clean_fields(exclude=["owner", "tags", "uid", "card_name"])
        contact.clean()
        # A new contact is announced like any other, so its (paused) clocks are planned.
        contact_save(contact, changed)
    if contact.archived_at is not None:
        contact_archive(contact, archived=False)
    contact_set_emails(contact, [address for address, _label in card.emails])
    contact_set_phones(contact, [number for number, _label in card.phones])
    _labels_set(contact, card)
    if card.tags:
        contact_set_tags(contact, card.tags)
    return Stored(contact, created, _card_keep(contact, sent))


def _placed(contact: Contact, book: Book, name: str) -> list[str]:
    """Put a known contact into the book under `name`; returns the fields that changed. One in the other
    intention book becomes `both`; an archived one (in no book) takes the book's intention."""
    changed = []
    if not in_book(contact, book) and contact.intention not in book.intentions:
        contact.intention = book.made_as if contact.archived_at is not None else Intention.BOTH
        changed.append("intention")
    if contact.card_name != name:
        card_changes_record(contact.owner_id, [contact.card_name])
        contact.card_name = name
        changed.append("card_name")
    return changed


def _card_keep(contact: Contact, sent: str) -> str | None:
    """Keep the card as the phone sent it, beside the fingerprint of Kith's card for the contact now (read
    afresh, in the PUT's transaction); returns its ETag. A card Kith would not serve as sent is not kept
    (dav.cards.card_kept_version).
    Either way the card's ETag has changed, so its change is noted for the phone's other books and devices."""
    version = card_kept_version(sent)
    etag = None
    if version is None:
        PhoneCard.objects.filter(contact=contact).delete()
    else:
        fresh = Contact.objects.prefetch_related("emails", "phones", "tags").get(pk=contact.pk)
        etag = text_etag(sent)
        PhoneCard.objects.update_or_create(
            contact=contact,
            defaults={
                "version": version,
                "text": sent,
                "etag": etag,
                "fingerprint": card_fingerprint(fresh),
            },
        )
    card_changes_record(contact.owner_id, [contact.card_name])
    return etag


@transaction.atomic
def card_delete(owner: User, book: Book, name: str, *, if_match: str | None = None) -> Contact:
    """What deleting a card on a phone does: the contact is archived (its interactions stay), except that a
    `both` contact deleted from one intention book keeps the other intention. Raises Conflict (412) when the
    precondition fails, Contact.DoesNotExist when the book has no such card."""
    found = card_find(owner, book, name)
    contact = None if found is None else Contact.objects.select_for_update().get(pk=found.pk)
    if contact is None or not in_book(contact, book):
        raise Contact.DoesNotExist(name)
    _etag_check(contact, if_match, None)
    if book.slug != "all" and contact.intention == Intention.BOTH:
        contact.intention = (
            Intention.PROFESSIONAL if book.made_as == Intention.PERSONAL else Intention.PERSONAL
        )
        return contact_save(contact, ["intention"])
    return contact_archive(contact)


@transaction.atomic
def sync_password_create(owner: User, name: str, scope: str, books: str) -> tuple[AccessToken, str]:
    """An app password for a phone: an API token that offers `books` (dav.models.Books). Returns the token
    and its secret, to be shown once."""
    token, secret = token_create(owner, name, scope)
    SyncPassword.objects.create(token=token, books=books)
    return token, secret
