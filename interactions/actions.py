"""Domain functions that write interactions and events. Views, commands and tasks call these; none of them
writes Interaction or Participation rows directly, so the contacts' last-seen dates stay true."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber

from accounts.choices import Intention, setting_purpose
from accounts.models import User
from contacts.models import Contact
from contacts.policy import DRIFT_WINDOW
from interactions import followups
from interactions.models import Event, Interaction, Kind, Participation


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


def contacts_refresh_last_seen(contacts: Iterable[int] | Q) -> int:
    """Recompute the timeline summary of the given contacts (ids, or a Q over Contact): the latest
    interaction overall, the latest two of each purpose, and the purposes of the latest DRIFT_WINDOW.

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
        .values_list("contact_id", "occurred_at", "purpose", "row", "row_in_purpose")
    )
    summaries: dict[int, dict[str, object]] = {}
    recent: dict[int, list[tuple[int, str]]] = {}
    for contact_id, when, purpose, row, row_in_purpose in rows:
        summary = summaries.setdefault(contact_id, {})
        if row == 1:
            summary["last_interaction_at"] = when
        if row_in_purpose <= 2:
            summary[f"{'last' if row_in_purpose == 1 else 'previous'}_{purpose}_at"] = when
        if row <= DRIFT_WINDOW:
            recent.setdefault(contact_id, []).append((row, purpose))
    for contact_id, purposes in recent.items():
        summaries[contact_id]["recent_purposes"] = ",".join(p for _, p in sorted(purposes))
    changed = []
    for contact in targets.only("pk", *SUMMARY_FIELDS):
        summary = summaries.get(contact.pk, {})
        values = [summary.get(f, "" if f == "recent_purposes" else None) for f in SUMMARY_FIELDS]
        if values != [getattr(contact, f) for f in SUMMARY_FIELDS]:
            for field, value in zip(SUMMARY_FIELDS, values, strict=True):
                setattr(contact, field, value)
            changed.append(contact)
    Contact.objects.bulk_update(changed, SUMMARY_FIELDS, batch_size=500)
    return len(changed)


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
) -> Interaction:
    """Record an interaction with one or more of the owner's contacts."""
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
    )
    Participation.objects.bulk_create(Participation.of(interaction, c) for c in contacts)
    contacts_refresh_last_seen(c.pk for c in contacts)
    followups.followups_replan(owner, [c.pk for c in contacts])
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
    for name, value in fields.items():
        setattr(interaction, name, value)
    interaction.save()
    after = before
    if contacts is not None:
        after = {c.pk for c in contacts}
        interaction.participations.exclude(contact_id__in=after).delete()
        Participation.objects.bulk_create(
            Participation.of(interaction, c) for c in contacts if c.pk not in before
        )
    contacts_refresh_last_seen(before | after)
    followups.followups_replan(owner, before | after)
    return interaction


@transaction.atomic
def interaction_delete(interaction: Interaction) -> None:
    owner = interaction.owner
    contact_ids = list(interaction.participations.values_list("contact_id", flat=True))
    interaction.delete()
    contacts_refresh_last_seen(contact_ids)
    followups.followups_replan(owner, contact_ids)


def interactions_delete_for_contacts(
    sender: object, owner: User, contact_ids: Iterable[int], **kwargs: object
) -> int:
    """contacts.signals.contacts_deleting: delete the owner's interactions whose every participant is among
    the contacts being deleted, so nothing is left about them; interactions others took part in stay."""
    ids = list(contact_ids)
    theirs = Participation.objects.filter(owner=owner, contact_id__in=ids).values("interaction_id")
    with_others = Participation.objects.filter(interaction=OuterRef("pk")).exclude(contact_id__in=ids)
    deleted, _ = Interaction.objects.filter(owner=owner, pk__in=theirs).exclude(Exists(with_others)).delete()
    return deleted
