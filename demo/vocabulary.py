"""The vocabulary of the generated world: names, companies, notes, events, and the weights that decide how
often each kind of thing happens. demo.planner draws from these; nothing here is random by itself."""

from __future__ import annotations

from accounts.choices import Circle, Intention, Purpose, Setting
from interactions.models import Kind


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
# Given names and the pronouns that go with them ("object", "possessive"), by gender: f, m, or n(eutral).
GIVEN_NAMES = {"f": FEMALE_NAMES, "m": MALE_NAMES, "n": NEUTRAL_NAMES}
PRONOUNS = {"f": ("her", "her"), "m": ("him", "his"), "n": ("them", "their")}

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
# The mappings keyed by choices are typed by str: the planner looks them up with plain field values.
CONTACT_NOTES: dict[str, list[str]] = {
    Intention.PERSONAL: PERSONAL_NOTES,
    Intention.PROFESSIONAL: PROFESSIONAL_NOTES,
    Intention.BOTH: BOTH_NOTES,
}
# What an interaction was about, worded to fit any kind (a call, a meal, an email).
# What someone jots in quick capture about a person just met: their own words, never Kith's.
MET_NOTES: dict[str, list[str]] = {
    Purpose.PERSONAL: [
        "friend of Lena's, just moved to the area",
        "climbs at the Arch on Thursdays",
        "has a sourdough starter to share",
        "runs the street's book swap",
        "training for the Berlin marathon",
        "her sister just had a baby",
    ],
    Purpose.PROFESSIONAL: [
        "wants the slides from the talk",
        "hiring a senior designer",
        "runs research ops at a fintech",
        "knows the grant panel well",
        "asked about our pricing for the pilot",
        "writing a book on design systems",
    ],
}
INTERACTION_NOTES: dict[str, list[str]] = {
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

KIND_WEIGHTS: dict[str, tuple[list[Kind], list[int]]] = {
    Setting.INFORMAL: (
        [Kind.MESSAGE, Kind.CONVERSATION, Kind.CALL, Kind.MEAL, Kind.EMAIL, Kind.OTHER],
        [28, 20, 14, 22, 4, 6],
    ),
    Setting.FORMAL: (
        [Kind.EMAIL, Kind.CALL, Kind.CONVERSATION, Kind.MEAL, Kind.MESSAGE, Kind.OTHER],
        [30, 22, 22, 10, 10, 6],
    ),
}
CIRCLE_WEIGHT: dict[str, float] = {Circle.INNER: 8.0, Circle.CLOSE: 3.0, Circle.WIDER: 1.0}
# The choices as plain lists: TextChoices.values builds a new list on every access, in the hottest loop.
INTENTIONS = list(Intention.values)
CIRCLES = list(Circle.values)
SETTINGS = list(Setting.values)
OTHER_SETTING: dict[str, Setting] = {Setting.FORMAL: Setting.INFORMAL, Setting.INFORMAL: Setting.FORMAL}
OPPOSITE: dict[str, Purpose] = {
    Purpose.PERSONAL: Purpose.PROFESSIONAL,
    Purpose.PROFESSIONAL: Purpose.PERSONAL,
}
