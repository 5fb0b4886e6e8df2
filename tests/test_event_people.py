"""dashboards.event_people under concurrency (PostgreSQL): two writers refreshing one person met at an event
take turns. Without the lock on the contact, the second one's DELETE waited on the first's rows, missed the
rows the first inserted, and its INSERT collided with them (a 500 for a notes edit)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections, transaction

from accounts.choices import Intention, Purpose, Setting
from contacts.actions import contact_create
from dashboards.models import EventPerson
from interactions.actions import event_create, interaction_log, interaction_update
from interactions.models import Interaction, Kind
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_edits_of_one_persons_interactions_at_once_both_land():
    user = UserFactory()
    person = contact_create(user, display_name="Ximena", intention=Intention.PROFESSIONAL)
    fair = event_create(user, name="Fair", start_date=dt.date(2026, 1, 1), setting=Setting.FORMAL)
    now = dt.datetime.now(dt.UTC)
    fields = {"purpose": Purpose.PROFESSIONAL, "setting": Setting.FORMAL}
    met = interaction_log(
        user, [person], occurred_at=now - dt.timedelta(days=10), kind=Kind.MET, event=fair, **fields
    )
    call = interaction_log(user, [person], occurred_at=now - dt.timedelta(days=5), **fields)
    first_wrote, first_may_commit = threading.Event(), threading.Event()
    errors: dict[str, Exception] = {}

    def edit(name: str, pk: int, hold: bool) -> None:
        try:
            with transaction.atomic():
                interaction_update(Interaction.objects.get(pk=pk), notes=f"edited by {name}")
                if hold:
                    first_wrote.set()
                    first_may_commit.wait(10)
        except Exception as error:  # reported below, from the main thread
            errors[name] = error
        finally:
            first_wrote.set()
            connections.close_all()

    first = threading.Thread(target=edit, args=("phone", met.pk, True))
    first.start()
    first_wrote.wait(10)
    second = threading.Thread(target=edit, args=("web", call.pk, False))
    second.start()
    second.join(1)  # the second waits on the first's lock
    first_may_commit.set()
    first.join(20)
    second.join(20)

    assert errors == {}
    assert set(Interaction.objects.filter(owner=user).values_list("notes", flat=True)) == {
        "edited by phone",
        "edited by web",
    }
    row = EventPerson.objects.get(contact=person)
    assert (row.event_id, row.followed_up, row.lasting) == (fair.pk, True, False)
