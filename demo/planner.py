"""The plan of one user's believable history: contacts, events and interactions, worked out in memory from one
seeded random generator, without touching the database. demo.seed writes it.

The plan must stay a pure function of the generator, the size and "now": every step below draws from the
generator in a fixed order, so reordering the draws changes every demo and benchmark built after it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass, field

from accounts.choices import Intention, Setting, purpose_setting
from contacts.models import Contact
from demo.vocabulary import (
    CIRCLE_WEIGHT,
    CIRCLES,
    COMPANIES,
    CONTACT_NOTES,
    FAMILY_NAMES,
    FORMAL_EVENTS,
    GIVEN_NAMES,
    INFORMAL_EVENTS,
    INTENTIONS,
    INTERACTION_NOTES,
    KIND_WEIGHTS,
    MET_NOTES,
    OPPOSITE,
    OTHER_SETTING,
    PERSONAL_HOME_DOMAINS,
    PERSONAL_TAGS,
    PROFESSIONAL_TAGS,
    PRONOUNS,
    SETTINGS,
    TITLES,
)
from interactions.actions import interaction_default_purpose
from interactions.models import Event, Kind


@dataclass(frozen=True)
class DemoSize:
    contacts: int = 60
    interactions: int = 400
    years: float = 1.0


@dataclass
class PlannedContact:
    contact: Contact
    known_from: dt.datetime
    until: dt.datetime
    created_at: dt.datetime
    tags: list[int]
    bucket: str
    emails: list[tuple[str, str]] = field(default_factory=list)
    phones: list[tuple[str, str, str]] = field(default_factory=list)
    drift_from: dt.datetime | None = None
    first_seen: dt.datetime | None = None


@dataclass
class PlannedInteraction:
    # Plain values rather than Interaction instances: at benchmark sizes, building 100,000 model instances
    # costs more than everything else in the plan.
    occurred_at: dt.datetime
    kind: str
    purpose: str
    setting: str
    event: int | None
    notes: str
    participants: list[int]


def _ascii_slug(text: str, sep: str = "") -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", sep, plain).strip(sep)


class Planner:
    """Plans one user's contacts, events and interactions in memory, without touching the database.

    Contacts and events are referred to by their index in `contacts` and `events`, which demo.seed turns
    into database ids once the rows exist.
    """

    def __init__(self, rng: random.Random, size: DemoSize, now: dt.datetime, zone: zoneinfo.ZoneInfo) -> None:
        self.rng = rng
        self.size = size
        self.now = now
        self.zone = zone
        self.start = now - dt.timedelta(days=365.25 * size.years)
        self.tags: list[str] = PERSONAL_TAGS + PROFESSIONAL_TAGS
        self.contacts: list[PlannedContact] = []
        self.events: list[Event] = []
        self.interactions: list[PlannedInteraction] = []

    # Helpers for time: the demo user lives in `zone`, so hours of day are chosen locally.

    def at(self, day: dt.date, hour: int, minute: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.zone)

    def _between(self, lo: dt.datetime, hi: dt.datetime) -> dt.datetime:
        return lo + (hi - lo) * self.rng.random()

    def plan(self) -> None:
        self._plan_events()
        self._plan_contacts()
        self._plan_met_interactions()
        self._plan_other_interactions()
        self._settle_created_at()

    # Events ----------------------------------------------------------------------------------------------

    def _plan_events(self) -> None:
        rng = self.rng
        count = 0
        if self.size.contacts:
            # About one event per four contacts (15 for the demo's 60), but no more than a busy person goes
            # to in the span: a benchmark's 10,000 contacts meet at 60 conferences, not at 2,500 events.
            count = max(1, min(round(self.size.contacts / 4), round(60 * self.size.years)))
        first = self.start.astimezone(self.zone).date() + dt.timedelta(days=7)
        last = self.now.astimezone(self.zone).date() - dt.timedelta(days=2)
        first = min(first, last)
        span = (last - first).days
        unused = {
            True: rng.sample(FORMAL_EVENTS, len(FORMAL_EVENTS)),
            False: rng.sample(INFORMAL_EVENTS, len(INFORMAL_EVENTS)),
        }
        for _ in range(count):
            formal = rng.random() < 0.55
            if unused[formal]:
                name, place, longest, _recurring = unused[formal].pop()
            else:
                pool = FORMAL_EVENTS if formal else INFORMAL_EVENTS
                name, place, longest, _recurring = rng.choice([e for e in pool if e[3]])
            day = first + dt.timedelta(days=rng.randint(0, span))
            # Conferences and workshops fall on weekdays, parties and climbing nights mostly on weekends.
            if formal and day.weekday() >= 5:
                day -= dt.timedelta(days=day.weekday() - 3)
            elif not formal and day.weekday() < 4 and rng.random() < 0.6:
                day += dt.timedelta(days=5 - day.weekday())
            day = max(first, min(day, last))
            days = rng.randint(1, longest) if longest > 1 and rng.random() < 0.7 else 1
            end = min(day + dt.timedelta(days=days - 1), last)
            if formal and name in {"PyCon UK", "Web Summit", "Design Systems London"}:
                name = f"{name} {day.year}"
            self.events.append(
                Event(
                    name=name,
                    start_date=day,
                    end_date=end if end > day else None,
                    place=place,
                    setting=Setting.FORMAL if formal else Setting.INFORMAL,
                )
            )
        self.events.sort(key=lambda e: e.start_date)

    # Contacts --------------------------------------------------------------------------------------------

    def _plan_contacts(self) -> None:
        rng = self.rng
        used: set[tuple[str, str]] = set()
        import_at = self.start + dt.timedelta(minutes=rng.randint(5, 600))
        late = max(self.start, self.now - dt.timedelta(days=3))
        for index in range(self.size.contacts):
            contact, tag_names, domain = self._new_contact(used)
            # Most contacts came in with an import when the user started; others were added by hand along
            # the way. Contacts met at events get their dates later, from the event (_plan_met_interactions).
            if rng.random() < 0.65:
                created = import_at + dt.timedelta(seconds=index)
            else:
                created = self._between(self.start, late)
            intention = contact.intention
            self.contacts.append(
                PlannedContact(
                    contact=contact,
                    known_from=created,
                    until=self.now,
                    created_at=created,
                    tags=sorted(self.tags.index(t) for t in tag_names),
                    bucket=tag_names[0] if tag_names else intention,
                    emails=self._emails(contact.given_name, contact.family_name, intention, domain),
                    phones=self._phones() if rng.random() < 0.45 else [],
                )
            )

    def _new_contact(self, used: set[tuple[str, str]]) -> tuple[Contact, list[str], str]:
        """A new contact, with the names of their tags and their company's domain ("" without one)."""
        rng = self.rng
        gender, given, family = self._pick_name(used)
        obj, pos = PRONOUNS[gender]
        intention = rng.choices(INTENTIONS, [45, 35, 20])[0]
        circle = rng.choices(CIRCLES, [10, 35, 55])[0]
        company = title = domain = ""
        if intention != Intention.PERSONAL or rng.random() < 0.35:
            company, domain = rng.choice(COMPANIES)
            title = rng.choice(TITLES)
        notes = rng.choice(CONTACT_NOTES[intention]).format(obj=obj, pos=pos)
        tag_pools: dict[str, list[str]] = {
            Intention.PERSONAL: PERSONAL_TAGS,
            Intention.PROFESSIONAL: PROFESSIONAL_TAGS,
            Intention.BOTH: self.tags,
        }
        tag_pool = tag_pools[intention]
        tag_names = rng.sample(tag_pool, rng.choices([0, 1, 2, 3], [25, 45, 22, 8])[0])

        contact = Contact(
            display_name=f"{given} {family}",
            given_name=given,
            family_name=family,
            company=company,
            title=title,
            notes=notes,
            intention=intention,
            circle=circle,
            reminders_paused=rng.random() < 0.06,
        )
        if intention != Intention.PROFESSIONAL and rng.random() < 0.3:
            contact.birthday_month = rng.randint(1, 12)
            contact.birthday_day = rng.randint(1, 28)
            if rng.random() < 0.4:
                contact.birthday_year = rng.randint(1958, 2002)
        if company and rng.random() < 0.3:
            contact.links = [f"https://{domain}/team/{_ascii_slug(f'{given} {family}', '-')}"]
        # The tags go in through the m2m table in bulk, which no receiver sees, so the search text is
        # made here with the tag names already in it.
        contact.search_text = contact.build_search_text(tag_names)
        return contact, tag_names, domain

    def _pick_name(self, used: set[tuple[str, str]]) -> tuple[str, str, str]:
        """A gender (f, m or n) and a given and family name, remembered in `used`."""
        rng = self.rng
        gender = rng.choices(["f", "m", "n"], [46, 44, 10])[0]
        names = GIVEN_NAMES[gender]
        # Few repeats while the combinations last; thousands of contacts have namesakes, as life does.
        for _ in range(6):
            given, family = rng.choice(names), rng.choice(FAMILY_NAMES)
            if (given, family) not in used:
                break
        used.add((given, family))
        return gender, given, family

    def _emails(self, given: str, family: str, intention: str, domain: str) -> list[tuple[str, str]]:
        rng = self.rng
        local = f"{_ascii_slug(given)}.{_ascii_slug(family)}"
        emails = []
        if domain and rng.random() < 0.6:
            emails.append((f"{_ascii_slug(given)}@{domain}", "work"))
        if (intention != Intention.PROFESSIONAL or not emails) and rng.random() < 0.5:
            emails.append((f"{local}@{rng.choice(PERSONAL_HOME_DOMAINS)}", "home"))
        return emails

    def _phones(self) -> list[tuple[str, str, str]]:
        # Ofcom's drama range (07700 900000-900999): numbers that look real and reach no one.
        n = self.rng.randint(0, 999)
        return [(f"07700 900{n:03d}", f"+447700900{n:03d}", "mobile")]

    # Interactions ----------------------------------------------------------------------------------------

    def _plan_met_interactions(self) -> None:
        """Some contacts were met at an event: one `met` interaction for each small group met together,
        and the contact is created during the event, as quick capture would."""
        rng = self.rng
        if not self.events:
            return
        by_setting = {s: [i for i, e in enumerate(self.events) if e.setting == s] for s in SETTINGS}
        everyone = list(range(len(self.events)))
        met_at: dict[int, list[int]] = {}
        for index, planned in enumerate(self.contacts):
            if rng.random() >= 0.4:
                continue
            intention = planned.contact.intention
            if intention == Intention.BOTH:
                pool = everyone
            else:
                usual = purpose_setting(intention)
                # The line blurs: one in seven is met in the "wrong" setting (a friend made at a conference).
                setting = usual if rng.random() < 6 / 7 else OTHER_SETTING[usual]
                pool = by_setting[setting] or everyone
            met_at.setdefault(rng.choice(pool), []).append(index)

        groups: list[tuple[int, list[int]]] = []
        for event_index in sorted(met_at):
            people = met_at[event_index]
            while people:
                size = rng.choices([1, 2, 3], [60, 30, 10])[0]
                groups.append((event_index, people[:size]))
                people = people[size:]
        rng.shuffle(groups)
        # Meetings stay a minority of the history, whatever the sizes asked for; the contacts left over keep
        # the import or hand-added date planned for them.
        groups = groups[: self.size.interactions // 4]
        groups.sort(key=lambda g: (g[0], g[1]))

        for event_index, members in groups:
            event = self.events[event_index]
            end = event.end_date or event.start_date
            day = event.start_date + dt.timedelta(days=rng.randint(0, (end - event.start_date).days))
            hour = rng.randint(9, 17) if event.setting == Setting.FORMAL else rng.randint(19, 22)
            when = self.at(day, hour, rng.randint(0, 59))
            for index in members:
                planned = self.contacts[index]
                planned.known_from = when
                planned.created_at = when - dt.timedelta(minutes=rng.randint(1, 20))
            self._add(when, Kind.MET, event.setting, event_index, members)

    def _add(
        self,
        when: dt.datetime,
        kind: str,
        setting: str,
        event: int | None,
        participants: list[int],
        purpose: str | None = None,
    ) -> None:
        rng = self.rng
        if purpose is None:
            intentions = [self.contacts[i].contact.intention for i in participants]
            purpose = interaction_default_purpose(intentions, setting)
            # The purpose is always changeable: now and then a friend's dinner turns into shop talk.
            if kind != Kind.MET and rng.random() < 0.04:
                purpose = OPPOSITE[purpose]
        notes = rng.choice(INTERACTION_NOTES[purpose]) if rng.random() < 0.45 else ""
        if kind == Kind.MET and event is not None:
            # Picked by position, not by the generator, so the rest of the demo stays as it was.
            jotted = MET_NOTES[purpose][len(self.interactions) % len(MET_NOTES[purpose])]
            notes = jotted if rng.random() < 0.5 else ""
        planned = PlannedInteraction(when, kind, purpose, setting, event, notes, participants)
        self.interactions.append(planned)
        for i in participants:
            contact = self.contacts[i]
            if contact.first_seen is None or when < contact.first_seen:
                contact.first_seen = when

    def _plan_other_interactions(self) -> None:
        """The rest of the history: each interaction picks its main contact by circle and by how long they
        have been known, then its setting, kind, moment and companions (_plan_interaction)."""
        rng = self.rng
        remaining = self.size.interactions - len(self.interactions)
        if remaining <= 0:
            return
        if not self.contacts:
            raise ValueError("Interactions need contacts: ask for at least one contact.")
        self._plan_archiving_and_drift()

        weights = [
            CIRCLE_WEIGHT[p.contact.circle] * max((p.until - p.known_from).total_seconds(), 3600.0)
            for p in self.contacts
        ]
        buckets: dict[str, list[int]] = {}
        for index, planned in enumerate(self.contacts):
            buckets.setdefault(planned.bucket, []).append(index)
        event_starts = [e.start_date for e in self.events]
        for primary in rng.choices(range(len(self.contacts)), weights, k=remaining):
            self._plan_interaction(primary, buckets, event_starts)

    def _plan_archiving_and_drift(self) -> None:
        """Archiving and drift are decided once every contact knows when they were first met."""
        rng = self.rng
        for planned in self.contacts:
            life = planned.until - planned.known_from
            if rng.random() < 0.05:
                planned.contact.archived_at = planned.known_from + life * rng.uniform(0.5, 0.95)
                planned.until = planned.contact.archived_at
            elif planned.contact.intention != Intention.BOTH and rng.random() < 0.1:
                # Drift on purpose: the later history of this contact is all of the other purpose.
                planned.drift_from = planned.known_from + life * rng.uniform(0.3, 0.6)

    def _plan_interaction(
        self, primary: int, buckets: dict[str, list[int]], event_starts: list[dt.date]
    ) -> None:
        """One interaction with the contact at index `primary`, and now and then one or two others of the same
        bucket (their first tag, or their intention without one)."""
        planned = self.contacts[primary]
        when = self._between(planned.known_from, planned.until)
        setting, forced = self._pick_setting(planned, when)
        kind, setting, day, event_index = self._pick_occasion(planned, when, setting, event_starts)
        if setting == Setting.FORMAL and event_index is None and day.weekday() >= 5:
            # Work happens on weekdays: a weekend business call moves to the Friday before.
            day -= dt.timedelta(days=day.weekday() - 4)
        when = self._pick_time_of_day(planned, when, day, setting)
        participants = self._pick_companions(primary, when, buckets[planned.bucket])
        self._add(when, kind, setting, event_index, participants, forced)

    def _pick_setting(self, planned: PlannedContact, when: dt.datetime) -> tuple[str, str | None]:
        """The setting of an interaction at `when`, and its purpose if drift forces one (else None, and the
        purpose follows from the participants)."""
        intention = planned.contact.intention
        if planned.drift_from is not None and when >= planned.drift_from:
            forced = OPPOSITE[intention]
            return purpose_setting(forced), forced
        if intention == Intention.BOTH:
            return self.rng.choice(SETTINGS), None
        usual = purpose_setting(intention)
        return (usual if self.rng.random() < 0.88 else OTHER_SETTING[usual]), None

    def _pick_occasion(
        self, planned: PlannedContact, when: dt.datetime, setting: str, event_starts: list[dt.date]
    ) -> tuple[str, str, dt.date, int | None]:
        """The kind, setting and local day of an interaction, and the index of its event if it happened at
        one: now and then a contact is run into again at a later event, which sets the day and setting."""
        rng = self.rng
        kinds, kind_weights = KIND_WEIGHTS[setting]
        kind = rng.choices(kinds, kind_weights)[0]
        day = when.astimezone(self.zone).date()
        if self.events and rng.random() < 0.08:
            # Running into someone again at a later event: one between the day after they were first met
            # and the day before they were archived (or now).
            first = bisect.bisect_left(
                event_starts, planned.known_from.astimezone(self.zone).date() + dt.timedelta(days=1)
            )
            last = bisect.bisect_right(
                event_starts, planned.until.astimezone(self.zone).date() - dt.timedelta(days=1)
            )
            if first < last:
                event_index = rng.randrange(first, last)
                event = self.events[event_index]
                kind = rng.choice([Kind.CONVERSATION, Kind.MEAL])
                return kind, event.setting, event.start_date, event_index
        return kind, setting, day, None

    def _pick_time_of_day(
        self, planned: PlannedContact, when: dt.datetime, day: dt.date, setting: str
    ) -> dt.datetime:
        """A believable local hour on `day`, unless it falls outside the contact's known span or after now:
        then the moment drawn first (`when`) stays."""
        rng = self.rng
        if rng.random() < 0.2:
            # A date-only entry is stored at noon local time.
            local = self.at(day, 12, 0)
        elif setting == Setting.FORMAL:
            local = self.at(day, rng.randint(9, 17), rng.randint(0, 59))
        else:
            local = self.at(day, rng.choice([8, 12, 13, 18, 19, 19, 20, 20, 21]), rng.randint(0, 59))
        if planned.known_from < local <= planned.until and local <= self.now:
            return local
        return when

    def _pick_companions(self, primary: int, when: dt.datetime, pool: list[int]) -> list[int]:
        """The participants: the primary contact, and in about one interaction in five one or two others
        from `pool` who were known at `when`."""
        rng = self.rng
        participants = [primary]
        if rng.random() < 0.22:
            wanted = rng.choices([1, 2], [75, 25])[0]
            for _ in range(wanted * 3):
                other = pool[rng.randrange(len(pool))]
                candidate = self.contacts[other]
                if other not in participants and candidate.known_from < when <= candidate.until:
                    participants.append(other)
                    if len(participants) > wanted:
                        break
        return participants

    def _settle_created_at(self) -> None:
        """A contact is created before their first interaction, however the dice fell."""
        for planned in self.contacts:
            if planned.first_seen is not None and planned.created_at >= planned.first_seen:
                planned.created_at = planned.first_seen - dt.timedelta(minutes=self.rng.randint(1, 30))
        # Interactions in time order, so ids grow with time as they would in real use.
        self.interactions.sort(key=lambda p: p.occurred_at)
