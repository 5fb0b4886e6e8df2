"""vCard 2.1, 3.0 and 4.0 (RFC 2426, RFC 6350), read and written by hand: pure functions, no database.

Reading keeps what Kith has no field for. Every content line Kith does not map to a field (a photo, an
address, an anniversary, an X- property) is kept verbatim, unfolded, in `Card.extra`, and the writer puts it
back, so an export gives back what an import took in.

The quirks the readers handle, because real exports have them:
- folded lines (a continuation line starts with a space or a tab), CRLF, LF or CR line ends;
- vCard 2.1 quoted-printable values with soft line breaks (a line ending in "=" goes on), in any CHARSET;
- vCard 2.1 bare parameters (`TEL;WORK;VOICE:`), 3.0 `TYPE=a,b`, 4.0 `TYPE="a,b"` and quoted values;
- grouped properties (`item1.EMAIL` with `item1.X-ABLabel`, as Apple and Google write them);
- birthdays with and without a year: `19900315`, `1990-03-15`, `--0315`, `--03-15`, and Apple's year 1604
  for "no year".
"""

from __future__ import annotations

import calendar
import datetime as dt
import quopri
import re
from dataclasses import dataclass, field

from accounts.formats import content_line_fold

# Properties read into fields; everything else is kept verbatim in `Card.extra`. VERSION, PRODID and REV
# describe the file, not the person, and are written afresh on export.
_DROPPED = {"BEGIN", "END", "VERSION", "PRODID", "REV"}
_KITH_INTENTION = "X-KITH-INTENTION"
_KITH_CIRCLE = "X-KITH-CIRCLE"
_APPLE_NO_YEAR = 1604
# Apple writes labels as "_$!<Home>!$_".
_APPLE_LABEL = re.compile(r"^_\$!<(.*)>!\$_$")
_NAME = re.compile(r"[A-Z0-9-]+")
# A label written as TYPE=...: one lower-case word; anything else is written as an X-ABLabel.
_TYPE_TOKEN = re.compile(r"[a-z0-9-]+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Type values that say nothing a person would call a label.
_NOISE_TYPES = {"internet", "pref", "voice", "x400", "text", "uri", "msg"}


class VCardError(ValueError):
    """The text is not a vCard file at all."""


@dataclass
class Property:
    group: str
    name: str
    params: dict[str, list[str]]
    value: str
    line: str  # the unfolded content line as written, for keeping it verbatim


@dataclass
class Card:
    """One person in Kith's terms, as read from a vCard or to be written as one (card_write; `problems`,
    `complete` and `connected_on` are the reader's alone)."""

    display_name: str = ""
    given_name: str = ""
    family_name: str = ""
    company: str = ""
    title: str = ""
    birthday: tuple[int, int, int | None] | None = None
    emails: list[tuple[str, str]] = field(default_factory=list)
    phones: list[tuple[str, str]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    intention: str = ""
    circle: str = ""
    extra: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    complete: bool = True
    # LinkedIn's "Connected On", logged as a first interaction.
    connected_on: dt.date | None = None


# Reading --------------------------------------------------------------------------------------------------


def vcard_decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), else Windows-1252, which Outlook uses and
    which decodes any byte. Quoted-printable values are decoded later, in their own CHARSET."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _is_quoted_printable(head: str) -> bool:
    return "QUOTED-PRINTABLE" in head.upper()


def vcard_unfold(text: str) -> list[str]:
    """The logical content lines of a vCard text: folded lines joined, quoted-printable soft breaks joined,
    blank lines dropped."""
    lines: list[str] = []
    for raw in _LINE_BREAK.split(text):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        elif (
            lines
            and lines[-1].endswith("=")
            and _is_quoted_printable(lines[-1].split(":", 1)[0])
            and not raw.upper().startswith(("END:", "BEGIN:"))
        ):
            # A quoted-printable soft line break: the value goes on, the "=" itself is dropped.
            lines[-1] = lines[-1][:-1] + raw
        elif raw.strip():
            lines.append(raw)
    return lines


def _split_unquoted(text: str, sep: str) -> list[str]:
    """Split on `sep` outside double quotes."""
    parts, current, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
            current.append(ch)
        elif ch == sep and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def property_parse(line: str) -> Property | None:
    """One content line, `[group.]NAME[;param...]:value`, or None when it is not one."""
    head_end = line.find(":")
    if '"' in line[:head_end]:
        # A quoted parameter value may hold a colon: find the first one outside quotes.
        head_end, quoted = -1, False
        for i, ch in enumerate(line):
            if ch == '"':
                quoted = not quoted
            elif ch == ":" and not quoted:
                head_end = i
                break
    if head_end <= 0:
        return None
    head, value = line[:head_end], line[head_end + 1 :]
    name_part, *param_parts = _split_unquoted(head, ";") if '"' in head else head.split(";")
    group, _, name = name_part.rpartition(".")
    name = name.strip().upper()
    if not name or not _NAME.fullmatch(name):
        return None
    params: dict[str, list[str]] = {}
    for part in param_parts:
        key, eq, raw = part.partition("=")
        if not eq:
            # vCard 2.1 bare parameters: TEL;WORK;VOICE, PHOTO;BASE64, EMAIL;QUOTED-PRINTABLE.
            key, raw = _bare_param(key.strip())
        key = key.strip().upper()
        values = [v.strip().strip('"') for v in (_split_unquoted(raw, ",") if '"' in raw else raw.split(","))]
        if key == "TYPE":
            # 4.0 quotes a list: TYPE="work,voice".
            values = [part.strip() for v in values for part in v.split(",")]
        params.setdefault(key, []).extend(v for v in values if v)
    return Property(group.strip(), name, params, value, line)


def _bare_param(word: str) -> tuple[str, str]:
    upper = word.upper()
    if upper in {"QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT", "B"}:
        return "ENCODING", word
    return "TYPE", word


def _text(prop: Property) -> str:
    """The property's value as text: quoted-printable decoded in its charset; escapes are left to callers,
    which split structured values first."""
    value = prop.value
    encoding = (prop.params.get("ENCODING") or [""])[0].upper()
    if encoding == "QUOTED-PRINTABLE":
        charset = (prop.params.get("CHARSET") or ["utf-8"])[0]
        raw = quopri.decodestring(value.encode("latin-1", errors="replace"))
        try:
            value = raw.decode(charset)
        except (LookupError, UnicodeDecodeError):
            value = raw.decode("cp1252", errors="replace")
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def text_unescape(value: str) -> str:
    if "\\" not in value:
        return value
    out, i = [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _split_escaped(value: str, sep: str) -> list[str]:
    """Split a structured value on unescaped `sep`, then unescape each part."""
    if "\\" not in value:
        return [part.strip() for part in value.split(sep)]
    parts, current, i = [], [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            current.append(value[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return [text_unescape(p).strip() for p in parts]


def birthday_parse(value: str) -> tuple[int, int, int | None] | None:
    """(month, day, year or None) from a vCard birthday, or None when it is not a date Kith can keep."""
    value = value.strip().split("T", 1)[0]
    patterns = [
        (r"(\d{4})-?(\d{2})-?(\d{2})", True),
        (r"--(\d{2})-?(\d{2})", False),
    ]
    for pattern, has_year in patterns:
        match = re.fullmatch(pattern, value)
        if not match:
            continue
        numbers = [int(n) for n in match.groups()]
        year: int | None = numbers[0] if has_year else None
        month, day = numbers[-2:]
        if year == _APPLE_NO_YEAR or (year is not None and not 1900 <= year <= 2100):
            year = None
        if not 1 <= month <= 12:
            return None
        if day > calendar.monthrange(year or 2000, month)[1] or day < 1:
            return None
        return month, day, year
    return None


def _label(prop: Property, group_labels: dict[str, str]) -> str:
    if prop.group and prop.group.lower() in group_labels:
        return group_labels[prop.group.lower()]
    types = [t.lower() for t in prop.params.get("TYPE", [])]
    types = [t for t in types if t not in _NOISE_TYPES]
    return ",".join(types)[:30]


def card_from_properties(props: list[Property]) -> Card:
    """Map one card's properties to Kith's fields; keep the others verbatim."""
    card = Card()
    group_labels = _group_labels(props)
    labelled_groups = set()
    for prop in props:
        if prop.name in _DROPPED:
            continue
        if _property_read(card, prop, group_labels):
            labelled_groups.add(prop.group.lower())
    # A label that became a field's label needs no line of its own any more.
    if group_labels:
        card.extra = [
            line
            for line in card.extra
            if not (
                (p := property_parse(line))
                and p.name == "X-ABLABEL"
                and p.group
                and p.group.lower() in labelled_groups
            )
        ]
    if not card.display_name:
        card.display_name = " ".join(p for p in (card.given_name, card.family_name) if p) or card.company
    return card


def _group_labels(props: list[Property]) -> dict[str, str]:
    """The labels Apple and Google write beside grouped properties (`item1.X-ABLabel`), by group."""
    group_labels: dict[str, str] = {}
    for prop in props:
        if prop.name == "X-ABLABEL" and prop.group:
            text = text_unescape(_text(prop))
            apple = _APPLE_LABEL.match(text)
            group_labels[prop.group.lower()] = (apple.group(1).lower() if apple else text)[:30]
    return group_labels


def _property_read(card: Card, prop: Property, group_labels: dict[str, str]) -> bool:
    """Read one property into the card's fields, or keep its line verbatim in `extra`. Returns whether it
    became an email address, a phone number or a link, whose group's label (if any) is then used up."""
    name = prop.name
    if name in ("EMAIL", "TEL", "URL"):
        return _address_read(card, prop, group_labels)
    if name == "FN":
        card.display_name = text_unescape(_text(prop)).strip()
    elif name == "N":
        parts = [*_split_escaped(_text(prop), ";"), "", ""]
        card.family_name, card.given_name = parts[0], parts[1]
    elif name == "ORG":
        units = [u for u in _split_escaped(_text(prop), ";") if u]
        card.company = ", ".join(units)
    elif name == "TITLE":
        card.title = text_unescape(_text(prop)).strip()
    elif name == "BDAY":
        birthday = birthday_parse(_text(prop))
        if birthday is None:
            card.problems.append(f"birthday “{prop.value[:40]}” is not a date; kept as it was")
            card.extra.append(prop.line)
        else:
            card.birthday = birthday
    elif name == "NOTE":
        note = text_unescape(_text(prop)).strip()
        card.notes = f"{card.notes}\n\n{note}".strip() if card.notes else note
    elif name == "CATEGORIES":
        card.tags.extend(t for t in _split_escaped(_text(prop), ",") if t)
    elif name == _KITH_INTENTION:
        card.intention = _text(prop).strip().lower()
    elif name == _KITH_CIRCLE:
        card.circle = _text(prop).strip().lower()
    else:
        card.extra.append(prop.line)
    return False


def _address_read(card: Card, prop: Property, group_labels: dict[str, str]) -> bool:
    """An EMAIL, TEL or URL property: its value, without a `mailto:` or `tel:` scheme, goes to the card's
    emails, phones or links. Returns whether there was one (an empty value is dropped)."""
    value = text_unescape(_text(prop)).strip()
    if prop.name == "EMAIL" and value.lower().startswith("mailto:"):
        value = value[7:]
    elif prop.name == "TEL" and value.lower().startswith("tel:"):
        value = value[4:]
    if not value:
        return False
    if prop.name == "EMAIL":
        card.emails.append((value, _label(prop, group_labels)))
    elif prop.name == "TEL":
        card.phones.append((value, _label(prop, group_labels)))
    else:
        card.links.append(value)
    return True


def vcard_parse(text: str) -> list[Card]:
    """Every card in a vCard text, in order. A card cut off before its END line is returned with
    `complete=False`. Raises VCardError when the text holds no card at all."""
    cards: list[Card] = []
    current: list[Property] | None = None
    for line in vcard_unfold(text):
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            if current is not None:
                card = card_from_properties(current)
                card.complete = False
                cards.append(card)
            current = []
        elif upper == "END:VCARD":
            if current is not None:
                cards.append(card_from_properties(current))
            current = None
        elif current is not None:
            prop = property_parse(line)
            if prop is None:
                continue
            current.append(prop)
    if current is not None:
        card = card_from_properties(current)
        card.complete = False
        cards.append(card)
    if not cards:
        raise VCardError("This file holds no vCard (no BEGIN:VCARD line).")
    return cards


# Writing --------------------------------------------------------------------------------------------------


def text_escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
        .replace(",", "\\,")
        .replace(";", "\\;")
    )


def card_write(card: Card) -> str:
    """One vCard 4.0 card, CRLF line ends, folded."""
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"FN:{text_escape(card.display_name)}"]
    lines.append(f"N:{text_escape(card.family_name)};{text_escape(card.given_name)};;;")
    if card.company:
        lines.append(f"ORG:{text_escape(card.company)}")
    if card.title:
        lines.append(f"TITLE:{text_escape(card.title)}")
    if card.birthday:
        month, day, year = card.birthday
        lines.append(f"BDAY:{year:04d}{month:02d}{day:02d}" if year else f"BDAY:--{month:02d}{day:02d}")
    groups = 0
    for name, values in (("EMAIL", card.emails), ("TEL", card.phones)):
        for value, label in values:
            if not label:
                lines.append(f"{name}:{text_escape(value)}")
            elif _TYPE_TOKEN.fullmatch(label):
                lines.append(f"{name};TYPE={label}:{text_escape(value)}")
            else:
                # A label that is not a plain type ("Home, landline", "Studio") goes the way Apple writes
                # custom labels: a group with an X-ABLabel.
                # Named "kith1", "kith2"... so they never meet an "item1" group kept in the extras.
                groups += 1
                lines.append(f"kith{groups}.{name}:{text_escape(value)}")
                lines.append(f"kith{groups}.X-ABLabel:{text_escape(label)}")
    lines.extend(f"URL:{text_escape(link)}" for link in card.links)
    if card.notes:
        lines.append(f"NOTE:{text_escape(card.notes)}")
    if card.tags:
        lines.append("CATEGORIES:" + ",".join(text_escape(t) for t in card.tags))
    if card.intention:
        lines.append(f"{_KITH_INTENTION}:{card.intention}")
    if card.circle:
        lines.append(f"{_KITH_CIRCLE}:{card.circle}")
    lines.extend(line for line in card.extra if line.strip())
    lines.append("END:VCARD")
    return "".join(content_line_fold(line) + "\r\n" for line in lines)
