"""Counts as people read them: 38,214 rather than 38214.

Kith speaks English only (USE_I18N is off), so the grouping is the English one, written here rather than
through django.contrib.humanize, whose `intcomma` goes through the locale machinery for the same result.
"""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def grouped(value: object) -> object:
    """An integer with its thousands grouped by commas; anything else as it came (an empty value, text)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    return f"{value:,}"
