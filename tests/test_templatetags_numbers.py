"""`grouped`: the counts Kith prints have their thousands grouped."""

from __future__ import annotations

import pytest
from django.template import Context, Template


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        (0, "0"),
        (999, "999"),
        (1000, "1,000"),
        (38214, "38,214"),
        (1234567, "1,234,567"),
        (-1500, "-1,500"),
        (None, "None"),
        ("", ""),
        ("12345", "12345"),
        (True, "True"),
    ],
)
def test_integers_are_grouped_and_anything_else_is_left_alone(value, printed):
    template = Template("{% load kith_numbers %}{{ value|grouped }}")
    assert template.render(Context({"value": value})) == printed
