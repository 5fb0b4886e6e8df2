"""A real CardDAV client, vdirsyncer (pinned in the dev dependencies), syncs Kith's Friendships book two-way
with a folder of .vcf files, against a live server: it finds the book from the server's root (well-known,
principal, home), then cards made, edited and deleted on each side, and a conflict, end where they should; and
a second sync changes nothing on either side."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from accounts.choices import Intention
from api.models import Scope
from api.tokens import token_create
from contacts.actions import contact_archive, contact_update
from contacts.models import CardChange, Contact
from tests.factories import ContactFactory, UserFactory

VDIRSYNCER = Path(sys.executable).with_name("vdirsyncer")


def vcard(uid: str, name: str, *extra: str) -> str:
    return "\r\n".join(["BEGIN:VCARD", "VERSION:3.0", f"UID:{uid}", f"FN:{name}", *extra, "END:VCARD", ""])


class Pair:
    """A vdirsyncer configuration in a temporary folder: Kith's Friendships book (a) and a folder (b)."""

    def __init__(self, tmp_path: Path, url: str, password: str, conflict: str) -> None:
        self.folder = tmp_path / "cards" / "friendships"
        self.folder.mkdir(parents=True)
        self.config = tmp_path / "config"
        self.config.write_text(
            f"""[general]
status_path = "{tmp_path / "status"}/"

[pair phone]
a = "kith"
b = "folder"
collections = ["friendships"]
conflict_resolution = "{conflict}"

[storage kith]
type = "carddav"
url = "{url}/"
username = "alice"
password = "{password}"

[storage folder]
type = "filesystem"
path = "{tmp_path / "cards"}/"
fileext = ".vcf"
"""
        )

    def run(self, *args: str) -> str:
        result = subprocess.run(
            [str(VDIRSYNCER), "-c", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout + result.stderr

    def cards(self) -> dict[str, str]:
        """The folder's cards by UID."""
        cards = {}
        for path in self.folder.glob("*.vcf"):
            text = path.read_text()
            uid = next(line[4:] for line in text.splitlines() if line.startswith("UID:"))
            cards[uid] = text
        return cards

    def path_of(self, uid: str) -> Path:
        return next(p for p in self.folder.glob("*.vcf") if f"UID:{uid}" in p.read_text())


def assert_a_sync_changes_nothing(pair: Pair, owner) -> None:
    """Another sync copies, updates and deletes nothing: the folder's files are as they were (bytes and
    modification times), and Kith's contacts and its log of card changes (the sync token) too."""

    def folder() -> dict[str, tuple[bytes, int]]:
        return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in pair.folder.glob("*.vcf")}

    def kith() -> tuple[list, list]:
        contacts = Contact.objects.filter(owner=owner).order_by("pk")
        changes = CardChange.objects.filter(owner=owner).order_by("pk")
        return list(contacts.values_list("uid", "updated_at")), list(changes.values_list("pk", "name"))

    folder_before, kith_before = folder(), kith()
    output = pair.run("sync")
    assert "Copying" not in output and "Updating" not in output and "Deleting" not in output, output
    assert folder() == folder_before
    assert kith() == kith_before


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("conflict", "winner"), [("a wins", "Kith's side"), ("b wins", "The folder's side")])
def test_vdirsyncer_syncs_friendships_two_way_with_a_folder(live_server, tmp_path, conflict, winner):
    assert VDIRSYNCER.exists(), "vdirsyncer is a dev dependency: pip install -c constraints.txt -e '.[dev]'"
    alice = UserFactory(username="alice")
    ana = ContactFactory(owner=alice, display_name="Ana", intention=Intention.PERSONAL)
    bea = ContactFactory(owner=alice, display_name="Bea", intention=Intention.BOTH)
    eve = ContactFactory(owner=alice, display_name="Eve", intention=Intention.PERSONAL)
    fay = ContactFactory(owner=alice, display_name="Fay", intention=Intention.PERSONAL)
    ContactFactory(owner=alice, display_name="Neil", intention=Intention.PROFESSIONAL)
    pair = Pair(tmp_path, live_server.url, token_create(alice, "vdirsyncer", Scope.WRITE)[1], conflict)
    (pair.folder / "dora.vcf").write_text(vcard("dora", "Dora", "TEL;TYPE=CELL:+44 7700 900123"))

    # 1. The first sync: Kith's friends reach the folder and the folder's card reaches Kith.
    pair.run("discover")
    pair.run("sync")
    assert set(pair.cards()) == {ana.uid, bea.uid, eve.uid, fay.uid, "dora"}
    dora = Contact.objects.get(owner=alice, uid="dora")
    assert dora.intention == Intention.PERSONAL and dora.reminders_paused and dora.new_from_phone
    assert [p.number for p in dora.phones.all()] == ["+44 7700 900123"]
    assert_a_sync_changes_nothing(pair, alice)

    # 2. Edits on each side, a conflict (both edit Dora), a delete on each side.
    contact_update(ana, display_name="Ana Lima")
    bea_path = pair.path_of(bea.uid)
    bea_path.write_text(bea_path.read_text().replace("FN:Bea", "FN:Bea Costa"))
    contact_update(dora, company="Kith's side")
    dora_path = pair.path_of("dora")
    dora_path.write_text(vcard("dora", "Dora", "ORG:The folder's side"))
    pair.path_of(eve.uid).unlink()
    contact_archive(fay)
    (pair.folder / "gus.vcf").write_text(vcard("gus", "Gus"))
    pair.run("sync")

    cards = pair.cards()
    assert set(cards) == {ana.uid, bea.uid, "dora", "gus"}  # Eve deleted there, Fay archived here
    assert "FN:Ana Lima" in cards[ana.uid]
    assert f"ORG:{winner}" in cards["dora"] and cards["dora"].count("ORG:") == 1
    for contact in (ana, bea, dora, eve, fay):
        contact.refresh_from_db()
    assert bea.display_name == "Bea Costa" and bea.intention == Intention.BOTH
    assert dora.company == winner
    assert eve.archived_at is not None and fay.archived_at is not None
    assert Contact.objects.get(owner=alice, uid="gus").intention == Intention.PERSONAL

    # 3. Kith answered each PUT with the ETag of the card as sent (and serves that text until the card
    #    changes in Kith), so the next sync downloads nothing and uploads nothing.
    assert_a_sync_changes_nothing(pair, alice)
    assert pair.cards()["gus"] == vcard("gus", "Gus").replace("\r\n", "\n")
