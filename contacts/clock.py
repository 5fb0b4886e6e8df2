"""The clock state each contact stores (contacts.policy.ClockState), and whether it drifts
(policy.is_drifting): worked out by the policy from the contact's own row and its owner's settings, and
written with the rows it is made of.

It depends on the contact's intention, circle, cadence overrides, creation, last interaction of each purpose
and the purposes of its latest interactions, and on the owner's time zone and cadence defaults. So:
- `Contact.save()` and `Contact.objects.bulk_create` fill it before they write (`clock_fill`);
- `interactions.actions.contacts_refresh_last_seen` fills it with the timeline summary it writes;
- every other writer of those columns in bulk (a QuerySet.update of intentions or circles, the demo's
  creation dates, a restore) and a change of the owner's time zone or cadence defaults (contacts.receivers)
  calls `contacts_refresh_clock` for the contacts it changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Protocol

from django.db.models import QuerySet
from django.utils import timezone

from accounts.bulk import rows_update
from accounts.choices import CIRCLES, INTENTIONS, PURPOSES, Purpose
from accounts.models import User
from contacts.policy import CadenceTable, ClockState, ContactFacts, clock_state, is_drifting, local_date
from contacts.signals import clocks_written

CLOCK_FIELDS = (
    "personal_clock_cadence",
    "personal_clock_due_on",
    "personal_clock_lapsed_on",
    "professional_clock_cadence",
    "professional_clock_due_on",
    "professional_clock_lapsed_on",
    "health_fading_on",
    "health_lapsed_on",
    "drifting",
)
# What the state is made of, besides the owner's settings.
CLOCK_INPUTS = (
    "intention",
    "circle",
    "personal_cadence_days",
    "professional_cadence_days",
    "created_at",
    "last_personal_at",
    "last_professional_at",
    "recent_purposes",
)


class ClockRow(Protocol):
    """A contact as the clock reads it (contacts.models imports this module, so not Contact itself)."""

    @property
    def owner_id(self) -> int: ...
    @property
    def intention(self) -> str: ...
    @property
    def circle(self) -> str: ...
    @property
    def personal_cadence_days(self) -> int | None: ...
    @property
    def professional_cadence_days(self) -> int | None: ...
    @property
    def created_at(self) -> dt.datetime | None: ...
    @property
    def last_personal_at(self) -> dt.datetime | None: ...
    @property
    def last_professional_at(self) -> dt.datetime | None: ...
    @property
    def recent_purposes(self) -> str: ...


def clock_values(state: ClockState, drifting: bool) -> tuple[int | dt.date | bool, ...]:
    """The state as the values of CLOCK_FIELDS, in that order."""
    values: list[int | dt.date | bool] = []
    for purpose in PURPOSES:
        clock = state.clock(purpose)
        values += [clock.cadence, clock.due_on, clock.lapsed_on]
    return (*values, state.fading_on, state.lapsed_on, drifting)


def contact_clock_state(contact: ClockRow, table: CadenceTable, zone: dt.tzinfo) -> ClockState:
    """The policy's clock state of a contact from its own fields (CLOCK_INPUTS; no query). A contact not yet
    written counts from now, the moment its creation will be stamped with."""
    facts = ContactFacts(
        intention=contact.intention,
        circle=contact.circle,
        created_on=local_date(contact.created_at or timezone.now(), zone),
        personal_cadence_days=contact.personal_cadence_days,
        professional_cadence_days=contact.professional_cadence_days,
    )
    last_on: dict[str, dt.date | None] = {
        Purpose.PERSONAL: contact.last_personal_at and local_date(contact.last_personal_at, zone),
        Purpose.PROFESSIONAL: contact.last_professional_at and local_date(contact.last_professional_at, zone),
    }
    return clock_state(facts, last_on, table)


def clock_fill(contact: ClockRow, table: CadenceTable, zone: dt.tzinfo) -> bool:
    """Set the contact's CLOCK_FIELDS to what the policy says; True when any of them changed. A contact
    whose intention or circle is not one Kith knows is left as it is: the database refuses to write it."""
    if contact.intention not in INTENTIONS or contact.circle not in CIRCLES:
        return False
    recent = contact.recent_purposes.split(",") if contact.recent_purposes else []
    values = clock_values(contact_clock_state(contact, table, zone), is_drifting(contact.intention, recent))
    changed = False
    for name, value in zip(CLOCK_FIELDS, values, strict=True):
        if getattr(contact, name) != value:
            setattr(contact, name, value)
            changed = True
    return changed


class OwnerSettings:
    """Each owner's cadence table and time zone, read once however many of their contacts are filled."""

    def __init__(self, users: Iterable[User] = ()) -> None:
        self._by_id: dict[int, tuple[CadenceTable, dt.tzinfo]] = {}
        for user in users:
            self._by_id[user.pk] = (user.cadence_table(), user.zone)

    def of(self, owner_id: int) -> tuple[CadenceTable, dt.tzinfo]:
        if owner_id not in self._by_id:
            user = User.objects.get(pk=owner_id)
            self._by_id[owner_id] = (user.cadence_table(), user.zone)
        return self._by_id[owner_id]

    def fill(self, contact: ClockRow) -> bool:
        return clock_fill(contact, *self.of(contact.owner_id))


def contacts_refresh_clock(contacts: QuerySet[Any], users: Iterable[User] = ()) -> int:
    """Work out the clock state of `contacts` again and write it where it changed, in batches of one
    statement each (accounts.bulk.rows_update). `users` are owners already loaded. Returns how many
    changed."""
    settings = OwnerSettings(users)
    changed = [
        contact
        for contact in contacts.order_by().only("pk", "owner_id", *CLOCK_INPUTS, *CLOCK_FIELDS)
        if settings.fill(contact)
    ]
    rows_update(
        contacts.model,
        CLOCK_FIELDS,
        [(c.pk, *(getattr(c, name) for name in CLOCK_FIELDS)) for c in changed],
    )
    if changed:
        clocks_written.send(sender=contacts.model, contact_ids=[c.pk for c in changed])
    return len(changed)
