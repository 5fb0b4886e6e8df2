"""The follow-up planner and what the user does with a follow-up.

`followups_replan` keeps the FollowUp rows of some contacts in step with contacts.policy: it runs when an
interaction is logged, edited or deleted (the `interactions_changed` signal), when a contact's intention,
circle, cadence, pause, archive or birthday changes (`contacts_changed`), and when the user changes their time
zone or cadence defaults (`settings_changed`); followups.receivers connects them. The rules themselves live
in the policy; this module only turns its plan into rows, and never re-opens history.

The user's own actions are `followup_snooze`, `followup_dismiss`, `followup_done` ("I reached out"),
`followup_request` ("remind me on <date>: <note>") and `followup_stop_reminders` (pause the contact).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.choices import PURPOSES, Intention, Purpose, purpose_setting
from accounts.models import User
from contacts import policy
from contacts.actions import contact_update
from contacts.models import Contact
from contacts.policy import ContactFacts, Due, Reason, Touch
from followups.models import CLOCK_REASONS, OPEN_STATES, FollowUp, FollowUpState
from interactions.actions import interaction_log
from interactions.models import Interaction, Kind, Participation

# The dashboards' names for the two groups: the dashboards, the Due page, the digest and the calendar feed.
GROUP_TITLES: dict[str, str] = {Purpose.PERSONAL: "Friendships", Purpose.PROFESSIONAL: "Network"}
# The notes "I reached out" gives the interaction it logs: Kith's words, not a memory of the user's. The
# digest recognises them (`reached_out_note`) and never quotes them as something the user wrote. The text
# itself is the mark, so it survives backups and imports, and a note the user edits becomes theirs.
REACHED_OUT_NOTES = "I reached out (from a follow-up reminder)."
REACHED_OUT_PREFIX = "I reached out: "
# Contacts re-planned per round, so that re-planning everyone after a settings change stays within memory.
_REPLAN_BATCH = 500
# Contacts per UPDATE of their next follow-up date, well under SQLite's bound on query parameters.
_IDS_PER_UPDATE = 10_000
# The contact fields a re-plan reads: the policy's ContactFacts and the next follow-up date. Reading only
# these spares building every contact's notes and search text (a fifth of re-planning a 10,000-row import).
_PLANNING_READS = (
    "owner",
    "intention",
    "circle",
    "created_at",
    "personal_cadence_days",
    "professional_cadence_days",
    "reminders_paused",
    "archived_at",
    "birthday_month",
    "birthday_day",
    "imported_on",
    "import_position",
    "next_followup_on",
)


class FollowUpClosed(ValueError):
    """The follow-up is done or dismissed already; history is never re-opened."""


def user_today(user: User, now: dt.datetime | None = None) -> dt.date:
    """The user's local date: every follow-up date is a date in the user's time zone."""
    return policy.local_date(now or timezone.now(), user.zone)


# Planning -------------------------------------------------------------------------------------------------


def _touches(contact_ids: Sequence[int], zone: dt.tzinfo) -> dict[int, list[Touch]]:
    """Every interaction of the given contacts, as the policy's Touches, in one query."""
    touches: dict[int, list[Touch]] = defaultdict(list)
    rows = Participation.objects.filter(contact_id__in=contact_ids).values_list(
        "contact_id",
        "interaction__occurred_at",
        "interaction__purpose",
        "interaction__kind",
        "interaction__event_id",
    )
    for contact_id, occurred_at, purpose, kind, event_id in rows:
        touches[contact_id].append(Touch(policy.local_date(occurred_at, zone), purpose, kind, event_id))
    return touches


def _dismissed_this_cycle(dismissed: FollowUp, due: Due) -> bool:
    """Whether the user dismissed the follow-up of the clock cycle `due` belongs to: no interaction has
    reset the clock since. (A done follow-up needs no such care: "I reached out" logs an interaction, and
    that interaction starts the clock again.)"""
    assert dismissed.clock_since is not None and due.since is not None
    return dismissed.clock_since > due.since or (
        dismissed.clock_since == due.since and dismissed.reason == due.reason
    )


def _clock_fields(due: Due) -> dict[str, Any]:
    return {"due_on": due.due_on, "reason": due.reason, "clock_since": due.since, "cadence_days": due.cadence}


@dataclass
class _Changes:
    """What one re-plan writes: closes and deletions first, so the one-open-clock key never sees two."""

    delete: list[int] = field(default_factory=list)
    update: list[FollowUp] = field(default_factory=list)
    create: list[FollowUp] = field(default_factory=list)

    def count(self) -> int:
        return len(self.delete) + len(self.update) + len(self.create)


def _plan_clock(
    changes: _Changes,
    contact: Contact,
    due: Due | None,
    current: FollowUp | None,
    today: dt.date,
    now: dt.datetime,
) -> None:
    """Bring the open clock follow-up of one purpose in step with the policy's `due`.

    1. No clock any more (archived, paused, intention changed): the open follow-up no longer applies and is
       withdrawn. It was a reminder, not history, so the row goes.
    2. None open: a new scheduled one.
    3. One scheduled (not emailed yet): it simply moves to the new date.
    4. One already emailed (sent or snoozed) whose clock an interaction has reset since: it was answered, so
       it is closed as done and a new one scheduled.
    5. One already emailed whose date moved for another reason (cadence, circle, a deleted interaction): it
       moves too, and goes back to scheduled when it is no longer due, so it is emailed when it is due again.
    """
    if due is None:
        if current is not None:
            changes.delete.append(current.pk)
        return
    fields = _clock_fields(due)
    if current is None:
        changes.create.append(
            FollowUp(owner_id=contact.owner_id, contact=contact, purpose=due.purpose, **fields)
        )
        return
    unchanged = all(getattr(current, name) == value for name, value in fields.items())
    if current.state == FollowUpState.SCHEDULED:
        if not unchanged:
            for name, value in fields.items():
                setattr(current, name, value)
            changes.update.append(current)
        return
    assert due.since is not None and current.clock_since is not None
    if due.since > current.clock_since:
        current.state = FollowUpState.DONE
        current.done_at = now
        changes.update.append(current)
        changes.create.append(
            FollowUp(owner_id=contact.owner_id, contact=contact, purpose=due.purpose, **fields)
        )
    elif not unchanged:
        for name, value in fields.items():
            setattr(current, name, value)
        if due.due_on > today:
            current.state = FollowUpState.SCHEDULED
            current.snoozed_until = None
        changes.update.append(current)


def _plan_birthday(changes: _Changes, contact: Contact, due: Due | None, rows: list[FollowUp]) -> None:
    """Bring the contact's birthday follow-ups in step with the policy's next birthday `due`.

    A birthday that was emailed or closed is history: the next one planned is the birthday after it. Open
    birthday follow-ups that no longer apply (no birthday, date changed, contact paused) are withdrawn while
    still scheduled; one already emailed stays on the Due list until the user closes it, unless the contact
    gets no birthday follow-ups at all any more.
    """
    by_date = {row.due_on: row for row in rows}
    wanted: dt.date | None = None
    if due is not None:
        assert contact.birthday_month is not None and contact.birthday_day is not None
        wanted = due.due_on
        while wanted in by_date and by_date[wanted].state != FollowUpState.SCHEDULED:
            wanted = policy.birthday_next(
                contact.birthday_month, contact.birthday_day, wanted + dt.timedelta(1)
            )
    for row in rows:
        withdrawn = due is None or row.state == FollowUpState.SCHEDULED
        if row.state in OPEN_STATES and row.due_on != wanted and withdrawn:
            changes.delete.append(row.pk)
    if wanted is not None and wanted not in by_date:
        changes.create.append(
            FollowUp(
                owner_id=contact.owner_id,
                contact=contact,
                purpose=Purpose.PERSONAL,
                reason=Reason.BIRTHDAY,
                due_on=wanted,
            )
        )


# The fields `_plan_clock` changes on an existing follow-up.
_PLANNED_FIELDS = ("due_on", "reason", "clock_since", "cadence_days", "state", "done_at", "snoozed_until")


def _update_grouped(rows: list[FollowUp], now: dt.datetime) -> None:
    """Save re-planned follow-ups with one UPDATE per distinct set of values: contacts planned together
    mostly move to the same few dates, so ten thousand rows take a handful of statements, not one each."""
    groups: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for row in rows:
        groups[tuple(getattr(row, name) for name in _PLANNED_FIELDS)].append(row.pk)
    for values, pks in groups.items():
        FollowUp.objects.filter(pk__in=pks).update(
            **dict(zip(_PLANNED_FIELDS, values, strict=True)), updated_at=now
        )


type _ByClock = dict[tuple[int, str], FollowUp]


def _rows_sorted(rows: list[FollowUp]) -> tuple[_ByClock, _ByClock, dict[int, list[FollowUp]]]:
    """A batch's follow-up rows (ordered by due date) sorted out: the open clock follow-up of each (contact,
    purpose), the latest dismissed one of each, and each contact's birthday rows. Requested ones are left
    out: they are the user's and never re-planned."""
    open_clock: _ByClock = {}
    last_dismissed: _ByClock = {}
    birthdays: dict[int, list[FollowUp]] = defaultdict(list)
    for row in rows:
        if row.reason == Reason.REQUESTED:
            continue
        if row.reason == Reason.BIRTHDAY:
            birthdays[row.contact_id].append(row)
        elif row.state in OPEN_STATES:
            open_clock[row.contact_id, row.purpose] = row
        elif row.state == FollowUpState.DISMISSED:
            # Ordered by due date, so the last one seen is the latest dismissed.
            last_dismissed[row.contact_id, row.purpose] = row
    return open_clock, last_dismissed, birthdays


def _replan_batch(
    owner: User,
    contact_ids: Sequence[int],
    today: dt.date,
    now: dt.datetime,
    next_dates: dict[int, dt.date | None],
) -> int:
    """Re-plan one batch of contacts (see `followups_replan`); their new next follow-up dates, where they
    change, go into `next_dates`."""
    zone = owner.zone
    table = owner.cadence_table()
    # Locking the contacts makes two re-plans of one contact take turns instead of racing for its one open
    # clock follow-up (the database would refuse the loser's insert).
    contacts = list(
        Contact.objects.select_for_update()
        .filter(owner=owner, pk__in=contact_ids)
        .only(*_PLANNING_READS)
        .order_by("pk")
    )
    ids = [c.pk for c in contacts]
    touches = _touches(ids, zone)
    # Requested follow-ups are the user's and never re-planned; the open ones are read for the next date.
    rows = list(
        FollowUp.objects.filter(contact_id__in=ids)
        .exclude(Q(reason=Reason.REQUESTED) & ~Q(state__in=OPEN_STATES))
        .order_by("due_on", "pk")
    )
    open_clock, last_dismissed, birthdays = _rows_sorted(rows)

    changes = _Changes()
    plans = _Plans(table, zone, today, now)
    for contact in contacts:
        its_rows = birthdays.get(contact.pk, [])
        _plan_contact(
            changes, contact, touches.get(contact.pk, []), plans, open_clock, last_dismissed, its_rows
        )

    if changes.delete:
        FollowUp.objects.filter(pk__in=changes.delete).delete()
    _update_grouped(changes.update, now)
    FollowUp.objects.bulk_create(changes.create)
    # The rows as they now stand give the next follow-up dates without reading them back.
    deleted = set(changes.delete)
    earliest = _earliest_open([*(r for r in rows if r.pk not in deleted), *changes.create])
    next_dates.update(_next_followups(contacts, earliest))
    return changes.count()


@dataclass(frozen=True)
class _Plans:
    """What planning any contact of one owner at one moment needs."""

    table: policy.CadenceTable
    zone: dt.tzinfo
    today: dt.date
    now: dt.datetime


def _plan_contact(
    changes: _Changes,
    contact: Contact,
    touches: list[Touch],
    plans: _Plans,
    open_clock: _ByClock,
    last_dismissed: _ByClock,
    birthdays: list[FollowUp],
) -> None:
    """Add to `changes` what brings one contact's follow-ups in step with the policy, given its interactions
    (`touches`) and its follow-up rows as `_rows_sorted` sorted them."""
    facts = ContactFacts.from_contact(contact, plans.zone)
    plan = policy.followups_plan(facts, touches, plans.table, plans.today)
    clock_plan = {due.purpose: due for due in plan if due.reason in CLOCK_REASONS}
    for purpose in PURPOSES:
        due = clock_plan.get(purpose)
        dismissed = last_dismissed.get((contact.pk, purpose))
        if due is not None and dismissed is not None and _dismissed_this_cycle(dismissed, due):
            # The user dismissed this cycle's follow-up: the next is one cadence after it was due.
            due = policy.clock_due(facts, purpose, dismissed.due_on, plans.table)
        _plan_clock(changes, contact, due, open_clock.get((contact.pk, purpose)), plans.today, plans.now)
    birthday = next((due for due in plan if due.reason == Reason.BIRTHDAY), None)
    _plan_birthday(changes, contact, birthday, birthdays)


def followups_plan_new(
    owner: User,
    contacts: Sequence[Contact],
    touches: Sequence[list[Touch]],
    *,
    now: dt.datetime | None = None,
) -> list[FollowUp]:
    """Plan contacts about to be created in bulk (an import), `touches[i]` being the interactions
    `contacts[i]` will have. They have no follow-ups and no keys yet, so nothing is read or locked: each
    contact's `next_followup_on` is set as `followups_replan` would set it, so the contact is written once,
    and the follow-ups to create are returned; bulk_create them once the contacts have their keys (each
    takes its contact's key then). `followups_replan` of these contacts afterwards changes nothing."""
    now = now or timezone.now()
    plans = _Plans(owner.cadence_table(), owner.zone, user_today(owner, now), now)
    changes = _Changes()
    for contact, its_touches in zip(contacts, touches, strict=True):
        start = len(changes.create)
        _plan_contact(changes, contact, its_touches, plans, {}, {}, [])
        opens = [_open_on(row) for row in changes.create[start:] if row.state in OPEN_STATES]
        contact.next_followup_on = _next_followup(contact, min(opens, default=None))
    return changes.create


@transaction.atomic
def followups_replan(owner: User, contact_ids: Iterable[int], *, now: dt.datetime | None = None) -> int:
    """Keep the open follow-ups of the owner's given contacts in step with the policy; returns how many rows
    it created, changed or deleted.

    1. Lock the contacts, read their interactions as the policy's Touches, and ask
       `contacts.policy.followups_plan` for each, with the user's cadence table and local date.
    2. A clock whose follow-up the user dismissed this cycle is planned one cadence after the dismissed
       follow-up's date, so dismissing never brings the same reminder straight back.
    3. Per purpose, move, open, close or withdraw the one open clock follow-up (`_plan_clock`); plan the next
       birthday (`_plan_birthday`). Requested follow-ups are the user's and are left alone.
    4. Update `Contact.next_followup_on`, once for all the batches.
    Done and dismissed follow-ups are never changed.
    """
    now = now or timezone.now()
    today = user_today(owner, now)
    ids = sorted(set(contact_ids))
    next_dates: dict[int, dt.date | None] = {}
    count = sum(
        _replan_batch(owner, ids[start : start + _REPLAN_BATCH], today, now, next_dates)
        for start in range(0, len(ids), _REPLAN_BATCH)
    )
    _next_followups_write(next_dates)
    return count


def contacts_refresh_next_followup(contact_ids: Iterable[int]) -> int:
    """Recompute `Contact.next_followup_on`, the date of each contact's earliest open follow-up (the end of a
    snooze for a snoozed one); empty for archived and paused contacts. Returns how many contacts changed.

    1. One grouped query finds each contact's earliest open follow-up.
    2. Only contacts whose date changed are written, one UPDATE per distinct date.
    A correlated-subquery UPDATE is one statement, but PostgreSQL ran its subplan once per contact, which
    made the planning after a 10,000-contact import take longer than the import.
    """
    ids = list(contact_ids)
    # `_earliest_open` is this query's twin over rows in memory.
    earliest = dict(
        FollowUp.objects.filter(contact_id__in=ids, state__in=OPEN_STATES)
        .values("contact_id")
        .annotate(on=Min(Coalesce("snoozed_until", "due_on")))
        .values_list("contact_id", "on")
    )
    contacts = Contact.objects.filter(pk__in=ids).only(
        "pk", "archived_at", "reminders_paused", "next_followup_on"
    )
    return _next_followups_write(_next_followups(contacts, earliest))


def _earliest_open(followups: Iterable[FollowUp]) -> dict[int, dt.date]:
    """Each contact's earliest open follow-up date among `followups` (the end of a snooze for a snoozed one),
    as the query in `contacts_refresh_next_followup` finds it in the database."""
    earliest: dict[int, dt.date] = {}
    for row in followups:
        if row.state in OPEN_STATES:
            on = _open_on(row)
            if row.contact_id not in earliest or on < earliest[row.contact_id]:
                earliest[row.contact_id] = on
    return earliest


def _open_on(row: FollowUp) -> dt.date:
    """The day an open follow-up stands for: the end of its snooze, else its due date."""
    return row.snoozed_until if row.snoozed_until is not None else row.due_on


def _next_followup(contact: Contact, earliest: dt.date | None) -> dt.date | None:
    """A contact's next follow-up date given its earliest open follow-up's: none when archived or paused."""
    return None if contact.archived_at is not None or contact.reminders_paused else earliest


def _next_followups(contacts: Iterable[Contact], earliest: dict[int, dt.date]) -> dict[int, dt.date | None]:
    """The contacts whose `next_followup_on` changes, with the new date: their earliest open follow-up, none
    when archived or paused."""
    changed: dict[int, dt.date | None] = {}
    for contact in contacts:
        on = _next_followup(contact, earliest.get(contact.pk))
        if on != contact.next_followup_on:
            changed[contact.pk] = on
    return changed


def _next_followups_write(next_dates: dict[int, dt.date | None]) -> int:
    """Write the new `next_followup_on` dates. Contacts planned together share few dates (an import's are all
    one cadence after the import, or a birthday), so one UPDATE per distinct date writes them in a handful of
    statements."""
    by_date: dict[dt.date | None, list[int]] = defaultdict(list)
    for pk, on in next_dates.items():
        by_date[on].append(pk)
    for on, pks in by_date.items():
        for start in range(0, len(pks), _IDS_PER_UPDATE):
            Contact.objects.filter(pk__in=pks[start : start + _IDS_PER_UPDATE]).update(next_followup_on=on)
    return len(next_dates)


# What the user does with a follow-up ---------------------------------------------------------------------


def _check_open(followup: FollowUp) -> None:
    if not followup.is_open:
        raise FollowUpClosed(f"follow-up {followup.pk} is {followup.state}")


@transaction.atomic
def followup_snooze(followup: FollowUp, until: dt.date) -> FollowUp:
    """Put an open follow-up away until `until` (a local date); the digest of that day emails it again."""
    _check_open(followup)
    followup.state = FollowUpState.SNOOZED
    followup.snoozed_until = until
    followup.save(update_fields=["state", "snoozed_until", "updated_at"])
    contacts_refresh_next_followup([followup.contact_id])
    return followup


@transaction.atomic
def followup_dismiss(followup: FollowUp, *, now: dt.datetime | None = None) -> FollowUp:
    """Close the follow-up as dismissed ("not this one"). A clock's next follow-up then comes one cadence
    later, a birthday's next year (the re-plan does both)."""
    _check_open(followup)
    now = now or timezone.now()
    followup.state = FollowUpState.DISMISSED
    followup.dismissed_at = now
    followup.save(update_fields=["state", "dismissed_at", "updated_at"])
    followups_replan(followup.owner, [followup.contact_id], now=now)
    return followup


@transaction.atomic
def followup_done(followup: FollowUp, *, now: dt.datetime | None = None) -> Interaction:
    """Mark the follow-up done: "I reached out".

    1. Close the follow-up as done.
    2. Log an interaction of the follow-up's purpose with the contact, now; logging re-plans the contact,
       so that purpose's clock starts again from today.
    """
    _check_open(followup)
    now = now or timezone.now()
    followup.state = FollowUpState.DONE
    followup.done_at = now
    followup.save(update_fields=["state", "done_at", "updated_at"])
    note = followup.note.strip()
    return interaction_log(
        followup.owner,
        [followup.contact],
        occurred_at=now,
        kind=Kind.OTHER,
        purpose=followup.purpose,
        setting=purpose_setting(followup.purpose),
        notes=f"{REACHED_OUT_PREFIX}{note}" if note else REACHED_OUT_NOTES,
    )


def reached_out_note(notes: str) -> str | None:
    """None when `notes` are not the ones "I reached out" wrote; else the user's own words in them (the note
    of the follow-up it closed, "" when it had none). Notes the user has edited since are theirs."""
    text = notes.strip()
    if text == REACHED_OUT_NOTES:
        return ""
    return text.removeprefix(REACHED_OUT_PREFIX) if text.startswith(REACHED_OUT_PREFIX) else None


def followup_request_purpose(contact: Contact, purpose: str | None = None) -> str:
    """The purpose of a requested follow-up: the contact's own intention, or for a `both` contact the one
    the user chose (personal when they did not)."""
    if contact.intention != Intention.BOTH:
        return contact.intention
    return purpose if purpose in Purpose.values else Purpose.PERSONAL


@transaction.atomic
def followup_request(contact: Contact, due_on: dt.date, note: str, *, purpose: str | None = None) -> FollowUp:
    """A dated follow-up the user asked for ("remind me on <date>: <note>"), from the contact page or a
    capture row."""
    followup = FollowUp.objects.create(
        owner_id=contact.owner_id,
        contact=contact,
        purpose=followup_request_purpose(contact, purpose),
        reason=Reason.REQUESTED,
        due_on=due_on,
        note=note.strip(),
    )
    contacts_refresh_next_followup([contact.pk])
    return followup


def followup_stop_reminders(followup: FollowUp) -> Contact:
    """Pause the contact's reminders ("stop reminding me about this person"). Pausing goes through
    contacts.actions, which announces it; the re-plan then withdraws the contact's open follow-ups."""
    return contact_update(followup.contact, reminders_paused=True)


# Ranking --------------------------------------------------------------------------------------------------


def followups_most_overdue_first(followups: Iterable[FollowUp], today: dt.date) -> list[FollowUp]:
    """The policy's order: the highest overdue score first, then the earliest date."""
    return sorted(
        followups, key=lambda f: (*policy.overdue_rank_key(f.overdue_score(today), f.effective_on), f.pk)
    )


@dataclass
class FollowUpGroup:
    """One group of the Due page or the digest: Friendships (personal) or Network (professional)."""

    purpose: str
    items: list[FollowUp]
    more: int = 0

    @property
    def title(self) -> str:
        return GROUP_TITLES[self.purpose]


def followups_group(
    followups: Iterable[FollowUp], today: dt.date, *, cap: int | None = None
) -> list[FollowUpGroup]:
    """Group follow-ups by purpose, most overdue first, with at most `cap` per group and the rest counted;
    groups with nothing in them are left out."""
    by_purpose: dict[str, list[FollowUp]] = defaultdict(list)
    for followup in followups:
        by_purpose[followup.purpose].append(followup)
    groups = []
    for purpose in Purpose.values:
        ranked = followups_most_overdue_first(by_purpose[purpose], today)
        if not ranked:
            continue
        shown = ranked if cap is None else ranked[:cap]
        groups.append(FollowUpGroup(purpose, shown, len(ranked) - len(shown)))
    return groups


def followups_due(owner: User, today: dt.date) -> list[FollowUpGroup]:
    """The Due page: every open follow-up of an active contact due on or before `today`, grouped."""
    followups = FollowUp.objects.filter(owner=owner).active().due_by(today).select_related("contact")
    return followups_group(followups, today)
