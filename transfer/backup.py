"""The full JSON backup: everything a user owns, versioned, and its restore into an empty account.

The backup holds the user's settings (not their login, email address or private link secrets), tags,
contacts with emails, phones, tags, cadence overrides, kept vCard properties and their identity on phones
(the card's UID and name, so a phone syncing a restored account by CardDAV sees the same cards, not each one
twice), events, interactions with their participants, and follow-ups with their states. Ids in the file
only tie its parts together; a restore gives every row a new id. Digests (the record of emails already sent)
are not part of it.

Restoring writes everything in one transaction, checks every row as a form would, and refuses an account
that already holds contacts, events, interactions or tags: merging two accounts' histories would need
choices the file cannot make.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Model
from django.utils import timezone

from accounts.choices import Circle, Intention, Purpose
from accounts.confirmations import addresses_changed
from accounts.dates import EARLIEST_YEAR, LATEST_YEAR, date_in_bounds
from accounts.models import User
from contacts.actions import phone_e164
from contacts.clock import contacts_refresh_clock
from contacts.models import Contact, EmailAddress, PhoneNumber, Tag, contacts_refresh_search_text
from contacts.text import casefold_key
from followups.engine import contacts_refresh_next_followup
from followups.models import FollowUp
from interactions.actions import contacts_refresh_last_seen
from interactions.days import interaction_days_refresh
from interactions.models import Event, Interaction, Participation

BACKUP_FORMAT = "kith-backup"
BACKUP_VERSION = 1
MAX_BACKUP_BYTES = 50 * 1024 * 1024

SETTINGS_FIELDS = [
    "time_zone",
    "digest_hour",
    "digest_frequency",
    "digest_weekday",
    "reminder_email",
    *(f"{p}_{c}_days" for p in Purpose.values for c in Circle.values),
]
CONTACT_FIELDS = [
    "display_name",
    "given_name",
    "family_name",
    "company",
    "title",
    "birthday_month",
    "birthday_day",
    "birthday_year",
    "links",
    "notes",
    "intention",
    "circle",
    "personal_cadence_days",
    "professional_cadence_days",
    "reminders_paused",
    "archived_at",
    "vcard_extra",
    "created_at",
]
# A contact's card on phones (CardDAV). A backup from before phone sync has none: a restored contact then gets
# a new UID and card name, as any new contact does.
CARD_FIELDS = ["uid", "card_name", "new_from_phone"]
EVENT_FIELDS = ["name", "start_date", "end_date", "place", "setting", "notes", "created_at"]
INTERACTION_FIELDS = ["occurred_at", "kind", "purpose", "setting", "notes", "created_at"]
FOLLOWUP_FIELDS = [
    "purpose",
    "reason",
    "due_on",
    "state",
    "note",
    "clock_since",
    "cadence_days",
    "snoozed_until",
    "sent_at",
    "done_at",
    "dismissed_at",
    "created_at",
]


class BackupRefused(ValueError):
    """A backup Kith will not restore, with the message the person sees. Nothing has been written."""


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _fields(obj: object, names: list[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in names}


def _participations(interaction: Interaction) -> list[Participation]:
    return sorted(interaction.participations.all(), key=lambda p: p.contact_id)


def backup_build(owner: User) -> dict[str, Any]:
    """Everything `owner` owns, as plain JSON values."""
    contacts = Contact.objects.filter(owner=owner).order_by("pk").prefetch_related("emails", "phones", "tags")
    interactions = Interaction.objects.filter(owner=owner).order_by("pk").prefetch_related("participations")
    return {
        "format": BACKUP_FORMAT,
        "version": BACKUP_VERSION,
        "exported_at": timezone.now().isoformat(),
        "settings": _fields(owner, SETTINGS_FIELDS),
        "tags": list(Tag.objects.filter(owner=owner).order_by("name").values_list("name", flat=True)),
        "contacts": [
            {
                "id": c.pk,
                **_fields(c, CONTACT_FIELDS),
                **_fields(c, CARD_FIELDS),
                "emails": [{"address": e.address, "label": e.label} for e in c.emails.all()],
                "phones": [{"number": p.number, "label": p.label} for p in c.phones.all()],
                "tags": sorted(t.name for t in c.tags.all()),
            }
            for c in contacts
        ],
        "events": [
            {"id": e.pk, **_fields(e, EVENT_FIELDS)} for e in Event.objects.filter(owner=owner).order_by("pk")
        ],
        "interactions": [
            {
                "id": i.pk,
                **_fields(i, INTERACTION_FIELDS),
                "event": i.event_id,
                "participants": [p.contact_id for p in _participations(i)],
                # Each participant's intention when they took part (the event cohorts' "changed since").
                "intentions_then": [p.intention_then for p in _participations(i)],
            }
            for i in interactions
        ],
        "followups": [
            {"id": f.pk, "contact": f.contact_id, **_fields(f, FOLLOWUP_FIELDS)}
            for f in FollowUp.objects.filter(owner=owner).order_by("pk")
        ],
    }


def account_is_empty(owner: User) -> bool:
    return not any(
        model.objects.filter(owner=owner).exists() for model in (Contact, Event, Interaction, Tag, FollowUp)
    )


@dataclass
class RestoreResult:
    contacts: int
    events: int
    interactions: int
    followups: int

    def __str__(self) -> str:
        return (
            f"{self.contacts} contacts, {self.events} events, {self.interactions} interactions and "
            f"{self.followups} follow-ups"
        )


def _set(obj: object, names: list[str], data: dict[str, Any]) -> None:
    """Set each field from the file, refusing a value its field cannot read and a date or datetime outside
    Kith's years (accounts.dates), which no form would have taken and the pages could not show."""
    what = type(obj).__name__.lower()
    for name in names:
        if name not in data:
            raise BackupRefused(f"The backup is damaged: a {what} has no “{name}”.")
        field = obj._meta.get_field(name)  # type: ignore[attr-defined]
        try:
            value = field.to_python(data[name])
        except ValidationError as error:
            raise BackupRefused(
                f"The backup is damaged: {name} {data[name]!r} ({error.messages[0]})"
            ) from error
        if isinstance(value, dt.date) and not date_in_bounds(value):
            raise BackupRefused(
                f"The backup is damaged: the {what} field “{name}” holds {data[name]!r}, which is not "
                f"between {EARLIEST_YEAR} and {LATEST_YEAR}."
            )
        setattr(obj, name, value)


def _check(obj: Any, exclude: list[str]) -> None:
    try:
        obj.clean_fields(exclude=exclude)
        obj.clean()
    except ValidationError as error:
        what = type(obj).__name__.lower()
        raise BackupRefused(
            f"The backup is damaged: a {what} does not fit ({'; '.join(error.messages)})."
        ) from error


def backup_check(data: Any) -> None:
    if not isinstance(data, dict) or data.get("format") != BACKUP_FORMAT:
        raise BackupRefused("This is not a Kith backup file.")
    version = data.get("version")
    if not isinstance(version, int) or version > BACKUP_VERSION:
        raise BackupRefused(
            f"This backup was made by a newer Kith (format version {version}); this one reads up to "
            f"version {BACKUP_VERSION}."
        )
    for key in ("settings", "tags", "contacts", "events", "interactions", "followups"):
        if not isinstance(data.get(key), dict if key == "settings" else list):
            raise BackupRefused(f"The backup is damaged: “{key}” is missing.")
    if "\\u0000" in json.dumps(data):
        # No text Kith writes holds one, and PostgreSQL cannot store one.
        raise BackupRefused("The backup is damaged: it holds a NUL character.")


@transaction.atomic
def backup_restore(owner: User, data: Any) -> RestoreResult:
    """Restore a backup into `owner`'s empty account, all or nothing. Raises BackupRefused."""
    backup_check(data)
    if not account_is_empty(owner):
        raise BackupRefused(
            "Kith restores a backup only into an empty account, and this one already has contacts, events "
            "or tags. Sign up for a new account and restore it there, or delete what is here first."
        )
    try:
        return _restore(owner, data)
    except BackupRefused:
        raise
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise BackupRefused(f"The backup is damaged ({type(error).__name__}: {error}).") from error
    except DatabaseError as error:
        raise BackupRefused(f"The backup does not fit this Kith ({error}).") from error


def _restore(owner: User, data: dict[str, Any]) -> RestoreResult:
    """Write a checked backup into `owner`'s account, in the caller's transaction.

    1. Settings: set directly; the follow-ups come from the file, so nothing is re-planned.
    2. Tags, then contacts with their emails, phones and tags.
    3. Events and interactions with their participants.
    4. Follow-ups as they were: states, snoozes and dismissals are the user's history.
    5. Creation times are the originals (auto_now_add set "now" on insert), and the clocks of contacts
       without interactions start from them; the denormalised dates and the counts of interactions per
       day (interactions.days) follow the restored rows.
    """
    _settings_restore(owner, data["settings"])
    # Every restored row with the creation time the file gives it, for step 5.
    originals: list[tuple[Any, dt.datetime]] = []
    tags = _tags_restore(owner, data["tags"])
    contact_ids = _contacts_restore(owner, data["contacts"], tags, originals)
    event_ids = _events_restore(owner, data["events"], originals)
    interaction_count = _interactions_restore(owner, data["interactions"], event_ids, contact_ids, originals)
    followup_count = _followups_restore(owner, data["followups"], contact_ids, originals)
    _created_at_restore(originals)
    ids = [c.pk for c in contact_ids.values()]
    contacts_refresh_search_text(ids)
    contacts_refresh_last_seen(ids)
    # The restored settings and creation times move clocks the timeline summary did not touch.
    contacts_refresh_clock(Contact.objects.filter(owner=owner), [owner])
    contacts_refresh_next_followup(ids)
    interaction_days_refresh(owner)
    return RestoreResult(len(contact_ids), len(event_ids), interaction_count, followup_count)


def _settings_restore(owner: User, settings: dict[str, Any]) -> None:
    _set(owner, SETTINGS_FIELDS, settings)
    owner.next_digest_at = None
    _check(owner, exclude=[f.name for f in User._meta.fields if f.name not in SETTINGS_FIELDS])
    owner.save()
    # A restored reminder address is a new one to confirm: its email is due now, and the beat tick sends it
    # (the digest must not stop silently for an address nobody was asked about).
    addresses_changed(owner)


def _tags_restore(owner: User, names: list[Any]) -> dict[str, Tag]:
    """The file's tags, by case-folded name (of two that fold alike, as an older Kith could keep, the first
    one's spelling wins)."""
    tags: dict[str, Tag] = {}
    for name in names:
        if casefold_key(str(name)) not in tags:
            tags[casefold_key(str(name))] = Tag.objects.create(owner=owner, name=str(name))
    return tags


def _contacts_restore(
    owner: User, items: list[dict[str, Any]], tags: dict[str, Tag], originals: list[tuple[Any, dt.datetime]]
) -> dict[int, Contact]:
    """The contacts with their emails, phones and tags (a tag missing from the file's list is made); returns
    them by their id in the file."""
    contact_ids: dict[int, Contact] = {}
    seen: set[tuple[str, str]] = set()
    for item in items:
        contact = Contact(owner=owner)
        _set(contact, CONTACT_FIELDS, item)
        _card_set(contact, item, seen)
        _check(contact, exclude=["owner", "tags"])
        originals.append((contact, contact.created_at))
        contact.save()
        contact_ids[item["id"]] = contact
        # Of two addresses that fold alike, as an older Kith could keep, the first stays.
        emails: dict[str, dict[str, Any]] = {}
        for e in item["emails"]:
            emails.setdefault(casefold_key(e["address"]), e)
        EmailAddress.objects.bulk_create(
            EmailAddress(owner=owner, contact=contact, address=e["address"], label=e.get("label", ""))
            for e in emails.values()
        )
        PhoneNumber.objects.bulk_create(
            PhoneNumber(
                owner=owner,
                contact=contact,
                number=p["number"],
                e164=phone_e164(p["number"], owner.phone_region),
                label=p["label"],
            )
            for p in item["phones"]
        )
        for name in item["tags"]:
            if casefold_key(str(name)) not in tags:
                tags[casefold_key(str(name))] = Tag.objects.create(owner=owner, name=str(name))
        contact.tags.set([tags[casefold_key(str(name))] for name in item["tags"]])
    return contact_ids


def _card_set(contact: Contact, item: dict[str, Any], seen: set[tuple[str, str]]) -> None:
    """The contact's card identity from the file, where it has one: a UID and a card name no other contact in
    the file has (each is unique per owner, so another account's same UIDs do not matter), each 1 to 255
    printable characters without "/", as CardDAV takes them; and whether it is still new from the phone."""
    for name in ("uid", "card_name"):
        if item.get(name) is None:
            continue
        value = item[name]
        bound = getattr(Contact._meta.get_field(name), "max_length", None) or 255
        if not (
            isinstance(value, str) and 0 < len(value) <= bound and value.isprintable() and "/" not in value
        ):
            raise BackupRefused(
                f"The backup is damaged: a contact's {name} {value!r:.80} is not one a card can have."
            )
        if (name, value) in seen:
            raise BackupRefused(f"The backup is damaged: two contacts have the {name} {value!r:.80}.")
        seen.add((name, value))
        setattr(contact, name, value)
    if "new_from_phone" in item:
        if not isinstance(item["new_from_phone"], bool):
            raise BackupRefused("The backup is damaged: a contact's new_from_phone is not true or false.")
        contact.new_from_phone = item["new_from_phone"]


def _events_restore(
    owner: User, items: list[dict[str, Any]], originals: list[tuple[Any, dt.datetime]]
) -> dict[int, Event]:
    """The events, by their id in the file."""
    event_ids: dict[int, Event] = {}
    for item in items:
        event = Event(owner=owner)
        _set(event, EVENT_FIELDS, item)
        _check(event, exclude=["owner"])
        originals.append((event, event.created_at))
        event.save()
        event_ids[item["id"]] = event
    return event_ids


def _interactions_restore(
    owner: User,
    items: list[dict[str, Any]],
    event_ids: dict[int, Event],
    contact_ids: dict[int, Contact],
    originals: list[tuple[Any, dt.datetime]],
) -> int:
    """The interactions with their participants; returns how many."""
    interaction_count = 0
    for item in items:
        interaction = Interaction(owner=owner, event=event_ids[item["event"]] if item["event"] else None)
        _set(interaction, INTERACTION_FIELDS, item)
        _check(interaction, exclude=["owner", "event"])
        originals.append((interaction, interaction.created_at))
        interaction.save()
        participations = [Participation.of(interaction, contact_ids[c]) for c in item["participants"]]
        # Older backups hold no intentions_then: the intention now, as the migration that added it gave.
        if "intentions_then" in item:
            then = item["intentions_then"]
            if not isinstance(then, list) or len(then) != len(participations) or set(then) - set(Intention):
                raise BackupRefused("The backup is damaged: an interaction's intentions_then does not fit.")
            for participation, intention in zip(participations, then, strict=True):
                participation.intention_then = intention
        Participation.objects.bulk_create(participations)
        interaction_count += 1
    return interaction_count


def _followups_restore(
    owner: User,
    items: list[dict[str, Any]],
    contact_ids: dict[int, Contact],
    originals: list[tuple[Any, dt.datetime]],
) -> int:
    """The follow-ups, in one statement; returns how many."""
    followups = []
    for item in items:
        followup = FollowUp(owner=owner, contact=contact_ids[item["contact"]])
        _set(followup, FOLLOWUP_FIELDS, item)
        _check(followup, exclude=["owner", "contact", "digest"])
        originals.append((followup, followup.created_at))
        followups.append(followup)
    FollowUp.objects.bulk_create(followups)
    return len(followups)


def _created_at_restore(originals: list[tuple[Any, dt.datetime]]) -> None:
    """Give every restored row its original creation time, one model at a time."""
    by_model: dict[type[Model], list[Model]] = {}
    for obj, created in originals:
        obj.created_at = created
        by_model.setdefault(type(obj), []).append(obj)
    for model, objs in by_model.items():
        # bulk_update writes the values as set; auto_now_add only acts on insert. Each of these models has one
        # manager, `objects`, which is therefore its default manager, the one generic code reaches.
        model._default_manager.bulk_update(objs, ["created_at"], batch_size=500)
