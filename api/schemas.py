"""The API's request and response bodies. Request fields are strict (a number is not a string, "true" is not
a boolean) and carry every limit the pages' forms check, so that what the schema calls valid, Kith accepts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
)

from accounts.choices import MAX_CADENCE_DAYS
from accounts.dates import DATE_BOUNDS_MESSAGE, date_in_bounds
from api.problems import Problem
from contacts.actions import TAG_MAX_LENGTH
from contacts.forms import MAX_EMAILS, MAX_PHONES, MAX_TAGS, PHONE_MAX_LENGTH
from interactions.forms import (
    CONTEXT_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    REMIND_NOTE_MAX_LENGTH,
    ROW_KEY_MAX_LENGTH,
)

# Text without NUL (PostgreSQL refuses it), and, for names, with at least one character that is not a space
# by Python's reckoning (the domain strips names, and an empty name is refused by the database).
NO_NUL = r"^[^\x00]*$"
_VISIBLE = r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
_NAME = rf"^[^\x00]*{_VISIBLE}[^\x00]*$"
# A subset of what Django's EmailValidator accepts, so that every address the schema allows is saved.
_EMAIL = (
    r"^[A-Za-z0-9_+-]+(\.[A-Za-z0-9_+-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,20}[A-Za-z0-9])?\.)+[A-Za-z]{2,20}$"
)


def _whole_number(value: object) -> object:
    """JSON has one number type: 3.0 is the integer 3 (as JSON Schema says), but "3" and true are not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Dates and moments as RFC 3339 text only (never a number of seconds), within Kith's years (accounts.dates),
# which the schema states as a pattern on the year.
_YEARS = r"(19[0-9]{2}|20[0-9]{2}|2100)"
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MOMENT_TEXT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _text_like(shape: re.Pattern[str], example: str) -> Any:
    def check(value: object) -> object:
        if not isinstance(value, str) or not shape.fullmatch(value):
            raise ValueError(f"Write it as {example}.")
        return value

    return BeforeValidator(check)


def _in_bounds[D: dt.date](value: D) -> D:
    if not date_in_bounds(value):
        raise ValueError(DATE_BOUNDS_MESSAGE)
    return value


Day = Annotated[
    dt.date,
    _text_like(_DATE_TEXT, "YYYY-MM-DD"),
    AfterValidator(_in_bounds),
    WithJsonSchema({"type": "string", "format": "date", "pattern": f"^{_YEARS}-"}),
]

_AWARE = TypeAdapter(AwareDatetime)


def _moment_or_day(value: object) -> object:
    """A day ("2026-12-05") or a moment with its offset, as the Python value it stands for."""
    if isinstance(value, str) and _DATE_TEXT.fullmatch(value):
        return dt.date.fromisoformat(value)
    if isinstance(value, str) and _MOMENT_TEXT.fullmatch(value):
        return _AWARE.validate_python(value)
    raise ValueError("Write it as YYYY-MM-DD, or YYYY-MM-DDThh:mm:ss with an offset (Z or +02:00).")


# When something happened: a moment, or a day alone (kept at noon in the user's time zone, as the pages do).
MomentOrDay = Annotated[
    dt.datetime | dt.date,
    BeforeValidator(_moment_or_day),
    AfterValidator(_in_bounds),
    WithJsonSchema(
        {
            "type": "string",
            "anyOf": [{"format": "date-time"}, {"format": "date"}],
            "pattern": f"^{_YEARS}-",
        }
    ),
]

Intention = Literal["personal", "professional", "both"]
Circle = Literal["inner", "close", "wider"]
Purpose = Literal["personal", "professional"]


Name = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200, pattern=_NAME)]
TagName = Annotated[
    str, StringConstraints(strict=True, min_length=1, max_length=TAG_MAX_LENGTH, pattern=_NAME)
]
Email = Annotated[str, StringConstraints(strict=True, max_length=254, pattern=_EMAIL)]
Phone = Annotated[str, StringConstraints(strict=True, max_length=PHONE_MAX_LENGTH, pattern=NO_NUL)]
Short = Annotated[str, StringConstraints(strict=True, max_length=200, pattern=NO_NUL)]
# Given and family names: their columns hold 100 characters.
NamePart = Annotated[str, StringConstraints(strict=True, max_length=100, pattern=NO_NUL)]
Notes = Annotated[str, StringConstraints(strict=True, max_length=NOTES_MAX_LENGTH, pattern=NO_NUL)]
Context = Annotated[str, StringConstraints(strict=True, max_length=CONTEXT_MAX_LENGTH, pattern=NO_NUL)]
RemindNote = Annotated[str, StringConstraints(strict=True, max_length=REMIND_NOTE_MAX_LENGTH, pattern=NO_NUL)]
RowKey = Annotated[
    str,
    StringConstraints(strict=True, min_length=1, max_length=ROW_KEY_MAX_LENGTH, pattern=r"^[A-Za-z0-9_-]+$"),
]
# Integers as JSON Schema means them (a number without a fraction, never a string or a boolean), within bounds
# the schema states.
Cadence = Annotated[int, Strict(), Field(ge=1, le=MAX_CADENCE_DAYS), BeforeValidator(_whole_number)]
ObjectId = Annotated[int, Strict(), Field(ge=1, le=2**63 - 1), BeforeValidator(_whole_number)]
DaysAhead = Annotated[int, Strict(), Field(ge=0, le=MAX_CADENCE_DAYS), BeforeValidator(_whole_number)]
SnoozeDays = Annotated[int, Strict(), Field(ge=1, le=365), BeforeValidator(_whole_number)]


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


class ContactOut(Schema):
    id: int
    display_name: str
    given_name: str
    family_name: str
    company: str
    title: str
    intention: Intention
    circle: Circle
    notes: str
    personal_cadence_days: int | None
    professional_cadence_days: int | None
    reminders_paused: bool
    archived: bool
    archived_at: dt.datetime | None
    birthday_month: int | None
    birthday_day: int | None
    birthday_year: int | None
    emails: list[str]
    phones: list[str]
    tags: list[str]
    last_interaction_at: dt.datetime | None
    next_followup_on: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class ContactIn(Input):
    display_name: Name
    intention: Intention
    given_name: NamePart = ""
    family_name: NamePart = ""
    company: Short = ""
    title: Short = ""
    circle: Circle = "close"
    notes: Notes = ""
    personal_cadence_days: Cadence | None = None
    professional_cadence_days: Cadence | None = None
    reminders_paused: StrictBool = False
    emails: list[Email] = Field(default_factory=list, max_length=MAX_EMAILS)
    phones: list[Phone] = Field(default_factory=list, max_length=MAX_PHONES)
    tags: list[TagName] = Field(default_factory=list, max_length=MAX_TAGS)


class ContactPatch(Input):
    """Only the fields sent change. For fields that cannot be empty, null means "leave as it is"; for the
    cadences, null means "the default of the contact's circle". `archived` archives or brings back."""

    display_name: Name | None = None
    intention: Intention | None = None
    given_name: NamePart | None = None
    family_name: NamePart | None = None
    company: Short | None = None
    title: Short | None = None
    circle: Circle | None = None
    notes: Notes | None = None
    personal_cadence_days: Cadence | None = None
    professional_cadence_days: Cadence | None = None
    reminders_paused: StrictBool | None = None
    archived: StrictBool | None = None
    emails: list[Email] | None = Field(default=None, max_length=MAX_EMAILS)
    phones: list[Phone] | None = Field(default=None, max_length=MAX_PHONES)
    tags: list[TagName] | None = Field(default=None, max_length=MAX_TAGS)


class CaptureIn(Input):
    """One person met at an event, as a quick-capture row: sent twice with the same `row_key`, it is saved
    once. `link` files the meeting under a known contact instead of a new one (the name is then ignored);
    `confirmed_new` saves a new person even though they look like someone already known."""

    row_key: RowKey
    name: Name
    intention: Intention
    context: Context = ""
    email: Email | None = None
    phone: Phone = ""
    company: Short = ""
    link: ObjectId | None = None
    confirmed_new: StrictBool = False
    remind_in_days: DaysAhead | None = Field(
        default=None, description="Remind me this many days from today (0: today)."
    )
    remind_note: RemindNote = ""


class CaptureOut(Schema):
    contact: ContactOut
    interaction_id: int
    event_id: int
    context: str
    repeated: bool = Field(description="True when an earlier request with this row key had saved the row.")


class ContactBrief(Schema):
    id: int
    display_name: str
    company: str


class DuplicateProblem(Problem):
    duplicates: list[ContactBrief] = []


class FollowUpOut(Schema):
    id: int
    contact_id: int
    contact_name: str
    purpose: Purpose
    reason: Literal["after_meeting", "cadence", "requested", "birthday"]
    state: Literal["scheduled", "sent", "done", "snoozed", "dismissed"]
    due_on: dt.date
    snoozed_until: dt.date | None
    note: str


class FollowUpList(Schema):
    items: list[FollowUpOut]


class SnoozeIn(Input):
    """Put a follow-up away for `days` (a week unless told), or until a day after today (`until` wins)."""

    days: SnoozeDays = 7
    until: Day | None = None


class DoneOut(Schema):
    followup: FollowUpOut
    interaction_id: int


class TagOut(Schema):
    id: int
    name: str
    contacts: int


class TagList(Schema):
    items: list[TagOut]


EventDays = Annotated[int, Strict(), Field(ge=1, le=366), BeforeValidator(_whole_number)]
Setting = Literal["informal", "formal"]
InteractionKind = Literal["met", "conversation", "call", "message", "email", "meal", "other"]


class EventOut(Schema):
    id: int
    name: str
    start_date: dt.date
    end_date: dt.date | None
    days: int = Field(description="How many days it lasts: 1 for a party, 3 for a three-day conference.")
    place: str
    setting: Literal["informal", "formal"]
    notes: str


class EventPage(Schema):
    items: list[EventOut]
    next_cursor: str | None


class EventIn(Input):
    """An event. Its length is given in days (1 by default), so that it never ends before it starts; one
    that would end after 2100 (Kith's last year) is 409."""

    name: Name
    start_date: Day
    days: EventDays = 1
    place: Short = ""
    setting: Setting
    notes: Notes = ""


class EventPatch(Input):
    """Only the fields sent change; null leaves a field as it is. A new start keeps the event's length."""

    name: Name | None = None
    start_date: Day | None = None
    days: EventDays | None = None
    place: Short | None = None
    setting: Setting | None = None
    notes: Notes | None = None


class InteractionOut(Schema):
    id: int
    occurred_at: dt.datetime
    kind: Literal["met", "conversation", "call", "message", "email", "meal", "other"]
    purpose: Purpose
    setting: Literal["informal", "formal"]
    event_id: int | None
    notes: str
    participants: list[int]


class InteractionPage(Schema):
    items: list[InteractionOut]
    next_cursor: str | None


# Bounds a request, not a meeting: more people than this are logged in several calls.
MAX_PARTICIPANTS = 200
Participants = Annotated[list[ObjectId], Field(min_length=1, max_length=MAX_PARTICIPANTS)]


class InteractionIn(Input):
    """A moment with one or more contacts. Without `purpose`, the rule the pages use picks it: the intention
    everyone shares, else the setting (formal is professional)."""

    participants: Participants = Field(description="Contact ids; archived contacts cannot be added.")
    occurred_at: MomentOrDay
    kind: InteractionKind = "conversation"
    purpose: Purpose | None = None
    setting: Setting | None = Field(None, description="The event's setting when left out, else informal.")
    event_id: ObjectId | None = None
    notes: Notes = ""


class InteractionPatch(Input):
    """Only the fields sent change. `event_id: null` takes the interaction off its event; for the other
    fields null leaves them as they are."""

    participants: Participants | None = None
    occurred_at: MomentOrDay | None = None
    kind: InteractionKind | None = None
    purpose: Purpose | None = None
    setting: Setting | None = None
    event_id: ObjectId | None = None
    notes: Notes | None = None


class TagIn(Input):
    name: TagName


class ReminderIn(Input):
    """Remind me of this contact on a day (today or later), about something. A `both` contact's reminder
    joins Friendships unless `purpose` says Network's."""

    due_on: Day
    note: Annotated[
        str, StringConstraints(strict=True, min_length=1, max_length=REMIND_NOTE_MAX_LENGTH, pattern=_NAME)
    ]
    purpose: Purpose | None = None


class Headline(Schema):
    people: int
    last_30: int
    last_90: int
    due: int
    overdue: int


class AttentionOut(Schema):
    contact_id: int
    display_name: str
    days_since: int
    cadence_days: int
    followup_id: int | None


class HealthCount(Schema):
    health: Literal["recent", "fading", "lapsed"]
    people: int


class CircleCount(Schema):
    circle: Circle
    people: int
    in_touch: int = Field(description="Seen within their cadence.")
    behind: int


class DashboardOut(Schema):
    group: Literal["friendships", "network"]
    headline: Headline
    attention: list[AttentionOut]
    attention_total: int
    health: list[HealthCount]
    circles: list[CircleCount]
