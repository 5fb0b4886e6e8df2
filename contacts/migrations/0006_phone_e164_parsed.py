"""Stored phone numbers are normalised again, now by libphonenumber with the owner's phone region: the old
hand-made rule turned "+44 (0) 20 7946 0000" into "+4402079460000", which matched nothing.

The parsing is copied from contacts.phones.phone_e164 as it was when this migration was written, so that the
migration keeps doing what it did when that function changes. Every owner's region is still empty here (the
field is new), so this fixes the numbers written with their country code; a user who then chooses a region
gets their national numbers normalised when they save it.
"""

import phonenumbers
from django.db import migrations

_PARSE_MAX = 100


def _e164(number, region):
    number = number.strip()
    if len(number) > _PARSE_MAX:
        return ""
    if not region and number.startswith("00"):
        number = "+" + number[2:]
    try:
        parsed = phonenumbers.parse(number, region or None)
    except phonenumbers.NumberParseException:
        return ""
    possible = (
        phonenumbers.is_possible_number_with_reason(parsed) == phonenumbers.ValidationResult.IS_POSSIBLE
    )
    if not (possible or phonenumbers.is_valid_number(parsed)):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def renormalise(apps, schema_editor):
    PhoneNumber = apps.get_model("contacts", "PhoneNumber")
    changed = []
    rows = PhoneNumber.objects.values_list("pk", "number", "e164", "owner__phone_region").iterator(
        chunk_size=2000
    )
    for pk, number, old, region in rows:
        if (new := _e164(number, region)) != old:
            changed.append(PhoneNumber(pk=pk, e164=new))
    PhoneNumber.objects.bulk_update(changed, ["e164"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0005_timeline_summary"),
        ("accounts", "0003_user_phone_region"),
    ]

    operations = [migrations.RunPython(renormalise, migrations.RunPython.noop)]
