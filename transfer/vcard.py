"""vCard 2.1, 3.0 and 4.0 (RFC 2426, RFC 6350), read and written by hand: pure functions, no database.

Reading keeps what Kith has no field for. Every content line Kith does not map to a field (a photo, an
address, an anniversary, an X- property) is kept verbatim, unfolded, in `Card.extra`, and the writer puts it
back, so an export gives back what an import took in.

Kept lines are written as vCard 4.0: 2.1 and 3.0 encodings, CHARSET and bare parameters are converted when a
line is read (and when written, for lines kept before). The reader is linear in its input and checks its
bounds before it allocates (`ReadLimit` names the bound and the row); decoded text is checked (`text_check`).

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
import codecs
import datetime as dt
import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from accounts.dates import year_in_bounds
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
# Every character str.splitlines() breaks a line at (and so might a reader): written inside a value, one
# would end the line there, so a received "X-NOTE:hi<U+2028>END:VCARD" could become a second card.
_LINE_SEPARATORS = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# The charsets a quoted-printable value may name, by Python's canonical codec name: text encodings that
# decode bytes to characters. Not "unicode_escape" and its kin (which decode escapes into any code point,
# lone surrogates included), not "undefined", not punycode, idna or utf-7.
_SAFE_CHARSETS = re.compile(
    r"utf-(8|8-sig|16|32)(-[lb]e)?|ascii|iso8859-\d+|cp\d+|mac-[a-z]+|koi8-[a-z]|tis-620|shift_jis\w*"
    r"|euc_\w+|gb2312|gbk|gb18030|big5\w*|iso2022_\w+|johab|hz"
)
# vCard 2.1 and 3.0 encodings, which 4.0 has no parameter for, and the media types of their binary values.
_ENCODINGS = {"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"}
_MEDIA_TYPES = {"JPEG": "image/jpeg", "JPG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif"}
_PARAM_NEEDS_QUOTES = re.compile(r"[:;,]")

# Bounds the reader checks before it allocates. A content line may hold a photo of a few MB; no address book
# writes a card with more properties than this.
MAX_LINE_CHARS = 4 * 1024 * 1024
MAX_PROPERTIES = 1_000
# Type values that say nothing a person would call a label.
_NOISE_TYPES = {"internet", "pref", "voice", "x400", "text", "uri", "msg"}


class VCardError(ValueError):
    """The text is not a vCard file at all."""


class ReadLimit(ValueError):
    """A file past one of the readers' bounds, with a message naming the bound and the row."""


class BadText(ValueError):
    """A value whose decoded text Kith will not store (the message says why)."""


def too_many_rows(limit: int) -> ReadLimit:
    """The readers stop at the first row past `limit`, before they build it."""
    return ReadLimit(
        f"The file holds more than {limit:,} contacts (row {limit + 1:,} is one too many); Kith imports up "
        f"to {limit:,} at a time. Split it into smaller files."
    )


@dataclass
class Property:
    group: str
    name: str
    params: dict[str, list[str]]
    value: str
    line: str  # the unfolded content line as written, for keeping it verbatim
    bare: bool = False  # it had vCard 2.1 bare parameters (`TEL;WORK;VOICE:`)


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
    # Why the row cannot be imported, found while reading (a bound passed); see reading.card_fatal.
    refused: list[str] = field(default_factory=list)
    complete: bool = True
    # LinkedIn's "Connected On", logged as a first interaction.
    connected_on: dt.date | None = None
    # Kith's own contacts CSV carries these two; a new contact takes them (a matched one keeps its own).
    reminders_paused: bool = False
    archived_on: dt.date | None = None
    uid: str = ""  # the contact the row is, if the owner's (transfer.matching); a new one takes it as its own


# Reading --------------------------------------------------------------------------------------------------


def vcard_decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), else Windows-1252, which Outlook uses and
    which decodes any byte. Quoted-printable values are decoded later, in their own CHARSET."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _physical_lines(text: str) -> Iterator[str]:
    start = 0
    for match in _LINE_BREAK.finditer(text):
        yield text[start : match.start()]
        start = match.end()
    yield text[start:]


class _LineTooLong(Exception):
    def __init__(self, number: int) -> None:
        self.number = number


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, content line) for each logical line: folded lines joined, quoted-printable soft breaks
    joined, blank lines dropped. Linear: a line's pieces are joined once, when it ends, and whether its head
    says QUOTED-PRINTABLE is followed piece by piece (with the head's last characters, for a head folded
    inside the word). Raises _LineTooLong past MAX_LINE_CHARS, before joining."""
    parts: list[str] = []
    size = start = 0
    quoted = head_done = False
    head_tail = ""
    for number, raw in enumerate(_physical_lines(text), start=1):
        if parts and raw[:1] in (" ", "\t"):
            piece = raw[1:]
        elif quoted and parts[-1].endswith("=") and not raw[:6].upper().startswith(("END:", "BEGIN:")):
            # A quoted-printable soft line break: the value goes on, the "=" itself is dropped.
            parts[-1] = parts[-1][:-1]
            piece = raw
        elif raw.strip():
            if parts:
                yield start, "".join(parts)
            parts, size, start, quoted, head_done, head_tail = [], 0, number, False, False, ""
            piece = raw
        else:
            continue
        size += len(piece)
        if size > MAX_LINE_CHARS:
            raise _LineTooLong(start)
        if not head_done:
            colon = piece.find(":")
            head_done = colon >= 0
            head = head_tail + (piece if colon < 0 else piece[:colon]).upper()
            quoted = quoted or "QUOTED-PRINTABLE" in head
            head_tail = head[-16:]
        parts.append(piece)
    if parts:
        yield start, "".join(parts)


def vcard_unfold(text: str) -> list[str]:
    """The logical content lines of a vCard text: folded lines joined, quoted-printable soft breaks joined,
    blank lines dropped."""
    return [line for _number, line in _logical_lines(text)]


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
    bare = False
    for part in param_parts:
        key, eq, raw = part.partition("=")
        if not eq:
            # vCard 2.1 bare parameters: TEL;WORK;VOICE, PHOTO;BASE64, EMAIL;QUOTED-PRINTABLE.
            key, raw = _bare_param(key.strip())
            bare = True
        key = key.strip().upper()
        values = [v.strip().strip('"') for v in (_split_unquoted(raw, ",") if '"' in raw else raw.split(","))]
        if key == "TYPE":
            # 4.0 quotes a list: TYPE="work,voice".
            values = [part.strip() for v in values for part in v.split(",")]
        params.setdefault(key, []).extend(v for v in values if v)
    return Property(group.strip(), name, params, value, line, bare)


def _bare_param(word: str) -> tuple[str, str]:
    upper = word.upper()
    if upper in {"QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT", "B"}:
        return "ENCODING", word
    return "TYPE", word


def _text(prop: Property) -> str:
    """The property's value as text: quoted-printable decoded in its charset; escapes are left to callers,
    which split structured values first. Raises BadText for text Kith will not store."""
    value = prop.value
    encoding = (prop.params.get("ENCODING") or [""])[0].upper()
    if encoding == "QUOTED-PRINTABLE":
        charset = (prop.params.get("CHARSET") or ["utf-8"])[0]
        raw = quopri.decodestring(value.encode("latin-1", errors="replace"))
        try:
            known = bool(_SAFE_CHARSETS.fullmatch(codecs.lookup(charset).name))
        except LookupError:
            known = False
        if not known:
            raise BadText(f"the charset “{charset[:30]}” is not one Kith reads")
        try:
            value = raw.decode(charset)
        except UnicodeError:
            value = raw.decode("cp1252", errors="replace")
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return text_check(value)


def text_check(value: str) -> str:
    """The text, when Kith can store it: no NUL (PostgreSQL refuses one) and no lone surrogate (no database
    can encode one). Raises BadText."""
    if "\x00" in value:
        raise BadText("the text holds a NUL character")
    if _LONE_SURROGATE.search(value):
        raise BadText("the text holds a lone surrogate (half a character)")
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
    """(month, day, year or None) from a vCard birthday, or None when it is not a date Kith can keep. A year
    outside the years every date field accepts (accounts.dates) is dropped and the day kept."""
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
        if year == _APPLE_NO_YEAR or (year is not None and not year_in_bounds(year)):
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
        try:
            if _property_read(card, prop, group_labels):
                labelled_groups.add(prop.group.lower())
        except BadText as error:
            card.problems.append(f"{prop.name}: {error}; left out")
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
            try:
                text = text_unescape(_text(prop))
            except BadText:
                continue  # the property itself is reported as it is read
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
            card.extra.append(line_40(prop))
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
        card.extra.append(line_40(prop))
    return False


def line_40(prop: Property) -> str:
    """The property's content line as vCard 4.0 writes it, for keeping: a quoted-printable value decoded (its
    line breaks escaped), a base64 one made a `data:` URI, CHARSET and bare parameters dropped or named; any
    line separator escaped. A line with none of these is kept as it was written. Raises BadText."""
    if not (prop.bare or "ENCODING" in prop.params or "CHARSET" in prop.params):
        return _LINE_SEPARATORS.sub(r"\\n", text_check(prop.line))
    encoding = (prop.params.get("ENCODING") or [""])[0].upper()
    params = {k: list(v) for k, v in prop.params.items() if k not in ("ENCODING", "CHARSET")}
    value = text_check(prop.value)
    if encoding == "QUOTED-PRINTABLE":
        value = _text(prop)
    elif encoding in ("BASE64", "B"):
        types = params.get("TYPE", [])
        media = next((t for t in types if t.upper() in _MEDIA_TYPES or "/" in t), "")
        if media:
            types.remove(media)
        media_type = _MEDIA_TYPES.get(media.upper(), media.lower()) or "application/octet-stream"
        value = f"data:{media_type};base64,{''.join(value.split())}"
    head = f"{prop.group}.{prop.name}" if prop.group else prop.name
    for key, values in params.items():
        if values:
            joined = ",".join(v.replace('"', "") for v in values)
            head += f";{key}=" + (f'"{joined}"' if _PARAM_NEEDS_QUOTES.search(joined) else joined)
    return head + ":" + _LINE_SEPARATORS.sub(r"\\n", value)


def extra_lines(text: str) -> list[str]:
    """The kept lines of a contact's `vcard_extra` (one per line, joined with "\\n"): split on "\\n" alone,
    never on the other separators `str.splitlines()` knows, which a received value may hold."""
    return [line for line in text.split("\n") if line.strip()]


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


def vcard_parse(text: str, max_cards: int | None = None) -> list[Card]:
    """Every card in a vCard text, in order. A card cut off before its END line is returned with
    `complete=False`. Raises VCardError when the text holds no card at all, ReadLimit at the first card past
    `max_cards`, line past MAX_LINE_CHARS or property past MAX_PROPERTIES."""
    cards: list[Card] = []
    current: list[Property] | None = None
    lines = _logical_lines(text)
    while True:
        try:
            number, line = next(lines)
        except StopIteration:
            break
        except _LineTooLong as error:
            raise ReadLimit(
                f"Row {len(cards) + 1:,} has a line longer than {MAX_LINE_CHARS:,} characters (line "
                f"{error.number:,} of the file); Kith reads lines up to that length."
            ) from None
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            if current is not None:
                cards.append(_card_cut_off(current))
            if max_cards is not None and len(cards) >= max_cards:
                raise too_many_rows(max_cards)
            current = []
        elif upper == "END:VCARD":
            if current is not None:
                cards.append(card_from_properties(current))
            current = None
        elif current is not None and (prop := property_parse(line)) is not None:
            if len(current) >= MAX_PROPERTIES:
                raise ReadLimit(
                    f"Row {len(cards) + 1:,} has more than {MAX_PROPERTIES:,} properties (line {number:,} is "
                    "one too many); Kith reads up to that many per card."
                )
            current.append(prop)
    if current is not None:
        cards.append(_card_cut_off(current))
    if not cards:
        raise VCardError("This file holds no vCard (no BEGIN:VCARD line).")
    return cards


def _card_cut_off(props: list[Property]) -> Card:
    card = card_from_properties(props)
    card.complete = False
    return card


# Writing --------------------------------------------------------------------------------------------------


def text_escape(value: str) -> str:
    """A text value as written: every line separator Unicode knows becomes the escape "\\n"."""
    value = _LINE_SEPARATORS.sub(r"\\n", value.replace("\\", "\\\\"))
    return value.replace(",", "\\,").replace(";", "\\;")


def card_write(card: Card) -> str:
    """One vCard 4.0 card, CRLF line ends, folded."""
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"FN:{text_escape(card.display_name)}"]
    if card.uid:
        lines.insert(2, f"UID:{_LINE_SEPARATORS.sub('', card.uid)}")
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
    lines.extend(_kept_lines_write(card.extra))
    lines.append("END:VCARD")
    return "".join(content_line_fold(line) + "\r\n" for line in lines)


def _kept_lines_write(extra: list[str]) -> Iterator[str]:
    """The kept lines as vCard 4.0 (see `line_40`: lines kept before Kith converted them on reading are
    converted here); a line that is no property, or that would begin or end a card, is left out."""
    for line in extra:
        prop = property_parse(line)
        if prop is None or prop.name in _DROPPED:
            continue
        try:
            yield line_40(prop)
        except BadText:
            continue
