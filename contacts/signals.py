"""Signals the contacts app sends, so apps built on it can react without contacts importing them.

`contacts_changed` is sent after any change that can move a contact's follow-ups: its intention, circle,
cadence overrides, pause or archive, for one contact or in bulk. Receivers get `owner` and `contact_ids`.
The interactions app re-plans the open follow-ups of those contacts. contacts.actions sends it, after the
transaction commits, for single and bulk changes alike, and for a newly created contact (whose clocks start).

`contacts_deleting` is sent, inside the transaction and before the rows go, when contacts are deleted through
`contact_delete`. Receivers get `owner` and `contact_ids`; the interactions app deletes the interactions that
had no other participant, so nothing is left about a person who is gone.
"""

from __future__ import annotations

from django.dispatch import Signal

contacts_changed = Signal()
contacts_deleting = Signal()
# Sent inside the transaction, with `contact_ids`, by the writers of many contacts' timeline summaries or
# clocks at once (interactions.actions.contacts_refresh_last_seen, contacts.clock.contacts_refresh_clock):
# what is worked out from those (dashboards.event_people) follows them.
clocks_written = Signal()

# The Contact fields whose change must be announced with `contacts_changed`.
PLANNING_FIELDS = frozenset(
    {
        "intention",
        "circle",
        "personal_cadence_days",
        "professional_cadence_days",
        "reminders_paused",
        "archived_at",
        "birthday_month",
        "birthday_day",
    }
)
