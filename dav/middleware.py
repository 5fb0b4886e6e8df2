"""A PROPFIND on the site's root `/`, as some CardDAV clients send first, is answered as the DAV root's
(dav.views.site_root_propfind) instead of the CSRF 403 a page's URL gives a request without a token. Every
other request, GET `/` (the home page) among them, goes on as before."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from dav.views import site_root_propfind


class SiteRootPropfindMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "PROPFIND" and request.path_info == "/":
            return site_root_propfind(request)
        return self.get_response(request)
