"""Exports and the backup: Kith -> vCard -> Kith and Kith -> JSON backup -> an empty account keep every field,
tag, interaction and follow-up setting; CSV cells a spreadsheet would run are escaped."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Circle, Intention, Purpose, Setting
from accounts.models import AddressConfirmation
from api.models import Scope
from api.tokens import token_create
from contacts.models import Contact, Tag
from followups.engine import contacts_refresh_next_followup
from followups.models import FollowUp, FollowUpState
from interactions.actions import contacts_refresh_last_seen
from interactions.models import Event, Interaction, Kind, Participation
from tests.factories import (
    ContactFactory,
    EmailAddressFactory,
    EventFactory,
    InteractionFactory,
    PhoneNumberFactory,
    UserFactory,
)
from tests.test_dav import basic
from transfer import backup, exports
from transfer.backup import BackupRefused, backup_build, backup_restore
from transfer.imports import import_file

SAMPLES = Path(__file__).resolve().parent / "samples"


def _text(chunks) -> str:
    return "".join(chunks)


def _contact_fields(contact: Contact) -> dict:
    return {
        "display_name": contact.display_name,
        "given_name": contact.given_name,
        "family_name": contact.family_name,
        "company": contact.company,
        "title": contact.title,
        "birthday": (contact.birthday_month, contact.birthday_day, contact.birthday_year),
        "links": contact.links,
        "notes": contact.notes,
        "intention": contact.intention,
        "circle": contact.circle,
        "vcard_extra": contact.vcard_extra,
        "emails": [(e.address, e.label) for e in contact.emails.order_by("id")],
        "phones": [(p.number, p.e164, p.label) for p in contact.phones.order_by("id")],
        "tags": sorted(t.name for t in contact.tags.all()),
    }


def _people(owner) -> dict[str, dict]:
    return {c.display_name: _contact_fields(c) for c in Contact.objects.filter(owner=owner)}


def _assert_same_people(left, right) -> None:
    a, b = _people(left), _people(right)
    assert a.keys() == b.keys()
    for name in a:
        for field in a[name]:
            assert (name, field, a[name][field]) == (name, field, b[name][field])


@pytest.fixture
def rich_contact(alice):
    ana = ContactFactory(
        owner=alice,
        display_name='Ana Núñez; "the climber", Madrid',
        given_name="Ana",
        family_name="Núñez",
        company="Cumbre, Climbing; Ops",
        title="Head of Operations",
        birthday_month=2,
        birthday_day=29,
        birthday_year=None,
        links=["https://cumbre.example", "https://example.com/a,b;c"],
        notes="Line one; with, punctuation\\ and a backslash\nLine two — “quoted”\n\nLine four",
        intention=Intention.BOTH,
        circle=Circle.INNER,
        vcard_extra=(
            "item4.ADR;type=HOME:;;Calle Mayor 1;Madrid;;28013;Spain\nX-SOCIALPROFILE:https://x.example\n"
            "item1.ADR:;;Rua 1;Lisboa;;;PT\nitem1.X-ABLabel:Summer house"
        ),
    )
    EmailAddressFactory(contact=ana, address="ana@cumbre.example", label="work")
    EmailAddressFactory(contact=ana, address="ana.n@correo.example", label="")
    PhoneNumberFactory(contact=ana, number="+34 612 345 678", e164="+34612345678", label="cell")
    PhoneNumberFactory(contact=ana, number="91 123 45 67", e164="", label="home, landline")
    ana.tags.set([Tag.objects.create(owner=alice, name=n) for n in ("climbing", "Madrid, Spain", "a;b")])
    return ana


def test_kith_to_vcard_to_kith_keeps_every_field(alice, bob, rich_contact):
    ContactFactory(
        owner=alice,
        display_name="Wei Chen",
        given_name="Wei",
        family_name="Chen",
        birthday_month=3,
        birthday_day=15,
        birthday_year=1990,
        intention=Intention.PROFESSIONAL,
        circle=Circle.WIDER,
    )
    vcf = _text(exports.contacts_vcard(alice))
    result = import_file(bob, vcf.encode(), intention=Intention.PERSONAL)
    assert result.created == 2 and result.invalid == 0
    _assert_same_people(bob, alice)


def test_the_vcard_is_40_folded_at_75_octets_with_tags_as_categories(alice, rich_contact):
    vcf = _text(exports.contacts_vcard(alice))
    assert vcf.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")
    assert all(len(line.encode()) <= 75 for line in vcf.split("\r\n"))
    unfolded = vcf.replace("\r\n ", "")
    categories = next(line for line in unfolded.split("\r\n") if line.startswith("CATEGORIES:"))
    assert {"a\\;b", "climbing", "Madrid\\, Spain"} == set(
        re.split(r"(?<!\\),", categories[len("CATEGORIES:") :])
    )
    assert "BDAY:--0229" in unfolded
    assert "item4.ADR;type=HOME:;;Calle Mayor 1;Madrid;;28013;Spain" in unfolded


@pytest.mark.parametrize(
    "name",
    [
        "apple_contacts.vcf",
        "google_contacts.vcf",
        "outlook.vcf",
        "thunderbird.vcf",
        "nextcloud.vcf",
        "linkedin_connections.csv",
        "google_contacts.csv",
    ],
)
def test_every_sample_survives_an_export_and_a_reimport(alice, bob, name):
    import_file(alice, (SAMPLES / name).read_bytes(), intention=Intention.PERSONAL)
    import_file(bob, _text(exports.contacts_vcard(alice)).encode(), intention=Intention.PROFESSIONAL)
    _assert_same_people(bob, alice)


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_cells_a_spreadsheet_would_run_are_escaped(alice):
    ContactFactory(
        owner=alice,
        display_name='=HYPERLINK("http://evil.example")',
        company="+1 Corp",
        title="-2",
        notes="@SUM(A1)",
        given_name="\tTab",
        family_name="\rReturn",
    )
    rows = _csv_rows(_text(exports.contacts_csv(alice)))
    assert rows[0] == exports.CONTACT_COLUMNS
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Name"] == '\'=HYPERLINK("http://evil.example")'
    assert row["Company"] == "'+1 Corp"
    assert row["Job title"] == "'-2"
    assert row["Notes"] == "'@SUM(A1)"
    assert row["Given name"] == "'\tTab"
    assert row["Family name"] == "'\rReturn"


def test_the_contacts_csv_has_every_field(alice, rich_contact):
    rows = _csv_rows(_text(exports.contacts_csv(alice)))
    row = dict(zip(rows[0], rows[1], strict=True))
    # One value a line, the labels lined up beside them (see tests/test_transfer_csv.py for the round trip).
    assert row["Emails"] == "ana@cumbre.example\nana.n@correo.example"
    assert row["Email labels"] == "work"
    # A cell starting with "+" is escaped, phone numbers too: a spreadsheet would read "+34 ..." as a formula.
    assert row["Phones"] == "'+34 612 345 678\n91 123 45 67"
    assert row["Phone labels"] == "cell\nhome, landline"
    # Sorted ignoring case, the same on every database.
    assert row["Tags"] == "a;b\nclimbing\nMadrid, Spain"
    assert row["Birthday"] == "'--02-29"
    assert (row["Intention"], row["Circle"]) == ("both", "inner")


def test_the_interactions_csv_lists_participants_in_the_users_time_zone(alice):
    ana = ContactFactory(owner=alice, display_name="Ana")
    sam = ContactFactory(owner=alice, display_name="=Sam")
    event = EventFactory(owner=alice, name="Web Summit")
    InteractionFactory(
        owner=alice,
        contacts=[sam, ana],
        occurred_at=dt.datetime(2024, 7, 1, 11, 30, tzinfo=dt.UTC),
        kind=Kind.MEAL,
        event=event,
        notes="lunch",
    )
    rows = _csv_rows(_text(exports.interactions_csv(alice)))
    assert rows == [
        exports.INTERACTION_COLUMNS,
        ["2024-07-01T12:30+01:00", "meal", "personal", "informal", "Web Summit", "'=Sam ; Ana", "lunch"],
    ]


def test_exports_hold_only_the_users_own_data(alice_client, alice, bob):
    ContactFactory(owner=alice, display_name="Alice's friend")
    ContactFactory(owner=bob, display_name="Bob's secret friend")
    for name in ("export_vcard", "export_contacts_csv", "export_interactions_csv", "export_backup"):
        response = alice_client.get(reverse(name))
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"secret" not in body


# The backup -------------------------------------------------------------------------------------------------


def _rich_account(user):
    user.time_zone = "America/New_York"
    user.digest_hour = 7
    user.digest_frequency = "weekly"
    user.digest_weekday = 4
    user.reminder_email = "me@elsewhere.example"
    user.personal_inner_days = 10
    user.professional_wider_days = 365
    user.save()
    ana = ContactFactory(
        owner=user,
        display_name="Ana Núñez",
        company="Cumbre",
        birthday_month=3,
        birthday_day=15,
        birthday_year=1990,
        links=["https://cumbre.example"],
        notes="climbing",
        intention=Intention.BOTH,
        circle=Circle.INNER,
        personal_cadence_days=21,
        professional_cadence_days=60,
        vcard_extra="PHOTO;ENCODING=b:AAAA",
    )
    sam = ContactFactory(owner=user, display_name="Sam", reminders_paused=True, archived_at=timezone.now())
    lone = ContactFactory(owner=user, display_name="Nobody Yet", intention=Intention.PROFESSIONAL)
    Contact.objects.filter(pk=lone.pk).update(created_at=timezone.now() - dt.timedelta(days=400))
    EmailAddressFactory(contact=ana, address="ana@cumbre.example", label="work")
    PhoneNumberFactory(contact=ana, number="+34 612 345 678", e164="+34612345678", label="cell")
    tags = [Tag.objects.create(owner=user, name=n) for n in ("climbing", "unused tag")]
    ana.tags.set(tags[:1])
    event = EventFactory(
        owner=user,
        name="Summit",
        start_date=dt.date(2024, 5, 1),
        end_date=dt.date(2024, 5, 3),
        setting=Setting.FORMAL,
    )
    InteractionFactory(
        owner=user,
        contacts=[ana, sam],
        occurred_at=dt.datetime(2024, 5, 2, 16, tzinfo=dt.UTC),
        kind=Kind.MET,
        purpose=Purpose.PROFESSIONAL,
        setting=Setting.FORMAL,
        event=event,
        notes="met at the booth",
    )
    InteractionFactory(owner=user, contacts=[ana], occurred_at=dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC))
    FollowUp.objects.create(
        owner=user,
        contact=ana,
        purpose=Purpose.PERSONAL,
        reason="cadence",
        due_on=dt.date(2024, 6, 22),
        state=FollowUpState.SNOOZED,
        snoozed_until=dt.date(2024, 6, 29),
        clock_since=dt.date(2024, 6, 1),
        cadence_days=21,
        sent_at=timezone.now(),
    )
    FollowUp.objects.create(
        owner=user,
        contact=ana,
        purpose=Purpose.PROFESSIONAL,
        reason="requested",
        due_on=dt.date(2024, 12, 3),
        note="send the deck",
    )
    FollowUp.objects.create(
        owner=user,
        contact=ana,
        purpose=Purpose.PERSONAL,
        reason="birthday",
        due_on=dt.date(2024, 3, 15),
        state=FollowUpState.DISMISSED,
        dismissed_at=timezone.now(),
    )
    # The factories write rows directly; bring the denormalised dates in step as Kith's own functions would.
    ids = list(Contact.objects.filter(owner=user).values_list("pk", flat=True))
    contacts_refresh_last_seen(ids)
    contacts_refresh_next_followup(ids)


def _account(user) -> dict:
    """Everything a user owns, with ids replaced by what they point at, so two accounts compare."""
    data = backup_build(user)
    names = {c["id"]: c["display_name"] for c in data["contacts"]}
    events = {e["id"]: e["name"] for e in data["events"]}
    for item in [*data["contacts"], *data["events"], *data["interactions"], *data["followups"]]:
        item.pop("id")
    for item in data["interactions"]:
        item["event"] = events.get(item["event"])
        item["participants"] = sorted(names[c] for c in item["participants"])
    for item in data["followups"]:
        item["contact"] = names[item["contact"]]
    data.pop("exported_at")
    contacts = {
        c.display_name: (
            c.last_interaction_at,
            c.last_personal_at,
            c.last_professional_at,
            c.next_followup_on,
            c.search_text,
        )
        for c in Contact.objects.filter(owner=user)
    }
    return {**data, "denormalised": contacts}


def test_a_backup_restored_into_an_empty_account_loses_nothing(alice, bob):
    _rich_account(alice)
    restored = backup_restore(bob, json.loads(json.dumps(backup_build(alice))))
    assert (restored.contacts, restored.events, restored.interactions, restored.followups) == (3, 1, 2, 3)
    bob.refresh_from_db()
    assert _account(bob) == _account(alice)
    # Nothing was re-planned: the restored follow-ups are exactly the backed-up ones.
    assert FollowUp.objects.filter(owner=bob).count() == 3


def test_the_backup_downloads_and_restores_through_the_pages(client, alice, bob):
    _rich_account(alice)
    client.force_login(alice)
    body = client.get(reverse("export_backup")).content
    assert json.loads(body)["version"] == backup.BACKUP_VERSION
    client.force_login(bob)
    response = client.post(reverse("backup_restore"), {"file": SimpleUploadedFile("backup.json", body)})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert _account(bob) == _account(alice)


def test_a_backup_is_refused_by_an_account_that_is_not_empty(client, alice, bob):
    _rich_account(alice)
    ContactFactory(owner=bob, display_name="Already here")
    data = backup_build(alice)
    with pytest.raises(BackupRefused, match="only into an empty account"):
        backup_restore(bob, data)
    client.force_login(bob)
    body = json.dumps(data).encode()
    response = client.post(reverse("backup_restore"), {"file": SimpleUploadedFile("backup.json", body)})
    assert response.status_code == 400
    assert "only into an empty account" in response.content.decode()
    assert Contact.objects.filter(owner=bob).count() == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not JSON"),
        (b"[]", "not a Kith backup"),
        (b'{"format": "kith-backup", "version": 99}', "newer Kith"),
        (b'{"format": "kith-backup", "version": 1}', "damaged"),
    ],
)
def test_a_bad_backup_file_gets_a_clear_message(alice_client, alice, body, message):
    response = alice_client.post(reverse("backup_restore"), {"file": SimpleUploadedFile("backup.json", body)})
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d["interactions"][0].update(participants=[999_999]),
        lambda d: d["contacts"][0].update(notes="nul \x00 inside"),
        lambda d: d["contacts"][0].update(personal_cadence_days=10**12),
        lambda d: d["contacts"][0].pop("intention"),
        lambda d: d["followups"][0].update(due_on="not a date"),
        lambda d: d.update(tags="not a list"),
        lambda d: d["contacts"][1].update(uid=d["contacts"][0]["uid"]),
        lambda d: d["contacts"][1].update(card_name=d["contacts"][0]["card_name"]),
        lambda d: d["contacts"][0].update(uid="a/b"),
        lambda d: d["contacts"][0].update(card_name=""),
        lambda d: d["contacts"][0].update(uid="u" * 256),
        lambda d: d["contacts"][0].update(uid=12),
        lambda d: d["contacts"][0].update(new_from_phone="yes"),
        lambda d: d["interactions"][0].update(intentions_then=["friend"]),
        lambda d: d["interactions"][0].update(intentions_then=[]),
    ],
)
def test_any_damage_in_a_backup_is_refused_and_restores_nothing(alice, bob, damage):
    _rich_account(alice)
    data = backup_build(alice)
    damage(data)
    with pytest.raises(BackupRefused):
        backup_restore(bob, data)
    assert backup.account_is_empty(bob)


def test_a_backup_damaged_half_way_restores_nothing(alice, bob):
    _rich_account(alice)
    data = backup_build(alice)
    data["interactions"][-1]["kind"] = "teleport"
    with pytest.raises(BackupRefused, match="damaged"):
        backup_restore(bob, data)
    assert not Contact.objects.filter(owner=bob).exists()
    assert not Event.objects.filter(owner=bob).exists()
    assert not Interaction.objects.filter(owner=bob).exists()
    bob.refresh_from_db()
    assert bob.time_zone == "Europe/London"


def test_a_restored_reminder_address_is_asked_to_confirm_not_dropped_silently(alice, bob):
    alice.reminder_email = "alice.reminders@example.com"
    alice.save()
    restored = backup_build(alice)
    backup_restore(bob, json.loads(json.dumps(restored)))
    bob.refresh_from_db()
    assert bob.reminder_email == "alice.reminders@example.com"
    row = AddressConfirmation.objects.get(owner=bob, address="alice.reminders@example.com")
    assert row.confirmed_at is None and row.send_at is not None, "its confirmation email is due"


def _cards(user) -> dict[str, tuple[str, str, bool]]:
    return {
        c.display_name: (c.uid, c.card_name, c.new_from_phone) for c in Contact.objects.filter(owner=user)
    }


def test_a_restored_account_keeps_its_cards_so_a_phone_sees_each_person_once(alice, bob):
    """A phone syncing the restored account by CardDAV finds the cards it had, at the same names, with the
    same UIDs; the restore sits beside the account it came from (UIDs are unique per owner)."""
    _rich_account(alice)
    ContactFactory(
        owner=alice, display_name="Paulo", uid="phone-made", card_name="Paulo P.vcf", new_from_phone=True
    )
    data = json.loads(json.dumps(backup_build(alice)))
    backup_restore(bob, data)
    assert _cards(bob) == _cards(alice)
    assert _cards(bob)["Paulo"] == ("phone-made", "Paulo P.vcf", True)
    phone = Client()
    phone.defaults.update(basic("bob", token_create(bob, "phone", Scope.READ)[1]))
    ana = Contact.objects.get(owner=alice, display_name="Ana Núñez")
    card = phone.get(f"/dav/bob/all/{ana.card_name}")
    assert card.status_code == 200 and f"UID:{ana.uid}" in card.content.decode()


def test_a_backup_from_before_phone_sync_restores_with_new_cards(alice, bob):
    _rich_account(alice)
    data = json.loads(json.dumps(backup_build(alice)))
    for item in data["contacts"]:
        for name in ("uid", "card_name", "new_from_phone"):
            item.pop(name)
    backup_restore(bob, data)
    restored = _cards(bob)
    assert len(restored) == 3
    for uid, card_name, new_from_phone in restored.values():
        assert uid and card_name == f"{uid}.vcf" and not new_from_phone
    assert not {uid for uid, _, _ in restored.values()} & {uid for uid, _, _ in _cards(alice).values()}


def test_a_backup_keeps_each_participants_intention_at_the_time(alice, bob):
    """The event cohorts count intentions changed since a meeting: a restore must not reset them."""
    _rich_account(alice)
    first = Participation.objects.filter(owner=alice).order_by("pk").first()
    Participation.objects.filter(pk=first.pk).update(intention_then="professional")
    data = json.loads(json.dumps(backup_build(alice)))
    backup_restore(bob, data)
    then = sorted(Participation.objects.filter(owner=alice).values_list("intention_then", flat=True))
    assert sorted(Participation.objects.filter(owner=bob).values_list("intention_then", flat=True)) == then
    # A backup from before the field restores each with the intention the contact has now.
    for item in data["interactions"]:
        del item["intentions_then"]
    carol = UserFactory()
    backup_restore(carol, data)
    for p in Participation.objects.filter(owner=carol).select_related("contact"):
        assert p.intention_then == p.contact.intention
