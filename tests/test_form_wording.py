"""Kith's forms read like an app's, not like a stock admin tool's: labels without Django's trailing colon,
the sign-up page's help in one short line each (the password rules in one sentence made from the configured
validators), and a plain sentence for a wrong password. The words change; what is accepted does not."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import password_validation
from django.test import Client
from django.urls import reverse

from accounts.forms import PasswordChangeForm, SetPasswordForm, SignupForm, password_rules_text
from tests.factories import PASSWORD, ContactFactory

LABELS = re.compile(r"<(label|legend)\b[^>]*>(.*?)</\1>", re.DOTALL)

STOCK_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]


def _labels(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", text).strip() for _, text in LABELS.findall(html)]


def _signup_data(**changes: str) -> dict[str, str]:
    data = {
        "username": "ana",
        "email": "ana@example.com",
        "password1": "tangerine-otter-47",
        "password2": "tangerine-otter-47",
        "time_zone": "Europe/Lisbon",
        "date_style": "iso",
    }
    return {**data, **changes}


@pytest.mark.django_db
def test_no_label_on_the_main_forms_ends_in_a_colon(alice_client, alice):
    visitor = Client()
    contact = ContactFactory(owner=alice)
    pages = {
        "signup": visitor.get(reverse("signup")),
        "login": visitor.get(reverse("login")),
        "settings": alice_client.get(reverse("settings")),
        "contact edit": alice_client.get(reverse("contact_edit", args=[contact.pk])),
        "log interaction": alice_client.get(reverse("interaction_create")),
        "contact page (log form)": alice_client.get(reverse("contact_detail", args=[contact.pk])),
    }
    for name, response in pages.items():
        labels = _labels(response.content.decode())
        assert labels, name
        assert [label for label in labels if label.endswith(":")] == [], name


@pytest.mark.django_db
def test_the_signup_page_says_its_help_in_short_lines(client):
    page = client.get(reverse("signup")).content.decode()
    assert "You log in with it: up to 150 letters, digits, dots, dashes, underscores, + or @." in page
    assert password_rules_text() in page
    assert "Password again" in page
    for stock in (
        "Required. 150 characters or fewer",
        "Password confirmation",
        "Enter the same password as before",
        "<ul",
        "too similar to your other personal information",
    ):
        assert stock not in page, stock


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("validators", "said"),
    [
        (
            STOCK_VALIDATORS,
            "At least 8 characters; not only digits, nor a common password, nor close to your username or "
            "email.",
        ),
        (
            [{"NAME": STOCK_VALIDATORS[1]["NAME"], "OPTIONS": {"min_length": 12}}],
            "At least 12 characters.",
        ),
        ([STOCK_VALIDATORS[3]], "Not only digits."),
        ([], ""),
    ],
)
def test_the_password_rules_are_the_configured_validators_in_one_sentence(settings, validators, said):
    settings.AUTH_PASSWORD_VALIDATORS = validators
    assert password_rules_text() == said
    assert SignupForm().fields["password1"].help_text == said


def test_a_validator_the_sentence_does_not_know_is_said_in_its_own_words(settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        STOCK_VALIDATORS[1],
        {"NAME": "tests.test_form_wording.NoSpaces"},
    ]
    assert password_rules_text() == "At least 8 characters. No spaces."


class NoSpaces:
    def validate(self, password: str, user: object = None) -> None:
        pass

    def get_help_text(self) -> str:
        return "No spaces."


def test_the_sentence_says_every_configured_validator_the_stock_settings_use(settings):
    """Each stock validator has its words in the sentence; a new one in settings without words here would
    show up through its own help text instead (above)."""
    settings.AUTH_PASSWORD_VALIDATORS = STOCK_VALIDATORS
    validators = password_validation.get_default_password_validators()
    assert len(validators) == 4
    text = password_rules_text()
    for validator, words in zip(
        validators,
        ["close to your username or email", "At least 8", "a common password", "only digits"],
        strict=True,
    ):
        assert words in text, validator


@pytest.mark.django_db
def test_signup_still_refuses_what_the_validators_refuse(client):
    for data in (
        _signup_data(password1="short1", password2="short1"),
        _signup_data(password1="12345678901", password2="12345678901"),
        _signup_data(password1="password123", password2="password123"),
        _signup_data(password2="something-else-entirely"),
    ):
        form = SignupForm(data)
        assert not form.is_valid(), data
    assert SignupForm(_signup_data()).is_valid()


@pytest.mark.django_db
def test_passwords_that_differ_are_told_plainly(client):
    page = client.post(reverse("signup"), _signup_data(password2="something-else-entirely")).content.decode()
    assert "The two passwords are not the same." in page
    assert "password fields" not in page


@pytest.mark.django_db
def test_the_password_change_and_reset_forms_say_it_the_same_way(alice):
    for form in (PasswordChangeForm(alice), SetPasswordForm(alice)):
        assert form.fields["new_password1"].help_text == password_rules_text()
        assert form.fields["new_password2"].label == "New password again"
        assert form.label_suffix == ""


@pytest.mark.django_db
def test_a_wrong_password_is_one_plain_sentence(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    page = response.content.decode()
    assert "That username and password do not match an account." in page
    assert "Note that both fields may be case-sensitive" not in page
    assert client.post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code == 302
