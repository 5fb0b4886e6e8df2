"""The signed links of the digest email (PRODUCT.md, "Email links").

A follow-up link is signed with django.core.signing for one user, one follow-up and one action, with a salt
per action, so a "done" token cannot be replayed as "stop reminding me"; it expires after 30 days. The
one-click unsubscribe link is bound to the user's `unsubscribe_secret` instead and never expires: changing the
digest setting renews the secret and so retires it.

Tokens only say who and what. The views show a confirmation page on GET and act on POST, because mail
scanners open links.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from accounts.models import User
from followups.models import FollowUp

LINK_MAX_AGE = dt.timedelta(days=30)
_UNSUBSCRIBE_SALT = "kith.digest.unsubscribe"


class LinkAction(StrEnum):
    """What a follow-up link does when its confirmation button is pressed."""

    DONE = "done"  # "I reached out"
    SNOOZE = "snooze"
    STOP = "stop"  # "Stop reminding me about this person": pause the contact's reminders


def _salt(action: LinkAction) -> str:
    return f"kith.followup-link.{action}"


@dataclass(frozen=True)
class LinkTarget:
    user_id: int
    followup_id: int


def followup_link_token(followup: FollowUp, action: LinkAction) -> str:
    return signing.dumps({"u": followup.owner_id, "f": followup.pk}, salt=_salt(action))


def followup_link_url(followup: FollowUp, action: LinkAction) -> str:
    """The absolute address of a follow-up link, on SITE_URL (emails are made outside any request)."""
    path = reverse(
        "followup_link", kwargs={"action": action.value, "token": followup_link_token(followup, action)}
    )
    return settings.SITE_URL + path


def followup_link_read(action: LinkAction, token: str) -> LinkTarget:
    """Who and what a token is for. Raises signing.SignatureExpired after 30 days, and signing.BadSignature
    when it was changed, made for another action, or is not a token at all."""
    data = signing.loads(token, salt=_salt(action), max_age=LINK_MAX_AGE)
    try:
        return LinkTarget(int(data["u"]), int(data["f"]))
    except (KeyError, TypeError, ValueError) as error:
        raise signing.BadSignature("malformed link") from error


def unsubscribe_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "s": user.unsubscribe_secret}, salt=_UNSUBSCRIBE_SALT)


def unsubscribe_url(user: User) -> str:
    return settings.SITE_URL + reverse("digest_unsubscribe", kwargs={"token": unsubscribe_token(user)})


def unsubscribe_user(token: str) -> User | None:
    """The user a one-click unsubscribe token is for, or None when it is forged, malformed, bound to a
    secret that has been renewed since, or the account is shut (being deleted). No expiry: the link must
    work for as long as the email is kept."""
    try:
        data = signing.loads(token, salt=_UNSUBSCRIBE_SALT)
        user = User.objects.get(pk=int(data["u"]), is_active=True)
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist):
        return None
    if not constant_time_compare(str(data.get("s", "")), user.unsubscribe_secret):
        return None
    return user
