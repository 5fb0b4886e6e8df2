"""Read-side queries over contacts: search, the health filter in SQL, the contacts list and duplicate lookup.

Health is defined once, in `contacts.policy`. The list filters by health in SQL (a Python pass over every
contact would not page) from the dates each contact stores (contacts.clock), and `tests/test_contacts_list.py`
proves the filter and `contacts.policy.contact_health` agree over a grid of cases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import (
    F,
    Q,
    QuerySet,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Lower

from accounts.choices import Purpose
from accounts.models import User
from contacts.models import Contact, EmailAddress
from contacts.policy import CadenceTable, ContactFacts, Health, contact_health, local_date
from contacts.text import casefold_key, fold_words, names_similar, search_words

# Which health a contact has on a day, from the two dates it stores (contacts.clock; the rule is
# contacts.policy.ClockState.health): per health, each date column with how it compares to the day. The
# contacts list filters with it (`contacts_health_filter`), the dashboards' people statement writes it as SQL
# (`dashboards.queries.health_conditions`).
HEALTH_BOUNDS: dict[Health, tuple[tuple[str, str], ...]] = {
    Health.RECENT: (("health_fading_on", "gt"),),
    Health.FADING: (("health_fading_on", "lte"), ("health_lapsed_on", "gt")),
    Health.LAPSED: (("health_lapsed_on", "lte"),),
}


def contacts_health_filter(contacts: QuerySet[Contact], health: str, today: dt.date) -> QuerySet[Contact]:
    """The contacts whose health on `today` (the user's local date) is `health` (HEALTH_BOUNDS), through the
    indexes contact_owner_fading and contact_owner_lapsed."""
    return contacts.filter(**{f"{column}__{op}": today for column, op in HEALTH_BOUNDS[Health(health)]})


def contact_health_on(contact: Contact, table: CadenceTable, zone: dt.tzinfo, today: dt.date) -> Health:
    """The policy's health of one loaded contact, from its denormalised last-interaction dates (no query)."""
    last_on: Mapping[str, dt.date | None] = {
        Purpose.PERSONAL: contact.last_personal_at and local_date(contact.last_personal_at, zone),
        Purpose.PROFESSIONAL: contact.last_professional_at and local_date(contact.last_professional_at, zone),
    }
    return contact_health(ContactFacts.from_contact(contact, zone), last_on, table, today)


def contacts_search(contacts: QuerySet[Contact], query: str) -> QuerySet[Contact]:
    """Contacts whose name, company, job title, notes or tags contain every word of `query`, ignoring case
    and accents. Served on PostgreSQL by the trigram index contact_search_trgm."""
    for word in search_words(query):
        contacts = contacts.filter(search_text__contains=word)
    return contacts


class Sort:
    NAME = "name"
    LAST = "last"
    DUE = "due"

    choices = [(NAME, "Name"), (LAST, "Last interaction"), (DUE, "Due date")]


class Status:
    ACTIVE = "active"
    ARCHIVED = "archived"
    ALL = "all"

    choices = [(ACTIVE, "Active"), (ARCHIVED, "Archived"), (ALL, "Active and archived")]


@dataclass(frozen=True, slots=True)
class ContactFilters:
    """What the contacts list shows: a search, filters, a sort order. Empty strings mean "any"."""

    query: str = ""
    intention: str = ""
    circle: str = ""
    health: str = ""
    tag_id: int | None = None
    status: str = Status.ACTIVE
    sort: str = Sort.NAME

    @property
    def narrowed(self) -> int:
        """How many filters or orders differ from the defaults (the search box aside): the list shows its
        filter panel open, and says how many, when any does."""
        return sum(
            [
                bool(self.intention),
                bool(self.circle),
                bool(self.health),
                self.tag_id is not None,
                self.status != Status.ACTIVE,
                self.sort != Sort.NAME,
            ]
        )


def contacts_listed(user: User, filters: ContactFilters, today: dt.date) -> QuerySet[Contact]:
    """The user's contacts for the contacts list: searched, filtered and sorted, tags prefetched.

    Each order is served by an index of contacts_contact: contact_owner_name, contact_owner_last and
    contact_owner_due. Ties are broken by name, then id, so that pages never overlap.
    """
    contacts: QuerySet[Contact] = Contact.objects.filter(owner=user)
    if filters.status == Status.ACTIVE:
        contacts = contacts.filter(archived_at__isnull=True)
    elif filters.status == Status.ARCHIVED:
        contacts = contacts.filter(archived_at__isnull=False)
    if filters.query:
        contacts = contacts_search(contacts, filters.query)
    if filters.intention:
        contacts = contacts.filter(intention=filters.intention)
    if filters.circle:
        contacts = contacts.filter(circle=filters.circle)
    if filters.tag_id is not None:
        contacts = contacts.filter(tags__id=filters.tag_id)
    if filters.health:
        contacts = contacts_health_filter(contacts, Health(filters.health), today)
    by_name: list[str | Combinable] = [Lower("display_name"), "id"]
    if filters.sort == Sort.LAST:
        order = [F("last_interaction_at").desc(nulls_last=True), *by_name]
    elif filters.sort == Sort.DUE:
        order = [F("next_followup_on").asc(nulls_last=True), *by_name]
    else:
        order = by_name
    return contacts.order_by(*order).prefetch_related("tags")


# Duplicate warnings -----------------------------------------------------------------------------------------

# A name word shorter than this ("de", "Li") says too little to look people up by on its own.
_MIN_LOOKUP_WORD = 2
_MAX_CANDIDATES = 200


def contact_duplicates(
    owner: User, *, name: str = "", email: str = "", exclude_id: int | None = None, limit: int = 3
) -> list[Contact]:
    """The owner's contacts that are likely the person being entered: the same email address (ignoring case)
    first, then similar names (`contacts.text.names_similar`: ignoring case, accents and word order).

    1. Email: one lookup through the email_owner_address_folded index on (owner, address_folded).
    2. Name: candidates sharing at least one word with `name` through the search text (trigram index on
       PostgreSQL), at most 200, then compared in Python.
    """
    found: dict[int, Contact] = {}
    contacts = Contact.objects.filter(owner=owner)
    if exclude_id is not None:
        contacts = contacts.exclude(pk=exclude_id)
    if email := casefold_key(email.strip()):
        emails = EmailAddress.objects.filter(owner=owner, address_folded=email)
        for contact in contacts.filter(pk__in=emails.values("contact_id"))[:limit]:
            found[contact.pk] = contact
    words = [w for w in fold_words(name) if len(w) >= _MIN_LOOKUP_WORD][:5]
    if words and len(found) < limit:
        shares_a_word = reduce(or_, (Q(search_text__contains=w) for w in words))
        candidates = (
            contacts.filter(shares_a_word).exclude(pk__in=list(found)).order_by(Lower("display_name"))
        )
        for contact in candidates[:_MAX_CANDIDATES]:
            if names_similar(contact.display_name, name):
                found[contact.pk] = contact
                if len(found) >= limit:
                    break
    return list(found.values())
