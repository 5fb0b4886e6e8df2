from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.display import DEFAULT_DATE_STYLE, date_style_override


class UserTimezoneMiddleware:
    """Shows every date and time in the logged-in user's own time zone and date format (accounts.display);
    a visitor who is not logged in sees UTC and the default format."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        style = DEFAULT_DATE_STYLE
        if user is not None and user.is_authenticated:
            timezone.activate(user.zone)
            style = user.date_style
        else:
            timezone.deactivate()
        # The style is reset when the response is made, so a worker thread serving another user next
        # never prints that user's days in this one's format.
        try:
            with date_style_override(style):
                return self.get_response(request)
        finally:
            timezone.deactivate()
