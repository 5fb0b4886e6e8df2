"""The API object: routes under /api/v1/, the schema at /api/openapi.json, authentication, and every error
as problem details."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from api.auth import SessionAuth, TokenAuth
from api.problems import PROBLEM_TYPE, ApiProblem, FieldError, location_field, problem_response
from api.routes import capture, contacts, dashboards, events, followups, interactions, tags

V1 = "v1"


def _header(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "required": True, "schema": schema}


# The headers a response always carries, by method and status ("*": any method).
_HEADERS: dict[tuple[str, str], dict[str, Any]] = {
    ("get", "200"): {"ETag": _header("Send it back in If-None-Match (304) or If-Match.", {"type": "string"})},
    ("get", "304"): {"ETag": _header("The tag the client holds, still current.", {"type": "string"})},
    ("patch", "200"): {
        "ETag": _header("The changed resource's tag, for the next If-Match.", {"type": "string"})
    },
    ("*", "401"): {"WWW-Authenticate": _header("How to authenticate: a bearer token.", {"type": "string"})},
    ("*", "429"): {
        "Retry-After": _header("Seconds until the token may call again.", {"type": "integer", "minimum": 1})
    },
}


# If-None-Match, optional on every read. If-Match is honoured on every PATCH and DELETE but not listed: any
# value but the current ETag is a 412, so a schema-valid request could not be told from a stale one.
_IF_NONE_MATCH: dict[str, Any] = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "An ETag this client holds: 304 Not Modified while it is still current.",
    "schema": {"type": "string"},
}


class KithApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        """Ninja describes every response as application/json; errors are application/problem+json. The
        headers each answer carries (ETag, Retry-After, WWW-Authenticate) are declared with it, and
        If-None-Match as an optional parameter of the reads."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for methods in schema.get("paths", {}).values():
            for method, operation in methods.items():
                if method == "get" and "304" in map(str, operation["responses"]):
                    operation.setdefault("parameters", []).append(_IF_NONE_MATCH)
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        answer["content"] = {PROBLEM_TYPE: content["application/json"]}
                    headers = _HEADERS.get((method, str(status))) or _HEADERS.get(("*", str(status)))
                    if headers:
                        answer["headers"] = headers
        return schema


api = KithApi(
    title="Kith API",
    version="1",
    description="Contacts, events, interactions, follow-ups and dashboards of one Kith account. "
    "Authenticate with a personal access token (`Authorization: Bearer kith_…`, made in Settings) or, "
    "from the browser, the session with its CSRF token.",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url=None,
    auth=[TokenAuth(), SessionAuth()],
)
for module in (contacts, tags, events, capture, interactions, followups, dashboards):
    api.add_router(f"/{V1}/", module.router)


@api.exception_handler(ApiProblem)
def _problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return problem_response(exc.status, exc.detail, errors=exc.errors, headers=exc.headers)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        FieldError(
            field=location_field(e.get("loc", ())),
            message=str(e.get("msg", "")).removeprefix("Value error, "),
        )
        for e in exc.errors
    ]
    return problem_response(422, "Some fields are not valid: see `errors`.", errors=errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        401,
        "Send a valid token (Authorization: Bearer kith_…) or log in. Revoked tokens are refused.",
        headers={"WWW-Authenticate": 'Bearer realm="kith"'},
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(exc.status_code, str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(404, "Not found.")
