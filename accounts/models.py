from __future__ import annotations

import secrets
import zoneinfo
from collections.abc import Collection
from functools import cache

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.choices import DEFAULT_CADENCE_DAYS, MAX_CADENCE_DAYS, Circle, Purpose
from accounts.display import DATE_STYLE_CHOICES, DATE_STYLES, DEFAULT_DATE_STYLE
from accounts.regions import validate_phone_region
from accounts.signals import settings_changed


@cache
def _time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _time_zone_names():
        raise ValidationError(
            "“%(value)s” is not a time zone Kith knows. Use an IANA name such as Europe/London or "
            "America/New_York.",
            params={"value": value},
            code="invalid_time_zone",
        )


def _cadence_field(purpose: str, circle: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        f"{purpose} cadence, {circle} circle (days)",
        default=DEFAULT_CADENCE_DAYS[purpose][circle],
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CADENCE_DAYS)],
    )


def new_secret() -> str:
    """A fresh random token for a private link: the one-click unsubscribe, the calendar feed."""
    return secrets.token_urlsafe(32)


# The settings that decide when the digest goes out. Changing one clears `next_digest_at`, so the next tick
# works the moment out again.
DIGEST_SCHEDULE_FIELDS = frozenset({"time_zone", "digest_hour", "digest_frequency", "digest_weekday"})


class DigestFrequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    OFF = "off", "Off"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class User(AbstractUser):
    """A Kith user and their settings. Every other object in Kith belongs to exactly one user."""

    email = models.EmailField("email address", blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    # How days are printed on every page and in every email (accounts.display).
    date_style = models.CharField(
        "date format", max_length=16, choices=DATE_STYLE_CHOICES, default=DEFAULT_DATE_STYLE
    )
    # Empty until the user chooses one: then only numbers written with their country code are normalised.
    phone_region = models.CharField(
        max_length=2,
        blank=True,
        validators=[validate_phone_region],
        help_text="ISO 3166 country code (GB, US) of phone numbers written without a country code.",
    )
    digest_hour = models.PositiveSmallIntegerField(
        default=8, validators=[MaxValueValidator(23)], help_text="Local hour (0-23) the digest is sent at."
    )
    digest_frequency = models.CharField(
        max_length=8, choices=DigestFrequency.choices, default=DigestFrequency.DAILY
    )
    digest_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.MONDAY, help_text="The day a weekly digest is sent on."
    )
    reminder_email = models.EmailField(
        blank=True, help_text="Where follow-up emails go; the account's email address when empty."
    )
    personal_inner_days = _cadence_field(Purpose.PERSONAL, Circle.INNER)
    personal_close_days = _cadence_field(Purpose.PERSONAL, Circle.CLOSE)
    personal_wider_days = _cadence_field(Purpose.PERSONAL, Circle.WIDER)
    professional_inner_days = _cadence_field(Purpose.PROFESSIONAL, Circle.INNER)
    professional_close_days = _cadence_field(Purpose.PROFESSIONAL, Circle.CLOSE)
    professional_wider_days = _cadence_field(Purpose.PROFESSIONAL, Circle.WIDER)
    # The secret the digest's one-click List-Unsubscribe link is bound to. Such a link never expires (mail
    # clients keep it for as long as they keep the email), so changing the digest setting renews the secret
    # and with it retires every unsubscribe link sent before.
    unsubscribe_secret = models.CharField(max_length=64, default=new_secret, editable=False)
    # The private calendar feed's address is this token; making a new link revokes the old one.
    calendar_token = models.CharField(max_length=64, unique=True, default=new_secret, editable=False)
    # When the digest tick next needs to look at this user; empty means "at the next tick", which is what a
    # new user or a changed schedule gets, so nothing outside the engine has to know the digest rules.
    next_digest_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(digest_hour__lte=23), name="user_digest_hour_0_23"),
            models.CheckConstraint(condition=Q(digest_weekday__lte=6), name="user_digest_weekday_0_6"),
            models.CheckConstraint(
                condition=Q(digest_frequency__in=DigestFrequency.values), name="user_digest_frequency_valid"
            ),
            models.CheckConstraint(
                condition=Q(date_style__in=list(DATE_STYLES)), name="user_date_style_valid"
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{p}_{c}_days__gte": 1, f"{p}_{c}_days__lte": MAX_CADENCE_DAYS}),
                    name=f"user_{p}_{c}_days_range",
                )
                for p in Purpose.values
                for c in Circle.values
            ),
        ]
        indexes = [
            # The digest tick's "users whose digest time has come": digests on, next_digest_at <= now or
            # unset.
            models.Index(
                fields=["next_digest_at"],
                condition=~Q(digest_frequency=DigestFrequency.OFF),
                name="user_next_digest",
            ),
        ]

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def reminder_address(self) -> str:
        return self.reminder_email or self.email

    def cadence_days(self, purpose: str, circle: str) -> int:
        """The user's default cadence for one purpose and circle."""
        return getattr(self, f"{purpose}_{circle}_days")

    def cadence_table(self) -> dict[str, dict[str, int]]:
        return {p: {c: self.cadence_days(p, c) for c in Circle.values} for p in Purpose.values}

    def settings_save(self, changed: Collection[str]) -> None:
        """Save settings the user changed (field names in `changed`) and tell the apps built on accounts.

        1. A change of the digest frequency renews the unsubscribe secret, so the one-click unsubscribe links
           of earlier emails stop working.
        2. A change of the digest schedule clears `next_digest_at`: the next tick works out the moment again.
        3. Save, then send `settings_changed`, so the follow-ups are re-planned when the time zone or a
           cadence default moved (interactions listens; accounts cannot import it).
        """
        changed = frozenset(changed)
        if "digest_frequency" in changed:
            self.unsubscribe_secret = new_secret()
        if changed & DIGEST_SCHEDULE_FIELDS:
            self.next_digest_at = None
        self.save()
        if changed:
            settings_changed.send(sender=type(self), user=self, changed=changed)

    def digests_turn_off(self) -> None:
        """The one-click unsubscribe: no more digests. The secret stays, so a mail client repeating the POST
        gets the same answer; turning digests on again in settings renews it."""
        self.digest_frequency = DigestFrequency.OFF
        self.next_digest_at = None
        self.save(update_fields=["digest_frequency", "next_digest_at"])

    def calendar_token_renew(self) -> None:
        """A new calendar feed address; the old one stops working at once."""
        self.calendar_token = new_secret()
        self.save(update_fields=["calendar_token"])


class RateCounter(models.Model):
    """How many events one key (a username, an email or client address) had in one window of a rate limit
    (accounts.ratelimit). The key is kept only as a keyed hash; rows of long-ended windows are deleted."""

    scope = models.CharField(max_length=32)
    key_hash = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # One row per key and window: the row a concurrent request inserted is the one both count in.
            models.UniqueConstraint(fields=["scope", "key_hash", "window_start"], name="ratecounter_unique")
        ]
        indexes = [
            # The clean-up's "rows of windows that started more than a day ago".
            models.Index(fields=["window_start"], name="ratecounter_window_start"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key_hash[:8]} {self.window_start:%Y-%m-%d %H:%M}: {self.count}"
