"""The shape of the house (README, "Architecture"): each app a room of readable size, and nothing that reaches
up the layers behind the import contract's back. `make lint` checks the imports themselves (.importlinter)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "accounts",
    "contacts",
    "interactions",
    "followups",
    "dashboards",
    "transfer",
    "dav",
    "demo",
    "config",
]
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 60
MAX_APP_LINES = 2500
# Ways to load a module or model by name, which an import contract cannot see.
BY_NAME = re.compile(r"\bapps\.get_model\(|\bimportlib\b|\bimport_module\(|\bimport_string\(|__import__\(")


def _sources(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("app", APPS)
def test_no_module_is_longer_than_a_reader_can_hold(app):
    long = {
        str(p.relative_to(ROOT)): n
        for p in _sources(app)
        if (n := len(p.read_text().splitlines())) > MAX_FILE_LINES
    }
    assert long == {}, f"modules over {MAX_FILE_LINES} lines"


@pytest.mark.parametrize("app", APPS)
def test_no_function_is_longer_than_a_screen(app):
    long = []
    for path in _sources(app):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    assert long == [], f"functions over {MAX_FUNCTION_LINES} lines"


def test_interactions_holds_only_events_interactions_and_capture():
    lines = sum(len(p.read_text().splitlines()) for p in _sources("interactions"))
    assert lines < MAX_APP_LINES


@pytest.mark.parametrize("app", APPS)
def test_nothing_loads_a_model_or_module_by_name(app):
    """`apps.get_model("followups", ...)` or importlib would reach up the layers unseen by the contract."""
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources(app)
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if BY_NAME.search(line)
    ]
    assert found == []


def test_no_template_comment_spans_lines_and_so_prints_on_the_page():
    """Django's {# #} comment ends at its line; one that goes on is printed to the person as text."""
    spanning = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "{#" in line and "#}" not in line.split("{#", 1)[1]
    ]
    assert spanning == []
