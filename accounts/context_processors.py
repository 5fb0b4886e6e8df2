from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

# Which tab of the navigation a page belongs to, by URL name; pages not named here belong to "More".
NAV_TABS: dict[str, str] = {
    "capture": "capture",
    "capture_event": "capture",
    "due": "due",
    "friendships": "friendships",
    "network": "network",
    "home": "home",
    "contact_list": "contacts",
    "contact_detail": "contacts",
    "contact_edit": "contacts",
    "event_list": "events",
    "event_detail": "events",
    "event_create": "events",
    "event_edit": "events",
    "event_compare": "events",
}

PHONE_TABS = frozenset({"capture", "due", "friendships", "network"})


def kith(request: HttpRequest) -> dict[str, object]:
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match else None
    nav_tab = NAV_TABS.get(url_name or "", "more")
    return {
        "allow_signup": settings.ALLOW_SIGNUP,
        "nav_tab": nav_tab,
        # The phone's tab bar has room for four places and More; the rest light up More.
        "phone_tab": nav_tab if nav_tab in PHONE_TABS else "more",
    }
