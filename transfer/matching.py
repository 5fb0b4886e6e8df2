"""Matching an imported row to the contact it already is: the same email address, the same phone number, or
the same name and company, ignoring case and accents. The import's preview and its write use the same index,
and the duplicates page the same phone key, so that "the same person" means one thing everywhere."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from accounts.models import User
from contacts.models import Contact, EmailAddress, PhoneNumber
from contacts.phones import phone_e164
from contacts.text import casefold_key, fold_words
from transfer.vcard import Card


def phone_key(number: str, region: str = "") -> str:
    """What two phone numbers share when they are the same: E.164 when it can be worked out (the number is
    written with its country code, or `region`, the owner's phone region, says which country it is in), else
    its digits (a national number typed twice by the same person), else nothing."""
    if e164 := phone_e164(number, region):
        return e164
    digits = "".join(ch for ch in number if ch.isdigit())
    return f"national:{digits}" if len(digits) >= 6 else ""


def name_key(display_name: str, company: str) -> str:
    """Same name and company, ignoring case, accents, punctuation and spacing."""
    name = " ".join(fold_words(unicodedata.normalize("NFC", display_name)))
    return f"{name}|{' '.join(fold_words(company))}" if name else ""


# What an index entry points at: an existing contact's id, or "row:N" for a row of this file not yet written.
type MatchTarget = int | str


@dataclass
class MatchIndex:
    """The owner's contacts by email, phone and name+company, plus the rows of this file seen so far (keys
    "row:N"), so two rows of one file for one person become one contact. Phone numbers are keyed with the
    owner's phone region, so "020 7946 0000" in the file finds "+44 20 7946 0000" for a user in GB."""

    by_email: dict[str, MatchTarget] = field(default_factory=dict)
    by_phone: dict[str, MatchTarget] = field(default_factory=dict)
    by_name: dict[str, MatchTarget] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    region: str = ""

    @classmethod
    def build(cls, owner: User) -> MatchIndex:
        index = cls(region=owner.phone_region)
        for pk, name, company in Contact.objects.filter(owner=owner).values_list(
            "pk", "display_name", "company"
        ):
            index.names[pk] = name
            if key := name_key(name, company):
                index.by_name.setdefault(key, pk)
        for contact_id, folded in EmailAddress.objects.filter(owner=owner).values_list(
            "contact_id", "address_folded"
        ):
            index.by_email.setdefault(folded, contact_id)
        for contact_id, number in PhoneNumber.objects.filter(owner=owner).values_list("contact_id", "number"):
            if key := phone_key(number, index.region):
                index.by_phone.setdefault(key, contact_id)
        return index

    def find(self, card: Card) -> tuple[MatchTarget | None, str]:
        for address, _label in card.emails:
            if (found := self.by_email.get(casefold_key(address))) is not None:
                return found, f"same email address {address}"
        for number, _label in card.phones:
            key = phone_key(number, self.region)
            if key and (found := self.by_phone.get(key)) is not None:
                return found, f"same phone number {number}"
        key = name_key(card.display_name, card.company)
        if key and (found := self.by_name.get(key)) is not None:
            return found, "same name and company" if card.company else "same name"
        return None, ""

    def add(self, card: Card, target: MatchTarget) -> None:
        for address, _label in card.emails:
            self.by_email.setdefault(casefold_key(address), target)
        for number, _label in card.phones:
            if key := phone_key(number, self.region):
                self.by_phone.setdefault(key, target)
        if key := name_key(card.display_name, card.company):
            self.by_name.setdefault(key, target)
