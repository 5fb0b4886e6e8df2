"""Importing contacts: sample files written to look like each application's export, matching instead of
twins, the preview, limits and bad files, the page, the background job and the command."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from accounts.choices import Intention, Purpose
from config.celery import app as celery_app
from contacts.models import Contact, EmailAddress, PhoneNumber, Tag
from followups.models import FollowUp
from interactions.models import Interaction, Participation
from tests.factories import ContactFactory, EmailAddressFactory, PhoneNumberFactory
from transfer import exports, imports, jobs, reading, writing
from transfer.imports import import_file
from transfer.models import ImportJob, ImportStatus
from transfer.reading import ImportRefused, RowStatus, import_preview, import_read
from transfer.tasks import forget_stale_imports

SAMPLES = Path(__file__).resolve().parent / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def _import(owner, name, intention=Intention.PERSONAL, tags=()):
    return import_file(owner, sample(name), intention=intention, tags=tags, filename=name)


def _person(owner, name) -> Contact:
    return Contact.objects.get(owner=owner, display_name=name)


def _emails(contact):
    return [(e.address, e.label) for e in contact.emails.order_by("id")]


def _phones(contact):
    return [(p.number, p.e164, p.label) for p in contact.phones.order_by("id")]


def _tags(contact):
    return sorted(t.name for t in contact.tags.all())


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process, as a worker would run them."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


# Sample files: every field lands where it should ----------------------------------------------------------


def test_apple_contacts_vcard_lands_in_every_field(alice):
    _import(alice, "apple_contacts.vcf", tags=["imported"])
    ana = _person(alice, "Ana María Núñez")
    assert (ana.given_name, ana.family_name) == ("Ana María", "Núñez")
    assert ana.company == "Cumbre Climbing, Operations"
    assert ana.title == "Head of Operations"
    # Apple's year 1604 means "no year".
    assert (ana.birthday_month, ana.birthday_day, ana.birthday_year) == (3, 15, None)
    assert _emails(ana) == [("ana@cumbre.example", ""), ("ana.nunez@correo.example", "other")]
    assert _phones(ana) == [
        ("+34 612 345 678", "+34612345678", "cell"),
        ("+34 91 123 45 67", "+34911234567", "home"),
    ]
    assert ana.links == ["https://cumbre.example"]
    assert ana.notes == (
        "Runs a climbing gym in Madrid; send her the grant article.\n"
        "Her daughter Lucía starts school in September, ask how it went."
    )
    assert _tags(ana) == ["Climbing", "Madrid", "imported"]
    assert ana.intention == Intention.PERSONAL
    # What Kith has no field for is kept verbatim: the address, the photo (not decoded, but 3.0's ENCODING=b
    # made the data: URI of 4.0), the social profile.
    extra = ana.vcard_extra.splitlines()
    assert extra[0] == "item4.ADR;type=HOME;type=pref:;;Calle Mayor 1;Madrid;;28013;Spain"
    assert any(line.startswith("PHOTO:data:image/jpeg;base64,AAECAwQF") for line in extra)
    assert "X-SOCIALPROFILE;type=linkedin:https://linkedin.com/in/ana-nunez" in extra
    # The label lines became labels; the page must find her by an accent-free search.
    assert "X-ABLabel" not in ana.vcard_extra
    assert "nunez" in ana.search_text and "climbing" in ana.search_text
    wei = _person(alice, "Wei Chen")
    assert (wei.birthday_month, wei.birthday_day, wei.birthday_year) == (3, 15, 1990)
    assert _phones(wei) == [("(415) 555-0132", "", "mobile")]


def test_google_vcard_unescapes_urls_and_drops_its_own_group(alice):
    _import(alice, "google_contacts.vcf")
    tomas = _person(alice, "Tomás Oliveira")
    assert tomas.links == ["https://tomas.example/portfolio"]
    assert (tomas.birthday_month, tomas.birthday_day, tomas.birthday_year) == (7, 4, None)
    assert _tags(tomas) == ["Design", "Lisbon"]
    assert _emails(tomas) == [("tomas@casa.example", "home"), ("t.oliveira@designweek.example", "work")]
    assert (tomas.company, tomas.title) == ("Lisbon Design Week", "Curator")


def test_outlook_vcard_21_reads_quoted_printable_in_its_charset(alice):
    _import(alice, "outlook.vcf")
    jurgen = _person(alice, "Jürgen Müller")
    assert jurgen.company == "Müller & Söhne GmbH, Vertrieb"
    assert jurgen.notes == "Trifft man auf der Messe in München.\nZweite Zeile: Grüße an die Familie."
    assert _phones(jurgen) == [("+49 30 1234567", "+49301234567", "work"), ("0171 2345678", "", "cell")]
    assert _emails(jurgen) == [("juergen.mueller@example.de", "")]
    assert (jurgen.birthday_month, jurgen.birthday_day, jurgen.birthday_year) == (5, 21, 1975)
    assert jurgen.links == ["http://www.mueller-soehne.example"]
    # Kept lines are converted to 4.0: quoted-printable decoded, bare parameters named, base64 a data: URI.
    assert "LABEL;TYPE=WORK:Hauptstraße 5\\n10115 Berlin" in jurgen.vcard_extra
    assert "PHOTO:data:image/jpeg;base64,AAECAwQF" in jurgen.vcard_extra
    assert "REV:" not in jurgen.vcard_extra


def test_thunderbird_vcard_40_reads_quoted_type_lists_and_a_leap_day_without_year(alice):
    _import(alice, "thunderbird.vcf")
    priya = _person(alice, "Priya Raman")
    assert (priya.birthday_month, priya.birthday_day, priya.birthday_year) == (2, 29, None)
    assert _phones(priya) == [
        ("+44 7700 900123", "+447700900123", "cell"),
        ("+44 20 7946 0018", "+442079460018", "work"),
    ]
    assert priya.notes == "Co-author on the grant, ask about the dataset."
    # The card's UID is the contact's own, not a kept line: the export and phones sync write it back.
    assert priya.uid == "5e1c0b1c-7a3d-4b8f-9b61-2f0c1d9e8a77" and "UID" not in priya.vcard_extra


def test_nextcloud_vcard_unfolds_long_lines_and_reads_several_cards(alice):
    result = _import(alice, "nextcloud.vcf")
    assert result.created == 2
    lea = _person(alice, "Léa Dubois")
    assert lea.notes == (
        "We met at Sophie's birthday. She is training for the Paris marathon and wants running partners "
        "on Sundays."
    )
    assert _tags(lea) == ["Friends", "Paris"]
    assert (lea.birthday_month, lea.birthday_day, lea.birthday_year) == (11, 2, 1988)
    assert _person(alice, "Marc Lefèvre").phones.get().e164 == "+33698765432"


def test_linkedin_connections_become_professional_contacts_with_a_first_interaction(alice):
    _, cards = import_read(sample("linkedin_connections.csv"))
    assert len(cards) == 3
    _import(alice, "linkedin_connections.csv", intention=Intention.PROFESSIONAL)
    sam = _person(alice, "Sam Okafor")
    assert sam.intention == Intention.PROFESSIONAL
    assert (sam.company, sam.title) == ("Northwind", "CTO")
    assert sam.links == ["https://www.linkedin.com/in/samokafor"]
    assert _emails(sam) == [("sam@okafor.example", "")]
    connected = Interaction.objects.get(participations__contact=sam)
    assert connected.purpose == Purpose.PROFESSIONAL
    assert connected.notes == writing.CONNECTED_NOTE
    # A date-only entry is stored at noon local time.
    assert connected.occurred_at == dt.datetime(2024, 3, 12, 12, tzinfo=ZoneInfo("Europe/London"))
    sam.refresh_from_db()
    assert sam.last_professional_at == connected.occurred_at
    assert _person(alice, "Inés García").company == "Acme, Inc."


def test_google_contacts_csv_reads_numbered_columns_and_labels(alice):
    _import(alice, "google_contacts.csv")
    zoe = _person(alice, "Zoë Hartmann")
    assert (zoe.company, zoe.title) == ("Hartmann Studio", "Founder")
    assert _emails(zoe) == [
        ("zoe@hartmann.example", "home"),
        ("zoe.h@mail.example", "home"),
        ("studio@hartmann.example", "work"),
    ]
    assert [(n, lb) for n, _e, lb in _phones(zoe)] == [
        ("+49 151 2345 6789", "mobile"),
        ("+49 30 9876543", "work"),
    ]
    assert zoe.notes == "Photographer; shot our wedding.\nLikes sourdough."
    assert _tags(zoe) == ["Berlin", "Friends"]
    assert zoe.links == ["https://hartmann.example"]
    assert (zoe.birthday_month, zoe.birthday_day, zoe.birthday_year) == (6, 30, 1985)
    omar = _person(alice, "Omar Haddad")
    assert (omar.birthday_month, omar.birthday_day, omar.birthday_year) == (11, 9, None)
    assert _tags(omar) == []


def test_legacy_google_csv_with_given_name_columns(alice):
    _import(alice, "google_contacts_legacy.csv")
    nadia = _person(alice, "Nadia Petrova")
    assert (nadia.given_name, nadia.family_name, nadia.company, nadia.title) == (
        "Nadia",
        "Petrova",
        "Openings Ltd",
        "Analyst",
    )
    assert _tags(nadia) == ["Chess"]
    assert nadia.phones.get().e164 == "+79123456789"


# Matching and idempotency ---------------------------------------------------------------------------------


def _snapshot(owner):
    contacts = Contact.objects.filter(owner=owner).order_by("pk")
    return {
        "contacts": list(contacts.values()),
        "emails": list(EmailAddress.objects.filter(owner=owner).order_by("pk").values()),
        "phones": list(PhoneNumber.objects.filter(owner=owner).order_by("pk").values()),
        "tags": sorted(
            Contact.tags.through.objects.filter(contact__owner=owner).values_list("contact", "tag")
        ),
        "interactions": Interaction.objects.filter(owner=owner).count(),
        "followups": list(FollowUp.objects.filter(owner=owner).order_by("pk").values()),
    }


@pytest.mark.parametrize(
    "name",
    [
        "apple_contacts.vcf",
        "google_contacts.vcf",
        "outlook.vcf",
        "thunderbird.vcf",
        "nextcloud.vcf",
        "linkedin_connections.csv",
        "google_contacts.csv",
        "google_contacts_legacy.csv",
    ],
)
def test_importing_the_same_file_twice_changes_nothing_the_second_time(
    alice, name, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _import(alice, name, tags=["batch"])
    before = _snapshot(alice)
    with django_capture_on_commit_callbacks(execute=True):
        second = _import(alice, name, tags=["batch"])
    assert first.created > 0
    assert (second.created, second.updated) == (0, 0)
    assert second.unchanged == first.created
    assert _snapshot(alice) == before


def test_a_card_matching_an_existing_email_updates_that_contact(alice):
    ana = ContactFactory(
        owner=alice, display_name="Ana N", given_name="", family_name="", company="", notes=""
    )
    EmailAddressFactory(contact=ana, address="ANA@cumbre.example")
    result = _import(alice, "apple_contacts.vcf")
    assert (result.created, result.updated) == (1, 1)
    ana.refresh_from_db()
    # The contact's own name wins; empty fields are filled; the other email is added.
    assert ana.display_name == "Ana N"
    assert ana.company == "Cumbre Climbing, Operations"
    assert [e.address for e in ana.emails.all()] == ["ANA@cumbre.example", "ana.nunez@correo.example"]
    assert Contact.objects.filter(owner=alice).count() == 2


def test_a_card_matching_a_phone_in_another_format_updates_that_contact(alice):
    marc = ContactFactory(owner=alice, display_name="Marc L", given_name="", family_name="")
    PhoneNumberFactory(contact=marc, number="0033 6 98 76 54 32", e164="+33698765432")
    _import(alice, "nextcloud.vcf")
    assert not Contact.objects.filter(display_name="Marc Lefèvre").exists()
    marc.refresh_from_db()
    assert marc.family_name == "Lefèvre"


def test_same_name_and_company_matches_ignoring_case_and_accents(alice):
    ContactFactory(owner=alice, display_name="ana maria nunez", company="CUMBRE climbing, operations")
    ContactFactory(owner=alice, display_name="Inés García", company="Other Corp")
    previews = import_preview(alice, import_read(sample("apple_contacts.vcf"))[1])
    assert [p.status for p in previews] == [RowStatus.MATCH, RowStatus.NEW]
    assert previews[0].reasons[0] == "same name and company"
    linkedin = import_preview(alice, import_read(sample("linkedin_connections.csv"))[1])
    # Same name, another company: another person.
    assert linkedin[1].status == RowStatus.NEW


def test_one_card_with_an_address_or_number_twice_keeps_it_once(alice):
    text = (
        b"BEGIN:VCARD\nFN:Ana\nEMAIL:ana@x.example\nEMAIL:ANA@x.example\n"
        b"TEL:+44 20 7946 0000\nTEL:+442079460000\nEND:VCARD\n"
    )
    import_file(alice, text, intention=Intention.PERSONAL)
    ana = Contact.objects.get(owner=alice)
    assert [e.address for e in ana.emails.all()] == ["ana@x.example"]
    assert [p.number for p in ana.phones.all()] == ["+44 20 7946 0000"]


def test_two_rows_of_one_file_for_one_person_become_one_contact(alice):
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:Sam Okafor\nEMAIL:sam@okafor.example\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Samuel Okafor\nEMAIL:SAM@okafor.example\n"
        "TEL:+44 7700 900555\nEND:VCARD\n"
    )
    previews = import_preview(alice, import_read(text.encode())[1])
    assert [p.status for p in previews] == [RowStatus.NEW, RowStatus.MATCH]
    assert "as row 1" in previews[1].reasons[0]
    result = import_file(alice, text.encode(), intention=Intention.PERSONAL)
    assert result.created == 1
    sam = Contact.objects.get(owner=alice)
    assert sam.phones.get().e164 == "+447700900555"


@pytest.fixture
def two_jacks(alice):
    """Two people at one studio who share its address and its number, as the demo's Jack Cooper and Jack
    Booth do; Cooper has a title Booth lacks, so a row given to the wrong one would change it."""
    cooper = ContactFactory(
        owner=alice,
        display_name="Jack Cooper",
        given_name="Jack",
        family_name="Cooper",
        company="Northwind Studio",
        title="Designer",
        notes="",
    )
    booth = ContactFactory(
        owner=alice,
        display_name="Jack Booth",
        given_name="Jack",
        family_name="Booth",
        company="Northwind Studio",
        title="",
        notes="",
    )
    for jack in (cooper, booth):
        EmailAddressFactory(contact=jack, address="jack@northwind.example", label="work")
        PhoneNumberFactory(contact=jack, number="+44 20 7946 0101", e164="+442079460101", label="studio")
    return cooper, booth


def _own_export(owner, kind: str) -> bytes:
    chunks = exports.contacts_vcard(owner) if kind == "vcard" else exports.contacts_csv(owner)
    return "".join(chunks).encode()


@pytest.mark.parametrize("kind", ["vcard", "csv"])
def test_kiths_own_export_matches_each_row_to_the_contact_it_came_from_and_changes_nothing(
    alice_client, alice, two_jacks, kind, django_capture_on_commit_callbacks
):
    cooper, booth = two_jacks
    before = _snapshot(alice)
    response = _upload(alice_client, f"kith.{kind}", _own_export(alice, kind))
    job = ImportJob.objects.get(owner=alice)
    page = alice_client.get(response.url).content.decode()
    # Each row is its own contact, found by the card's UID, and holds nothing that contact lacks.
    for jack in (cooper, booth):
        cell = f'Unchanged: <a href="{reverse("contact_detail", args=[jack.pk])}">{jack.display_name}</a>'
        assert cell in page
    assert "Updates" not in page
    assert (job.new_count, job.matched_count, job.unchanged_count) == (0, 0, 2)
    assert "2 unchanged" in page
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("import_confirm", args=[job.pk]), {"intention": "personal", "tags": ""})
    job.refresh_from_db()
    assert (job.status, job.created, job.updated, job.unchanged) == (ImportStatus.DONE, 0, 0, 2)
    assert _snapshot(alice) == before


@pytest.mark.parametrize("kind", ["vcard", "csv"])
def test_another_users_export_never_reaches_their_contacts(alice, bob, two_jacks, kind):
    """Bob imports Alice's export, UIDs and all: the UIDs are looked up among Bob's contacts only, so
    Alice's contacts are never matched: Bob's own Jack Cooper is filled in (same name and company) and Jack
    Booth is new to Bob."""
    alice_before = _snapshot(alice)
    bobs_jack = ContactFactory(owner=bob, display_name="Jack Cooper", company="Northwind Studio", title="")
    previews = imports.import_rows_preview(bob, import_read(_own_export(alice, kind))[1])
    assert {p.match_id for p in previews} <= {bobs_jack.pk, None}
    result = import_file(bob, _own_export(alice, kind), intention=Intention.PERSONAL)
    assert (result.created, result.updated) == (1, 1)
    assert _snapshot(alice) == alice_before
    bobs_jack.refresh_from_db()
    assert bobs_jack.title == "Designer"
    assert Contact.objects.filter(owner=bob).count() == 2


def test_an_address_two_contacts_share_is_not_given_to_either_silently(alice_client, alice, two_jacks):
    """A file from elsewhere (no UID): the shared address and number say only "one of the Jacks". A row whose
    name and company say which is that one; a row that does not say is left out, naming both."""
    cooper, _booth = two_jacks
    before = _snapshot(alice)
    text = (
        b"BEGIN:VCARD\nVERSION:3.0\nFN:Jack Cooper\nORG:Northwind Studio\nEMAIL:jack@northwind.example\n"
        b"TEL:+44 20 7946 0101\nEND:VCARD\n"
        b"BEGIN:VCARD\nVERSION:3.0\nFN:Jack\nEMAIL:JACK@northwind.example\nBDAY:1990-03-15\nEND:VCARD\n"
    )
    previews = imports.import_rows_preview(alice, import_read(text)[1])
    assert [(p.status, p.match_id) for p in previews] == [
        (RowStatus.UNCHANGED, cooper.pk),
        (RowStatus.AMBIGUOUS, None),
    ]
    assert "Jack Booth" in previews[1].reasons[0] and "Jack Cooper" in previews[1].reasons[0]
    response = _upload(alice_client, "elsewhere.vcf", text)
    page = alice_client.get(response.url).content.decode()
    assert "Jack Booth and Jack Cooper" in page
    result = import_file(alice, text, intention=Intention.PERSONAL)
    assert (result.created, result.updated, result.unchanged, result.ambiguous) == (0, 0, 1, 1)
    assert _snapshot(alice) == before


def test_a_uid_given_to_several_people_does_not_merge_them(alice, two_jacks):
    """Some programs give every card one UID: a UID on a card bearing another name is taken only when an
    email or a number agrees too; otherwise the other keys decide."""
    cooper, _booth = two_jacks
    text = (
        b"BEGIN:VCARD\nVERSION:3.0\nFN:Ana Lima\nUID:same\nEND:VCARD\n"
        b"BEGIN:VCARD\nVERSION:3.0\nFN:Ben Ode\nUID:same\nEND:VCARD\n"
        b"BEGIN:VCARD\nVERSION:3.0\nFN:ana lima\nUID:same\nNOTE:Climbs\nEND:VCARD\n"
        b"BEGIN:VCARD\nVERSION:3.0\nFN:Wu Chen\nUID:" + cooper.uid.encode() + b"\nEND:VCARD\n"
        b"BEGIN:VCARD\nVERSION:3.0\nFN:J. Cooper\nUID:" + cooper.uid.encode() + b"\n"
        b"EMAIL:jack@northwind.example\nEND:VCARD\n"
    )
    previews = imports.import_rows_preview(alice, import_read(text)[1])
    assert [p.status for p in previews] == [
        RowStatus.NEW,
        RowStatus.NEW,
        RowStatus.MATCH,
        RowStatus.NEW,
        RowStatus.UNCHANGED,
    ]
    assert previews[4].match_id == cooper.pk
    result = import_file(alice, text, intention=Intention.PERSONAL)
    assert result.created == 3
    assert (
        Contact.objects.filter(owner=alice, display_name__in=["Ana Lima", "Ben Ode", "Wu Chen"]).count() == 3
    )
    assert Contact.objects.get(pk=cooper.pk).display_name == "Jack Cooper"


def test_the_preview_says_unchanged_for_a_file_imported_before(alice):
    _import(alice, "apple_contacts.vcf")
    previews = imports.import_rows_preview(alice, import_read(sample("apple_contacts.vcf"))[1])
    assert {p.status for p in previews} == {RowStatus.UNCHANGED}


def test_new_contacts_clocks_start_at_import_so_the_digest_is_not_flooded(
    alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _import(alice, "nextcloud.vcf")
    today = dt.date.today()
    followups = FollowUp.objects.filter(owner=alice, reason__in=["cadence", "after_meeting"])
    assert followups.count() == 2
    assert all(f.due_on > today for f in followups)


# The preview, and rows that cannot be imported ------------------------------------------------------------


def test_the_preview_marks_invalid_rows_with_reasons_and_imports_only_the_good_ones(alice):
    text = (
        b"BEGIN:VCARD\nVERSION:3.0\nFN:Good Person\nEMAIL:not-an-address\nBDAY:1990-02-30\nEND:VCARD\n"
        b"BEGIN:VCARD\nVERSION:3.0\nNOTE:nobody\nEND:VCARD\n"
        b"BEGIN:VCARD\nVERSION:3.0\nFN:Cut Off\n"
    )
    _, cards = import_read(text)
    previews = import_preview(alice, cards)
    assert [p.status for p in previews] == [RowStatus.NEW, RowStatus.INVALID, RowStatus.INVALID]
    assert any("not an email address" in r for r in previews[0].reasons)
    assert any("not a date" in r for r in previews[0].reasons)
    assert "no name" in previews[1].reasons[0]
    assert "cut off" in previews[2].reasons[0]
    result = import_file(alice, text, intention=Intention.PERSONAL)
    assert (result.created, result.invalid) == (1, 2)
    good = Contact.objects.get(owner=alice)
    # Nothing is lost: the values Kith could not use are kept with the contact.
    assert "EMAIL:not-an-address" in good.vcard_extra
    assert "BDAY:1990-02-30" in good.vcard_extra


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"   \n\n", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
        (b"BEGIN:VCARD\nFN:" + b"x" * 10_000 + b"\x00\nEND:VCARD\n", "not a text file"),
        (b"name;phone\nAna;123\n", "does not recognise this CSV"),
        (b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n", "no contacts"),
        (b"BEGIN:VCALENDAR\nEND:VCALENDAR\n", "does not recognise"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(alice, data, message):
    with pytest.raises(ImportRefused, match=message):
        import_read(data)


def test_a_file_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(reading, "MAX_BYTES", 100)
    with pytest.raises(ImportRefused, match="Split it into smaller files"):
        import_read(b"BEGIN:VCARD\nFN:x\nEND:VCARD\n" * 10)


def test_a_file_over_the_row_limit_is_refused(monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 2)
    with pytest.raises(ImportRefused, match="up to 2 at a time"):
        import_read(b"BEGIN:VCARD\nFN:x\nEND:VCARD\n" * 3)


# The page ---------------------------------------------------------------------------------------------------


def _upload(client, name, data=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, sample(name) if data is None else data)
    return client.post(reverse("import_upload"), {"file": upload})


def test_the_page_states_the_limits(alice_client):
    page = alice_client.get(reverse("transfer")).content.decode()
    assert "Up to 5 MB and 20,000 contacts per file" in page


def test_upload_preview_confirm_imports_the_people(alice_client, alice):
    response = _upload(alice_client, "linkedin_connections.csv")
    job = ImportJob.objects.get(owner=alice)
    assert response.url == job.get_absolute_url()
    page = alice_client.get(response.url).content.decode()
    assert "Preview: nothing is saved yet" in page
    assert "3 new" in page and "Sam Okafor" in page
    assert not Contact.objects.filter(owner=alice).exists()
    response = alice_client.post(
        reverse("import_confirm", args=[job.pk]), {"intention": "professional", "tags": "linkedin, 2024"}
    )
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created == 3
    assert set(Contact.objects.filter(owner=alice).values_list("intention", flat=True)) == {"professional"}
    assert set(Tag.objects.filter(owner=alice).values_list("name", flat=True)) == {"linkedin", "2024"}
    page = alice_client.get(response.url).content.decode()
    assert "Done: 3 created, 0 updated, 0 unchanged" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"\x00\x01\x02binary", "not a text file"),
        (b"a,b\n1,2\n", "does not recognise"),
    ],
)
def test_a_bad_upload_shows_the_message_and_writes_nothing(alice_client, alice, data, message):
    response = _upload(alice_client, "contacts.vcf", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportJob.objects.exists() and not Contact.objects.exists()


def test_a_large_file_runs_in_the_background_and_the_page_shows_its_progress(
    alice_client, alice, monkeypatch, eager_tasks, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(imports, "BACKGROUND_ROWS", 2)
    _upload(alice_client, "linkedin_connections.csv")
    job = ImportJob.objects.get(owner=alice)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        alice_client.post(reverse("import_confirm", args=[job.pk]), {"intention": "professional"})
    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED
    # The progress bar polls while the job waits.
    partial = alice_client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in partial and "<progress" in partial
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created == 3
    partial = alice_client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert "every 1s" not in partial and 'value="100"' in partial


def test_a_job_that_died_mid_way_left_nothing_and_runs_again(alice, monkeypatch):
    job = imports.import_job_create(alice, sample("nextcloud.vcf"), "nextcloud.vcf")
    job.intention = "personal"
    job.status = ImportStatus.QUEUED
    job.save()

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(writing, "contacts_announce", crash)
    with pytest.raises(RuntimeError):
        imports.import_job_run(job.pk)
    assert not Contact.objects.filter(owner=alice).exists()
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    # A redelivered task (the worker died before recording anything) starts from a clean slate.
    monkeypatch.undo()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    imports.import_job_run(job.pk)
    assert Contact.objects.filter(owner=alice).count() == 2


def test_a_stalled_job_can_be_started_again_from_its_page(
    alice_client, alice, monkeypatch, eager_tasks, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(imports, "BACKGROUND_ROWS", 1)
    job = imports.import_job_create(alice, sample("nextcloud.vcf"), "nextcloud.vcf")
    with django_capture_on_commit_callbacks(execute=False):
        imports.import_job_confirm(job, intention="personal", tags=[])
    # The broker lost the message: nothing moves.
    assert "Start the import again" not in alice_client.get(job.get_absolute_url()).content.decode()
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=11))
    page = alice_client.get(job.get_absolute_url()).content.decode()
    assert "the worker may have stopped" in page
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("import_retry", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.created) == (ImportStatus.DONE, 2)
    # Done is done: starting it again does nothing.
    alice_client.post(reverse("import_retry", args=[job.pk]))
    assert Contact.objects.filter(owner=alice).count() == 2


def test_discarding_a_preview_imports_nothing(alice_client, alice):
    _upload(alice_client, "nextcloud.vcf")
    job = ImportJob.objects.get(owner=alice)
    alice_client.post(reverse("import_discard", args=[job.pk]))
    assert not ImportJob.objects.exists() and not Contact.objects.exists()


def _words(response) -> str:
    """The page's text as a person reads it: no tags, spaces collapsed."""
    return " ".join(strip_tags(response.content.decode()).split())


def test_a_file_with_nothing_to_import_offers_no_import_and_a_way_to_try_another(alice_client, alice):
    # A card without a name, then one cut off.
    broken = b"BEGIN:VCARD\nVERSION:3.0\nNOTE:nobody\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nFN:Cut Off\n"
    job_url = _upload(alice_client, "broken.vcf", broken).url
    job = ImportJob.objects.get(owner=alice)
    response = alice_client.get(job_url)
    page, words = response.content.decode(), _words(response)
    assert "Import 0 contacts" not in words
    assert reverse("import_confirm", args=[job.pk]) not in page
    nothing = "Nothing in broken.vcf can be imported: every row is left out, for the reasons listed below."
    assert nothing in words
    assert "no name" in words and "cut off" in words
    assert "Discard it and try another file" in words
    assert reverse("import_discard", args=[job.pk]) in page
    # Confirming anyway (an old tab, a crafted request) imports nothing and does not say it did.
    confirm = reverse("import_confirm", args=[job.pk])
    response = alice_client.post(confirm, {"intention": "personal"}, follow=True)
    words = _words(response)
    assert "Imported broken.vcf" not in words
    assert "Nothing in broken.vcf can be imported; nothing was saved." in words
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEW and not Contact.objects.exists()
    # Discarding it goes back to the upload form.
    response = alice_client.post(reverse("import_discard", args=[job.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("transfer")
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(("known", "wording"), [(1, "1 matching person"), (2, "2 matching people")])
def test_the_preview_counts_matching_people_in_words(alice_client, alice, known, wording):
    cards = b""
    for n in range(known):
        EmailAddressFactory(contact=ContactFactory(owner=alice), address=f"known{n}@example.org")
        # A note the contact lacks, so that the row fills it in (a row holding nothing new is "unchanged").
        cards += (
            f"BEGIN:VCARD\nVERSION:3.0\nFN:Known {n}\nEMAIL:known{n}@example.org\nNOTE:Met {n}\nEND:VCARD\n"
        ).encode()
    cards += b"BEGIN:VCARD\nVERSION:3.0\nFN:Someone New\nEND:VCARD\n"
    words = _words(alice_client.get(_upload(alice_client, "contacts.vcf", cards).url))
    assert f"1 new, {wording} already in Kith" in words
    assert f"Import {known + 1} contacts" in words


def test_parsed_rows_are_forgotten_once_nobody_needs_them(alice_client, alice, bob):
    now = timezone.now()
    abandoned = imports.import_job_create(alice, sample("nextcloud.vcf"), "nextcloud.vcf")
    fresh = imports.import_job_create(bob, sample("nextcloud.vcf"), "nextcloud.vcf")
    failed = imports.import_job_create(alice, sample("nextcloud.vcf"), "nextcloud.vcf")
    recently_failed = imports.import_job_create(alice, sample("nextcloud.vcf"), "nextcloud.vcf")
    ImportJob.objects.filter(pk=abandoned.pk).update(updated_at=now - dt.timedelta(days=1, minutes=1))
    ImportJob.objects.filter(pk=failed.pk).update(
        status=ImportStatus.FAILED, finished_at=now - dt.timedelta(days=8)
    )
    ImportJob.objects.filter(pk=recently_failed.pk).update(
        status=ImportStatus.FAILED, finished_at=now - dt.timedelta(days=6)
    )

    assert jobs.import_jobs_forget(now) == (1, 1)

    assert not ImportJob.objects.filter(pk=abandoned.pk).exists()
    assert alice_client.get(abandoned.get_absolute_url()).status_code == 404
    fresh.refresh_from_db()
    failed.refresh_from_db()
    recently_failed.refresh_from_db()
    assert fresh.status == ImportStatus.PREVIEW and len(fresh.rows) == 2
    # A failed import keeps its outcome; only a recent one can still be started again.
    assert failed.rows == [] and failed.total == 2 and not imports.import_job_requeue(failed)
    assert len(recently_failed.rows) == 2
    assert jobs.import_jobs_forget(now) == (0, 1)  # clearing again changes nothing the user sees


@pytest.mark.django_db
def test_beat_forgets_stale_imports_every_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["forget-stale-imports"]
    assert (entry["task"], entry["schedule"]) == (forget_stale_imports.name, 3600)
    assert forget_stale_imports() == "0 previews deleted, 0 failed imports cleared"


# The command ----------------------------------------------------------------------------------------------


def test_the_command_imports_a_file_for_a_user(alice, capsys):
    call_command(
        "import_contacts", str(SAMPLES / "linkedin_connections.csv"), "--user", "alice", "--tag", "li"
    )
    out = capsys.readouterr().out
    assert "3 rows, 3 new" in out and "3 created" in out
    assert Contact.objects.filter(owner=alice, intention="professional").count() == 3
    assert Participation.objects.filter(owner=alice).count() == 3


def test_the_command_dry_run_writes_nothing(alice, capsys):
    call_command("import_contacts", str(SAMPLES / "apple_contacts.vcf"), "--user", "alice", "--dry-run")
    assert "Dry run" in capsys.readouterr().out
    assert not Contact.objects.exists()


def test_the_command_refuses_a_bad_file_clearly(alice, tmp_path):
    empty = tmp_path / "empty.vcf"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        call_command("import_contacts", str(empty), "--user", "alice")
    with pytest.raises(CommandError, match="No user"):
        call_command("import_contacts", str(empty), "--user", "nobody")


@pytest.mark.postgres
def test_progress_is_visible_to_the_page_while_the_import_writes(transactional_db, monkeypatch):
    """The import writes in one transaction; its progress reaches the page through a second connection."""
    from django.db import DEFAULT_DB_ALIAS, connections

    from tests.factories import UserFactory

    owner = UserFactory(username="mira")
    job = imports.import_job_create(owner, sample("nextcloud.vcf"), "nextcloud.vcf")
    ImportJob.objects.filter(pk=job.pk).update(intention="personal", status=ImportStatus.QUEUED)
    seen = []
    announce = writing.contacts_announce

    def look_from_the_page(*args, **kwargs):
        page = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with page.cursor() as cursor:
                cursor.execute("SELECT status, progress FROM transfer_importjob WHERE id = %s", [job.pk])
                seen.append(cursor.fetchone())
                cursor.execute("SELECT count(*) FROM contacts_contact WHERE owner_id = %s", [owner.pk])
                seen.append(cursor.fetchone())
        finally:
            page.close()
        return announce(*args, **kwargs)

    monkeypatch.setattr(writing, "contacts_announce", look_from_the_page)
    imports.import_job_run(job.pk)
    (status, progress), (contacts,) = seen
    assert status == ImportStatus.RUNNING and 50 < progress < 100
    # Nothing the import wrote is visible before it commits.
    assert contacts == 0
    job.refresh_from_db()
    assert (job.status, job.percent) == (ImportStatus.DONE, 100)
