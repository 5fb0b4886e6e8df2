"""Hostile imports: files built to hang the readers, eat memory, pass a contact's bounds, smuggle text a
database refuses, or inject a second card into an export. Each is refused with a message naming the bound and
the row, or read with its bad parts reported on their row; never a 500, never a hang, nothing left behind.

Big files are generated here, at test time. Each read runs under a hang guard (SIGALRM, 30 s: no timing
asserts, only a stop for a hang) and, for files over 1 MB, a second, traced read keeps its tracemalloc peak
under 300 MB.
"""

from __future__ import annotations

import signal
import tracemalloc
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.choices import Intention
from contacts.forms import MAX_EMAILS, MAX_LINKS, MAX_PHONES, MAX_TAGS
from contacts.models import Contact
from tests.factories import ContactFactory, EmailAddressFactory
from transfer import reading, vcard
from transfer.exports import contacts_vcard
from transfer.imports import import_file
from transfer.models import ImportJob, ImportStatus
from transfer.reading import ImportRefused, RowStatus, import_preview, import_read

SAMPLES = Path(__file__).resolve().parent / "samples"
HANG_SECONDS = 30
PEAK_BYTES = 300 * 1024 * 1024
# Room for the card around a generated body, so that the file stays within the size limit.
_BODY_BYTES = reading.MAX_BYTES - 200


class _Hang(BaseException):
    """Raised into a test running past the hang guard (a BaseException: no `except Exception` hides it)."""


class _Guard:
    """A hang guard and, when `traced`, the peak memory of what ran inside it.

    tracemalloc makes allocation-heavy code several times slower, so a read is timed against the hang guard
    untraced, and its memory measured in a second, traced run with a guard as many times longer."""

    peak = 0
    TRACED_SLOWDOWN = 4

    def __init__(self, *, traced: bool = False) -> None:
        self.traced = traced
        self.seconds = HANG_SECONDS * (self.TRACED_SLOWDOWN if traced else 1)

    def __enter__(self) -> _Guard:
        def on_alarm(_signum, _frame):
            raise _Hang(f"still running after {self.seconds} s")

        self._previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.alarm(self.seconds)
        if self.traced:
            tracemalloc.start()
        return self

    def __exit__(self, *_exc) -> None:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, self._previous)
        if self.traced:
            self.peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()


def _card(*lines: str) -> bytes:
    return (
        "BEGIN:VCARD\r\nVERSION:3.0\r\n" + "".join(f"{line}\r\n" for line in lines) + "END:VCARD\r\n"
    ).encode()


def _upload(client, data: bytes, name: str = "contacts.vcf"):
    return client.post(reverse("import_upload"), {"file": SimpleUploadedFile(name, data)})


def _read(data: bytes):
    try:
        return import_read(data)
    except ImportRefused as error:
        return error


def _read_guarded(data: bytes):
    """Read a big file within the hang guard, then again to measure its peak memory."""
    assert len(data) > 1024 * 1024
    with _Guard():
        result = _read(data)
    with _Guard(traced=True) as guard:
        _read(data)
    assert guard.peak < PEAK_BYTES
    return result


# 1. Every reader is linear in its input ---------------------------------------------------------------------


def test_a_five_mb_file_of_continuation_lines_is_read_within_the_hang_guard():
    count = _BODY_BYTES // 4
    data = b"BEGIN:VCARD\r\nFN:Folded\r\nNOTE:x\r\n" + b" y\r\n" * count + b"END:VCARD\r\n"
    _source, cards = _read_guarded(data)
    assert cards[0].notes == "x" + "y" * count


def test_a_five_mb_file_of_quoted_printable_soft_breaks_is_read_within_the_hang_guard():
    count = _BODY_BYTES // 4
    data = (
        b"BEGIN:VCARD\r\nFN:Soft\r\nNOTE;ENCODING=QUOTED-PRINTABLE:"
        + b"a=\r\n" * count
        + b"b\r\nEND:VCARD\r\n"
    )
    _source, cards = _read_guarded(data)
    assert cards[0].notes == "a" * count + "b"


# 2. Bounds, checked before the reader allocates -------------------------------------------------------------


def test_a_csv_of_millions_of_tiny_rows_stops_at_the_row_bound_naming_it_and_the_row():
    header = b"First Name,Last Name,Connected On\n"
    data = header + b"a\n" * ((_BODY_BYTES - len(header)) // 2)
    refused = _read_guarded(data)
    assert isinstance(refused, ImportRefused)
    assert "up to 20,000 at a time" in str(refused) and "row 20,001" in str(refused)


def test_a_vcard_file_past_the_row_bound_is_refused_at_the_first_row_past_it(monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 2)
    with pytest.raises(ImportRefused, match="row 3 is one too many"):
        import_read(_card("FN:a") * 1000)


def test_a_card_with_more_properties_than_the_bound_is_refused_naming_the_row():
    data = _card("FN:First") + _card("FN:Many", *(f"X-N:{i}" for i in range(vcard.MAX_PROPERTIES + 1)))
    with pytest.raises(ImportRefused, match=r"Row 2 has more than 1,000 properties"):
        import_read(data)


def test_a_line_past_the_line_bound_is_refused_but_a_photo_of_a_few_mb_fits(alice):
    photo = "A" * (3 * 1024 * 1024)
    data = _card("FN:Pictured", "PHOTO;ENCODING=b;TYPE=JPEG:" + photo)
    _read_guarded(data)
    import_file(alice, data, intention=Intention.PERSONAL)
    assert f"PHOTO:data:image/jpeg;base64,{photo}" in Contact.objects.get(owner=alice).vcard_extra
    too_long = _card("FN:Long", "NOTE:" + "x" * (vcard.MAX_LINE_CHARS + 1))
    refused = _read_guarded(too_long)
    assert isinstance(refused, ImportRefused)
    assert "Row 1 has a line longer than 4,194,304 characters" in str(refused)


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        (
            [f"EMAIL:a{i}@x.example" for i in range(500)],
            f"500 email addresses; a contact has at most {MAX_EMAILS}",
        ),
        (
            [f"TEL:+44 20 7946 {i:04d}" for i in range(500)],
            f"500 phone numbers; a contact has at most {MAX_PHONES}",
        ),
        (
            ["CATEGORIES:" + ",".join(f"t{i}" for i in range(30_000))],
            f"30,000 tags; a contact has at most {MAX_TAGS}",
        ),
        (
            [f"URL:https://x.example/{i}" for i in range(500)],
            f"500 links; a contact has at most {MAX_LINKS}",
        ),
    ],
    ids=["emails", "phones", "tags", "links"],
)
def test_a_row_past_a_contacts_bounds_is_invalid_with_its_reason_and_the_rest_imports(alice, lines, reason):
    data = _card("FN:Flood", *lines) + _card("FN:Fine", "EMAIL:fine@x.example")
    with _Guard():
        previews = import_preview(alice, import_read(data)[1])
        result = import_file(alice, data, intention=Intention.PERSONAL)
    assert [p.status for p in previews] == [RowStatus.INVALID, RowStatus.NEW]
    assert reason in previews[0].reasons
    assert (result.created, result.invalid) == (1, 1)
    assert list(Contact.objects.filter(owner=alice).values_list("display_name", flat=True)) == ["Fine"]


def test_rows_and_a_match_never_take_a_contact_past_its_bounds_and_lose_nothing(alice):
    known = ContactFactory(owner=alice, display_name="Known")
    for i in range(MAX_EMAILS):
        EmailAddressFactory(contact=known, address=f"k{i}@x.example")
    rows = [_card("FN:Ana", "EMAIL:ana@x.example", f"EMAIL:ana{i}@x.example") for i in range(MAX_EMAILS + 5)]
    import_file(
        alice,
        b"".join(rows) + _card("FN:Known", "EMAIL:k0@x.example", "EMAIL:more@x.example"),
        intention=Intention.PERSONAL,
    )
    ana, known = Contact.objects.get(display_name="Ana"), Contact.objects.get(display_name="Known")
    assert ana.emails.count() == MAX_EMAILS and known.emails.count() == MAX_EMAILS
    assert "EMAIL:ana14@x.example" in ana.vcard_extra and "EMAIL:more@x.example" in known.vcard_extra


def test_tags_chosen_for_the_batch_never_take_a_new_contact_past_its_bound(alice):
    """Thirty tags of the file's own and ten chosen for the batch: the chosen ones all go on, the file's fill
    what is left, and the rest is kept with the contact."""
    own = ",".join(f"own{i}" for i in range(MAX_TAGS))
    batch = [f"chosen{i}" for i in range(10)]
    import_file(alice, _card("FN:Ana", f"CATEGORIES:{own}"), intention=Intention.PERSONAL, tags=batch)
    ana = Contact.objects.get(display_name="Ana")
    names = set(ana.tags.values_list("name", flat=True))
    assert len(names) == MAX_TAGS and set(batch) <= names
    assert "CATEGORIES:own29" in ana.vcard_extra


# 3. Decoded text is checked ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("NOTE;ENCODING=QUOTED-PRINTABLE:a=00b", "NOTE: the text holds a NUL character; left out"),
        ("X-FOO;ENCODING=QUOTED-PRINTABLE:a=00b", "X-FOO: the text holds a NUL character; left out"),
        (
            "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=undefined:caf=E9",
            "NOTE: the charset “undefined” is not one",
        ),
        (
            "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=unicode_escape:=5Cud800",
            "NOTE: the charset “unicode_escape”",
        ),
        (
            "FN;ENCODING=QUOTED-PRINTABLE;CHARSET=raw_unicode_escape:=5Cud800",
            "FN: the charset “raw_unicode_escape”",
        ),
        ("NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=rot13:abc", "NOTE: the charset “rot13”"),
    ],
    ids=["nul", "nul-kept", "undefined", "unicode-escape", "raw-unicode-escape", "not-text"],
)
def test_text_a_database_refuses_is_left_out_and_reported_on_its_row(alice_client, alice, line, reason):
    data = _card("FN:Ana", "EMAIL:ana@x.example", line)
    previews = import_preview(alice, import_read(data)[1])
    assert any(r.startswith(reason) for r in previews[0].reasons)
    response = _upload(alice_client, data)
    job = ImportJob.objects.get(owner=alice)
    assert alice_client.get(response.url).status_code == 200
    alice_client.post(reverse("import_confirm", args=[job.pk]), {"intention": "personal", "tags": ""})
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    ana = Contact.objects.get(owner=alice)
    for text in (ana.display_name, ana.notes, ana.vcard_extra):
        assert "\x00" not in text and not any("\ud800" <= ch <= "\udfff" for ch in text)


# 4. vCard writing: one card per contact, valid 4.0 ----------------------------------------------------------

_SEPARATORS = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"]


@pytest.mark.parametrize("separator", _SEPARATORS, ids=[f"U+{ord(s):04X}" for s in _SEPARATORS])
def test_a_received_line_separator_cannot_inject_a_second_card_into_the_export(alice, bob, separator):
    smuggled = separator.join(["X-NOTE:hi", "END:VCARD", "BEGIN:VCARD", "FN:Mallory", "END:VCARD"])
    data = _card("FN:Ana", smuggled, f"NOTE:one{separator}two", f"ORG:Acme{separator}Inc")
    import_file(alice, data, intention=Intention.PERSONAL)
    exported = "".join(contacts_vcard(alice))
    # The strictest reader there is: str.splitlines() breaks at every separator Unicode knows.
    assert sum(line == "BEGIN:VCARD" for line in exported.splitlines()) == 1
    import_file(bob, exported.encode(), intention=Intention.PERSONAL)
    assert list(Contact.objects.filter(owner=bob).values_list("display_name", flat=True)) == ["Ana"]


def test_vcard_21_parameters_are_converted_on_reading_and_the_export_is_valid_40(alice):
    data = (SAMPLES / "outlook.vcf").read_bytes() + (
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Solo;Han\r\nFN:Han Solo\r\n"
        b"X-PLACE;HOME;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:Caf=E9;=0D=0ACorellia\r\n"
        b"LOGO;GIF;BASE64:R0lG\r\n ODlh\r\n\r\nKEY;X509;ENCODING=BASE64:AAAA\r\nEND:VCARD\r\n"
    )
    import_file(alice, data, intention=Intention.PERSONAL)
    exported = "".join(contacts_vcard(alice))
    unfolded = vcard.vcard_unfold(exported)
    for line in unfolded:
        head = line.split(":", 1)[0]
        # Every parameter is named (no 2.1 bare ones) and none is a 2.1 or 3.0 encoding.
        assert all("=" in param for param in head.split(";")[1:]), line
        assert "ENCODING" not in head.upper() and "CHARSET" not in head.upper(), line
    assert "X-PLACE;TYPE=HOME:Café;\\nCorellia" in unfolded
    assert "LOGO:data:image/gif;base64,R0lGODlh" in unfolded
    assert "KEY;TYPE=X509:data:application/octet-stream;base64,AAAA" in unfolded


def test_export_then_import_then_export_gives_the_same_file(alice, bob):
    for name in (
        "apple_contacts.vcf",
        "google_contacts.vcf",
        "outlook.vcf",
        "thunderbird.vcf",
        "nextcloud.vcf",
    ):
        import_file(alice, (SAMPLES / name).read_bytes(), intention=Intention.PERSONAL)
    import_file(
        alice,
        _card("FN:Mallory", "X-NOTE:hi\u2028END:VCARD\u2028BEGIN:VCARD", "NOTE:a\x0bb"),
        intention=Intention.PERSONAL,
    )
    first = "".join(contacts_vcard(alice))
    import_file(bob, first.encode(), intention=Intention.PERSONAL)
    assert "".join(contacts_vcard(bob)) == first


# 5. The web upload: never a 500, nothing left behind after a refused file -----------------------------------


_FOLDED = b"BEGIN:VCARD\r\nFN:F\r\nNOTE:x\r\n" + b" y\r\n" * (_BODY_BYTES // 4) + b"END:VCARD\r\n"
_TINY_ROWS = b"First Name,Last Name,Connected On\n" + b"a\n" * (_BODY_BYTES // 2 - 20)


@pytest.mark.parametrize(
    ("name", "make", "refused", "message"),
    [
        ("continuation.vcf", lambda: _FOLDED, False, "1 new"),
        ("rows.csv", lambda: _TINY_ROWS, True, "row 20,001"),
        (
            "properties.vcf",
            lambda: _card("FN:Many", *(f"X-N:{i}" for i in range(vcard.MAX_PROPERTIES + 1))),
            True,
            "Row 1 has more than 1,000 properties",
        ),
        (
            "long-line.vcf",
            lambda: _card("FN:Long", "NOTE:" + "x" * (vcard.MAX_LINE_CHARS + 1)),
            True,
            "Row 1 has a line longer than",
        ),
        (
            "emails.vcf",
            lambda: _card("FN:Flood", *(f"EMAIL:a{i}@x.example" for i in range(500))),
            False,
            f"500 email addresses; a contact has at most {MAX_EMAILS}",
        ),
        (
            "charset.vcf",
            lambda: _card("FN:Ana", "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=undefined:=00"),
            False,
            "the charset “undefined” is not one Kith reads",
        ),
        (
            "csv-field.csv",
            lambda: b'First Name,Last Name,Connected On\n"' + b"x" * 200_000 + b'",b,c\n',
            True,
            "cannot be read at line 2",
        ),
    ],
    ids=["continuation", "tiny-rows", "properties", "long-line", "emails", "charset", "csv-field"],
)
def test_a_hostile_upload_gets_a_preview_or_a_message_never_a_500(
    alice_client, alice, name, make, refused, message
):
    # The reader's memory is measured on these files by the tests above; this is the web's hang guard.
    with _Guard():
        response = _upload(alice_client, make(), name)
        if refused:
            assert response.status_code == 400 and message in response.content.decode()
            assert not ImportJob.objects.exists() and not Contact.objects.exists()
        else:
            job = ImportJob.objects.get(owner=alice)
            assert message in alice_client.get(response.url).content.decode()
            alice_client.post(reverse("import_confirm", args=[job.pk]), {"intention": "personal", "tags": ""})
            job.refresh_from_db()
            # A file with nothing to import offers no import; a confirm sent anyway leaves it a preview.
            assert job.status == (ImportStatus.DONE if job.importable else ImportStatus.PREVIEW)
