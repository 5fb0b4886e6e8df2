"""Believable demo and benchmark data: `manage.py seed_demo` is a thin wrapper around `seed_demo()` here.

Everything is planned in memory first from one seeded random generator (demo.planner), then written in
batches, so the output depends only on the seed and "now", and 100,000 interactions take seconds rather than
one query each. Interaction and Participation rows are written directly here instead of through
`interaction_log` (which costs several queries per interaction). What the domain functions would have kept in
step is set here instead: the contacts' timeline summaries come from the plan itself (through
`timeline_summary`, the one statement of that rule), and `followups_replan` runs once per user at the end, so
the demo opens with follow-ups due.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F, Field, Model
from django.db.models.functions import Coalesce, Greatest

from accounts.database import database_analyze
from accounts.models import User
from contacts.models import Contact, EmailAddress, PhoneNumber, Tag
from dashboards.event_people import event_people_refresh
from dashboards.models import EventPerson
from demo.planner import DemoSize, Planner
from followups.engine import followups_replan
from followups.models import FollowUp
from interactions.actions import SUMMARY_FIELDS, timeline_summary
from interactions.days import interaction_days_refresh
from interactions.models import Event, Interaction, Participation

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"
DEMO_TIME_ZONE = "Europe/London"
BENCH_PREFIX = "bench"

BATCH_SIZE = 2000

# A value _insert_rows writes: already what the database stores, datetimes included.
type SqlValue = int | str | dt.datetime | None


@dataclass
class SeedSummary:
    users: list[str] = field(default_factory=list)
    contacts: int = 0
    events: int = 0
    interactions: int = 0
    seconds: float = 0.0


def _wipe(user: User) -> None:
    """Delete everything the user owns, through the ORM so that whatever other apps hang on contacts goes
    with them, with one shortcut for the biggest table (below)."""
    # Nothing points at a participation, so Django deletes them with one statement.
    Participation.objects.filter(owner=user).delete()
    # Deleting interactions through the ORM loads every one of them to cascade into their participations,
    # already gone: 12 seconds for 100,000 on PostgreSQL. One DELETE does it, as long as participations are
    # all that points at an interaction; a model added later that does too gets the ORM's cascade instead.
    if {rel.related_model for rel in Interaction._meta.related_objects} == {Participation}:
        quote = connection.ops.quote_name
        table, owner = Interaction._meta.db_table, Interaction._meta.get_field("owner").column
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {quote(table)} WHERE {quote(owner)} = %s", [user.pk])
    else:
        Interaction.objects.filter(owner=user).delete()
    Event.objects.filter(owner=user).delete()
    Contact.objects.filter(owner=user).delete()
    Tag.objects.filter(owner=user).delete()


def _column(model: type[Model], name: str) -> str:
    """The database column of `model`'s concrete field `name`."""
    field = model._meta.get_field(name)
    # A reverse relation or a composite primary key has no column to insert into.
    if not isinstance(field, Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} has no column of its own.")
    return field.column


def _insert_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[SqlValue]]) -> None:
    """INSERT rows without the ORM. Only for the two tables a benchmark fills with 100,000+ rows: there
    bulk_create's per-value work (field preparation, SQL assembly) would take most of the run.

    PostgreSQL gets COPY, about five times faster than multi-row INSERTs through psycopg; SQLite gets
    multi-row INSERT statements. Values must already be what the database stores (datetimes through
    connection.ops.adapt_datetimefield_value).
    """
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(model, name)) for name in fields)
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django's cursor wraps psycopg's, which has the COPY API.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        limit = connection.features.max_query_params
        per_statement = min(1000, limit // len(fields)) if limit else 1000
        placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for chunk in itertools.batched(rows, per_statement):
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([placeholders] * len(chunk)),
                [value for row in chunk for value in row],
            )


_TABLES_FILLED = (
    Tag,
    Contact,
    Contact.tags.through,
    EmailAddress,
    PhoneNumber,
    Event,
    Interaction,
    Participation,
    EventPerson,
)


def _summarise(planner: Planner) -> None:
    """Give each planned contact the timeline summary contacts_refresh_last_seen would work out, through
    the same `timeline_summary`. The plan is in time order and ids follow it, so reading it backwards is
    newest first with ties broken by id, the order the summary expects."""
    newest_first: dict[int, list[tuple[dt.datetime, str]]] = {}
    for planned in reversed(planner.interactions):
        for i in planned.participants:
            newest_first.setdefault(i, []).append((planned.occurred_at, planned.purpose))
    for i, planned_contact in enumerate(planner.contacts):
        summary = timeline_summary(newest_first.get(i, []))
        for name in SUMMARY_FIELDS:
            setattr(planned_contact.contact, name, summary[name])


def _write(user: User, planner: Planner, *, analyze: bool) -> None:
    """Write one user's plan, whose rows refer to each other by their index in the plan:

    1. tags, contacts and what hangs on contacts (their tags, emails and phones);
    2. events, then interactions and their participations, the plan's indexes turned into the new ids;
    3. the follow-ups, planned by the engine once everything they depend on is there.
    With `analyze`, PostgreSQL's statistics are refreshed after steps 2 and 3 (_analyze says why).
    """
    tags = Tag.objects.bulk_create([Tag(owner=user, name=name) for name in planner.tags])
    contact_ids = _write_contacts(user, planner)
    _write_contact_details(user, planner, tags)
    event_ids = _write_events(user, planner)
    _write_interactions(user, planner, contact_ids, event_ids)
    # The summaries the seed wrote itself are not announced: the people met at events are worked out here.
    event_people_refresh(contact_ids)
    if analyze:
        _analyze(*_TABLES_FILLED)
    followups_replan(user, contact_ids, now=planner.now)
    if analyze:
        _analyze(FollowUp)


def _write_contacts(user: User, planner: Planner) -> list[int]:
    """Write the planned contacts with their timeline summaries and planned dates; returns their ids, in
    plan order."""
    contacts = [p.contact for p in planner.contacts]
    # The plan knows every contact's timeline, so the summary that contacts_refresh_last_seen would work out
    # (with a bulk_update costing seconds at 10,000 contacts) is written with the rows (_summarise); the
    # tests check it against contacts_refresh_last_seen.
    _summarise(planner)
    for planned in planner.contacts:
        contact = planned.contact
        contact.owner = user
        # created_at is kept as given, so each clock is filled counting from the planned creation. updated_at
        # is auto_now, which bulk_create stamps over any value: the planned date travels in
        # last_interaction_at, and the UPDATE below moves it into updated_at.
        contact.created_at = planned.created_at
        contact.last_interaction_at = planned.created_at
    Contact.objects.bulk_create(contacts, batch_size=BATCH_SIZE)
    # One statement, whose right-hand sides all read the row as it was before the UPDATE: updated_at gets
    # the carried date, and last_interaction_at becomes again what the summary said, the later of the two
    # purposes' dates (every interaction has one of them). Coalesce inside Greatest because SQLite's MAX()
    # of a NULL is NULL.
    personal, professional = F("last_personal_at"), F("last_professional_at")
    Contact.objects.filter(owner=user).update(
        updated_at=F("last_interaction_at"),
        last_interaction_at=Greatest(Coalesce(personal, professional), Coalesce(professional, personal)),
    )
    return [c.pk for c in contacts]


def _write_contact_details(user: User, planner: Planner, tags: Sequence[Tag]) -> None:
    """The contacts' tags, email addresses and phone numbers."""
    Through = Contact.tags.through
    Through.objects.bulk_create(
        [Through(contact_id=p.contact.pk, tag_id=tags[t].pk) for p in planner.contacts for t in p.tags],
        batch_size=BATCH_SIZE,
    )
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(owner=user, contact=p.contact, address=address, label=label)
            for p in planner.contacts
            for address, label in p.emails
        ],
        batch_size=BATCH_SIZE,
    )
    PhoneNumber.objects.bulk_create(
        [
            PhoneNumber(owner=user, contact=p.contact, number=number, e164=e164, label=label)
            for p in planner.contacts
            for number, e164, label in p.phones
        ],
        batch_size=BATCH_SIZE,
    )


def _write_events(user: User, planner: Planner) -> list[int]:
    """Write the planned events; returns their ids, in plan order."""
    for event in planner.events:
        event.owner = user
    Event.objects.bulk_create(planner.events, batch_size=BATCH_SIZE)
    # An event is logged on its first morning (quick capture's "today's event").
    for event in planner.events:
        event.created_at = planner.at(event.start_date, 8, 30)
    Event.objects.bulk_update(planner.events, ["created_at"], batch_size=1000)
    return [event.pk for event in planner.events]


def _write_interactions(user: User, planner: Planner, contact_ids: list[int], event_ids: list[int]) -> None:
    """Write the planned interactions and their participations, with the ids of the rows already written."""
    # Interactions are logged as they happen, so created_at and updated_at are the moment itself.
    adapt = connection.ops.adapt_datetimefield_value
    rows = []
    for p in planner.interactions:
        when = adapt(p.occurred_at)
        event_id = None if p.event is None else event_ids[p.event]
        rows.append((user.pk, when, p.kind, p.purpose, p.setting, event_id, p.notes, when, when))
    fields = ["owner", "occurred_at", "kind", "purpose", "setting", "event", "notes"]
    _insert_rows(Interaction, [*fields, "created_at", "updated_at"], rows)
    # The user's interactions were all deleted above and inserted in plan order, in this transaction, so
    # their ids in ascending order are the plan's ids in order.
    interaction_ids = list(Interaction.objects.filter(owner=user).order_by("pk").values_list("pk", flat=True))
    if len(interaction_ids) != len(planner.interactions):
        raise RuntimeError(f"{user} gained interactions from elsewhere while being seeded; run it again.")

    intentions = [planned.contact.intention for planned in planner.contacts]
    _insert_rows(
        Participation,
        ["owner", "interaction", "contact", "occurred_at", "purpose", "intention_then"],
        (
            # row[1] is the interaction's time, as written above; the demo's people kept their intention.
            (user.pk, interaction_id, contact_ids[i], row[1], p.purpose, intentions[i])
            for interaction_id, row, p in zip(interaction_ids, rows, planner.interactions, strict=True)
            for i in p.participants
        ),
    )
    # The counts per day the dashboards read, made from the rows just written (and the wiped ones gone).
    interaction_days_refresh(user)


def _analyze(*models: type[Model]) -> None:
    """Give the planner statistics for tables just filled (accounts.database); on PostgreSQL, ANALYZE
    inside the transaction counts its own uncommitted rows.

    Without them the planner guesses, and guesses badly at this size. The owner-consistency foreign keys are
    deferred, so the commit checks every row inserted and deleted here; with no statistics it checked "no
    participation still points at this deleted interaction" by walking the owner_id index, which holds every
    row of this one owner, and replacing 100,000 interactions took many minutes instead of seconds. The
    follow-up planner's queries run faster with them too.
    """
    database_analyze(models)


class NotADemoUser(Exception):
    """The username belongs to an account this command did not make; its data is not ours to replace."""


def _prepare_user(username: str, email: str, password_hash: str, start: dt.datetime) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"date_joined": start})
    if not created:
        # Every user this command makes has the address it gave them; anyone else is a real account that a
        # mistyped --username must not wipe.
        if user.email != email:
            raise NotADemoUser(
                f"{username} exists and is not a demo user (its email is not {email}), so its data is left "
                "alone. Choose another --username, or delete that user first."
            )
        _wipe(user)
    user.email = email
    user.time_zone = DEMO_TIME_ZONE
    user.password = password_hash
    user.is_active = True
    user.save()
    # The operator made this user on the command line: nobody is there to open a confirmation link.
    user.addresses_mark_confirmed()
    return user


def demo_users_delete(users: Iterable[User]) -> None:
    """Delete users this module made, each emptied first as seeding empties a user it replaces (`_wipe`):
    deleting a user whole would load every interaction to cascade, and each tag's deletion would rewrite
    every contact wearing it."""
    for user in users:
        _wipe(user)
        user.delete()


def demo_user_has_data(username: str = DEMO_USERNAME) -> bool:
    return Contact.objects.filter(owner__username=username).exists()


def seed_demo(
    *,
    username: str = DEMO_USERNAME,
    password: str = DEMO_PASSWORD,
    extra_users: int = 0,
    size: DemoSize | None = None,
    seed: int = 42,
    now: dt.datetime,
    positions: range | None = None,
    analyze: bool = True,
) -> SeedSummary:
    """Create or replace the data of the demo user, and of `extra_users` benchmark users bench1..benchN,
    each with `size` contacts and interactions over `size.years` up to `now`.

    Several processes can seed one set of users together (bench/run.py does): each passes the `positions`
    it seeds (0 is `username`, n is bench{n}) and `analyze=False`, since ANALYZE's lock, held to the
    commit, would make them wait for each other; the caller analyses once they are all done."""
    began = time.monotonic()
    size = size or DemoSize()
    summary = SeedSummary()
    zone = zoneinfo.ZoneInfo(DEMO_TIME_ZONE)
    names = [username] + [f"{BENCH_PREFIX}{n}" for n in range(1, extra_users + 1)]

    # Hashing a password is slow on purpose; every user gets the same password, so hash it once.
    hasher = User(username=username)
    hasher.set_password(password)

    # Statistics are refreshed whenever the rows written since the last ANALYZE at least match the rows
    # written before it: after the first user, the second, the fourth... and once at the end. One ANALYZE
    # per user made 1,000 benchmark users take half an hour, most of it analysing; a handful keeps the
    # planner's picture within a factor of two of the truth all along.
    written = analyzed = 0
    with transaction.atomic():
        for position in positions if positions is not None else range(len(names)):
            name = names[position]
            # One generator per user, seeded from the seed and the user's position, so a user's data does not
            # depend on how many users came before.
            planner = Planner(random.Random(f"kith-demo:{seed}:{position}"), size, now, zone)
            planner.plan()
            user = _prepare_user(
                name, f"{name}@example.com", hasher.password, planner.start - dt.timedelta(hours=1)
            )
            written += len(planner.contacts) + len(planner.interactions)
            fresh = analyze and written >= 2 * analyzed
            _write(user, planner, analyze=fresh)
            if fresh:
                analyzed = written
            summary.users.append(name)
            summary.contacts += len(planner.contacts)
            summary.events += len(planner.events)
            summary.interactions += len(planner.interactions)
        if analyze and analyzed != written:
            _analyze(*_TABLES_FILLED, FollowUp)
    summary.seconds = time.monotonic() - began
    return summary
