"""The years Kith accepts for any date: typed in a form, read from an import or restored from a backup.

One range for every date, birthdays included. A date outside it is a typing mistake or a damaged file, and
near either end of Python's calendar (year 1 or 9999) adding a cadence, moving to another time zone or
writing the next day of a calendar event overflows. Inside it, every rule of the policy can place a date:
the longest cadence is ten years, far from year 9999.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

EARLIEST_YEAR, LATEST_YEAR = 1900, 2100
EARLIEST_DATE, LATEST_DATE = dt.date(EARLIEST_YEAR, 1, 1), dt.date(LATEST_YEAR, 12, 31)
EARLIEST_MOMENT = dt.datetime(EARLIEST_YEAR, 1, 1, tzinfo=dt.UTC)
LATEST_MOMENT = dt.datetime(LATEST_YEAR, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)
DATE_BOUNDS_MESSAGE = f"Choose a date between {EARLIEST_YEAR} and {LATEST_YEAR}."
YEAR_BOUNDS_MESSAGE = f"Choose a year between {EARLIEST_YEAR} and {LATEST_YEAR}."


def year_in_bounds(year: int) -> bool:
    return EARLIEST_YEAR <= year <= LATEST_YEAR


def date_in_bounds(value: dt.date) -> bool:
    """Whether a date, or a datetime (its date where it was written), lies within Kith's years."""
    return year_in_bounds(value.year)


def date_check(value: dt.date | None) -> dt.date | None:
    """A form's date, or ValidationError with the one message every date field gives."""
    if value is not None and not date_in_bounds(value):
        raise ValidationError(DATE_BOUNDS_MESSAGE, code="date_bounds")
    return value


def year_check(value: int | None) -> int | None:
    """A form's year (a birthday's), or ValidationError with the message of the same range."""
    if value is not None and not year_in_bounds(value):
        raise ValidationError(YEAR_BOUNDS_MESSAGE, code="date_bounds")
    return value


def moment_clamp(at: dt.datetime) -> dt.datetime:
    """An aware datetime moved into Kith's years: a moment stored before the bounds existed (or written by
    hand into the database) is placed at the nearest end, so that no rule has to work with year 1 or 9999."""
    return min(max(at, EARLIEST_MOMENT), LATEST_MOMENT)
