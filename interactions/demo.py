"""Believable demo and benchmark data: `manage.py seed_demo` is a thin wrapper around `seed_demo()` here.

Everything is planned in memory first from one seeded random generator, then written in batches, so the
output depends only on the seed and "now", and 100,000 interactions take seconds rather than one query each.
Interaction and Participation rows are written directly here instead of through `interaction_log` (which
costs several queries per interaction). What the domain functions would have kept in step is set here
instead: the contacts' last-seen dates come from the plan itself, and `followups_replan` runs once per user
at the end, so the demo opens with follow-ups due.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import re
import time
import unicodedata
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F, Model
from django.db.models.functions import Coalesce, Greatest

from accounts.choices import Circle, Intention, Purpose, Setting
from accounts.models import User
from contacts.models import Contact, EmailAddress, PhoneNumber, Tag
from contacts.policy import DRIFT_WINDOW
from interactions.actions import interaction_default_purpose
from interactions.followups import followups_replan
from interactions.models import Event, FollowUp, Interaction, Kind, Participation

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"
DEMO_TIME_ZONE = "Europe/London"
BENCH_PREFIX = "bench"

BATCH_SIZE = 2000

# --- Vocabulary of the generated world --------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


FEMALE_NAMES = _words("""
    Maya Aisha Priya Sofia Hannah Chloe Amara Lena Zoe Grace Inês Yuki Fatima Nia Isla Freya Olivia Rosa Mei
    Elena Ama Leila Ruth Clara Nadia Harriet Saoirse Ingrid Tamsin Lucía Beatriz Ayesha Esther Farah Joanna
    Katie Megan Naomi Ottilie Poppy Imogen Adaeze Sunita Marta
""")
MALE_NAMES = _words("""
    Sam Tom Oliver Kwame Rahul Mateo Jonas Luca Ben Dan Arjun Finn Hugo Idris Jamal Kenji Leo Marcus Nikhil
    Omar Pablo Rory Seb Theo Wei Yusuf Callum Declan Ewan Felix Gabriel Hamza Jack Karim Liam Tobias Chidi
    Anders Ravi Emeka
""")
NEUTRAL_NAMES = _words("Alex Jordan Robin Sasha Charlie Jamie Rowan Kai Morgan Ash")
FAMILY_NAMES = _words("""
    Okafor Patel Nguyen García Novak Smith Jones Williams Brown Taylor Davies Evans Wilson Thomas Roberts
    Khan Ali Chen Wang Kim Müller Schmidt Rossi Bianchi Silva Santos Ferreira Kowalski Nowak O'Brien Murphy
    Kelly Walsh Mensah Boateng Adeyemi Haddad Hussain Sharma Singh Gupta Iyer Sato Tanaka Yamamoto Larsen
    Andersen Lindqvist Dubois Lefèvre Moreau Ñúñez Fernández López Hernández Cohen Levi Abebe Tesfaye Kamara
    Achebe Fraser MacLeod Campbell Hughes Price Ward Hall Clarke Wright Green Baker Hill Cooper Bell Reid
    Shaw Lloyd Pearce Holt Booth Quinn Osei Varga Horvath Papadopoulos
""")

# Fictional companies, on the reserved .example top-level domain so no generated address can reach anyone.
COMPANIES = [
    ("Northwind Studio", "northwind.example"),
    ("Brightline Ventures", "brightline.example"),
    ("Harbour Climbing", "harbourclimbing.example"),
    ("Kiln Design", "kiln.example"),
    ("Tessellate Labs", "tessellate.example"),
    ("Greenhouse Capital", "greenhouse.example"),
    ("Fieldwork Research", "fieldwork.example"),
    ("Loop Mobility", "loop.example"),
    ("Common Ground Co-op", "commonground.example"),
    ("Paper Plane Press", "paperplane.example"),
    ("Meridian Health", "meridian.example"),
    ("Orbit Analytics", "orbit.example"),
    ("Saltmarsh Architects", "saltmarsh.example"),
    ("Hackney Makers", "hackneymakers.example"),
    ("Wildcard Games", "wildcard.example"),
    ("Tidewater Energy", "tidewater.example"),
    ("Atlas Grants Trust", "atlastrust.example"),
    ("Mosaic Learning", "mosaic.example"),
    ("Quarry Coffee Roasters", "quarry.example"),
    ("Lighthouse Legal", "lighthouse.example"),
]
TITLES = [
    "Product Designer",
    "Head of Partnerships",
    "Founder",
    "Co-founder & CEO",
    "Partner",
    "Engineering Manager",
    "Grants Officer",
    "Research Lead",
    "Head Coach",
    "CTO",
    "Journalist",
    "Architect",
    "Data Scientist",
    "Programme Manager",
    "UX Researcher",
    "Investment Associate",
    "Community Manager",
    "Senior Developer",
    "Design Director",
    "Operations Lead",
    "Policy Advisor",
    "Illustrator",
    "Recruiter",
]
PERSONAL_HOME_DOMAINS = ["example.com", "example.org", "example.net"]

PERSONAL_TAGS = ["climbing", "book club", "neighbours", "running", "uni friends", "cooking", "family"]
PROFESSIONAL_TAGS = ["design", "investors", "founders", "python", "climate", "mentors"]

# Notes are the "one line of context" of quick capture. {obj}/{pos} are the contact's pronouns.
PERSONAL_NOTES = [
    "neighbour at no. 12; has a spaniel called Biscuit",
    "book club regular; loved Piranesi, lend {obj} Klara and the Sun",
    "climbing partner on Thursdays; projecting a 6c at the Arch",
    "uni friend; just moved to Bristol, visit in the spring",
    "makes incredible sourdough; promised me a starter",
    "new parent; ask how the baby is sleeping",
    "into film photography; send {obj} the darkroom link",
    "training for the Berlin marathon; cheer at mile 20",
    "learning Portuguese; ask about {pos} trip to Porto",
    "met through Maya; plays bass in a covers band",
    "allotment next to ours; swap courgettes in August",
    "old flatmate; still owes me the Catan expansion",
    "runs the street's WhatsApp group; organised the party",
    "cousin's partner; huge Arsenal fan",
    "",
]
PROFESSIONAL_NOTES = [
    "runs a climbing gym; send {obj} the grant article",
    "angel investor in climate tech; wants the deck in March",
    "hiring senior designers; intro {obj} to Lena",
    "gave the design systems talk; ask for {pos} slides",
    "looking for a technical co-founder",
    "on the council's grants panel; follow up before the deadline",
    "building an open data tool for councils; try the beta",
    "recruiter; keep warm for next year",
    "covers startups for a newsletter; pitch the community story",
    "offered to review our pricing page",
    "ex-colleague from Orbit; good for a reference",
    "wants a case study for {pos} team's offsite",
    "",
]
BOTH_NOTES = [
    "old colleague, now a friend; climbs on Sundays and advises on pricing",
    "book club friend who runs a design agency",
    "neighbour and investor; drinks when {pos} Lisbon trip is over",
    "mentor turned friend; birthday dinner every June",
    "co-organises the climbing meetup; also hiring",
    "",
]
# What an interaction was about, worded to fit any kind (a call, a meal, an email).
INTERACTION_NOTES = {
    Purpose.PERSONAL: [
        "plans for a climbing weekend in the Peak",
        "swapped book recommendations",
        "the move to Bristol",
        "birthday plans",
        "photos from the trip",
        "the new job",
        "how the baby is sleeping",
        "courgette glut at the allotment",
        "Sunday's match",
        "marathon training",
        "the street party",
        "holiday in Porto",
    ],
    Purpose.PROFESSIONAL: [
        "the grant application",
        "the deck for the pilot",
        "feedback on the design review",
        "pricing for the pilot",
        "the open senior designer role",
        "the research summary",
        "co-hosting a workshop",
        "next steps on the partnership",
        "an intro to Brightline",
        "the draft proposal",
        "quarterly check-in",
    ],
}

# (name, place, longest span in days, recurring); formal events are conferences, workshops and meetups.
# Each event is used once before any repeats, and only recurring ones repeat: a meetup is monthly, a
# wedding is not.
FORMAL_EVENTS = [
    ("Design Systems London", "Barbican Centre, London", 2, False),
    ("PyCon UK", "Cardiff City Hall", 4, False),
    ("Climbing Business Summit", "Sheffield", 2, False),
    ("Product Leaders Forum", "Kings Place, London", 1, False),
    ("UX Research Workshop", "Somerset House, London", 1, True),
    ("Founders & Funders Breakfast", "Second Home, Spitalfields", 1, True),
    ("Climate Tech Meetup", "Impact Hub King's Cross", 1, True),
    ("Web Summit", "Lisbon", 4, False),
    ("Open Data Workshop", "The ODI, London", 1, True),
    ("Angel Investing 101", "Level39, Canary Wharf", 1, False),
    ("Typography Conference", "Brighton Dome", 3, False),
    ("Sustainable Cities Conference", "Manchester Central", 3, False),
    ("London JS Meetup", "Shoreditch, London", 1, True),
    ("Grant Writing Workshop", "British Library, London", 1, False),
]
INFORMAL_EVENTS = [
    ("Maya's birthday party", "Hackney", 1, False),
    ("Climbing night", "The Arch, Bermondsey", 1, True),
    ("Dinner at Rosa's", "Peckham", 1, True),
    ("Book club", "The Lamb, Holborn", 1, True),
    ("Street party", "Elm Road", 1, False),
    ("Housewarming at Sam and Priya's", "Walthamstow", 1, False),
    ("Summer barbecue", "London Fields", 1, False),
    ("Pub quiz", "The Albert, Primrose Hill", 1, True),
    ("Bouldering social", "Castle Climbing Centre", 1, True),
    ("Supper club", "Dalston", 1, True),
    ("Tom and Aisha's wedding", "Cotswolds", 2, False),
    ("Board games night", "Clapham", 1, True),
]

KIND_WEIGHTS = {
    Setting.INFORMAL: (
        [Kind.MESSAGE, Kind.CONVERSATION, Kind.CALL, Kind.MEAL, Kind.EMAIL, Kind.OTHER],
        [28, 20, 14, 22, 4, 6],
    ),
    Setting.FORMAL: (
        [Kind.EMAIL, Kind.CALL, Kind.CONVERSATION, Kind.MEAL, Kind.MESSAGE, Kind.OTHER],
        [30, 22, 22, 10, 10, 6],
    ),
}
CIRCLE_WEIGHT = {Circle.INNER: 8.0, Circle.CLOSE: 3.0, Circle.WIDER: 1.0}
# The choices as plain lists: TextChoices.values builds a new list on every access, in the hottest loop.
INTENTIONS = list(Intention.values)
CIRCLES = list(Circle.values)
SETTINGS = list(Setting.values)
OTHER_SETTING = {Setting.FORMAL: Setting.INFORMAL, Setting.INFORMAL: Setting.FORMAL}
OPPOSITE = {Purpose.PERSONAL: Purpose.PROFESSIONAL, Purpose.PROFESSIONAL: Purpose.PERSONAL}
PURPOSE_SETTING = {Purpose.PERSONAL: Setting.INFORMAL, Purpose.PROFESSIONAL: Setting.FORMAL}


# --- The plan ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSize:
    contacts: int = 60
    interactions: int = 400
    years: float = 1.0


@dataclass
class SeedSummary:
    users: list[str] = field(default_factory=list)
    contacts: int = 0
    events: int = 0
    interactions: int = 0
    seconds: float = 0.0


@dataclass
class _PlannedContact:
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
class _PlannedInteraction:
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


class _Planner:
    """Plans one user's contacts, events and interactions in memory, without touching the database."""

    def __init__(self, rng: random.Random, size: DemoSize, now: dt.datetime, zone: zoneinfo.ZoneInfo) -> None:
        self.rng = rng
        self.size = size
        self.now = now
        self.zone = zone
        self.start = now - dt.timedelta(days=365.25 * size.years)
        self.tags: list[str] = PERSONAL_TAGS + PROFESSIONAL_TAGS
        self.contacts: list[_PlannedContact] = []
        self.events: list[Event] = []
        self.interactions: list[_PlannedInteraction] = []

    # Helpers for time: the demo user lives in `zone`, so hours of day are chosen locally.

    def _at(self, day: dt.date, hour: int, minute: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.zone)

    def _between(self, lo: dt.datetime, hi: dt.datetime) -> dt.datetime:
        return lo + (hi - lo) * self.rng.random()

    def plan(self) -> None:
        self._plan_events()
        self._plan_contacts()
        self._plan_met_interactions()
        self._plan_other_interactions()
        self._settle_created_at()

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

    def _plan_contacts(self) -> None:
        rng = self.rng
        used: set[tuple[str, str]] = set()
        import_at = self.start + dt.timedelta(minutes=rng.randint(5, 600))
        late = max(self.start, self.now - dt.timedelta(days=3))
        for index in range(self.size.contacts):
            gender = rng.choices(["f", "m", "n"], [46, 44, 10])[0]
            names = {"f": FEMALE_NAMES, "m": MALE_NAMES, "n": NEUTRAL_NAMES}[gender]
            # Few repeats while the combinations last; thousands of contacts have namesakes, as life does.
            for _ in range(6):
                given, family = rng.choice(names), rng.choice(FAMILY_NAMES)
                if (given, family) not in used:
                    break
            used.add((given, family))
            obj, pos = {"f": ("her", "her"), "m": ("him", "his"), "n": ("them", "their")}[gender]

            intention = rng.choices(INTENTIONS, [45, 35, 20])[0]
            circle = rng.choices(CIRCLES, [10, 35, 55])[0]
            company = title = ""
            domain = ""
            if intention != Intention.PERSONAL or rng.random() < 0.35:
                company, domain = rng.choice(COMPANIES)
                title = rng.choice(TITLES)
            notes_pool = {
                Intention.PERSONAL: PERSONAL_NOTES,
                Intention.PROFESSIONAL: PROFESSIONAL_NOTES,
                Intention.BOTH: BOTH_NOTES,
            }[intention]
            notes = rng.choice(notes_pool).format(obj=obj, pos=pos)

            tag_pool = {
                Intention.PERSONAL: PERSONAL_TAGS,
                Intention.PROFESSIONAL: PROFESSIONAL_TAGS,
                Intention.BOTH: self.tags,
            }[intention]
            tag_names = rng.sample(tag_pool, rng.choices([0, 1, 2, 3], [25, 45, 22, 8])[0])
            tags = sorted(self.tags.index(t) for t in tag_names)

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

            # Most contacts came in with an import when the user started; others were added by hand along
            # the way. Contacts met at events get their dates later, from the event (_plan_met_interactions).
            if rng.random() < 0.65:
                created = import_at + dt.timedelta(seconds=index)
            else:
                created = self._between(self.start, late)
            planned = _PlannedContact(
                contact=contact,
                known_from=created,
                until=self.now,
                created_at=created,
                tags=tags,
                bucket=tag_names[0] if tag_names else intention,
                emails=self._emails(given, family, intention, domain),
                phones=self._phones() if rng.random() < 0.45 else [],
            )
            self.contacts.append(planned)

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
                usual = Setting.FORMAL if intention == Intention.PROFESSIONAL else Setting.INFORMAL
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
            when = self._at(day, hour, rng.randint(0, 59))
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
            notes = f"met at {self.events[event].name}" if rng.random() < 0.5 else ""
        planned = _PlannedInteraction(when, kind, purpose, setting, event, notes, participants)
        self.interactions.append(planned)
        for i in participants:
            contact = self.contacts[i]
            if contact.first_seen is None or when < contact.first_seen:
                contact.first_seen = when

    def _plan_other_interactions(self) -> None:
        rng = self.rng
        remaining = self.size.interactions - len(self.interactions)
        if remaining <= 0:
            return
        if not self.contacts:
            raise ValueError("Interactions need contacts: ask for at least one contact.")

        # Archiving and drift are decided now that every contact knows when they were first met.
        for planned in self.contacts:
            life = planned.until - planned.known_from
            if rng.random() < 0.05:
                planned.contact.archived_at = planned.known_from + life * rng.uniform(0.5, 0.95)
                planned.until = planned.contact.archived_at
            elif planned.contact.intention != Intention.BOTH and rng.random() < 0.1:
                # Drift on purpose: the later history of this contact is all of the other purpose.
                planned.drift_from = planned.known_from + life * rng.uniform(0.3, 0.6)

        weights = [
            CIRCLE_WEIGHT[p.contact.circle] * max((p.until - p.known_from).total_seconds(), 3600.0)
            for p in self.contacts
        ]
        buckets: dict[str, list[int]] = {}
        for index, planned in enumerate(self.contacts):
            buckets.setdefault(planned.bucket, []).append(index)
        event_starts = [e.start_date for e in self.events]

        for primary in rng.choices(range(len(self.contacts)), weights, k=remaining):
            planned = self.contacts[primary]
            lo, hi = planned.known_from, planned.until
            when = self._between(lo, hi)
            intention = planned.contact.intention
            forced: str | None = None
            if planned.drift_from is not None and when >= planned.drift_from:
                forced = OPPOSITE[intention]
                setting = PURPOSE_SETTING[forced]
            elif intention == Intention.BOTH:
                setting = rng.choice(SETTINGS)
            else:
                usual = Setting.FORMAL if intention == Intention.PROFESSIONAL else Setting.INFORMAL
                setting = usual if rng.random() < 0.88 else OTHER_SETTING[usual]

            event_index: int | None = None
            kinds, kind_weights = KIND_WEIGHTS[setting]
            kind = rng.choices(kinds, kind_weights)[0]
            day = when.astimezone(self.zone).date()
            if self.events and rng.random() < 0.08:
                # Running into someone again at a later event.
                first = bisect.bisect_left(
                    event_starts, lo.astimezone(self.zone).date() + dt.timedelta(days=1)
                )
                last = bisect.bisect_right(
                    event_starts, hi.astimezone(self.zone).date() - dt.timedelta(days=1)
                )
                if first < last:
                    event_index = rng.randrange(first, last)
                    event = self.events[event_index]
                    day, setting = event.start_date, event.setting
                    kind = rng.choice([Kind.CONVERSATION, Kind.MEAL])
            if setting == Setting.FORMAL and event_index is None and day.weekday() >= 5:
                # Work happens on weekdays: a weekend business call moves to the Friday before.
                day -= dt.timedelta(days=day.weekday() - 4)

            if rng.random() < 0.2:
                # A date-only entry is stored at noon local time.
                local = self._at(day, 12, 0)
            elif setting == Setting.FORMAL:
                local = self._at(day, rng.randint(9, 17), rng.randint(0, 59))
            else:
                local = self._at(day, rng.choice([8, 12, 13, 18, 19, 19, 20, 20, 21]), rng.randint(0, 59))
            if lo < local <= hi and local <= self.now:
                when = local

            participants = [primary]
            if rng.random() < 0.22:
                pool = buckets[planned.bucket]
                wanted = rng.choices([1, 2], [75, 25])[0]
                for _ in range(wanted * 3):
                    other = pool[rng.randrange(len(pool))]
                    candidate = self.contacts[other]
                    if other not in participants and candidate.known_from < when <= candidate.until:
                        participants.append(other)
                        if len(participants) > wanted:
                            break
            self._add(when, kind, setting, event_index, participants, forced)

    def _settle_created_at(self) -> None:
        """A contact is created before their first interaction, however the dice fell."""
        for planned in self.contacts:
            if planned.first_seen is not None and planned.created_at >= planned.first_seen:
                planned.created_at = planned.first_seen - dt.timedelta(minutes=self.rng.randint(1, 30))
        # Interactions in time order, so ids grow with time as they would in real use.
        self.interactions.sort(key=lambda p: p.occurred_at)


# --- Writing it ---------------------------------------------------------------------------------------------


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


def _insert_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """INSERT rows without the ORM. Only for the two tables a benchmark fills with 100,000+ rows: there
    bulk_create's per-value work (field preparation, SQL assembly) would take most of the run.

    PostgreSQL gets COPY, about five times faster than multi-row INSERTs through psycopg; SQLite gets
    multi-row INSERT statements. Values must already be what the database stores (datetimes through
    connection.ops.adapt_datetimefield_value).
    """
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
    table = quote(meta.db_table)
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
)


def _summarise(planner: _Planner) -> None:
    """Each planned contact's timeline summary, as contacts_refresh_last_seen would work it out: the latest
    two interactions of each purpose and the purposes of the latest DRIFT_WINDOW. The plan is in time
    order and ids follow it, so reading it backwards is newest first with ties broken by id."""
    recent: dict[int, list[str]] = {}
    per_purpose: dict[tuple[int, str], list[dt.datetime]] = {}
    for planned in reversed(planner.interactions):
        for i in planned.participants:
            purposes = recent.setdefault(i, [])
            if len(purposes) < DRIFT_WINDOW:
                purposes.append(planned.purpose)
            latest = per_purpose.setdefault((i, planned.purpose), [])
            if len(latest) < 2:
                latest.append(planned.occurred_at)
    for i, planned_contact in enumerate(planner.contacts):
        contact = planned_contact.contact
        contact.recent_purposes = ",".join(recent.get(i, []))
        for purpose in Purpose.values:
            latest = per_purpose.get((i, purpose), [])
            setattr(contact, f"last_{purpose}_at", latest[0] if latest else None)
            setattr(contact, f"previous_{purpose}_at", latest[1] if len(latest) > 1 else None)


def _write(user: User, planner: _Planner, *, analyze: bool) -> None:
    tags = Tag.objects.bulk_create([Tag(owner=user, name=name) for name in planner.tags])

    contacts = [p.contact for p in planner.contacts]
    _summarise(planner)
    for planned in planner.contacts:
        contact = planned.contact
        contact.owner = user
        # The plan knows every contact's timeline, so the summary that contacts_refresh_last_seen would
        # work out (with a bulk_update costing seconds at 10,000 contacts) is written with the rows
        # (_summarise); the tests check it against contacts_refresh_last_seen.
        # created_at is auto_now_add, so bulk_create stamps "now" over any value given. The planned date
        # travels in last_interaction_at instead, and the UPDATE below moves it into created_at.
        contact.last_interaction_at = planned.created_at
    Contact.objects.bulk_create(contacts, batch_size=BATCH_SIZE)
    # One statement, whose right-hand sides all read the row as it was before the UPDATE: created_at gets
    # the carried date, and last_interaction_at becomes the later of the two purposes' dates (every
    # interaction has one of them). Coalesce inside Greatest because SQLite's MAX() of a NULL is NULL.
    personal, professional = F("last_personal_at"), F("last_professional_at")
    Contact.objects.filter(owner=user).update(
        created_at=F("last_interaction_at"),
        updated_at=F("last_interaction_at"),
        last_interaction_at=Greatest(Coalesce(personal, professional), Coalesce(professional, personal)),
    )

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

    for event in planner.events:
        event.owner = user
    Event.objects.bulk_create(planner.events, batch_size=BATCH_SIZE)
    # An event is logged on its first morning (quick capture's "today's event").
    for event in planner.events:
        event.created_at = planner._at(event.start_date, 8, 30)
    Event.objects.bulk_update(planner.events, ["created_at"], batch_size=1000)

    # Interactions are logged as they happen, so created_at and updated_at are the moment itself.
    adapt = connection.ops.adapt_datetimefield_value
    event_ids = [event.pk for event in planner.events]
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

    contact_ids = [c.pk for c in contacts]
    _insert_rows(
        Participation,
        ["owner", "interaction", "contact", "occurred_at", "purpose"],
        (
            # row[1] is the interaction's time, as written above.
            (user.pk, interaction_id, contact_ids[i], row[1], p.purpose)
            for interaction_id, row, p in zip(interaction_ids, rows, planner.interactions, strict=True)
            for i in p.participants
        ),
    )
    if analyze:
        _analyze(*_TABLES_FILLED)
    followups_replan(user, contact_ids, now=planner.now)
    if analyze:
        _analyze(FollowUp)


def _analyze(*models: type[Model]) -> None:
    """Give PostgreSQL's planner statistics for tables just filled; ANALYZE inside the transaction counts
    its own uncommitted rows.

    Without them the planner guesses, and guesses badly at this size. The owner-consistency foreign keys are
    deferred, so the commit checks every row inserted and deleted here; with no statistics it checked "no
    participation still points at this deleted interaction" by walking the owner_id index, which holds every
    row of this one owner, and replacing 100,000 interactions took many minutes instead of seconds. The
    follow-up planner's queries run faster with them too. SQLite has no such problem, and its statistics are
    left as they are.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


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
    return user


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
) -> SeedSummary:
    """Create or replace the data of the demo user, and of `extra_users` benchmark users bench1..benchN,
    each with `size` contacts and interactions over `size.years` up to `now`."""
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
        for position, name in enumerate(names):
            # One generator per user, seeded from the seed and the user's position, so a user's data does not
            # depend on how many users came before.
            planner = _Planner(random.Random(f"kith-demo:{seed}:{position}"), size, now, zone)
            planner.plan()
            user = _prepare_user(
                name, f"{name}@example.com", hasher.password, planner.start - dt.timedelta(hours=1)
            )
            written += len(planner.contacts) + len(planner.interactions)
            fresh = written >= 2 * analyzed
            _write(user, planner, analyze=fresh)
            if fresh:
                analyzed = written
            summary.users.append(name)
            summary.contacts += len(planner.contacts)
            summary.events += len(planner.events)
            summary.interactions += len(planner.interactions)
        if analyzed != written:
            _analyze(*_TABLES_FILLED, FollowUp)
    summary.seconds = time.monotonic() - began
    return summary
