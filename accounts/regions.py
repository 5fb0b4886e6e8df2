"""The phone region setting: the country a number written without its country code belongs to ("020 7946
0000" is a London number for a user whose region is GB).

Regions are the ISO 3166 alpha-2 codes libphonenumber (the `phonenumberslite` package) has numbering plans
for. The suggestion for a user who has not chosen one comes from the time zone database's own table of which
country each zone is in (zone.tab), read from the system's tz database: Python's zoneinfo has no such map,
and phonenumberslite leaves out the time zone data of the full build (which maps numbers to zones anyway,
not zones to countries).
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from pathlib import Path

import phonenumbers
from django.core.exceptions import ValidationError

PHONE_REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS)


def validate_phone_region(value: str) -> None:
    if value and value not in PHONE_REGIONS:
        raise ValidationError(
            "“%(value)s” is not a country Kith knows phone numbers for. Use two letters such as GB, US "
            "or DE.",
            params={"value": value},
            code="invalid_phone_region",
        )


def _zone_tab_text() -> str:
    """zone.tab from the first folder of zoneinfo's search path that has one (the system's tz database,
    which zoneinfo itself reads first); "" when there is none, and then nothing is suggested."""
    for folder in zoneinfo.TZPATH:
        path = Path(folder) / "zone.tab"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return ""


@cache
def _region_by_zone() -> dict[str, str]:
    # zone.tab gives each zone the one country it is in ("GB<TAB>+513030-0000731<TAB>Europe/London").
    # zone1970.tab is not used: it lists several countries for a shared zone (Europe/Zurich is CH, DE and
    # LI), where a suggestion needs one.
    regions: dict[str, str] = {}
    for line in _zone_tab_text().splitlines():
        if line.startswith("#"):
            continue
        columns = line.split("\t")
        if len(columns) >= 3 and columns[0] in PHONE_REGIONS:
            regions[columns[2]] = columns[0]
    return regions


def phone_region_suggest(time_zone: str) -> str:
    """The region of the country the time zone is in ("Europe/London" -> "GB"), or "" for a zone in no one
    country (UTC, an alias such as US/Eastern) or when the system has no tz database."""
    return _region_by_zone().get(time_zone, "")
