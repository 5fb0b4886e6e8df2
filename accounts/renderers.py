"""Forms drawn without a template per label, option and attribute, for the pages drawn on every visit (the
contacts list, the contact page).

Django draws a form field through a template for the field, one for its label (with one for the label's
attributes), one for its widget (with one for the widget's attributes), one for its errors, and a <select>
through two templates per option: on the contacts list and the contact page, a large part of the time spent
outside SQL. `PlainRenderer` writes the same HTML, byte for byte, in Python for the stock templates and the
plain cases (a label, an input, a textarea, a select without option groups, no errors); anything else (a
fieldset, a custom template, option groups, errors to list) goes to the project's form renderer as before.
tests/test_form_rendering.py holds the two to the same output.

Also here: `ChoicesOnce` and `PlainSelect`, for a select whose options come from the database.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer, get_default_renderer
from django.utils.choices import BaseChoiceIterator
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeData, SafeString, mark_safe

__all__ = ["PLAIN", "ChoicesOnce", "PlainRenderer", "PlainSelect", "PlainSelectMultiple", "html_attrs"]


class _NotPlain(Exception):
    """A case the plain drawing does not cover: the template draws it."""


def _escape(text: str) -> str:
    """django.utils.html.escape without its check for lazy arguments, which cost more than the escaping."""
    return html.escape(text, quote=True)


def _text(value: object) -> str:
    """`{{ value }}` in a template, for the values form templates show: text, escaped unless marked safe."""
    if isinstance(value, SafeData):
        return str(value)
    if isinstance(value, str | Promise):
        return _escape(str(value))
    # Numbers and dates would be localised by the template: left to it.
    raise _NotPlain


def _formatted(value: object) -> str:
    """`{{ value|stringformat:'s' }}` in a template: str() of anything, escaped unless marked safe."""
    if isinstance(value, tuple):  # the filter formats "%s" % value: a tuple would be its arguments
        raise _NotPlain
    text = str(value)
    return text if isinstance(value, SafeData) else _escape(text)


def html_attrs(attrs: dict[str, Any] | None) -> str:
    """HTML attributes as Django's attrs.html writes them, in their order: `True` alone, `False` left out."""
    if not attrs:
        return ""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"')
    return "".join(parts)


def _field(context: dict[str, Any]) -> str:
    # django/forms/field.html, outside a fieldset.
    field = context["field"]
    if field.use_fieldset:
        raise _NotPlain
    label = field.label_tag() if field.label else ""
    help_text = ""
    if field.help_text:
        described = f' id="{_text(field.auto_id)}_helptext"' if field.auto_id else ""
        help_text = f'<div class="helptext"{described}>{field.help_text}</div>'
    return f"\n  {label}\n\n{help_text}\n{field.errors}\n{field}\n".strip()


def _label(context: dict[str, Any]) -> str:
    # django/forms/label.html
    label = _text(context["label"])
    if not context["use_tag"]:
        return label.strip()
    tag = _text(context["tag"])
    return f"<{tag}{html_attrs(context['attrs'])}>{label}</{tag}>"


def _errors(context: dict[str, Any]) -> str:
    # django/forms/errors/list/default.html: nothing when there is nothing to say.
    if context["errors"]:
        raise _NotPlain
    return ""


def _input(context: dict[str, Any]) -> str:
    # django/forms/widgets/input.html, which text.html, date.html and the like include.
    widget = context["widget"]
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    attrs = html_attrs(widget["attrs"])
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{attrs}>'


def _textarea(context: dict[str, Any]) -> str:
    # django/forms/widgets/textarea.html
    widget = context["widget"]
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{html_attrs(widget["attrs"])}>\n{value}</textarea>'


_OPTION = "django/forms/widgets/select_option.html"


def _select(context: dict[str, Any]) -> str:
    # django/forms/widgets/select.html with select_option.html, without option groups.
    widget = context["widget"]
    options = []
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            raise _NotPlain
        for option in group_choices:
            if option["template_name"] != _OPTION:
                raise _NotPlain
            options.append(
                f'\n  <option value="{_formatted(option["value"])}"{html_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
    own = html_attrs(widget["attrs"])
    return f'<select name="{_text(widget["name"])}"{own}>{"".join(options)}\n</select>'


_INPUTS = ("input", "text", "search", "date", "time", "datetime", "number", "email", "url", "tel", "password")
_PLAIN: dict[str, Callable[[dict[str, Any]], str]] = {
    "django/forms/field.html": _field,
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _errors,
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
    **{f"django/forms/widgets/{name}.html": _input for name in _INPUTS},
}


class PlainRenderer(BaseRenderer):
    """The project's form renderer, with the stock templates of plain fields written in Python. A form uses it
    with `default_renderer = PLAIN`."""

    def get_template(self, template_name: str) -> Any:
        return get_default_renderer().get_template(template_name)

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        plain = _PLAIN.get(template_name)
        if plain is not None:
            try:
                return plain(context)
            except _NotPlain:
                pass
        return super().render(template_name, context, request=request)


PLAIN = PlainRenderer()


Choice = tuple[int | str, str]


class ChoicesOnce(BaseChoiceIterator):
    """Choices made on first use, then kept. A form that is never drawn (a valid POST) runs no query for them;
    one that is drawn runs one plain query, where a ModelChoiceField's own choices go through a server-side
    cursor (several round trips on PostgreSQL) and build a model instance per row. A BaseChoiceIterator, so
    that Django keeps it as it is rather than reading it into a list at once."""

    def __init__(self, make: Callable[[], Iterable[Choice]]) -> None:
        self._make = make
        self._choices: list[Choice] | None = None

    def __iter__(self) -> Iterator[Choice]:
        if self._choices is None:
            self._choices = list(self._make())
        return iter(self._choices)


class PlainSelect(forms.Select):
    """A <select> that writes its options itself, as Django's templates write them, without building the
    context of each option first. Django drew the 180 events of a busy user in a fifth of the contact page's
    time. Flat choices only: no option groups."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = set(self.format_value(value))
        # Every value and label is escaped here, so the joined options are safe.
        options = "".join(
            f'\n  <option value="{_escape(key)}"{" selected" if key in chosen else ""}>'
            f"{label if isinstance(label, SafeData) else _escape(str(label))}</option>\n"
            for key, label in self._flat()
        )
        own = html_attrs(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}\n</select>', name, mark_safe(own), mark_safe(options))

    def _flat(self) -> Iterator[tuple[str, Any]]:
        for key, label in self.choices:
            yield ("" if key is None else str(key)), label


class PlainSelectMultiple(PlainSelect, forms.SelectMultiple):
    """PlainSelect for several choices: reads every value posted under the name, draws `multiple`."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        return super().render(name, value, {**(attrs or {}), "multiple": True}, renderer)
