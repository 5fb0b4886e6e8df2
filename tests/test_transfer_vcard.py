"""The vCard reader and writer on their own: pure functions, no database."""

from __future__ import annotations

import pytest

from accounts.formats import content_line_fold
from transfer.csvfiles import cell_safe, linkedin_date
from transfer.vcard import Card, birthday_parse, card_write, property_parse, vcard_parse


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("19900315", (3, 15, 1990)),
        ("1990-03-15", (3, 15, 1990)),
        ("1990-03-15T00:00:00Z", (3, 15, 1990)),
        ("--0315", (3, 15, None)),
        ("--03-15", (3, 15, None)),
        ("1604-03-15", (3, 15, None)),  # Apple: no year
        ("--0229", (2, 29, None)),
        ("2023-02-29", None),
        ("--1301", None),
        ("15.03.1990", None),
        ("", None),
    ],
)
def test_birthdays_with_and_without_a_year(value, expected):
    assert birthday_parse(value) == expected


def test_quoted_printable_soft_breaks_join_even_inside_a_utf8_character():
    text = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Ren=C3=\r\n=A9e Fran=C3=A7ois\r\n"
        "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:one=0D=0A=\r\ntwo\r\nEND:VCARD\r\n"
    )
    (card,) = vcard_parse(text)
    assert card.display_name == "Renée François"
    assert card.notes == "one\ntwo"


def test_folded_lines_are_joined_and_crlf_lf_and_cr_line_ends_all_work():
    for end in ("\r\n", "\n", "\r"):
        text = end.join(["BEGIN:VCARD", "FN:Ana Mar", " ía", "NOTE:a long", "\t note", "END:VCARD", ""])
        (card,) = vcard_parse(text)
        assert (card.display_name, card.notes) == ("Ana María", "a long note")


def test_parameters_quoted_bare_and_listed():
    prop = property_parse('item2.TEL;TYPE="work,voice";X-NOTE="a:b;c";PREF=1:+1 555 0100')
    assert (prop.group, prop.name, prop.value) == ("item2", "TEL", "+1 555 0100")
    assert prop.params == {"TYPE": ["work", "voice"], "X-NOTE": ["a:b;c"], "PREF": ["1"]}
    bare = property_parse("TEL;WORK;VOICE;QUOTED-PRINTABLE:1")
    assert bare.params == {"TYPE": ["WORK", "VOICE"], "ENCODING": ["QUOTED-PRINTABLE"]}
    assert property_parse("no colon here") is None


def test_escapes_are_undone_and_structured_values_split_on_unescaped_semicolons():
    text = (
        "BEGIN:VCARD\nFN:A\\, B\\; C\nN:Smith\\;Jones;Ann;;;\nORG:Acme\\; Co;R&D\n"
        "CATEGORIES:a\\,b,c\nEND:VCARD\n"
    )
    (card,) = vcard_parse(text)
    assert card.display_name == "A, B; C"
    assert (card.family_name, card.given_name) == ("Smith;Jones", "Ann")
    assert card.company == "Acme; Co, R&D"
    assert card.tags == ["a,b", "c"]


def test_a_card_without_end_is_marked_incomplete_and_the_next_card_still_reads():
    cards = vcard_parse("BEGIN:VCARD\nFN:Cut\nBEGIN:VCARD\nFN:Whole\nEND:VCARD\n")
    assert [(c.display_name, c.complete) for c in cards] == [("Cut", False), ("Whole", True)]


def test_lines_fold_at_75_octets_without_splitting_a_character():
    line = "NOTE:" + "é" * 100
    folded = content_line_fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_the_writer_and_the_reader_agree():
    out = Card(
        display_name='Zoë; "Z", Hartmann',
        given_name="Zoë",
        family_name="Hart;mann",
        company="Studio, Berlin",
        birthday=(6, 30, None),
        emails=[("zoe@example.com", "home"), ("z@example.com", "Studio, Berlin")],
        phones=[("+49 151 2345", "")],
        links=["https://x.example/a,b"],
        notes="line\nnext \\ back",
        tags=["a,b", "c;d"],
        intention="both",
        circle="inner",
        extra=["item1.ADR:;;x;;;;", "item1.X-ABLabel:Summer"],
    )
    (card,) = vcard_parse(card_write(out))
    assert (card.display_name, card.given_name, card.family_name) == (out.display_name, "Zoë", "Hart;mann")
    assert (card.company, card.birthday, card.links, card.notes) == (
        out.company,
        out.birthday,
        out.links,
        out.notes,
    )
    assert card.emails == out.emails and card.phones == out.phones and card.tags == out.tags
    assert (card.intention, card.circle) == ("both", "inner")
    assert card.extra == ["item1.ADR:;;x;;;;", "item1.X-ABLabel:Summer"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44", "'+44"),
        ("-2", "'-2"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
    ],
)
def test_csv_cells_that_would_run_as_formulas_get_an_apostrophe(value, expected):
    assert cell_safe(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12 Mar 2024", (2024, 3, 12)),
        ("03 January 2020", (2020, 1, 3)),
        ("2024-03-12", (2024, 3, 12)),
        ("soon", None),
    ],
)
def test_linkedin_connected_on_dates(value, expected):
    result = linkedin_date(value)
    assert (result and (result.year, result.month, result.day)) == expected
