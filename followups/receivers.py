"""How the follow-up engine hears about changes in the apps below it, which cannot import it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from accounts.models import User
from accounts.signals import PLANNING_FIELDS, settings_changed
from contacts.models import Contact
from contacts.policy import Reason
from contacts.signals import contacts_changed
from followups.engine import followup_request, followups_replan
from followups.models import FollowUp
from interactions.signals import interactions_changed, reminder_requested


def replan_contacts(sender: object, owner: User, contact_ids: Iterable[int], **kwargs: Any) -> None:
    """`contacts_changed` (an intention, circle, cadence, pause, archive or birthday moved) and
    `interactions_changed` (interactions were logged, edited or deleted): re-plan those contacts."""
    followups_replan(owner, contact_ids)


def replan_after_settings_changed(sender: object, user: User, changed: frozenset[str], **kwargs: Any) -> None:
    """accounts.signals.settings_changed: a new time zone moves every local date, a new cadence default
    every clock that uses it, so all the user's contacts are re-planned."""
    if changed & PLANNING_FIELDS:
        followups_replan(user, Contact.objects.filter(owner=user).values_list("pk", flat=True))


def remind_as_requested(
    sender: object, contact: Contact, on: dt.date, note: str, purpose: str, **kwargs: Any
) -> FollowUp | None:
    """interactions.signals.reminder_requested: a capture row's "remind me" line becomes a requested
    follow-up. Saving the same line again (a retry, or "Save changes" on the row) adds nothing: an open
    reminder with that day and note already stands."""
    note = note.strip()
    if contact.followups.open().filter(reason=Reason.REQUESTED, due_on=on, note=note).exists():
        return None
    return followup_request(contact, on, note, purpose=purpose)


def connect() -> None:
    contacts_changed.connect(replan_contacts, dispatch_uid="followups_replan_contacts")
    interactions_changed.connect(replan_contacts, dispatch_uid="followups_replan_interactions")
    settings_changed.connect(replan_after_settings_changed, dispatch_uid="followups_replan_settings")
    reminder_requested.connect(remind_as_requested, dispatch_uid="followups_remind_as_requested")
