"""The product's shared vocabulary (PRODUCT.md). It sits in the lowest app so that contacts, interactions
and the user's settings all speak it without importing each other the wrong way."""

from __future__ import annotations

from django.db import models


class Intention(models.TextChoices):
    """Why the user keeps a contact: socializing, networking, or both on purpose."""

    PERSONAL = "personal", "Personal"
    PROFESSIONAL = "professional", "Professional"
    BOTH = "both", "Both"


class Purpose(models.TextChoices):
    """What one interaction was for."""

    PERSONAL = "personal", "Personal"
    PROFESSIONAL = "professional", "Professional"


class Circle(models.TextChoices):
    INNER = "inner", "Inner"
    CLOSE = "close", "Close"
    WIDER = "wider", "Wider"


class Setting(models.TextChoices):
    INFORMAL = "informal", "Informal"
    FORMAL = "formal", "Formal"


# Default cadence in days, by purpose and circle (PRODUCT.md, "The rules"). Users change them in settings.
DEFAULT_CADENCE_DAYS: dict[str, dict[str, int]] = {
    Purpose.PERSONAL: {Circle.INNER: 14, Circle.CLOSE: 30, Circle.WIDER: 180},
    Purpose.PROFESSIONAL: {Circle.INNER: 30, Circle.CLOSE: 90, Circle.WIDER: 180},
}

MAX_CADENCE_DAYS = 3650

# A choices enum's `values` builds a new list on every use; loops over thousands of rows (imports, the
# planner, the clock state) test against these instead.
INTENTIONS = frozenset(Intention.values)
CIRCLES = frozenset(Circle.values)
PURPOSES = tuple(Purpose.values)


def intention_purposes(intention: str) -> list[str]:
    """The purposes whose clocks a contact of this intention keeps: one, or both for `both`."""
    if intention == Intention.BOTH:
        return [Purpose.PERSONAL, Purpose.PROFESSIONAL]
    return [intention]


def setting_purpose(setting: str) -> str:
    """The purpose a setting suggests: formal -> professional, informal -> personal."""
    return Purpose.PROFESSIONAL if setting == Setting.FORMAL else Purpose.PERSONAL


def purpose_setting(purpose: str) -> str:
    """The setting that goes with a purpose or an intention, the other way round: professional -> formal,
    personal (and `both`) -> informal. An interaction logged without a chosen setting ("I reached out", a
    dashboard's one-click log, the contact page's form) takes it."""
    return Setting.FORMAL if purpose == Purpose.PROFESSIONAL else Setting.INFORMAL
