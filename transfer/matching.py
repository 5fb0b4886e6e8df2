"""Matching an imported row to the contact it already is: the same email address, the same phone number, or
the same name and company, ignoring case and accents. The import's preview and its write use the same index,
and the duplicates page the same phone key, so that "the same person" means one thing everywhere."""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass, field

from accounts.models import User
from contacts.models import Contact, EmailAddress, PhoneNumber
from contacts.phones import phone_e164
from contacts.text import casefold_key, fold_line
from transfer.vcard import Card

# Distinct numbers whose E.164 form is remembered. An import reads each number up to five times (cleaning,
# matching, merging rows, writing), and libphonenumber's parse was a fifth of a 10,000-row vCard import.
# Only numbers a person could write are remembered, so the memory stays small whatever a file holds.
_PHONES_REMEMBERED = 20_000
_REMEMBERED_LENGTH = 120


def phone_e164_known(number: str, region: str = "") -> str:
    """`contacts.phones.phone_e164`, worked out once per distinct number and region."""
    if len(number) > _REMEMBERED_LENGTH:
        return phone_e164(number, region)
    return _phone_e164_remembered(number, region)


@functools.lru_cache(maxsize=_PHONES_REMEMBERED)
def _phone_e164_remembered(number: str, region: str) -> str:
    return phone_e164(number, region)


def phone_key(number: str, region: str = "") -> str:
    """What two phone numbers share when they are the same: E.164 when it can be worked out (the number is
    written with its country code, or `region`, the owner's phone region, says which country it is in), else
    its digits (a national number typed twice by the same person), else nothing."""
    if e164 := phone_e164_known(number, region):
        return e164
    digits = "".join(ch for ch in number if ch.isdigit())
    return f"national:{digits}" if len(digits) >= 6 else ""


def name_key(display_name: str, company: str) -> str:
    """Same name and company, ignoring case, accents, punctuation and spacing."""
    name = fold_line(unicodedata.normalize("NFC", display_name))
    return f"{name}|{fold_line(company)}" if name else ""


# A card's keys: (folded address, address) per email, (key, number) per phone, and its name key.
type _Keys = tuple[list[tuple[str, str]], list[tuple[str, str]], str]
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
        """The contact or earlier row `card` is, and why; (None, "") when it is someone new."""
        return self._find(card, self._keys(card))

    def place(self, card: Card, target: MatchTarget) -> tuple[MatchTarget | None, str]:
        """`find`, and when the card is someone new, index it as `target`: its keys are read once for both."""
        keys = self._keys(card)
        found, why = self._find(card, keys)
        if found is None:
            self._add(keys, target)
        return found, why

    def _keys(self, card: Card) -> _Keys:
        emails = [(casefold_key(address), address) for address, _label in card.emails]
        phones = [(key, number) for number, _label in card.phones if (key := phone_key(number, self.region))]
        return emails, phones, name_key(card.display_name, card.company)

    def _find(self, card: Card, keys: _Keys) -> tuple[MatchTarget | None, str]:
        emails, phones, name = keys
        for key, address in emails:
            if (found := self.by_email.get(key)) is not None:
                return found, f"same email address {address}"
        for key, number in phones:
            if (found := self.by_phone.get(key)) is not None:
                return found, f"same phone number {number}"
        if name and (found := self.by_name.get(name)) is not None:
            return found, "same name and company" if card.company else "same name"
        return None, ""

    def _add(self, keys: _Keys, target: MatchTarget) -> None:
        emails, phones, name = keys
        for key, _address in emails:
            self.by_email.setdefault(key, target)
        for key, _number in phones:
            self.by_phone.setdefault(key, target)
        if name:
            self.by_name.setdefault(name, target)
