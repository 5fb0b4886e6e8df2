"""Forms of the follow-up pages: snoozing a follow-up and asking to be reminded of a contact."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from accounts.choices import Intention, Purpose
from accounts.dates import date_check
from accounts.forms import KithForm
from contacts.models import Contact
from followups.engine import GROUP_TITLES
from followups.models import SNOOZE_CHOICES, SNOOZE_DEFAULT_DAYS
from interactions.forms import REMIND_NOTE_MAX_LENGTH, date_input


class SnoozeForm(KithForm):
    """How long to put a follow-up away: a number of days, or a date of the user's choosing."""

    days = forms.TypedChoiceField(
        label="Snooze for", choices=SNOOZE_CHOICES, coerce=int, initial=SNOOZE_DEFAULT_DAYS, required=False
    )
    until = forms.DateField(label="or until", required=False, widget=date_input())

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        self.today = today
        super().__init__(*args, **kwargs)

    def clean_until(self) -> dt.date | None:
        until = date_check(self.cleaned_data.get("until"))
        if until is not None and until <= self.today:
            raise ValidationError("Choose a date after today.")
        return until

    def snooze_until(self) -> dt.date:
        """The chosen date: `until` when given, else today plus the chosen days (a week by default)."""
        until = self.cleaned_data.get("until")
        if until is not None:
            return until
        return self.today + dt.timedelta(days=self.cleaned_data.get("days") or SNOOZE_DEFAULT_DAYS)


class RemindForm(KithForm):
    """A "remind me on <date>: <note>" for one contact. A `both` contact's reminder also needs a purpose."""

    due_on = forms.DateField(label="Remind me on", widget=date_input())
    note = forms.CharField(label="About", max_length=REMIND_NOTE_MAX_LENGTH)
    # Named by the group the reminder joins on the Due page and in the digest: Friendships or Network.
    purpose = forms.ChoiceField(
        label="For", choices=[(p, GROUP_TITLES[p]) for p in Purpose.values], required=False
    )

    def __init__(self, *args: Any, contact: Contact, today: dt.date, **kwargs: Any) -> None:
        self.contact = contact
        self.today = today
        super().__init__(*args, **kwargs)
        if contact.intention != Intention.BOTH:
            del self.fields["purpose"]

    def clean_due_on(self) -> dt.date:
        due_on = date_check(self.cleaned_data["due_on"])
        assert due_on is not None
        if due_on < self.today:
            raise ValidationError("Choose today or a later date.")
        return due_on
