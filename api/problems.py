"""Errors as RFC 9457 problem details (`application/problem+json`), one shape for every failure the API
returns, naming the field at fault when there is one, and the exceptions the routes raise to send them."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from django.http import HttpResponse
from ninja import Schema

PROBLEM_TYPE = "application/problem+json"


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    """What went wrong. `errors` names each field at fault (dotted, e.g. `emails.1`)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    errors: list[FieldError] = []


class ApiProblem(Exception):
    """Raised by a route or the authentication to answer with a problem."""

    def __init__(
        self,
        status: int,
        detail: str = "",
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


def field_problem(field: str, message: str, status: int = 422) -> ApiProblem:
    return ApiProblem(status, message, errors=[FieldError(field=field, message=message)])


def problem_response(
    status: int,
    detail: str = "",
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "errors": [e.model_dump() for e in errors or []],
    }
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def location_field(loc: tuple[Any, ...] | list[Any]) -> str:
    """A Pydantic error location as a field name: ("body", "payload", "emails", 1) -> "emails.1"."""
    parts = [str(part) for part in loc]
    while parts and parts[0] in {"body", "query", "path", "header", "cookie", "payload", "filters", "data"}:
        parts.pop(0)
    return ".".join(parts) or "body"
