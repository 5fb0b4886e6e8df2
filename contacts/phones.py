"""Phone numbers in one form, E.164 ("+442079460000"), parsed by libphonenumber (the `phonenumberslite`
package), so that "+44 (0) 20 7946 0000", "0044 20 7946 0000" and, for a user whose phone region is GB,
"020 7946 0000" are one number when matching imports and finding duplicates."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from accounts.models import User
from contacts.models import PhoneNumber

# Longer than any number a person writes: libphonenumber gives up on more than 250 characters anyway, and a
# long string costs it time for nothing.
_PARSE_MAX = 100


def phone_e164(number: str, region: str = "") -> str:
    """The number in E.164 when it is a valid or at least possible number, else "".

    A number written without its country code is read as one of `region` (an ISO 3166 code such as "GB", the
    owner's phone region); without a region only numbers written with a country code ("+44 ...", or
    "0044 ...") can be read, because a wrong guess would match the wrong person on import. A number that can
    only be dialled locally (a US number without its area code) has no E.164 form.
    """
    number = number.strip()
    if len(number) > _PARSE_MAX:
        return ""
    if not region and number.startswith("00"):
        # The international prefix of most of the world; with a region libphonenumber knows that region's.
        number = "+" + number[2:]
    try:
        parsed = phonenumbers.parse(number, region or None)
    except NumberParseException:
        return ""
    possible = phonenumbers.is_possible_number_with_reason(parsed) == ValidationResult.IS_POSSIBLE
    if not (possible or phonenumbers.is_valid_number(parsed)):
        return ""
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def phones_renormalise(owner: User) -> int:
    """Work out the E.164 form of every one of the owner's phone numbers again, after their phone region
    changed; returns how many changed."""
    phones = list(PhoneNumber.objects.filter(owner=owner).only("pk", "number", "e164"))
    changed = []
    for phone in phones:
        e164 = phone_e164(phone.number, owner.phone_region)
        if e164 != phone.e164:
            phone.e164 = e164
            changed.append(phone)
    PhoneNumber.objects.bulk_update(changed, ["e164"], batch_size=500)
    return len(changed)
