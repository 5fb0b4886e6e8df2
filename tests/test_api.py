"""The JSON API (/api/v1/): tokens and their scopes, ownership, HTTP semantics (ETag, 304, 412, 429, problem
details), cursor pagination and the capture call's idempotence."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from api.models import AccessToken, Scope
from api.tokens import token_create
from contacts.models import Contact
from followups.models import FollowUp, FollowUpState
from interactions.models import Interaction
from tests.factories import PASSWORD, ContactFactory, EventFactory, FollowUpFactory, TagFactory

V1 = "/api/v1"


@pytest.fixture
def alice_token(alice):
    return token_create(alice, "test", Scope.WRITE)[1]


def auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_a_token_reads_its_owners_contacts_only(client, alice, bob, alice_token):
    ContactFactory(owner=alice, display_name="Ana")
    ContactFactory(owner=bob, display_name="Bruno")
    response = client.get(f"{V1}/contacts", **auth(alice_token))
    assert response.status_code == 200
    assert [c["display_name"] for c in response.json()["items"]] == ["Ana"]


def test_no_token_or_an_unknown_one_is_401_as_problem_details(client, db):
    for headers in ({}, auth("kith_not-a-real-token")):
        response = client.get(f"{V1}/contacts", **headers)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == 401


def test_a_revoked_token_is_refused_at_once(client, alice):
    token, raw = token_create(alice, "phone", Scope.WRITE)
    assert client.get(f"{V1}/contacts", **auth(raw)).status_code == 200
    client.force_login(alice)
    client.post(reverse("api_token_revoke", args=[token.pk]))
    client.logout()
    assert client.get(f"{V1}/contacts", **auth(raw)).status_code == 401


def test_an_account_being_deleted_is_refused_before_the_worker_deletes_it(client, alice, bob):
    raw = token_create(alice, "phone", Scope.WRITE)[1]
    bobs = token_create(bob, "phone", Scope.WRITE)[1]
    client.force_login(alice)
    client.post(reverse("account_delete"), {"password": PASSWORD})
    assert User.objects.filter(pk=alice.pk).exists()
    assert client.get(f"{V1}/contacts", **auth(raw)).status_code == 401
    assert client.get(f"{V1}/contacts", **auth(bobs)).status_code == 200


def test_a_read_token_cannot_write(client, alice):
    raw = token_create(alice, "read", Scope.READ)[1]
    contact = ContactFactory(owner=alice, display_name="Ana")
    assert client.get(f"{V1}/contacts/{contact.pk}", **auth(raw)).status_code == 200
    writes = [
        client.post(
            f"{V1}/contacts", {"display_name": "X", "intention": "personal"}, "application/json", **auth(raw)
        ),
        client.patch(f"{V1}/contacts/{contact.pk}", {"circle": "inner"}, "application/json", **auth(raw)),
        client.delete(f"{V1}/contacts/{contact.pk}", **auth(raw)),
    ]
    assert [w.status_code for w in writes] == [403, 403, 403]
    contact.refresh_from_db()
    assert contact.circle == "close"


def test_only_the_hash_of_a_token_is_stored(alice):
    token, raw = token_create(alice, "x", Scope.READ)
    assert raw.startswith("kith_") and len(raw) > 40
    assert raw not in {token.token_hash, token.prefix}
    assert not AccessToken.objects.filter(token_hash=raw).exists()


def test_create_token_prints_the_token_once(alice):
    out = io.StringIO()
    call_command("create_token", "--user", alice.username, "--scope", "write", "--name", "cli", stdout=out)
    raw = out.getvalue().strip()
    token = AccessToken.objects.get(owner=alice)
    assert (token.name, token.scope) == ("cli", "write")
    assert raw.startswith("kith_") and token.token_hash != raw
    for name in ("x" * 101, "   "):
        with pytest.raises(CommandError, match="1 to 100 characters"):
            call_command("create_token", "--user", alice.username, "--name", name, stdout=io.StringIO())
    assert AccessToken.objects.filter(owner=alice).count() == 1


@pytest.mark.parametrize(
    "make_path",
    [
        lambda o: f"/contacts/{ContactFactory(owner=o).pk}",
        lambda o: f"/events/{EventFactory(owner=o).pk}",
    ],
)
def test_another_users_ids_are_404(client, alice, bob, make_path):
    path = make_path(alice)
    bob_token = token_create(bob, "b", Scope.WRITE)[1]
    assert client.get(V1 + path, **auth(bob_token)).status_code == 404


def test_every_write_with_another_users_ids_is_404_and_changes_nothing(client, alice, bob):
    contact = ContactFactory(owner=alice)
    event = EventFactory(owner=alice)
    followup = FollowUpFactory(contact=contact)
    bob_token = token_create(bob, "b", Scope.WRITE)[1]
    b = auth(bob_token)
    row = {"row_key": "k1", "name": "Zoe", "intention": "personal"}
    answers = [
        client.patch(f"{V1}/contacts/{contact.pk}", {"circle": "inner"}, "application/json", **b),
        client.delete(f"{V1}/contacts/{contact.pk}", **b),
        client.post(f"{V1}/events/{event.pk}/capture", row, "application/json", **b),
        client.post(f"{V1}/followups/{followup.pk}/done", **b),
        client.post(f"{V1}/followups/{followup.pk}/snooze", {"days": 3}, "application/json", **b),
        client.post(f"{V1}/followups/{followup.pk}/dismiss", **b),
    ]
    assert [a.status_code for a in answers] == [404] * len(answers)
    # Bob's own event, linking Alice's contact: still 404.
    own_event = EventFactory(owner=bob)
    linked = client.post(
        f"{V1}/events/{own_event.pk}/capture", {**row, "link": contact.pk}, "application/json", **b
    )
    assert linked.status_code == 404
    assert Contact.objects.filter(pk=contact.pk, circle="close").exists()
    followup.refresh_from_db()
    assert followup.is_open


def test_etag_and_if_none_match_give_304(client, alice, alice_token):
    contact = ContactFactory(owner=alice)
    first = client.get(f"{V1}/contacts/{contact.pk}", **auth(alice_token))
    tag = first["ETag"]
    again = client.get(f"{V1}/contacts/{contact.pk}", HTTP_IF_NONE_MATCH=tag, **auth(alice_token))
    assert again.status_code == 304 and again.content == b""
    client.patch(f"{V1}/contacts/{contact.pk}", {"company": "Acme"}, "application/json", **auth(alice_token))
    changed = client.get(f"{V1}/contacts/{contact.pk}", HTTP_IF_NONE_MATCH=tag, **auth(alice_token))
    assert changed.status_code == 200 and changed.json()["company"] == "Acme"


def test_if_match_with_a_stale_etag_is_412_and_changes_nothing(client, alice, alice_token):
    contact = ContactFactory(owner=alice, company="Old")
    tag = client.get(f"{V1}/contacts/{contact.pk}", **auth(alice_token))["ETag"]
    client.patch(f"{V1}/contacts/{contact.pk}", {"company": "New"}, "application/json", **auth(alice_token))
    stale = client.patch(
        f"{V1}/contacts/{contact.pk}",
        {"company": "Stale"},
        "application/json",
        HTTP_IF_MATCH=tag,
        **auth(alice_token),
    )
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    assert (
        client.delete(f"{V1}/contacts/{contact.pk}", HTTP_IF_MATCH=tag, **auth(alice_token)).status_code
        == 412
    )
    contact.refresh_from_db()
    assert contact.company == "New"
    fresh = client.get(f"{V1}/contacts/{contact.pk}", **auth(alice_token))["ETag"]
    ok = client.delete(f"{V1}/contacts/{contact.pk}", HTTP_IF_MATCH=fresh, **auth(alice_token))
    assert ok.status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_too_many_requests_is_429_with_retry_after(client, alice, alice_token, settings):
    # A long window, so that the four requests cannot straddle the start of a new one.
    settings.API_RATE_LIMIT, settings.API_RATE_WINDOW = 3, 24 * 3600
    codes = [client.get(f"{V1}/contacts", **auth(alice_token)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get(f"{V1}/contacts", **auth(alice_token))
    assert int(refused["Retry-After"]) >= 1
    assert refused["Content-Type"] == "application/problem+json"
    # Another token of the same user has its own count.
    other = token_create(alice, "other", Scope.READ)[1]
    assert client.get(f"{V1}/contacts", **auth(other)).status_code == 200


def test_an_invalid_field_is_named_in_the_problem(client, alice, alice_token):
    response = client.post(
        f"{V1}/contacts",
        {"display_name": "Ana", "intention": "friend"},
        "application/json",
        **auth(alice_token),
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["intention"]


def test_create_patch_archive_and_delete_go_through_the_domain(client, alice, alice_token):
    a = auth(alice_token)
    made = client.post(
        f"{V1}/contacts",
        {
            "display_name": " Ana Lima ",
            "intention": "both",
            "emails": ["ana@example.org"],
            "tags": ["climbing"],
        },
        "application/json",
        **a,
    )
    assert made.status_code == 201
    body = made.json()
    assert (body["display_name"], body["emails"], body["tags"]) == (
        "Ana Lima",
        ["ana@example.org"],
        ["climbing"],
    )
    contact = Contact.objects.get(pk=body["id"], owner=alice)
    assert "climbing" in contact.search_text
    # The follow-up engine heard of the new contact (contacts_announce): it has follow-ups planned.
    assert FollowUp.objects.filter(contact=contact).exists() or contact.next_followup_on is None
    archived = client.patch(f"{V1}/contacts/{contact.pk}", {"archived": True}, "application/json", **a)
    assert archived.json()["archived"] is True
    listed = client.get(f"{V1}/contacts", **a).json()["items"]
    assert listed == []
    assert [c["id"] for c in client.get(f"{V1}/contacts?status=archived", **a).json()["items"]] == [
        contact.pk
    ]
    assert client.delete(f"{V1}/contacts/{contact.pk}", **a).status_code == 204
    assert client.get(f"{V1}/contacts/{contact.pk}", **a).status_code == 404


def test_the_list_pages_with_a_cursor_in_every_sort(client, alice, alice_token):
    for i in range(7):
        ContactFactory(owner=alice, display_name=f"Person {i}")
    for sort in ("name", "last", "due"):
        seen, cursor = [], None
        while True:
            query = f"sort={sort}&limit=3" + (f"&cursor={cursor}" if cursor else "")
            page = client.get(f"{V1}/contacts?{query}", **auth(alice_token)).json()
            seen += [c["display_name"] for c in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == [f"Person {i}" for i in range(7)], sort
        assert len(seen) == 7


def test_search_and_filters_are_the_lists(client, alice, alice_token):
    tag = TagFactory(owner=alice, name="climbing")
    ContactFactory(owner=alice, display_name="Núñez", intention="professional").tags.add(tag)
    ContactFactory(owner=alice, display_name="Other", intention="personal")

    def names(q):
        return [
            c["display_name"] for c in client.get(f"{V1}/contacts?{q}", **auth(alice_token)).json()["items"]
        ]

    assert names("q=nunez") == ["Núñez"]
    assert names("intention=personal") == ["Other"]
    assert names(f"tag={tag.pk}") == ["Núñez"]


def test_a_forged_cursor_is_a_problem_not_a_crash(client, alice, alice_token):
    response = client.get(f"{V1}/contacts?cursor=abc", **auth(alice_token))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_capture_saves_a_row_once_by_its_key(client, alice, alice_token):
    event = EventFactory(owner=alice, setting="formal")
    row = {"row_key": "row-1", "name": "Mara Quist", "intention": "professional", "context": "runs a gym"}
    first = client.post(f"{V1}/events/{event.pk}/capture", row, "application/json", **auth(alice_token))
    again = client.post(f"{V1}/events/{event.pk}/capture", row, "application/json", **auth(alice_token))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["contact"]["id"] == again.json()["contact"]["id"]
    assert again.json()["repeated"] is True
    assert Contact.objects.filter(owner=alice, display_name="Mara Quist").count() == 1
    assert Interaction.objects.filter(owner=alice, event=event).count() == 1
    # The same key sent for another event is still the meeting saved the first time, and says where.
    other = EventFactory(owner=alice)
    elsewhere = client.post(f"{V1}/events/{other.pk}/capture", row, "application/json", **auth(alice_token))
    assert elsewhere.status_code == 200 and elsewhere.json()["event_id"] == event.pk
    assert not Interaction.objects.filter(owner=alice, event=other).exists()


def test_capture_asks_before_saving_a_likely_duplicate(client, alice, alice_token):
    known = ContactFactory(owner=alice, display_name="Mara Quist")
    event = EventFactory(owner=alice)
    row = {"row_key": "row-2", "name": "mara quist", "intention": "personal"}
    asked = client.post(f"{V1}/events/{event.pk}/capture", row, "application/json", **auth(alice_token))
    assert asked.status_code == 409
    assert [d["id"] for d in asked.json()["duplicates"]] == [known.pk]
    linked = client.post(
        f"{V1}/events/{event.pk}/capture", {**row, "link": known.pk}, "application/json", **auth(alice_token)
    )
    assert linked.status_code == 201 and linked.json()["contact"]["id"] == known.pk


def test_followups_due_done_snooze_dismiss(client, alice, alice_token):
    a = auth(alice_token)
    done, snoozed, dismissed = (FollowUpFactory(contact=ContactFactory(owner=alice)) for _ in range(3))
    due = client.get(f"{V1}/followups/due", **a).json()["items"]
    assert {f["id"] for f in due} == {done.pk, snoozed.pk, dismissed.pk}
    assert client.post(f"{V1}/followups/{done.pk}/done", **a).status_code == 200
    assert (
        client.post(f"{V1}/followups/{snoozed.pk}/snooze", {"days": 3}, "application/json", **a).status_code
        == 200
    )
    assert client.post(f"{V1}/followups/{dismissed.pk}/dismiss", **a).status_code == 200
    states = dict(FollowUp.objects.filter(owner=alice).values_list("pk", "state"))
    assert states[done.pk] == FollowUpState.DONE
    assert states[snoozed.pk] == FollowUpState.SNOOZED
    assert states[dismissed.pk] == FollowUpState.DISMISSED
    assert Interaction.objects.filter(owner=alice, contacts=done.contact).count() == 1
    assert client.post(f"{V1}/followups/{done.pk}/done", **a).status_code == 409
    assert client.get(f"{V1}/followups/due", **a).json()["items"] == []


def test_the_browser_session_works_with_csrf(alice):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    assert browser.get(f"{V1}/contacts").status_code == 200
    refused = browser.post(
        f"{V1}/contacts", {"display_name": "A", "intention": "personal"}, "application/json"
    )
    assert refused.status_code == 403
    browser.get(reverse("api_tokens"))
    csrf = browser.cookies["csrftoken"].value
    made = browser.post(
        f"{V1}/contacts",
        {"display_name": "A", "intention": "personal"},
        "application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert made.status_code == 201


def test_making_a_token_in_settings_asks_for_the_password_and_shows_it_once(alice_client, alice):
    from tests.factories import PASSWORD

    wrong = alice_client.post(reverse("api_tokens"), {"name": "x", "scope": "read", "password": "nope"})
    assert wrong.status_code == 400 and not AccessToken.objects.exists()
    made = alice_client.post(reverse("api_tokens"), {"name": "phone", "scope": "write", "password": PASSWORD})
    token = AccessToken.objects.get(owner=alice)
    raw = made.context["created"]
    assert raw in made.content.decode()
    assert token.token_hash != raw
    assert raw not in alice_client.get(reverse("api_tokens")).content.decode()


def test_another_user_cannot_revoke_a_token(client, alice, bob):
    token, _ = token_create(alice, "a", Scope.READ)
    client.force_login(bob)
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_dashboard_summary_and_tags(client, alice, alice_token):
    TagFactory(owner=alice, name="climbing")
    for group in ("friendships", "network"):
        body = client.get(f"{V1}/dashboards/{group}", **auth(alice_token)).json()
        assert body["group"] == group and "headline" in body
    assert [t["name"] for t in client.get(f"{V1}/tags", **auth(alice_token)).json()["items"]] == ["climbing"]
