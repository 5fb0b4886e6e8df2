"""How Kith prints a day for a person: one style per user, on pages and in emails alike.

The style is activated like the time zone: the middleware for a request, `date_style_override` for an email
or a page made for a user who is not the one logged in (the digest's links). Templates use the `kith_dates`
filters (`day`, `day_short`, `day_weekday`, `day_near`, `day_time`, `month`), never a `date:"..."` format of
their own; Python code that writes a day into a sentence uses `day_format` and `day_near`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

from django.utils import dateformat, timezone, translation


@dataclass(frozen=True)
class DateStyle:
    label: str  # 1 December 2026 in this style
    name: str  # what the style is, for a reader comparing two numeric ones
    day: str  # a day with its year
    day_short: str  # a day of this year, without it
    day_weekday: str  # a day with its weekday
    month: str  # a month of a year, for charts and tables by month


# The formats are Django's date format characters (django.utils.dateformat). Keys are stored in
# User.date_style: a key never changes meaning once released.
DATE_STYLES: dict[str, DateStyle] = {
    "dmy": DateStyle("1 Dec 2026", "day month year", "j M Y", "j M", "D j M Y", "M Y"),
    "mdy": DateStyle("Dec 1, 2026", "month day, year", "M j, Y", "M j", "D, M j, Y", "M Y"),
    "iso": DateStyle("2026-12-01", "ISO: year-month-day", "Y-m-d", "Y-m-d", "D Y-m-d", "Y-m"),
    "dmy_numeric": DateStyle("01/12/2026", "day/month/year", "d/m/Y", "d/m", "D d/m/Y", "m/Y"),
    "mdy_numeric": DateStyle("12/01/2026", "month/day/year", "m/d/Y", "m/d", "D m/d/Y", "m/Y"),
}
DEFAULT_DATE_STYLE = "dmy"
DATE_STYLE_CHOICES = [(key, style.label) for key, style in DATE_STYLES.items()]
# A time of day beside a date; the same in every style.
TIME_FORMAT = "H:i"

Variant = Literal["day", "day_short", "day_weekday", "month"]

_active: ContextVar[str] = ContextVar("kith_date_style", default=DEFAULT_DATE_STYLE)


def date_style() -> DateStyle:
    return DATE_STYLES.get(_active.get(), DATE_STYLES[DEFAULT_DATE_STYLE])


@contextmanager
def date_style_override(key: str) -> Iterator[None]:
    """Print days in the style `key` inside the block, then go back to the style before it, whatever
    happens: a style never outlives the request or the email it was set for."""
    token = _active.set(key)
    try:
        yield
    finally:
        _active.reset(token)


def _local(value: dt.date | dt.datetime) -> dt.date | dt.datetime:
    # An aware moment is printed on the day it was where the reader is (the active time zone), not in UTC.
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def day_format(value: dt.date | dt.datetime | None, variant: Variant = "day") -> str:
    """A day in the active style: "day" with its year, "day_short" without, "day_weekday" with both;
    "month" prints only its month and year."""
    if not value:
        return ""
    local = _local(value)
    day = local.date() if isinstance(local, dt.datetime) else local
    return _day_formatted(day, getattr(date_style(), variant), translation.get_language())


@functools.lru_cache(maxsize=4096)
def _day_formatted(day: dt.date, style: str, language: str | None) -> str:
    # Every style is made of day, month and year characters only, so a moment prints as its local day, and
    # the same day in the same style and language is formatted once (Django's dateformat takes ~10 µs): a
    # list of people prints two days a row, the same ones each time it is shown.
    return dateformat.format(day, style)


def day_time(value: dt.datetime | None) -> str:
    """A moment: its day (with the year) in the active style and its local time."""
    if not value:
        return ""
    return f"{day_format(value)} {dateformat.format(_local(value), TIME_FORMAT)}"


def day_near(value: dt.date | dt.datetime | None, today: dt.date) -> str:
    """A day without its year when it falls in the year of `today`, with it otherwise: "Last time, 15 Jan"
    in a digest of this year, "Last time, 3 Mar 2024" for an older one."""
    if not value:
        return ""
    same_year = _local(value).year == today.year
    return day_format(value, "day_short" if same_year else "day")


def day_span(start: dt.date, end: dt.date | None) -> str:
    """The days an event spans, joined by an en dash ("29 Oct", dash, "2 Nov 2026"), the year said once when
    both days share it (styles whose day without a year is still a whole date, such as ISO, keep both)."""
    if end is None or end == start:
        return day_format(start)
    style = date_style()
    shared = start.year == end.year and "Y" not in style.day_short
    return f"{day_format(start, 'day_short' if shared else 'day')} \N{EN DASH} {day_format(end)}"


def date_style_choices(today: dt.date) -> list[tuple[str, str]]:
    """The styles for a menu, each showing `today` as it would print it and what the numbers are."""
    return [
        (key, f"{dateformat.format(today, style.day)} ({style.name})") for key, style in DATE_STYLES.items()
    ]


# Sign-up suggests a style from the browser's languages (Accept-Language). A full tag (en-us) is looked up
# first, then its language (en). A language missing here says nothing; the next one the browser lists is
# tried, and with none known the default is suggested.
_LANGUAGE_STYLES: dict[str, str] = {
    **dict.fromkeys(["en-us", "en-ph", "en-as", "en-gu", "en-mp", "en-um", "en-vi", "en-pr"], "mdy"),
    **dict.fromkeys(["sv", "lt", "ja", "zh", "ko", "hu", "mn", "fr-ca", "en-ca"], "iso"),
    **dict.fromkeys(
        [
            "en", "de", "fr", "es", "it", "pt", "nl", "da", "nb", "nn", "no", "fi", "is", "pl", "cs", "sk",
            "sl", "hr", "sr", "bs", "ro", "bg", "el", "ru", "uk", "be", "et", "lv", "ga", "cy", "ca", "eu",
            "gl", "tr", "he", "ar", "hi", "id", "ms", "vi", "th",
        ],
        "dmy",
    ),
}  # fmt: skip
_LANGUAGE_RANGE = re.compile(r"^([a-z]{1,8}(?:-[a-z0-9]{1,8})*|\*)$")


def _accept_language(header: str) -> list[str]:
    """The language tags of an Accept-Language header, lower case, most preferred first (by q-value, ties
    in the order given); q=0 ("not this one") and malformed entries are left out."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, *params = (piece.strip() for piece in part.split(";"))
        tag = tag.lower()
        if not _LANGUAGE_RANGE.match(tag):
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if 0 < quality <= 1:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def date_style_suggest(accept_language: str) -> str:
    """The style a browser's languages suggest: "en-US,en;q=0.9" -> "mdy", "de-DE" -> "dmy",
    "sv-SE" -> "iso"; the default when no language listed is one Kith knows."""
    for tag in _accept_language(accept_language[:1000]):
        for key in (tag, tag.split("-")[0]):
            if key in _LANGUAGE_STYLES:
                return _LANGUAGE_STYLES[key]
    return DEFAULT_DATE_STYLE
