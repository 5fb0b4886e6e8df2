"""The dashboards' one form."""

from __future__ import annotations

from django import forms

from accounts.choices import Purpose
from accounts.forms import KithForm


class QuickLogForm(KithForm):
    """A dashboard's one-click "log": which kind of interaction to record today."""

    purpose = forms.ChoiceField(label="Purpose", choices=Purpose.choices)
