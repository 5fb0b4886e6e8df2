"""Domain functions that write contacts and tags. Views, imports and the capture screen call these, so that
every change that can move follow-ups is announced with `contacts_changed` once it has committed, and the
search text stays in step."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.choices import Circle, Intention
from accounts.models import User
from contacts.clock import contacts_refresh_clock
from contacts.models import (
    TAG_MAX_LENGTH,
    Contact,
    EmailAddress,
    PhoneNumber,
    Tag,
    card_changes_record,
    contacts_cards_changed,
)
from contacts.phones import phone_e164
from contacts.signals import PLANNING_FIELDS, contacts_changed, contacts_deleting
from contacts.text import casefold_key


def contacts_announce(owner: User, contact_ids: Iterable[int]) -> None:
    """Send `contacts_changed` once the current transaction commits (at once outside one), so that the
    follow-up planner re-reads committed rows and nothing is announced for a change that rolled back."""
    ids = sorted(set(contact_ids))
    if ids:
        transaction.on_commit(
            lambda: contacts_changed.send(sender=Contact, owner=owner, contact_ids=ids), robust=True
        )


def tag_clean_name(name: str) -> str:
    """A tag name as stored: spaces collapsed, at most the column's length."""
    return " ".join(name.split())[:TAG_MAX_LENGTH]


def tag_names_parse(text: str) -> list[str]:
    """Tag names from "climbing, Lisbon , climbing": cleaned, empty ones dropped, case-insensitive duplicates
    dropped (the first spelling wins)."""
    names: dict[str, str] = {}
    for raw in text.split(","):
        if name := tag_clean_name(raw):
            names.setdefault(casefold_key(name), name)
    return list(names.values())


def tag_get_or_create(owner: User, name: str) -> Tag:
    """The owner's tag with this name, ignoring case ("Climbing" is "climbing"), created when missing. The
    lookup and the unique constraint compare the same stored folded name, so a name the lookup misses is one
    the insert may add."""
    name = tag_clean_name(name)
    if not name:
        raise ValueError("A tag needs a name.")
    if (existing := tag_find(owner, name)) is not None:
        return existing
    try:
        with transaction.atomic():
            return Tag.objects.create(owner=owner, name=name)
    except IntegrityError:
        # Another request created it between the lookup and the insert.
        return Tag.objects.get(owner=owner, name_folded=casefold_key(name))


def tag_find(owner: User, name: str) -> Tag | None:
    """The owner's tag with this name, ignoring case, or None."""
    name = tag_clean_name(name)
    return Tag.objects.filter(owner=owner, name_folded=casefold_key(name)).first() if name else None


@transaction.atomic
def contact_create(
    owner: User,
    *,
    display_name: str,
    intention: str,
    circle: str = Circle.CLOSE,
    company: str = "",
    notes: str = "",
    email: str = "",
    phone: str = "",
) -> Contact:
    """Add a person, with at most one email address and phone number (the capture screen's row)."""
    contact = Contact(
        owner=owner,
        display_name=display_name.strip(),
        intention=intention,
        circle=circle,
        company=company.strip(),
        notes=notes.strip(),
    )
    # Field checks only: the caller's form has validated the input, and full_clean's constraint checks would
    # cost a query each.
    contact.clean_fields(exclude=["owner"])
    contact.save()
    if email.strip():
        contact_set_emails(contact, [email])
    if phone.strip():
        contact_set_phones(contact, [phone])
    contacts_announce(owner, [contact.pk])
    return contact


@transaction.atomic
def contact_save(contact: Contact, changed_fields: Collection[str]) -> Contact:
    """Save a contact whose fields were set by the caller (a form), announcing the change to the follow-up
    planner when one of `changed_fields` can move its follow-ups."""
    contact.save()
    if PLANNING_FIELDS.intersection(changed_fields):
        contacts_announce(contact.owner, [contact.pk])
    return contact


def contact_update(contact: Contact, **fields: object) -> Contact:
    """Set the given fields and save; only fields that really change count as changed. Setting the intention
    of a contact made on a phone, even to the one it has, is the user's decision: it leaves "New from your
    phone" and its reminders start."""
    if "intention" in fields and contact.new_from_phone:
        fields = {"reminders_paused": False, **fields, "new_from_phone": False}
    changed = [name for name, value in fields.items() if getattr(contact, name) != value]
    for name in changed:
        setattr(contact, name, fields[name])
    if not changed:
        return contact
    return contact_save(contact, changed)


@transaction.atomic
def contact_set_emails(contact: Contact, addresses: Sequence[str]) -> None:
    """Make the contact's email addresses exactly `addresses` (in order, duplicates ignoring case dropped),
    keeping the label of each address that stays."""
    wanted: dict[str, str] = {}
    for address in addresses:
        if address := address.strip():
            wanted.setdefault(casefold_key(address), address)
    current = {email.address_folded: email for email in contact.emails.all()}
    EmailAddress.objects.filter(pk__in=[e.pk for key, e in current.items() if key not in wanted]).delete()
    for key, address in wanted.items():
        email = current.get(key)
        if email is None:
            EmailAddress.objects.create(owner_id=contact.owner_id, contact=contact, address=address)
        elif email.address != address:
            email.address = address
            email.save(update_fields=["address"])
    card_changes_record(contact.owner_id, [contact.card_name])


@transaction.atomic
def contact_set_phones(contact: Contact, numbers: Sequence[str]) -> None:
    """Make the contact's phone numbers exactly `numbers`, keeping the label of each number that stays; a new
    number is normalised with the owner's phone region."""
    wanted: dict[str, str] = {}
    for number in numbers:
        if number := number.strip():
            wanted.setdefault(number, number)
    current = {phone.number: phone for phone in contact.phones.all()}
    PhoneNumber.objects.filter(pk__in=[p.pk for key, p in current.items() if key not in wanted]).delete()
    region = contact.owner.phone_region
    for number in wanted:
        if number not in current:
            PhoneNumber.objects.create(
                owner_id=contact.owner_id, contact=contact, number=number, e164=phone_e164(number, region)
            )
    card_changes_record(contact.owner_id, [contact.card_name])


@transaction.atomic
def contact_set_tags(contact: Contact, names: Iterable[str]) -> None:
    """Make the contact's tags exactly `names`, creating the owner's missing tags."""
    tags = [tag_get_or_create(contact.owner, name) for name in names if tag_clean_name(name)]
    contact.tags.set(tags)


@transaction.atomic
def contact_archive(contact: Contact, *, archived: bool = True) -> Contact:
    """Archive a contact (hidden from lists, no reminders, history kept) or bring it back."""
    if archived != contact.is_archived:
        contact.archived_at = timezone.now() if archived else None
        contact.save(update_fields=["archived_at", "updated_at"])
        contacts_announce(contact.owner, [contact.pk])
    return contact


@transaction.atomic
def contact_delete(contact: Contact) -> None:
    """Delete a contact for good. `contacts_deleting` lets the interactions app remove the interactions that
    were with this person alone first."""
    contacts_deleting.send(sender=Contact, owner=contact.owner, contact_ids=[contact.pk])
    contact.delete()
    # Phones syncing the books learn that the card is gone.
    card_changes_record(contact.owner_id, [contact.card_name])


class BulkAction:
    """What a bulk change does to the selected contacts."""

    SET_INTENTION = "set_intention"
    SET_CIRCLE = "set_circle"
    ADD_TAG = "add_tag"
    REMOVE_TAG = "remove_tag"
    PAUSE = "pause"
    RESUME = "resume"

    choices = [
        (SET_INTENTION, "Set intention"),
        (SET_CIRCLE, "Set circle"),
        (ADD_TAG, "Add tag"),
        (REMOVE_TAG, "Remove tag"),
        (PAUSE, "Pause reminders"),
        (RESUME, "Resume reminders"),
    ]


@transaction.atomic
def contacts_bulk_change(owner: User, contact_ids: Collection[int], action: str, value: str = "") -> int:
    """Apply one change to several of the owner's contacts at once; returns how many it changed.

    Intention, circle and pause are one UPDATE and are announced to the follow-up planner; tags go through
    the m2m relation, whose receivers rebuild the search text.
    """
    contacts = Contact.objects.filter(owner=owner, pk__in=list(contact_ids))
    now = timezone.now()
    if action == BulkAction.SET_INTENTION:
        if value not in Intention.values:
            raise ValueError(f"Unknown intention {value!r}")
        changed = list(contacts.exclude(intention=value).values_list("pk", flat=True))
        Contact.objects.filter(pk__in=changed).update(intention=value, updated_at=now)
        # As on the contact page: an intention set for contacts made on a phone starts their reminders.
        from_phone = list(contacts.filter(new_from_phone=True).values_list("pk", flat=True))
        Contact.objects.filter(pk__in=from_phone).update(
            new_from_phone=False, reminders_paused=False, updated_at=now
        )
        changed = sorted({*changed, *from_phone})
    elif action == BulkAction.SET_CIRCLE:
        if value not in Circle.values:
            raise ValueError(f"Unknown circle {value!r}")
        changed = list(contacts.exclude(circle=value).values_list("pk", flat=True))
        Contact.objects.filter(pk__in=changed).update(circle=value, updated_at=now)
    elif action in (BulkAction.PAUSE, BulkAction.RESUME):
        paused = action == BulkAction.PAUSE
        changed = list(contacts.exclude(reminders_paused=paused).values_list("pk", flat=True))
        Contact.objects.filter(pk__in=changed).update(reminders_paused=paused, updated_at=now)
    elif action == BulkAction.ADD_TAG:
        tag = tag_get_or_create(owner, value)
        changed = list(contacts.exclude(tags=tag).values_list("pk", flat=True))
        tag.contacts.add(*changed)
        return len(changed)
    elif action == BulkAction.REMOVE_TAG:
        existing = tag_find(owner, value)
        if existing is None:
            return 0
        changed = list(contacts.filter(tags=existing).values_list("pk", flat=True))
        existing.contacts.remove(*changed)
        return len(changed)
    else:
        raise ValueError(f"Unknown bulk action {action!r}")
    if action in (BulkAction.SET_INTENTION, BulkAction.SET_CIRCLE):
        contacts_refresh_clock(Contact.objects.filter(pk__in=changed), [owner])
    contacts_cards_changed(changed)
    contacts_announce(owner, changed)
    return len(changed)


class TagTaken(ValueError):
    """Another of the owner's tags has this name already (ignoring case)."""


def tag_create(owner: User, name: str) -> Tag:
    """A new tag; TagTaken when the owner has one of this name (ignoring case)."""
    name = tag_clean_name(name)
    if tag_find(owner, name) is not None:
        raise TagTaken(name)
    return tag_get_or_create(owner, name)


@transaction.atomic
def tag_rename(tag: Tag, name: str) -> Tag:
    """Rename a tag ("climbing" -> "Climbing" is a rename too); TagTaken when another tag has the name. The
    search text of its contacts follows (contacts.receivers)."""
    name = tag_clean_name(name)
    other = tag_find(tag.owner, name)
    if other is not None and other.pk != tag.pk:
        raise TagTaken(name)
    tag.name = name
    tag.save()
    return tag


def tag_delete(tag: Tag) -> None:
    """Delete a tag; its contacts lose it and nothing else."""
    tag.delete()
