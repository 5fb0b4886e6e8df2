"""What pages of the apps below show of follow-ups. The interactions app cannot import this one, so its
templates load these tags (as they use `{% url %}`), the one way up the layers allows."""

from __future__ import annotations

from django import template

from contacts.policy import Reason
from followups.models import FollowUp
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
