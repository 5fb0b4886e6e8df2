"""The forms of the contacts list and the contact page are drawn in Python (accounts.renderers.PlainRenderer)
to spare a template per label, option and attribute. What a person sees must not change: every field draws
exactly what Django's own form templates draw, whatever it holds (text to escape, errors, help text), and what
the plain drawing does not cover goes to the templates."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from accounts.renderers import PLAIN, PlainSelect, PlainSelectMultiple
from contacts.forms import ContactListForm, RelationshipForm
from interactions.forms import InteractionForm
from tests.factories import ContactFactory, EventFactory, TagFactory, UserFactory

STOCK = DjangoTemplates()


def _drawn(form: forms.BaseForm) -> dict[str, str]:
    return {name: str(form[name].as_field_group()) for name in form.fields}


def _same_as_stock(make) -> None:
    """Each field of the form `make(renderer)` builds, drawn plainly and by Django's templates."""
    plain, stock = make(PLAIN), make(STOCK)
    assert plain.renderer is PLAIN
    assert _drawn(plain) == _drawn(stock)


class Everything(forms.Form):
    name = forms.CharField(label="Name <b>", help_text="Help with <i>markup</i> kept", max_length=20)
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3, "data-x": '"quoted" & <>'})
    )
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    kind = forms.ChoiceField(choices=[("", "Any"), ("a&b", "A & B"), ("<c>", mark_safe("<em>C</em>"))])
    count = forms.TypedChoiceField(required=False, choices=[(1, 1), (2, 2)], coerce=int)
    grouped = forms.ChoiceField(required=False, choices=[("Group", [("x", "X"), ("y", "Y")]), ("z", "Z")])
    several = forms.MultipleChoiceField(required=False, choices=[("p", "P"), ("q", "Q")])
    radio = forms.ChoiceField(required=False, choices=[("r", "R"), ("s", "S")], widget=forms.RadioSelect)
    ticked = forms.BooleanField(required=False, label="Ticked?")
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    off = forms.CharField(required=False, widget=forms.TextInput(attrs={"disabled": True, "readonly": False}))


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {
            "name": 'Ana "<script>" & co',
            "notes": "line one\n<b>two</b>",
            "day": "2026-03-04",
            "kind": "a&b",
            "count": "2",
            "grouped": "y",
            "several": ["p", "q"],
            "radio": "s",
            "ticked": "on",
            "hidden": "<h>",
            "secret": "s3&cret",
            "off": "x",
        },
        {"name": "x" * 30, "day": "not a day", "kind": "nope", "several": ["zz"]},
    ],
)
def test_every_kind_of_field_is_drawn_as_django_draws_it(data):
    initial = {"name": "Initial <value>", "day": dt.date(2026, 1, 2)}
    _same_as_stock(lambda renderer: Everything(data, initial=initial, renderer=renderer))


def test_a_form_without_label_suffix_or_ids_is_drawn_as_django_draws_it():
    _same_as_stock(lambda renderer: Everything({}, renderer=renderer, auto_id=False, label_suffix=""))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "ana", "intention": "personal", "tag": "TAG", "sort": "due"},
        {"intention": "x", "tag": "999999"},
    ],
)
def test_the_contacts_list_filters_are_drawn_as_django_draws_them(query):
    user = UserFactory()
    tag = TagFactory(owner=user, name="climbing & <friends>")
    TagFactory(owner=user, name="Lisbon")
    data = {key: str(tag.pk) if value == "TAG" else value for key, value in query.items()}
    _same_as_stock(lambda renderer: ContactListForm(user, data, renderer=renderer))


@pytest.mark.django_db
def test_the_contact_page_forms_are_drawn_as_django_draws_them():
    user = UserFactory()
    contact = ContactFactory(owner=user, display_name="Ana <Núñez>")
    ContactFactory(owner=user, display_name="Bo & Co")
    EventFactory(owner=user, name="Climb <night>")
    _same_as_stock(lambda renderer: RelationshipForm(instance=contact, renderer=renderer))
    _same_as_stock(
        lambda renderer: RelationshipForm({"intention": "nope"}, instance=contact, renderer=renderer)
    )
    for data in (None, {"occurred_on": "yesterday", "kind": "nope", "notes": "<b>hi</b>"}):
        _same_as_stock(
            lambda renderer, data=data: InteractionForm(user, data, contact=contact, renderer=renderer)
        )


@pytest.mark.parametrize("value", [None, "", "b", ["a", "c"]])
def test_a_plain_select_draws_what_a_select_draws(value):
    choices = [("", "None yet"), ("a", "A & <a>"), ("b", mark_safe("<em>B</em>")), (3, "Three")]
    plain, select = PlainSelect(choices=choices), forms.Select(choices=choices)
    attrs = {"id": "id_x", "required": True}
    if not isinstance(value, list):
        assert plain.render("x", value, attrs) == select.render("x", value, attrs, renderer=STOCK)
    several = PlainSelectMultiple(choices=choices[1:])
    stock_several = forms.SelectMultiple(choices=choices[1:])
    assert several.render("x", value, attrs) == stock_several.render("x", value, attrs, renderer=STOCK)
