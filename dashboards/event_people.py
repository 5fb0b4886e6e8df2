"""Keeps `EventPerson` (dashboards.models) in step: the rows of a contact are worked out again whenever
its meetings, its timeline summary or its clock may have changed.

- `contacts.signals.clocks_written`, sent inside the transaction by the writers of many contacts' timeline
  summaries or clocks at once (`interactions.actions.contacts_refresh_last_seen`, which every writer of
  interactions calls, and `contacts.clock.contacts_refresh_clock`: bulk changes, settings, restores);
- `post_save` of a contact: an archive, a new circle, cadence or intention moves what it stores;
- the demo seed, which writes summaries it worked out itself, calls `event_people_refresh` at its end.
A deleted contact or event takes its rows with it (foreign keys); an interaction moved off an event is written
through `contacts_refresh_last_seen`. DashboardsConfig.ready connects the receivers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from accounts.choices import PURPOSES
from contacts.models import Contact
from dashboards.models import EventPerson
from interactions.models import Kind, Participation

_BATCH = 500


def event_people_refresh(contact_ids: Iterable[int]) -> None:
    """Write the EventPerson rows of these contacts again from their meetings and their own rows."""
    ids = sorted(set(contact_ids))
    for start in range(0, len(ids), _BATCH):
        _refresh(ids[start : start + _BATCH])


@transaction.atomic
def _refresh(ids: list[int]) -> None:
    # Two writers refreshing one contact take turns, and the second reads what the first committed: without
    # the lock its DELETE would miss the first one's new rows and its INSERT collide with them.
    list(Contact.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    first_met: dict[tuple[int, int, str], dt.datetime] = {}
    meetings = Participation.objects.filter(
        contact_id__in=ids, interaction__kind=Kind.MET, interaction__event__isnull=False
    ).values_list("contact_id", "interaction__event_id", "purpose", "occurred_at")
    for contact_id, event_id, purpose, occurred_at in meetings:
        key = (contact_id, event_id, purpose)
        if key not in first_met or occurred_at < first_met[key]:
            first_met[key] = occurred_at
    EventPerson.objects.filter(contact_id__in=ids).delete()
    if not first_met:
        return
    fields = ["owner_id", "archived_at"]
    for purpose in PURPOSES:
        fields += [f"last_{purpose}_at", f"previous_{purpose}_at", f"{purpose}_clock_lapsed_on"]
    by_id = {c.pk: c for c in Contact.objects.filter(pk__in={c for c, _e, _p in first_met}).only(*fields)}
    EventPerson.objects.bulk_create(
        [
            _row(by_id[contact_id], event_id, purpose, met_at)
            for (contact_id, event_id, purpose), met_at in sorted(first_met.items())
        ]
    )


def _row(contact: Contact, event_id: int, purpose: str, met_at: dt.datetime) -> EventPerson:
    """What the events' outcomes ask of one person met at one event (dashboards.queries.events_outcomes)."""
    last, previous = getattr(contact, f"last_{purpose}_at"), getattr(contact, f"previous_{purpose}_at")
    return EventPerson(
        owner_id=contact.owner_id,
        event_id=event_id,
        contact_id=contact.pk,
        purpose=purpose,
        first_met_at=met_at,
        followed_up=last is not None and last > met_at,
        lasting=previous is not None and previous > met_at,
        lapsed_on=getattr(contact, f"{purpose}_clock_lapsed_on"),
        active=contact.archived_at is None,
    )


def event_people_after_clocks(sender: object, contact_ids: Iterable[int], **kwargs: Any) -> None:
    """contacts.signals.clocks_written."""
    event_people_refresh(contact_ids)


# The contact fields an EventPerson row copies or is worked out from.
_READ_FIELDS = frozenset(
    {"archived_at", *(f"{part}_{p}_at" for part in ("last", "previous") for p in PURPOSES)}
    | {f"{p}_clock_lapsed_on" for p in PURPOSES}
)


def event_people_after_save(sender: object, instance: Contact, created: bool, **kwargs: Any) -> None:
    """post_save of a contact. A new one has met no one yet (its meetings come through clocks_written), and
    a save of other fields changes nothing here."""
    update_fields = kwargs.get("update_fields")
    if created or kwargs.get("raw") or (update_fields is not None and _READ_FIELDS.isdisjoint(update_fields)):
        return
    event_people_refresh([instance.pk])
