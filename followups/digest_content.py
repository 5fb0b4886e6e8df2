"""What a digest says and the email made of it (PRODUCT.md, "The digest"); followups.digests sends it.

What goes in (`digest_content`): the follow-ups that became due since the last digest, that is every open
follow-up not emailed yet (scheduled and due, or snoozed until then), of contacts that get reminders, of the
purposes the digest of that day carries (`contacts.policy.digest_purposes`: professional ones only on working
days, and a weekly digest on a weekend carries Friendships only, its Network follow-ups going in a
Network-only digest on the next working day). Grouped Friendships / Network, most overdue first by the
policy's score, at most 10 per group with "and N more" (those stay scheduled and lead a later digest), and a
line counting older ones still open (emailed before, not done, snoozed or dismissed). Nothing due, no digest.

How each item reads: who, why now (met at, last time, snoozed until today), one suggested step for its
purpose, and the user's own note once. After-meeting follow-ups from one event come as one block, the
morning-after recap ("From PyCon, Thursday"), with a link to add someone forgotten. Kith's own words on an
interaction ("I reached out", followups.engine.REACHED_OUT_NOTES) are never shown as a memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, make_msgid
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse

from accounts.choices import Purpose
from accounts.display import date_style_override, day_near
from accounts.emails import email_make, email_site_domain
from accounts.models import User
from contacts import policy, wording
from contacts.models import Contact
from contacts.policy import DigestSchedule, Reason
from followups.engine import GROUP_TITLES, followups_group, reached_out_note
from followups.links import LinkAction, followup_link_url, unsubscribe_url
from followups.models import FollowUp, FollowUpQuerySet, FollowUpState
from interactions.models import Event, Interaction, Participation

GROUP_CAP = 10
# The FollowUp columns "most overdue first" and the grouping read.
_RANK_FIELDS = ("purpose", "reason", "state", "due_on", "snoozed_until", "clock_since", "cadence_days")
_SNIPPET = 160

# The one suggested step of each kind of follow-up, by purpose (PRODUCT.md's wording row): personal ones never
# carry a career or business nudge.
STEPS: dict[str, dict[str, str]] = {
    Purpose.PERSONAL: {
        Reason.AFTER_MEETING: "Say it was good to see them, and make a plan to meet again.",
        Reason.CADENCE: "Catch up: ask how they are doing, and make plans to get together.",
    },
    Purpose.PROFESSIONAL: {
        Reason.AFTER_MEETING: "Thank them for the conversation, and share what you promised.",
        Reason.CADENCE: "Propose a next step: share something useful to them, or suggest a call.",
    },
}


# How each item reads ---------------------------------------------------------------------------------------


def _snippet(text: str) -> str:
    """The first non-empty line of a note, shortened: enough to recall, never the whole page."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= _SNIPPET else line[: _SNIPPET - 1].rstrip() + "…"


def _folded(text: str) -> str:
    return " ".join(text.split()).rstrip(".").casefold()


def day_recent(day: dt.date, today: dt.date) -> str:
    """A day as a friend would say it: "today", a weekday name within the last six days ("Thursday"), else
    the day in the user's style ("3 May")."""
    days = (today - day).days
    if days == 0:
        return "today"
    if 0 < days <= wording.DUE_WEEKDAY_DAYS:
        return wording.WEEKDAY_NAMES[day.weekday()]
    return day_near(day, today)


def _on(day: dt.date, today: dt.date) -> str:
    words = day_recent(day, today)
    return words if words == "today" else f"on {words}"


@dataclass(frozen=True)
class ItemWords:
    """One digest item in words: why now, the one suggested step, and the user's own note (said once)."""

    why: str
    step: str
    note: str = ""


def _step(purpose: str, reason: str) -> str:
    steps = STEPS[purpose]
    return steps.get(reason, steps[Reason.CADENCE])


def _last_time(last: Interaction, today: dt.date, zone: dt.tzinfo) -> tuple[str, str]:
    """The "last time" sentence, and the user's own words it quotes ("" when none). Kith's "I reached out"
    note is not a memory: it says that the user reached out, and quotes only what they wrote themselves."""
    on = day_recent(policy.local_date(last.occurred_at, zone), today)
    reached = reached_out_note(last.notes)
    if reached is not None:
        words = _snippet(reached)
        return (
            f"You last reached out on {on}: {words}" if words else f"You last reached out on {on}."
        ), words
    memory = _snippet(last.notes)
    return (f"Last time, {on}: {memory}" if memory else f"Last in touch on {on}."), memory


def followup_wording(
    followup: FollowUp,
    contact: Contact,
    last: Interaction | None,
    today: dt.date,
    zone: dt.tzinfo,
    *,
    in_recap: bool = False,
) -> ItemWords:
    """How the digest words one follow-up, by the follow-up's purpose (never by the contact's intention, so a
    `both` contact gets one of each): why now, one step, and the user's own note about them, once.

    `last` is the contact's latest interaction of that purpose. In an event's recap the heading already says
    where and when they met, so the item only quotes what the user noted there. Days are written in the
    active date style (a digest is made under its user's), without the year when it is this year's.
    """
    day = partial(day_near, today=today)
    why: list[str] = []
    said: list[str] = []  # the user's own words already quoted, so their note is not said twice
    if followup.state == FollowUpState.SNOOZED and followup.snoozed_until is not None:
        why.append(f"You snoozed this until {day_recent(followup.snoozed_until, today)}.")
    step = _step(followup.purpose, followup.reason)
    met_on = followup.clock_since
    meeting = last if last is not None and policy.local_date(last.occurred_at, zone) == met_on else None
    if followup.reason == Reason.AFTER_MEETING and met_on is not None:
        noted = (
            "" if meeting is None or reached_out_note(meeting.notes) is not None else _snippet(meeting.notes)
        )
        said.append(noted)
        if in_recap:
            why.append(f"“{noted}”" if noted else "")
        else:
            where = f" at {meeting.event.name}" if meeting is not None and meeting.event is not None else ""
            met = f"You met{where} {_on(met_on, today)}"
            why.append(f"{met}: {noted}" if noted else f"{met}.")
    else:
        if followup.reason == Reason.REQUESTED:
            asked = _on(followup.due_on, today)
            why.append(f"You asked to be reminded {asked}.")
            if followup.note.strip():
                step = _snippet(followup.note)
                said.append(step)
        elif followup.reason == Reason.BIRTHDAY:
            if followup.due_on == today:
                why.append("It is their birthday today.")
                step = "Send your wishes."
            else:
                why.append(f"Their birthday was on {day(followup.due_on)}.")
                step = "It is not too late to send your wishes."
        if last is not None:
            sentence, words = _last_time(last, today, zone)
            why.append(sentence)
            said.append(words)
        elif followup.reason == Reason.CADENCE and met_on is not None:
            why.append(f"Nothing logged since {day(met_on)}.")
    note = _snippet(contact.notes)
    if note and _folded(note) in {_folded(words) for words in said if words}:
        note = ""
    return ItemWords(" ".join(part for part in why if part), step, note)


def _last_interactions(followups: Iterable[FollowUp]) -> dict[tuple[int, str], Interaction]:
    """Each contact's latest interaction of each follow-up's purpose, in one query that returns only those:
    the newest participation per contact and purpose, not every one of the listed contacts."""
    wanted = {(f.contact_id, f.purpose) for f in followups}
    if not wanted:
        return {}
    rows = (
        Participation.objects.filter(
            contact_id__in={c for c, _ in wanted}, interaction__purpose__in={p for _, p in wanted}
        )
        .annotate(
            newest=Window(
                RowNumber(),
                partition_by=[F("contact_id"), F("interaction__purpose")],
                order_by=[F("interaction__occurred_at").desc(), F("interaction_id").desc()],
            )
        )
        .filter(newest=1)
        .select_related("interaction__event")
    )
    found = {(row.contact_id, row.interaction.purpose): row.interaction for row in rows}
    return {key: interaction for key, interaction in found.items() if key in wanted}


# The digest's shape ----------------------------------------------------------------------------------------


@dataclass
class DigestItem:
    followup: FollowUp
    contact: Contact
    words: ItemWords
    done_url: str
    snooze_url: str
    stop_url: str
    contact_url: str

    @property
    def lines(self) -> list[str]:
        """The item's sentences, in reading order (why, step, note)."""
        note = f"Remember: {self.words.note}" if self.words.note else ""
        return [line for line in (self.words.why, self.words.step, note) if line]


@dataclass
class DigestRecap:
    """The morning-after recap of one event: everyone met there whose after-meeting follow-up is due."""

    event: Event
    met_on: list[dt.date]
    today: dt.date
    capture_url: str

    @property
    def when(self) -> str:
        first, last = min(self.met_on), max(self.met_on)
        if first == last:
            return day_recent(first, self.today)
        return f"{day_recent(first, self.today)} to {day_recent(last, self.today)}"


@dataclass
class DigestBlock:
    """One entry of a group: an event's recap (its people together), or one follow-up on its own."""

    items: list[DigestItem]
    recap: DigestRecap | None = None

    @property
    def names(self) -> str:
        return names_in_words([item.contact.display_name for item in self.items])


@dataclass
class DigestGroup:
    purpose: str
    blocks: list[DigestBlock]
    more: int

    @property
    def title(self) -> str:
        return GROUP_TITLES[self.purpose]

    @property
    def items(self) -> list[DigestItem]:
        return [item for block in self.blocks for item in block.items]


@dataclass
class DigestContent:
    user: User
    local_date: dt.date
    groups: list[DigestGroup] = field(default_factory=list)
    older_open: int = 0
    test: bool = False
    # A Network-only digest: the working day after a weekly digest that fell on a weekend.
    network_only: bool = False
    # Network follow-ups due but held for the next working day's digest, and that day.
    network_waiting: int = 0
    network_on: dt.date | None = None

    @property
    def followup_ids(self) -> list[int]:
        """The follow-ups this digest emails: those it lists by name, not the ones in "and N more"."""
        return [item.followup.pk for group in self.groups for item in group.items]

    @property
    def names(self) -> list[str]:
        return [item.contact.display_name for group in self.groups for item in group.items]

    @property
    def total(self) -> int:
        return sum(len(group.items) + group.more for group in self.groups)


def names_in_words(names: Sequence[str]) -> str:
    """ "Anna", "Anna and Bruno", "Anna, Bruno and Chen"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def subject_names(names: Sequence[str], total: int) -> str:
    """Up to two people by name, the rest counted: "Anna", "Anna and Bruno", "Anna, Bruno and 3 more"."""
    shown = list(names[:2])
    rest = total - len(shown)
    if rest > 0:
        return f"{', '.join(shown)} and {rest} more"
    return names_in_words(shown)


# What goes in ----------------------------------------------------------------------------------------------


def followups_sendable(local_date: dt.date, purposes: Sequence[str]) -> FollowUpQuerySet:
    """Every user's follow-ups a digest on `local_date` carrying `purposes` may email: not emailed yet
    (scheduled and due, or snoozed until then), of contacts that get reminders. The one definition of these
    rules: one user's digest and the tick's "who has something to send" both read it."""
    return (
        FollowUp.objects.filter(purpose__in=list(purposes))
        .active()
        .filter(
            Q(state=FollowUpState.SCHEDULED, due_on__lte=local_date)
            | Q(state=FollowUpState.SNOOZED, snoozed_until__lte=local_date)
        )
    )


def digest_followups(user: User, local_date: dt.date, purposes: Sequence[str]) -> FollowUpQuerySet:
    """The follow-ups `user`'s digest on `local_date` may email (see `followups_sendable`)."""
    # A follow-up's contact is always its owner's (accounts.ownership); saying so again lets PostgreSQL read
    # this user's contacts through their owner index instead of every contact of every user.
    return followups_sendable(local_date, purposes).filter(owner=user, contact__owner=user)


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _item(followup: FollowUp, words: ItemWords) -> DigestItem:
    return DigestItem(
        followup=followup,
        contact=followup.contact,
        words=words,
        done_url=followup_link_url(followup, LinkAction.DONE),
        snooze_url=followup_link_url(followup, LinkAction.SNOOZE),
        stop_url=followup_link_url(followup, LinkAction.STOP),
        contact_url=_absolute(followup.contact.get_absolute_url()),
    )


# An event's meetings come together as a recap ("From PyCon, Thursday") only while they are recent: a weekly
# digest and a snooze or two later. An older after-meeting follow-up is a catch-up with that person alone.
RECAP_DAYS = 14


def _blocks(
    followups: list[FollowUp], last: dict[tuple[int, str], Interaction], today: dt.date, zone: dt.tzinfo
) -> list[DigestBlock]:
    """The group's entries in rank order: an after-meeting follow-up whose meeting was at an event joins
    that event's recap, placed where its first (most overdue) person would be; the rest stand alone."""
    blocks: list[DigestBlock] = []
    recaps: dict[int, DigestBlock] = {}
    for followup in followups:
        meeting = last.get((followup.contact_id, followup.purpose))
        met_on = followup.clock_since
        event = (
            meeting.event
            if followup.reason == Reason.AFTER_MEETING
            and meeting is not None
            and met_on is not None
            and policy.local_date(meeting.occurred_at, zone) == met_on
            and (today - met_on).days <= RECAP_DAYS
            else None
        )
        words = followup_wording(followup, followup.contact, meeting, today, zone, in_recap=event is not None)
        if event is None or met_on is None:
            blocks.append(DigestBlock([_item(followup, words)]))
            continue
        block = recaps.get(event.pk)
        if block is None:
            capture = _absolute(reverse("capture_event", args=[event.pk]))
            block = recaps[event.pk] = DigestBlock([], DigestRecap(event, [], today, capture))
            blocks.append(block)
        assert block.recap is not None
        block.items.append(_item(followup, words))
        block.recap.met_on.append(met_on)
    return blocks


def digest_content(
    user: User, local_date: dt.date, *, purposes: Sequence[str] | None = None, test: bool = False
) -> DigestContent | None:
    """What the digest of `local_date` says, or None when nothing is due (a test digest says so instead).

    1. The purposes it carries: by default the user's schedule's for that day (`policy.digest_purposes`).
    2. The follow-ups to email, grouped by purpose, most overdue first, capped per group.
    3. The count of older follow-ups still open (emailed before and not yet done, snoozed or dismissed), and
       of Network follow-ups held for the next working day when this digest carries none.
    4. For each one listed: its words, its signed one-click links, and its event's recap.
    """
    schedule = DigestSchedule.from_user(user)
    if purposes is None:
        purposes = policy.digest_purposes(schedule, local_date)
    # Ranked on the few columns the order needs; only the listed ones (at most GROUP_CAP a group) are then
    # read whole, with their contacts: a user with thousands due does not load thousands of contacts.
    ranked = list(digest_followups(user, local_date, purposes).only(*_RANK_FIELDS)) if purposes else []
    if not ranked and not test:
        return None
    groups = followups_group(ranked, local_date, cap=GROUP_CAP)
    full = FollowUp.objects.select_related("contact").in_bulk([f.pk for group in groups for f in group.items])
    for group in groups:
        group.items = [full[f.pk] for f in group.items if f.pk in full]
    last = _last_interactions([f for group in groups for f in group.items])
    content = DigestContent(user, local_date, test=test)
    content.network_only = tuple(purposes) == (Purpose.PROFESSIONAL,)
    content.older_open = (
        FollowUp.objects.filter(owner=user, state=FollowUpState.SENT, due_on__lte=local_date).active().count()
    )
    if Purpose.PROFESSIONAL not in purposes:
        content.network_waiting = digest_followups(user, local_date, [Purpose.PROFESSIONAL]).count()
        content.network_on = policy.next_working_day(local_date)
    # The wording writes days in the user's date style, as the email's templates do (digest_message).
    with date_style_override(user.date_style):
        for group in groups:
            blocks = _blocks(group.items, last, local_date, user.zone)
            content.groups.append(DigestGroup(group.purpose, blocks, group.more))
    return content


# The email -------------------------------------------------------------------------------------------------


def digest_message_id(user_id: int, local_date: dt.date) -> str:
    """The stable Message-ID of one user's digest of one local date: a repeat after a crash is the same
    message to the receiving server and to the reader's mail client."""
    return f"<kith-digest-{user_id}-{local_date:%Y%m%d}@{email_site_domain()}>"


def digest_message(content: DigestContent) -> EmailMultiAlternatives:
    """The multipart email of a digest, to the user's reminder address, with the one-click unsubscribe
    headers (RFC 8058) and, unless it is a test, the digest's stable Message-ID."""
    user = content.user
    context = {
        "content": content,
        "user": user,
        "subject_names": subject_names(content.names, content.total),
        "due_url": _absolute(reverse("due")),
        "settings_url": _absolute(reverse("settings")),
        "unsubscribe_url": unsubscribe_url(user),
        "digest_hour": f"{user.digest_hour:02d}:00",
    }
    headers = {
        "Message-ID": make_msgid("kith-test-digest", domain=email_site_domain())
        if content.test
        else digest_message_id(user.pk, content.local_date),
        "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    with date_style_override(user.date_style):
        return email_make("digest", user.reminder_address, context, headers=headers)
