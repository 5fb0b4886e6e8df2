"""The rules of an event's cohort (PRODUCT.md, "Screens": which events led to people still in touch): who was
followed up within a week, who was still in touch 1, 3, 6 and 12 months on. Pure functions over dates, beside
contacts.policy, which keeps the clocks."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable

# An event's cohort: who was followed up within a week, and who was still in touch months later. The dates
# passed in (`later_on`) are the local dates of the person's interactions of the meeting's purpose from the
# meeting on, the meeting itself left out.
FOLLOWED_UP_DAYS = 7
IN_TOUCH_MONTHS = (1, 3, 6, 12)


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months later; a day the month lacks is its last (31 Jan -> 28 Feb)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def followed_up_within_week(met_on: dt.date, later_on: Iterable[dt.date]) -> bool:
    """An interaction of the meeting's purpose in the FOLLOWED_UP_DAYS days after the meeting."""
    last = met_on + dt.timedelta(days=FOLLOWED_UP_DAYS)
    return any(met_on <= day <= last for day in later_on)


def in_touch_window(met_on: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The days (first and last, both included) that count for "in touch at `months` months": from the mark
    before it (the meeting for the first) to this one, so at 6 months an interaction in months 4 to 6."""
    earlier = [m for m in IN_TOUCH_MONTHS if m < months]
    first = months_after(met_on, earlier[-1]) + dt.timedelta(days=1) if earlier else met_on
    return first, months_after(met_on, months)


def in_touch_at(met_on: dt.date, later_on: Iterable[dt.date], months: int, today: dt.date) -> bool | None:
    """Whether the person met on `met_on` was still in touch at `months` months (an interaction of the
    meeting's purpose in `in_touch_window`); None until that window has passed, since a mark not reached yet
    is unknown, not a no."""
    first, last = in_touch_window(met_on, months)
    if today <= last:
        return None
    return any(first <= day <= last for day in later_on)
