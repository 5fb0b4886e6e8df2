from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from collections.abc import Collection
from functools import cache
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.choices import DEFAULT_CADENCE_DAYS, MAX_CADENCE_DAYS, Circle, Purpose
from accounts.display import DATE_STYLE_CHOICES, DATE_STYLES, DEFAULT_DATE_STYLE
from accounts.regions import validate_phone_region
from accounts.signals import sessions_ended, settings_changed


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


class KithUserManager(UserManager["User"]):
    """Django's user manager. Users it makes (`createsuperuser`, management commands, benchmarks) were made by
    the operator, not by a visitor, so their addresses count as confirmed; sign-up and the admin's "add user"
    save the model through a form instead and confirm from the link like everyone else."""

    def create_user(
        self, username: str, email: str | None = None, password: str | None = None, **extra_fields: Any
    ) -> User:
        user = super().create_user(username, email, password, **extra_fields)
        user.addresses_mark_confirmed()
        return user

    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra_fields: Any
    ) -> User:
        user = super().create_superuser(username, email, password, **extra_fields)
        user.addresses_mark_confirmed()
        return user


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
    # Mixed into the session hash (get_session_auth_hash): "log out everywhere" renews it, which ends every
    # session but the one that asked. Empty until then, so Django's own hash, and every session, stay valid.
    session_secret = models.CharField(max_length=64, blank=True, default="", editable=False)
    # When the user asked for the account to be deleted (accounts.deletion): the account is shut at once and
    # the worker deletes it. Empty for every other account.
    deletion_requested_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects: ClassVar[KithUserManager] = KithUserManager()

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
            # The deletion sweep's "accounts asked to be deleted a while ago and still here"
            # (accounts.deletion.account_deletions_due).
            models.Index(
                fields=["deletion_requested_at"],
                condition=Q(deletion_requested_at__isnull=False),
                name="user_deletion_requested",
            ),
        ]

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def reminder_address(self) -> str:
        return self.reminder_email or self.email

    def addresses(self) -> list[str]:
        """The user's email addresses (the account's, the reminder address), case-folded, without repeats."""
        return list(
            dict.fromkeys(a.strip().casefold() for a in (self.email, self.reminder_email) if a.strip())
        )

    def addresses_mark_confirmed(self, now: dt.datetime | None = None) -> None:
        """Count every address of the user as confirmed: for users the operator made (the command line, the
        demo), who have no one to confirm them from a link."""
        now = now or timezone.now()
        for address in self.addresses():
            AddressConfirmation.objects.update_or_create(
                owner=self, address=address, defaults={"confirmed_at": now, "send_at": None}
            )

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        if not self.session_secret:
            return super()._get_session_auth_hash(secret=secret)  # type: ignore[misc]
        return salted_hmac(
            "accounts.User.session_auth_hash",
            f"{self.password}\n{self.session_secret}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

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

    def sessions_end_all(self) -> None:
        """Log out every session of the user, wherever it is: the session hash each one carries no longer
        matches. The caller keeps its own session with update_session_auth_hash."""
        self.session_secret = new_secret()
        self.save(update_fields=["session_secret"])
        sessions_ended.send(sender=type(self), user=self)

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


class AddressConfirmation(models.Model):
    """One email address of a user (the account's or the reminder address, case-folded) and whether its owner
    has confirmed it from the link sent to it (accounts.confirmations). Only a confirmed address receives
    digests and test digests, or one in its grace period: the addresses stored before confirmation existed
    kept receiving digests for 14 days (migration 0006). A row whose address the user no longer has is
    deleted, so an address given up and taken back must be confirmed again.

    The confirmation email is scheduled work in this row: `send_at` says when it is due (empty: none wanted);
    a sender claims it by moving `send_at` one lease ahead with a conditional UPDATE and clears it once sent,
    so it goes exactly once however many ticks and tasks look at it."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="address_confirmations")
    address = models.CharField(max_length=254)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    grace_until = models.DateTimeField(null=True, blank=True)
    send_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "address"], name="addressconfirmation_unique"),
        ]
        indexes = [
            # The beat tick's "confirmation emails waiting to be sent".
            models.Index(
                fields=["send_at"], condition=Q(send_at__isnull=False), name="addressconfirmation_send"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address} ({'confirmed' if self.confirmed_at else 'waiting'})"

    def receives_digests(self, now: dt.datetime) -> bool:
        """Confirmed, or still in the grace period of an address stored before confirmation existed."""
        return self.confirmed_at is not None or (self.grace_until is not None and now < self.grace_until)


class LoginRecord(models.Model):
    """One login, for the Security page's "recent logins" and the new-device email (accounts.devices). The
    client address is kept coarse (a /24 or /48 network), which says where without saying who."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="logins")
    at = models.DateTimeField()
    device_id = models.CharField(max_length=32)
    user_agent = models.CharField(max_length=300, blank=True)
    network = models.CharField(max_length=64, blank=True)
    new_device = models.BooleanField(default=False)

    class Meta:
        indexes = [
            # The Security page's "this user's recent logins, newest first".
            models.Index(fields=["owner", "-at"], name="loginrecord_owner_at"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} at {self.at:%Y-%m-%d %H:%M}"
