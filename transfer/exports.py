"""Exports: every contact as one vCard 4.0 file, contacts and interactions as CSV. Each is a generator of text
chunks, so a large account streams instead of being built in memory."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch

from accounts.models import User
from contacts.models import Contact
from interactions.models import Interaction
from transfer.csvfiles import CONTACT_COLUMNS, cell_values_write, csv_write
from transfer.vcard import Card, card_write, extra_lines, property_parse

_CHUNK = 500


def _contacts(owner: User):
    return Contact.objects.filter(owner=owner).order_by("pk").prefetch_related("emails", "phones", "tags")


def _tag_names(contact: Contact) -> list[str]:
    """Tag names sorted ignoring case, so an export reads the same on every database's collation."""
    return sorted((t.name for t in contact.tags.all()), key=str.casefold)


def contact_card(contact: Contact) -> Card:
    birthday = None
    if contact.birthday_month and contact.birthday_day:
        birthday = (contact.birthday_month, contact.birthday_day, contact.birthday_year)
    return Card(
        display_name=contact.display_name,
        given_name=contact.given_name,
        family_name=contact.family_name,
        company=contact.company,
        title=contact.title,
        birthday=birthday,
        emails=[(e.address, e.label) for e in contact.emails.all()],
        phones=[(p.number, p.label) for p in contact.phones.all()],
        links=[str(link) for link in contact.links or []],
        notes=contact.notes,
        tags=_tag_names(contact),
        intention=contact.intention,
        circle=contact.circle,
        extra=extra_lines(contact.vcard_extra),
    )


def contacts_vcard(owner: User) -> Iterator[str]:
    """Every contact of `owner` as vCard 4.0: Kith's fields, tags as CATEGORIES, intention and circle as
    X-KITH- properties, and the properties Kith keeps without a field written back as they came. Each card
    has its contact's UID, the one phones sync by, so that importing the file back finds each contact (a
    UID kept from an earlier import would be a second one)."""
    for contact in _contacts(owner).iterator(chunk_size=_CHUNK):
        card = contact_card(contact)
        card.uid = contact.uid
        card.extra = [line for line in card.extra if not _is_uid(line)]
        yield card_write(card)


def _is_uid(line: str) -> bool:
    prop = property_parse(line)
    return prop is not None and prop.name == "UID"


def _birthday_text(contact: Contact) -> str:
    if not (contact.birthday_month and contact.birthday_day):
        return ""
    month_day = f"{contact.birthday_month:02d}-{contact.birthday_day:02d}"
    return f"{contact.birthday_year:04d}-{month_day}" if contact.birthday_year else f"--{month_day}"


def _labels_cell(labels: list[str]) -> str:
    """The labels that line up with a cell's values, without the empty lines that trail them."""
    return cell_values_write(labels).rstrip("\n")


def contacts_csv(owner: User) -> Iterator[str]:
    """One row per contact (csvfiles.CONTACT_COLUMNS), which Kith imports back as it was: several emails,
    phones, links or tags share a cell, one per line, with the labels of emails and phones lined up in the
    next cell."""
    yield csv_write(CONTACT_COLUMNS, [])
    for contact in _contacts(owner).iterator(chunk_size=_CHUNK):
        yield csv_write(
            None,
            [
                [
                    contact.display_name,
                    contact.given_name,
                    contact.family_name,
                    contact.company,
                    contact.title,
                    _birthday_text(contact),
                    cell_values_write(e.address for e in contact.emails.all()),
                    _labels_cell([e.label for e in contact.emails.all()]),
                    cell_values_write(p.number for p in contact.phones.all()),
                    _labels_cell([p.label for p in contact.phones.all()]),
                    cell_values_write(str(link) for link in contact.links or []),
                    cell_values_write(_tag_names(contact)),
                    contact.intention,
                    contact.circle,
                    "yes" if contact.reminders_paused else "",
                    contact.archived_at.date().isoformat() if contact.archived_at else "",
                    contact.last_interaction_at.isoformat() if contact.last_interaction_at else "",
                    contact.notes,
                    contact.uid,
                ]
            ],
        )


INTERACTION_COLUMNS = ["When", "Kind", "Purpose", "Setting", "Event", "Participants", "Notes"]


def interactions_csv(owner: User) -> Iterator[str]:
    """One row per interaction, its time in the owner's time zone, participants separated by " ; "."""
    zone = owner.zone
    yield csv_write(INTERACTION_COLUMNS, [])
    interactions = (
        Interaction.objects.filter(owner=owner)
        .order_by("occurred_at", "pk")
        .select_related("event")
        .prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by("display_name")))
    )
    for interaction in interactions.iterator(chunk_size=_CHUNK):
        yield csv_write(
            None,
            [
                [
                    interaction.occurred_at.astimezone(zone).isoformat(timespec="minutes"),
                    interaction.kind,
                    interaction.purpose,
                    interaction.setting,
                    interaction.event.name if interaction.event else "",
                    " ; ".join(c.display_name for c in interaction.contacts.all()),
                    interaction.notes,
                ]
            ],
        )
