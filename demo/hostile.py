"""Hostile import files: vCards and CSVs (LinkedIn's and Google's headers) built to break the readers, each
named for its defect ("vcf-qp-nul-first", "csv-utf16-no-bom-google"). A file is built only when asked for,
so the megabyte ones exist at test or benchmark time and are never committed.

`tests/test_transfer_fuzz.py` puts every file through the command line and the web upload;
`manage.py bench_import --hostile` times each one. Most defects come in variants of position (the bad card
or row alone, first, last, or in the middle of fine ones) or of size (100 KB, or just under the import's
size limit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from contacts.forms import MAX_LINKS
from transfer.reading import MAX_BYTES, MAX_ROWS
from transfer.vcard import MAX_LINE_CHARS, MAX_PROPERTIES

MB = 1024 * 1024
# Room for the card or header around a generated body, so that the biggest variant stays within the limit.
_FULL = MAX_BYTES - 300
_SIZES = {"100k": 100 * 1024, "5mb": _FULL}
_POSITIONS = ("only", "first", "last", "mid")
# The positions each kind of file is tried in: a bad card alone or between fine ones; a bad row just under
# the header, or ending the file.
_VCARD_POSITIONS = ("only", "mid")
_CSV_POSITIONS = ("first", "last")
# U+0130, the dotted capital I, which Python lowers to "i" plus a combining dot and PostgreSQL may not.
DOTTED_I = "\u0130"
# Every line separator Unicode knows beyond CR and LF (str.splitlines() breaks at each).
SEPARATORS = {
    "u2028": "\u2028",
    "u2029": "\u2029",
    "nel": "\x85",
    "vt": "\x0b",
    "ff": "\x0c",
    "fs": "\x1c",
    "gs": "\x1d",
    "rs": "\x1e",
}
LINKEDIN_HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
GOOGLE_HEADER = (
    "Name,Given Name,Family Name,Birthday,Notes,Group Membership,"
    "E-mail 1 - Type,E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value,Organization 1 - Name"
)
_LINKEDIN_NOTES = 'Notes:\r\n"When exporting your connection data, you may notice that some..."\r\n\r\n'


@dataclass(frozen=True)
class HostileFile:
    """One hostile file: `name` says its defect and variant; `make` builds its bytes."""

    name: str
    make: Callable[[], bytes]
    # "read": Kith must read it (a preview); "refused": it must be refused with a message; "": either.
    expect: str = ""

    @property
    def filename(self) -> str:
        return self.name + (".vcf" if self.name.startswith("vcf-") else ".csv")


def card(*lines: str, version: str = "3.0") -> str:
    return (
        f"BEGIN:VCARD\r\nVERSION:{version}\r\n" + "".join(f"{line}\r\n" for line in lines) + "END:VCARD\r\n"
    )


def _fine_card(i: int) -> str:
    return card(f"FN:Fine Person {i}", f"EMAIL:fine{i}@x.example")


def _utf8(text: str) -> bytes:
    # surrogatepass: a lone surrogate is written as the bytes a broken exporter would write.
    return text.encode("utf-8", errors="surrogatepass")


def _utf8_joined(texts: list[str]) -> bytes:
    return _utf8("".join(texts))


def _placed(text: str, position: str, fine: Callable[[int], str], count: int = 2) -> list[str]:
    """The hostile part alone, first, last, or in the middle of six fine ones."""
    if position == "only":
        return [text]
    if position == "mid":
        return [fine(i) for i in range(3)] + [text] + [fine(i) for i in range(3, 6)]
    others = [fine(i) for i in range(count)]
    return [text, *others] if position == "first" else [*others, text]


def _vcards_placed(name: str, bad: str, expect: str = "") -> list[HostileFile]:
    return [
        HostileFile(f"{name}-{position}", partial(_utf8_joined, _placed(bad, position, _fine_card)), expect)
        for position in _VCARD_POSITIONS
    ]


def _vcard_value_defects() -> dict[str, str]:
    """Single cards whose values are hostile: text a database refuses, charsets that are not text, broken
    encodings, dates out of range, the dotted capital I, markup."""
    qp = "ENCODING=QUOTED-PRINTABLE"
    return {
        "vcf-qp-nul": card("FN:Ana", f"NOTE;{qp}:a=00b"),
        "vcf-qp-nul-in-name": card(f"FN;{qp}:An=00a", "EMAIL:ana@x.example"),
        "vcf-qp-nul-in-kept-property": card("FN:Ana", f"X-FOO;{qp}:a=00b"),
        "vcf-charset-undefined": card("FN:Ana", f"NOTE;{qp};CHARSET=undefined:caf=E9"),
        "vcf-charset-unicode-escape-surrogate": card("FN:Ana", f"NOTE;{qp};CHARSET=unicode_escape:=5Cud800"),
        "vcf-charset-raw-unicode-escape": card(f"FN;{qp};CHARSET=raw_unicode_escape:=5Cud800"),
        "vcf-charset-not-text-codec": card("FN:Ana", f"NOTE;{qp};CHARSET=zlib_codec:abc"),
        "vcf-charset-utf16-lone-surrogate": card("FN:Ana", f"NOTE;{qp};CHARSET=utf-16-le:=00=D8"),
        "vcf-qp-bad-escapes": card("FN:Ana", f"NOTE;{qp}:=ZZ=G=0=", f"ORG;{qp}:=="),
        "vcf-bad-base64": card("FN:Ana", "PHOTO;ENCODING=b;TYPE=JPEG:!!!not*base64!!!", "KEY;BASE64:@@"),
        "vcf-vcard21-params": card(
            "N:Solo;Han",
            "FN:Han Solo",
            "TEL;WORK;VOICE:+1 555 0100",
            f"X-PLACE;HOME;{qp};CHARSET=ISO-8859-1:Caf=E9;=0D=0ACorellia",
            "LOGO;GIF;BASE64:R0lGODlh",
            version="2.1",
        ),
        "vcf-bday-9999": card("FN:Ana", "BDAY:99991231"),
        "vcf-bday-0001": card("FN:Ana", "BDAY:0001-01-01"),
        "vcf-bday-feb-30": card("FN:Ana", "BDAY:--0230"),
        "vcf-bday-garbage": card("FN:Ana", "BDAY:the day after tomorrow"),
        "vcf-bday-apple-no-year": card("FN:Ana", "BDAY;X-APPLE-OMIT-YEAR=1604:1604-02-29"),
        "vcf-dotted-capital-i-tags": card("FN:Ana", f"CATEGORIES:istanbul,{DOTTED_I}stanbul,ISTANBUL"),
        "vcf-dotted-capital-i-emails": card(
            "FN:Ana", f"EMAIL:{DOTTED_I}rem@x.example", "EMAIL:irem@x.example"
        ),
        "vcf-dotted-capital-i-cards": card("FN:irem", "CATEGORIES:istanbul", "EMAIL:i\u0307rem@x.example")
        + card(f"FN:{DOTTED_I}rem", f"CATEGORIES:{DOTTED_I}stanbul", f"EMAIL:{DOTTED_I}rem@x.example"),
        "vcf-xss-payloads": card(
            "FN:<script>alert(1)</script>", "NOTE:<img src=x onerror=alert(1)>", "URL:javascript:alert(1)"
        ),
        "vcf-control-characters": card("FN:A\x01n\x07a", "NOTE:a\x1bb\x7fc"),
        "vcf-bidi-and-zero-width": card("FN:\u202eevil\u200b\ufeff", "EMAIL:a\u200b@x.example"),
        "vcf-lone-surrogate-text": card("FN:Ana\ud800", "NOTE:\udfff"),
        "vcf-huge-name": card("FN:" + "x" * 10_000, "ORG:" + "y" * 10_000),
        "vcf-nameless": card("NOTE:nobody"),
        "vcf-empty-values": card("FN:", "N:;;;;", "EMAIL:", "TEL:", "CATEGORIES:", "URL:"),
        "vcf-param-quote-unterminated": card("FN:Ana", 'X-THING;PARAM="unterminated:value', 'EMAIL;X="a:b'),
        "vcf-lines-without-colon": card("FN:Ana", "JUSTTEXT", ";;;:::", ":", "."),
        "vcf-group-label-spoof": card(
            "FN:Ana",
            "item1.EMAIL:a@x.example",
            "item1.X-ABLabel:_$!<Home>!$_",
            "item1.X-ABLabel:" + "z" * 500,
        ),
        "vcf-invalid-emails": card("FN:Ana", "EMAIL:not-an-address", "EMAIL:" + "a" * 300 + "@x.example"),
        "vcf-odd-phones": card("FN:Ana", "TEL:" + "9" * 80, "TEL:+44 (0) 20 7946 0000", "TEL:++--()"),
        "vcf-kith-properties-nonsense": card("FN:Ana", "X-KITH-INTENTION:nonsense", "X-KITH-CIRCLE:;;\\,"),
        "vcf-escaped-separators-tags": card("FN:Ana", "CATEGORIES:a,,b,\\,,\\\\,\\;"),
        "vcf-address-of-semicolons": card("FN:Ana", "ADR:" + ";" * 1000, "item1.ADR;TYPE=HOME:;;;;;;;;"),
        "vcf-unknown-version": card("FN:Ana", version="9.9"),
        "vcf-non-ascii-property-names": card("FN:Ana", "\u00c9MAIL:x@x.example", f"X-{DOTTED_I}:y"),
    }


def _separator_injections() -> dict[str, str]:
    """A received card smuggling a second card into the export through each line separator."""
    defects = {}
    for key, separator in SEPARATORS.items():
        smuggled = separator.join(["X-NOTE:hi", "END:VCARD", "BEGIN:VCARD", "FN:Mallory", "END:VCARD"])
        defects[f"vcf-line-separator-injection-{key}"] = card(
            "FN:Ana", smuggled, f"NOTE:one{separator}two", f"ORG:Acme{separator}Inc"
        )
    return defects


def _vcard_bound_defects() -> dict[str, str]:
    """Single cards past a contact's bounds or the reader's (small enough to place among fine cards)."""
    return {
        "vcf-51-tags": card("FN:Ana", "CATEGORIES:" + ",".join(f"t{i}" for i in range(51))),
        "vcf-11-emails": card("FN:Ana", *(f"EMAIL:a{i}@x.example" for i in range(11))),
        "vcf-11-phones": card("FN:Ana", *(f"TEL:+44 20 7946 {i:04d}" for i in range(11))),
        "vcf-links-past-bound": card("FN:Ana", *(f"URL:https://x.example/{i}" for i in range(MAX_LINKS + 1))),
        "vcf-999-emails": card("FN:Ana", *(f"EMAIL:a{i}@x.example" for i in range(MAX_PROPERTIES - 2))),
        "vcf-properties-past-bound": card("FN:Ana", *(f"X-N:{i}" for i in range(MAX_PROPERTIES + 1))),
        "vcf-duplicate-emails-and-tags": card(
            "FN:Ana", *(["EMAIL:ana@x.example", "EMAIL:ANA@X.EXAMPLE"] * 20), "CATEGORIES:" + "a,A," * 50
        ),
    }


def _vcard_structure_defects() -> list[HostileFile]:
    """Files broken as a whole: cards cut off, nested, ended twice, odd line ends and encodings."""
    fine = _fine_card(1)
    texts = {
        "vcf-unterminated-card-only": "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cut\r\nEMAIL:cut@x.example\r\n",
        "vcf-unterminated-card-last": fine + "BEGIN:VCARD\r\nFN:Cut\r\nNOTE:half a no",
        "vcf-unterminated-card-first": "BEGIN:VCARD\r\nFN:Cut\r\n" + fine,
        "vcf-nested-begin": "BEGIN:VCARD\r\nFN:Outer\r\n" + fine + "FN:After\r\nEND:VCARD\r\n",
        "vcf-nested-begin-deep": "BEGIN:VCARD\r\nFN:Deep\r\n" * 200 + "END:VCARD\r\n" * 200,
        "vcf-end-without-begin": "END:VCARD\r\n" * 50 + fine + "END:VCARD\r\n",
        "vcf-begin-lowercase": "begin:vcard\r\nversion:3.0\r\nfn:Lower\r\nemail:l@x.example\r\nend:vcard\r\n",
        "vcf-cr-only-line-ends": fine.replace("\r\n", "\r") * 3,
        "vcf-lf-only-line-ends": fine.replace("\r\n", "\n") * 3,
        "vcf-mixed-line-ends": fine + fine.replace("\r\n", "\n") + fine.replace("\r\n", "\r"),
        "vcf-folded-inside-name": "BEGIN:VCARD\r\nF\r\n N:Folded\r\nEM\r\n\tAIL:f@x.example\r\nEND:VCARD\r\n",
        "vcf-continuation-first-line": " orphan continuation\r\n\tanother\r\n" + fine,
        "vcf-qp-soft-break-before-end": "BEGIN:VCARD\r\nFN:Soft\r\nNOTE;ENCODING=QUOTED-PRINTABLE:abc=\r\n"
        "END:VCARD\r\n",
        "vcf-qp-soft-break-eats-end": "BEGIN:VCARD\r\nFN:Soft\r\nNOTE;ENCODING=QUOTED-PRINTABLE:a=\r\n"
        "=\r\n=\r\nEND:VCARD\r\n" + fine,
        "vcf-10k-blank-lines": "\r\n" * 10_000 + fine + " \r\n\t\r\n" * 10_000,
        "vcf-begin-after-4k-of-junk": "junk line\r\n" * 500 + fine,
        "vcf-begin-in-a-value": card("FN:Ana", "NOTE:BEGIN:VCARD", "X-A:END:VCARD"),
        "vcf-empty-cards": "BEGIN:VCARD\r\nEND:VCARD\r\n" * 5,
        "vcf-whitespace-only": " \r\n\t\r\n  \r\n",
    }
    files = [HostileFile(name, partial(_utf8, text)) for name, text in texts.items()]
    body = fine + card(f"FN:Z\u00fc{DOTTED_I}rich", "NOTE:caf\u00e9")
    encoded = {
        "vcf-utf8-bom": b"\xef\xbb\xbf" + body.encode(),
        "vcf-utf16-le-bom": body.encode("utf-16"),
        "vcf-utf16-be-no-bom": body.encode("utf-16-be"),
        "vcf-cp1252": body.replace(DOTTED_I, "I").encode("cp1252"),
        "vcf-invalid-utf8": fine.encode() + b"BEGIN:VCARD\r\nFN:Bad \xed\xa0\x80 \xff\xfe\r\nEND:VCARD\r\n",
        "vcf-nul-byte": fine.encode() + b"BEGIN:VCARD\r\nFN:N\x00ul\r\nEND:VCARD\r\n",
    }
    return files + [HostileFile(name, partial(bytes, data)) for name, data in encoded.items()]


def _repeat_to(head: bytes, piece: bytes, tail: bytes, size: int) -> bytes:
    return head + piece * ((size - len(head) - len(tail)) // len(piece)) + tail


def _vcard_big_files() -> list[HostileFile]:
    """The files of the issue's findings that hang or eat memory, in sizes up to the import's limit."""
    files = []
    for size_name, size in _SIZES.items():
        files += [
            HostileFile(
                f"vcf-continuation-lines-{size_name}",
                partial(
                    _repeat_to, b"BEGIN:VCARD\r\nFN:Folded\r\nNOTE:x\r\n", b" y\r\n", b"END:VCARD\r\n", size
                ),
                "read",
            ),
            HostileFile(
                f"vcf-qp-soft-breaks-{size_name}",
                partial(
                    _repeat_to,
                    b"BEGIN:VCARD\r\nFN:Soft\r\nNOTE;ENCODING=QUOTED-PRINTABLE:",
                    b"a=\r\n",
                    b"b\r\nEND:VCARD\r\n",
                    size,
                ),
                "read",
            ),
        ]
    tags = lambda n: _utf8(card("FN:Tagged", "CATEGORIES:" + ",".join(f"t{i}" for i in range(n))))  # noqa: E731
    emails = lambda n: _utf8(card("FN:Flood", *(f"EMAIL:a{i}@x.example" for i in range(n))))  # noqa: E731
    return [
        *files,
        HostileFile("vcf-30k-tags", lambda: tags(30_000), "read"),
        HostileFile("vcf-300k-tags", lambda: tags(300_000), "read"),
        HostileFile("vcf-10k-emails", lambda: emails(10_000), "refused"),
        HostileFile("vcf-100k-emails", lambda: emails(100_000), "refused"),
        HostileFile("vcf-10k-phones", lambda: _utf8(card("FN:P", *(f"TEL:+1 {i}" for i in range(10_000))))),
        HostileFile(
            "vcf-photo-3mb", lambda: _utf8(card("FN:Pic", "PHOTO;ENCODING=b:" + "A" * (3 * MB))), "read"
        ),
        HostileFile("vcf-line-past-bound", lambda: _utf8(card("FN:L", "NOTE:" + "x" * (MAX_LINE_CHARS + 1)))),
        HostileFile(
            "vcf-cards-past-row-bound", lambda: b"BEGIN:VCARD\r\nFN:a\r\nEND:VCARD\r\n" * (MAX_ROWS + 1)
        ),
        HostileFile(
            "vcf-300-cards-background", lambda: _utf8("".join(_fine_card(i) for i in range(300))), "read"
        ),
        HostileFile(
            "vcf-oversize-10mb", lambda: _repeat_to(_fine_card(0).encode(), b"NOTE:x\r\n", b"", 10 * MB)
        ),
    ]


def _linkedin_row(i: int) -> str:
    return f"Fine{i},Person,https://www.linkedin.com/in/f{i},fine{i}@x.example,Acme,Engineer,12 Mar 2024"


def _google_row(i: int) -> str:
    cells = [f"Fine Person {i}", "Fine", f"Person {i}", "1990-03-15", "", "* myContacts", "Work"]
    return ",".join([*cells, f"fine{i}@x.example", "Mobile", f"+1 555 {i}", "Acme"])


def linkedin_csv(rows: list[str]) -> str:
    return _LINKEDIN_NOTES + LINKEDIN_HEADER + "\r\n" + "".join(f"{row}\r\n" for row in rows)


def google_csv(rows: list[str]) -> str:
    return GOOGLE_HEADER + "\r\n" + "".join(f"{row}\r\n" for row in rows)


def _csv_row_defects() -> dict[str, tuple[str, str]]:
    """Rows (LinkedIn's, Google's; "" where the defect has no such row) with hostile cells."""
    i = DOTTED_I
    return {
        "csv-formula-cells": (
            '=HYPERLINK("http://evil"),+1,-2@x,@SUM(A1),=cmd|\' /C calc\'!A0,"\t=1",12 Mar 2024',
            "=1+1,+Given,-Family,,@note,=A1,Work,=x@x.example,,+1 555,=Acme",
        ),
        "csv-connected-on-9999": ("Ana,Okafor,,ana@x.example,Acme,CTO,31 Dec 9999", ""),
        "csv-connected-on-0001": ("Ana,Okafor,,ana@x.example,Acme,CTO,01 Jan 0001", ""),
        "csv-connected-on-garbage": ("Ana,Okafor,,,Acme,CTO,31 Feb 2024\r\nBo,Li,,,,,yesterday-ish", ""),
        "csv-birthday-9999": ("", "Ana,Ana,,9999-12-31,,,,,,,"),
        "csv-birthday-0001": ("", "Ana,Ana,,0001-01-01,,,,,,,\r\nBo,Bo,,--02-30,,,,,,,"),
        "csv-ragged-short-rows": ("Ana\r\nBo,Li", "Ana\r\nBo,Bo"),
        "csv-ragged-long-rows": (
            "Ana,Okafor,u,a@x.example,c,p,12 Mar 2024," + ",".join(["x"] * 500),
            "Ana,Ana,,,,,,,,,," + ",".join(["y"] * 500),
        ),
        "csv-quote-inside-unquoted-cell": ('An"a,O"kafor,,,,,12 Mar 2024', 'An"a,"A"n"a,,,,,,,,,'),
        "csv-quote-never-closed": ('"Ana,Okafor,,,,,12 Mar 2024', '"Ana,Ana,,,,,,,,,'),
        "csv-line-breaks-in-cells": (
            '"An\ra","O\r\nkafor\u2028x",,,"Ac\x85me",,',
            '"An\na","A\u2029na",,,"n\x0bo",,,,,,',
        ),
        "csv-dotted-capital-i": (
            f"{i}rem,Okafor,,{i}rem@x.example,Acme,Eng,12 Mar 2024\r\nirem,Okafor,,irem@x.example,Acme,Eng,"
            "12 Mar 2024",
            f"{i}rem,{i}rem,,,,{i}stanbul ::: istanbul ::: ISTANBUL,Work,"
            f"{i}rem@x.example ::: irem@x.example,,,",
        ),
        "csv-xss-payloads": (
            "<script>alert(1)</script>,x,javascript:alert(1),a@x.example,<b>,<i>,12 Mar 2024",
            "<script>alert(1)</script>,,,,<img src=x onerror=alert(1)>,<b>,,,,,",
        ),
        "csv-control-characters": ("A\x01na,O\x7fkafor,,,,,12 Mar 2024", "A\x01na,,,,\x1b[31m,,,,,,"),
        "csv-lone-surrogate": ("Ana\ud800,Okafor,,,,,12 Mar 2024", "Ana\udfff,,,,,,,,,,"),
        "csv-phone-trunk-zero": ("", "Ana,Ana,,,,,,,Work,+44 (0) 20 7946 0000 ::: +442079460000 ::: ++()--,"),
        "csv-labels-past-bound": ("", "Ana,Ana,,,,," + " ::: ".join(f"t{n}" for n in range(51)) + ",,,,,"),
        "csv-emails-past-bound": (
            "",
            "Ana,Ana,,,,,,Work," + " ::: ".join(f"a{n}@x.example" for n in range(11)) + ",,,",
        ),
        "csv-cell-of-100k": (
            '"' + "x" * 100_000 + '",Okafor,,,,,12 Mar 2024',
            'Ana,,,,"' + "n" * 100_000 + '",,,,,,',
        ),
        "csv-empty-cells-only": (",,,,,,\r\n , , , , , , ", ",,,,,,,,,,\r\n ,,,,,,,,,,"),
    }


def _csv_placed() -> list[HostileFile]:
    files = []
    for name, rows in _csv_row_defects().items():
        for kind, bad, fine, write in (
            ("linkedin", rows[0], _linkedin_row, linkedin_csv),
            ("google", rows[1], _google_row, google_csv),
        ):
            if not bad:
                continue
            for position in _CSV_POSITIONS:
                make = partial(_utf8, write(_placed(bad, position, fine)))
                files.append(HostileFile(f"{name}-{kind}-{position}", make))
    return files


def _csv_whole_files() -> list[HostileFile]:
    """CSV files broken as a whole: encodings, headers, sizes."""
    linkedin = linkedin_csv([_linkedin_row(1), f"Z\u00fc{DOTTED_I}rich,Caf\u00e9,,,,,12 Mar 2024"])
    google = google_csv([_google_row(1), "Z\u00fcrich,Z\u00fcrich,,,caf\u00e9,,,,,,"])
    files = []
    for kind, text in (("linkedin", linkedin), ("google", google)):
        encoded = {
            "utf16-no-bom": (text.encode("utf-16-le"), "read"),
            "utf16-le-bom": (text.encode("utf-16"), "read"),
            "utf16-be-bom": (b"\xfe\xff" + text.encode("utf-16-be"), "read"),
            "utf8-bom": (b"\xef\xbb\xbf" + text.encode(), "read"),
            "cp1252": (text.replace(DOTTED_I, "I").encode("cp1252"), "read"),
            "cr-only-line-ends": (text.replace("\r\n", "\r").encode(), ""),
            "header-only": (
                text.split("\r\n" + (_linkedin_row(1) if kind == "linkedin" else _google_row(1)))[0].encode(),
                "refused",
            ),
            "nul-in-a-cell": (text.replace("Fine", "Fi\x00ne").encode(), "refused"),
        }
        files += [HostileFile(f"csv-{key}-{kind}", partial(bytes, d), e) for key, (d, e) in encoded.items()]
    own = (
        ",".join(_KITH_COLUMNS)
        + "\r\n"
        + 'Ana,Ana,Okafor,Acme,CTO,9999-12-31,"a@x.example\na@x.example",,"+1 555",,,'
        + '"t1\nT1",nonsense,;;,yes,'
        "0001-01-01,0001-01-01T00:00:00+00:00,=1+1\r\n"
    )
    texts = {
        "csv-kith-own-export": (own, ""),
        "csv-quote-never-closed-header": ('"' + LINKEDIN_HEADER + "\r\n" + _linkedin_row(1), "refused"),
        "csv-unknown-header": ("Vorname,Nachname,E-Mail\r\nAna,Okafor,a@x.example\r\n", "refused"),
        "csv-header-after-25-lines": (
            "Notes:\r\n" * 25 + LINKEDIN_HEADER + "\r\n" + _linkedin_row(1),
            "refused",
        ),
        "csv-semicolon-delimited": (
            LINKEDIN_HEADER.replace(",", ";") + "\r\n" + _linkedin_row(1).replace(",", ";"),
            "",
        ),
        "csv-duplicate-columns": (
            "First Name,First Name,Last Name,Last Name,Connected On,Connected On\r\n"
            "A,B,C,D,12 Mar 2024,x\r\n",
            "",
        ),
        "csv-tab-delimited": (
            LINKEDIN_HEADER.replace(",", "\t") + "\r\n" + _linkedin_row(1).replace(",", "\t"),
            "",
        ),
    }
    return files + [HostileFile(name, partial(_utf8, t), e) for name, (t, e) in texts.items()]


_KITH_COLUMNS = [
    *("Name", "Given name", "Family name", "Company", "Job title", "Birthday", "Emails", "Email labels"),
    *("Phones", "Phone labels", "Links", "Tags", "Intention", "Circle", "Reminders paused", "Archived"),
    *("Last interaction", "Notes"),
]


def _csv_big_files() -> list[HostileFile]:
    header = (LINKEDIN_HEADER + "\n").encode()
    files = [
        HostileFile(f"csv-tiny-rows-{size_name}", partial(_repeat_to, header, b"a\n", b"", size), "refused")
        for size_name, size in _SIZES.items()
    ]
    rows = lambda n: _utf8(linkedin_csv([_linkedin_row(i) for i in range(n)]))  # noqa: E731
    labels = " ::: ".join(f"t{n}" for n in range(10_000))
    return [
        *files,
        HostileFile(
            "csv-rows-past-row-bound",
            lambda: _utf8(linkedin_csv([f"A{i},B,,,,," for i in range(MAX_ROWS + 1)])),
            "refused",
        ),
        HostileFile("csv-300-rows-background", lambda: rows(300), "read"),
        HostileFile(
            "csv-blank-rows-1.5mb",
            lambda: _repeat_to(header, b",,,,,,\n", _linkedin_row(1).encode(), 3 * MB // 2),
        ),
        HostileFile("csv-cell-of-200k", lambda: header + b'"' + b"x" * 200_000 + b'",b,,,,,\n', "refused"),
        HostileFile(
            "csv-quote-never-closed-5mb",
            lambda: _repeat_to(header + b'"', b"xxxxxxx\n", b"", _FULL),
            "refused",
        ),
        HostileFile("csv-10k-labels", lambda: _utf8(google_csv([f"Ana,Ana,,,,{labels},,,,,"])), "read"),
        HostileFile(
            "csv-oversize-10mb",
            lambda: _repeat_to(header, (_linkedin_row(1) + "\n").encode(), b"", 10 * MB),
            "refused",
        ),
    ]


def hostile_files() -> list[HostileFile]:
    """Every hostile file, named for its defect and variant (the names are unique)."""
    files = [
        *(f for name, text in _vcard_value_defects().items() for f in _vcards_placed(name, text)),
        *(f for name, text in _separator_injections().items() for f in _vcards_placed(name, text)),
        *(f for name, text in _vcard_bound_defects().items() for f in _vcards_placed(name, text)),
        *_vcard_structure_defects(),
        *_vcard_big_files(),
        *_csv_placed(),
        *_csv_whole_files(),
        *_csv_big_files(),
    ]
    names = [f.name for f in files]
    assert len(names) == len(set(names)), "two hostile files share a name"
    return files


def defect_of(name: str) -> str:
    """The defect a file's name says, without its variant (position, size or kind)."""
    words = name.split("-")
    while words and words[-1] in {*_POSITIONS, *_SIZES, "linkedin", "google"}:
        words.pop()
    return "-".join(words)
