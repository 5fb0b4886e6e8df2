"""The API object: routes under /api/v1/, the schema at /api/openapi.json, authentication, and every error
as problem details."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from api.auth import SessionAuth, TokenAuth
from api.problems import PROBLEM_TYPE, ApiProblem, FieldError, location_field, problem_response
from api.routes import browse, capture, contacts, followups

V1 = "v1"


class KithApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        """Ninja describes every response as application/json; errors are application/problem+json."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        answer["content"] = {PROBLEM_TYPE: content["application/json"]}
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
for module in (contacts, capture, followups, browse):
    api.add_router(f"/{V1}/", module.router)


@api.exception_handler(ApiProblem)
def _problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return problem_response(exc.status, exc.detail, errors=exc.errors, headers=exc.headers)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        FieldError(field=location_field(e.get("loc", ())), message=str(e.get("msg", ""))) for e in exc.errors
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
