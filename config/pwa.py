"""What makes Kith an installable web app: the manifest (/manifest.webmanifest), the service worker (/sw.js)
and the page it shows when a page that needs the server is opened offline (/offline/).

The service worker is hand-written (static/js/sw.js). It is served from the site's root, not from /static/,
so that its scope covers every page; this view puts in the URLs of the files it keeps for offline use (their
hashed names once collectstatic has run) and a version made from them, so a new release installs a new
worker. The offline page is plain wiring too: it says the page needs the server, in Kith's layout.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

# Colours of static/css/kith.css: --bg for the splash screen, --surface for the top bar the browser draws.
BACKGROUND_COLOUR = "#f7f6f2"
THEME_COLOUR = "#ffffff"

ICONS = [
    ("img/icon-192.png", "192x192", "any"),
    ("img/icon-512.png", "512x512", "any"),
    ("img/icon-maskable-512.png", "512x512", "maskable"),
]

# The app shell the service worker keeps from its install on: the files every page loads.
SHELL_FILES = [
    "css/kith.css",
    "vendor/htmx/htmx-2.0.11.min.js",
    "js/kith.js",
    "js/outbox.js",
    "img/kith.svg",
    *(path for path, _, _ in ICONS),
]


@require_safe
@cache_control(max_age=3600)
def manifest(request: HttpRequest) -> JsonResponse:
    data = {
        "id": "/",
        "name": "Kith",
        "short_name": "Kith",
        "description": "Who you met, why you know them, and when to get back in touch.",
        "start_url": reverse("capture"),
        "scope": "/",
        "display": "standalone",
        "background_color": BACKGROUND_COLOUR,
        "theme_color": THEME_COLOUR,
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in ICONS
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json")


def _static_bytes(path: str) -> bytes:
    return Path(str(finders.find(path))).read_bytes()


def _version(config: dict[str, object], source: str) -> str:
    """Changes whenever the worker or any file of the shell does (in development their names carry no hash),
    so the browser installs a new worker and the shell is fetched again."""
    digest = hashlib.sha256((json.dumps(config) + source).encode())
    for path in SHELL_FILES:
        digest.update(_static_bytes(path))
    return digest.hexdigest()[:12]


@require_safe
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    config: dict[str, object] = {
        "shell": [static(path) for path in SHELL_FILES],
        "outbox": static("js/outbox.js"),
        "offline": reverse("offline"),
        "captureOffline": reverse("capture_offline"),
        "capture": reverse("capture"),
        "myCard": reverse("my_card"),
        # Kept at install, for a phone that goes offline before opening them.
        "keep": [reverse("capture"), reverse("my_card")],
        "staticPrefix": static(""),
    }
    source = _static_bytes("js/sw.js").decode()
    config["version"] = _version(config, source)
    body = f"self.KITH_CONFIG = {json.dumps(config)};\n{source}"
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_safe
def offline(request: HttpRequest) -> HttpResponse:
    """What the service worker shows for a page it has not kept when there is no connection."""
    return render(request, "offline.html")
