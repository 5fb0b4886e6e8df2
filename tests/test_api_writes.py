"""The API's writes beyond contacts: events, interactions with their participants, tags, reminders on a day
and snoozes until a day, and what the dashboard summary and the schema tell a client."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.choices import Intention
from api.models import Scope
from api.tokens import token_create
from contacts.models import Contact
from followups.models import FollowUp, FollowUpState
from interactions.models import Event, Interaction
from tests.factories import ContactFactory, EventFactory, FollowUpFactory, InteractionFactory, TagFactory

V1 = "/api/v1"
JSON = "application/json"


@pytest.fixture
def a(alice):
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(alice, 'test', Scope.WRITE)[1]}"}


def test_an_event_is_made_changed_and_deleted_and_its_meetings_stay(client, alice, a):
    made = client.post(
        f"{V1}/events",
        {"name": " PyCon ", "start_date": "2026-05-14", "days": 3, "setting": "formal", "place": "Lisbon"},
        JSON,
        **a,
    )
    assert made.status_code == 201
    event = made.json()
    assert (event["name"], event["end_date"], event["days"]) == ("PyCon", "2026-05-16", 3)
    # A new start keeps its length; a length of one day has no end date.
    moved = client.patch(f"{V1}/events/{event['id']}", {"start_date": "2026-06-01"}, JSON, **a).json()
    assert (moved["start_date"], moved["end_date"]) == ("2026-06-01", "2026-06-03")
    one_day = client.patch(f"{V1}/events/{event['id']}", {"days": 1}, JSON, **a).json()
    assert one_day["end_date"] is None
    met = InteractionFactory(owner=alice, event=Event.objects.get(pk=event["id"]), kind="met")
    assert client.delete(f"{V1}/events/{event['id']}", **a).status_code == 204
    met.refresh_from_db()
    assert not Event.objects.filter(pk=event["id"]).exists()
    assert met.event_id is None


def test_an_event_out_of_kiths_years_is_refused_with_the_field_named(client, alice, a):
    for start in ("1899-12-31", "2101-01-01", "14 May 2026", 1778716800):
        response = client.post(
            f"{V1}/events", {"name": "Old", "start_date": start, "setting": "formal"}, JSON, **a
        )
        assert response.status_code == 422, start
        assert response.json()["errors"][0]["field"] == "start_date"
    assert not Event.objects.exists()


def test_a_stale_if_match_on_an_event_is_412_and_changes_nothing(client, alice, a):
    event = EventFactory(owner=alice, name="Meetup")
    tag = client.get(f"{V1}/events/{event.pk}", **a)["ETag"]
    assert client.patch(f"{V1}/events/{event.pk}", {"name": "Renamed"}, JSON, **a).status_code == 200
    stale = client.patch(f"{V1}/events/{event.pk}", {"name": "Mine"}, JSON, HTTP_IF_MATCH=tag, **a)
    assert stale.status_code == 412
    assert client.delete(f"{V1}/events/{event.pk}", HTTP_IF_MATCH=tag, **a).status_code == 412
    event.refresh_from_db()
    assert event.name == "Renamed"


@time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False)
def test_an_interaction_logged_moves_last_seen_and_the_purpose_follows_the_rule(client, alice, a):
    anna = ContactFactory(owner=alice, intention=Intention.PROFESSIONAL, display_name="Anna")
    bruno = ContactFactory(owner=alice, intention=Intention.PROFESSIONAL, display_name="Bruno")
    logged = client.post(
        f"{V1}/interactions",
        {"participants": [anna.pk, bruno.pk, anna.pk], "occurred_at": "2026-03-09T18:30:00+01:00"},
        JSON,
        **a,
    )
    assert logged.status_code == 201
    body = logged.json()
    # Both are professional contacts: the automatic purpose is professional; anna is there once.
    assert body["purpose"] == "professional" and body["participants"] == sorted([anna.pk, bruno.pk])
    anna.refresh_from_db()
    assert anna.last_interaction_at == dt.datetime(2026, 3, 9, 17, 30, tzinfo=dt.UTC)
    changed = client.patch(
        f"{V1}/interactions/{body['id']}", {"participants": [bruno.pk], "kind": "meal"}, JSON, **a
    )
    assert changed.status_code == 200 and changed.json()["participants"] == [bruno.pk]
    anna.refresh_from_db()
    assert anna.last_interaction_at is None
    assert client.delete(f"{V1}/interactions/{body['id']}", **a).status_code == 204
    bruno.refresh_from_db()
    assert bruno.last_interaction_at is None and not Interaction.objects.exists()


def test_an_archived_contact_cannot_join_an_interaction(client, alice, a):
    gone = ContactFactory(
        owner=alice, display_name="Gone", archived_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    response = client.post(
        f"{V1}/interactions", {"participants": [gone.pk], "occurred_at": "2026-03-09T12:00:00Z"}, JSON, **a
    )
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {"field": "participants.0", "message": "Gone is archived: bring them back first."}
    ]
    assert not Interaction.objects.exists()


def test_tags_are_made_renamed_and_deleted_and_a_taken_name_is_409(client, alice, a):
    anna = ContactFactory(owner=alice, display_name="Anna")
    climbing = TagFactory(owner=alice, name="climbing")
    anna.tags.add(climbing)
    made = client.post(f"{V1}/tags", {"name": "  Lisbon   trip "}, JSON, **a)
    assert made.status_code == 201 and made.json() == {
        "id": made.json()["id"],
        "name": "Lisbon trip",
        "contacts": 0,
    }
    assert client.post(f"{V1}/tags", {"name": "CLIMBING"}, JSON, **a).status_code == 409
    taken = client.patch(f"{V1}/tags/{made.json()['id']}", {"name": "Climbing"}, JSON, **a)
    assert taken.status_code == 409 and taken.json()["errors"][0]["field"] == "name"
    renamed = client.patch(f"{V1}/tags/{climbing.pk}", {"name": "Bouldering"}, JSON, **a)
    assert renamed.json() == {"id": climbing.pk, "name": "Bouldering", "contacts": 1}
    # The contacts list finds Anna by the new name, not the old one.
    found = client.get(f"{V1}/contacts", {"q": "bouldering"}, **a).json()["items"]
    assert [c["display_name"] for c in found] == ["Anna"]
    assert client.get(f"{V1}/contacts", {"q": "climbing"}, **a).json()["items"] == []
    assert client.delete(f"{V1}/tags/{climbing.pk}", **a).status_code == 204
    assert Contact.objects.get(pk=anna.pk).tags.count() == 0


@time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False)
def test_remind_me_on_a_day_and_snooze_until_a_day(client, alice, a):
    anna = ContactFactory(owner=alice, intention=Intention.BOTH, display_name="Anna")
    reminder = client.post(
        f"{V1}/contacts/{anna.pk}/reminders",
        {"due_on": "2026-03-10", "note": "Ask about Porto", "purpose": "professional"},
        JSON,
        **a,
    )
    assert reminder.status_code == 201
    assert reminder.json()["purpose"] == "professional" and reminder.json()["reason"] == "requested"
    assert [f["note"] for f in client.get(f"{V1}/followups/due", **a).json()["items"]] == ["Ask about Porto"]
    past = client.post(
        f"{V1}/contacts/{anna.pk}/reminders", {"due_on": "2026-03-09", "note": "Too late"}, JSON, **a
    )
    assert past.status_code == 409 and past.json()["errors"][0]["field"] == "due_on"
    followup_id = reminder.json()["id"]
    today = client.post(f"{V1}/followups/{followup_id}/snooze", {"until": "2026-03-10"}, JSON, **a)
    assert today.status_code == 409
    snoozed = client.post(
        f"{V1}/followups/{followup_id}/snooze", {"days": 2, "until": "2026-04-01"}, JSON, **a
    )
    assert snoozed.json()["snoozed_until"] == "2026-04-01"
    assert FollowUp.objects.get(pk=followup_id).state == FollowUpState.SNOOZED


def test_the_dashboard_summary_counts_health_and_circles(client, alice, a):
    for _ in range(3):
        ContactFactory(owner=alice, intention=Intention.PERSONAL, circle="inner")
    ContactFactory(owner=alice, intention=Intention.PROFESSIONAL, circle="inner")
    body = client.get(f"{V1}/dashboards/friendships", **a).json()
    assert sum(h["people"] for h in body["health"]) == 3
    inner = next(c for c in body["circles"] if c["circle"] == "inner")
    assert inner["people"] == 3 and inner["in_touch"] + inner["behind"] == 3


def test_the_schema_declares_the_headers_clients_rely_on(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    contacts = paths["/api/v1/contacts/{contact_id}"]
    assert contacts["get"]["responses"]["200"]["headers"]["ETag"]["required"] is True
    assert "ETag" in contacts["get"]["responses"]["304"]["headers"]
    assert "Retry-After" in contacts["patch"]["responses"]["429"]["headers"]
    assert "WWW-Authenticate" in contacts["delete"]["responses"]["401"]["headers"]
    # If-Match is honoured when sent, so it is never a required parameter.
    for methods in paths.values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                assert not (parameter["name"].lower() == "if-match" and parameter.get("required"))
            assert "default" not in operation["responses"]


def test_a_read_token_cannot_write_events_interactions_or_tags(client, alice):
    read = {"HTTP_AUTHORIZATION": f"Bearer {token_create(alice, 'r', Scope.READ)[1]}"}
    event, contact = EventFactory(owner=alice), ContactFactory(owner=alice)
    FollowUpFactory(contact=contact)
    writes = [
        client.post(
            f"{V1}/events", {"name": "X", "start_date": "2026-01-01", "setting": "formal"}, JSON, **read
        ),
        client.delete(f"{V1}/events/{event.pk}", **read),
        client.post(
            f"{V1}/interactions",
            {"participants": [contact.pk], "occurred_at": "2026-01-01T12:00:00Z"},
            JSON,
            **read,
        ),
        client.post(f"{V1}/tags", {"name": "x"}, JSON, **read),
        client.post(
            f"{V1}/contacts/{contact.pk}/reminders", {"due_on": "2099-01-01", "note": "x"}, JSON, **read
        ),
    ]
    assert [w.status_code for w in writes] == [403] * 5
    assert Event.objects.count() == 1 and not Interaction.objects.exists()


def test_an_event_may_start_in_2100_but_not_end_after_it(client, alice, a):
    late = client.post(
        f"{V1}/events", {"name": "Late", "start_date": "2100-12-30", "setting": "formal"}, JSON, **a
    )
    assert late.status_code == 201
    too_long = client.patch(f"{V1}/events/{late.json()['id']}", {"days": 3}, JSON, **a)
    assert too_long.status_code == 409 and too_long.json()["errors"][0]["field"] == "days"
    # What a GET gave can be sent back as it is.
    assert (
        client.patch(f"{V1}/events/{late.json()['id']}", {"start_date": "2100-12-30"}, JSON, **a).status_code
        == 200
    )


def test_an_interaction_at_an_event_takes_its_setting(client, alice, a):
    conference = EventFactory(owner=alice, setting="formal")
    both = ContactFactory(owner=alice, intention=Intention.BOTH)
    body = {"participants": [both.pk], "occurred_at": "2026-03-09T12:00:00Z", "event_id": conference.pk}
    logged = client.post(f"{V1}/interactions", body, JSON, **a).json()
    # Formal, so the purpose rule makes a meeting with a `both` contact professional.
    assert (logged["setting"], logged["purpose"]) == ("formal", "professional")


def test_if_match_compares_strongly_on_every_write(client, alice, a):
    interaction = InteractionFactory(owner=alice, notes="before")
    tag = TagFactory(owner=alice, name="climbing")
    for url, body in (
        (f"{V1}/interactions/{interaction.pk}", {"notes": "after"}),
        (f"{V1}/tags/{tag.pk}", {"name": "x"}),
    ):
        etag = client.get(url, **a)["ETag"]
        assert client.patch(url, body, JSON, HTTP_IF_MATCH=f"W/{etag}", **a).status_code == 412
        assert client.patch(url, body, JSON, HTTP_IF_MATCH=etag, **a).status_code == 200
        assert client.patch(url, body, JSON, HTTP_IF_MATCH=etag, **a).status_code == 412
        assert client.delete(url, HTTP_IF_MATCH=etag, **a).status_code == 412
    interaction.refresh_from_db()
    assert interaction.notes == "after"


def test_a_list_answers_304_with_no_body_type(client, alice, a):
    ContactFactory(owner=alice)
    first = client.get(f"{V1}/contacts", **a)
    again = client.get(f"{V1}/contacts", HTTP_IF_NONE_MATCH=first["ETag"], **a)
    assert again.status_code == 304 and again.content == b"" and "Content-Type" not in again


def test_the_schema_offers_if_none_match_on_reads_and_never_requires_if_match(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    one = paths["/api/v1/contacts/{contact_id}"]
    headers = {
        m: {p["name"]: p["required"] for p in one[m].get("parameters", []) if p["in"] == "header"}
        for m in one
    }
    # If-Match is honoured when sent and stays out of the schema: any value but the current ETag is a 412,
    # which would make schema-valid requests fail.
    assert headers == {"get": {"If-None-Match": False}, "patch": {}, "delete": {}}


def test_an_interaction_on_a_day_alone_is_kept_at_noon_local_time(client, alice, a):
    alice.time_zone = "Europe/Lisbon"
    alice.save()
    anna = ContactFactory(owner=alice)
    logged = client.post(
        f"{V1}/interactions", {"participants": [anna.pk], "occurred_at": "2026-07-01"}, JSON, **a
    )
    assert logged.status_code == 201
    assert logged.json()["occurred_at"] == "2026-07-01T11:00:00Z"  # noon in Lisbon's summer time
    wrong = client.post(f"{V1}/interactions", {"participants": [anna.pk], "occurred_at": "1 July"}, JSON, **a)
    assert wrong.json()["errors"][0]["message"].startswith("Write it as YYYY-MM-DD")


def test_a_change_answers_with_the_new_etag_for_the_next_if_match(client, alice, a):
    anna = ContactFactory(owner=alice)
    changed = client.patch(f"{V1}/contacts/{anna.pk}", {"circle": "inner"}, JSON, **a)
    assert changed["ETag"] == client.get(f"{V1}/contacts/{anna.pk}", **a)["ETag"]
    again = client.patch(
        f"{V1}/contacts/{anna.pk}", {"circle": "wider"}, JSON, HTTP_IF_MATCH=changed["ETag"], **a
    )
    assert again.status_code == 200
