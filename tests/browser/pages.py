"""Kith's own pages, found in the URLconf, and how to open each one (tests/browser/test_every_page.py).

Every named URL pattern outside the excluded namespaces is one of:
- a page: a GET that answers a whole HTML document. Without arguments it needs nothing here; with arguments it
  needs a filler in FILLERS, which gives the URL's kwargs for a user (picking one of the user's own objects,
  or making one when the user has none);
- not a page (NOT_PAGES): a POST-only action, a download, an htmx fragment, a health check, with the reason.
  One with arguments has a filler too, so that tests can show it really is not a page.
A pattern with arguments and no filler, or an unnamed one, is unclassified and fails the tests that read
this catalogue: no page is skipped silently, and a new page without arguments is swept with no test change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.tokens import default_token_generator
from django.db.models import Count
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.confirmations import addresses_sync, confirmation_token
from api.models import Scope
from api.tokens import token_create
from contacts.models import Contact
from followups.links import LinkAction, followup_link_token, unsubscribe_token
from followups.models import FollowUp
from interactions.models import Event, Interaction, Kind, Participation
from tests.factories import ContactFactory, EventFactory, FollowUpFactory, InteractionFactory
from transfer.imports import import_job_create

SAMPLES = Path(__file__).resolve().parent.parent / "samples"

# Whole sites that are not Kith's own pages, by namespace (or, for a single pattern, by URL name), and why.
EXCLUDED: dict[str, str] = {
    "admin": "Django's admin site: staff only, Django's own templates and styles",
    "api": "the JSON API and its OpenAPI schema: tested in tests/test_api*.py",
    "api_docs": "Swagger UI's page: its markup and styles are swagger-ui-dist's (static/vendor/swagger-ui)",
}

# URL names that are not HTML GET pages, and why.
NOT_PAGES: dict[str, str] = {
    "health": "the health check: JSON for load balancers",
    "logout": "POST only (Django's LogoutView)",
    "calendar_renew": "POST only: settings' 'make a new link'",
    "digest_test": "POST only: settings' 'send me a test digest'",
    "address_confirmation_send": "POST only: settings' 'send the link again'",
    "logout_everywhere": "POST only: the Security page's 'log out everywhere else'",
    "contacts_bulk": "POST only: the contact list's bulk actions",
    "contact_duplicates": "an htmx fragment: the duplicate warning under a name being typed",
    "people_search": "an htmx fragment: the people picker's search results",
    "contact_log": "POST only: the contact page's log form",
    "followup_snooze": "POST only",
    "followup_dismiss": "POST only",
    "followup_done": "POST only",
    "followup_request": "POST only: the contact page's 'remind me'",
    "dashboard_log": "POST only: a dashboard's one-click log",
    "import_upload": "POST only: the upload form's target",
    "import_confirm": "POST only",
    "import_discard": "POST only",
    "import_retry": "POST only",
    "backup_restore": "POST only: the restore form's target",
    "calendar_feed": "a download: the private iCalendar feed (.ics)",
    "export_vcard": "a download: contacts as vCard",
    "export_contacts_csv": "a download: contacts as CSV",
    "export_interactions_csv": "a download: interactions as CSV",
    "export_backup": "a download: the JSON backup",
    "manifest": "the web app manifest (JSON)",
    "service_worker": "the service worker's script (JavaScript)",
    "api_token_revoke": "POST only: the API tokens page's 'revoke'",
    "dav_well_known": "CardDAV discovery (RFC 6764): a redirect to the DAV root, for phones",
    "dav_root": "CardDAV for phones (HTTP Basic with an app password): tested in tests/test_dav*.py",
    "dav_principal": "CardDAV for phones: the user's principal and the home of their address books",
    "dav_book": "CardDAV for phones: an address book",
    "dav_card": "CardDAV for phones: one card (text/vcard)",
}

# Pages opened logged out: a logged-in person is sent elsewhere from some of them, and the email links are
# opened from a mail client, where nobody is logged in.
LOGGED_OUT = {
    "login",
    # The code step after the password; opened without one it sends the visitor back to log in.
    "login_code",
    "signup",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "followup_link",
    "digest_unsubscribe",
    "address_confirm",
}


# Fillers: each takes the user and returns the URL's kwargs, for one of the user's own objects (the busiest,
# so the page shows a lot) or for a new one when the user has none.


def _contact(user) -> Contact:
    busiest = (
        Contact.objects.filter(owner=user, archived_at__isnull=True)
        .annotate(seen=Count("participations"))
        .order_by("-seen", "pk")
        .first()
    )
    return busiest or ContactFactory(owner=user)


def _event(user) -> Event:
    busiest = (
        Event.objects.filter(owner=user).annotate(seen=Count("interactions")).order_by("-seen", "pk").first()
    )
    return busiest or EventFactory(owner=user)


def _interaction(user) -> Interaction:
    busiest = (
        Interaction.objects.filter(owner=user)
        .annotate(people=Count("participations"))
        .order_by("-people", "-occurred_at")
        .first()
    )
    return busiest or InteractionFactory(owner=user, contacts=[ContactFactory(owner=user)])


def _followup(user) -> FollowUp:
    return FollowUp.objects.open().filter(owner=user).order_by("due_on", "pk").first() or FollowUpFactory(
        contact=_contact(user)
    )


def _capture_row(user) -> dict[str, object]:
    """A saved row of quick capture: someone met at an event."""
    met = Participation.objects.filter(
        owner=user, interaction__kind=Kind.MET, interaction__event__isnull=False
    ).first()
    if met is None:
        interaction = InteractionFactory(
            owner=user, kind=Kind.MET, event=_event(user), contacts=[ContactFactory(owner=user)]
        )
        met = interaction.participations.get()
    return {"pk": met.pk}


def _offline_event(user) -> dict[str, object]:
    """An event started offline on a phone, named by its client key."""
    event = Event.objects.filter(owner=user, client_key__isnull=False).first()
    return {"client_key": (event or EventFactory(owner=user, client_key="started-offline")).client_key}


def _import_job(user) -> dict[str, object]:
    """A fresh import waiting for its preview to be confirmed, read from a real export."""
    data = (SAMPLES / "google_contacts.csv").read_bytes()
    return {"pk": import_job_create(user, data, "google_contacts.csv").pk}


def _merge(user) -> dict[str, object]:
    people = list(Contact.objects.filter(owner=user).order_by("pk")[:2])
    while len(people) < 2:
        people.append(ContactFactory(owner=user))
    return {"keep": people[0].pk, "other": people[1].pk}


def _password_reset(user) -> dict[str, object]:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return {"uidb64": uid, "token": default_token_generator.make_token(user)}


def _pk(find: Callable[[object], object]) -> Callable[[object], dict[str, object]]:
    return lambda user: {"pk": find(user).pk}  # type: ignore[attr-defined]


FILLERS: dict[str, Callable[[object], dict[str, object]]] = {
    "contact_detail": _pk(_contact),
    "contact_edit": _pk(_contact),
    "contact_relationship": _pk(_contact),
    "contact_archive": _pk(_contact),
    "contact_delete": _pk(_contact),
    "contact_log": _pk(_contact),
    "followup_request": _pk(_contact),
    "dashboard_log": _pk(_contact),
    "event_detail": _pk(_event),
    "event_edit": _pk(_event),
    "capture_event": _pk(_event),
    "capture_row": _capture_row,
    "capture_keyed": _offline_event,
    "interaction_edit": _pk(_interaction),
    "interaction_delete": _pk(_interaction),
    "followup_snooze": _pk(_followup),
    "followup_dismiss": _pk(_followup),
    "followup_done": _pk(_followup),
    "followup_link": lambda user: {
        "action": LinkAction.SNOOZE.value,
        "token": followup_link_token(_followup(user), LinkAction.SNOOZE),
    },
    "digest_unsubscribe": lambda user: {"token": unsubscribe_token(user)},
    "address_confirm": lambda user: {"token": confirmation_token(addresses_sync(user)[0])},
    "calendar_feed": lambda user: {"token": user.calendar_token},
    "import_job": _import_job,
    "import_confirm": _import_job,
    "import_discard": _import_job,
    "import_retry": _import_job,
    "merge_contacts": _merge,
    "api_token_revoke": lambda user: {"pk": token_create(user, "Browser test", Scope.READ)[0].pk},
    "password_reset_confirm": _password_reset,
    "dav_principal": lambda user: {"username": user.username},
    "dav_book": lambda user: {"username": user.username, "book": "all"},
    "dav_card": lambda user: {"username": user.username, "book": "all", "name": _contact(user).card_name},
}


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    has_arguments: bool

    def url(self, user) -> str:
        return reverse(self.name, kwargs=FILLERS[self.name](user) if self.has_arguments else None)


@dataclass
class Catalogue:
    pages: list[Route] = field(default_factory=list)
    not_pages: list[Route] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    # What the tables cannot place, each with what to do about it; empty when the tables are complete.
    unclassified: list[str] = field(default_factory=list)

    def for_account(self, account: str) -> list[Route]:
        """The pages an account opens: the visitor the logged-out ones; the seeded account every other page;
        the empty account those of them without arguments."""
        if account == "visitor":
            return [r for r in self.pages if r.name in LOGGED_OUT]
        mine = [r for r in self.pages if r.name not in LOGGED_OUT]
        return mine if account == "seeded" else [r for r in mine if not r.has_arguments]

    def describe(self) -> str:
        return "\n".join(
            [
                f"{len(self.pages)} pages: {', '.join(r.name for r in self.pages)}",
                f"{len(self.not_pages)} not pages: {', '.join(r.name for r in self.not_pages)}",
                "excluded: " + "; ".join(self.excluded),
            ]
        )


def _walk(resolver: URLResolver, prefix: str, excluded: list[str]) -> Iterator[tuple[str | None, str, bool]]:
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.namespace in EXCLUDED:
                excluded.append(f"{entry.namespace} (/{route}, {EXCLUDED[entry.namespace]})")
                continue
            yield from _walk(entry, route, excluded)
        elif isinstance(entry, URLPattern):
            if entry.name in EXCLUDED:
                excluded.append(f"{entry.name} (/{route}, {EXCLUDED[entry.name]})")
                continue
            yield entry.name, "/" + route, bool(entry.pattern.regex.groupindex or entry.pattern.regex.groups)


def catalogue() -> Catalogue:
    """Every pattern of the URLconf, placed by the tables above."""
    found = Catalogue()
    names = set()
    for name, route, has_arguments in _walk(get_resolver(), "", found.excluded):
        if name is None:
            found.unclassified.append(f"{route}: an unnamed pattern; give it a name")
            continue
        names.add(name)
        if has_arguments and name not in FILLERS:
            found.unclassified.append(
                f"{name} ({route}): its arguments cannot be filled; add a filler to FILLERS in {__name__}"
                " (and to NOT_PAGES, with the reason, if it is not an HTML GET page)"
            )
            continue
        (found.not_pages if name in NOT_PAGES else found.pages).append(Route(name, route, has_arguments))
    for table, entries in (("FILLERS", FILLERS), ("NOT_PAGES", NOT_PAGES), ("LOGGED_OUT", LOGGED_OUT)):
        found.unclassified += [f"{name}: in {table} but not in the URLconf" for name in set(entries) - names]
    return found
