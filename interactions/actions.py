"""Domain functions that write interactions and events. Views, commands and tasks call these; none of them
writes Interaction or Participation rows directly, so the contacts' last-seen dates stay true. Each write
announces itself with `interactions_changed` (interactions.signals), on which the follow-up engine
re-plans."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber

from accounts.bulk import rows_update
from accounts.choices import Intention, setting_purpose
from accounts.models import User
from contacts.clock import CLOCK_FIELDS, CLOCK_INPUTS, OwnerSettings
from contacts.models import Contact
from contacts.policy import DRIFT_WINDOW
from contacts.signals import clocks_written
from interactions.days import interaction_days_of, interaction_days_refresh, tag_days_refresh
from interactions.models import Event, Interaction, Kind, Participation
from interactions.signals import interactions_announce


class OwnershipError(ValueError):
    """An object of one user was about to be linked to another user's."""


def interaction_default_purpose(intentions: Iterable[str], setting: str) -> str:
    """PRODUCT.md: if every participant has the same intention and it is not `both`, that intention;
    otherwise the purpose the setting suggests (formal -> professional, informal -> personal)."""
    distinct = set(intentions)
    if len(distinct) == 1:
        (only,) = distinct
        if only != Intention.BOTH:
            return only
    return setting_purpose(setting)


# The timeline summary each contact carries (contacts.models.Contact), written only here.
SUMMARY_FIELDS = [
    "last_interaction_at",
    "last_personal_at",
    "last_professional_at",
    "previous_personal_at",
    "previous_professional_at",
    "recent_purposes",
]


def timeline_summary(newest_first: Iterable[tuple[dt.datetime, str]]) -> dict[str, object]:
    """The timeline summary of one contact, from their interactions' (time, purpose), newest first with
    ties broken by the newer id: the latest interaction overall, the latest two of each purpose and the
    purposes of the latest DRIFT_WINDOW. The one statement of that rule: the refresh below, the importer
    and the demo seeder all use it."""
    summary: dict[str, object] = dict.fromkeys(SUMMARY_FIELDS)
    recent: list[str] = []
    seen: dict[str, int] = {}
    for when, purpose in newest_first:
        if summary["last_interaction_at"] is None:
            summary["last_interaction_at"] = when
        if len(recent) < DRIFT_WINDOW:
            recent.append(purpose)
        count = seen.get(purpose, 0)
        if count < 2:
            summary[f"{'last' if count == 0 else 'previous'}_{purpose}_at"] = when
        seen[purpose] = count + 1
    summary["recent_purposes"] = ",".join(recent)
    return summary


def contacts_refresh_last_seen(contacts: Iterable[int] | Q) -> int:
    """Recompute the timeline summary (`timeline_summary`) of the given contacts (ids, or a Q over Contact).

    1. One windowed query reads, per contact, only the rows the summary needs: the newest DRIFT_WINDOW
       interactions and the newest two of each purpose (ROW_NUMBER() per contact and per contact and
       purpose, newest first, ties broken by id as the timeline does).
    2. Only contacts whose summary changed are written, in batches.
    A correlated-subquery UPDATE would be one statement, but PostgreSQL runs its subplans once per contact,
    which took minutes for a freshly imported 10,000-contact account. Returns how many contacts changed.
    """
    where = contacts if isinstance(contacts, Q) else Q(pk__in=list(contacts))
    targets = Contact.objects.filter(where)
    # Participations carry their interaction's time and purpose: no interaction is read.
    newest_first = [F("occurred_at").desc(), F("interaction_id").desc()]
    rows = (
        Participation.objects.filter(contact__in=targets.values("pk"))
        .annotate(
            row=Window(RowNumber(), partition_by=[F("contact_id")], order_by=newest_first),
            row_in_purpose=Window(
                RowNumber(), partition_by=[F("contact_id"), F("purpose")], order_by=newest_first
            ),
        )
        .filter(Q(row__lte=DRIFT_WINDOW) | Q(row_in_purpose__lte=2))
        .values_list("contact_id", "row", "occurred_at", "purpose")
    )
    timelines: dict[int, list[tuple[int, dt.datetime, str]]] = defaultdict(list)
    for contact_id, row, when, purpose in rows:
        timelines[contact_id].append((row, when, purpose))
    empty = timeline_summary([])
    changed, seen = [], []
    owners = OwnerSettings()
    for contact in targets.order_by().only("pk", "owner_id", *SUMMARY_FIELDS, *CLOCK_INPUTS, *CLOCK_FIELDS):
        seen.append(contact.pk)
        timeline = sorted(timelines.get(contact.pk, []))
        summary = timeline_summary((when, purpose) for _, when, purpose in timeline) if timeline else empty
        if any(getattr(contact, f) != summary[f] for f in SUMMARY_FIELDS):
            for field in SUMMARY_FIELDS:
                setattr(contact, field, summary[field])
            # The clocks are reset by the latest interaction of each purpose: their state goes with it.
            owners.fill(contact)
            changed.append(contact)
    fields = [*SUMMARY_FIELDS, *CLOCK_FIELDS]
    rows_update(Contact, fields, [(c.pk, *(getattr(c, f) for f in fields)) for c in changed])
    # All of them: their meetings may have moved even where the summary did not.
    clocks_written.send(sender=Contact, contact_ids=seen)
    return len(changed)


def interactions_written(owner: User, contact_ids: Iterable[int]) -> None:
    """What a writer of many interactions at once (a merge) calls at its end, inside its transaction: the
    timeline summaries of those contacts, then one `interactions_changed` for them all instead of one per
    row. The importer works out its new contacts' summaries as it makes them and announces its batch itself;
    a restore writes the backup's own follow-ups and announces nothing."""
    ids = sorted(set(contact_ids))
    contacts_refresh_last_seen(ids)
    interactions_announce(owner, ids)


def _check_owned(owner: User, objects: Iterable[Contact | Event | None]) -> None:
    for obj in objects:
        if obj is not None and obj.owner_id != owner.pk:
            raise OwnershipError(f"{obj!r} does not belong to {owner}")


@transaction.atomic
def interaction_log(
    owner: User,
    contacts: Sequence[Contact],
    *,
    occurred_at: dt.datetime,
    kind: str = Kind.CONVERSATION,
    purpose: str | None = None,
    setting: str,
    event: Event | None = None,
    notes: str = "",
    row_key: str | None = None,
) -> Interaction:
    """Record an interaction with one or more of the owner's contacts. `row_key` is the key of the quick
    capture row it saves, if any: the database refuses a second interaction with the same key."""
    if not contacts:
        raise ValueError("An interaction needs at least one participant.")
    _check_owned(owner, [*contacts, event])
    if purpose is None:
        purpose = interaction_default_purpose((c.intention for c in contacts), setting)
    interaction = Interaction.objects.create(
        owner=owner,
        occurred_at=occurred_at,
        kind=kind,
        purpose=purpose,
        setting=setting,
        event=event,
        notes=notes,
        row_key=row_key or None,
    )
    Participation.objects.bulk_create(Participation.of(interaction, c) for c in contacts)
    interaction_days_refresh(owner, interaction_days_of(owner, [occurred_at]))
    contacts_refresh_last_seen(c.pk for c in contacts)
    interactions_announce(owner, [c.pk for c in contacts])
    return interaction


# The fields of an interaction that interaction_update may change.
_UPDATABLE_FIELDS = frozenset({"occurred_at", "kind", "purpose", "setting", "event", "notes"})


@transaction.atomic
def interaction_update(
    interaction: Interaction, *, contacts: Sequence[Contact] | None = None, **fields: object
) -> Interaction:
    """Change an interaction's fields and, when `contacts` is given, its participants; the last-seen dates
    and follow-ups of everyone it involved, before and after, follow."""
    if unknown := set(fields) - _UPDATABLE_FIELDS:
        raise ValueError(f"interaction_update cannot change {sorted(unknown)}")
    if contacts is not None and not contacts:
        raise ValueError("An interaction needs at least one participant.")
    owner = interaction.owner
    _check_owned(owner, [*(contacts or []), fields.get("event")])  # type: ignore[list-item]
    before = set(interaction.participations.values_list("contact_id", flat=True))
    was_at = interaction.occurred_at
    for name, value in fields.items():
        setattr(interaction, name, value)
    interaction.save()
    if {"occurred_at", "purpose"} & set(fields):
        # Counted again on the day it left and the day it is on now.
        interaction_days_refresh(owner, interaction_days_of(owner, [was_at, interaction.occurred_at]))
    after = before
    if contacts is not None:
        after = {c.pk for c in contacts}
        interaction.participations.exclude(contact_id__in=after).delete()
        Participation.objects.bulk_create(
            Participation.of(interaction, c) for c in contacts if c.pk not in before
        )
        if after != before:
            # Other people, other tags: the day's counts per tag (TagDay) are made again.
            tag_days_refresh(owner, interaction_days_of(owner, [interaction.occurred_at]))
    contacts_refresh_last_seen(before | after)
    interactions_announce(owner, before | after)
    return interaction


@transaction.atomic
def interaction_delete(interaction: Interaction) -> None:
    owner = interaction.owner
    contact_ids = list(interaction.participations.values_list("contact_id", flat=True))
    was_at = interaction.occurred_at
    interaction.delete()
    interaction_days_refresh(owner, interaction_days_of(owner, [was_at]))
    contacts_refresh_last_seen(contact_ids)
    interactions_announce(owner, contact_ids)


def interactions_delete_for_contacts(
    sender: object, owner: User, contact_ids: Iterable[int], **kwargs: object
) -> int:
    """contacts.signals.contacts_deleting: delete the owner's interactions whose every participant is among
    the contacts being deleted, so nothing is left about them; interactions others took part in stay."""
    ids = list(contact_ids)
    theirs = Participation.objects.filter(owner=owner, contact_id__in=ids).values("interaction_id")
    with_others = Participation.objects.filter(interaction=OuterRef("pk")).exclude(contact_id__in=ids)
    doomed = Interaction.objects.filter(owner=owner, pk__in=theirs).exclude(Exists(with_others))
    days = interaction_days_of(owner, doomed.values_list("occurred_at", flat=True))
    deleted, _ = doomed.delete()
    interaction_days_refresh(owner, days)
    return deleted


# Events ----------------------------------------------------------------------------------------------------

# The fields of an event that event_update may change.
EVENT_FIELDS = frozenset({"name", "start_date", "end_date", "place", "setting", "notes"})


def _event_check(event: Event) -> None:
    if event.end_date is not None and event.end_date < event.start_date:
        raise ValueError("An event cannot end before it starts.")


def event_create(owner: User, **fields: object) -> Event:
    """A new event of the owner's (the events pages and the API)."""
    if unknown := set(fields) - EVENT_FIELDS:
        raise ValueError(f"event_create cannot set {sorted(unknown)}")
    event = Event(owner=owner, **fields)
    _event_check(event)
    event.save()
    return event


def event_update(event: Event, **fields: object) -> Event:
    """Change an event's fields. Its interactions keep their purpose and setting: what happened stays."""
    if unknown := set(fields) - EVENT_FIELDS:
        raise ValueError(f"event_update cannot change {sorted(unknown)}")
    for name, value in fields.items():
        setattr(event, name, value)
    _event_check(event)
    event.save()
    return event


@transaction.atomic
def event_delete(event: Event) -> None:
    """Delete an event. The meetings logged at it stay, with no event (the people were still met)."""
    contact_ids = list(
        Participation.objects.filter(interaction__event=event).values_list("contact_id", flat=True).distinct()
    )
    owner = event.owner
    event.delete()
    interactions_announce(owner, contact_ids)
