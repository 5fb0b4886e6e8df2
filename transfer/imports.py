"""Importing contacts: read a file, preview what it would do, and write it in one transaction.

1. `import_read` turns an upload into `vcard.Card`s (vCard, LinkedIn or Google CSV), refusing an empty,
   binary, too large or unreadable file with a message for the person.
2. `import_preview` says per row: new, matches an existing contact (same email, same phone number, or the
   same name and company, ignoring case and accents), or invalid, with reasons.
3. `import_apply` writes the good rows in one transaction: new contacts in bulk through contacts' own
   helpers (search text, tags, `contacts_announce` so the follow-up planner starts their clocks at import),
   matches update the existing contact instead of making a twin. Importing the same file twice changes
   nothing the second time.
`ImportJob` carries the rows from the preview to the confirmation and, for large files, to a Celery worker.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from accounts.choices import Circle, Intention, Purpose, Setting
from accounts.models import User
from contacts.actions import contacts_announce, phone_e164, tag_clean_name, tag_get_or_create
from contacts.models import Contact, EmailAddress, PhoneNumber, contacts_refresh_search_text
from contacts.text import fold_words
from interactions.actions import contacts_refresh_last_seen
from interactions.models import Interaction, Kind, Participation
from transfer import csvfiles, vcard
from transfer.models import ImportJob, ImportStatus
from transfer.vcard import Card

logger = logging.getLogger(__name__)

# Stated on the import page and enforced here.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# Files with more rows than this are imported by a Celery worker, with a progress bar.
BACKGROUND_ROWS = 200
# A queued or running job silent for this long may be started again from its page.
STALLED_AFTER = dt.timedelta(minutes=10)
# How long parsed rows are kept for a preview nobody confirmed, and for a failed import (import_jobs_forget).
PREVIEW_KEPT = dt.timedelta(days=1)
FAILED_KEPT = dt.timedelta(days=7)
# The notes of the first interaction a LinkedIn connection gets; also how a second import recognises it.
CONNECTED_NOTE = "Connected on LinkedIn"
_BATCH = 1000
# The share of the progress bar that matching takes; writing takes the rest.
_MATCHING_SHARE = 0.2
# Google's own groups, which say nothing about the person.
_SYSTEM_GROUPS = {"mycontacts", "starred"}

_NAME_MAX = Contact._meta.get_field("display_name").max_length
_FIELD_MAX = {
    name: Contact._meta.get_field(name).max_length
    for name in ("given_name", "family_name", "company", "title")
}
_NUMBER_MAX = PhoneNumber._meta.get_field("number").max_length
_LABEL_MAX = EmailAddress._meta.get_field("label").max_length
_ADDRESS_MAX = EmailAddress._meta.get_field("address").max_length


class ImportRefused(ValueError):
    """A file Kith will not import, with the message the person sees. Nothing has been written."""


# Reading --------------------------------------------------------------------------------------------------


def _looks_binary(data: bytes) -> bool:
    # A NUL anywhere: no text format has one, and PostgreSQL cannot store one in a text column.
    if b"\x00" in data:
        return True
    head = data[:8192]
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return controls > len(head) * 0.05


def _size_text(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def import_read(data: bytes, filename: str = "") -> tuple[str, list[Card]]:
    """The source ('vcard', 'linkedin' or 'google') and the cards of an upload. Raises ImportRefused."""
    if not data.strip():
        raise ImportRefused("The file is empty.")
    if len(data) > MAX_BYTES:
        raise ImportRefused(
            f"The file is {_size_text(len(data))}; Kith imports files up to {_size_text(MAX_BYTES)}. "
            "Split it into smaller files."
        )
    if _looks_binary(data):
        raise ImportRefused(
            "This is not a text file. Kith imports vCard files (.vcf) and CSV files from LinkedIn or Google "
            "Contacts; a spreadsheet must be saved as CSV first."
        )
    text = vcard.vcard_decode(data)
    if "BEGIN:VCARD" in text[:4096].upper():
        try:
            source, cards = "vcard", vcard.vcard_parse(text)
        except vcard.VCardError as error:
            raise ImportRefused(str(error)) from error
    else:
        try:
            source, cards = csvfiles.csv_parse(text)
        except csvfiles.CsvError as error:
            raise ImportRefused(str(error)) from error
    if not cards:
        raise ImportRefused("The file holds no contacts, only a header.")
    if len(cards) > MAX_ROWS:
        raise ImportRefused(
            f"The file holds {len(cards):,} contacts; Kith imports up to {MAX_ROWS:,} at a time. "
            "Split it into smaller files."
        )
    return source, [card_clean(card) for card in cards]


def card_clean(card: Card) -> Card:
    """Make a card fit Kith's columns, noting what had to change; a card Kith cannot import gets a fatal
    problem (see `card_fatal`)."""
    card.display_name = " ".join(card.display_name.split())
    for name, limit in _FIELD_MAX.items():
        value = getattr(card, name).strip()
        if len(value) > limit:
            card.problems.append(f"{name.replace('_', ' ')} cut to {limit} characters")
            value = value[:limit]
        setattr(card, name, value)
    emails, seen = [], set()
    for address, label in card.emails:
        if address.lower() in seen:
            continue
        seen.add(address.lower())
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
    phones, seen = [], set()
    for number, label in card.phones:
        if (phone_key(number) or number) in seen:
            continue
        seen.add(phone_key(number) or number)
        if len(number) > _NUMBER_MAX:
            card.problems.append(f"phone number “{number[:20]}…” is too long; kept with the extras")
            card.extra.append(f"TEL:{vcard.text_escape(number)}")
            continue
        phones.append((number, label[:_LABEL_MAX]))
    card.phones = phones
    card.tags = [
        t for t in (tag_clean_name(t) for t in card.tags) if t and t.casefold() not in _SYSTEM_GROUPS
    ]
    card.links = [link for link in card.links if link.strip()]
    return card


def card_fatal(card: Card) -> list[str]:
    """Why a card cannot be imported at all (empty when it can)."""
    fatal = []
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
    return data


def card_from_json(data: dict) -> Card:
    data = dict(data)
    connected = data.pop("connected_on", None)
    birthday = data.pop("birthday", None)
    card = Card(**data)
    card.emails = [tuple(e) for e in card.emails]
    card.phones = [tuple(p) for p in card.phones]
    card.birthday = tuple(birthday) if birthday else None
    card.connected_on = dt.date.fromisoformat(connected) if connected else None
    return card


# Matching -------------------------------------------------------------------------------------------------


def phone_key(number: str) -> str:
    """What two phone numbers share when they are the same: E.164 when the number is international, else
    its digits (a national number typed twice by the same person), else nothing."""
    if e164 := phone_e164(number):
        return e164
    digits = "".join(ch for ch in number if ch.isdigit())
    return f"national:{digits}" if len(digits) >= 6 else ""


def name_key(display_name: str, company: str) -> str:
    """Same name and company, ignoring case, accents, punctuation and spacing."""
    name = " ".join(fold_words(unicodedata.normalize("NFC", display_name)))
    return f"{name}|{' '.join(fold_words(company))}" if name else ""


@dataclass
class MatchIndex:
    """The owner's contacts by email, phone and name+company, plus the rows of this file seen so far (keys
    "row:N"), so two rows of one file for one person become one contact."""

    by_email: dict[str, object] = field(default_factory=dict)
    by_phone: dict[str, object] = field(default_factory=dict)
    by_name: dict[str, object] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    @classmethod
    def build(cls, owner: User) -> MatchIndex:
        index = cls()
        for pk, name, company in Contact.objects.filter(owner=owner).values_list(
            "pk", "display_name", "company"
        ):
            index.names[pk] = name
            if key := name_key(name, company):
                index.by_name.setdefault(key, pk)
        for contact_id, address in EmailAddress.objects.filter(owner=owner).values_list(
            "contact_id", "address"
        ):
            index.by_email.setdefault(address.lower(), contact_id)
        for contact_id, number in PhoneNumber.objects.filter(owner=owner).values_list("contact_id", "number"):
            if key := phone_key(number):
                index.by_phone.setdefault(key, contact_id)
        return index

    def find(self, card: Card) -> tuple[object | None, str]:
        for address, _label in card.emails:
            if (found := self.by_email.get(address.lower())) is not None:
                return found, f"same email address {address}"
        for number, _label in card.phones:
            key = phone_key(number)
            if key and (found := self.by_phone.get(key)) is not None:
                return found, f"same phone number {number}"
        key = name_key(card.display_name, card.company)
        if key and (found := self.by_name.get(key)) is not None:
            return found, "same name and company" if card.company else "same name"
        return None, ""

    def add(self, card: Card, target: object) -> None:
        for address, _label in card.emails:
            self.by_email.setdefault(address.lower(), target)
        for number, _label in card.phones:
            if key := phone_key(number):
                self.by_phone.setdefault(key, target)
        if key := name_key(card.display_name, card.company):
            self.by_name.setdefault(key, target)


class RowStatus:
    NEW = "new"
    MATCH = "match"
    INVALID = "invalid"
    ALL = (NEW, MATCH, INVALID)


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
        found, why = index.find(card)
        if isinstance(found, int):
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
            index.add(card, f"row:{number}")
            previews.append(RowPreview(number, card, RowStatus.NEW, reasons=card.problems))
    return previews


# Writing --------------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    contact_ids: list[int] = field(default_factory=list)


def _card_absorb(into: Card, card: Card) -> None:
    """A later row of the same file for the same person: add what it knows to the first row."""
    for name in ("given_name", "family_name", "company", "title", "notes", "intention", "circle"):
        if not getattr(into, name) and getattr(card, name):
            setattr(into, name, getattr(card, name))
    into.birthday = into.birthday or card.birthday
    into.connected_on = into.connected_on or card.connected_on
    known_emails = {a.lower() for a, _ in into.emails}
    into.emails += [(a, lb) for a, lb in card.emails if a.lower() not in known_emails]
    known_phones = {phone_key(n) or n for n, _ in into.phones}
    into.phones += [(n, lb) for n, lb in card.phones if (phone_key(n) or n) not in known_phones]
    into.links += [link for link in card.links if link not in into.links]
    into.tags += [t for t in card.tags if t.casefold() not in {x.casefold() for x in into.tags}]
    into.extra += [line for line in card.extra if line not in into.extra]


def _new_contact(owner: User, card: Card, intention: str) -> Contact:
    birthday = card.birthday or (None, None, None)
    return Contact(
        owner=owner,
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
        intention=card.intention if card.intention in Intention.values else intention,
        circle=card.circle if card.circle in Circle.values else Circle.CLOSE,
        vcard_extra="\n".join(card.extra),
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
    new_links = [link for link in card.links if link not in contact.links]
    if new_links:
        contact.links = [*contact.links, *new_links]
        changed.add("links")
    lines = contact.vcard_extra.splitlines()
    new_lines = [line for line in card.extra if line not in lines]
    if new_lines:
        contact.vcard_extra = "\n".join([*lines, *new_lines])
        changed.add("vcard_extra")
    return changed


def _noon(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """A date-only entry is stored at noon local time (PRODUCT.md)."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=zone)


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
       refresh search text and last-seen dates; announce the contacts so that, after the commit, the
       follow-up planner starts the new clocks at the moment of import. `finish(result)` runs last, inside
       the transaction (the job marks itself done there, so "done" and the data commit together).
    """
    if intention not in Intention.values:
        raise ValueError(f"Unknown intention {intention!r}")
    batch_tags = [t for t in (tag_clean_name(t) for t in tags) if t]
    result = ImportResult()
    index = MatchIndex.build(owner)
    new_cards: dict[str, Card] = {}
    updates: dict[int, list[Card]] = {}
    for number, card in enumerate(cards, start=1):
        if progress and number % _BATCH == 0:
            progress(_MATCHING_SHARE * number / len(cards))
        if card_fatal(card):
            result.invalid += 1
            continue
        found, _why = index.find(card)
        if isinstance(found, int):
            updates.setdefault(found, []).append(card)
        elif found is not None:
            _card_absorb(new_cards[found], card)
        else:
            key = f"row:{number}"
            new_cards[key] = card
            index.add(card, key)
    with transaction.atomic():
        _write(owner, list(new_cards.values()), updates, intention, batch_tags, result, progress)
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
    zone = owner.zone

    def step(done: float) -> None:
        if progress:
            progress(_MATCHING_SHARE + (1 - _MATCHING_SHARE) * done)

    tag_ids = {}
    for name in {
        *batch_tags,
        *(t for c in new_cards for t in c.tags),
        *(t for cs in updates.values() for c in cs for t in c.tags),
    }:
        tag_ids.setdefault(name.casefold(), tag_get_or_create(owner, name).pk)

    # New contacts, in bulk. Their search text is made with their tag names up front, and a LinkedIn
    # connection's last-seen dates are those of the one interaction logged below, so neither needs the
    # refresh pass that rows written one by one would (it costs seconds on 10,000 contacts).
    new_contacts = []
    for card in new_cards:
        contact = _new_contact(owner, card, intention)
        names = {t.casefold(): t for t in [*card.tags, *batch_tags]}
        contact.search_text = contact.build_search_text(names.values())
        if card.connected_on:
            at = _noon(card.connected_on, zone)
            contact.last_interaction_at = contact.last_professional_at = at
        new_contacts.append(contact)
    contacts = []
    for start in range(0, len(new_contacts), _BATCH):
        contacts += Contact.objects.bulk_create(new_contacts[start : start + _BATCH])
        step(0.5 * (start + _BATCH) / len(new_contacts))
    emails, phones, links, connected = [], [], set(), []
    for contact, card in zip(contacts, new_cards, strict=True):
        emails += [EmailAddress(owner=owner, contact=contact, address=a, label=lb) for a, lb in card.emails]
        phones += [
            PhoneNumber(owner=owner, contact=contact, number=n, e164=phone_e164(n), label=lb)
            for n, lb in card.phones
        ]
        for name in [*card.tags, *batch_tags]:
            links.add((contact.pk, tag_ids[name.casefold()]))
        if card.connected_on:
            connected.append((contact, card.connected_on))
    result.created = len(contacts)

    # Matched contacts: fill in, never overwrite.
    changed_contacts, announce = [], [c.pk for c in contacts]
    matched = Contact.objects.filter(owner=owner, pk__in=list(updates)).prefetch_related(
        "emails", "phones", "tags"
    )
    already_connected = set(
        Participation.objects.filter(
            contact_id__in=list(updates), interaction__notes=CONNECTED_NOTE
        ).values_list("contact_id", flat=True)
    )
    for contact in matched:
        changed: set[str] = set()
        known_emails = {e.address.lower() for e in contact.emails.all()}
        known_phones = {phone_key(p.number) or p.number for p in contact.phones.all()}
        known_tags = {t.pk for t in contact.tags.all()}
        connected_on = None
        for card in updates[contact.pk]:
            changed |= _contact_absorb(contact, card)
            for address, label in card.emails:
                if address.lower() not in known_emails:
                    known_emails.add(address.lower())
                    emails.append(EmailAddress(owner=owner, contact=contact, address=address, label=label))
                    changed.add("emails")
            for number, label in card.phones:
                if (phone_key(number) or number) not in known_phones:
                    known_phones.add(phone_key(number) or number)
                    phones.append(
                        PhoneNumber(
                            owner=owner, contact=contact, number=number, e164=phone_e164(number), label=label
                        )
                    )
                    changed.add("phones")
            for name in [*card.tags, *batch_tags]:
                if tag_ids[name.casefold()] not in known_tags:
                    known_tags.add(tag_ids[name.casefold()])
                    links.add((contact.pk, tag_ids[name.casefold()]))
                    changed.add("tags")
            connected_on = connected_on or card.connected_on
        if connected_on and contact.pk not in already_connected:
            connected.append((contact, connected_on))
            changed.add("interactions")
        if changed:
            result.updated += 1
            changed_contacts.append(contact)
            if changed & {"birthday_month", "birthday_day"}:
                announce.append(contact.pk)
        else:
            result.unchanged += 1
    fields = ["given_name", "family_name", "company", "title", "notes", "birthday_month", "birthday_day"]
    fields += ["birthday_year", "links", "vcard_extra", "updated_at"]
    now = timezone.now()
    for contact in changed_contacts:
        contact.updated_at = now
    Contact.objects.bulk_update(changed_contacts, fields, batch_size=_BATCH)
    step(0.6)

    EmailAddress.objects.bulk_create(emails, batch_size=_BATCH)
    PhoneNumber.objects.bulk_create(phones, batch_size=_BATCH)
    step(0.75)
    Through = Contact.tags.through
    Through.objects.bulk_create(
        [Through(contact_id=c, tag_id=t) for c, t in sorted(links)], batch_size=_BATCH, ignore_conflicts=True
    )
    step(0.85)

    # LinkedIn's "connected on": one professional interaction per contact, at noon local time that day.
    interactions = Interaction.objects.bulk_create(
        [
            Interaction(
                owner=owner,
                occurred_at=_noon(on, zone),
                kind=Kind.OTHER,
                purpose=Purpose.PROFESSIONAL,
                setting=Setting.FORMAL,
                notes=CONNECTED_NOTE,
            )
            for _contact, on in connected
        ],
        batch_size=_BATCH,
    )
    Participation.objects.bulk_create(
        [
            Participation.of(interaction, contact)
            for interaction, (contact, _on) in zip(interactions, connected, strict=True)
        ],
        batch_size=_BATCH,
    )
    new_ids = {c.pk for c in contacts}
    if stale := [c.pk for c, _on in connected if c.pk not in new_ids]:
        contacts_refresh_last_seen(stale)

    touched = new_ids | {c.pk for c in changed_contacts}
    search_stale = {c.pk for c in changed_contacts}
    if search_stale:
        contacts_refresh_search_text(search_stale)
    contacts_announce(owner, [*announce, *(c.pk for c, _on in connected)])
    result.contact_ids = sorted(touched)


# Jobs -----------------------------------------------------------------------------------------------------


def import_job_create(owner: User, data: bytes, filename: str) -> ImportJob:
    """Read an upload and keep its rows for the preview. Raises ImportRefused; writes nothing then."""
    source, cards = import_read(data, filename)
    previews = import_preview(owner, cards)
    return ImportJob.objects.create(
        owner=owner,
        filename=filename[:255],
        source=source,
        rows=[card_to_json(card) for card in cards],
        total=len(cards),
        new_count=sum(p.status == RowStatus.NEW for p in previews),
        matched_count=sum(p.status == RowStatus.MATCH for p in previews),
        invalid_count=sum(p.status == RowStatus.INVALID for p in previews),
    )


def import_job_cards(job: ImportJob) -> list[Card]:
    return [card_from_json(row) for row in job.rows]


def import_job_confirm(job: ImportJob, *, intention: str, tags: Sequence[str]) -> ImportJob:
    """The person confirmed the preview: a small file is imported at once, a large one is queued for a
    worker (after this transaction commits)."""
    if job.status != ImportStatus.PREVIEW:
        return job
    job.intention = intention
    job.tags = ", ".join(tags)
    if job.total > BACKGROUND_ROWS:
        job.status = ImportStatus.QUEUED
        job.save(update_fields=["intention", "tags", "status", "updated_at"])
        from transfer.tasks import run_import

        transaction.on_commit(lambda: run_import.delay(job.pk))
        return job
    job.status = ImportStatus.RUNNING
    job.save(update_fields=["intention", "tags", "status", "updated_at"])
    try:
        import_job_run(job.pk)
    except Exception:
        # Recorded on the job (status failed, the error) and shown on its page; nothing was written.
        logger.exception("Import job %s failed", job.pk)
    job.refresh_from_db()
    return job


def _progress_reporter(job_id: int) -> tuple[Callable[[float], None], Callable[[], None]]:
    """A function that records a job's progress (a fraction) where the page can see it, and one that closes
    what it opened.

    The import writes in one transaction, so progress written through the same connection stays invisible
    until the end. On PostgreSQL the reporter writes through a second connection of its own, in autocommit;
    the job's row is only locked by the import's transaction at its very end, after the last report. SQLite
    allows one writer at a time, so there progress is only recorded outside the transaction (matching)."""
    last = -1

    def changed(fraction: float) -> int | None:
        nonlocal last
        percent = min(int(fraction * 100), 99)
        if percent == last:
            return None
        last = percent
        return percent

    if connection.vendor != "postgresql":

        def report(fraction: float) -> None:
            if not connection.in_atomic_block and (percent := changed(fraction)) is not None:
                ImportJob.objects.filter(pk=job_id).update(progress=percent, updated_at=timezone.now())

        return report, lambda: None

    side = connections.create_connection(DEFAULT_DB_ALIAS)
    table = ImportJob._meta.db_table

    def report_side(fraction: float) -> None:
        if (percent := changed(fraction)) is not None:
            with side.cursor() as cursor:
                cursor.execute(
                    f'UPDATE "{table}" SET progress = %s, updated_at = %s WHERE id = %s AND status = %s',
                    [percent, timezone.now(), job_id, ImportStatus.RUNNING],
                )

    return report_side, side.close


def import_job_stalled(job: ImportJob, now: dt.datetime | None = None) -> bool:
    """Whether a queued or running job has shown no sign of life for a while (its worker or its broker
    message was lost); the person may then start it again."""
    now = now or timezone.now()
    return job.is_working and job.updated_at < now - STALLED_AFTER


def import_job_requeue(job: ImportJob) -> bool:
    """Queue a stalled or failed job again. Its earlier attempt wrote nothing (the import is one
    transaction), so running it again is safe. Returns whether it was queued."""
    if not (import_job_stalled(job) or job.status == ImportStatus.FAILED) or not job.rows:
        return False
    claimed = ImportJob.objects.filter(pk=job.pk, status=job.status, updated_at=job.updated_at).update(
        status=ImportStatus.QUEUED, progress=0, error="", finished_at=None, updated_at=timezone.now()
    )
    if claimed:
        from transfer.tasks import run_import

        transaction.on_commit(lambda: run_import.delay(job.pk))
    return bool(claimed)


def import_job_run(job_id: int) -> str:
    """Import a confirmed job's rows. The rows and `status = done` are written in one transaction, so a job
    interrupted mid-way has written nothing and can simply run again; a finished job is left alone."""
    job = ImportJob.objects.select_related("owner").get(pk=job_id)
    if job.status in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.PREVIEW):
        return f"import {job_id}: {job.status}, nothing to do"
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportStatus.RUNNING, progress=0, updated_at=timezone.now()
    )
    report, report_close = _progress_reporter(job_id)

    def finish(result: ImportResult) -> None:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.DONE,
            progress=100,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            rows=[],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )

    try:
        result = import_apply(
            job.owner,
            import_job_cards(job),
            intention=job.intention or Intention.PERSONAL,
            tags=[t for t in job.tags.split(",") if t.strip()],
            progress=report,
            finish=finish,
        )
    except Exception as error:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    finally:
        report_close()
    return (
        f"import {job_id}: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
    )


def import_jobs_forget(now: dt.datetime | None = None) -> tuple[int, int]:
    """Forget the parsed rows nobody needs any more: a preview nobody confirmed within PREVIEW_KEPT is
    deleted (the file can be uploaded again), and a failed import keeps its rows for
    FAILED_KEPT, for *Start the import again*, then only its outcome. A finished import already dropped its
    rows when it committed. Returns (previews deleted, failed imports cleared)."""
    now = now or timezone.now()
    deleted, _ = ImportJob.objects.filter(
        status=ImportStatus.PREVIEW, updated_at__lt=now - PREVIEW_KEPT
    ).delete()
    cleared = ImportJob.objects.filter(status=ImportStatus.FAILED, finished_at__lt=now - FAILED_KEPT).update(
        rows=[]
    )
    return deleted, cleared


def import_jobs_recent(owner: User, limit: int = 10) -> list[ImportJob]:
    return list(ImportJob.objects.filter(owner=owner).defer("rows")[:limit])


def import_file(
    owner: User, data: bytes, *, intention: str, tags: Sequence[str] = (), filename: str = ""
) -> ImportResult:
    """Read and import a file in one go (the command and the benchmark)."""
    _source, cards = import_read(data, filename)
    return import_apply(owner, cards, intention=intention, tags=tags)
