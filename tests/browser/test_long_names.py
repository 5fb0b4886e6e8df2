"""A name typed as one very long word (a pasted handle, a name without spaces) wraps or is cut short inside
its card on every page that lists people or events, at 375 px and 1280 px: no page scrolls sideways because
of it. Its company, the event's place and the follow-up's note are one long word too."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.choices import Intention, Purpose, Setting
from interactions.actions import interaction_log
from interactions.models import Kind
from tests.factories import ContactFactory, EventFactory, FollowUpFactory

pytestmark = pytest.mark.browser

# The forms cap names at 200 characters; this one is nearly that, with nowhere to break.
LONG_WORD = "Maximiliana" + "x" * 180


@pytest.fixture
def long_names(person):
    """A contact and an event each named with one long word, met at that event, with a follow-up due."""
    contact = ContactFactory(
        owner=person, display_name=LONG_WORD, intention=Intention.BOTH, company=LONG_WORD
    )
    event = EventFactory(owner=person, name=LONG_WORD, place=LONG_WORD, start_date=timezone.localdate())
    interaction_log(
        person,
        [contact],
        occurred_at=timezone.now(),
        kind=Kind.MET,
        purpose=Purpose.PROFESSIONAL,
        setting=Setting.FORMAL,
        event=event,
        notes=LONG_WORD,
    )
    FollowUpFactory(contact=contact, purpose=Purpose.PERSONAL, note=LONG_WORD)
    return contact, event


def _pages(contact, event) -> dict[str, str]:
    return {
        "home": "/",
        "contacts": "/contacts/?q=Maximiliana",
        "contact": contact.get_absolute_url(),
        "events": "/events/",
        "event": event.get_absolute_url(),
        "due": "/due/",
        "capture-start": "/capture/",
        "capture-rows": f"/capture/{event.pk}/",
        "friendships": "/friendships/",
        "network": "/network/",
    }


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_a_long_one_word_name_never_widens_the_page(request, long_names, viewport, artifacts_dir):
    page = request.getfixturevalue(viewport)
    shots = artifacts_dir / "long-names"
    shots.mkdir(exist_ok=True)
    too_wide = {}
    for name, path in _pages(*long_names).items():
        page.goto(path)
        assert "Maximiliana" in page.content(), name
        page.screenshot(path=str(shots / f"{name}-{page.viewport_size['width']}.png"), full_page=True)
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            too_wide[name] = page.evaluate("document.documentElement.scrollWidth")
    assert too_wide == {}, f"pages wider than the screen: {too_wide}"
