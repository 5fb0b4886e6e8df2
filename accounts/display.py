"""How Kith prints a day for a person: one style per user, on pages and in emails alike.

The style is activated like the time zone: the middleware for a request, `date_style_override` for an email.
Templates use the `kith_dates` filters (`day`, `day_short`, `day_weekday`), never a `date:"..."` format of
their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class DateStyle:
    label: str
    day: str  # a day with its year
    day_short: str  # a day of this year, without it
    day_weekday: str  # a day with its weekday


DATE_STYLES: dict[str, DateStyle] = {
    "dmy": DateStyle("1 Dec 2026", "j M Y", "j M", "D j M Y"),
}
DEFAULT_DATE_STYLE = "dmy"

_active: ContextVar[str] = ContextVar("kith_date_style", default=DEFAULT_DATE_STYLE)


def date_style() -> DateStyle:
    return DATE_STYLES.get(_active.get(), DATE_STYLES[DEFAULT_DATE_STYLE])


@contextmanager
def date_style_override(key: str) -> Iterator[None]:
    token = _active.set(key)
    try:
        yield
    finally:
        _active.reset(token)
