from __future__ import annotations

import calendar
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.choices import Circle, Intention
from accounts.dates import EARLIEST_YEAR, LATEST_YEAR, year_check
from accounts.forms import KithForm, KithModelForm
from accounts.models import User
from accounts.renderers import PLAIN, ChoicesOnce, PlainSelect
from contacts.actions import TAG_MAX_LENGTH, BulkAction, tag_names_parse
from contacts.models import Contact, MyCard, Tag
from contacts.policy import Health
from contacts.queries import ContactFilters, Sort, Status
from contacts.text import MAX_QUERY_LENGTH

# What one contact holds at most, here and wherever contacts are written in bulk (imports, merges).
MAX_EMAILS = 10
MAX_PHONES = 10
MAX_TAGS = 30
# Links come from imports only (the form shows none): more than any profile lists, few enough for a page.
MAX_LINKS = 20
PHONE_MAX_LENGTH = 40


def _any(label: str, choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", label), *choices]


class ContactListForm(KithForm):
    """The contacts list's search, filters and sort, read from the query string. A value that does not fit
    (an unknown choice, another user's tag) is reported on its field and ignored; the rest still apply."""

    default_renderer = PLAIN
    q = forms.CharField(label="Search", required=False, max_length=MAX_QUERY_LENGTH)
    intention = forms.ChoiceField(label="Intention", required=False, choices=_any("Any", Intention.choices))
    circle = forms.ChoiceField(label="Circle", required=False, choices=_any("Any", Circle.choices))
    health = forms.ChoiceField(label="Health", required=False, choices=_any("Any", Health.choices))
    tag = forms.ModelChoiceField(
        label="Tag", required=False, queryset=Tag.objects.none(), empty_label="Any", widget=PlainSelect
    )
    status = forms.TypedChoiceField(
        label="Show", required=False, choices=Status.choices, empty_value=Status.ACTIVE
    )
    sort = forms.TypedChoiceField(
        label="Sort by", required=False, choices=Sort.choices, empty_value=Sort.NAME
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget = forms.SearchInput(
            attrs={"placeholder": "Name, company, notes, tags", "autocomplete": "off", "maxlength": 200}
        )
        tags = Tag.objects.filter(owner=user)
        # The queryset says what a query string may choose, the widget's choices what the form draws (one
        # plain query, only when drawn): in this order, because setting the queryset resets the choices.
        field = cast(forms.ModelChoiceField, self.fields["tag"])
        field.queryset = tags
        field.widget.choices = ChoicesOnce(lambda: [("", "Any"), *tags.values_list("pk", "name")])

    def filters(self) -> ContactFilters:
        """The filters to apply: the valid fields' values, defaults for the rest."""
        self.is_valid()
        data = self.cleaned_data
        tag = data.get("tag")
        return ContactFilters(
            query=data.get("q", ""),
            intention=data.get("intention", ""),
            circle=data.get("circle", ""),
            health=data.get("health", ""),
            tag_id=tag.pk if tag else None,
            status=data.get("status") or Status.ACTIVE,
            sort=data.get("sort") or Sort.NAME,
        )


class BulkChangeForm(KithForm):
    """One change to the contacts ticked in the list. Only the owner's contacts are valid choices, so another
    user's id makes the whole form invalid and nothing changes."""

    contacts = forms.ModelMultipleChoiceField(
        queryset=Contact.objects.none(),
        error_messages={"required": "Tick at least one contact first."},
    )
    action = forms.ChoiceField(choices=BulkAction.choices)
    intention = forms.ChoiceField(required=False, choices=_any("Choose…", Intention.choices))
    circle = forms.ChoiceField(required=False, choices=_any("Choose…", Circle.choices))
    tag = forms.CharField(required=False, max_length=TAG_MAX_LENGTH)

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contacts = cast(forms.ModelMultipleChoiceField, self.fields["contacts"])
        contacts.queryset = Contact.objects.filter(owner=user)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        needs = {
            BulkAction.SET_INTENTION: ("intention", "Choose the intention to set."),
            BulkAction.SET_CIRCLE: ("circle", "Choose the circle to set."),
            BulkAction.ADD_TAG: ("tag", "Type the tag to add."),
            BulkAction.REMOVE_TAG: ("tag", "Type the tag to remove."),
        }
        if (need := needs.get(data.get("action", ""))) and not (data.get(need[0]) or "").strip():
            self.add_error(need[0], need[1])
        return data

    def value(self) -> str:
        action = self.cleaned_data["action"]
        if action == BulkAction.SET_INTENTION:
            return self.cleaned_data["intention"]
        if action == BulkAction.SET_CIRCLE:
            return self.cleaned_data["circle"]
        return self.cleaned_data.get("tag", "")


class RelationshipForm(KithModelForm):
    """Intention and circle, changed in place on the contact page."""

    default_renderer = PLAIN

    class Meta:
        model = Contact
        fields = ["intention", "circle"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every contact has an intention: no blank "---------" choice.
        cast(forms.ChoiceField, self.fields["intention"]).choices = Intention.choices


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class ContactForm(KithModelForm):
    """Every detail of a contact, with emails and phones one per line and tags separated by commas."""

    emails = forms.CharField(
        label="Email addresses",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text="One per line.",
    )
    phones = forms.CharField(
        label="Phone numbers",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text="One per line. Start with + and the country code so imports can match them.",
    )
    tags = forms.CharField(
        label="Tags",
        required=False,
        max_length=2000,
        help_text="Separated by commas, e.g. climbing, Lisbon.",
    )

    class Meta:
        model = Contact
        fields = [
            "display_name",
            "given_name",
            "family_name",
            "company",
            "title",
            "intention",
            "circle",
            "notes",
            "birthday_day",
            "birthday_month",
            "birthday_year",
            "personal_cadence_days",
            "professional_cadence_days",
            "reminders_paused",
        ]
        labels = {
            "display_name": "Name",
            "given_name": "Given name",
            "family_name": "Family name",
            "birthday_day": "Day",
            "birthday_month": "Month",
            "birthday_year": "Year (optional)",
            "personal_cadence_days": "Personal cadence",
            "professional_cadence_days": "Professional cadence",
            "reminders_paused": "Pause reminders for this person",
        }
        help_texts = {
            "personal_cadence_days": "Days between follow-ups; empty for your default.",
            "professional_cadence_days": "Days between follow-ups; empty for your default.",
        }
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["emails"] = "\n".join(e.address for e in self.instance.emails.all())
            self.initial["phones"] = "\n".join(p.number for p in self.instance.phones.all())
            self.initial["tags"] = ", ".join(t.name for t in self.instance.tags.all())
        cast(forms.ChoiceField, self.fields["intention"]).choices = Intention.choices
        self.fields["birthday_month"] = forms.TypedChoiceField(
            label="Month",
            required=False,
            coerce=int,
            empty_value=None,
            choices=[("", "—"), *((m, calendar.month_name[m]) for m in range(1, 13))],
        )
        for name in ("birthday_day", "birthday_year"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"
        self.fields["birthday_year"].widget.attrs.update(min=EARLIEST_YEAR, max=LATEST_YEAR)

    def clean_birthday_year(self) -> int | None:
        # Checked here, before the model's own validators, so that it says what every date field says.
        return year_check(self.cleaned_data.get("birthday_year"))

    def clean_emails(self) -> list[str]:
        addresses = _lines(self.cleaned_data["emails"])
        if len(addresses) > MAX_EMAILS:
            raise ValidationError(f"At most {MAX_EMAILS} email addresses.")
        for address in addresses:
            if len(address) > 254:
                raise ValidationError("An email address is at most 254 characters.")
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(f"“{address[:60]}” is not an email address.") from None
        return addresses

    def clean_phones(self) -> list[str]:
        numbers = _lines(self.cleaned_data["phones"])
        if len(numbers) > MAX_PHONES:
            raise ValidationError(f"At most {MAX_PHONES} phone numbers.")
        if any(len(n) > PHONE_MAX_LENGTH for n in numbers):
            raise ValidationError(f"A phone number is at most {PHONE_MAX_LENGTH} characters.")
        return numbers

    def clean_tags(self) -> list[str]:
        if any(len(" ".join(raw.split())) > TAG_MAX_LENGTH for raw in self.cleaned_data["tags"].split(",")):
            raise ValidationError(f"A tag is at most {TAG_MAX_LENGTH} characters.")
        names = tag_names_parse(self.cleaned_data["tags"])
        if len(names) > MAX_TAGS:
            raise ValidationError(f"At most {MAX_TAGS} tags.")
        return names


class MyCardForm(KithModelForm):
    """The user's own card, as people will scan it."""

    class Meta:
        model = MyCard
        fields = ["name", "email", "phone", "company", "job_title", "url"]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})}
