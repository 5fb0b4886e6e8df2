"""Property tests: malformed vCards and CSVs thrown at the importer never escape as an exception (a 500),
and an import either writes every valid row or, refused, writes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.choices import Intention
from contacts.models import Contact, EmailAddress
from transfer.models import ImportJob
from transfer.reading import ImportRefused, card_fatal, import_read
from transfer.writing import import_apply

_FRAGMENTS = [
    "BEGIN:VCARD",
    "END:VCARD",
    "VERSION:2.1",
    "VERSION:3.0",
    "VERSION:4.0",
    "FN:Ana Núñez",
    "FN:",
    "N:;;;;",
    "N:Smith;John",
    "ORG:Acme;Sales;",
    "EMAIL;TYPE=work:ana@example.com",
    "EMAIL:ANA@example.com",
    "TEL:+44 (20) 7946-0000",
    "EMAIL:" + "b" * 64 + "@" + "c" * 63 + "." + "d" * 63 + "." + "e" * 63 + ".com",
    "EMAIL:not-an-address",
    "EMAIL:" + "a" * 300 + "@example.com",
    "TEL;CELL:+44 20 7946 0000",
    "TEL:" + "9" * 80,
    "BDAY:--0231",
    "BDAY:19900315",
    "BDAY:nonsense",
    "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=x-unknown:caf=E9=",
    "NOTE;ENCODING=QUOTED-PRINTABLE:=",
    "CATEGORIES:a,,b,\\,",
    "item1.EMAIL:x@y.z",
    "item1.X-ABLabel:_$!<Home>!$_",
    'X-THING;PARAM="unterminated:value',
    ";;;:::",
    " continued",
    "PHOTO;ENCODING=b:AAAA",
    "X-KITH-INTENTION:nonsense",
    "URL:https\\://x",
]

vcard_texts = st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=40)), max_size=30).map(
    "\r\n".join
)
linkedin_header = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
google_header = "First Name,Last Name,Birthday,Labels,E-mail 1 - Value,Phone 1 - Value,Organization Name"
csv_cells = st.one_of(
    st.sampled_from(
        ["", "Ana", '"', '""', "12 Mar 2024", "31 Feb 2024", "x@y.z", "--02-30", " ::: ", "=1+1"]
    ),
    st.text(max_size=20),
)
csv_texts = st.builds(
    lambda header, rows, notes: (
        (notes + "\n" if notes else "") + header + "\n" + "\n".join(",".join(row) for row in rows)
    ),
    st.sampled_from([linkedin_header, google_header]),
    st.lists(st.lists(csv_cells, max_size=9), max_size=8),
    st.sampled_from(["", "Notes:", 'Notes:\n"some text, with a comma"\n']),
)
any_bytes = st.one_of(
    vcard_texts.map(lambda t: t.encode("utf-8", errors="surrogatepass")),
    csv_texts.map(lambda t: t.encode("utf-8", errors="surrogatepass")),
    st.binary(max_size=200),
)

_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(data=any_bytes)
def test_reading_any_bytes_gives_cards_or_a_clear_refusal(data):
    try:
        _source, cards = import_read(data)
    except ImportRefused as refusal:
        assert str(refusal)
        return
    assert cards


@pytest.mark.django_db
@_SETTINGS
@given(data=any_bytes)
def test_an_import_writes_every_valid_row_or_nothing(alice, data):
    with transaction.atomic():
        try:
            _source, cards = import_read(data)
        except ImportRefused:
            assert not Contact.objects.filter(owner=alice).exists()
            transaction.set_rollback(True)
            return
        result = import_apply(alice, cards, intention=Intention.BOTH, tags=["fuzz"])
        valid = [c for c in cards if not card_fatal(c)]
        assert result.invalid == len(cards) - len(valid)
        assert Contact.objects.filter(owner=alice).count() == result.created
        assert result.created <= len(valid)
        # What was written is whole: every contact has its search text, every email its owner.
        assert not Contact.objects.filter(owner=alice, search_text="").exclude(display_name="").exists()
        assert not EmailAddress.objects.exclude(owner=alice).exists()
        transaction.set_rollback(True)


@pytest.mark.django_db
@_SETTINGS
@given(data=any_bytes)
def test_uploading_any_bytes_never_gives_a_server_error(client, alice, data):
    client.force_login(alice)
    with transaction.atomic():
        upload = SimpleUploadedFile("upload.vcf", data)
        response = client.post(reverse("import_upload"), {"file": upload})
        assert response.status_code in (302, 400)
        if response.status_code == 302:
            job = ImportJob.objects.get(owner=alice)
            assert client.get(response.url).status_code == 200
            response = client.post(reverse("import_confirm", args=[job.pk]), {"intention": "personal"})
            assert response.status_code == 302
        else:
            assert not ImportJob.objects.exists()
        transaction.set_rollback(True)
