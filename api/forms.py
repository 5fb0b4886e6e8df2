from __future__ import annotations

from django import forms

from accounts.forms import KithForm
from api.models import Scope


class TokenForm(KithForm):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What the token is for, e.g. “Shortcuts on my phone”.",
    )
    scope = forms.ChoiceField(
        label="Access",
        choices=Scope.choices,
        initial=Scope.READ,
        widget=forms.RadioSelect,
        help_text="A read-only token cannot change anything.",
    )
