"""The filters that print a day in the active user's date style (accounts.display).

`expects_localtime` makes the template engine hand an aware moment over in the active time zone, as
Django's own `date` filter gets it: an interaction at 23:30 in New York is printed on its New York day.
"""

from __future__ import annotations

import datetime as dt

from django import template

from accounts import display

register = template.Library()

Day = dt.date | dt.datetime | None


@register.filter(expects_localtime=True)
def day(value: Day) -> str:
    """1 Dec 2026, Dec 1, 2026, 2026-12-01... : a day with its year."""
    return display.day_format(value, "day")


@register.filter(expects_localtime=True)
def day_short(value: Day) -> str:
    """A day without its year: for days that are plainly this year's (a reminder next week)."""
    return display.day_format(value, "day_short")


@register.filter(expects_localtime=True)
def day_weekday(value: Day) -> str:
    """A day with its weekday and year."""
    return display.day_format(value, "day_weekday")


@register.filter
def day_span(start: dt.date, end: dt.date | None) -> str:
    """An event's days, the year said once: `{{ event.start_date|day_span:event.end_date }}`."""
    return display.day_span(start, end)


@register.filter(expects_localtime=True)
def month(value: Day) -> str:
    """A month and its year (Dec 2026, 2026-12, 12/2026): a chart's or a table's month."""
    return display.day_format(value, "month")


@register.filter(expects_localtime=True)
def day_time(value: dt.datetime | None) -> str:
    """A moment: its day with the year, and the local time."""
    return display.day_time(value)


@register.filter(expects_localtime=True)
def day_near(value: Day, today: dt.date | None) -> str:
    """A day without its year when it falls in the year of `today` (`{{ due_on|day_near:today }}`), with
    it otherwise; with the year when `today` is missing."""
    if not today:
        return display.day_format(value, "day")
    return display.day_near(value, today)
