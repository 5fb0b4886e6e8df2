"""CSV files as spreadsheets save them, and Kith's own: UTF-16 ("Unicode text") and UTF-8 with a byte-order
mark are read, with a comma, semicolon or tab between cells; Kith's contacts CSV imports back with nothing
lost; an upload past the size bound and a failed import say what happened in words a person understands."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse

from accounts.choices import Circle, Intention
from contacts.models import Contact, Tag
from tests.factories import ContactFactory, EmailAddressFactory, PhoneNumberFactory
from tests.test_transfer_export import _people, _rich_account
from transfer import csvfiles, exports, imports, reading, writing
from transfer.imports import import_file
from transfer.models import ImportJob, ImportStatus
from transfer.reading import ImportRefused, import_read

SAMPLES = Path(__file__).resolve().parent / "samples"


def _resaved(name: str, delimiter: str, encoding: str) -> bytes:
    """A sample CSV as a spreadsheet saves it again: another delimiter, another encoding, CRLF line ends."""
    rows = list(csv.reader(io.StringIO((SAMPLES / name).read_text("utf-8"), newline="")))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


# Encodings and delimiters -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["google_contacts.csv", "linkedin_connections.csv"])
@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [
        ("\t", "utf-16"),  # Excel's "Unicode text": UTF-16 LE with its byte-order mark, tab-separated
        ("\t", "utf-16-le-bom"),
        ("\t", "utf-16-be-bom"),
        ("\t", "utf-16-le"),  # UTF-16 saved without its byte-order mark
        (",", "utf-16-be"),
        (",", "utf-16"),
        (";", "utf-8-sig"),  # Excel's "CSV UTF-8" where the decimal separator is a comma
        (",", "utf-8-sig"),
        (";", "cp1252"),
        ("\t", "utf-8"),
    ],
)
def test_a_csv_resaved_by_a_spreadsheet_reads_as_the_original(name, delimiter, encoding):
    if encoding.endswith("-bom"):
        codec = encoding.removesuffix("-bom")
        data = "\ufeff".encode(codec) + _resaved(name, delimiter, codec)
    else:
        data = _resaved(name, delimiter, encoding)
    assert import_read(data) == import_read((SAMPLES / name).read_bytes())


def test_a_unicode_text_file_imports_through_the_page(alice_client, alice):
    data = _resaved("google_contacts.csv", "\t", "utf-16")
    upload = SimpleUploadedFile("contacts.txt", data)
    response = alice_client.post(reverse("import_upload"), {"file": upload})
    job = ImportJob.objects.get(owner=alice)
    assert response.url == job.get_absolute_url()
    assert job.source == "google" and job.invalid_count == 0 and job.new_count == job.total > 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # UTF-16 cut in the middle of a character, and one with half a surrogate pair.
        ("First Name\tLast Name\tConnected On\n".encode("utf-16") + b"A", "cannot be read as such"),
        ("\ufeffFirst Name\t".encode("utf-16-le") + b"\x00\xd8A\x00", "cannot be read as such"),
        ("First Name,Last Name\n".encode("utf-16-le") + b"A", "cannot be read as such"),
        # A byte-order mark does not make a binary file text.
        (b"\xff\xfe" + b"\x00\x00\x01\x00\x02\x00" * 100, "not a text file"),
        (b"\xef\xbb\xbf\x00\x01\x02binary", "not a text file"),
        ("a\tb\n1\t2\n".encode("utf-16"), "does not recognise"),
        ("\t\t\n".encode("utf-16"), "The file is empty"),
        (b"\xff\xfe", "The file is empty"),
    ],
)
def test_damaged_or_binary_files_are_still_refused(data, message):
    with pytest.raises(ImportRefused, match=message):
        import_read(data)


def test_a_vcard_in_utf16_reads_as_in_utf8():
    text = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Ünal\r\nEMAIL:zoe@example.com\r\nEND:VCARD\r\n"
    for codec in ("utf-16", "utf-16-le", "utf-16-be"):
        assert import_read(text.encode(codec)) == import_read(text.encode())


def test_the_row_bound_holds_for_a_unicode_text_file(monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 2)
    text = "First Name\tLast Name\tConnected On\r\n" + "Ana\tN\t12 Mar 2024\r\n" * 3
    with pytest.raises(ImportRefused, match=r"row 3 is one too many"):
        import_read(text.encode("utf-16"))


# Kith's own contacts CSV ------------------------------------------------------------------------------------


@pytest.fixture
def tricky_contacts(alice):
    """Contacts whose every field a CSV could garble: separators, line breaks, backslashes, formulas."""
    ana = ContactFactory(
        owner=alice,
        display_name='Ana Núñez; "the climber", Madrid',
        given_name="Ana",
        family_name="Núñez",
        company="=Cumbre, Climbing; Ops",
        title="'-quoted title",
        birthday_month=2,
        birthday_day=29,
        birthday_year=None,
        links=["https://cumbre.example", "https://example.com/a,b;c ; d", "https://x.example/\\n(1)"],
        notes="=Line one; with, punctuation\\ and a backslash\r\nLine two — “quoted”\n\nLine four",
        intention=Intention.BOTH,
        circle=Circle.INNER,
    )
    EmailAddressFactory(contact=ana, address="ana@cumbre.example", label="")
    EmailAddressFactory(contact=ana, address="ana.n@correo.example", label="home, old (2019)")
    EmailAddressFactory(contact=ana, address="a@third.example", label="")
    PhoneNumberFactory(contact=ana, number="+34 612 345 678", e164="+34612345678", label="cell")
    PhoneNumberFactory(contact=ana, number="91 123 45 67", e164="", label="")
    ana.tags.set(
        [
            Tag.objects.create(owner=alice, name=n)
            for n in ("climbing", "Madrid, Spain", "a;b", "x ; y", "@home")
        ]
    )
    wei = ContactFactory(
        owner=alice,
        display_name="Wei Chen",
        given_name="Wei",
        family_name="Chen",
        birthday_month=3,
        birthday_day=15,
        birthday_year=1990,
        intention=Intention.PROFESSIONAL,
        circle=Circle.WIDER,
    )
    EmailAddressFactory(contact=wei, address="wei@chen.example", label="work")
    ContactFactory(owner=alice, display_name="Just A Name", intention=Intention.PERSONAL, circle=Circle.CLOSE)
    return alice


def _contacts_csv(owner) -> str:
    return "".join(exports.contacts_csv(owner))


def test_kiths_contacts_csv_imports_back_with_nothing_lost(tricky_contacts, bob):
    first = _contacts_csv(tricky_contacts)
    result = import_file(bob, first.encode(), intention=Intention.PERSONAL)
    assert (result.created, result.invalid) == (3, 0)
    assert _contacts_csv(bob) == first
    assert _people(bob) == _people(tricky_contacts)


def test_a_rich_accounts_contacts_csv_imports_back_with_nothing_lost(alice, bob):
    """Every column comes back as it was, reminders paused and the day a contact was archived included;
    only "Last interaction" is worked out from interactions, which the backup carries."""
    _rich_account(alice)
    paused, archived = Contact.objects.filter(owner=alice).order_by("pk")[:2]
    paused.reminders_paused = True
    paused.save()
    archived.archived_at = dt.datetime(2026, 5, 4, 18, 30, tzinfo=dt.UTC)
    archived.save()
    first = _contacts_csv(alice)
    assert "yes" in first and "2026-05-04" in first
    import_file(bob, first.encode(), intention=Intention.PERSONAL)
    assert Contact.objects.get(owner=bob, display_name=paused.display_name).reminders_paused
    assert Contact.objects.get(owner=bob, display_name=archived.display_name).archived_at.date() == dt.date(
        2026, 5, 4
    )
    state = {"Last interaction"}

    def kept(text: str) -> list[dict[str, str]]:
        return [{k: v for k, v in row.items() if k not in state} for row in csv.DictReader(io.StringIO(text))]

    assert kept(_contacts_csv(bob)) == kept(first)
    people, theirs = _people(bob), _people(alice)
    for person in people.values():
        person.pop("vcard_extra")  # the vCard export carries these, not a CSV
    for person in theirs.values():
        person.pop("vcard_extra")
    assert people == theirs


def test_the_contacts_csv_keeps_one_value_a_line_with_the_labels_beside(tricky_contacts):
    rows = list(csv.DictReader(io.StringIO(_contacts_csv(tricky_contacts))))
    ana = next(row for row in rows if row["Given name"] == "Ana")
    assert ana["Emails"] == "ana@cumbre.example\nana.n@correo.example\na@third.example"
    assert ana["Email labels"] == "\nhome, old (2019)"
    assert ana["Phones"] == "'+34 612 345 678\n91 123 45 67"
    assert ana["Phone labels"] == "cell"
    assert ana["Tags"] == "'@home\na;b\nclimbing\nMadrid, Spain\nx ; y"
    assert ana["Links"] == "https://cumbre.example\nhttps://example.com/a,b;c ; d\nhttps://x.example/\\\\n(1)"
    assert ana["Company"] == "'=Cumbre, Climbing; Ops"
    assert ana["Job title"] == "''-quoted title"


def test_a_contacts_csv_from_before_the_label_columns_still_imports(bob):
    old = (
        "Name,Given name,Family name,Company,Job title,Birthday,Emails,Phones,Links,Tags,Intention,Circle,"
        "Reminders paused,Archived,Last interaction,Notes\r\n"
        "Ana,Ana,N,Cumbre,,'--02-29,a@x.example ; b@x.example,'+34 612 345 678 ; 91 123 45 67,"
        "https://a.example,a;b ; climbing,both,inner,,,,'=hi\r\n"
    )
    source, (card,) = import_read(old.encode())
    assert source == "kith"
    assert card.emails == [("a@x.example", ""), ("b@x.example", "")]
    assert card.phones == [("+34 612 345 678", ""), ("91 123 45 67", "")]
    assert (card.tags, card.links) == (["a;b", "climbing"], ["https://a.example"])
    assert (card.birthday, card.intention, card.circle, card.notes) == ((2, 29, None), "both", "inner", "=hi")


@pytest.mark.parametrize(
    "value",
    ["", "plain", "=1+1", "+34 6", "-2", "@SUM(A1)", "\tTab", "\rCR", "'=x", "''+1", "'twas", "'", "''"],
)
def test_a_cell_made_safe_gives_its_value_back(value):
    cell = csvfiles.cell_safe(value)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert csvfiles.cell_text(cell) == value


@pytest.mark.parametrize(
    "values", [[], ["a"], ["a", "b"], ["a\\nb", "c\nd", "e\r\nf", "\\", "\\\\n", "x\\"], ["", "b", ""]]
)
def test_several_values_in_a_cell_read_back_as_written(values):
    assert csvfiles.cell_values_read(csvfiles.cell_values_write(values)) == (values if values != [""] else [])


# Messages ---------------------------------------------------------------------------------------------------


def test_a_file_over_the_size_bound_states_its_size_and_the_bound(alice_client, alice):
    data = b"BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n" * (10 * 1024 * 1024 // 30 + 1)
    upload = SimpleUploadedFile("big.vcf", data[: 10 * 1024 * 1024])
    response = alice_client.post(reverse("import_upload"), {"file": upload})
    assert response.status_code == 400
    assert "The file is 10.0 MB; Kith reads files up to 5 MB." in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_just_past_the_bound_does_not_read_as_within_it():
    with pytest.raises(ImportRefused, match=r"The file is 5\.1 MB; Kith reads files up to 5 MB\."):
        import_read(b"x" * (reading.MAX_BYTES + 1))


def test_a_failed_import_says_so_in_words_and_keeps_the_error_for_the_admin(alice_client, alice, monkeypatch):
    job = imports.import_job_create(alice, (SAMPLES / "nextcloud.vcf").read_bytes(), "nextcloud.vcf")
    raw = "UNIQUE constraint failed: contacts_emailaddress.contact_id, contacts_emailaddress.address"

    def clash(*args, **kwargs):
        raise IntegrityError(raw)

    monkeypatch.setattr(writing, "contacts_announce", clash)
    response = alice_client.post(reverse("import_confirm", args=[job.pk]), {"intention": "personal"})
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and raw in job.error
    page = alice_client.get(response.url).content.decode()
    assert "Nothing was imported. A row clashed with a contact already in Kith" in page
    assert "constraint" not in page and "IntegrityError" not in page
    assert not Contact.objects.filter(owner=alice).exists()


def test_any_other_failure_reads_as_kiths_own(alice_client, alice, monkeypatch):
    job = imports.import_job_create(alice, (SAMPLES / "nextcloud.vcf").read_bytes(), "nextcloud.vcf")
    monkeypatch.setattr(writing, "contacts_announce", lambda *a, **k: 1 / 0)
    alice_client.post(reverse("import_confirm", args=[job.pk]), {"intention": "personal"})
    page = alice_client.get(job.get_absolute_url()).content.decode()
    assert "Something went wrong on Kith&#x27;s side." in page and "ZeroDivisionError" not in page
