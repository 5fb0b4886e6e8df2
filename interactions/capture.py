"""Quick capture: the people met at an event, one row each, saved as they are typed on a phone.

A row is one Participation in a `met` interaction at the event: the person (a new contact, or a known one the
meeting is linked to) and the meeting, whose notes hold the row's line of context. Rows are written here,
through contacts.actions and interactions.actions, never by the views.

A phone on a flaky connection may send a row twice: the first request saved it but its answer was lost, and
static/js/kith.js retries. Each new row carries a random key; `capture_claim` remembers, in the cache,
which row a key saved, so a retry gets that row back instead of a second person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet

from accounts.models import User
from contacts.actions import contact_create, contact_set_emails, contact_set_phones, contact_update
from contacts.models import Contact
from contacts.policy import Reason
from interactions.actions import interaction_default_purpose, interaction_log, interaction_update
from interactions.followups import followup_request
from interactions.models import Event, FollowUp, Kind, Participation

# How long a key is held while its first request runs, and how long a saved row is remembered for retries.
CLAIM_PENDING_SECONDS = 60
CLAIM_DONE_SECONDS = 24 * 60 * 60
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
    spanning, recent = [], []
    for event in events.order_by("-start_date", "-id"):
        (spanning if event_spans(event, today) else recent).append(event)
    return spanning, recent


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


@dataclass(frozen=True, slots=True)
class Claim:
    """What a row key says about a request: `mine` when this request saves the row; otherwise the id of the
    Participation an earlier request saved, or None while that request is still running."""

    mine: bool
    participation_id: int | None = None


def _claim_key(owner: User, row_key: str) -> str:
    return f"kith:capture:{owner.pk}:{row_key}"


def capture_claim(owner: User, row_key: str) -> Claim:
    if not row_key:
        return Claim(mine=True)
    key = _claim_key(owner, row_key)
    if cache.add(key, 0, CLAIM_PENDING_SECONDS):
        return Claim(mine=True)
    return Claim(mine=False, participation_id=cache.get(key) or None)


def capture_claim_done(owner: User, row_key: str, participation: Participation) -> None:
    if row_key:
        cache.set(_claim_key(owner, row_key), participation.pk, CLAIM_DONE_SECONDS)


def capture_claim_release(owner: User, row_key: str) -> None:
    """Forget a key whose request saved nothing (a question about a duplicate, invalid input, an error)."""
    if row_key:
        cache.delete(_claim_key(owner, row_key))


def _meeting_log(
    owner: User, event: Event, contact: Contact, *, context: str, now: dt.datetime
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
    )
    return interaction.participations.select_related("contact", "interaction").get(contact=contact)


@transaction.atomic
def capture_person(
    owner: User,
    event: Event,
    *,
    name: str,
    intention: str,
    context: str = "",
    email: str = "",
    phone: str = "",
    company: str = "",
    now: dt.datetime,
) -> Participation:
    """A new contact met at `event`: the contact (the context line is their first note) and the `met`
    interaction, whose purpose follows the intention, or the event's setting for `both`."""
    contact = contact_create(
        owner,
        display_name=name,
        intention=intention,
        company=company,
        notes=context,
        email=email,
        phone=phone,
    )
    return _meeting_log(owner, event, contact, context=context, now=now)


@transaction.atomic
def capture_link(
    owner: User, event: Event, contact: Contact, *, context: str = "", now: dt.datetime
) -> Participation:
    """File a meeting at `event` under a contact the user already knows. Meeting them there twice is one
    meeting: an existing row is returned (with the new context line, if one was typed)."""
    existing = capture_rows(owner, event).filter(contact=contact).first()
    if existing is not None:
        if context.strip() and context.strip() != existing.interaction.notes:
            interaction_update(existing.interaction, notes=context.strip())
        return existing
    return _meeting_log(owner, event, contact, context=context, now=now)


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
    changes: dict[str, object] = {"notes": context} if context != interaction.notes else {}
    if intention_changed:
        intentions = interaction.participations.values_list("contact__intention", flat=True)
        changes["purpose"] = interaction_default_purpose(intentions, interaction.setting)
    if changes:
        interaction_update(interaction, **changes)
    return (
        Participation.objects.select_related("contact", "interaction")
        .prefetch_related("contact__emails", "contact__phones")
        .get(pk=participation.pk)
    )


def capture_remind(participation: Participation, on: dt.date, note: str) -> FollowUp | None:
    """The row's "remind me" line: a requested follow-up for the person met, for the purpose the meeting had
    (it decides a `both` contact's group). Saving the same line again (a retry, or "Save changes" on the
    row) adds nothing: an open reminder with that day and note already stands. Returns the new one."""
    contact, note = participation.contact, note.strip()
    if contact.followups.open().filter(reason=Reason.REQUESTED, due_on=on, note=note).exists():
        return None
    return followup_request(contact, on, note, purpose=participation.interaction.purpose)


def capture_reminders(participation: Participation) -> list[FollowUp]:
    """The open reminders a capture row shows under the person."""
    return list(
        participation.contact.followups.open().filter(reason=Reason.REQUESTED).order_by("due_on", "pk")
    )
