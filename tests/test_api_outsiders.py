"""Every API operation whose path names an owned object answers 404 to another user's token, and changes
nothing. The walk covers every path of the OpenAPI schema: a new route with an id must say here how to make
its object, or this test fails and names it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from api.api import api
from api.models import Scope
from api.tokens import token_create
from tests.factories import (
    ContactFactory,
    EventFactory,
    FollowUpFactory,
    InteractionFactory,
    TagFactory,
    UserFactory,
)

# Path parameter -> a function that makes the owner's object and returns its id.
OWNED_PARAMS: dict[str, Callable[[object], int]] = {
    "contact_id": lambda owner: ContactFactory(owner=owner).pk,
    "event_id": lambda owner: EventFactory(owner=owner).pk,
    "followup_id": lambda owner: FollowUpFactory(contact__owner=owner).pk,
    "interaction_id": lambda owner: InteractionFactory(owner=owner).pk,
    "tag_id": lambda owner: TagFactory(owner=owner).pk,
}
# Path parameters that are not ids of owned objects, and why.
NOT_OWNED = {"group": "a dashboard's name (friendships, network): every user has both"}
# A valid body for each operation that needs one, so that the answer is about the id, not the body.
BODIES: dict[str, dict[str, object]] = {
    "capture_row": {"row_key": "outsider", "name": "Zoe Ward", "intention": "personal"},
    "contact_update": {"circle": "inner"},
    "event_update": {"place": "Lisbon"},
    "followup_snooze": {"days": 3},
    "interaction_update": {"notes": "Coffee"},
    "reminder_create": {"due_on": "2099-01-01", "note": "Ask about the move"},
    "tag_rename": {"name": "renamed"},
}


def _operations() -> list[tuple[str, str, str, list[str]]]:
    schema = api.get_openapi_schema()
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            params = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            if params:
                found.append((path, method, operation["operationId"], params))
    return found


OPERATIONS = _operations()


def test_every_path_parameter_is_in_the_walk():
    names = {name for *_, params in OPERATIONS for name in params}
    missing = names - OWNED_PARAMS.keys() - NOT_OWNED.keys()
    assert not missing, f"add these path parameters to OWNED_PARAMS in {__name__}: {sorted(missing)}"


@pytest.mark.parametrize(
    ("path", "method", "operation_id", "params"),
    [o for o in OPERATIONS if set(o[3]) & OWNED_PARAMS.keys()],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_another_users_id_is_404(client, alice, bob, path, method, operation_id, params):
    url = path
    for name in params:
        url = url.replace("{" + name + "}", str(OWNED_PARAMS[name](alice)))
    bob_token = token_create(bob, "bob", Scope.WRITE)[1]
    alice_token = token_create(alice, "alice", Scope.WRITE)[1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {bob_token}"}
    body = BODIES.get(operation_id)
    if body is None:
        response = getattr(client, method)(url, **headers)
    else:
        response = getattr(client, method)(url, body, "application/json", **headers)
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/problem+json"
    if method in {"patch", "delete"}:
        # Nothing changed: the owner still has the object.
        owner_view = client.get(url, HTTP_AUTHORIZATION=f"Bearer {alice_token}")
        assert owner_view.status_code == 200


def test_logging_out_everywhere_revokes_every_access_token(db, client):
    """A token made by an intruder must not outlive the sessions the user shut them out of."""
    owner, other_owner = UserFactory(), UserFactory()
    _token, secret = token_create(owner, "made by someone else", Scope.WRITE)
    _kept, kept_secret = token_create(other_owner, "not theirs", Scope.READ)
    script = Client()  # the token's user, with no session of its own

    def status(token: str) -> int:
        return script.get("/api/v1/contacts", headers={"Authorization": f"Bearer {token}"}).status_code

    assert status(secret) == 200
    client.force_login(owner)
    client.post(reverse("logout_everywhere"))
    assert status(secret) == 401
    assert status(kept_secret) == 200


def test_ids_in_a_body_are_the_callers_own_or_404(client, alice, bob):
    """An interaction logged or changed with another user's contact or event is refused as if the id did
    not exist, and nothing is written."""
    from interactions.models import Interaction

    theirs, their_event = ContactFactory(owner=alice), EventFactory(owner=alice)
    mine = ContactFactory(owner=bob)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_create(bob, 'bob', Scope.WRITE)[1]}"}
    moment = "2026-03-01T12:00:00Z"
    bodies = [
        {"participants": [mine.pk, theirs.pk], "occurred_at": moment},
        {"participants": [mine.pk], "occurred_at": moment, "event_id": their_event.pk},
    ]
    for body in bodies:
        response = client.post("/api/v1/interactions", body, "application/json", **headers)
        assert response.status_code == 404, response.content
        assert response.json()["errors"][0]["field"] in {"participants.1", "event_id"}
    assert not Interaction.objects.exists()
    logged = client.post(
        "/api/v1/interactions",
        {"participants": [mine.pk], "occurred_at": moment},
        "application/json",
        **headers,
    ).json()
    changed = client.patch(
        f"/api/v1/interactions/{logged['id']}", {"participants": [theirs.pk]}, "application/json", **headers
    )
    assert changed.status_code == 404
    assert client.get(f"/api/v1/interactions/{logged['id']}", **headers).json()["participants"] == [mine.pk]


def test_another_users_tag_or_linked_contact_in_a_request_is_404_naming_it(client, alice, bob):
    from interactions.models import Interaction

    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_create(bob, 'bob', Scope.WRITE)[1]}"}
    listed = client.get("/api/v1/contacts", {"tag": TagFactory(owner=alice).pk}, **headers)
    assert listed.status_code == 404 and listed.json()["errors"][0]["field"] == "tag"
    row = {"row_key": "r1", "name": "Zoe", "intention": "personal", "link": ContactFactory(owner=alice).pk}
    captured = client.post(
        f"/api/v1/events/{EventFactory(owner=bob).pk}/capture", row, "application/json", **headers
    )
    assert captured.status_code == 404 and captured.json()["errors"][0]["field"] == "link"
    assert not Interaction.objects.filter(owner=bob).exists()
