"""How a due date is worded on pages and in the digest ("3 weeks late", "due Friday"): plain functions over
dates, kept apart from the rules in contacts.policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

# Due wording ----------------------------------------------------------------------------------------------

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Up to this many days ahead a follow-up is due on a weekday name ("due Friday"): a week ahead would repeat
# today's name.
DUE_WEEKDAY_DAYS = 6
# Up to this many days ahead it is due "in N days" or "in N weeks"; beyond, on a date.
DUE_RELATIVE_DAYS = 41


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def _day_month(day: dt.date, today: dt.date) -> str:
    """The day as "12 Jan", with the year when it is not this year's."""
    text = f"{day.day} {_MONTH_ABBREVIATIONS[day.month - 1]}"
    return text if day.year == today.year else f"{text} {day.year}"


def due_words(due_on: dt.date, today: dt.date, *, day: Callable[[dt.date], str] | None = None) -> str:
    """When a follow-up is due, in words, never as a ratio: "3 weeks late", "2 days late", "due today", "due
    tomorrow", "due Friday" (within the next 6 days), "due in 3 weeks", "due 12 Jan" beyond.

    Lateness is counted in the largest unit that fits, rounded down: days up to 13, weeks up to 59 days,
    months (of 30 days) up to a year, then years. `day` prints a date further ahead in the user's date style
    (a page passes its date filter); the default is "12 Jan", with the year when it is not this year's."""
    days = (due_on - today).days
    if days < 0:
        late = -days
        if late < 14:
            return f"{_count(late, 'day')} late"
        if late < 60:
            return f"{_count(late // 7, 'week')} late"
        if late < 365:
            return f"{_count(min(late // 30, 11), 'month')} late"
        return f"{_count(late // 365, 'year')} late"
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    if days <= DUE_WEEKDAY_DAYS:
        return f"due {WEEKDAY_NAMES[due_on.weekday()]}"
    if days < 14:
        return f"due in {days} days"
    if days <= DUE_RELATIVE_DAYS:
        return f"due in {days // 7} weeks"
    return f"due {day(due_on) if day is not None else _day_month(due_on, today)}"
