"""Quick capture: the people met at an event, one row each, saved as they are typed on a phone.

A row is one Participation in a `met` interaction at the event: the person (a new contact, or a known one the
meeting is linked to) and the meeting, whose notes hold the row's line of context. Rows are written here,
through contacts.actions and interactions.actions, never by the views: `capture_row_save` is the whole
workflow of a new row, `capture_row_correct` of a saved one.

A phone on a flaky connection may send a row twice: the first request saved it but its answer was lost, and
static/js/kith.js retries. Each new row carries a random key, kept on the meeting it saved; the database holds
one meeting per owner and key, so a retry gets that row back instead of a second person, however many web
processes the two requests reached.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from accounts.models import User
from contacts.actions import contact_create, contact_set_emails, contact_set_phones, contact_update
from contacts.models import Contact
from contacts.queries import contact_duplicates
from interactions.actions import interaction_default_purpose, interaction_log, interaction_update
from interactions.models import Event, Kind, Participation
from interactions.signals import reminder_requested

RECENT_EVENT_DAYS = 14


def event_spans(event: Event, day: dt.date) -> bool:
    """Whether `day` falls within the event (a one-day event has no end date)."""
    return event.start_date <= day <= (event.end_date or event.start_date)


def capture_events(owner: User, today: dt.date) -> tuple[list[Event], list[Event]]:
    """The events to capture people at: those spanning today, then those of the last two weeks."""
    since = today - dt.timedelta(days=RECENT_EVENT_DAYS)
    events = Event.objects.filter(owner=owner, start_date__lte=today).filter(
        Q(start_date__gte=since) | Q(end_date__gte=since)
    )
    spanning: list[Event] = []
    recent: list[Event] = []
    for event in events.order_by("-start_date", "-id"):
        (spanning if event_spans(event, today) else recent).append(event)
    return spanning, recent


def event_start(
    owner: User, *, name: str, place: str, setting: str, day: dt.date, client_key: str = ""
) -> Event:
    """Today's event, started from quick capture. An event a phone started offline carries its own key: sent
    again (its answer was lost, or the outbox and a page both sent it), it returns the event saved the first
    time, and a request racing another with the same key loses at the database's unique key."""
    saved = Event.objects.filter(owner=owner, client_key=client_key).first() if client_key else None
    if saved is not None:
        return saved
    try:
        with transaction.atomic():
            return Event.objects.create(
                owner=owner,
                name=name,
                place=place,
                setting=setting,
                start_date=day,
                client_key=client_key or None,
            )
    except IntegrityError:
        if not client_key:
            raise
        return Event.objects.get(owner=owner, client_key=client_key)


def capture_moment(event: Event, now: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """When a meeting captured now took place: now during the event; otherwise (capturing afterwards) noon
    local time on its last day, as a date-only interaction is kept."""
    today = now.astimezone(zone).date()
    if event_spans(event, today):
        return now
    day = min(event.end_date or event.start_date, today) if event.start_date <= today else event.start_date
    return dt.datetime.combine(day, dt.time(12), tzinfo=zone)


def capture_rows(owner: User, event: Event) -> QuerySet[Participation]:
    """The rows of the capture screen: everyone met at the event, in the order they were captured."""
    return (
        Participation.objects.filter(owner=owner, interaction__event=event, interaction__kind=Kind.MET)
        .select_related("contact", "interaction")
        .prefetch_related("contact__emails", "contact__phones")
        .order_by("interaction__created_at", "id")
    )


def _meeting_log(
    owner: User, event: Event, contact: Contact, *, context: str, now: dt.datetime, row_key: str = ""
) -> Participation:
    """Log the `met` interaction at the event, with the row's context line as its notes."""
    interaction = interaction_log(
        owner,
        [contact],
        occurred_at=capture_moment(event, now, owner.zone),
        kind=Kind.MET,
        setting=event.setting,
        event=event,
        notes=context.strip(),
        row_key=row_key,
    )
    return interaction.participations.select_related("contact", "interaction").get(contact=contact)


@dataclass(frozen=True, slots=True)
class CaptureInput:
    """One capture row as the person typed it (interactions.forms.CaptureRowForm.capture_input)."""

    name: str = ""
    intention: str = ""
    context: str = ""
    email: str = ""
    phone: str = ""
    company: str = ""
    row_key: str = ""
    # A known contact the meeting is filed under instead of a new person.
    link: Contact | None = None
    # The person confirmed a new person despite a likely duplicate.
    confirmed_new: bool = False
    remind_on: dt.date | None = None
    remind_note: str = ""


@dataclass(frozen=True, slots=True)
class CaptureResult:
    """What became of a row: saved (`participation`), or not saved because it is likely someone already
    known (`duplicates`, for the person to choose). `repeated` says an earlier request had saved it."""

    participation: Participation | None = None
    duplicates: Sequence[Contact] = ()
    repeated: bool = False


def _saved_with_key(owner: User, row_key: str) -> Participation | None:
    if not row_key:
        return None
    return (
        Participation.objects.filter(owner=owner, interaction__row_key=row_key, interaction__kind=Kind.MET)
        .select_related("contact", "interaction")
        .first()
    )


def capture_row_save(
    owner: User,
    event: Event,
    row: CaptureInput,
    *,
    now: dt.datetime,
) -> CaptureResult:
    """Save a new capture row, once.

    1. A key already saved (the phone retried after a lost answer) returns the row saved then.
    2. A row linking a known contact files a meeting at the event under them (`capture_link`).
    3. Otherwise, unless the person confirmed a new person, likely duplicates of the name or email
       (`contacts.queries.contact_duplicates`) come back unsaved, for the person to choose.
    4. A new contact and their meeting are saved, the key on the meeting, and the row's "remind me" line is
       announced for the follow-up engine, all in one transaction.
    5. A request racing another with the same key (another web process) loses at the database's unique
       key, rolls back whole, and returns the winner's row.
    """
    if (saved := _saved_with_key(owner, row.row_key)) is not None:
        return CaptureResult(saved, repeated=True)
    if row.link is None and not row.confirmed_new:
        found = contact_duplicates(owner, name=row.name, email=row.email)
        if found:
            # The first request of this row may have committed since the look-up above, and the person it
            # saved is now a likely duplicate of the row itself: that is the saved row, not a question.
            if (saved := _saved_with_key(owner, row.row_key)) is not None:
                return CaptureResult(saved, repeated=True)
            return CaptureResult(duplicates=found)
    try:
        with transaction.atomic():
            if row.link is not None:
                participation = capture_link(
                    owner, event, row.link, context=row.context, now=now, row_key=row.row_key
                )
            else:
                participation = capture_person(owner, event, row, now=now)
            if row.remind_on is not None:
                capture_remind(participation, row.remind_on, row.remind_note)
    except IntegrityError:
        if (saved := _saved_with_key(owner, row.row_key)) is None:
            raise
        return CaptureResult(saved, repeated=True)
    return CaptureResult(participation)


@transaction.atomic
def capture_person(owner: User, event: Event, row: CaptureInput, *, now: dt.datetime) -> Participation:
    """A new contact met at `event`: the contact (the context line is their first note) and the `met`
    interaction, whose purpose follows the intention, or the event's setting for `both`."""
    contact = contact_create(
        owner,
        display_name=row.name,
        intention=row.intention,
        company=row.company,
        notes=row.context,
        email=row.email,
        phone=row.phone,
    )
    return _meeting_log(owner, event, contact, context=row.context, now=now, row_key=row.row_key)


@transaction.atomic
def capture_link(
    owner: User, event: Event, contact: Contact, *, context: str = "", now: dt.datetime, row_key: str = ""
) -> Participation:
    """File a meeting at `event` under a contact the user already knows. Meeting them there twice is one
    meeting: an existing row is returned (with the new context line, if one was typed)."""
    existing = capture_rows(owner, event).filter(contact=contact).first()
    if existing is not None:
        if context.strip() and context.strip() != existing.interaction.notes:
            interaction_update(existing.interaction, notes=context.strip())
        return existing
    return _meeting_log(owner, event, contact, context=context, now=now, row_key=row_key)


@transaction.atomic
def capture_row_correct(participation: Participation, row: CaptureInput) -> Participation:
    """Save corrections to a saved row, and its "remind me" line if one was typed."""
    participation = capture_row_update(
        participation,
        name=row.name,
        intention=row.intention,
        context=row.context,
        email=row.email,
        phone=row.phone,
        company=row.company,
    )
    if row.remind_on is not None:
        capture_remind(participation, row.remind_on, row.remind_note)
    return participation


@transaction.atomic
def capture_row_update(
    participation: Participation,
    *,
    name: str,
    intention: str,
    context: str = "",
    email: str = "",
    phone: str = "",
    company: str = "",
) -> Participation:
    """Correct a saved row. The person's name, intention and company change; the row's email and phone
    replace the contact's first ones (others are kept). The context line is the meeting's note, and also
    the contact's while their notes are still just that line. A new intention moves the meeting's purpose
    to the default for it (a purpose set by hand otherwise stays)."""
    contact, interaction = participation.contact, participation.interaction
    old_context, context = interaction.notes, context.strip()
    intention_changed = intention != contact.intention
    fields: dict[str, object] = {
        "display_name": name.strip(),
        "intention": intention,
        "company": company.strip(),
    }
    if contact.notes.strip() == old_context.strip():
        fields["notes"] = context
    contact_update(contact, **fields)
    emails = [e.address for e in contact.emails.all()]
    contact_set_emails(contact, [email, *emails[1:]] if emails else [email])
    phones = [p.number for p in contact.phones.all()]
    contact_set_phones(contact, [phone, *phones[1:]] if phones else [phone])
    changes: dict[str, Any] = {"notes": context} if context != interaction.notes else {}
    if intention_changed:
        intentions = interaction.participations.values_list("contact__intention", flat=True)
        changes["purpose"] = interaction_default_purpose(intentions, interaction.setting)
    if changes:
        interaction_update(interaction, **changes)
    if intention_changed:
        # A row corrects what was typed at the meeting: the corrected intention is the one they were met
        # with, not a change since (interactions.cohorts).
        Participation.objects.filter(pk=participation.pk).update(intention_then=intention)
    return (
        Participation.objects.select_related("contact", "interaction")
        .prefetch_related("contact__emails", "contact__phones")
        .get(pk=participation.pk)
    )


def capture_remind(participation: Participation, on: dt.date, note: str) -> None:
    """The row's "remind me" line: a reminder about the person met, for the purpose the meeting had (it
    decides a `both` contact's group). The follow-up engine hears it (followups.receivers) and adds the
    reminder unless the same one already stands, so saving the line again adds nothing."""
    reminder_requested.send(
        sender=Participation,
        owner=participation.owner,
        contact=participation.contact,
        on=on,
        note=note,
        purpose=participation.interaction.purpose,
    )
