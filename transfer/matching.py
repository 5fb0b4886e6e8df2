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


# A card's keys: (folded address, address) per email, (key, number) per phone, its name key and its UID.
type _Keys = tuple[list[tuple[str, str]], list[tuple[str, str]], str, str]
# What an index entry points at: an existing contact's id, or "row:N" for a row of this file not yet written.
type MatchTarget = int | str
# What `find` gives for a row that several existing contacts could be, none of its keys saying which.
AMBIGUOUS = "ambiguous"
# Names listed in the reason an ambiguous row gives; more are counted.
_NAMES_LISTED = 3


@dataclass
class MatchIndex:
    """The owner's contacts by UID, email, phone and name+company, plus the rows of this file seen so far
    (keys "row:N"), so two rows of one file for one person become one contact. Phone numbers are keyed with
    the owner's phone region, so "020 7946 0000" in the file finds "+44 20 7946 0000" for a user in GB.

    A UID is the card itself (Kith's exports write each contact's), so it is looked up first, among the
    owner's own contacts only: another account's UIDs find nothing here. Some programs give several people
    one UID, so a UID whose card bears another name is taken only when an email or a phone number agrees
    too; else it says nothing and the other keys decide. Then email, phone, name and
    company, in that order: the first key that names one contact decides. A key that several contacts share
    (two people at one studio with its address) names none of them by itself: the row's other keys may narrow
    it to one; when they cannot, the row is ambiguous and left out, naming the contacts, rather than given to
    one of them silently."""

    by_uid: dict[str, MatchTarget] = field(default_factory=dict)
    by_email: dict[str, list[MatchTarget]] = field(default_factory=dict)
    by_phone: dict[str, list[MatchTarget]] = field(default_factory=dict)
    by_name: dict[str, list[MatchTarget]] = field(default_factory=dict)
    names: dict[MatchTarget, str] = field(default_factory=dict)
    region: str = ""

    @classmethod
    def build(cls, owner: User) -> MatchIndex:
        index = cls(region=owner.phone_region)
        for pk, name, company, uid in Contact.objects.filter(owner=owner).values_list(
            "pk", "display_name", "company", "uid"
        ):
            index.names[pk] = name
            index.by_uid[uid] = pk
            if key := name_key(name, company):
                _targets_add(index.by_name, key, pk)
        # By contact, so that a contact's values that share a key (a number written twice) come together.
        emails = EmailAddress.objects.filter(owner=owner).order_by("contact_id")
        for contact_id, folded in emails.values_list("contact_id", "address_folded"):
            _targets_add(index.by_email, folded, contact_id)
        phones = PhoneNumber.objects.filter(owner=owner).order_by("contact_id")
        for contact_id, number in phones.values_list("contact_id", "number"):
            if key := phone_key(number, index.region):
                _targets_add(index.by_phone, key, contact_id)
        return index

    def find(self, card: Card) -> tuple[MatchTarget | None, str]:
        """The contact or earlier row `card` is, and why; (None, "") when it is someone new; (AMBIGUOUS, why)
        when several contacts could be it."""
        return self._find(card, self._keys(card))

    def place(self, card: Card, target: MatchTarget) -> tuple[MatchTarget | None, str]:
        """`find`, and when the card is someone new, index it as `target`: its keys are read once for both."""
        keys = self._keys(card)
        found, why = self._find(card, keys)
        if found is None:
            self._add(card, keys, target)
        return found, why

    def _keys(self, card: Card) -> _Keys:
        emails = [(casefold_key(address), address) for address, _label in card.emails]
        phones = [(key, number) for number, _label in card.phones if (key := phone_key(number, self.region))]
        return emails, phones, name_key(card.display_name, card.company), card.uid

    def _find(self, card: Card, keys: _Keys) -> tuple[MatchTarget | None, str]:
        emails, phones, name, uid = keys
        if uid and (found := self.by_uid.get(uid)) is not None and self._same_card(card, keys, found):
            return found, "same card (its UID)"
        ranked = [(self.by_email.get(key), f"same email address {address}") for key, address in emails]
        ranked += [(self.by_phone.get(key), f"same phone number {number}") for key, number in phones]
        if name:
            ranked.append((self.by_name.get(name), "same name and company" if card.company else "same name"))
        found_keys = [(targets, why) for targets, why in ranked if targets]
        for rank, (targets, why) in enumerate(found_keys):
            if len(targets) == 1:
                return targets[0], why
            # Several contacts share this key: the row's other keys may say which one it is.
            candidates, reasons = set(targets), [why]
            for others, also in found_keys[rank + 1 :]:
                if (both := candidates & set(others)) and both != candidates:
                    candidates = both
                    reasons.append(also)
            if len(candidates) == 1:
                return candidates.pop(), " and ".join(reasons)
            return AMBIGUOUS, f"{why} as {self._names(candidates)}: Kith cannot tell which, so it is left out"
        return None, ""

    def _same_card(self, card: Card, keys: _Keys, found: MatchTarget) -> bool:
        """Whether the contact or row `found`, which has the card's UID, is the card: it bears the same name,
        or shares an email or a phone number with it."""
        if casefold_key(self.names.get(found, "")) == casefold_key(card.display_name):
            return True
        emails, phones, _name, _uid = keys
        return any(found in self.by_email.get(key, ()) for key, _address in emails) or any(
            found in self.by_phone.get(key, ()) for key, _number in phones
        )

    def _names(self, targets: set[MatchTarget]) -> str:
        names = sorted(self.names.get(t, "") for t in targets if isinstance(t, int))
        if len(names) > _NAMES_LISTED:
            names = [*names[:_NAMES_LISTED], f"{len(names) - _NAMES_LISTED} others"]
        return f"{', '.join(names[:-1])} and {names[-1]}"

    def _add(self, card: Card, keys: _Keys, target: MatchTarget) -> None:
        emails, phones, name, uid = keys
        self.names[target] = card.display_name
        for key, _address in emails:
            self.by_email.setdefault(key, [target])
        for key, _number in phones:
            self.by_phone.setdefault(key, [target])
        if name:
            self.by_name.setdefault(name, [target])
        if uid:
            self.by_uid.setdefault(uid, target)


def _targets_add(index: dict[str, list[MatchTarget]], key: str, target: MatchTarget) -> None:
    """Index `target` under `key` beside the contacts already there, once: the targets come in order."""
    targets = index.setdefault(key, [])
    if not targets or targets[-1] != target:
        targets.append(target)
