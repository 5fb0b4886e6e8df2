"""Read-side queries over contacts: search, the health filter in SQL, the contacts list and duplicate lookup.

Health is defined once, in `contacts.policy.contact_health`. The list filters by health in SQL (a Python pass
over every contact would not page), so `contacts_annotate_health` computes the same thing as an annotation,
and `tests/test_contacts_list.py` proves the two agree over a grid of cases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, TypedDict

from django.db.models import (
    Case,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, Greatest, Lower, TruncDate
from django.db.models.lookups import LessThanOrEqual

from accounts.choices import Circle, Intention, Purpose
from accounts.models import User
from contacts.models import Contact, EmailAddress
from contacts.policy import HEALTH_RANK, CadenceTable, ContactFacts, Health, contact_health, local_date
from contacts.text import casefold_key, fold_words, names_similar, search_words

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

_EPOCH = dt.date(1970, 1, 1)


class DayNumber(Func):
    """Days from 1970-01-01 to a date expression, so that SQL subtracts dates the same way on SQLite and
    PostgreSQL (the only two databases Kith runs on)."""

    arity = 1
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        # julianday() of a 'YYYY-MM-DD' date is n + 0.5 exactly, so the difference is a whole number.
        return self.as_sql(
            compiler, connection, template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)", **extra
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s - DATE '1970-01-01')", **extra)


def _clock_rank(purpose: str, table: CadenceTable, zone: dt.tzinfo, today: dt.date) -> Expression:
    """0, 1 or 2 (recent, fading, lapsed) for one clock, as policy.health(clock_elapsed(), cadence_for())
    computes it: days from the local date of the last interaction of `purpose` (or of the contact's creation)
    to `today`, against the contact's own cadence or the user's default for its circle."""
    last = "last_personal_at" if purpose == Purpose.PERSONAL else "last_professional_at"
    since = TruncDate(Coalesce(F(last), F("created_at")), tzinfo=zone)
    elapsed = Value((today - _EPOCH).days) - DayNumber(since)
    by_circle = Case(
        *(When(circle=circle, then=Value(table[purpose][circle])) for circle in Circle.values),
        output_field=IntegerField(),
    )
    cadence = Coalesce(F(f"{purpose}_cadence_days"), by_circle, output_field=IntegerField())
    return Case(
        When(LessThanOrEqual(elapsed, cadence), then=Value(HEALTH_RANK[Health.RECENT])),
        When(LessThanOrEqual(elapsed, cadence * 2), then=Value(HEALTH_RANK[Health.FADING])),
        default=Value(HEALTH_RANK[Health.LAPSED]),
        output_field=IntegerField(),
    )


def contacts_annotate_clock(
    contacts: QuerySet[Contact], user: User, purpose: str, today: dt.date
) -> QuerySet[Contact]:
    """Annotate one clock of `purpose` as the policy computes it: `clock_elapsed` (days since the last
    interaction of that purpose, or since the contact's creation), `clock_cadence`, `clock_rank` (0 recent,
    1 fading, 2 lapsed) and `overdue_score`, policy.overdue_score in SQL (max(elapsed - cadence, 0) /
    cadence). The dashboards rank who needs attention by it; tests/test_dashboards.py proves it agrees."""
    table, zone = user.cadence_table(), user.zone
    last = "last_personal_at" if purpose == Purpose.PERSONAL else "last_professional_at"
    since = TruncDate(Coalesce(F(last), F("created_at")), tzinfo=zone)
    by_circle = Case(
        *(When(circle=circle, then=Value(table[purpose][circle])) for circle in Circle.values),
        output_field=IntegerField(),
    )
    contacts = contacts.annotate(
        clock_elapsed=ExpressionWrapper(
            Value((today - _EPOCH).days) - DayNumber(since), output_field=IntegerField()
        ),
        clock_cadence=Coalesce(F(f"{purpose}_cadence_days"), by_circle, output_field=IntegerField()),
    )
    return contacts.annotate(
        clock_rank=_clock_rank(purpose, table, zone, today),
        overdue_score=Case(
            When(
                clock_elapsed__gt=F("clock_cadence"),
                then=Cast(F("clock_elapsed") - F("clock_cadence"), FloatField())
                / Cast(F("clock_cadence"), FloatField()),
            ),
            default=Value(0.0),
            output_field=FloatField(),
        ),
    )


class HealthRankAnnotation(TypedDict):
    """What `contacts_annotate_health` adds to each contact, for the type checker."""

    health_rank: int


def contacts_annotate_health(
    contacts: QuerySet[Contact], user: User, today: dt.date
) -> QuerySet[WithAnnotations[Contact, HealthRankAnnotation]]:
    """Annotate `health_rank` (0 recent, 1 fading, 2 lapsed): the personal clock for a personal contact, the
    professional clock for a professional one, the worse of the two for `both`. `today` is the user's
    local date; days are counted in the user's time zone, like the policy."""
    table, zone = user.cadence_table(), user.zone
    personal = _clock_rank(Purpose.PERSONAL, table, zone, today)
    professional = _clock_rank(Purpose.PROFESSIONAL, table, zone, today)
    return contacts.annotate(
        health_rank=Case(
            When(intention=Intention.PERSONAL, then=personal),
            When(intention=Intention.PROFESSIONAL, then=professional),
            default=Greatest(personal, professional),
            output_field=IntegerField(),
        )
    )


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
        contacts = contacts_annotate_health(contacts, user, today).filter(
            health_rank=HEALTH_RANK[Health(filters.health)]
        )
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
