"""Merge duplicates: likely twins are found, and merging two keeps every interaction, tag and field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.choices import Intention, Purpose
from contacts.models import Contact, Tag
from followups.models import FollowUp
from interactions.actions import interaction_log
from interactions.models import Interaction, Participation
from tests.factories import ContactFactory, EmailAddressFactory, PhoneNumberFactory
from transfer.merge import MergeError, contact_merge, contacts_find_twins


def _when(days_ago: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)


def test_twins_share_an_email_a_phone_or_a_name_ignoring_case_and_accents(alice, bob):
    ana = ContactFactory(owner=alice, display_name="Ana Núñez")
    ana2 = ContactFactory(owner=alice, display_name="nunez ana")
    sam = ContactFactory(owner=alice, display_name="Sam Okafor")
    samuel = ContactFactory(owner=alice, display_name="Samuel O.")
    EmailAddressFactory(contact=sam, address="Sam@Okafor.example")
    EmailAddressFactory(contact=samuel, address="sam@okafor.example")
    lea = ContactFactory(owner=alice, display_name="Léa")
    lea_work = ContactFactory(owner=alice, display_name="L. Dubois")
    PhoneNumberFactory(contact=lea, number="+33 6 12 34 56 78", e164="+33612345678")
    PhoneNumberFactory(contact=lea_work, number="0033612345678", e164="+33612345678")
    ContactFactory(owner=alice, display_name="Someone Else")
    ContactFactory(owner=bob, display_name="Ana Núñez")  # another user's: never a twin
    found = {(t.first.pk, t.second.pk): t.reasons for t in contacts_find_twins(alice)}
    assert found == {
        (ana.pk, ana2.pk): ("same name",),
        (sam.pk, samuel.pk): ("same email",),
        (lea.pk, lea_work.pk): ("same phone number",),
    }


@pytest.fixture
def twins(alice, django_capture_on_commit_callbacks):
    keep = ContactFactory(
        owner=alice,
        display_name="Ana Núñez",
        given_name="Ana",
        family_name="",
        company="",
        title="Founder",
        notes="Climbs on Sundays.",
        intention=Intention.BOTH,
        links=["https://cumbre.example"],
        vcard_extra="X-A:1",
    )
    other = ContactFactory(
        owner=alice,
        display_name="Ana N",
        given_name="Anita",
        family_name="Núñez",
        company="Cumbre",
        title="CEO",
        notes="Has a daughter, Lucía.",
        birthday_month=3,
        birthday_day=15,
        birthday_year=1990,
        intention=Intention.PROFESSIONAL,
        links=["https://cumbre.example", "https://linkedin.example/ana"],
        vcard_extra="X-A:1\nPHOTO;ENCODING=b:AAAA",
    )
    EmailAddressFactory(contact=keep, address="ana@cumbre.example")
    EmailAddressFactory(contact=other, address="ANA@cumbre.example")
    EmailAddressFactory(contact=other, address="ana@home.example")
    PhoneNumberFactory(contact=other, number="+34 612 345 678", e164="+34612345678")
    climbing, madrid = (
        Tag.objects.create(owner=alice, name="climbing"),
        Tag.objects.create(owner=alice, name="Madrid"),
    )
    keep.tags.add(climbing)
    other.tags.add(climbing, madrid)
    with django_capture_on_commit_callbacks(execute=True):
        interaction_log(alice, [keep], occurred_at=_when(30), setting="informal", notes="coffee")
        interaction_log(
            alice,
            [other],
            occurred_at=_when(10),
            setting="formal",
            purpose=Purpose.PROFESSIONAL,
            notes="pitch",
        )
        interaction_log(alice, [keep, other], occurred_at=_when(5), setting="informal", notes="both of them")
    FollowUp.objects.create(
        owner=alice,
        contact=other,
        purpose=Purpose.PROFESSIONAL,
        reason="requested",
        due_on=dt.date(2030, 1, 1),
        note="send the deck",
    )
    return keep, other


def test_merging_keeps_every_interaction_tag_email_phone_and_field(
    alice, twins, django_capture_on_commit_callbacks
):
    keep, other = twins
    with django_capture_on_commit_callbacks(execute=True):
        merged = contact_merge(keep, other)
    assert not Contact.objects.filter(pk=other.pk).exists()
    assert merged.pk == keep.pk
    # Interactions: all three, each once; the shared one has one participation left.
    notes = sorted(i.notes for i in Interaction.objects.filter(participations__contact=merged))
    assert notes == ["both of them", "coffee", "pitch"]
    assert Interaction.objects.filter(owner=alice).count() == 3
    assert Participation.objects.filter(owner=alice).count() == 3
    assert sorted(t.name for t in merged.tags.all()) == ["Madrid", "climbing"]
    assert sorted(e.address for e in merged.emails.all()) == ["ana@cumbre.example", "ana@home.example"]
    assert [p.e164 for p in merged.phones.all()] == ["+34612345678"]
    # The kept contact's values win; blanks are filled; notes appended; nothing is lost.
    assert (merged.display_name, merged.given_name, merged.title) == ("Ana Núñez", "Ana", "Founder")
    assert (merged.family_name, merged.company) == ("Núñez", "Cumbre")
    assert (merged.birthday_month, merged.birthday_day, merged.birthday_year) == (3, 15, 1990)
    assert merged.notes == "Climbs on Sundays.\n\nHas a daughter, Lucía."
    assert merged.links == ["https://cumbre.example", "https://linkedin.example/ana"]
    assert merged.vcard_extra == "X-A:1\nPHOTO;ENCODING=b:AAAA"
    assert merged.intention == Intention.BOTH
    # Last-seen dates and follow-ups follow the moved interactions.
    assert merged.last_professional_at is not None
    assert merged.last_interaction_at == Interaction.objects.get(notes="both of them").occurred_at
    assert FollowUp.objects.get(reason="requested").contact_id == merged.pk
    open_clocks = FollowUp.objects.filter(
        contact=merged, reason__in=["cadence", "after_meeting"], state="scheduled"
    )
    assert sorted(open_clocks.values_list("purpose", flat=True)) == ["personal", "professional"]
    assert FollowUp.objects.filter(contact=merged, reason="birthday").count() == 1
    assert "lucia" in merged.search_text and "madrid" in merged.search_text


def test_a_contact_cannot_be_merged_with_itself_or_another_users(alice, bob):
    ana = ContactFactory(owner=alice)
    with pytest.raises(MergeError):
        contact_merge(ana, ana)
    with pytest.raises(MergeError):
        contact_merge(ana, ContactFactory(owner=bob))


def test_the_duplicates_page_lists_twins_and_the_merge_page_merges(alice_client, alice, twins):
    keep, other = twins
    EmailAddressFactory(contact=keep, address="shared@example.com")
    EmailAddressFactory(contact=other, address="Shared@example.com")
    page = alice_client.get(reverse("merge_duplicates")).content.decode()
    url = reverse("merge_contacts", args=[keep.pk, other.pk])
    assert url in page and "same email" in page
    compare = alice_client.get(url).content.decode()
    assert "Merge Ana N into Ana Núñez?" in compare and "Has a daughter" in compare
    response = alice_client.post(url)
    assert response.url == keep.get_absolute_url()
    assert not Contact.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_outsider_gets_404_for_either_id(client, alice, bob, method):
    mine = ContactFactory(owner=bob)
    theirs = ContactFactory(owner=alice)
    client.force_login(bob)
    for keep, other in ((mine, theirs), (theirs, mine)):
        response = getattr(client, method)(reverse("merge_contacts", args=[keep.pk, other.pk]))
        assert response.status_code == 404
    assert Contact.objects.filter(pk__in=[mine.pk, theirs.pk]).count() == 2


@pytest.fixture
def crowded(alice):
    """Two Anas with seven email addresses each, one of them shared: thirteen together, over the ten a
    contact may hold."""
    keep = ContactFactory(owner=alice, display_name="Ana Núñez")
    other = ContactFactory(owner=alice, display_name="Ana N")
    for n in range(7):
        EmailAddressFactory(contact=keep, address=f"ana{n}@keep.example")
        EmailAddressFactory(contact=other, address=f"ana{n}@other.example" if n else "ANA0@keep.example")
    return keep, other


def test_a_merge_that_would_hold_more_than_a_contact_may_is_refused_and_changes_nothing(alice, crowded):
    keep, other = crowded
    with pytest.raises(MergeError, match="13 email addresses, and a contact holds at most 10"):
        contact_merge(keep, other)
    assert Contact.objects.filter(pk=other.pk).exists()
    assert keep.emails.count() == 7


def test_the_merge_page_says_why_it_cannot_merge_and_the_post_merges_nothing(alice_client, crowded):
    keep, other = crowded
    url = reverse("merge_contacts", args=[keep.pk, other.pk])
    page = alice_client.get(url).content.decode()
    assert "cannot be merged yet" in page
    assert "13 email addresses" in page
    assert "Merge into" not in page
    response = alice_client.post(url, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "Nothing was merged." in response.content.decode()
    assert Contact.objects.filter(pk=other.pk).exists()


def test_addresses_and_tags_both_have_count_once_towards_the_bounds(alice):
    keep = ContactFactory(owner=alice, display_name="Ana Núñez")
    other = ContactFactory(owner=alice, display_name="Ana N")
    tags = [Tag.objects.create(owner=alice, name=f"tag {n}") for n in range(30)]
    keep.tags.set(tags[:20])
    other.tags.set(tags[10:])
    for n in range(10):
        EmailAddressFactory(contact=keep, address=f"ana{n}@example.org")
        EmailAddressFactory(contact=other, address=f"ANA{n}@example.org")
    merged = contact_merge(keep, other)
    assert merged.tags.count() == 30
    assert merged.emails.count() == 10
