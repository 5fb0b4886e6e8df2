"""The user's own card as people scan it: a vCard 4.0 (RFC 6350) in a QR code drawn by segno.

transfer/vcard.py reads and writes the vCards of imports and exports, but transfer sits above contacts, so the
few lines a card of six fields needs are written here, folded by the one rule of accounts.formats.
"""

from __future__ import annotations

import segno

from accounts.formats import content_line_fold
from accounts.models import User
from contacts.models import MyCard


def my_card_get(owner: User) -> MyCard:
    """The user's card, unsaved and empty until they fill it in."""
    return MyCard.objects.filter(owner=owner).first() or MyCard(owner=owner)


def _escape(value: str) -> str:
    """A text value (RFC 6350, 3.4): backslash, comma, semicolon and line breaks escaped."""
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def my_card_vcard(card: MyCard) -> str:
    """The card as a vCard 4.0: FN and N from the name (the last word as the family name), then ORG, TITLE,
    EMAIL, TEL and URL where filled in."""
    name = card.name.strip()
    given, _, family = name.rpartition(" ") if " " in name else ("", "", name)
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"FN:{_escape(name)}", f"N:{_escape(family)};{_escape(given)};;;"]
    for prop, value in (
        ("ORG", card.company),
        ("TITLE", card.job_title),
        ("EMAIL", card.email),
        ("TEL;VALUE=text", card.phone),
        ("URL", card.url),
    ):
        if value.strip():
            lines.append(f"{prop}:{value.strip() if prop == 'URL' else _escape(value.strip())}")
    lines.append("END:VCARD")
    return "".join(content_line_fold(line) + "\r\n" for line in lines)


def my_card_qr(card: MyCard) -> segno.QRCode:
    """The QR code of the card: error correction M, which survives a smudge and keeps the modules big enough
    to scan across a table at the size the page draws it."""
    return segno.make(my_card_vcard(card), error="m", micro=False, boost_error=False)


def my_card_svg(card: MyCard) -> str:
    """The QR code as inline SVG markup: one path with presentation attributes and no style attribute (the
    Content Security Policy forbids them), sized by CSS through its viewBox."""
    return my_card_qr(card).svg_inline(scale=1, border=4, svgclass="qr-code", lineclass=None, omitsize=True)
