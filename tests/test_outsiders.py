"""Every URL that takes the id of an owned object answers 404 to another user, for GET and for POST.

The walk covers every pattern in the URLconf: a new view with an id must be given a way to build its
object below, or this test fails and says which one is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from api.models import Scope
from api.tokens import token_create
from interactions.models import Kind
from tests.factories import (
    ContactFactory,
    EventFactory,
    FollowUpFactory,
    ImportJobFactory,
    InteractionFactory,
)


def _capture_row(owner: object) -> dict[str, object]:
    """A row of quick capture: someone met at an event."""
    met = InteractionFactory(
        owner=owner, kind=Kind.MET, event=EventFactory(owner=owner), contacts=[ContactFactory(owner=owner)]
    )
    return {"pk": met.participations.get().pk}


# URL name -> a function that, given the owner, makes the object(s) and returns the URL's kwargs.
OWNED_URLS: dict[str, Callable[[object], dict[str, object]]] = {
    "contact_detail": lambda owner: {"pk": ContactFactory(owner=owner).pk},
    "event_detail": lambda owner: {"pk": EventFactory(owner=owner).pk},
    "event_edit": lambda owner: {"pk": EventFactory(owner=owner).pk},
    "capture_event": lambda owner: {"pk": EventFactory(owner=owner).pk},
    "capture_row": _capture_row,
    "capture_keyed": lambda owner: {"client_key": EventFactory(owner=owner, client_key="k1").client_key},
    "contact_edit": lambda owner: {"pk": ContactFactory(owner=owner).pk},
    "contact_relationship": lambda owner: {"pk": ContactFactory(owner=owner).pk},
    "contact_archive": lambda owner: {"pk": ContactFactory(owner=owner).pk},
    "contact_delete": lambda owner: {"pk": ContactFactory(owner=owner).pk},
    "contact_log": lambda owner: {"pk": ContactFactory(owner=owner).pk},
    "interaction_edit": lambda owner: {"pk": InteractionFactory(owner=owner).pk},
    "interaction_delete": lambda owner: {"pk": InteractionFactory(owner=owner).pk},
    "followup_snooze": lambda owner: {"pk": FollowUpFactory(contact__owner=owner).pk},
    "followup_dismiss": lambda owner: {"pk": FollowUpFactory(contact__owner=owner).pk},
    "followup_done": lambda owner: {"pk": FollowUpFactory(contact__owner=owner).pk},
    "followup_request": lambda owner: {"pk": ContactFactory(owner=owner).pk},
    "dashboard_log": lambda owner: {"pk": ContactFactory(owner=owner).pk},
    "import_job": lambda owner: {"pk": ImportJobFactory(owner=owner).pk},
    "import_confirm": lambda owner: {"pk": ImportJobFactory(owner=owner).pk},
    "import_discard": lambda owner: {"pk": ImportJobFactory(owner=owner).pk},
    "import_retry": lambda owner: {"pk": ImportJobFactory(owner=owner).pk},
    "api_token_revoke": lambda owner: {"pk": token_create(owner, "t", Scope.READ)[0].pk},
    "merge_contacts": lambda owner: {
        "keep": ContactFactory(owner=owner).pk,
        "other": ContactFactory(owner=owner).pk,
    },
}

# Patterns with arguments that are not ids of owned objects, and why.
NOT_OWNED = {
    "password_reset_confirm": "takes a signed token, not an object id",
    "followup_link": "a digest link: a signed token for one user and follow-up, tested in test_links",
    "digest_unsubscribe": "a signed token bound to the user's unsubscribe secret, tested in test_links",
    "calendar_feed": "a private token, not an object id; tested in test_calendar_feed",
    "address_confirm": "a signed token for one user's address, tested in test_address_confirmation",
}


def _named_patterns_with_arguments(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, str]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":  # Staff-only, guarded by Django's admin itself.
                continue
            if entry.namespace == "api":  # The JSON API: tests/test_api_outsiders.py walks its routes.
                continue
            yield from _named_patterns_with_arguments(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.pattern.converters and entry.name:
            yield entry.name, prefix + str(entry.pattern)


def test_every_url_with_an_id_is_in_the_walk():
    names = {name for name, _ in _named_patterns_with_arguments(get_resolver())}
    missing = names - OWNED_URLS.keys() - NOT_OWNED.keys()
    assert not missing, f"add these URL names to OWNED_URLS in {__name__}: {sorted(missing)}"


@pytest.mark.parametrize("url_name", sorted(OWNED_URLS))
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_user_gets_404(client, alice, bob, url_name, method):
    url = reverse(url_name, kwargs=OWNED_URLS[url_name](alice))
    client.force_login(bob)
    assert getattr(client, method)(url).status_code == 404


@pytest.mark.parametrize("url_name", sorted(OWNED_URLS))
def test_the_owner_can_open_it(alice_client, alice, url_name):
    url = reverse(url_name, kwargs=OWNED_URLS[url_name](alice))
    assert alice_client.get(url).status_code in {200, 405}


@pytest.mark.parametrize("url_name", sorted(OWNED_URLS))
def test_a_visitor_is_sent_to_log_in(client, alice, url_name):
    url = reverse(url_name, kwargs=OWNED_URLS[url_name](alice))
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
