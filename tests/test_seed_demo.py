"""`manage.py seed_demo`: the demo user's believable year, and benchmark sizes."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Max, Min, Q
from django.test import override_settings

from accounts.choices import Circle, Intention, Purpose, Setting
from accounts.models import User
from contacts.models import Contact, EmailAddress, PhoneNumber, Tag
from demo.planner import DemoSize
from demo.seed import demo_users_delete, seed_demo
from followups.models import FollowUp
from interactions.actions import SUMMARY_FIELDS, contacts_refresh_last_seen, interaction_default_purpose
from interactions.models import Event, Interaction, Kind, Participation
from tests.factories import ContactFactory, UserFactory
from tests.test_clock_state import _check as clock_state_check

NOW = "2026-03-15T10:00:00+00:00"
NOW_AT = dt.datetime.fromisoformat(NOW)
MD5 = "django.contrib.auth.hashers.MD5PasswordHasher"


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--now", NOW, *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker):
    """The default demo, seeded once for the read-only tests of TestTheDefaultDemo and deleted after them, so
    that no other test sees it. It is committed, outside any test's transaction, so it is hashed here with the
    same fast hasher conftest gives each test."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=[MD5]):
        seed()
        yield User.objects.get(username="demo")
        User.objects.filter(username="demo").delete()


def fingerprint(user: User) -> list[tuple]:
    """Everything a person would notice about the data, without database ids."""
    contacts = list(
        Contact.objects.filter(owner=user)
        .order_by("display_name", "created_at")
        .values_list(
            "display_name", "intention", "circle", "company", "notes", "created_at", "last_interaction_at"
        )
    )
    events = list(
        Event.objects.filter(owner=user).order_by("start_date", "name").values_list("name", "start_date")
    )
    names: dict[int, list[str]] = {}
    for interaction_id, name in Participation.objects.filter(owner=user).values_list(
        "interaction_id", "contact__display_name"
    ):
        names.setdefault(interaction_id, []).append(name)
    interactions = [
        (when, kind, purpose, setting, event, notes, sorted(names[pk]))
        for pk, when, kind, purpose, setting, event, notes in Interaction.objects.filter(owner=user)
        .order_by("occurred_at", "pk")
        .values_list("pk", "occurred_at", "kind", "purpose", "setting", "event__name", "notes")
    ]
    return [*contacts, *events, *interactions]


# The default demo --------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestTheDefaultDemo:
    """Read-only checks of the default demo, seeded once for the class."""

    def test_the_demo_user_logs_in_with_demo_demo(self, demo, client):
        assert client.login(username="demo", password="demo")
        assert demo.email == "demo@example.com"
        assert demo.time_zone == "Europe/London"

    def test_the_demo_has_a_believable_amount_of_everything(self, demo):
        contacts = Contact.objects.filter(owner=demo)
        assert contacts.count() == 60
        assert Interaction.objects.filter(owner=demo).count() == 400
        assert 10 <= Event.objects.filter(owner=demo).count() <= 20
        assert Event.objects.filter(owner=demo, end_date__gt=F("start_date")).exists(), "no multi-day event"
        assert {"climbing", "design", "investors", "neighbours", "book club"} <= set(
            Tag.objects.filter(owner=demo).values_list("name", flat=True)
        )
        assert 20 <= EmailAddress.objects.filter(owner=demo).count() <= 120
        assert 10 <= PhoneNumber.objects.filter(owner=demo).count() <= 60
        assert contacts.filter(birthday_month__isnull=False).count() >= 3
        assert contacts.filter(archived_at__isnull=False).exists()
        assert contacts.filter(reminders_paused=True).exists()
        assert contacts.exclude(company="").count() >= 20
        assert contacts.exclude(notes="").count() >= 40

        intentions = Counter(contacts.values_list("intention", flat=True))
        assert set(intentions) == set(Intention.values)
        assert intentions[Intention.BOTH] < min(
            intentions[Intention.PERSONAL], intentions[Intention.PROFESSIONAL]
        )
        circles = Counter(contacts.values_list("circle", flat=True))
        assert circles[Circle.INNER] < circles[Circle.CLOSE] < circles[Circle.WIDER]

    def test_every_row_belongs_to_the_owner_of_what_it_links(self, demo):
        participations = Participation.objects.filter(owner=demo)
        assert participations.count() >= 400
        assert not participations.exclude(contact__owner=F("owner")).exists()
        assert not participations.exclude(interaction__owner=F("owner")).exists()
        assert not Participation.objects.exclude(contact__owner=F("interaction__owner")).exists()
        assert not Interaction.objects.filter(event__isnull=False).exclude(event__owner=F("owner")).exists()
        assert not EmailAddress.objects.exclude(contact__owner=F("owner")).exists()
        assert not PhoneNumber.objects.exclude(contact__owner=F("owner")).exists()
        sizes = Counter(
            Interaction.objects.filter(owner=demo)
            .annotate(n=Count("participations"))
            .values_list("n", flat=True)
        )
        assert set(sizes) <= {1, 2, 3}
        assert sizes[1] > sizes[2] > sizes[3] > 0

    def test_last_seen_dates_match_the_interactions(self, demo):
        when = "participations__interaction__occurred_at"
        purpose = "participations__interaction__purpose"
        rows = Contact.objects.filter(owner=demo).annotate(
            last=Max(when),
            personal=Max(when, filter=Q(**{purpose: Purpose.PERSONAL})),
            professional=Max(when, filter=Q(**{purpose: Purpose.PROFESSIONAL})),
            first=Min(when),
        )
        for contact in rows:
            assert contact.last_interaction_at == contact.last, contact
            assert contact.last_personal_at == contact.personal, contact
            assert contact.last_professional_at == contact.professional, contact
            # Created before the first interaction, and not at the moment the command ran.
            assert contact.created_at < (contact.first or NOW_AT), contact
            assert contact.updated_at == contact.created_at
        assert rows.filter(last_interaction_at__isnull=False).count() >= 50

    def test_the_timeline_summary_is_what_the_refresh_works_out(self, demo):
        # The seeder writes the summary from its plan; the refresh reads the interactions. Nothing to change.
        ids = list(Contact.objects.filter(owner=demo).values_list("pk", flat=True))
        before = list(Contact.objects.filter(owner=demo).order_by("pk").values(*SUMMARY_FIELDS))
        assert contacts_refresh_last_seen(ids) == 0
        assert list(Contact.objects.filter(owner=demo).order_by("pk").values(*SUMMARY_FIELDS)) == before
        assert sum(1 for row in before if row["previous_personal_at"]) > 10
        assert sum(1 for row in before if len(row["recent_purposes"].split(",")) == 5) > 10

    def test_history_spans_the_past_year_up_to_now(self, demo):
        interactions = Interaction.objects.filter(owner=demo)
        span = interactions.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
        assert NOW_AT - dt.timedelta(days=366) <= span["first"] < NOW_AT - dt.timedelta(days=250)
        assert NOW_AT - dt.timedelta(days=14) < span["last"] <= NOW_AT
        assert not interactions.exclude(created_at=F("occurred_at")).exists()
        # Archived contacts were archived after their last interaction.
        assert not Contact.objects.filter(owner=demo, last_interaction_at__gt=F("archived_at")).exists()
        events = Event.objects.filter(owner=demo)
        assert events.filter(start_date__gte=NOW_AT.date() - dt.timedelta(days=366)).count() == events.count()
        assert not events.filter(start_date__gt=NOW_AT.date()).exists()

    def test_both_purposes_settings_and_every_kind_occur(self, demo):
        interactions = Interaction.objects.filter(owner=demo)
        assert set(interactions.values_list("purpose", flat=True)) == set(Purpose.values)
        assert set(interactions.values_list("setting", flat=True)) == set(Setting.values)
        assert set(interactions.values_list("kind", flat=True)) == set(Kind.values)
        assert set(Event.objects.filter(owner=demo).values_list("setting", flat=True)) == set(Setting.values)

    def test_people_met_at_events_have_a_met_interaction_there(self, demo):
        met = Interaction.objects.filter(owner=demo, kind=Kind.MET)
        assert met.count() >= 10
        assert not met.filter(event__isnull=True).exists()
        for interaction in met.select_related("event"):
            event = interaction.event
            day = interaction.occurred_at.astimezone(demo.zone).date()
            assert event.start_date <= day <= (event.end_date or event.start_date)
            assert interaction.setting == event.setting
        # A contact met at an event was created there, just before the meeting was logged.
        contact = Contact.objects.filter(owner=demo, interactions__in=met).first()
        first = contact.interactions.order_by("occurred_at").first()
        assert first.kind == Kind.MET
        assert first.occurred_at - dt.timedelta(hours=1) < contact.created_at < first.occurred_at

    def test_purposes_follow_the_intentions_mostly_with_some_drift(self, demo):
        intentions = dict(Contact.objects.filter(owner=demo).values_list("pk", "intention"))
        by_interaction: dict[int, list[str]] = {}
        for interaction_id, contact_id in Participation.objects.filter(owner=demo).values_list(
            "interaction_id", "contact_id"
        ):
            by_interaction.setdefault(interaction_id, []).append(intentions[contact_id])
        interactions = Interaction.objects.filter(owner=demo).values_list("pk", "purpose", "setting")
        default = sum(
            purpose == interaction_default_purpose(by_interaction[pk], setting)
            for pk, purpose, setting in interactions
        )
        assert 0.75 * len(interactions) <= default < len(interactions)

        # Drift (PRODUCT.md): at least 3 interactions, the last 5 without the intention's purpose.
        drifting = 0
        for contact in Contact.objects.filter(owner=demo).exclude(intention=Intention.BOTH):
            purposes = list(contact.interactions.order_by("-occurred_at").values_list("purpose", flat=True))
            if len(purposes) >= 3 and contact.intention not in purposes[:5]:
                drifting += 1
        assert drifting >= 1

    def test_tags_are_searchable_and_follow_ups_are_planned(self, demo):
        tagged = Contact.objects.filter(owner=demo, tags__name="climbing").first()
        assert "climbing" in tagged.search_text
        assert FollowUp.objects.filter(owner=demo).exists()


# Options -------------------------------------------------------------------------------------------------


def test_if_empty_seeds_an_empty_database(db):
    seed("--if-empty", "--contacts", "5", "--interactions", "20")
    assert Contact.objects.filter(owner__username="demo").count() == 5


def test_if_empty_leaves_an_existing_demo_user_untouched(db):
    seed("--contacts", "5", "--interactions", "20")
    user = User.objects.get(username="demo")
    Contact.objects.filter(owner=user).update(notes="mine now")
    before = fingerprint(user)

    out = seed("--if-empty")

    assert "already" in out
    assert fingerprint(user) == before
    assert Contact.objects.filter(owner=user, notes="mine now").count() == 5


def test_the_same_seed_and_now_give_the_same_data(db):
    seed("--contacts", "40", "--interactions", "200")
    user = User.objects.get(username="demo")
    first = fingerprint(user)
    # Running again replaces the data rather than adding to it.
    seed("--contacts", "40", "--interactions", "200")
    assert fingerprint(user) == first
    assert Contact.objects.filter(owner=user).count() == 40

    seed("--contacts", "40", "--interactions", "200", "--seed", "7")
    assert fingerprint(user) != first


def test_sizes_are_exact_for_every_user(db):
    out = seed("--contacts", "300", "--interactions", "2000", "--users", "2", "--username", "main")

    assert "3 user(s)" in out
    for username in ["main", "bench1", "bench2"]:
        user = User.objects.get(username=username)
        assert Contact.objects.filter(owner=user).count() == 300
        assert Interaction.objects.filter(owner=user).count() == 2000
        assert user.check_password("demo")
    assert not User.objects.filter(username="demo").exists()
    # Each user's data is their own, not a copy of the first user's.
    assert fingerprint(User.objects.get(username="bench1")) != fingerprint(
        User.objects.get(username="bench2")
    )


def test_users_seeded_in_parts_are_the_users_seeded_at_once(db):
    """bench/run.py seeds the benchmark users in several processes, each given its positions: the same
    users, with the same data, as one seed_demo call makes."""
    size = DemoSize(contacts=30, interactions=120)
    seed_demo(username="main", extra_users=2, size=size, now=NOW_AT)
    at_once = {name: fingerprint(User.objects.get(username=name)) for name in ["main", "bench1", "bench2"]}
    User.objects.filter(username__in=at_once).delete()

    seed_demo(username="main", extra_users=2, size=size, now=NOW_AT, positions=range(2, 3), analyze=False)
    assert list(User.objects.values_list("username", flat=True)) == ["bench2"]
    seed_demo(username="main", extra_users=2, size=size, now=NOW_AT, positions=range(0, 2), analyze=False)

    assert {name: fingerprint(User.objects.get(username=name)) for name in at_once} == at_once


def test_deleting_demo_users_leaves_nothing_of_theirs(db):
    size = DemoSize(contacts=20, interactions=80)
    seed_demo(username="main", extra_users=2, size=size, now=NOW_AT)
    kept = User.objects.get(username="main")
    kept_rows = fingerprint(kept)

    demo_users_delete(User.objects.filter(username__in=["bench1", "bench2"]))

    assert list(User.objects.values_list("username", flat=True)) == ["main"]
    assert not Contact.objects.exclude(owner=kept).exists()
    assert not Interaction.objects.exclude(owner=kept).exists()
    assert not FollowUp.objects.exclude(contact__owner=kept).exists()
    assert fingerprint(kept) == kept_rows


def test_years_stretch_the_history(db):
    seed("--contacts", "20", "--interactions", "100", "--years", "3")
    first = Interaction.objects.aggregate(first=Min("occurred_at"))["first"]
    assert first < NOW_AT - dt.timedelta(days=2 * 365)


def test_interactions_need_contacts(db):
    with pytest.raises(CommandError):
        seed("--contacts", "0", "--interactions", "10")


def test_a_real_account_is_never_replaced(db):
    me = UserFactory(username="me", email="me@home.example")
    ContactFactory(owner=me, display_name="Ana Núñez")

    with pytest.raises(CommandError, match="not a demo user"):
        seed("--username", "me", "--contacts", "5", "--interactions", "20")

    assert list(Contact.objects.filter(owner=me).values_list("display_name", flat=True)) == ["Ana Núñez"]


def test_seeded_contacts_store_the_policys_clock_state(db):
    """The seed writes contacts with their planned creation dates in one insert: each stored clock counts
    from that date, as the policy does from the full history."""
    seed("--contacts", "60", "--interactions", "150")
    user = User.objects.get(username="demo")
    assert Contact.objects.filter(owner=user).values("created_at").distinct().count() > 10
    clock_state_check(user, ("seed",))
