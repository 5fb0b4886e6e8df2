"""The filters that print a day in the active user's date style (accounts.display)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.template.defaultfilters import date as date_filter

from accounts.display import date_style

register = template.Library()


@register.filter
def day(value: dt.date | dt.datetime | None) -> str:
    return date_filter(value, date_style().day) if value else ""


@register.filter
def day_short(value: dt.date | dt.datetime | None) -> str:
    return date_filter(value, date_style().day_short) if value else ""


@register.filter
def day_weekday(value: dt.date | dt.datetime | None) -> str:
    return date_filter(value, date_style().day_weekday) if value else ""
