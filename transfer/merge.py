"""Duplicates: find likely twins among a user's contacts and merge two into one.

Twins share an email address (ignoring case), a phone number (the same E.164, or the same digits for a number
typed without its country), or a name (ignoring case, accents, punctuation and word order). The merge keeps
everything of both: interactions, tags, emails, phones, follow-ups, and every field (the surviving
contact's non-empty values win, blanks are filled from the other, notes are appended).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from django.db import transaction

from accounts.models import User
from contacts.actions import contact_delete
from contacts.forms import MAX_EMAILS, MAX_PHONES, MAX_TAGS
from contacts.models import Contact, EmailAddress, PhoneNumber, contacts_refresh_search_text
from contacts.text import fold_words
from dashboards.tag_days import tag_days_for_contacts
from followups.models import CLOCK_REASONS, OPEN_STATES, FollowUp
from interactions.actions import interactions_written
from interactions.models import Participation
from transfer.matching import phone_key
from transfer.vcard import extra_lines

MAX_PAIRS = 100
# A key shared by more contacts than this ("info@" addresses, a switchboard number) says nothing.
_MAX_GROUP = 10
_FIELDS = ["given_name", "family_name", "company", "title"]


class MergeError(ValueError):
    pass


@dataclass(frozen=True)
class Twins:
    first: Contact
    second: Contact
    reasons: tuple[str, ...]


def contacts_find_twins(owner: User, limit: int = MAX_PAIRS) -> list[Twins]:
    """Pairs of the owner's contacts that are likely one person, with why, at most `limit` pairs."""
    groups: dict[tuple[str, str], set[int]] = defaultdict(set)
    emails = EmailAddress.objects.filter(owner=owner).values_list("contact_id", "address_folded")
    for contact_id, folded in emails:
        groups["same email", folded].add(contact_id)
    for contact_id, number in PhoneNumber.objects.filter(owner=owner).values_list("contact_id", "number"):
        if key := phone_key(number, owner.phone_region):
            groups["same phone number", key].add(contact_id)
    for contact_id, name in Contact.objects.filter(owner=owner).values_list("pk", "display_name"):
        if words := fold_words(name):
            groups["same name", " ".join(sorted(words))].add(contact_id)
    reasons: dict[tuple[int, int], set[str]] = defaultdict(set)
    for (reason, _key), ids in groups.items():
        if 1 < len(ids) <= _MAX_GROUP:
            for a, b in combinations(sorted(ids), 2):
                reasons[a, b].add(reason)
    pairs = sorted(reasons)[:limit]
    contacts = Contact.objects.in_bulk({pk for pair in pairs for pk in pair})
    return [Twins(contacts[a], contacts[b], tuple(sorted(reasons[a, b]))) for a, b in pairs]


def merge_over_bounds(keep: Contact, other: Contact) -> list[str]:
    """Why merging `other` into `keep` would make a contact no form could save: more email addresses, phone
    numbers or tags than a contact may hold (contacts.forms' bounds). Counted as the merge would: an address
    or number `keep` already has is not moved twice. Empty when the merge may go ahead."""
    emails = set(keep.emails.values_list("address_folded", flat=True))
    emails |= set(other.emails.values_list("address_folded", flat=True))
    region = keep.owner.phone_region
    phones = {phone_key(n, region) or n for n in keep.phones.values_list("number", flat=True)}
    phones |= {phone_key(n, region) or n for n in other.phones.values_list("number", flat=True)}
    tags = set(keep.tags.values_list("pk", flat=True)) | set(other.tags.values_list("pk", flat=True))
    over = []
    for count, bound, what in [
        (len(emails), MAX_EMAILS, "email addresses"),
        (len(phones), MAX_PHONES, "phone numbers"),
        (len(tags), MAX_TAGS, "tags"),
    ]:
        if count > bound:
            over.append(f"Together they have {count} {what}, and a contact holds at most {bound}.")
    return over


def _notes_joined(keep: str, other: str) -> str:
    if not other or other in keep:
        return keep
    return f"{keep}\n\n{other}" if keep else other


@transaction.atomic
def contact_merge(keep: Contact, other: Contact) -> Contact:
    """Merge `other` into `keep` and delete `other`; returns `keep`.

    1. Interactions: `other`'s participations move to `keep`; where both took part, the duplicate goes.
    2. Emails and phone numbers `keep` lacks move over; tags are added.
    3. Fields: `keep`'s non-empty values stay, its blanks are filled from `other` (the birthday as a whole),
       links and kept vCard properties are joined, `other`'s notes appended.
    4. Follow-ups: requested ones and history move over; `other`'s open clock and birthday follow-ups go.
    5. Search text and last-seen dates are brought up to date and `keep` is re-planned, in the transaction.
    """
    if keep.pk == other.pk:
        raise MergeError("A contact cannot be merged with itself.")
    if keep.owner_id != other.owner_id:
        raise MergeError("Both contacts must belong to the same user.")
    if over := merge_over_bounds(keep, other):
        raise MergeError(" ".join([*over, "Remove some from either contact first; nothing was merged."]))
    keep = Contact.objects.select_for_update().get(pk=keep.pk)
    other = Contact.objects.select_for_update().get(pk=other.pk)

    _participations_move(keep, other)
    _emails_and_phones_move(keep, other)
    keep.tags.add(*other.tags.all())
    _fields_fill(keep, other)
    keep.save()
    _followups_move(keep, other)

    contact_delete(other)
    # `keep`'s tags now count `other`'s interactions, moved with an UPDATE (dashboards.tag_days).
    tag_days_for_contacts(keep.owner, [keep.pk])
    contacts_refresh_search_text([keep.pk])
    # One batch for the merge: `keep`'s timeline summary, then its re-plan (with its next follow-up date),
    # inside this transaction.
    interactions_written(keep.owner, [keep.pk])
    keep.refresh_from_db()
    return keep


def _participations_move(keep: Contact, other: Contact) -> None:
    """`other`'s interactions become `keep`'s; where both took part, `other`'s participation goes."""
    shared = Participation.objects.filter(contact=keep).values("interaction_id")
    Participation.objects.filter(contact=other, interaction_id__in=shared).delete()
    Participation.objects.filter(contact=other).update(contact=keep)


def _emails_and_phones_move(keep: Contact, other: Contact) -> None:
    """The email addresses and phone numbers `keep` lacks move over; `other`'s copies of the ones it has
    are deleted with `other`."""
    known_emails = set(keep.emails.values_list("address_folded", flat=True))
    for email in other.emails.all():
        if email.address_folded not in known_emails:
            known_emails.add(email.address_folded)
            EmailAddress.objects.filter(pk=email.pk).update(contact=keep)
    region = keep.owner.phone_region
    known_phones = {phone_key(n, region) or n for n in keep.phones.values_list("number", flat=True)}
    for phone in other.phones.all():
        key = phone_key(phone.number, region) or phone.number
        if key not in known_phones:
            known_phones.add(key)
            PhoneNumber.objects.filter(pk=phone.pk).update(contact=keep)


def _fields_fill(keep: Contact, other: Contact) -> None:
    """`keep`'s non-empty values stay and its blanks are filled from `other` (the birthday as a whole, or
    only its year when the day is the same); links and kept vCard properties are joined, notes appended."""
    for name in _FIELDS:
        if not getattr(keep, name) and getattr(other, name):
            setattr(keep, name, getattr(other, name))
    if keep.birthday_month is None and other.birthday_month is not None:
        keep.birthday_month, keep.birthday_day = other.birthday_month, other.birthday_day
        keep.birthday_year = other.birthday_year
    elif keep.birthday_year is None and (keep.birthday_month, keep.birthday_day) == (
        other.birthday_month,
        other.birthday_day,
    ):
        keep.birthday_year = other.birthday_year
    for name in ("personal_cadence_days", "professional_cadence_days"):
        if getattr(keep, name) is None:
            setattr(keep, name, getattr(other, name))
    keep.links = [*keep.links, *(link for link in other.links if link not in keep.links)]
    lines = extra_lines(keep.vcard_extra)
    keep.vcard_extra = "\n".join(
        [*lines, *(line for line in extra_lines(other.vcard_extra) if line not in lines)]
    )
    keep.notes = _notes_joined(keep.notes, other.notes)


def _followups_move(keep: Contact, other: Contact) -> None:
    """`other`'s open clock and birthday follow-ups go (`keep` is re-planned at the end), as does any
    birthday follow-up of `other`'s for a day `keep` has one for already; the rest (requested ones and
    history) move to `keep`."""
    FollowUp.objects.filter(
        contact=other, state__in=OPEN_STATES, reason__in=[*CLOCK_REASONS, "birthday"]
    ).delete()
    keep_birthdays = set(
        FollowUp.objects.filter(contact=keep, reason="birthday").values_list("due_on", flat=True)
    )
    FollowUp.objects.filter(contact=other, reason="birthday", due_on__in=keep_birthdays).delete()
    FollowUp.objects.filter(contact=other).update(contact=keep)
