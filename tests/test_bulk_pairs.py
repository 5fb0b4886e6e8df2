"""`accounts.bulk.pairs_add`: an import's tag links, written as two arrays on PostgreSQL and by Django's
INSERT elsewhere; both must add the new links and leave the ones a contact has alone."""

from __future__ import annotations

import pytest

from accounts.bulk import pairs_add
from contacts.models import Contact
from tests.factories import ContactFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_links_are_added_once_and_existing_ones_kept():
    owner = UserFactory()
    first, second = ContactFactory(owner=owner), ContactFactory(owner=owner)
    work, climbing = TagFactory(owner=owner, name="work"), TagFactory(owner=owner, name="climbing")
    first.tags.add(work)
    pairs_add(
        Contact.tags.through,
        ("contact", "tag"),
        {(first.pk, work.pk), (first.pk, climbing.pk), (second.pk, climbing.pk)},
    )
    pairs_add(Contact.tags.through, ("contact", "tag"), [])
    assert sorted(first.tags.values_list("name", flat=True)) == ["climbing", "work"]
    assert list(second.tags.values_list("name", flat=True)) == ["climbing"]
    assert Contact.tags.through.objects.filter(contact__owner=owner).count() == 3
