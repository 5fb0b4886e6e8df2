from __future__ import annotations

from django import forms

from api.forms import TokenForm
from api.models import Scope
from dav.models import Books


class SyncPasswordForm(TokenForm):
    """An API token for a phone, with the address books it offers."""

    books = forms.ChoiceField(
        label="Address books",
        choices=Books.choices,
        initial=Books.ALL,
        widget=forms.RadioSelect,
        help_text="An iPhone or a Mac shows every book the password offers: pick books that do not overlap.",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("initial", {"name": "Phone sync", "scope": Scope.WRITE, "books": Books.ALL})
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
