"""The private calendar feed: a user's upcoming follow-ups as all-day events, in iCalendar (RFC 5545).

Written by hand, because it is small: CRLF line ends, lines folded at 75 octets (never inside a UTF-8
character), text values with `\\`, `;`, `,` and newlines escaped, one stable UID per follow-up, so a calendar
app updates an event when its date moves instead of adding a second one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings

from accounts.dates import LATEST_DATE
from accounts.emails import email_site_domain
from accounts.formats import content_line_fold
from accounts.models import User
from followups.engine import GROUP_TITLES, user_today
from followups.models import FollowUp

# Open follow-ups further back than this are left out: a calendar is for what is coming.
FEED_PAST_DAYS = 30


def ics_escape(text: str) -> str:
    """A TEXT value: backslash, semicolon, comma and newlines escaped (RFC 5545, 3.3.11)."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def _date(on: dt.date) -> str:
    return f"{on:%Y%m%d}"


def _event(followup: FollowUp, stamp: str, domain: str) -> list[str]:
    on = followup.effective_on
    contact = followup.contact
    summary = f"Follow up with {contact.display_name} ({GROUP_TITLES[followup.purpose]})"
    description = followup.note or followup.get_reason_display()
    return [
        "BEGIN:VEVENT",
        f"UID:followup-{followup.pk}@{domain}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{_date(on)}",
        f"DTEND;VALUE=DATE:{_date(on + dt.timedelta(days=1))}",
        f"SUMMARY:{ics_escape(summary)}",
        f"DESCRIPTION:{ics_escape(description)}",
        f"URL:{settings.SITE_URL}{contact.get_absolute_url()}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def followups_ics(user: User, now: dt.datetime) -> str:
    """The feed of one user: their open follow-ups of contacts that get reminders, from a month back on."""
    since = user_today(user, now) - dt.timedelta(days=FEED_PAST_DAYS)
    # A follow-up after Kith's last year (accounts.dates) is left out: no calendar needs it, and one stored
    # before the bounds were enforced may fall on the last day Python knows, with no next day to end on.
    followups: Iterable[FollowUp] = (
        FollowUp.objects.filter(owner=user)
        .upcoming()
        .filter(on__gte=since, on__lte=LATEST_DATE)
        .select_related("contact")
    )
    stamp = f"{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"
    domain = email_site_domain()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Kith//Follow-ups//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_escape('Kith follow-ups')}",
    ]
    for followup in followups:
        lines.extend(_event(followup, stamp, domain))
    lines.append("END:VCALENDAR")
    return "".join(content_line_fold(line) + "\r\n" for line in lines)
