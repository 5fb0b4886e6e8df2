from __future__ import annotations

from django import forms

from accounts.choices import Intention
from accounts.forms import KithForm
from contacts.actions import TAG_MAX_LENGTH, tag_names_parse

MAX_BATCH_TAGS = 10


class ImportUploadForm(KithForm):
    file = forms.FileField(
        label="File to import",
        help_text="A vCard file (.vcf), LinkedIn's Connections.csv or a Google Contacts CSV export.",
        error_messages={"empty": "The file is empty.", "required": "Choose a file to import."},
    )


class ImportConfirmForm(KithForm):
    """The intention and tags the person chose for the whole batch."""

    intention = forms.ChoiceField(
        label="Intention for new contacts",
        choices=Intention.choices,
        widget=forms.RadioSelect,
        help_text="Contacts already in Kith keep theirs, and so do people in a vCard exported from Kith.",
    )
    tags = forms.CharField(
        label="Tags for everyone in this file",
        required=False,
        max_length=500,
        help_text="Separated by commas, e.g. “linkedin, 2024”.",
    )

    def clean_tags(self) -> list[str]:
        names = tag_names_parse(self.cleaned_data["tags"])
        if len(names) > MAX_BATCH_TAGS:
            raise forms.ValidationError(f"At most {MAX_BATCH_TAGS} tags.")
        if any(len(n) >= TAG_MAX_LENGTH for n in names):
            raise forms.ValidationError(f"A tag has at most {TAG_MAX_LENGTH - 1} characters.")
        return names


class RestoreForm(KithForm):
    file = forms.FileField(
        label="Kith backup file (.json)",
        error_messages={"empty": "The file is empty.", "required": "Choose a backup file."},
    )
