"""Signals the interactions app sends, so the follow-up engine above it can react without this app importing
it.

`interactions_changed` is sent inside the writing transaction whenever interactions with some contacts were
logged, edited or deleted, with `owner` and `contact_ids`. Sending it before the commit means the receiver's
re-plan commits or rolls back with the change itself: a crash loses no re-plan, and follow-ups never lag their
interactions. Writers of many rows (imports, merges, restores) send it once for the whole batch.

`reminder_requested` is sent, inside the transaction too, when a capture row asks to be reminded of the person
met ("remind me on 3 December: send the deck"), with `owner`, `contact`, `on`, `note` and `purpose`. The
follow-up engine turns it into a requested follow-up.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.dispatch import Signal

from accounts.models import User

interactions_changed = Signal()
reminder_requested = Signal()


def interactions_announce(owner: User, contact_ids: Iterable[int]) -> None:
    """Say that the interactions of these contacts changed, now, inside the caller's transaction. A
    receiver's error is not swallowed: it rolls the change back with it."""
    ids = sorted(set(contact_ids))
    if ids:
        interactions_changed.send(sender=User, owner=owner, contact_ids=ids)
