"""Text folding for search and duplicate warnings: pure functions, no database.

Kith searches a denormalised column, `Contact.search_text`, holding the contact's name, company, job title,
notes and tag names folded by `text_fold` (case-folded, accents stripped). A query is folded the same way and
matched with a plain substring test, so "nunez" finds "Ñúñez" identically on SQLite and PostgreSQL: both sides
of the comparison are made by this one Python function, never by a database's own idea of accents.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher

# Letters that Unicode does not decompose into a base letter and an accent, folded the way people type them.
_UNDECOMPOSED = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "\u0131": "i", "ħ": "h"}
)
_WORD = re.compile(r"[^\W_]+")

# Longest query and most words a search looks at; more says nothing a person typed on purpose.
MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 8
# Two names this alike (difflib's ratio over their sorted words) are likely one person: "Jon Smith" and
# "John Smith" are 0.95, "Ana Núñez" and "Ana Nunes" 0.89, "Ana Núñez" and "Ann Nolan" 0.56.
SIMILAR_NAME_RATIO = 0.85
# Folded lines remembered, of values up to this length: an import folds the same company, job title, note
# and tag names thousands of times (a tenth of writing 10,000 vCards went to folding).
_LINES_REMEMBERED = 4096
_REMEMBERED_LENGTH = 200


def text_fold(value: str) -> str:
    """`value` case-folded, with accents removed: "Ñúñez" -> "nunez", "Straße" -> "strasse"."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.translate(_UNDECOMPOSED)


def casefold_key(value: str) -> str:
    """What two tag names or two email addresses share when they are the same, ignoring case: Python's
    `str.casefold()` ("Straße" and "STRASSE", "ΟΔΟΣ" and "οδος"). Kith stores it beside the value (the
    `*_folded` columns) and compares only that, never a database's lower(): SQLite's folds ASCII alone, and
    PostgreSQL's follows the server's locale ("İ" is "i" there, and "i̇" in Python), so the two sides of one
    comparison used to disagree."""
    return value.casefold()


def fold_words(value: str) -> list[str]:
    """The folded words of `value`, punctuation dropped."""
    return _WORD.findall(text_fold(value))


def fold_line(value: str) -> str:
    """The folded words of `value`, separated by single spaces: "Ñúñez, Ana" -> "nunez ana"."""
    if len(value) > _REMEMBERED_LENGTH:
        return " ".join(fold_words(value))
    return _fold_line_remembered(value)


@functools.lru_cache(maxsize=_LINES_REMEMBERED)
def _fold_line_remembered(value: str) -> str:
    return " ".join(fold_words(value))


def search_text_from(parts: Iterable[str]) -> str:
    """The folded text a contact is searched by, one line per part (a line break never matches a query
    word, so words of two parts cannot run together into a false match)."""
    return "\n".join(fold_line(part) for part in parts if part)


def search_words(query: str) -> list[str]:
    """The folded words of a search query, each of which a result must contain."""
    return fold_words(query[:MAX_QUERY_LENGTH])[:MAX_QUERY_WORDS]


def names_similar(a: str, b: str) -> bool:
    """Whether two names are likely the same person, ignoring case, accents, punctuation and word order.

    True when one name's words are all among the other's ("Ana" and "Ana Núñez", "Núñez, Ana" and "Ana
    Núñez") or when the names are nearly the same letters ("Jon Smith" and "John Smith").
    """
    words_a, words_b = set(fold_words(a)), set(fold_words(b))
    if not words_a or not words_b:
        return False
    if words_a <= words_b or words_b <= words_a:
        return True
    ratio = SequenceMatcher(None, " ".join(sorted(words_a)), " ".join(sorted(words_b))).ratio()
    return ratio >= SIMILAR_NAME_RATIO
