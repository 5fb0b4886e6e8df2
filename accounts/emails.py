"""Every email Kith sends is made here, from three templates named after it:
`templates/emails/<name>-subject.txt`, `<name>-body.txt` and `<name>-body.html`, rendered with one context
into one multipart message (plain text first, HTML as the alternative).

It sits in accounts, the lowest app, so that the digest (interactions) and anything accounts sends itself can
share it. The text templates switch autoescaping off themselves; the HTML one keeps it, so names and notes
holding markup or script arrive as text.
"""

from __future__ import annotations

import email.policy
import logging
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def email_subject_line(text: str) -> str:
    """One header-safe line: every run of whitespace, newlines included (CR, LF, the Unicode line and
    paragraph separators), becomes one space, so nothing in a contact's name can start a new header."""
    return " ".join(text.split())


def email_site_domain() -> str:
    """The host of SITE_URL, the right-hand side of the Message-IDs Kith makes."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


# RFC 5322's hard limit for a line. The email package folds at 78 by default, and a header value it cannot
# break at a space (the List-Unsubscribe URL) would come out as RFC 2047 encoded words, which mail clients
# do not read as a URL; allowing longer lines keeps it as written.
_MAX_LINE_LENGTH = 998


class KithEmail(EmailMultiAlternatives):
    """A multipart message whose long header values (the List-Unsubscribe URL) are never encoded."""

    def message(
        self, *, policy: email.policy.Policy | None = email.policy.default
    ) -> email.message.EmailMessage:
        # None means the email package's default policy, as it does for Django and email.message itself.
        base = email.policy.default if policy is None else policy
        return super().message(policy=base.clone(max_line_length=_MAX_LINE_LENGTH))


def email_make(
    name: str, to: str, context: Mapping[str, object], *, headers: Mapping[str, str] | None = None
) -> EmailMultiAlternatives:
    """Render the email `name` for one recipient. Extra `headers` (Message-ID, List-Unsubscribe...) are
    added as given; a value must already be one line."""
    ctx = dict(context)
    subject = email_subject_line(render_to_string(f"emails/{name}-subject.txt", ctx))
    text = render_to_string(f"emails/{name}-body.txt", ctx)
    html = render_to_string(f"emails/{name}-body.html", ctx)
    message = KithEmail(subject, text, to=[to], headers=dict(headers or {}))
    message.attach_alternative(html, "text/html")
    return message


def email_send(message: EmailMultiAlternatives, *, on_accepted: Callable[[], None] | None = None) -> None:
    """Send through the default mailer (SMTP, or files in KITH_DATA_DIR/mail); errors are raised, never
    swallowed, so the caller can record and retry them.

    `on_accepted` runs as soon as the mailer has taken the message (for SMTP, the server's answer to DATA),
    before the connection is closed: Django's `send_messages` would otherwise close it (QUIT) first, and a
    slow answer to QUIT, up to the timeout, would widen the window in which a crash sends the message again.
    The connection is opened here, so `send_messages` leaves it open; a failure to close it once the message
    was accepted is only logged: the message went, and the caller has recorded it.
    """
    if on_accepted is None:
        message.send(using="default")
        return
    connection = mailers.default
    connection.open()
    try:
        if connection.send_messages([message]) != 1:
            raise RuntimeError("the mailer accepted no message")
        on_accepted()
    finally:
        try:
            connection.close()
        # The message was accepted and recorded: closing is housekeeping, whatever goes wrong in it.
        except Exception as error:
            logger.warning("Closing the mail connection failed after a send: %r", error)
