"""HTTP semantics the routes share: entity tags (`ETag`, `If-None-Match` -> 304, `If-Match` -> 412), the
status codes each kind of operation can answer with, and the path parameter type of an object's id."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Path, Schema
from pydantic import Field

from accounts.keyset import BadCursor, KeysetPage, keyset_page
from api.problems import ApiProblem, Problem, field_problem

# The largest id a database column holds: a larger one in a path is a 422, never an overflow inside the
# database driver.
MAX_ID = 2**63 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
# What accounts.keyset cursors are made of (django.core.signing's URL-safe alphabet).
CURSOR_PATTERN = r"^[A-Za-z0-9_:.\-]*$"

# Every status an operation can return besides its successes, by kind of operation.
READ_ONE: dict[int, Any] = {304: None, 401: Problem, 404: Problem, 422: Problem, 429: Problem}
READ_LIST: dict[int, Any] = {304: None, 401: Problem, 404: Problem, 422: Problem, 429: Problem}
WRITE: dict[int, Any] = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 422: Problem, 429: Problem}
WRITE_IF_MATCH: dict[int, Any] = {**WRITE, 412: Problem}


def etag_of(body: Schema) -> str:
    return '"' + hashlib.sha256(body.model_dump_json().encode()).hexdigest()[:32] + '"'


def _tags(header: str, *, weak: bool) -> set[str]:
    """The entity tags of a header. If-None-Match compares weakly (W/"x" is "x"); If-Match strongly
    (RFC 9110): a weak tag never matches, since Kith gives out strong ones only."""
    tags = {tag.strip() for tag in header.split(",") if tag.strip()}
    return {tag.removeprefix("W/") for tag in tags} if weak else tags


def conditional_get[S: Schema](request: HttpRequest, response: HttpResponse, body: S) -> S | HttpResponse:
    """The body with its ETag, or 304 Not Modified when the client's If-None-Match names it already."""
    tag = etag_of(body)
    sent = request.headers.get("If-None-Match", "")
    if sent and (sent.strip() == "*" or tag in _tags(sent, weak=True)):
        not_modified = HttpResponse(status=304)
        del not_modified["Content-Type"]
        not_modified["ETag"] = tag
        return not_modified
    response["ETag"] = tag
    return body


def written[S: Schema](response: HttpResponse, body: S) -> S:
    """A changed resource with its new ETag, so the client's next If-Match needs no GET first."""
    response["ETag"] = etag_of(body)
    return body


def check_if_match(request: HttpRequest, current: Schema) -> None:
    """A write sent with If-Match goes ahead only while the resource is still the one the client read
    (412 otherwise); without the header it is last-write-wins."""
    sent = request.headers.get("If-Match", "")
    if sent and sent.strip() != "*" and etag_of(current) not in _tags(sent, weak=False):
        raise ApiProblem(
            412, "The resource changed since you read it: read it again and send its new ETag in If-Match."
        )


def owned_or_field_404[M: Model](model: type[M], user: Model, pk: int, field: str, noun: str) -> M:
    """The caller's object with the id a request body names; another user's, or none, is 404 naming the
    field (never 403: another user's ids are not even confirmed to exist)."""
    found = model._default_manager.filter(owner=user, pk=pk).first()
    if found is None:
        raise field_problem(field, f"No {noun} with id {pk}.", 404)
    return found


class PageQuery(Schema):
    cursor: str | None = Field(None, max_length=2000, pattern=CURSOR_PATTERN)
    limit: int = Field(25, ge=1, le=100)


def page_of[M: Model](queryset: QuerySet[M], cursor: str | None, limit: int) -> KeysetPage[M]:
    """One page of a list, by the keyset paginator the pages use; a cursor not given out here is 404."""
    try:
        return keyset_page(queryset, cursor, limit)
    except BadCursor:
        raise ApiProblem(404, "No such page: the cursor is not one this list gave out.") from None
