"""In a real browser: upload a file, confirm the preview, watch the progress bar finish while a worker
imports it, and find the imported people."""

from __future__ import annotations

import pytest

from tests.browser.conftest import _OneRequestAtATime
from transfer import imports, tasks
from transfer.models import ImportJob, ImportStatus

pytestmark = pytest.mark.browser

CARDS = "".join(
    f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nEMAIL:{email}\r\nCATEGORIES:Climbing\r\nEND:VCARD\r\n"
    for name, email in [
        ("Ana Núñez", "ana@example.com"),
        ("Sam Okafor", "sam@example.com"),
        ("Léa Dubois", "lea@example.com"),
        ("Kenji Watanabe", "kenji@example.com"),
    ]
)


def test_upload_a_vcard_watch_the_progress_bar_finish_and_find_the_people(
    desk, person, tmp_path, monkeypatch, artifacts_dir
):
    monkeypatch.setattr(imports, "BACKGROUND_ROWS", 2)
    queued = []
    # No worker runs here: the test plays the worker below, so nothing goes to a real broker.
    monkeypatch.setattr(tasks.run_import, "delay", queued.append)
    path = tmp_path / "friends.vcf"
    path.write_text(CARDS, encoding="utf-8")
    desk.get_by_role("navigation", name="Main").get_by_role("link", name="More").click()
    desk.get_by_role("link", name="Import and export").click()
    desk.get_by_label("File to import").set_input_files(str(path))
    desk.get_by_role("button", name="Show the preview").click()
    desk.get_by_text("Preview: nothing is saved yet").wait_for()
    assert desk.get_by_role("cell", name="Ana Núñez").is_visible()
    desk.get_by_label("Personal").check()
    desk.get_by_label("Tags for everyone in this file").fill("imported")
    desk.get_by_role("button", name="Import 4 contacts").click()

    # Queued: the page polls while no worker has taken the job yet.
    bar = desk.locator("#import-progress")
    bar.wait_for()
    assert bar.get_attribute("data-status") == ImportStatus.QUEUED
    job = ImportJob.objects.get(owner=person)
    assert queued == [job.pk]
    # A worker runs the job between two polls (the live server answers one request at a time).
    with _OneRequestAtATime._lock:
        imports.import_job_run(job.pk)
    desk.locator("#import-progress[data-status=done]").wait_for()
    assert desk.locator("#import-bar").get_attribute("value") == "100"
    assert "Done: 4 created" in bar.inner_text()
    desk.screenshot(path=str(artifacts_dir / "import-done-1280.png"), full_page=True)

    desk.get_by_role("link", name="See your contacts").click()
    desk.get_by_role("searchbox", name="Search").fill("nunez")
    desk.get_by_role("link", name="Ana Núñez").wait_for()
    desk.goto("/contacts/?q=climbing")
    for name in ("Ana Núñez", "Sam Okafor", "Léa Dubois", "Kenji Watanabe"):
        assert desk.get_by_role("link", name=name).is_visible()


def test_the_import_page_and_its_preview_fit_a_phone(phone, tmp_path, artifacts_dir):
    phone.goto("/transfer/")
    phone.get_by_label("File to import").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(artifacts_dir / "import-375.png"), full_page=True)
    path = tmp_path / "friends.vcf"
    path.write_text(CARDS, encoding="utf-8")
    phone.get_by_label("File to import").set_input_files(str(path))
    phone.get_by_role("button", name="Show the preview").click()
    phone.get_by_text("Preview: nothing is saved yet").wait_for()
    # The rows table scrolls inside its own box; the page itself does not.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(artifacts_dir / "import-preview-375.png"), full_page=True)
    phone.get_by_role("button", name="Import 4 contacts").click()
    phone.locator("#import-progress[data-status=done]").wait_for()
