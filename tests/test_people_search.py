"""The people picker's search box (views.people_search): "also with" on the contact page, "with" on the
interaction pages. It answers with the user's own active people only, ignoring case and accents, a bounded
number at a time."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from interactions import forms, views
from interactions.models import Interaction
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

URL = reverse("people_search")


def _found(response) -> list[str]:
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html, "a fragment for htmx"
    return re.findall(r'<input type="checkbox" name="participants" value="\d+"> <span>([^<]*)</span>', html)


def test_it_finds_people_by_a_folded_name(alice_client, alice):
    ContactFactory(owner=alice, display_name="Inès Müller")
    ContactFactory(owner=alice, display_name="Ben Okafor")
    for query in ("Muller", "müller", "MULLER", "ines mul"):
        assert _found(alice_client.get(URL, {"q": query})) == ["Inès Müller"], query


def test_it_leaves_out_the_archived_the_page_s_own_person_and_those_chosen(alice_client, alice):
    page_person = ContactFactory(owner=alice, display_name="Ana Muller")
    ContactFactory(owner=alice, display_name="Mara Muller", archived_at=timezone.now())
    chosen = ContactFactory(owner=alice, display_name="Cleo Muller")
    ContactFactory(owner=alice, display_name="Dara Muller")
    response = alice_client.get(URL, {"q": "muller", "exclude": page_person.pk, "participants": [chosen.pk]})
    assert _found(response) == ["Dara Muller"]


def test_it_never_shows_another_users_people(alice_client, alice, bob):
    ContactFactory(owner=bob, display_name="Olga Muller")
    ContactFactory(owner=alice, display_name="Ana Muller")
    assert _found(alice_client.get(URL, {"q": "muller"})) == ["Ana Muller"]


def test_another_users_contact_as_the_page_s_person_is_404(alice_client, bob):
    olga = ContactFactory(owner=bob, display_name="Olga Muller")
    for exclude in (olga.pk, "abc", 0):
        response = alice_client.get(URL, {"q": "muller", "exclude": exclude})
        assert response.status_code == 404, exclude
        assert b"Olga" not in response.content


def test_a_visitor_is_sent_to_log_in(client):
    response = client.get(URL, {"q": "a"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_it_answers_a_bounded_number_the_most_recently_seen_first(alice_client, alice):
    people = [
        ContactFactory(owner=alice, display_name=f"Sam Lee {i:02}")
        for i in range(views.PEOPLE_SEARCH_LIMIT + 5)
    ]
    seen = people[7]
    seen.last_interaction_at = timezone.now()
    seen.save()
    response = alice_client.get(URL, {"q": "sam"})
    found = _found(response)
    assert len(found) == views.PEOPLE_SEARCH_LIMIT
    assert found[0] == "Sam Lee 07"
    assert "type more of the name" in response.content.decode()


def test_an_empty_search_answers_nothing(alice_client, alice):
    ContactFactory(owner=alice, display_name="Ana")
    assert _found(alice_client.get(URL, {"q": "  "})) == []
    assert b"No one found" in alice_client.get(URL, {"q": "zzz"}).content


def test_a_person_found_by_the_search_can_be_logged_with_though_the_select_does_not_offer_them(
    alice_client, alice, monkeypatch
):
    """The no-JavaScript select offers the 30 seen most recently; anyone the search finds is accepted."""
    monkeypatch.setattr(forms, "RECENT_PEOPLE", 1)
    ana = ContactFactory(owner=alice, display_name="Ana")
    ContactFactory(owner=alice, display_name="Ben")
    zoe = ContactFactory(owner=alice, display_name="Zoë Quinn")
    page = alice_client.get(reverse("contact_detail", args=[ana.pk])).content.decode()
    assert "Zoë Quinn" not in page
    assert _found(alice_client.get(URL, {"q": "zoe", "exclude": ana.pk})) == ["Zoë Quinn"]
    data = {"occurred_on": "2026-03-02", "kind": "call", "setting": "informal", "participants": [zoe.pk]}
    alice_client.post(reverse("contact_log", args=[ana.pk]), data)
    assert set(Interaction.objects.get().contacts.all()) == {ana, zoe}


def test_another_users_id_in_the_log_is_refused(alice_client, alice, bob):
    ana = ContactFactory(owner=alice, display_name="Ana")
    olga = ContactFactory(owner=bob, display_name="Olga")
    data = {"occurred_on": "2026-03-02", "kind": "call", "setting": "informal", "participants": [olga.pk]}
    for url in (reverse("contact_log", args=[ana.pk]), reverse("interaction_create")):
        response = alice_client.post(url, data)
        assert response.status_code == 200, url
        assert b"Nothing was saved" in response.content and b"Olga" not in response.content
    assert not Interaction.objects.exists()
