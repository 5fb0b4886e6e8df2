"""What pages of the apps below show of follow-ups. The interactions app cannot import this one, so its
templates load these tags (as they use `{% url %}`), the one way up the layers allows."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from accounts.templatetags.kith_dates import day, day_short
from contacts import wording
from contacts.policy import Reason
from followups.engine import GROUP_TITLES
from followups.models import FollowUp, FollowUpState
from interactions.models import Participation

register = template.Library()


@register.simple_tag
def requested_reminders(participation: Participation | None) -> list[FollowUp]:
    """The open "remind me" follow-ups of the person on a capture row, soonest first."""
    if participation is None:
        return []
    return list(
        FollowUp.objects.open()
        .filter(contact_id=participation.contact_id, reason=Reason.REQUESTED)
        .order_by("due_on", "pk")
    )


def _today(today: object) -> dt.date:
    """The page's `today` when it passes one, else the user's local date (the middleware activates their
    time zone): the contact page's follow-ups are included where no view put `today` in the context."""
    return today if isinstance(today, dt.date) else timezone.localdate()


@register.filter
def due_words(value: FollowUp | dt.date | None, today: object = None) -> str:
    """When a follow-up (or a date it is due on) falls, in the policy's words: "3 weeks late", "due
    Friday", "due 12 Jan". A snoozed follow-up says so, and counts from the end of its snooze."""
    if value is None:
        return ""
    on = value.effective_on if isinstance(value, FollowUp) else value
    now = _today(today)
    words = wording.due_words(on, now, day=lambda d: day_short(d) if d.year == now.year else day(d))
    if isinstance(value, FollowUp) and value.state == FollowUpState.SNOOZED:
        return f"snoozed, {words}"
    return words


@register.filter
def is_late(value: FollowUp | dt.date | None, today: object = None) -> bool:
    """Whether it was due before today (the words then say "late")."""
    if value is None:
        return False
    on = value.effective_on if isinstance(value, FollowUp) else value
    return on < _today(today)


@register.filter
def group_title(purpose: str) -> str:
    """The name of a purpose's group, as the digest, the Due page and the dashboards call it: Friendships
    (personal) or Network (professional)."""
    return GROUP_TITLES.get(purpose, "")
