"""CSV in and out: LinkedIn's Connections.csv, Google Contacts' export and Kith's own contacts CSV read into
`vcard.Card`s, and the spreadsheet-safe writer the CSV exports use. Pure functions, no database.

The delimiter (comma, semicolon or tab) is the one under which a known header appears. Kith's own CSV
round-trips: a cell with several values holds one per line (`cell_values_write`), and the apostrophe
`cell_safe` puts before a cell a spreadsheet would run is taken off again (`cell_text`)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial

from accounts.dates import date_in_bounds
from transfer.vcard import Card, birthday_parse, too_many_rows

# Google joins several values of one cell with " ::: ".
GOOGLE_SEPARATOR = " ::: "
# Cells a spreadsheet would run as a formula start with one of these (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_GOOGLE_NUMBERED = re.compile(r"^(E-mail|Phone|Website|Organization) (\d+) - (Value|Type|Label|Name|Title)$")
# Comma first; a semicolon where the decimal separator is a comma; a tab in Excel's "Unicode text".
DELIMITERS = (",", ";", "\t")
# The lines a header may come after (LinkedIn writes notes above its own).
_HEADER_SEARCH_ROWS = 20
# Kith's own contacts CSV (transfer.exports writes it). "Email labels" and "Phone labels" line up, one per
# line, with the values of the cell before them. "UID" is the contact's card UID, which an import of the file
# matches first (transfer.matching); it comes last, out of a reader's way.
CONTACT_COLUMNS = [
    "Name",
    "Given name",
    "Family name",
    "Company",
    "Job title",
    "Birthday",
    "Emails",
    "Email labels",
    "Phones",
    "Phone labels",
    "Links",
    "Tags",
    "Intention",
    "Circle",
    "Reminders paused",
    "Archived",
    "Last interaction",
    "Notes",
    "UID",
]
_KITH_MARKERS = {"Name", "Given name", "Family name", "Emails", "Phones", "Tags", "Intention", "Circle"}
# Exports before the label columns joined several values with " ; ".
_OLD_KITH_SEPARATOR = " ; "
_VALUE_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r"}
_VALUE_ESCAPE = re.compile(r"[\\\n\r]")
_VALUE_UNESCAPES = {"\\": "\\", "n": "\n", "r": "\r"}
_VALUE_ESCAPED = re.compile(r"\\([\\nr])")


class CsvError(ValueError):
    """A CSV file Kith cannot read, with a message for the person who uploaded it."""


def csv_kind(header: Sequence[str]) -> str | None:
    """'kith', 'linkedin' or 'google' from a header row, or None."""
    names = {h.strip() for h in header}
    if names >= _KITH_MARKERS:
        return "kith"
    if {"First Name", "Last Name", "Connected On"} <= names:
        return "linkedin"
    google_markers = {"E-mail 1 - Value", "Phone 1 - Value", "Labels", "Group Membership", "Given Name"}
    if names & google_markers and names & {"First Name", "Given Name", "Name"}:
        return "google"
    return None


def _records(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    """The reader's records, one at a time (a file is never held as a list of rows); a record the csv module
    cannot read, such as a cell past its field size limit, becomes a CsvError naming the line."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            line = getattr(reader, "line_num", 0)
            raise CsvError(f"This CSV file cannot be read at line {line:,}: {error}.") from error
        yield row


def _rows(text: str) -> tuple[str, list[str], Iterator[list[str]]]:
    """The kind, header and data rows (not blank) of a CSV text, skipping the lines LinkedIn puts above its
    header. The delimiter is the first of DELIMITERS under which one of the first rows is a header Kith
    knows; only those rows are read again per delimiter. The data rows are read as they are asked for."""
    stream = io.StringIO(text, newline="")
    unreadable: CsvError | None = None
    for delimiter in DELIMITERS:
        stream.seek(0)
        records = _records(csv.reader(stream, delimiter=delimiter, strict=False))
        try:
            for _index, row in zip(range(_HEADER_SEARCH_ROWS), records, strict=False):
                if kind := csv_kind(row):
                    return kind, [h.strip() for h in row], (r for r in records if any(c.strip() for c in r))
        except CsvError as error:
            unreadable = unreadable or error
    if unreadable is not None:
        raise unreadable
    raise CsvError(
        "Kith does not recognise this CSV file. It reads LinkedIn's Connections.csv, Google Contacts' "
        "CSV export (Google CSV or Outlook CSV from contacts.google.com) and Kith's own contacts CSV."
    )


def linkedin_date(value: str) -> dt.date | None:
    """LinkedIn's "Connected On": "12 Mar 2024" (older exports: "12/03/2024", "2024-03-12"), or None when it
    is not a date or lies outside the years every date field accepts (accounts.dates): the row then imports
    without a "connected on" interaction, and says so."""
    for pattern in ("%d %b %Y", "%d %B %Y", "%m/%d/%Y", "%Y-%m-%d"):
        try:
            day = dt.datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
        return day if date_in_bounds(day) else None
    return None


def _linkedin_card(row: dict[str, str]) -> Card:
    card = Card()
    card.given_name = row.get("First Name", "").strip()
    card.family_name = row.get("Last Name", "").strip()
    card.display_name = " ".join(p for p in (card.given_name, card.family_name) if p)
    card.company = row.get("Company", "").strip()
    card.title = row.get("Position", "").strip()
    if url := row.get("URL", "").strip():
        card.links.append(url)
    if email := row.get("Email Address", "").strip():
        card.emails.append((email, ""))
    if connected := row.get("Connected On", "").strip():
        card.connected_on = linkedin_date(connected)
        if card.connected_on is None:
            card.problems.append(f"“{connected[:30]}” is not a date; no “connected on” interaction")
    return card


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(GOOGLE_SEPARATOR) if v.strip()]


def _google_card(row: dict[str, str]) -> Card:
    card = Card()
    get = lambda *names: next((row[n].strip() for n in names if row.get(n, "").strip()), "")  # noqa: E731
    card.given_name = get("First Name", "Given Name")
    card.family_name = get("Last Name", "Family Name")
    middle = get("Middle Name", "Additional Name")
    card.display_name = get("Name") or " ".join(p for p in (card.given_name, middle, card.family_name) if p)
    card.company = get("Organization Name", "Organization 1 - Name")
    card.title = get("Organization Title", "Organization 1 - Title")
    card.notes = get("Notes")
    if birthday := get("Birthday"):
        card.birthday = birthday_parse(birthday)
        if card.birthday is None:
            card.problems.append(f"birthday “{birthday[:30]}” is not a date; left out")
    numbered: dict[tuple[str, str], dict[str, str]] = {}
    for column, value in row.items():
        match = _GOOGLE_NUMBERED.match(column or "")
        if match and value and value.strip():
            kind, number, part = match.groups()
            numbered.setdefault((kind, number), {})[part] = value.strip()
    for (kind, _number), parts in sorted(numbered.items(), key=lambda kv: (kv[0][0], int(kv[0][1]))):
        label = (parts.get("Label") or parts.get("Type") or "").strip("* ").lower()[:30]
        values = _split(parts.get("Value", ""))
        if kind == "E-mail":
            card.emails.extend((v, label) for v in values)
        elif kind == "Phone":
            card.phones.extend((v, label) for v in values)
        elif kind == "Website":
            card.links.extend(values)
    labels = get("Labels", "Group Membership")
    card.tags = [t for t in _split(labels) if not t.startswith("*")]
    if not card.display_name:
        card.display_name = card.company or (card.emails[0][0] if card.emails else "")
    return card


def _kith_pairs(values_cell: str, labels_cell: str | None) -> list[tuple[str, str]]:
    """Values and the labels that line up with them (one per line each); a value left empty is skipped. An
    export from before the label columns (`labels_cell` None) joined its values with " ; "."""
    if labels_cell is None:
        return [(v.strip(), "") for v in values_cell.split(_OLD_KITH_SEPARATOR) if v.strip()]
    values, labels = cell_values_read(values_cell), cell_values_read(labels_cell)
    labels += [""] * (len(values) - len(labels))
    return [(value, label) for value, label in zip(values, labels, strict=False) if value.strip()]


def _kith_date(text: str) -> dt.date | None:
    """An ISO date as the contacts CSV writes it, within Kith's years; None otherwise."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return day if date_in_bounds(day) else None


def _kith_card(row: dict[str, str], *, labelled: bool) -> Card:
    """A row of Kith's own contacts CSV (CONTACT_COLUMNS). "Last interaction" is worked out from the
    interactions, which the backup carries, and is not read."""

    def get(name: str) -> str:
        return cell_text(row.get(name) or "")

    def pairs(name: str, labels: str) -> list[tuple[str, str]]:
        return _kith_pairs(get(name), get(labels) if labelled else None)

    card = Card(
        display_name=get("Name"),
        given_name=get("Given name"),
        family_name=get("Family name"),
        company=get("Company"),
        title=get("Job title"),
        emails=pairs("Emails", "Email labels"),
        phones=pairs("Phones", "Phone labels"),
        links=[link for link, _ in pairs("Links", "")],
        tags=[tag for tag, _ in pairs("Tags", "")],
        notes=get("Notes"),
        intention=get("Intention").strip(),
        circle=get("Circle").strip(),
        uid=get("UID").strip(),
    )
    if birthday := get("Birthday").strip():
        card.birthday = birthday_parse(birthday)
        if card.birthday is None:
            card.problems.append(f"birthday “{birthday[:30]}” is not a date; left out")
    card.reminders_paused = get("Reminders paused").strip().lower() == "yes"
    if archived := get("Archived").strip():
        card.archived_on = _kith_date(archived)
        if card.archived_on is None:
            card.problems.append(f"archived on “{archived[:30]}” is not a date; left out")
    if not card.display_name.strip():
        card.display_name = card.company or (card.emails[0][0] if card.emails else "")
    return card


def _card_maker(kind: str, header: Sequence[str]) -> Callable[[dict[str, str]], Card]:
    if kind == "kith":
        return partial(_kith_card, labelled="Email labels" in header)
    return _linkedin_card if kind == "linkedin" else _google_card


def csv_parse(text: str, max_rows: int | None = None) -> tuple[str, list[Card]]:
    """The kind ('kith', 'linkedin' or 'google') and the cards of a CSV text. Raises CsvError, or ReadLimit
    at the first row past `max_rows` (before building it)."""
    kind, header, rows = _rows(text)
    make = _card_maker(kind, header)
    cards: list[Card] = []
    for row in rows:
        if max_rows is not None and len(cards) >= max_rows:
            raise too_many_rows(max_rows)
        card = make(dict(zip(header, row, strict=False)))
        if len(row) < len(header) - 1 and kind == "linkedin":
            # A row cut short (a truncated file) is read as far as it goes; say so.
            card.problems.append("the row is shorter than the header; some columns are empty")
        cards.append(card)
    return kind, cards


# Writing --------------------------------------------------------------------------------------------------


def cell_safe(value: object) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @ TAB or CR gets a leading apostrophe. So
    does one whose apostrophes come before such a character, so that `cell_text` gives back every value."""
    text = "" if value is None else str(value)
    return "'" + text if text.lstrip("'").startswith(_FORMULA_STARTS) else text


def cell_text(cell: str) -> str:
    """The value `cell_safe` made a cell of: its apostrophe taken off."""
    return cell[1:] if cell.startswith("'") and cell.lstrip("'").startswith(_FORMULA_STARTS) else cell


def cell_values_write(values: Iterable[str]) -> str:
    """Several values in one cell, one per line, as a spreadsheet shows them; a backslash, line feed or
    carriage return inside a value is escaped with a backslash, so the lines give the values back."""
    return "\n".join(_VALUE_ESCAPE.sub(lambda m: _VALUE_ESCAPES[m[0]], value) for value in values)


def cell_values_read(cell: str) -> list[str]:
    """The values `cell_values_write` wrote (a spreadsheet's CRLF inside a cell read as LF)."""
    if not cell:
        return []
    lines = cell.replace("\r\n", "\n").split("\n")
    return [_VALUE_ESCAPED.sub(lambda m: _VALUE_UNESCAPES[m[1]], line) for line in lines]


def csv_write(header: Sequence[str] | None, rows: Iterable[Sequence[object]]) -> str:
    """CSV text (CRLF line ends, as spreadsheets expect): the header when given, then the rows, every cell
    made safe with `cell_safe`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    for row in rows:
        writer.writerow([cell_safe(v) for v in row])
    return out.getvalue()
