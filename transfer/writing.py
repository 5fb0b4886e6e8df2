"""Writing an import: `import_apply` writes the good rows for one person in one transaction.

New contacts are made in bulk through contacts' own helpers (search text, tags), with their follow-ups
planned as they are made (`followups.engine.followups_plan_new`), so each is written once; a row that
matches an existing contact (transfer.matching) fills it in instead of making a twin. Importing the same
file twice changes nothing the second time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.bulk import pairs_add
from accounts.choices import CIRCLES, INTENTIONS, Circle, Intention, Purpose, Setting
from accounts.models import User
from contacts.actions import contacts_announce, tag_clean_name, tag_get_or_create
from contacts.forms import MAX_EMAILS, MAX_LINKS, MAX_PHONES, MAX_TAGS
from contacts.models import (
    Contact,
    EmailAddress,
    PhoneNumber,
    Tag,
    card_changes_record,
    contacts_cards_changed,
    contacts_refresh_search_text,
)
from contacts.policy import Touch, local_date
from contacts.text import casefold_key
from dashboards.tag_days import tag_days_for_contacts
from followups.engine import followups_plan_new
from followups.models import FollowUp
from interactions.actions import contacts_refresh_last_seen, timeline_summary
from interactions.days import interaction_days_of, interaction_days_refresh
from interactions.models import Interaction, Kind, Participation
from interactions.signals import interactions_announce
from transfer.matching import AMBIGUOUS, MatchIndex, phone_e164_known, phone_key
from transfer.reading import RowPreview, RowStatus, card_fatal
from transfer.vcard import Card, extra_lines, text_escape

# The notes of the first interaction a LinkedIn connection gets; also how a second import recognises it.
CONNECTED_NOTE = "Connected on LinkedIn"
_BATCH = 1000
# The share of the progress bar that matching takes; writing takes the rest.
_MATCHING_SHARE = 0.2
_CARD_NAME_MAX = Contact._meta.get_field("card_name").max_length or 255


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    # Rows several existing contacts could be (transfer.matching), left out.
    ambiguous: int = 0
    contact_ids: list[int] = field(default_factory=list)


# A contact's lists, each with its bound (the contact form's), the property a value past it is kept as, and
# the key that says two values are the same.
_LISTS: dict[str, tuple[int, str, Callable[[Any], object]]] = {
    "emails": (MAX_EMAILS, "EMAIL", lambda email: casefold_key(email[0])),
    "phones": (MAX_PHONES, "TEL", lambda phone: phone_key(phone[0]) or phone[0]),
    "tags": (MAX_TAGS, "CATEGORIES", casefold_key),
    "links": (MAX_LINKS, "URL", str),
}


def _capped[T](have: int, new: list[T], limit: int) -> tuple[list[T], list[T]]:
    """The new values that fit beside `have` within a contact's bound, and those that do not."""
    room = max(0, limit - have)
    return new[:room], new[room:]


def _value_key(name: str, value: Any, region: str) -> object:
    """What makes two of a contact's values the same; phone numbers are read in the owner's region."""
    if name == "phones":
        return phone_key(value[0], region) or value[0]
    return _LISTS[name][2](value)


def _new_values(card: Card, name: str, seen: set[object], region: str = "") -> list:
    """The card's emails, phones, tags or links (`name`) whose keys are not in `seen`, which learns them."""
    new = []
    for value in getattr(card, name):
        if (k := _value_key(name, value, region)) not in seen:
            seen.add(k)
            new.append(value)
    return new


def _overflow_lines(name: str, values: list) -> list[str]:
    """Values past a contact's bound, as the kept lines they become."""
    prop = _LISTS[name][1]
    return [f"{prop}:{text_escape(v if isinstance(v, str) else v[0])}" for v in values]


def _cards_merge(cards: list[Card], region: str = "") -> Card:
    """The rows of one file for one person as one card: the first row's values win, later rows add what it
    lacks. A contact's bounds hold (those of its form): what would pass one is kept with the contact's
    extras, so nothing is lost. Linear in the rows: each list is checked against a set."""
    into = cards[0]
    if len(cards) == 1:
        return into
    seen = {name: {_value_key(name, v, region) for v in getattr(into, name)} for name in _LISTS}
    extra, notes = set(into.extra), {into.notes}
    for card in cards[1:]:
        for name in ("given_name", "family_name", "company", "title", "intention", "circle"):
            if not getattr(into, name) and getattr(card, name):
                setattr(into, name, getattr(card, name))
        if card.notes and card.notes not in notes:
            notes.add(card.notes)
            into.notes = f"{into.notes}\n\n{card.notes}".strip()
        into.birthday = into.birthday or card.birthday
        into.connected_on = into.connected_on or card.connected_on
        overflow = []
        for name, (limit, _prop, _key) in _LISTS.items():
            values = getattr(into, name)
            kept, over = _capped(len(values), _new_values(card, name, seen[name], region), limit)
            values += kept
            overflow += _overflow_lines(name, over)
        for line in [*card.extra, *overflow]:
            if line not in extra:
                extra.add(line)
                into.extra.append(line)
    return into


def _new_contact(owner: User, card: Card, intention: str, taken: set[str]) -> Contact:
    """The contact a row makes, with the row's UID (a phone's export, another Kith account's) when it and its
    card name are not `taken` (which learns them): the file's next import, or a phone, then finds it."""
    birthday = card.birthday or (None, None, None)
    card_name = f"{card.uid}.vcf" if card.uid else ""
    if card_name in taken or f"uid:{card.uid}" in taken or len(card_name) > _CARD_NAME_MAX:
        card_name = ""
    if card_name:
        taken |= {card_name, f"uid:{card.uid}"}
    return Contact(
        owner_id=owner.pk,
        uid=card.uid if card_name else "",
        card_name=card_name,
        display_name=card.display_name,
        given_name=card.given_name,
        family_name=card.family_name,
        company=card.company,
        title=card.title,
        birthday_month=birthday[0],
        birthday_day=birthday[1],
        birthday_year=birthday[2],
        links=list(card.links),
        notes=card.notes,
        intention=card.intention if card.intention in INTENTIONS else intention,
        circle=card.circle if card.circle in CIRCLES else Circle.CLOSE,
        vcard_extra="\n".join(card.extra),
        reminders_paused=card.reminders_paused,
        # The contacts CSV writes the day it was archived; noon UTC keeps that day on the next export.
        archived_at=dt.datetime.combine(card.archived_on, dt.time(12), tzinfo=dt.UTC)
        if card.archived_on
        else None,
    )


def _contact_absorb(contact: Contact, card: Card) -> set[str]:
    """Fill a matched contact's empty fields from the card (the contact's own values win) and add links,
    notes and extras it lacks; returns the changed field names."""
    changed = set()
    for name in ("given_name", "family_name", "company", "title"):
        if not getattr(contact, name) and getattr(card, name):
            setattr(contact, name, getattr(card, name))
            changed.add(name)
    if card.notes and card.notes not in contact.notes:
        contact.notes = f"{contact.notes}\n\n{card.notes}".strip()
        changed.add("notes")
    if card.birthday and contact.birthday_month is None:
        contact.birthday_month, contact.birthday_day, contact.birthday_year = card.birthday
        changed |= {"birthday_month", "birthday_day", "birthday_year"}
    new_links = _new_values(card, "links", set(contact.links))
    new_links, over = _capped(len(contact.links), new_links, MAX_LINKS)
    if new_links:
        contact.links = [*contact.links, *new_links]
        changed.add("links")
    lines = extra_lines(contact.vcard_extra)
    known = set(lines)
    new_lines = [line for line in [*card.extra, *_overflow_lines("links", over)] if line not in known]
    if new_lines:
        contact.vcard_extra = "\n".join([*lines, *new_lines])
        changed.add("vcard_extra")
    return changed


def _noon(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """A date-only entry is stored at noon local time (PRODUCT.md)."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=zone)


def _connection(on: dt.date, zone: dt.tzinfo) -> Interaction:
    """LinkedIn's "connected on" as the interaction it is logged as (its owner and people are set later)."""
    return Interaction(
        occurred_at=_noon(on, zone),
        kind=Kind.OTHER,
        purpose=Purpose.PROFESSIONAL,
        setting=Setting.FORMAL,
        notes=CONNECTED_NOTE,
    )


def import_apply(
    owner: User,
    cards: Sequence[Card],
    *,
    intention: str,
    tags: Iterable[str] = (),
    progress: Callable[[float], None] | None = None,
    finish: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Import the valid cards for `owner`: new people get `intention`, everyone imported gets `tags`.

    1. Outside any transaction (reads only): match every card against the owner's contacts and the rows
       before it. `progress(fraction)` hears how far the import is, from 0 to 1, after every 1,000 rows
       and each step of the write.
    2. In one transaction: create the new contacts, emails, phones and tag links in bulk; fill in matched
       contacts; log LinkedIn's "connected on" as a professional interaction where the contact has none yet;
       refresh search text and last-seen dates. New contacts' follow-ups are planned as they are made;
       matched contacts with a new "connected on" are re-planned in the transaction, those whose birthday
       moved after the commit. `finish(result)` runs last, inside the transaction (the job marks itself
       done there, so "done" and the data commit together).
    """
    if intention not in Intention.values:
        raise ValueError(f"Unknown intention {intention!r}")
    batch_tags = [t for t in (tag_clean_name(t) for t in tags) if t]
    result = ImportResult()
    index = MatchIndex.build(owner)
    new_cards: dict[str, list[Card]] = {}
    updates: dict[int, list[Card]] = {}
    for number, card in enumerate(cards, start=1):
        if progress and number % _BATCH == 0:
            progress(_MATCHING_SHARE * number / len(cards))
        if card_fatal(card):
            result.invalid += 1
            continue
        key = f"row:{number}"
        found, _why = index.place(card, key)
        if found == AMBIGUOUS:
            result.ambiguous += 1
        elif isinstance(found, int):
            updates.setdefault(found, []).append(card)
        elif found is not None:
            new_cards[found].append(card)
        else:
            new_cards[key] = [card]
    merged = [_cards_merge(same, owner.phone_region) for same in new_cards.values()]
    with transaction.atomic():
        _write(owner, merged, updates, intention, batch_tags, result, progress)
        if finish:
            finish(result)
    return result


def _write(
    owner: User,
    new_cards: list[Card],
    updates: dict[int, list[Card]],
    intention: str,
    batch_tags: list[str],
    result: ImportResult,
    progress: Callable[[float], None] | None = None,
) -> None:
    """Write what `import_apply` sorted out, inside its transaction.

    1. Make every tag the file or the batch names.
    2. Create the new contacts in bulk, and gather their emails, phone numbers, tag links and connections.
    3. Fill in the matched contacts, never overwriting, and gather what they lack.
    4. Write what was gathered in bulk, and log LinkedIn's "connected on" dates as interactions.
    5. Refresh the search text of the changed contacts and announce the changed ones.
    """

    def step(done: float) -> None:
        if progress:
            progress(_MATCHING_SHARE + (1 - _MATCHING_SHARE) * done)

    additions = _Additions(owner, _tags_get_or_create(owner, new_cards, updates, batch_tags), batch_tags)
    contacts = _contacts_create(owner, new_cards, intention, batch_tags, step)
    for contact, card in zip(contacts, new_cards, strict=True):
        additions.add_new(contact, card)
    result.created = len(contacts)
    changed_contacts, birthday_moved = _contacts_fill(owner, updates, additions, result)
    step(0.6)
    additions.write(step)
    new_ids = {c.pk for c in contacts}
    _connections_log(owner, additions.connected, new_ids)
    # Known contacts given tags: their interactions count for those tags now (dashboards.tag_days). The new
    # ones' only interactions are their connections, counted with every tag just above.
    tagged = [(c, t) for c, t in additions.links if c not in new_ids]
    tag_days_for_contacts(owner, {c for c, _t in tagged}, {t for _c, t in tagged})

    changed_ids = {c.pk for c in changed_contacts}
    if changed_ids:
        contacts_refresh_search_text(changed_ids)
    # Bulk inserts go around Contact.save(): phones syncing the books learn of the new and filled-in cards
    # (the new ones' names are at hand: their fields' pre_save filled them in).
    card_changes_record(owner.pk, [c.card_name for c in contacts])
    contacts_cards_changed(updates)
    # New contacts were planned when made. Matched ones with a new "connected on" are re-planned inside this
    # transaction, in one batch; those whose birthday moved, after the commit.
    connected_ids = {c.pk for c, _on in additions.connected if c.pk not in new_ids}
    contacts_announce(owner, [pk for pk in birthday_moved if pk not in connected_ids])
    interactions_announce(owner, connected_ids)
    result.contact_ids = sorted(new_ids | changed_ids)


@dataclass
class _Additions:
    """The emails, phone numbers, tag links and LinkedIn connections an import adds to its new and matched
    contacts. They are gathered contact by contact and written at the end, so that the whole file costs a
    few statements instead of a few per contact."""

    owner: User
    tag_ids: dict[str, int]  # every tag the import names, by case-folded name
    batch_tags: list[str]
    emails: list[EmailAddress] = field(default_factory=list)
    phones: list[PhoneNumber] = field(default_factory=list)
    links: set[tuple[int, int]] = field(default_factory=set)  # (contact id, tag id)
    connected: list[tuple[Contact, dt.date]] = field(default_factory=list)

    def add_new(self, contact: Contact, card: Card) -> None:
        """Everything the row of a contact just created holds besides its fields."""
        self.emails += [
            EmailAddress(owner_id=self.owner.pk, contact_id=contact.pk, address=a, label=lb)
            for a, lb in card.emails
        ]
        self.phones += [
            PhoneNumber(
                owner_id=self.owner.pk,
                contact_id=contact.pk,
                number=n,
                e164=phone_e164_known(n, self.owner.phone_region),
                label=lb,
            )
            for n, lb in card.phones
        ]
        for name in [*card.tags, *self.batch_tags]:
            self.links.add((contact.pk, self.tag_ids[casefold_key(name)]))
        if card.connected_on:
            self.connected.append((contact, card.connected_on))

    def write(self, step: Callable[[float], None]) -> None:
        """The emails, phone numbers and tag links, in bulk; a tag link the contact has is left alone."""
        EmailAddress.objects.bulk_create(self.emails, batch_size=_BATCH)
        PhoneNumber.objects.bulk_create(self.phones, batch_size=_BATCH)
        step(0.75)
        pairs_add(Contact.tags.through, ("contact", "tag"), self.links)
        step(0.85)


def _tags_get_or_create(
    owner: User, new_cards: list[Card], updates: dict[int, list[Card]], batch_tags: list[str]
) -> dict[str, int]:
    """The id of every tag the import names, by case-folded name; a tag the owner lacks is made."""
    tag_ids: dict[str, int] = {}
    for name in {
        *batch_tags,
        *(t for c in new_cards for t in c.tags),
        *(t for cs in updates.values() for c in cs for t in c.tags),
    }:
        tag_ids.setdefault(casefold_key(name), tag_get_or_create(owner, name).pk)
    return tag_ids


def _batch_tags_fit(card: Card, batch_tags: list[str]) -> None:
    """The tags chosen for the whole batch come first; a new contact's own tags fill what is left of its
    bound, and the rest are kept with its extras, as any value past a bound is."""
    chosen = {casefold_key(t) for t in batch_tags}
    own = [t for t in card.tags if casefold_key(t) not in chosen]
    room = max(0, MAX_TAGS - len(chosen))
    if len(own) > room:
        card.tags, over = own[:room], own[room:]
        card.extra += _overflow_lines("tags", over)


class _ImportPlaces:
    """Each connection's place in this import, rank over count from 0 up to 1, and the import's local date:
    what spreads the follow-ups of old connections over their cadence (contacts.policy.imported_clock_due)
    instead of making them all due at once."""

    def __init__(self, owner: User, count: int) -> None:
        self.today = local_date(timezone.now(), owner.zone)
        self.count = max(count, 1)
        self.rank = 0

    def place(self, contact: Contact) -> None:
        contact.imported_on = self.today
        contact.import_position = self.rank / self.count
        self.rank += 1


def _contacts_create(
    owner: User,
    new_cards: list[Card],
    intention: str,
    batch_tags: list[str],
    step: Callable[[float], None],
) -> list[Contact]:
    """Create the new contacts in bulk, 1,000 a statement, and their follow-ups.

    Their search text is made with their tag names up front, a LinkedIn connection's last-seen dates are
    those of the one interaction logged for it later, and their follow-ups are planned before they are
    written (with that interaction), so none needs the refresh pass or re-plan that rows written one by one
    would (each costs seconds on 10,000 contacts)."""
    zone = owner.zone
    places = _ImportPlaces(owner, sum(1 for card in new_cards if card.connected_on))
    # UIDs and card names a phone, or a card bearing another name (transfer.matching), holds already.
    uids = [card.uid for card in new_cards if card.uid]
    taken: set[str] = set()
    for uid, card_name in (
        Contact.objects.filter(owner=owner)
        .filter(Q(uid__in=uids) | Q(card_name__in=[f"{uid}.vcf" for uid in uids]))
        .values_list("uid", "card_name")
    ):
        taken |= {f"uid:{uid}", card_name}
    new_contacts = []
    touches: list[list[Touch]] = []
    for card in new_cards:
        _batch_tags_fit(card, batch_tags)
        contact = _new_contact(owner, card, intention, taken)
        names = {casefold_key(t): t for t in [*card.tags, *batch_tags]}
        contact.search_text = contact.build_search_text(names.values())
        touches.append([])
        if card.connected_on:
            connection = _connection(card.connected_on, zone)
            summary = timeline_summary([(connection.occurred_at, connection.purpose)])
            for name, value in summary.items():
                setattr(contact, name, value)
            places.place(contact)
            touches[-1].append(Touch.from_interaction(connection, zone))
        new_contacts.append(contact)
    followups = followups_plan_new(owner, new_contacts, touches)
    contacts = []
    for start in range(0, len(new_contacts), _BATCH):
        contacts += Contact.objects.bulk_create(new_contacts[start : start + _BATCH])
        step(0.5 * (start + _BATCH) / len(new_contacts))
    FollowUp.objects.bulk_create(followups)
    return contacts


def _contacts_fill(
    owner: User, updates: dict[int, list[Card]], additions: _Additions, result: ImportResult
) -> tuple[list[Contact], list[int]]:
    """Fill in the matched contacts from their rows and save the changed ones in bulk, counting them in
    `result` as updated or unchanged. Returns the changed contacts and the ids of those whose birthday
    moved."""
    matched, already_connected = _matched(owner, updates)
    changed_contacts, birthday_moved = [], []
    for contact in matched:
        changed = _contact_fill(contact, updates[contact.pk], additions, already_connected)
        if changed:
            result.updated += 1
            changed_contacts.append(contact)
            if changed & {"birthday_month", "birthday_day"}:
                birthday_moved.append(contact.pk)
        else:
            result.unchanged += 1
    fields = ["given_name", "family_name", "company", "title", "notes", "birthday_month", "birthday_day"]
    fields += ["birthday_year", "links", "vcard_extra", "updated_at"]
    now = timezone.now()
    for contact in changed_contacts:
        contact.updated_at = now
    Contact.objects.bulk_update(changed_contacts, fields, batch_size=_BATCH)
    return changed_contacts, birthday_moved


def _matched(owner: User, updates: dict[int, list[Card]]) -> tuple[list[Contact], set[int]]:
    """The matched contacts, with their emails, phones and tags, and the ids of those already connected on
    LinkedIn."""
    matched = Contact.objects.filter(owner=owner, pk__in=list(updates)).prefetch_related(
        "emails", "phones", "tags"
    )
    already_connected = set(
        Participation.objects.filter(
            contact_id__in=list(updates), interaction__notes=CONNECTED_NOTE
        ).values_list("contact_id", flat=True)
    )
    return list(matched), already_connected


def _card_copy(card: Card) -> Card:
    """A copy of the card that filling a contact from it may change (its lists and fields) without changing
    the card: the preview's cards are the rows the job keeps."""
    return dataclasses.replace(
        card,
        emails=list(card.emails),
        phones=list(card.phones),
        tags=list(card.tags),
        links=list(card.links),
        extra=list(card.extra),
    )


def previews_unchanged(owner: User, previews: Sequence[RowPreview]) -> None:
    """Say which matching rows would change nothing: their contact already holds all they carry. The write's
    own rule decides (`_contact_fill`), run on copies of the rows and contacts that are never saved; the tags
    chosen for the batch come later and are not counted. Writes nothing; costs what the import's own
    matching and filling in of those contacts costs (about 2 s for 10,000 matching rows on SQLite)."""
    updates: dict[int, list[Card]] = {}
    for preview in previews:
        if preview.status == RowStatus.MATCH and preview.match_id is not None:
            updates.setdefault(preview.match_id, []).append(_card_copy(preview.card))
    if not updates:
        return
    tags = Tag.objects.filter(owner=owner).values_list("name", "pk")
    tag_ids = {casefold_key(name): pk for name, pk in tags}
    # A tag the owner has not made yet gets a stand-in id no contact has: the preview makes no tag.
    names = {casefold_key(t) for cards in updates.values() for card in cards for t in card.tags}
    for stand_in, name in enumerate(sorted(names - tag_ids.keys()), start=1):
        tag_ids[name] = -stand_in
    additions = _Additions(owner, tag_ids, [])
    matched, already_connected = _matched(owner, updates)
    unchanged = {c.pk for c in matched if not _contact_fill(c, updates[c.pk], additions, already_connected)}
    for preview in previews:
        if preview.status == RowStatus.MATCH and preview.match_id in unchanged:
            preview.status = RowStatus.UNCHANGED


def _contact_fill(
    contact: Contact, cards: list[Card], additions: _Additions, already_connected: set[int]
) -> set[str]:
    """Fill in one matched contact from its rows (its own values win) and gather the emails, phone numbers
    and tags it lacks, and its first "connected on" date unless it has one already. Returns what changed."""
    region = additions.owner.phone_region
    card = _cards_merge(cards, region)
    emails, phones, tags = contact.emails.all(), contact.phones.all(), contact.tags.all()
    new_emails = _new_values(card, "emails", {e.address_folded for e in emails})
    new_emails, over_emails = _capped(len(emails), new_emails, MAX_EMAILS)
    new_phones = _new_values(
        card, "phones", {phone_key(p.number, region) or p.number for p in phones}, region
    )
    new_phones, over_phones = _capped(len(phones), new_phones, MAX_PHONES)
    known_tags = {t.pk for t in tags}
    new_tags = []
    for name in [*card.tags, *additions.batch_tags]:
        if (tag_id := additions.tag_ids[casefold_key(name)]) not in known_tags:
            known_tags.add(tag_id)
            new_tags.append((name, tag_id))
    new_tags, over_tags = _capped(len(tags), new_tags, MAX_TAGS)
    card.extra += [
        *_overflow_lines("emails", over_emails),
        *_overflow_lines("phones", over_phones),
        *_overflow_lines("tags", [name for name, _id in over_tags]),
    ]
    changed = _contact_absorb(contact, card)
    owner = additions.owner
    additions.emails += [
        EmailAddress(owner_id=owner.pk, contact_id=contact.pk, address=a, label=lb) for a, lb in new_emails
    ]
    additions.phones += [
        PhoneNumber(
            owner_id=owner.pk, contact_id=contact.pk, number=n, e164=phone_e164_known(n, region), label=lb
        )
        for n, lb in new_phones
    ]
    additions.links |= {(contact.pk, tag_id) for _name, tag_id in new_tags}
    changed |= {
        name for name, new in (("emails", new_emails), ("phones", new_phones), ("tags", new_tags)) if new
    }
    if card.connected_on and contact.pk not in already_connected:
        additions.connected.append((contact, card.connected_on))
        changed.add("interactions")
    return changed


def _connections_log(owner: User, connected: list[tuple[Contact, dt.date]], new_ids: set[int]) -> None:
    """LinkedIn's "connected on": one professional interaction per contact, at noon local time that day. A new
    contact got the last-seen dates of it when it was made; a matched one's are refreshed."""
    zone = owner.zone
    interactions = [_connection(on, zone) for _contact, on in connected]
    for interaction in interactions:
        interaction.owner_id = owner.pk
    Interaction.objects.bulk_create(interactions, batch_size=_BATCH)
    Participation.objects.bulk_create(
        [
            Participation.of(interaction, contact)
            for interaction, (contact, _on) in zip(interactions, connected, strict=True)
        ],
        batch_size=_BATCH,
    )
    interaction_days_refresh(owner, interaction_days_of(owner, (i.occurred_at for i in interactions)))
    if stale := [c for c, _on in connected if c.pk not in new_ids]:
        contacts_refresh_last_seen([c.pk for c in stale])
        # Known contacts that gained a connection take their places too; new ones took theirs when made.
        places = _ImportPlaces(owner, len(stale))
        for contact in stale:
            places.place(contact)
        Contact.objects.bulk_update(stale, ["imported_on", "import_position"], batch_size=_BATCH)
