"""Phone numbers are parsed by libphonenumber: one number however it is written, national numbers read with
the user's phone region, stored numbers re-normalised by a migration and when the region changes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts.choices import Intention
from accounts.regions import phone_region_suggest
from contacts.actions import contact_create
from contacts.models import Contact, PhoneNumber
from contacts.phones import phone_e164
from tests.factories import ContactFactory, PhoneNumberFactory, UserFactory
from tests.migrating import migrate_to_just_before
from tests.test_accounts import settings_data
from transfer.imports import import_file
from transfer.matching import MatchIndex, phone_key
from transfer.merge import contacts_find_twins
from transfer.vcard import Card

PHONE_E164_PARSED = ("contacts", "0006_phone_e164_parsed")


def _card(display_name: str, number: str) -> bytes:
    return (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{display_name}\r\nTEL;TYPE=CELL:{number}\r\nEND:VCARD\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("number", "region", "e164"),
    [
        ("+44 (0) 20 7946 0000", "", "+442079460000"),
        ("+442079460000", "", "+442079460000"),
        ("0044 20 7946 0000", "", "+442079460000"),
        ("020 7946 0000", "GB", "+442079460000"),
        ("(202) 555-0143", "US", "+12025550143"),
        ("011 44 20 7946 0000", "US", "+442079460000"),
        # Without a region a national number cannot be placed: a guess could match the wrong person.
        ("020 7946 0000", "", ""),
        # Too short to be anyone's number, or no number at all.
        ("555-0143", "US", ""),
        ("12", "GB", ""),
        ("call me", "GB", ""),
        ("+" + "1" * 200, "", ""),
    ],
)
def test_numbers_are_normalised_to_e164_or_nothing(number, region, e164):
    assert phone_e164(number, region) == e164


def test_a_number_with_a_bracketed_trunk_zero_matches_the_same_number_on_import(alice):
    ana = ContactFactory(owner=alice, display_name="Ana N")
    PhoneNumberFactory(contact=ana, number="+442079460000", e164="+442079460000")
    result = import_file(
        alice, _card("Ana Núñez", "+44 (0) 20 7946 0000"), intention=Intention.PERSONAL, filename="a.vcf"
    )
    assert (result.created, result.updated + result.unchanged) == (0, 1)
    assert Contact.objects.filter(owner=alice).count() == 1
    assert [p.number for p in ana.phones.all()] == ["+442079460000"]


def test_a_number_with_a_bracketed_trunk_zero_is_a_duplicate_warning(alice):
    ana = ContactFactory(owner=alice, display_name="Ana Núñez")
    ana_work = ContactFactory(owner=alice, display_name="A. Núñez (work)")
    PhoneNumberFactory(contact=ana, number="+442079460000", e164="+442079460000")
    PhoneNumberFactory(contact=ana_work, number="+44 (0) 20 7946 0000", e164="")
    [twins] = contacts_find_twins(alice)
    assert (twins.first, twins.second, twins.reasons) == (ana, ana_work, ("same phone number",))


def test_a_national_number_is_read_with_the_users_phone_region(alice, bob):
    alice.phone_region = "GB"
    alice.save()
    ana = contact_create(alice, display_name="Ana", intention=Intention.PERSONAL, phone="020 7946 0000")
    bea = contact_create(bob, display_name="Bea", intention=Intention.PERSONAL, phone="020 7946 0000")
    assert [p.e164 for p in ana.phones.all()] == ["+442079460000"]
    assert [p.e164 for p in bea.phones.all()] == [""]  # bob has no region: nothing is guessed


def test_an_imported_national_number_matches_the_international_one_for_the_users_region(alice):
    alice.phone_region = "GB"
    alice.save()
    ana = ContactFactory(owner=alice, display_name="Ana N")
    PhoneNumberFactory(contact=ana, number="+44 20 7946 0000", e164="+442079460000")
    card = Card(display_name="Ana Núñez", phones=[("020 7946 0000", "cell")])
    assert MatchIndex.build(alice).find(card) == (ana.pk, "same phone number 020 7946 0000")
    result = import_file(
        alice, _card("Ana Núñez", "020 7946 0000"), intention=Intention.PERSONAL, filename="a.vcf"
    )
    assert result.created == 0
    assert Contact.objects.filter(owner=alice).count() == 1


def test_an_imported_national_number_is_not_added_twice_and_new_ones_get_their_e164(alice):
    """The import matched Ana by her email; her number, written nationally in the file, is the one she has,
    and the new number it brings is stored with its E.164 read in the user's region."""
    alice.phone_region = "GB"
    alice.save()
    ana = ContactFactory(owner=alice, display_name="Ana N")
    PhoneNumberFactory(contact=ana, number="+44 20 7946 0000", e164="+442079460000")
    vcard = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana N\r\nTEL;TYPE=CELL:020 7946 0000\r\n"
        b"TEL;TYPE=HOME:020 7946 0999\r\nEND:VCARD\r\n"
    )
    result = import_file(alice, vcard, intention=Intention.PERSONAL, filename="a.vcf")
    assert (result.created, result.updated) == (0, 1)
    assert sorted(ana.phones.values_list("e164", flat=True)) == ["+442079460000", "+442079460999"]


def test_the_phone_key_keeps_working_without_a_region():
    assert phone_key("+44 (0) 20 7946 0000") == "+442079460000"
    assert phone_key("020 7946 0000") == "national:02079460000"
    assert phone_key("020 7946 0000", "GB") == "+442079460000"
    assert phone_key("12") == ""


# The setting -----------------------------------------------------------------------------------------------


def test_settings_suggest_a_region_from_the_time_zone(alice_client, alice):
    alice.time_zone = "Europe/London"
    alice.save()
    page = alice_client.get(reverse("settings")).content.decode()
    assert '<label for="id_phone_region">Phone region' in page
    assert 'name="phone_region" value="GB"' in page
    assert "Suggested from your time zone." in page


@pytest.mark.parametrize(
    ("time_zone", "region"),
    [("Europe/London", "GB"), ("America/New_York", "US"), ("Asia/Tokyo", "JP"), ("UTC", "")],
)
def test_the_suggestion_is_the_country_of_the_time_zone(time_zone, region):
    assert phone_region_suggest(time_zone) == region


def test_settings_save_the_region_and_renormalise_stored_numbers(
    alice_client, alice, django_capture_on_commit_callbacks
):
    national = PhoneNumberFactory(contact__owner=alice, number="020 7946 0000", e164="")
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("settings"), settings_data(alice, phone_region="gb"))
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.phone_region == "GB"
    national.refresh_from_db()
    assert national.e164 == "+442079460000"


def test_keeping_the_suggested_region_saves_it(alice_client, alice):
    alice.time_zone = "Europe/London"
    alice.save()
    national = PhoneNumberFactory(contact__owner=alice, number="020 7946 0000", e164="")
    alice_client.post(reverse("settings"), settings_data(alice, phone_region="GB"))
    alice.refresh_from_db()
    national.refresh_from_db()
    assert (alice.phone_region, national.e164) == ("GB", "+442079460000")


@pytest.mark.parametrize("region", ["XX", "GBR", "001"])
def test_settings_refuse_an_unknown_region_and_change_nothing(alice_client, alice, region):
    response = alice_client.post(
        reverse("settings"), settings_data(alice, phone_region=region, digest_hour=3)
    )
    assert response.status_code == 200
    errors = str(response.context["form"].errors["phone_region"])
    assert "is not a country Kith knows phone numbers for" in errors or "at most 2 characters" in errors
    alice.refresh_from_db()
    assert (alice.phone_region, alice.digest_hour) == ("", 8)


# The migration ---------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_renormalises_stored_numbers_with_the_owners_region(migrator):
    apps = migrate_to_just_before(migrator, PHONE_E164_PARSED)
    User = apps.get_model("accounts", "User")
    Contact = apps.get_model("contacts", "Contact")
    Phone = apps.get_model("contacts", "PhoneNumber")
    rows = [
        # owner's region, number, e164 as the old hand-made rule stored it
        ("", "+44 (0) 20 7946 0000", "+4402079460000"),
        ("", "0033 6 12 34 56 78", "+33612345678"),
        ("", "020 7946 0000", ""),
        ("GB", "020 7946 0000", ""),
        ("GB", "+1 1", ""),
    ]
    for i, (region, number, e164) in enumerate(rows):
        owner = User.objects.create(username=f"user{i}", phone_region=region)
        contact = Contact.objects.create(
            owner=owner, display_name="Ana", intention="personal", circle="close"
        )
        Phone.objects.create(owner=owner, contact=contact, number=number, e164=e164)

    executor = MigrationExecutor(connection)
    executor.migrate([PHONE_E164_PARSED])
    assert list(PhoneNumber.objects.order_by("owner__username").values_list("e164", flat=True)) == [
        "+442079460000",
        "+33612345678",
        "",
        "+442079460000",
        "",
    ]


def test_a_user_has_no_phone_region_until_they_choose_one(db):
    assert UserFactory().phone_region == ""
