from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from functools import cache, cached_property
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from accounts.choices import MAX_CADENCE_DAYS, Circle, Purpose
from accounts.display import date_style_choices
from accounts.models import User
from accounts.ratelimit import client_ip, login_limit
from accounts.regions import phone_region_suggest

# The regions of the IANA database offered in the time zone menu. The rest (Etc/GMT+5, US/Eastern, EST5EDT)
# are aliases kept for old systems; they stay valid if typed or already saved, but would only crowd the menu.
_MENU_REGIONS = frozenset(
    [
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    ]
)

CADENCE_FIELDS = [f"{purpose}_{circle}_days" for purpose in Purpose.values for circle in Circle.values]
HOUR_CHOICES = [(hour, f"{hour:02d}:00") for hour in range(24)]
DATE_STYLE_HELP = "How days are written on every page and in your emails."


class NoLabelSuffix:
    """Labels without Django's trailing colon ("Username", not "Username:"): Kith's forms read like an app's,
    not like a stock admin tool's. Django sets the suffix in BaseForm.__init__, not from a class attribute, so
    this mixin, put before the Django form class, passes an empty one unless the caller asks for another.
    Every form in Kith uses it, through KithForm, KithModelForm or, for Django's own forms, directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("label_suffix") is None:
            kwargs["label_suffix"] = ""
        super().__init__(*args, **kwargs)


class KithForm(NoLabelSuffix, forms.Form):
    pass


class KithModelForm(NoLabelSuffix, forms.ModelForm):
    pass


def password_rules_text() -> str:
    """The configured password validators (settings.AUTH_PASSWORD_VALIDATORS) as one short sentence, in
    place of Django's bulleted list: "At least 8 characters; not only digits, nor a common password, nor
    close to your username or email." A validator this does not know adds its own help text, so no rule that
    is checked goes unsaid."""
    length = ""
    nots: dict[int, str] = {}
    others: list[str] = []
    for validator in password_validation.get_default_password_validators():
        if isinstance(validator, password_validation.MinimumLengthValidator):
            length = f"At least {validator.min_length} characters"
        elif isinstance(validator, password_validation.NumericPasswordValidator):
            nots[0] = "only digits"
        elif isinstance(validator, password_validation.CommonPasswordValidator):
            nots[1] = "a common password"
        elif isinstance(validator, password_validation.UserAttributeSimilarityValidator):
            compared = [name for name in ("username", "email") if name in validator.user_attributes]
            if compared:
                nots[2] = f"close to your {' or '.join(compared)}"
            else:
                others.append(validator.get_help_text())
        else:
            others.append(validator.get_help_text())
    parts = []
    if nots:
        said = "not " + ", nor ".join(text for _, text in sorted(nots.items()))
        parts.append(f"{length}; {said}." if length else f"{said[0].upper()}{said[1:]}.")
    elif length:
        parts.append(f"{length}.")
    return " ".join([*parts, *others])


@cache
def _menu_time_zones() -> tuple[tuple[str, Any], ...]:
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name in sorted(zoneinfo.available_timezones()):
        region, _, place = name.partition("/")
        if region in _MENU_REGIONS and place:
            groups[region].append((name, place.replace("_", " ").replace("/", " / ")))
    return (("UTC", "UTC"), *((region, tuple(zones)) for region, zones in sorted(groups.items())))


def time_zone_choices(current: str | None = None) -> list[tuple[str, Any]]:
    """The time zone menu, grouped by region, with UTC first. A saved zone that the menu leaves out (an
    alias such as US/Eastern) is put first, so that saving the form again does not silently change it."""
    choices = list(_menu_time_zones())
    offered = {"UTC"} | {name for _, zones in choices[1:] for name, _ in zones}
    if current and current not in offered:
        choices.insert(0, (current, current))
    return choices


class TimeZoneSelect(forms.Select):
    """A menu of IANA time zones. The field behind it stays a CharField, so the model's own validator
    (validate_time_zone) judges what was posted and gives its clear message for a name it does not know."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, choices=time_zone_choices())

    def build_attrs(
        self, base_attrs: dict[str, Any], extra_attrs: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        # CharField gives its widget a maxlength, which means nothing on a <select>.
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs.pop("maxlength", None)
        return attrs


def _date_style_examples(form: forms.BaseForm, today: dt.date) -> None:
    """Show each date format in the menu as `today` written in it."""
    field = form.fields["date_style"]
    assert isinstance(field, forms.ChoiceField)
    field.choices = date_style_choices(today)


PASSWORDS_DIFFER = "The two passwords are not the same."


def _password_fields_plain(form: forms.BaseForm, new: str, confirm: str, again: str) -> None:
    """Django's new-password pair, said plainly: the rules in one sentence under the password, and the
    confirmation called what it is, with no help text to repeat."""
    form.fields[new].help_text = password_rules_text()
    form.fields[confirm].label = again
    form.fields[confirm].help_text = ""


class PasswordChangeForm(NoLabelSuffix, auth_forms.PasswordChangeForm):
    error_messages = {**auth_forms.PasswordChangeForm.error_messages, "password_mismatch": PASSWORDS_DIFFER}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _password_fields_plain(self, "new_password1", "new_password2", again="New password again")


class SetPasswordForm(NoLabelSuffix, auth_forms.SetPasswordForm):
    error_messages = {**auth_forms.SetPasswordForm.error_messages, "password_mismatch": PASSWORDS_DIFFER}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _password_fields_plain(self, "new_password1", "new_password2", again="New password again")


class PasswordResetForm(NoLabelSuffix, auth_forms.PasswordResetForm):
    pass


class LoginForm(NoLabelSuffix, AuthenticationForm):
    """Django's login form, refusing to try the password once the username or the client address has had
    too many attempts (PRODUCT.md: login is rate limited). Each attempt is counted before the password is
    checked, so guesses sent all at once are counted too; the right password gives its attempt back."""

    rate_limited = False
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match an account.",
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return super().clean()
        limit = login_limit()
        # Usernames are counted case-folded so that "Alice" and "ALICE" share alice's count.
        user_key = f"user:{username.casefold()}"
        keys = [user_key, f"ip:{client_ip(self.request)}"] if self.request else [user_key]
        if not limit.claim(*keys):
            self.rate_limited = True
            raise ValidationError(
                "Too many failed log-in attempts. Wait %(wait)s and try again, or reset your password.",
                code="rate_limited",
                params={"wait": limit.wait_text()},
            )
        cleaned_data = super().clean()
        # The right password ends a run of typos for this username, and the address gets this attempt back
        # but keeps the failed ones, so one account the attacker owns cannot reset the limit on guessing
        # others from the same place.
        limit.clear(user_key)
        limit.refund(*keys[1:])
        return cleaned_data


class SignupForm(NoLabelSuffix, UserCreationForm):
    error_messages = {**UserCreationForm.error_messages, "password_mismatch": PASSWORDS_DIFFER}

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "time_zone", "date_style")
        widgets = {"time_zone": TimeZoneSelect}
        labels = {"date_style": "Date format"}
        help_texts = {
            "time_zone": "Dates, times and the digest hour follow it. You can change it later.",
            "date_style": DATE_STYLE_HELP + " Suggested from your browser's language.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The model leaves email blank for users made in the admin; a person signing up needs one for
        # reminders and password resets.
        self.fields["email"].required = True
        self.fields["email"].help_text = "Follow-up reminders and password reset links go here."
        username = self.fields["username"]
        assert isinstance(username, forms.CharField)
        username.help_text = (
            f"You log in with it: up to {username.max_length} letters, digits, dots, dashes, underscores, "
            "+ or @."
        )
        _password_fields_plain(self, "password1", "password2", again="Password again")
        self.order_fields(["username", "email", "password1", "password2", "time_zone", "date_style"])
        # The view suggests a style from the browser's languages as the initial value; each is shown as
        # today's date would be written in it.
        _date_style_examples(self, timezone.localdate())
        # static/js/kith.js picks the browser's zone in a fresh form; a form sent back with errors keeps
        # the zone chosen.
        if not self.is_bound:
            self.fields["time_zone"].widget.attrs["data-browser-time-zone"] = ""


class SettingsForm(KithModelForm):
    digest_hour = forms.TypedChoiceField(
        label="Digest time",
        choices=HOUR_CHOICES,
        coerce=int,
        help_text="The local hour the digest is sent at.",
        error_messages={"invalid_choice": "Choose an hour from 0 to 23."},
    )

    class Meta:
        model = User
        fields = ["time_zone", "date_style", "phone_region", "digest_frequency", "digest_weekday"]
        fields += ["digest_hour"]
        fields += ["reminder_email", *CADENCE_FIELDS]
        widgets = {
            "time_zone": TimeZoneSelect,
            # "country" is the autofill token for a two-letter country code.
            "phone_region": forms.TextInput(
                attrs={"size": 2, "autocomplete": "country", "autocapitalize": "characters"}
            ),
        }
        labels = {
            "time_zone": "Time zone",
            "date_style": "Date format",
            "phone_region": "Phone region",
            "digest_frequency": "Digest",
            "digest_weekday": "Weekly digest day",
            "reminder_email": "Reminder email",
        }
        help_texts = {
            "time_zone": "Dates, times and the digest hour follow it.",
            "date_style": DATE_STYLE_HELP,
            "phone_region": "The country of phone numbers written without a country code, as two letters "
            "(GB, US, DE). Imports and duplicates match such numbers by it.",
            "digest_frequency": "One email listing the follow-ups that became due, or none at all.",
            "digest_weekday": "Used when the digest is weekly. Network follow-ups are only emailed on "
            "working days, so a weekend digest carries Friendships only, and its Network follow-ups come in "
            "a short digest on Monday at the same hour.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].widget.choices = time_zone_choices(self.instance.time_zone)
        _date_style_examples(self, timezone.localdate(timezone=self.instance.zone))
        # Validation writes the posted values onto the instance: remember the region as it was saved.
        self.saved_phone_region = self.instance.phone_region
        if not self.saved_phone_region and (suggested := phone_region_suggest(self.instance.time_zone)):
            self.initial["phone_region"] = suggested
            self.fields["phone_region"].help_text += " Suggested from your time zone."
        self.fields["reminder_email"].widget.attrs["placeholder"] = self.instance.email
        for name in CADENCE_FIELDS:
            circle = Circle(name.split("_")[1])
            # A form field with its own bounds puts min and max on the input, so the browser helps too.
            self.fields[name] = forms.IntegerField(
                label=f"{circle.label} circle, days",
                min_value=1,
                max_value=MAX_CADENCE_DAYS,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def clean_phone_region(self) -> str:
        return self.cleaned_data["phone_region"].strip().upper()

    @cached_property
    def changed_data(self) -> list[str]:
        # A suggested region is the initial value, so keeping it looks unchanged to Django; it is a change
        # all the same when it was not saved before.
        changed = super().changed_data
        region = getattr(self, "cleaned_data", {}).get("phone_region", self.saved_phone_region)
        if "phone_region" not in changed and region != self.saved_phone_region:
            changed = [*changed, "phone_region"]
        return changed

    def cadence_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The cadence inputs, one group per purpose, in the dashboards' names."""
        titles: dict[str, str] = {
            Purpose.PERSONAL: "Friendships (personal)",
            Purpose.PROFESSIONAL: "Network (professional)",
        }
        return [
            (titles[purpose], [self[f"{purpose}_{circle}_days"] for circle in Circle.values])
            for purpose in Purpose.values
        ]

    def general_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.Meta.fields if name not in CADENCE_FIELDS]


def password_recheck(user: User, password: str, request: HttpRequest | None) -> None:
    """Check the password of someone already logged in (before deleting the account, making an API token,
    turning two-factor login off), counted like a login attempt: a borrowed or stolen session must not be a
    way to guess the password without limit. Raises ValidationError, code "rate_limited" or
    "password_incorrect"."""
    limit = login_limit()
    user_key = f"user:{user.get_username().casefold()}"
    keys = [user_key, f"ip:{client_ip(request)}"] if request else [user_key]
    if not limit.claim(*keys):
        raise ValidationError(
            "Too many wrong passwords. Wait %(wait)s and try again.",
            code="rate_limited",
            params={"wait": limit.wait_text()},
        )
    if not user.check_password(password):
        raise ValidationError("That is not your password.", code="password_incorrect")
    limit.clear(user_key)
    limit.refund(*keys[1:])


class DeleteAccountForm(KithForm):
    """Asks for the password again, so that a borrowed, still logged-in browser cannot delete the account."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        self.user = user
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        try:
            password_recheck(self.user, password, self.request)
        except ValidationError as error:
            if error.code == "password_incorrect":
                raise ValidationError(
                    "That is not your password. Nothing was deleted.", code="password_incorrect"
                ) from None
            raise
        return password
