"""Forms for events, quick capture and interactions. Every choice of an object is limited to the user's own
rows, so another user's id is an invalid choice: the form says so and nothing is saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from accounts.choices import Intention, Purpose, Setting
from accounts.models import User
from contacts.models import Contact
from interactions.models import SNOOZE_CHOICES, SNOOZE_DEFAULT_DAYS, Event, Kind

NOTES_MAX_LENGTH = 5000
CONTEXT_MAX_LENGTH = 500
REMIND_NOTE_MAX_LENGTH = 500
ROW_KEY_MAX_LENGTH = 64
# Dates outside these years are typing mistakes; they would also overflow datetime arithmetic near year 1.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200
NOON = dt.time(12, 0)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _check_year(day: dt.date | None) -> dt.date | None:
    if day is not None and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise ValidationError(f"Choose a date between {EARLIEST_YEAR} and {LATEST_YEAR}.")
    return day


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = ["name", "start_date", "end_date", "place", "setting", "notes"]
        labels = {"start_date": "Starts", "end_date": "Ends (optional)"}
        help_texts = {
            "end_date": "For an event over several days, such as a three-day conference.",
            "setting": "Formal (conference, workshop) or informal (party, casual meetup).",
        }
        widgets = {
            "start_date": _date_input(),
            "end_date": _date_input(),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "setting": forms.RadioSelect,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A model field with choices and no default offers a blank "---------" radio; a setting is required.
        self.fields["setting"].choices = Setting.choices

    def clean_start_date(self) -> dt.date | None:
        return _check_year(self.cleaned_data.get("start_date"))

    def clean_end_date(self) -> dt.date | None:
        return _check_year(self.cleaned_data.get("end_date"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "An event cannot end before it starts.")
        return data


class CaptureEventForm(forms.ModelForm):
    """Today's event in one step: a name, a place, a setting."""

    class Meta:
        model = Event
        fields = ["name", "place", "setting"]
        labels = {"name": "Event name"}
        widgets = {"setting": forms.RadioSelect}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["setting"].choices = Setting.choices


class CaptureRowForm(forms.Form):
    """One person met at an event. `link` (the id of a known contact) files the meeting under them instead;
    `decision=new` confirms a new person despite a likely duplicate."""

    name = forms.CharField(max_length=200)
    context = forms.CharField(required=False, max_length=CONTEXT_MAX_LENGTH)
    intention = forms.ChoiceField(choices=Intention.choices, widget=forms.RadioSelect)
    email = forms.EmailField(required=False)
    phone = forms.CharField(required=False, max_length=40)
    company = forms.CharField(required=False, max_length=200)
    row_key = forms.RegexField(required=False, max_length=ROW_KEY_MAX_LENGTH, regex=r"^[A-Za-z0-9_-]+$")
    link = forms.ModelChoiceField(required=False, queryset=Contact.objects.none(), widget=forms.HiddenInput)
    decision = forms.ChoiceField(required=False, choices=[("", ""), ("new", "New person")])
    # The optional "remind me" line: a dated, requested follow-up ("3 December: send the deck").
    remind_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    remind_note = forms.CharField(required=False, max_length=REMIND_NOTE_MAX_LENGTH)

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["link"].queryset = Contact.objects.filter(owner=user)
        # A linked meeting needs no name: the person is known.
        if self.data.get("link"):
            self.fields["name"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        remind_on, note = data.get("remind_on"), (data.get("remind_note") or "").strip()
        if note and remind_on is None and "remind_on" not in self.errors:
            self.add_error("remind_on", "Pick the day to be reminded on.")
        if remind_on is not None and remind_on < timezone.localdate():
            self.add_error("remind_on", "A reminder needs a day from today on.")
        return data


# How many people the contact page's "also with" offers (see InteractionForm).
OFFERED_PEOPLE = 100


class InteractionForm(forms.Form):
    """An interaction with one or more contacts. With `contact` given (the contact page), that contact always
    takes part and `participants` lists the others ("also with")."""

    participants = forms.ModelMultipleChoiceField(
        label="With",
        queryset=Contact.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one person."},
    )
    occurred_on = forms.DateField(label="Date", widget=_date_input())
    occurred_time = forms.TimeField(
        label="Time",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Noon when left empty.",
    )
    kind = forms.ChoiceField(label="Kind", choices=Kind.choices)
    purpose = forms.ChoiceField(
        label="Purpose",
        required=False,
        choices=[("", "Automatic"), *Purpose.choices],
        help_text="Automatic: the intention everyone shares, else the setting (formal is professional).",
    )
    setting = forms.ChoiceField(label="Setting", choices=Setting.choices)
    event = forms.ModelChoiceField(
        label="Event", required=False, queryset=Event.objects.none(), empty_label="No event"
    )
    notes = forms.CharField(
        label="Notes", required=False, max_length=NOTES_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, user: User, *args: Any, contact: Contact | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.contact = user, contact
        people = Contact.objects.filter(owner=user).only("id", "display_name").order_by("display_name", "id")
        selected = {c.pk for c in self.initial.get("participants", [])}
        # Archived people are offered only when they are already in the interaction being edited.
        people = people.filter(archived_at__isnull=True) | people.filter(pk__in=selected)
        if contact is not None:
            people = people.exclude(pk=contact.pk)
            field = self.fields["participants"]
            field.required, field.label = False, "Also with (optional)"
            if not self.is_bound:
                # A blank form on the contact page offers the people seen most recently, not all of them: a
                # checkbox each for 10,000 contacts made the page take seconds. A posted form still accepts
                # any of the user's people.
                recent = people.order_by(F("last_interaction_at").desc(nulls_last=True), "id")
                people = people.filter(pk__in=recent.values("pk")[:OFFERED_PEOPLE])
                field.help_text = f"Up to the {OFFERED_PEOPLE} people you saw most recently."
        self.fields["participants"].queryset = people
        self.fields["event"].queryset = Event.objects.filter(owner=user).order_by("-start_date", "-id")
        self.fields["event"].label_from_instance = lambda e: (
            f"{e.name} ({e.start_date.day} {e.start_date:%b %Y})"
        )

    def clean_occurred_on(self) -> dt.date | None:
        return _check_year(self.cleaned_data.get("occurred_on"))

    def people(self) -> list[Contact]:
        """Everyone taking part, the page's contact first."""
        others = list(self.cleaned_data["participants"])
        return [self.contact, *others] if self.contact is not None else others

    def occurred_at(self) -> dt.datetime:
        """The moment in the user's time zone; a date alone is kept at noon local time (PRODUCT.md)."""
        day, time = self.cleaned_data["occurred_on"], self.cleaned_data.get("occurred_time") or NOON
        return timezone.make_aware(dt.datetime.combine(day, time), self.user.zone)

    def chosen_purpose(self) -> str | None:
        """The purpose chosen, or None for the default rule."""
        return self.cleaned_data.get("purpose") or None


# Follow-ups ----------------------------------------------------------------------------------------------


class SnoozeForm(forms.Form):
    """How long to put a follow-up away: a number of days, or a date of the user's choosing."""

    days = forms.TypedChoiceField(
        label="Snooze for", choices=SNOOZE_CHOICES, coerce=int, initial=SNOOZE_DEFAULT_DAYS, required=False
    )
    until = forms.DateField(label="or until", required=False, widget=_date_input())

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        self.today = today
        super().__init__(*args, **kwargs)

    def clean_until(self) -> dt.date | None:
        until = _check_year(self.cleaned_data.get("until"))
        if until is not None and until <= self.today:
            raise ValidationError("Choose a date after today.")
        return until

    def snooze_until(self) -> dt.date:
        """The chosen date: `until` when given, else today plus the chosen days (a week by default)."""
        until = self.cleaned_data.get("until")
        if until is not None:
            return until
        return self.today + dt.timedelta(days=self.cleaned_data.get("days") or SNOOZE_DEFAULT_DAYS)


class RemindForm(forms.Form):
    """A "remind me on <date>: <note>" for one contact. A `both` contact's reminder also needs a purpose."""

    due_on = forms.DateField(label="Remind me on", widget=_date_input())
    note = forms.CharField(label="About", max_length=REMIND_NOTE_MAX_LENGTH)
    purpose = forms.ChoiceField(label="For", choices=Purpose.choices, required=False)

    def __init__(self, *args: Any, contact: Contact, today: dt.date, **kwargs: Any) -> None:
        self.contact = contact
        self.today = today
        super().__init__(*args, **kwargs)
        if contact.intention != Intention.BOTH:
            del self.fields["purpose"]

    def clean_due_on(self) -> dt.date:
        due_on = _check_year(self.cleaned_data["due_on"])
        assert due_on is not None
        if due_on < self.today:
            raise ValidationError("Choose today or a later date.")
        return due_on


class QuickLogForm(forms.Form):
    """A dashboard's one-click "log": which kind of interaction to record today."""

    purpose = forms.ChoiceField(label="Purpose", choices=Purpose.choices)
