"""Keyset ("cursor") pagination over any ordered queryset: the next page starts after the last row's sort
key instead of at an offset, so rows added or deleted meanwhile never shift a page, and page 500 costs what
page 1 does (the index serving the order is read from the cursor on).

The keys are read from the queryset's own `order_by`, so a list keeps one definition of its order (e.g.
`contacts.queries.contacts_listed`). Every key must be a column or expression; nulls are placed explicitly
(an OrderBy's nulls_last, else first), so SQLite and PostgreSQL agree. The order must end with a unique key
(`id`), or rows sharing a key could be skipped. The cursor is signed: a client can only hand back one this
module made, and it carries sort values only, never a filter, so it cannot widen what the queryset shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db.models import F, Model, Q, QuerySet
from django.db.models.expressions import OrderBy

_SALT = "accounts.keyset"


class BadCursor(ValueError):
    """A cursor this module did not make, or made for another order."""


@dataclass(frozen=True)
class _Key:
    alias: str
    expression: Any
    descending: bool
    nulls_last: bool
    # A key that is never NULL is ordered without saying where nulls go: PostgreSQL reads an ascending index
    # only for its own placement (nulls last), so "NULLS FIRST" on a name would sort the whole list.
    nullable: bool = True

    def order(self) -> OrderBy:
        if not self.nullable:
            return OrderBy(F(self.alias), descending=self.descending)
        return OrderBy(
            F(self.alias),
            descending=self.descending,
            nulls_last=True if self.nulls_last else None,
            nulls_first=None if self.nulls_last else True,
        )

    def after(self, value: Any) -> Q:
        """Rows strictly after `value` on this key alone."""
        if value is None:
            return Q(**{f"{self.alias}__isnull": False}) if not self.nulls_last else Q(pk__in=[])
        beyond = Q(**{f"{self.alias}__{'lt' if self.descending else 'gt'}": value})
        return beyond | Q(**{f"{self.alias}__isnull": True}) if self.nulls_last else beyond

    def equal(self, value: Any) -> Q:
        return Q(**{f"{self.alias}__isnull": True}) if value is None else Q(**{self.alias: value})

    def reversed(self) -> _Key:
        """The same key read the other way, nulls included: its `after` is this key's "before", and its order
        is this one's exactly reversed, which an index serving this one serves read backwards."""
        return _Key(self.alias, self.expression, not self.descending, not self.nulls_last, self.nullable)


def _nullable(model: type[Model], expression: Any) -> bool:
    """Whether `expression` can be NULL: a column that allows it, or an expression over one (unknown kinds of
    expression count as nullable)."""
    if isinstance(expression, F):
        name = str(expression.deconstruct()[1][0])
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        return bool(getattr(field, "null", True))
    sources = getattr(expression, "get_source_expressions", lambda: None)()
    if not sources or type(expression).__name__ not in _NULL_PRESERVING:
        return True
    return any(_nullable(model, source) for source in sources)


# Functions that are NULL only when an argument is.
_NULL_PRESERVING = {"Lower", "Upper", "Length", "Trim"}


def _keys(queryset: QuerySet[Any]) -> list[_Key]:
    keys = []
    model = queryset.model
    for i, item in enumerate(queryset.query.order_by):
        alias = f"keyset_{i}"
        if isinstance(item, str):
            expression = F(item.lstrip("-"))
            keys.append(_Key(alias, expression, item.startswith("-"), False, _nullable(model, expression)))
        elif isinstance(item, OrderBy):
            nullable = _nullable(model, item.expression)
            keys.append(_Key(alias, item.expression, item.descending, bool(item.nulls_last), nullable))
        else:
            keys.append(_Key(alias, item, False, False, _nullable(model, item)))
    if not keys:
        raise ValueError("Keyset pagination needs an ordered queryset.")
    return keys


def _dump(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    return value


def _load(value: Any) -> Any:
    if isinstance(value, dict):
        if "dt" in value:
            return dt.datetime.fromisoformat(value["dt"])
        if "d" in value:
            return dt.date.fromisoformat(value["d"])
        raise BadCursor("unknown value")
    return value


@dataclass
class KeysetPage[M: Model]:
    items: list[M]
    next_cursor: str | None
    # False when there are rows before the page.
    first: bool = True
    # The page before this one (the rows just before its first), when it is not the first page.
    prev_cursor: str | None = None


def keyset_page[M: Model](queryset: QuerySet[M], cursor: str | None, size: int) -> KeysetPage[M]:
    """One page of `size` rows of `queryset` in its own order, starting after `cursor` (None: the first).
    A cursor made by `prev_cursor` asks for the `size` rows just before the row it was made from: they are
    read in the reversed order and turned round."""
    keys = _keys(queryset)
    signature = [repr(k.expression) + ("-" if k.descending else "+") for k in keys]
    backward = False
    condition = None
    if cursor:
        try:
            data = signing.loads(cursor, salt=_SALT)
            if data.get("o") != signature or len(data.get("v", [])) != len(keys):
                raise BadCursor("another order")
            values = [_load(v) for v in data["v"]]
            backward = data.get("b") is True
        except (signing.BadSignature, AttributeError, TypeError, ValueError) as error:
            raise BadCursor(str(error)) from error
        read = [k.reversed() for k in keys] if backward else keys
        condition = Q(pk__in=[])
        for i in reversed(range(len(read))):
            condition = read[i].after(values[i]) | (read[i].equal(values[i]) & condition)
    read = [k.reversed() for k in keys] if backward else keys
    queryset = queryset.annotate(**{k.alias: k.expression for k in keys}).order_by(*(k.order() for k in read))
    if condition is not None:
        queryset = queryset.filter(condition)
    rows = list(queryset[: size + 1])
    items, more = rows[:size], len(rows) > size

    def at(row: M, *, back: bool = False) -> str:
        values = [_dump(getattr(row, k.alias)) for k in keys]
        return signing.dumps(
            {"o": signature, "v": values, **({"b": True} if back else {})}, salt=_SALT, compress=True
        )

    if backward:
        items.reverse()
        # Read from a later page's first row, so rows follow this page (unless they were all deleted since).
        first = not more
        next_cursor = at(items[-1]) if items else None
    else:
        first = not cursor
        next_cursor = at(items[-1]) if more and items else None
    prev_cursor = at(items[0], back=True) if items and not first else None
    return KeysetPage(items, next_cursor, first=first, prev_cursor=prev_cursor)


@dataclass(frozen=True)
class CappedCount:
    """How many rows a list holds, counted up to a cap: "1,000+" costs what 1,000 does, however long the
    list grows."""

    count: int
    more: bool


def count_capped(queryset: QuerySet[Any], cap: int, page: KeysetPage[Any] | None = None) -> CappedCount:
    """The rows of `queryset`, counted up to `cap`. A first `page` of it that holds them all already says how
    many there are, so nothing more is read: a narrow search, whose count would otherwise walk every row the
    owner has looking for more matches, costs one query instead of two."""
    if page is not None and page.first and page.next_cursor is None and len(page.items) <= cap:
        return CappedCount(len(page.items), False)
    counted = queryset.order_by()[: cap + 1].count()
    return CappedCount(min(counted, cap), counted > cap)


def keyset_page_or_first[M: Model](queryset: QuerySet[M], cursor: str | None, size: int) -> KeysetPage[M]:
    """For the pages: a cursor that is stale, forged or made for another sort shows the first page."""
    try:
        return keyset_page(queryset, cursor, size)
    except BadCursor:
        return keyset_page(queryset, None, size)
