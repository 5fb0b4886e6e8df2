"""An answer other than success, raised anywhere in a request and turned into a response by the view."""

from __future__ import annotations

from django.http import HttpResponse

from dav.davxml import DAV, error_body


class DavError(Exception):
    def __init__(
        self, status: int, message: str = "", body: bytes = b"", headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.body, self.headers = status, message, body, headers or {}

    def response(self) -> HttpResponse:
        if self.body:
            response = HttpResponse(
                self.body, status=self.status, content_type="application/xml; charset=utf-8"
            )
        else:
            response = HttpResponse(
                self.message, status=self.status, content_type="text/plain; charset=utf-8"
            )
        for name, value in self.headers.items():
            response[name] = value
        return response


def condition_failed(condition: str, namespace: str = DAV) -> DavError:
    """A 403 naming the precondition that failed (RFC 4918, 16), such as DAV:valid-sync-token."""
    return DavError(403, condition, error_body(namespace, condition))
