"""Receivers that keep `Contact.search_text` in step when tags change (connected in ContactsConfig.ready).

A contact's own fields are folded by Contact.save(); tag names reach it from here: a tag added to or removed
from contacts (either side of the relation), renamed, or deleted; the same changes are noted in the cards'
change log (`CardChange`) for phones syncing the address books. The E.164 form of the user's phone numbers
is worked out again here when their phone region changes, and every contact's stored clock state
(contacts.clock) when their time zone or a cadence default does.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from accounts.models import User
from accounts.signals import PLANNING_FIELDS, settings_changed
from contacts.clock import contacts_refresh_clock
from contacts.models import Contact, Tag, contacts_cards_changed, contacts_refresh_search_text
from contacts.phones import phones_renormalise


@receiver(m2m_changed, sender=Contact.tags.through)
def tags_changed(
    sender: Any, instance: Contact | Tag, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if action == "pre_clear" and isinstance(instance, Tag):
        # Clearing a tag from every contact (the reverse side): remember who had it, for post_clear.
        instance._search_contact_ids = list(instance.contacts.values_list("pk", flat=True))
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if not reverse:
        contact_ids = [instance.pk]
    elif action == "post_clear":
        contact_ids = getattr(instance, "_search_contact_ids", [])
    else:
        contact_ids = list(pk_set or ())
    if contact_ids:
        contacts_refresh_search_text(contact_ids)
        contacts_cards_changed(contact_ids)


@receiver(post_save, sender=Tag)
def tag_saved(sender: Any, instance: Tag, created: bool, **kwargs: Any) -> None:
    if not created and not kwargs.get("raw"):
        contact_ids = list(instance.contacts.values_list("pk", flat=True))
        contacts_refresh_search_text(contact_ids)
        contacts_cards_changed(contact_ids)


def _account_going(origin: object) -> bool:
    """Whether a deletion started from users (an account deleted, or users by the admin): their contacts go
    with their tags, so there is no search text to rebuild nor card change to note, only rows to delete."""
    if isinstance(origin, QuerySet):
        return issubclass(origin.model, User)
    return isinstance(origin, User)


@receiver(pre_delete, sender=Tag)
def tag_deleting(sender: Any, instance: Tag, origin: object = None, **kwargs: Any) -> None:
    if _account_going(origin):
        return
    instance._search_contact_ids = list(instance.contacts.values_list("pk", flat=True))
    contacts_cards_changed(instance._search_contact_ids)


@receiver(post_delete, sender=Tag)
def tag_deleted(sender: Any, instance: Tag, **kwargs: Any) -> None:
    if ids := getattr(instance, "_search_contact_ids", None):
        contacts_refresh_search_text(ids)


@receiver(settings_changed, dispatch_uid="contacts_phones_region")
def phone_region_changed(sender: Any, user: User, changed: frozenset[str], **kwargs: Any) -> None:
    if "phone_region" in changed:
        phones_renormalise(user)


@receiver(settings_changed, dispatch_uid="contacts_clock_settings")
def clock_settings_changed(sender: Any, user: User, changed: frozenset[str], **kwargs: Any) -> None:
    """A new time zone moves every local date, a new cadence default every clock of that circle."""
    if not PLANNING_FIELDS.isdisjoint(changed):
        contacts_refresh_clock(Contact.objects.filter(owner=user), [user])
