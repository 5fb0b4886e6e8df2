"""One folding everywhere: tag names and email addresses are the same when their `str.casefold()` is, in
Python and in the database alike (the stored `*_folded` columns), whatever the database's own lower() thinks.

PostgreSQL's lower() turns "İ" into "i" and Python's into "i̇", so "İstanbul" beside "istanbul" was a 500
there; SQLite's lower() folds ASCII alone, so "école" beside "ÉCOLE" became a second tag. Run this file on
PostgreSQL too (DATABASE_URL=postgres://...): that is where the 500s came from.
"""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.choices import Intention
from contacts.models import Contact, EmailAddress, Tag
from contacts.queries import contact_duplicates
from tests.factories import ContactFactory, EmailAddressFactory, TagFactory
from transfer.backup import backup_build, backup_restore
from transfer.imports import import_file

# (a tag the user has, the tag they type, whether Python's casefold says they are one tag)
TAG_PAIRS = [
    pytest.param("istanbul", "İstanbul", False, id="dotted-capital-I"),
    pytest.param("ÉCOLE", "école", True, id="accented-capital"),
    pytest.param("STRASSE", "Straße", True, id="sharp-s"),
]


def _tag_names(owner) -> list[str]:
    return sorted(Tag.objects.filter(owner=owner).values_list("name", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize(("existing", "typed", "same"), TAG_PAIRS)
def test_a_tag_typed_on_the_contact_form_beside_one_that_folds_alike_is_never_a_500(
    alice_client, alice, existing, typed, same
):
    TagFactory(owner=alice, name=existing)
    ana = ContactFactory(owner=alice)
    response = alice_client.post(
        reverse("contact_edit", args=[ana.pk]),
        {"display_name": ana.display_name, "intention": ana.intention, "circle": ana.circle, "tags": typed},
    )
    assert response.status_code == 302
    assert _tag_names(alice) == sorted({existing} if same else {existing, typed})
    assert [t.name for t in ana.tags.all()] == [existing if same else typed]


@pytest.mark.django_db
@pytest.mark.parametrize(("existing", "typed", "same"), TAG_PAIRS)
def test_the_bulk_tag_action_adds_and_removes_a_tag_that_folds_alike(
    alice_client, alice, existing, typed, same
):
    TagFactory(owner=alice, name=existing)
    ana, ben = ContactFactory(owner=alice), ContactFactory(owner=alice)
    data = {"contacts": [ana.pk, ben.pk], "action": "add_tag", "tag": typed}
    assert alice_client.post(reverse("contacts_bulk"), data).status_code == 302
    assert _tag_names(alice) == sorted({existing} if same else {existing, typed})
    assert alice_client.post(reverse("contacts_bulk"), data).status_code == 302, "adding it again is no error"
    data = {"contacts": [ana.pk], "action": "remove_tag", "tag": typed.upper()}
    assert alice_client.post(reverse("contacts_bulk"), data).status_code == 302
    assert not ana.tags.exists()
    assert ben.tags.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        # Python folds "İ" to "i̇", so these are two addresses; PostgreSQL's lower() said one (a 500).
        (["ana@İstanbul.example", "ana@istanbul.example"], ["ana@İstanbul.example", "ana@istanbul.example"]),
        # One address, however it is cased; lower() said two.
        (["ana@straße.example", "ANA@STRASSE.example"], ["ana@straße.example"]),
    ],
)
def test_two_emails_on_the_contact_form_are_kept_once_each_as_casefold_says(alice_client, alice, typed, kept):
    ana = ContactFactory(owner=alice)
    response = alice_client.post(
        reverse("contact_edit", args=[ana.pk]),
        {
            "display_name": ana.display_name,
            "intention": ana.intention,
            "circle": ana.circle,
            "emails": "\n".join(typed),
        },
    )
    assert response.status_code == 302
    assert [e.address for e in ana.emails.all()] == kept


@pytest.mark.django_db
def test_the_duplicate_warning_finds_an_address_whatever_its_case(alice):
    ana = ContactFactory(owner=alice)
    EmailAddressFactory(contact=ana, address="ANA@ÉCOLE.example")
    assert contact_duplicates(alice, email=" ana@école.example ") == [ana]
    assert contact_duplicates(alice, email="ana@ecole.example") == []


@pytest.mark.django_db
def test_a_card_with_such_tags_and_emails_imports_and_matches_the_next_time(alice):
    TagFactory(owner=alice, name="istanbul")
    TagFactory(owner=alice, name="STRASSE")
    card = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:Ana Demir\nCATEGORIES:İstanbul,Straße,strasse\n"
        "EMAIL:ana@İstanbul.example\nEMAIL:ana@istanbul.example\n"
        "EMAIL:ana@straße.example\nEMAIL:ANA@STRASSE.example\nEND:VCARD\n"
    )
    result = import_file(alice, card.encode(), intention=Intention.PERSONAL)
    assert (result.created, result.invalid) == (1, 0)
    ana = Contact.objects.get(owner=alice)
    assert [e.address for e in ana.emails.all()] == [
        "ana@İstanbul.example",
        "ana@istanbul.example",
        "ana@straße.example",
    ]
    assert sorted(t.name for t in ana.tags.all()) == ["STRASSE", "İstanbul"]
    assert _tag_names(alice) == ["STRASSE", "istanbul", "İstanbul"]

    again = "BEGIN:VCARD\nVERSION:3.0\nFN:A. Demir\nEMAIL:ANA@STRASSE.EXAMPLE\nEND:VCARD\n"
    result = import_file(alice, again.encode(), intention=Intention.PERSONAL)
    assert (result.created, Contact.objects.filter(owner=alice).count()) == (0, 1)


@pytest.mark.django_db
def test_every_way_of_writing_a_row_stores_its_folded_copy_and_the_database_refuses_none(alice):
    ana = ContactFactory(owner=alice)
    (email,) = EmailAddress.objects.bulk_create(
        [EmailAddress(owner=alice, contact=ana, address="A@ẞ.example")]
    )
    (tag,) = Tag.objects.bulk_create([Tag(owner=alice, name="Straße")])
    assert EmailAddress.objects.get(pk=email.pk).address_folded == "a@ss.example"
    assert Tag.objects.get(pk=tag.pk).name_folded == "strasse"
    tag.name = "ΟΔΟΣ"
    tag.save(update_fields=["name"])
    assert Tag.objects.get(pk=tag.pk).name_folded == "οδοσ"
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(owner=alice, name="οδος")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.filter(pk=tag.pk).update(name_folded="")


@pytest.mark.django_db
def test_a_backup_holding_tags_and_emails_that_fold_alike_restores(alice, bob):
    """An older Kith kept "Straße" and "STRASSE" apart; its backup restores with them as one."""
    ContactFactory(owner=alice, display_name="Ana")
    data = json.loads(json.dumps(backup_build(alice)))
    data["tags"] = ["Straße", "STRASSE"]
    (contact,) = data["contacts"]
    contact["emails"] = [
        {"address": "ana@straße.example", "label": "home"},
        {"address": "ANA@STRASSE.example", "label": ""},
    ]
    contact["tags"] = ["STRASSE", "Straße"]
    assert backup_restore(bob, data).contacts == 1
    ana = Contact.objects.get(owner=bob)
    assert [(e.address, e.label) for e in ana.emails.all()] == [("ana@straße.example", "home")]
    assert [t.name for t in ana.tags.all()] == ["Straße"]
