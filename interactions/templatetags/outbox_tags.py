"""`{% outbox_owner %}`: the signed owner static/js/outbox.js keeps with the rows typed on a page
(interactions.outbox). Empty for a visitor who is not logged in."""

from __future__ import annotations

from typing import Any

from django import template

from interactions.outbox import outbox_owner_sign

register = template.Library()


@register.simple_tag(takes_context=True)
def outbox_owner(context: dict[str, Any]) -> str:
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return ""
    return outbox_owner_sign(user)
