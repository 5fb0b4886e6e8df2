"""Keeps Balance's counts per tag (interactions.TagDay, counted by interactions.days with every interaction
written) in step when a tag's people change and no interaction is written: a tag added or removed on either
side of the relation (`m2m_changed`, clear() included), a contact deleted (`contacts_deleting`) or merged
(transfer.merge), an import tagging known contacts in bulk (transfer.writing). Only those tags are counted,
on their contacts' local days. DashboardsConfig.ready connects the receivers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models.functions import TruncDate

from accounts.models import User
from contacts.models import Contact, Tag
from interactions.days import Ids, tag_days_refresh
from interactions.models import Participation


def tag_days_for_contacts(
    owner: User, contact_ids: Iterable[int], tags: Ids | None = None, *, without: Ids = ()
) -> None:
    """Count `tags` (every tag of these contacts when None) again on the local days these contacts took part
    in an interaction, without the participations of `without` (contacts about to be deleted)."""
    ids = sorted(set(contact_ids))
    if tags is None:
        tags = set(Contact.tags.through.objects.filter(contact_id__in=ids).values_list("tag_id", flat=True))
    if not ids or not tags:
        return
    days = (
        Participation.objects.filter(owner=owner, contact_id__in=ids)
        .annotate(local_day=TruncDate("occurred_at", tzinfo=owner.zone))
        .values_list("local_day", flat=True)
        .distinct()
        .order_by()
    )
    tag_days_refresh(owner, list(days), tags, without=without)


def tag_days_after_tagging(
    sender: Any, instance: Contact | Tag, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """m2m_changed on Contact.tags.through. `reverse` is a tag's side (pk_set holds contacts), otherwise a
    contact's (pk_set holds tags); post_clear names nobody, so who is cleared is noted at pre_clear."""
    if action == "pre_clear":
        side = instance.contacts if isinstance(instance, Tag) else instance.tags
        vars(instance)["_tag_days_cleared"] = list(side.values_list("pk", flat=True))
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    ids = vars(instance).pop("_tag_days_cleared", []) if action == "post_clear" else list(pk_set or ())
    if ids:
        contacts, tags = (ids, [instance.pk]) if reverse else ([instance.pk], ids)
        tag_days_for_contacts(instance.owner, contacts, tags)


def tag_days_before_deleting(
    sender: object, owner: User, contact_ids: Iterable[int], **kwargs: object
) -> None:
    """contacts.signals.contacts_deleting: the interactions these contacts shared with others stay, and count
    for their tags no more once their rows go."""
    ids = list(contact_ids)
    tag_days_for_contacts(owner, ids, without=ids)
