"""`accounts.bulk.CopyQuerySet`: on PostgreSQL, a large `bulk_create` goes through COPY and must write exactly
what Django's INSERT would, give the objects their keys, and leave conflict handling to Django."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.bulk import COPY_MIN_ROWS
from accounts.choices import Purpose, Setting
from contacts.models import Contact, EmailAddress
from followups.models import FollowUp
from interactions.models import Interaction, Participation
from tests.factories import ContactFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# Text COPY must escape: its column and row separators, its escape character, its NULL marker, and more.
AWKWARD = ["tab\there", "line\nbreak", "back\\slash", "\\N", "NULL", "", "émile 😀", "quote \" ' ", "cr\rlf"]
COLUMNS = ["display_name", "notes", "links", "intention", "circle", "birthday_month", "birthday_day"]
COLUMNS += ["archived_at"]
COLUMNS += [
    "reminders_paused",
    "search_text",
    "uid",
    "card_name",
    "personal_clock_due_on",
    "health_lapsed_on",
]


def _contacts(owner, n, tag):
    return [
        Contact(
            owner=owner,
            display_name=f"{tag} {AWKWARD[i % len(AWKWARD)]} {i}",
            notes=AWKWARD[(i + 3) % len(AWKWARD)],
            links=[f'https://example.org/{i}?q="x"\t', AWKWARD[i % len(AWKWARD)]],
            intention=["personal", "professional", "both"][i % 3],
            birthday_month=(i % 12) + 1 if i % 2 else None,
            birthday_day=(i % 28) + 1 if i % 2 else None,
            archived_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC) if i % 5 == 0 else None,
            reminders_paused=i % 7 == 0,
        )
        for i in range(n)
    ]


def _rows(queryset):
    return [tuple(row[c] for c in COLUMNS if c not in ("uid", "card_name")) for row in queryset.values()]


def test_contacts_copied_equal_contacts_inserted(monkeypatch):
    owner = UserFactory()
    n = COPY_MIN_ROWS + 10
    with CaptureQueriesContext(connection) as queries:
        copied = Contact.objects.bulk_create(_contacts(owner, n, "copied"))
    assert not [q for q in queries if q["sql"].startswith("INSERT")], "a large batch went through INSERT"
    # The same contacts through Django's own INSERT: as if the batch were small.
    monkeypatch.setattr("accounts.bulk.COPY_MIN_ROWS", n + 1)
    with CaptureQueriesContext(connection) as queries:
        inserted = Contact.objects.bulk_create(_contacts(owner, n, "inserted"))
    assert [q for q in queries if q["sql"].startswith("INSERT")]

    assert [c.pk for c in copied] == sorted(c.pk for c in copied)
    assert all(not c._state.adding for c in copied)
    by_pk = Contact.objects.in_bulk([c.pk for c in copied])
    assert [by_pk[c.pk].display_name for c in copied] == [c.display_name for c in copied]

    def strip(rows, tag):
        return [tuple(v.replace(tag, "") if isinstance(v, str) else v for v in row) for row in rows]

    copied_rows = _rows(Contact.objects.filter(pk__in=[c.pk for c in copied]).order_by("pk"))
    inserted_rows = _rows(Contact.objects.filter(pk__in=[c.pk for c in inserted]).order_by("pk"))
    assert strip(copied_rows, "copied") == strip(inserted_rows, "inserted")
    # Filled by the contact's own bulk_create and by pre_save (uid, card name): present, distinct.
    cards = list(Contact.objects.filter(pk__in=[c.pk for c in copied]).values_list("uid", "card_name"))
    assert len({uid for uid, _name in cards}) == n and all(name.endswith(".vcf") for _uid, name in cards)


def test_pre_save_fields_filled_as_by_insert():
    """Folded copies and auto_now_add are made by the fields' pre_save, which COPY must run too."""
    owner = UserFactory()
    contact = ContactFactory(owner=owner)
    emails = EmailAddress.objects.bulk_create(
        [
            EmailAddress(owner=owner, contact=contact, address=f"Ana.{i}@Example.ORG")
            for i in range(COPY_MIN_ROWS)
        ]
    )
    folded = dict(EmailAddress.objects.filter(contact=contact).values_list("pk", "address_folded"))
    assert folded == {e.pk: f"ana.{i}@example.org" for i, e in enumerate(emails)}

    moment = dt.datetime(2026, 3, 4, 12, tzinfo=dt.UTC)
    interactions = Interaction.objects.bulk_create(
        [
            Interaction(owner=owner, occurred_at=moment, purpose=Purpose.PERSONAL, setting=Setting.INFORMAL)
            for _ in range(COPY_MIN_ROWS)
        ]
    )
    Participation.objects.bulk_create([Participation.of(i, contact) for i in interactions])
    stored = Interaction.objects.filter(owner=owner)
    assert stored.count() == COPY_MIN_ROWS and not stored.filter(created_at__isnull=True).exists()
    assert set(stored.values_list("occurred_at", flat=True)) == {moment}
    assert set(Participation.objects.filter(contact=contact).values_list("occurred_at", "purpose")) == {
        (moment, Purpose.PERSONAL)
    }


def test_conflicts_and_small_batches_keep_insert():
    """COPY cannot skip a conflicting row: a large batch asking to is written by Django's INSERT."""
    owner = UserFactory()
    contact = ContactFactory(owner=owner)
    EmailAddress.objects.create(owner=owner, contact=contact, address="ana.0@example.org")
    emails = [EmailAddress(owner=owner, contact=contact, address=f"Ana.{i}@example.org") for i in range(60)]
    EmailAddress.objects.bulk_create(emails, ignore_conflicts=True)
    assert EmailAddress.objects.filter(contact=contact).count() == 60

    with CaptureQueriesContext(connection) as queries:
        FollowUp.objects.bulk_create([])
        small = Contact.objects.bulk_create(_contacts(owner, 3, "small"))
    assert len([q for q in queries if q["sql"].startswith("INSERT")]) == 1
    assert all(c.pk for c in small)


def test_a_refused_row_raises_djangos_error_and_writes_nothing():
    """A restore tells the user a file does not fit by catching Django's DatabaseError: COPY must raise it."""
    owner = UserFactory()
    contact = ContactFactory(owner=owner)
    emails = [
        EmailAddress(owner=owner, contact=contact, address="same@example.org") for _ in range(COPY_MIN_ROWS)
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        EmailAddress.objects.bulk_create(emails)
    assert not EmailAddress.objects.filter(contact=contact).exists()
    assert all(e.pk is None for e in emails)


def test_values_of_another_type_are_converted_as_by_insert(monkeypatch):
    """A datetime given for a date, a number as text: each goes through its field, as Django's INSERT does."""
    owner = UserFactory()
    contact = ContactFactory(owner=owner)
    evening = dt.datetime(2026, 1, 1, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))

    def followups():
        return [
            FollowUp(
                owner=owner, contact=contact, purpose=Purpose.PERSONAL, reason="requested", due_on=evening
            )
            for _ in range(COPY_MIN_ROWS)
        ]

    copied = FollowUp.objects.bulk_create(followups())
    monkeypatch.setattr("accounts.bulk.COPY_MIN_ROWS", COPY_MIN_ROWS + 1)
    inserted = FollowUp.objects.bulk_create(followups())
    stored = dict(FollowUp.objects.filter(contact=contact).values_list("pk", "due_on"))
    assert {stored[f.pk] for f in copied} == {stored[f.pk] for f in inserted} == {dt.date(2026, 1, 2)}
