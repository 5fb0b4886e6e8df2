"""Forms for events, quick capture and interactions. Every choice of an object is limited to the user's own
rows, so another user's id is an invalid choice: the form says so and nothing is saved."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.db.models import Q, QuerySet
from django.forms.boundfield import BoundField
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from accounts.choices import Intention, Purpose, Setting
from accounts.dates import EARLIEST_DATE, LATEST_DATE, date_check
from accounts.forms import KithForm, KithModelForm
from accounts.models import User
from accounts.pages import parse_id
from accounts.renderers import PLAIN, Choice, ChoicesOnce, PlainSelect, PlainSelectMultiple
from contacts.models import Contact
from interactions.capture import CaptureInput
from interactions.models import Event, Kind

NOTES_MAX_LENGTH = 5000
CONTEXT_MAX_LENGTH = 500
REMIND_NOTE_MAX_LENGTH = 500
ROW_KEY_MAX_LENGTH = 64
NOON = dt.time(12, 0)


def local_moment(day: dt.date, time: dt.time | None, zone: dt.tzinfo) -> dt.datetime:
    """A day and a time in the user's time zone; a day alone is kept at noon local time (PRODUCT.md)."""
    return timezone.make_aware(dt.datetime.combine(day, time or NOON), zone)


def date_input() -> forms.DateInput:
    """A browser's date picker, offering only the years every date field accepts (accounts.dates)."""
    bounds = {"min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()}
    return forms.DateInput(attrs={"type": "date", **bounds}, format="%Y-%m-%d")


class EventForm(KithModelForm):
    class Meta:
        model = Event
        fields = ["name", "start_date", "end_date", "place", "setting", "notes"]
        labels = {"start_date": "Starts", "end_date": "Ends (optional)"}
        help_texts = {
            "end_date": "For an event over several days, such as a three-day conference.",
            "setting": "Formal (conference, workshop) or informal (party, casual meetup).",
        }
        widgets = {
            "start_date": date_input(),
            "end_date": date_input(),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "setting": forms.RadioSelect,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A model field with choices and no default offers a blank "---------" radio; a setting is required.
        cast(forms.ChoiceField, self.fields["setting"]).choices = Setting.choices

    def clean_start_date(self) -> dt.date | None:
        return date_check(self.cleaned_data.get("start_date"))

    def clean_end_date(self) -> dt.date | None:
        return date_check(self.cleaned_data.get("end_date"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "An event cannot end before it starts.")
        return data


class CaptureEventForm(KithModelForm):
    """Today's event in one step: a name, a place, a setting."""

    class Meta:
        model = Event
        fields = ["name", "place", "setting"]
        labels = {"name": "Event name"}
        widgets = {"setting": forms.RadioSelect}

    # The key of an event started offline (static/js/outbox.js), so that sending it twice saves it once.
    client_key = forms.RegexField(
        required=False, max_length=ROW_KEY_MAX_LENGTH, regex=r"^[A-Za-z0-9_-]+$", widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["setting"]).choices = Setting.choices
        # Most events people capture at are informal; one tap changes it, and none is needed to start.
        self.fields["setting"].initial = Setting.INFORMAL


class CaptureRowForm(KithForm):
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
    remind_on = forms.DateField(required=False, widget=date_input())
    remind_note = forms.CharField(required=False, max_length=REMIND_NOTE_MAX_LENGTH)

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["link"]).queryset = Contact.objects.filter(owner=user)
        # A linked meeting needs no name: the person is known.
        if self.data.get("link"):
            self.fields["name"].required = False

    def clean_remind_on(self) -> dt.date | None:
        return date_check(self.cleaned_data.get("remind_on"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        remind_on, note = data.get("remind_on"), (data.get("remind_note") or "").strip()
        if note and remind_on is None and "remind_on" not in self.errors:
            self.add_error("remind_on", "Pick the day to be reminded on.")
        if remind_on is not None and remind_on < timezone.localdate():
            self.add_error("remind_on", "A reminder needs a day from today on.")
        return data

    def capture_input(self) -> CaptureInput:
        """The valid row, as interactions.capture takes it."""
        data = self.cleaned_data
        return CaptureInput(
            name=data["name"],
            intention=data["intention"],
            context=data["context"],
            email=data["email"],
            phone=data["phone"],
            company=data["company"],
            row_key=data["row_key"],
            link=data["link"],
            confirmed_new=data["decision"] == "new",
            remind_on=data["remind_on"],
            remind_note=data["remind_note"],
        )


# How many people the people picker offers without JavaScript: a <select multiple> of the people seen most
# recently (see InteractionForm). With JavaScript the picker searches all of them (views.people_search).
RECENT_PEOPLE = 30


class PickerBoundField(BoundField):
    """The people picker's field (_people_picker.html). Without JavaScript it is a <select multiple> of the
    people offered; with it, a search box over all the user's people (`search_url`) above the people `chosen`
    so far, each a ticked checkbox that stays while the person searches again."""

    @cached_property
    def chosen(self) -> list[tuple[str, str]]:
        """The people chosen (posted, or taking part in the interaction being edited), as (value, label).
        Only the offered ones, so an id that is not the user's own is never drawn."""
        widget = self.field.widget
        wanted = set(widget.format_value(self.value()))
        return [(str(key), label) for key, label in widget.choices if str(key) in wanted]

    @property
    def search_url(self) -> str:
        contact = cast("InteractionForm", self.form).contact
        url = reverse("people_search")
        return f"{url}?exclude={contact.pk}" if contact is not None else url


NO_EVENT = "No event"


# The months as %b writes them, looked up rather than formatted: the event menu labels every event a user has.
_MONTHS = [dt.date(2000, month, 1).strftime("%b") for month in range(1, 13)]


def _event_label(name: str, start: dt.date) -> str:
    return f"{name} ({start.day} {_MONTHS[start.month - 1]} {start.year})"


def _event_choices(events: QuerySet[Event]) -> list[Choice]:
    rows = events.values_list("pk", "name", "start_date")
    return [("", NO_EVENT), *((pk, _event_label(name, start)) for pk, name, start in rows)]


class EventChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Event) -> str:
        return _event_label(obj.name, obj.start_date)


class InteractionForm(KithForm):
    """An interaction with one or more contacts. With `contact` given (the contact page), that contact always
    takes part and `participants` lists the others ("also with").

    The choices drawn and the choices accepted differ: the people picker draws the people seen most recently
    and those already chosen (see `_offered_people`; with JavaScript it searches the rest), but accepts any of
    the user's people, so each choice field validates against its queryset and draws from its widget's
    `choices`."""

    default_renderer = PLAIN
    participants = forms.ModelMultipleChoiceField(
        label="With",
        queryset=Contact.objects.none(),
        widget=PlainSelectMultiple,
        bound_field_class=PickerBoundField,
        error_messages={"required": "Choose at least one person."},
    )
    occurred_on = forms.DateField(label="Date", widget=date_input())
    occurred_time = forms.TimeField(
        label="Time",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Noon when left empty.",
    )
    kind = forms.ChoiceField(label="Kind", choices=Kind.choices, widget=PlainSelect)
    purpose = forms.ChoiceField(
        label="Purpose",
        required=False,
        choices=[("", "Automatic"), *Purpose.choices],
        widget=PlainSelect,
        help_text="Automatic: the intention everyone shares, else the setting (formal is professional).",
    )
    setting = forms.ChoiceField(label="Setting", choices=Setting.choices, widget=PlainSelect)
    event = EventChoiceField(
        label="Event",
        required=False,
        queryset=Event.objects.none(),
        empty_label=NO_EVENT,
        widget=PlainSelect,
    )
    notes = forms.CharField(
        label="Notes", required=False, max_length=NOTES_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, user: User, *args: Any, contact: Contact | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.contact = user, contact
        people = Contact.objects.filter(owner=user).only("id", "display_name").order_by("display_name", "id")
        selected = {c.pk for c in self.initial.get("participants", [])}
        # Archived people are offered only when they are already in the interaction being edited. One filter
        # rather than two querysets joined by |, which Django takes twice as long to turn into SQL.
        active = Q(archived_at__isnull=True)
        people = people.filter(active | Q(pk__in=selected) if selected else active)
        field = cast(forms.ModelMultipleChoiceField, self.fields["participants"])
        if contact is not None:
            people = people.exclude(pk=contact.pk)
            field.required, field.label = False, "Also with (optional)"
        # The queryset says what a POST may choose, the widget's choices what the form draws: in this order,
        # because setting the queryset resets the widget's choices.
        field.queryset = people
        field.widget.choices = ChoicesOnce(lambda: self._offered_people(people, selected))
        events = Event.objects.filter(owner=user).order_by("-start_date", "-id")
        event_field = cast(EventChoiceField, self.fields["event"])
        event_field.queryset = events
        event_field.widget.choices = ChoicesOnce(lambda: _event_choices(events))

    def _offered_people(self, people: QuerySet[Contact], selected: set[int]) -> list[Choice]:
        """The people picker's choices, by name: the people seen most recently (then people never seen, the
        first added first), and whoever is chosen already (the interaction being edited, or a rejected POST,
        so that it comes back as it was sent). An option each for 10,000 contacts made the page take
        seconds."""
        # Seen people first, through the index contact_owner_last: ordering on "last seen, nulls last" in one
        # query would sort every contact of the user.
        seen = people.filter(last_interaction_at__isnull=False).order_by("-last_interaction_at", "id")
        never = people.filter(last_interaction_at__isnull=True).order_by("id")
        chosen = self._chosen(selected)
        if not chosen:
            # The usual case, the contact page: the ids stay in the database as subqueries, so the names come
            # in one query, or in two when the user has seen fewer than RECENT_PEOPLE people.
            recent = Q(pk__in=seen.values("pk")[:RECENT_PEOPLE])
            offered: list[Choice] = list(people.filter(recent).values_list("pk", "display_name"))
            if len(offered) < RECENT_PEOPLE:
                fill = Q(pk__in=never.values("pk")[: RECENT_PEOPLE - len(offered)])
                offered = list(people.filter(recent | fill).values_list("pk", "display_name"))
            return offered
        ids = list(seen.values_list("pk", flat=True)[:RECENT_PEOPLE])
        if len(ids) < RECENT_PEOPLE:
            ids += never.values_list("pk", flat=True)[: RECENT_PEOPLE - len(ids)]
        return list(people.filter(pk__in=[*ids, *chosen]).values_list("pk", "display_name"))

    def _chosen(self, selected: set[int]) -> list[int]:
        """The people ticked in a POST, or taking part in the interaction being edited."""
        if not self.is_bound:
            return list(selected)
        widget = self.fields["participants"].widget
        ticked = widget.value_from_datadict(self.data, self.files, self.add_prefix("participants")) or []
        ticked = [ticked] if isinstance(ticked, str) else ticked
        return [pk for pk in (parse_id(str(value)) for value in ticked) if pk is not None]

    def clean_occurred_on(self) -> dt.date | None:
        return date_check(self.cleaned_data.get("occurred_on"))

    def people(self) -> list[Contact]:
        """Everyone taking part, the page's contact first."""
        others = list(self.cleaned_data["participants"])
        return [self.contact, *others] if self.contact is not None else others

    def occurred_at(self) -> dt.datetime:
        """The moment in the user's time zone; a date alone is kept at noon local time (PRODUCT.md)."""
        data = self.cleaned_data
        return local_moment(data["occurred_on"], data.get("occurred_time"), self.user.zone)

    def chosen_purpose(self) -> str | None:
        """The purpose chosen, or None for the default rule."""
        return self.cleaned_data.get("purpose") or None
