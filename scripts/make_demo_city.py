"""Regenerates the committed demo city under `config/demo_city/` (the fictional City of Riverton, IA).

The app never runs this script: it reads the committed files (`city.toml`, `zones.csv`, `parcels.csv`,
`officers.csv`, `users.csv`). The script only documents how they were made and rebuilds them, byte for byte,
from a fixed random seed:

    python3 scripts/make_demo_city.py

Standard library only. Every person, address, e-mail and phone number it produces is fictional: phones use
the 555 area code, e-mails the example.com/.org/.net domains (staff use riverton.example).

The city is a street grid measured in blocks of 100 house numbers (about 0.1 mile) around the centre at
41.59 N, 93.62 W. Downtown (C) is the core; North (N) and South (S) lie above and below it; East (E) and
West (W) flank it. A parcel's zone follows from where it lies.
"""

from __future__ import annotations

import csv
import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent.parent / "config" / "demo_city"
SEED = 311_2026

CENTRE_LAT = 41.59
CENTRE_LON = -93.62
LAT_PER_BLOCK = 0.00145  # 0.1 mile north-south
LON_PER_BLOCK = 0.00194  # 0.1 mile east-west at 41.6 N
BOUNDS_MARGIN = 0.004  # degrees around the outermost parcels
LOT_SETBACK = 0.2  # blocks from the street's centre line to a lot's centroid

# Zone geometry, in blocks from the centre (x east, y north).
CORE_HALF_WIDTH = 8.0
CORE_HALF_HEIGHT = 6.0

ZONES = [
    ("N", "North", "Residential neighbourhoods north of downtown"),
    ("S", "South", "Residential neighbourhoods south of the river"),
    ("E", "East", "East side: the industrial district and the neighbourhoods around it"),
    ("W", "West", "West side residential neighbourhoods"),
    ("C", "Downtown", "Central business district and civic core, north of the river"),
]
ZIP_BY_ZONE = {"C": "50309", "N": "50310", "S": "50315", "E": "50317", "W": "50312"}
STATE = "IA"
CITY = "Riverton"

SPECIALTIES = ["property_standards", "zoning", "signs", "noise", "pools", "building", "vehicles"]


def zone_of(x: float, y: float) -> str:
    if y > CORE_HALF_HEIGHT:
        return "N"
    if y < -CORE_HALF_HEIGHT:
        return "S"
    if x > CORE_HALF_WIDTH:
        return "E"
    if x < -CORE_HALF_WIDTH:
        return "W"
    return "C"


@dataclass(frozen=True)
class Street:
    """A street segment. `axis` is the direction it runs ("x": east-west, "y": north-south); `at` is its fixed
    coordinate; number n lies at origin + direction * n / 100 along it. A `prefixed` street is numbered both
    ways from the meridian (x = 0) and takes W/E before its name."""

    name: str
    axis: str
    at: float
    origin: float
    direction: int
    first: int
    last: int
    count: int  # parcels on the roll along this street
    lots_per_side: int = 5
    kind: str = "residential"  # residential | arterial | downtown | industrial
    prefixed: bool = False
    one_side: bool = False  # lots on the odd side only (e.g. the other side is the river)


STREETS = [
    # North
    Street("14th St", "x", 14.0, 0.0, 1, 100, 1899, 28, prefixed=True),
    Street("9th St", "x", 9.0, 0.0, 1, 100, 1599, 22, prefixed=True),
    Street("Maple Dr", "y", -3.5, 6.0, 1, 100, 1399, 18),
    Street("Oak Ave", "y", 4.5, 6.0, 1, 100, 1299, 12),
    Street("Birch Ln", "x", 17.5, -14.0, 1, 100, 699, 8),
    # Downtown (Main St runs on into the North side)
    Street("Main St", "y", 0.0, -6.0, 1, 100, 1599, 22, lots_per_side=4, kind="downtown"),
    Street("Court Ave", "x", 4.0, -8.0, 1, 100, 1599, 14, lots_per_side=4, kind="downtown"),
    Street("Walnut St", "x", -3.0, -8.0, 1, 100, 1599, 12, lots_per_side=4, kind="downtown"),
    # Arterials shared by downtown and a neighbouring side
    Street("Grand Ave", "x", 2.0, -8.0, 1, 100, 2799, 18, lots_per_side=4, kind="arterial"),
    Street("Locust St", "x", -1.0, -20.0, 1, 100, 2799, 20, lots_per_side=4, kind="arterial"),
    Street("Riverside Ave", "x", -5.5, -8.0, 1, 100, 2999, 16, lots_per_side=5, kind="arterial", one_side=True),
    # East
    Street("Commerce Dr", "x", -3.0, 8.0, 1, 100, 1999, 16, lots_per_side=2, kind="industrial"),
    Street("Cedar Ct", "y", 15.0, 0.0, 1, 100, 499, 8),
    Street("Eastgate Blvd", "y", 24.0, -6.0, 1, 100, 1099, 16),
    Street("Elm St", "x", 5.0, 8.0, 1, 100, 1599, 16),
    # West
    Street("Westwood Dr", "y", -22.0, -6.0, 1, 100, 1099, 18),
    Street("Hickory Ln", "x", 3.0, -8.0, -1, 100, 1299, 14),
    Street("Pioneer Rd", "x", -4.0, -8.0, -1, 100, 2199, 20),
    Street("Aspen Pl", "y", -15.0, -6.0, 1, 100, 499, 8),
    # South
    Street("Southridge Blvd", "x", -15.0, -20.0, 1, 100, 3999, 22, kind="arterial"),
    Street("Harrison Ave", "y", -6.0, -6.0, -1, 100, 1399, 18),
    Street("Lincoln Ave", "y", 6.0, -6.0, -1, 100, 1399, 18),
    Street("Willow St", "x", -10.0, -15.0, 1, 100, 2999, 18),
    Street("Sycamore Dr", "x", -18.0, -12.0, 1, 100, 1999, 12),
    Street("Pershing Ct", "y", -12.0, -6.0, -1, 100, 499, 6),
]
FORCED = {("Maple Dr", 142)}  # the example address of the README and the tests

LAND_USE_WEIGHTS = {
    "residential": [("residential_single", 80), ("residential_multi", 11), ("vacant_lot", 4), ("mixed_use", 2), ("commercial", 3)],
    "arterial": [("residential_single", 35), ("residential_multi", 20), ("commercial", 30), ("mixed_use", 10), ("vacant_lot", 5)],
    "downtown": [("commercial", 40), ("mixed_use", 25), ("residential_multi", 25), ("vacant_lot", 5), ("residential_single", 5)],
    "industrial": [("industrial", 60), ("commercial", 30), ("vacant_lot", 10)],
}  # fmt: skip


@dataclass
class Parcel:
    parcel_id: str
    street: str
    number: int
    address: str
    zone: str
    land_use: str
    lat: float
    lon: float
    owner: Owner | None = None


@dataclass
class Owner:
    name: str
    mailing: str
    email: str = ""
    phone: str = ""
    preferred_channel: str = ""  # "email" or "sms", as the owner asked; blank when the roll does not say


def lot_numbers(street: Street, rng: random.Random) -> list[int]:
    """Every lot a street could have: `lots_per_side` per side of each hundred block, odd one side, even the other."""
    numbers: list[int] = []
    for hundred in range(street.first // 100, street.last // 100 + 1):
        for parity in (1,) if street.one_side else (1, 0):
            for i in range(street.lots_per_side):
                offset = int((i + 0.5) * 100 / street.lots_per_side) + rng.randint(-3, 3)
                offset = max(2, min(98, offset))
                if offset % 2 != parity:
                    offset += 1 if offset < 98 else -1
                number = hundred * 100 + offset
                if street.first <= number <= street.last:
                    numbers.append(number)
    return sorted(set(numbers))


def place(street: Street, number: int, west: bool) -> tuple[float, float]:
    along = (-1 if west else 1) * number / 100 if street.prefixed else street.origin + street.direction * number / 100
    side = LOT_SETBACK if number % 2 else -LOT_SETBACK
    return (along, street.at + side) if street.axis == "x" else (street.at + side, along)


def to_lat_lon(x: float, y: float) -> tuple[float, float]:
    return round(CENTRE_LAT + y * LAT_PER_BLOCK, 6), round(CENTRE_LON + x * LON_PER_BLOCK, 6)


def weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def make_parcels(rng: random.Random) -> list[Parcel]:
    parcels: list[Parcel] = []
    segment = 0
    for street in STREETS:
        halves = [(True, "W "), (False, "E ")] if street.prefixed else [(False, "")]
        candidates = [(west, prefix, n) for west, prefix in halves for n in lot_numbers(street, rng)]
        for name, forced_number in sorted(FORCED):
            if name == street.name:  # make room for it: no other lot within 15 numbers on its side
                crowding = [c for c in candidates if c[2] % 2 == forced_number % 2 and abs(c[2] - forced_number) < 15]
                candidates = [c for c in candidates if c not in crowding] + [(False, "", forced_number)]
        forced = [c for c in candidates if (street.name, c[2]) in FORCED]
        rest = [c for c in candidates if c not in forced]
        chosen = forced + rng.sample(rest, street.count - len(forced))
        chosen.sort(key=lambda c: (not c[0], c[2]))
        lots: dict[tuple[bool, int], int] = {}  # lots so far on each hundred block of each half
        for west, prefix, number in chosen:
            if not any(key[0] == west for key in lots):
                segment += 1  # each half of a prefixed street is its own run of block numbers
            x, y = place(street, number, west)
            lat, lon = to_lat_lon(x, y)
            hundred = number // 100
            lots[west, hundred] = lots.get((west, hundred), 0) + 1
            section = 1 + int((y + 24) // 8) * 6 + int((x + 32) // 11)  # a 6 x 6 grid of survey sections
            forced_use = (street.name, number) in FORCED
            parcels.append(
                Parcel(
                    parcel_id=f"R-{section:02d}-{segment * 100 + hundred:04d}-{lots[west, hundred] * 10:03d}",
                    street=f"{prefix}{street.name}",
                    number=number,
                    address=f"{number} {prefix}{street.name}",
                    zone=zone_of(x, y),
                    land_use="residential_single" if forced_use else weighted(rng, LAND_USE_WEIGHTS[street.kind]),
                    lat=lat,
                    lon=lon,
                )
            )
    return parcels


# --- owners -------------------------------------------------------------------------------------------------


def _words(text: str, sep: str | None = None) -> list[str]:
    return text.split(sep)


NAME_GROUPS: list[tuple[int, list[str], list[str]]] = [
    (
        44,
        _words(
            "James Linda Robert Karen Thomas Susan Daniel Jennifer Brian Megan Kevin Amy Eric Heather Greg Nicole Scott "
            "Rachel Craig Lisa Dale Janet Wayne Brenda Tyler Kayla Austin Brooke Dennis Carol Gary Sharon Ryan Emily "
            "Nathan Allison Marjorie Harold Doris Lyle Colleen Duane Kristin Trevor Holly"
        ),
        [
            *_words(
                "Anderson Peterson Olson Hansen Larson Schmidt Mueller Becker Schroeder Jansen VanderMeer Kowalski "
                "Novak O'Brien McCarthy Sullivan Brennan Thompson Miller Wagner Hoffman Lindqvist Sorensen Kruse Meyer "
                "Vogel Brandt Erickson Johansen Fischer Dvorak Kramer Bauer Hughes Whitaker Caldwell Pruitt Bishop "
                "Schultz Lundgren Reinholt Gustafson"
            ),
            "Van Zee",
            "De Jong",
        ],
    ),
    (
        15,
        _words(
            "Maria José Guadalupe Juan Rosa Luis Carmen Miguel Alejandra Jorge Sofia Ricardo Elena Francisco Veronica "
            "Javier Lucia Rafael Ana Héctor Yesenia Armando"
        ),
        _words(
            "Garcia Hernandez Martinez Lopez Gonzalez Ramirez Delgado Castillo Morales Ortiz Reyes Vargas Mendoza "
            "Navarro Salazar Guerrero Cervantes Ibarra Fuentes Villalobos Zamora Escobedo"
        ),
    ),
    (
        12,
        _words(
            "Darnell Keisha Andre Tamika Terrence Monique Jerome Shanice Dwayne Imani Malik Jasmine Cedric Aaliyah "
            "Reginald Denise Tyrone Crystal Lamar Yolanda"
        ),
        _words(
            "Coleman Banks Gaines Holloway Merriweather Dixon Towns Pettaway Alston Hairston McNeil Battle Ealy "
            "Spruill Wooten Tolliver Mabry Stallworth"
        ),
    ),
    (
        6,
        _words("Minh Lan Tuan Huong Thanh Mai Duc Linh Quang Thu Hoa Long"),
        _words("Nguyen Tran Le Pham Vo Dang Bui Do Huynh Phan"),
    ),
    (
        5,
        _words("Priya Rahul Anjali Vikram Sunita Arjun Deepa Sanjay Kavya Ravi"),
        _words("Patel Shah Reddy Iyer Sharma Desai Kulkarni Menon Chaudhry Bhatt"),
    ),
    (
        4,
        _words("Abdi Fadumo Hassan Hodan Mohamed Amina Yusuf Sahra Ibrahim Nasra"),
        _words("Warsame Farah Osman Abdullahi Hussein Jama Mohamud Egal Dirie"),
    ),
    (2, _words("Deng Achol Garang Nyibol Majok Ayen"), _words("Akol Chol Mabior Kuol Bior")),
    (
        4,
        _words("Emir Amra Edin Selma Adnan Lejla Mirza Jasmina"),
        _words("Hodzic Begic Mehmedovic Halilovic Delic Kovacevic Mujic"),
    ),
    (3, _words("Wei Mei Jian Xiaoling Hao Yan Lei"), _words("Chen Wang Zhang Liu Huang Zhou Lin")),
    (2, _words("Min-jun Ji-woo Seo-yeon Hyun-woo Eun-ji"), _words("Kim Park Choi Jung Yoon")),
    (3, _words("Omar Layla Karim Nadia Samir Rania"), _words("Haddad Khoury Saleh Nasser Aziz Mansour")),
    (3, _words("Chinedu Ngozi Kwame Ama Oluwaseun Folake"), _words("Okafor Adeyemi Mensah Boateng Okonkwo Eze")),
]

# Drawn names that belong to someone well known are drawn again.
FAMOUS = {
    "Kevin McCarthy", "Sanjay Shah", "Daniel Sullivan", "Emily Hughes", "Ryan Miller", "Robert Fischer",
    "Thomas Mueller", "Linda Thompson", "Eric Bishop", "Nathan Anderson", "Greg Olson", "Scott Peterson",
    "Gary Anderson", "Robert Wagner", "Juan Gonzalez", "Luis Gonzalez", "José Reyes", "Jorge Garcia",
    "Mohamed Farah", "Arjun Reddy", "Dale Earnhardt", "James Hughes", "Lisa Miller", "Amy Schultz",
}  # fmt: skip

# Other cities, for absentee owners: (city, state, ZIP codes).
OTHER_CITIES = [
    ("Omaha", "NE", ["68104", "68114", "68131"]),
    ("Minneapolis", "MN", ["55408", "55417"]),
    ("Kansas City", "MO", ["64111", "64113"]),
    ("Chicago", "IL", ["60614", "60640"]),
    ("Cedar Rapids", "IA", ["52402", "52403"]),
    ("Ames", "IA", ["50010", "50014"]),
    ("Denver", "CO", ["80206", "80220"]),
    ("Scottsdale", "AZ", ["85251", "85260"]),
    ("Naples", "FL", ["34102", "34108"]),
    ("Dallas", "TX", ["75204", "75214"]),
    ("Madison", "WI", ["53703", "53711"]),
    ("St. Louis", "MO", ["63110", "63139"]),
    ("Sioux Falls", "SD", ["57104", "57105"]),
    ("Lincoln", "NE", ["68502", "68506"]),
]
OTHER_STREETS = _words(
    "Hawthorne Ave|Lakeview Dr|Summit St|Chestnut Ln|Parkside Blvd|Ridgeway Rd|Bayberry Ct|Fairview Ave|"
    "Meadowlark Ln|Highland Dr|Juniper St|Orchard Pl|Larkspur Rd|Sunset Blvd|Kingsley Ave",
    sep="|",
)

# (name, parcels, land uses it buys, zones it prefers or None, home: "local" or an index into OTHER_CITIES)
COMPANIES: list[tuple[str, int, list[str], list[str] | None, str | int]] = [
    ("Two Rivers Development Corp", 7, ["commercial", "mixed_use"], ["C"], "local"),
    ("Grand Avenue Commercial LLC", 4, ["commercial", "mixed_use"], ["C", "E"], "local"),
    ("Eastside Industrial Park LLC", 5, ["industrial"], ["E"], "local"),
    ("Heartland Self Storage LLC", 3, ["industrial", "commercial", "vacant_lot"], None, 2),
    ("Northgate Investments Inc", 6, ["vacant_lot", "commercial"], None, "local"),
    ("Bluestem Capital LLC", 3, ["vacant_lot", "mixed_use", "residential_multi"], None, 0),
    ("Cedar Holdings LLC", 10, ["residential_multi", "residential_single"], ["N", "C", "W"], "local"),
    ("Riverbend Property Management LLC", 9, ["residential_multi", "residential_single"], ["S", "E"], "local"),
    ("Prairie Star Rentals LLC", 8, ["residential_single", "residential_multi"], ["S", "W"], "local"),
    ("Red Oak Realty Group LLC", 7, ["residential_multi", "mixed_use", "residential_single"], None, "local"),
    ("Midwest Home Partners LP", 8, ["residential_single"], None, 6),
    ("Keystone Residential LLC", 5, ["residential_multi", "residential_single"], ["N", "S"], 1),
    ("Halvorsen Family Trust", 3, ["residential_single"], ["W", "N"], 8),
    ("Okafor Living Trust", 3, ["residential_single", "residential_multi"], ["S"], "local"),
]
TRUSTEES = {"Halvorsen Family Trust": "Karen Halvorsen", "Okafor Living Trust": "Ngozi Okafor"}
ABSENTEE_INDIVIDUAL_PARCELS = 44
LOCAL_LANDLORDS = 6
EMAIL_SHARE = 0.57
PHONE_SHARE = 0.45
EMAIL_DOMAINS = ["example.com", "example.org", "example.net"]


class People:
    """Draws unique fictional names, e-mail addresses and 555 phone numbers."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: set[str] = set()
        self.emails: set[str] = set()
        self.phones: set[str] = set()
        self.partners: set[str] = set()  # each first name appears as a co-owner once at most

    def person(self) -> tuple[str, str, str]:
        """A unique owner name, with the first and last name of the person it is written to."""
        while True:
            _, firsts, lasts = self.rng.choices(NAME_GROUPS, weights=[g[0] for g in NAME_GROUPS])[0]
            first, last = self.rng.choice(firsts), self.rng.choice(lasts)
            name, partner = f"{first} {last}", first
            if self.rng.random() < 0.12:
                partner = self.rng.choice([f for f in firsts if f != first and f not in self.partners])
                self.partners.add(partner)
                name = f"{first} and {partner} {last}"
            if f"{first} {last}" in FAMOUS or f"{partner} {last}" in FAMOUS:
                continue
            if name not in self.names and f"{first} {last}" not in self.names:
                self.names.add(name)
                self.names.add(f"{first} {last}")
                return name, first, last

    def email(self, *parts: str) -> str:
        words = [_ascii(p) for p in parts]
        patterns = [".".join(words), "".join(words), f"{words[0][:1]}{''.join(words[1:])}"]
        base = self.rng.choice(patterns) if len(words) > 1 else words[0]
        domain = self.rng.choice(EMAIL_DOMAINS)
        candidate, n = f"{base}@{domain}", 1
        while candidate in self.emails:
            n += 1
            candidate = f"{base}{n}@{domain}"
        self.emails.add(candidate)
        return candidate

    def phone(self) -> str:
        while True:
            candidate = f"+1555{self.rng.randint(2000000, 9999999)}"
            if candidate not in self.phones:
                self.phones.add(candidate)
                return candidate


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def local_mailing(parcel: Parcel) -> str:
    return f"{parcel.address}, {CITY}, {STATE} {ZIP_BY_ZONE[parcel.zone]}"


def out_of_town(rng: random.Random, home: int | None = None) -> str:
    city, state, zips = OTHER_CITIES[home] if home is not None else rng.choice(OTHER_CITIES)
    return f"{rng.randint(12, 98) * 100 + rng.randint(1, 99)} {rng.choice(OTHER_STREETS)}, {city}, {state} {rng.choice(zips)}"


def contacts(owner: Owner, people: People, email_parts: list[str], email_share: float, phone_share: float) -> None:
    if people.rng.random() < email_share:
        owner.email = people.email(*email_parts)
    if people.rng.random() < phone_share:
        owner.phone = people.phone()


def preferred_channels(parcels: list[Parcel], rng: random.Random) -> None:
    """Owners reachable both ways have told the city how they want to hear from it, or left it blank; the
    example owner (142 Maple Dr, the README's address) reads e-mail. A separate generator, so the rest of the roll is as before."""
    seen: set[int] = set()
    for p in parcels:
        owner = p.owner
        if owner is None or id(owner) in seen or not (owner.email and owner.phone):
            continue
        seen.add(id(owner))
        draw = rng.random()
        forced = (p.street, p.number) in FORCED
        owner.preferred_channel = "email" if forced or draw < 0.35 else "sms" if draw < 0.7 else ""


def assign_owners(parcels: list[Parcel], rng: random.Random) -> None:
    people = People(rng)
    free = [p for p in parcels if (p.street, p.number) not in FORCED]
    rng.shuffle(free)

    # Companies and trusts, each buying the kinds of property it deals in.
    for name, count, uses, zones, home in COMPANIES:
        wanted = [p for p in free if p.land_use in uses and (zones is None or p.zone in zones)]
        wanted += [p for p in free if p.land_use in uses and p not in wanted]
        bought = wanted[:count]
        for p in bought:
            free.remove(p)
        downtown = [p for p in bought if p.zone == "C" and p.land_use in ("commercial", "mixed_use")]
        if home == "local":
            mailing = (
                f"{downtown[0].address}, Suite {rng.randint(1, 4)}00, {CITY}, {STATE} {ZIP_BY_ZONE['C']}"
                if downtown
                else f"PO Box {rng.randint(1000, 9899)}, {CITY}, {STATE} {ZIP_BY_ZONE['C']}"
            )
        else:
            assert isinstance(home, int)
            mailing = out_of_town(rng, home)
        if name in TRUSTEES:
            mailing = f"c/o {TRUSTEES[name]}, Trustee, {mailing}"
        owner = Owner(name=name, mailing=mailing)
        stem = name.replace(" LLC", "").replace(" Inc", "").replace(" LP", "").replace(" Corp", "").split()
        contacts(owner, people, ["".join(_ascii(w) for w in stem[:2])], 0.85, 0.8)
        for p in bought:
            p.owner = owner

    # Absentee individuals: rentals owned from another city, a few owning two or three.
    residential = [p for p in free if p.land_use in ("residential_single", "residential_multi", "vacant_lot")]
    absentee_parcels = residential[:ABSENTEE_INDIVIDUAL_PARCELS]
    i = 0
    while i < len(absentee_parcels):
        take = rng.choices([1, 2, 3], weights=[80, 14, 6])[0]
        name, first, last = people.person()
        owner = Owner(name=name, mailing=out_of_town(rng))
        contacts(owner, people, [first, last], EMAIL_SHARE, PHONE_SHARE)
        for p in absentee_parcels[i : i + take]:
            p.owner = owner
            free.remove(p)
        i += take

    # Everyone else lives (or does business) at the parcel they own. Local landlords also own a few rentals and
    # the vacant lots, with their mail going to their home.
    homes = [p for p in free if p.land_use == "residential_single"]
    landlords = homes[:LOCAL_LANDLORDS]
    rentals = [p for p in free if p.land_use == "vacant_lot"]
    rentals += [p for p in free if p.land_use in ("residential_single", "residential_multi") and p not in landlords][
        : LOCAL_LANDLORDS + 3 - len(rentals)
    ]
    for p in free:
        if p in rentals:
            continue
        name, first, last = people.person()
        p.owner = Owner(name=name, mailing=local_mailing(p))
        contacts(p.owner, people, [first, last], EMAIL_SHARE, PHONE_SHARE)
    for n, p in enumerate(rentals):
        p.owner = landlords[n % len(landlords)].owner

    # The example parcel of the README and the tests: an owner-occupant who can be reached by e-mail and phone.
    for p in parcels:
        if (p.street, p.number) in FORCED:
            name, first, last = people.person()
            p.owner = Owner(name=name, mailing=local_mailing(p), email=people.email(first, last), phone=people.phone())


# --- staff --------------------------------------------------------------------------------------------------

# badge, name, zones, specialties, username
OFFICERS = [
    ("CE-101", "Dana Whitfield", "N;C", "property_standards;signs;noise;vehicles", "officer"),
    ("CE-102", "Luis Ortega", "N;E", "property_standards;zoning;pools", ""),
    ("CE-103", "Aisha Rahman", "S;W", "property_standards;noise;vehicles", ""),
    ("CE-104", "Bao Tran", "S;C", "property_standards;signs;zoning", ""),
    ("CE-105", "Kirsten Lindahl", "E;W", "property_standards;pools;signs", ""),
    ("CE-106", "Marcus Greene", "N;S;E;W;C", "building;zoning", ""),
    ("CE-107", "Fatuma Warsame", "C;E;S", "property_standards;building;signs", ""),
    ("CE-108", "Rick Novak", "N;S;E;W;C", "noise;vehicles;pools", ""),
]
USERS = [
    ("clerk", "Megan Price", "clerk"),
    ("officer", "Dana Whitfield", "officer"),
    ("supervisor", "Teresa Alvarez", "supervisor"),
    ("hearing", "Harold Kimura", "hearing_officer"),
    ("finance", "Priya Natarajan", "finance"),
    ("admin", "Sam Osei", "admin"),
    ("executive", "Joan Caldwell", "executive"),
]
OFFICE_ADDRESS = "100 Civic Square, Riverton"
OFFICE_BLOCKS = (1.5, 0.6)  # between Main St and Grand Ave


def staff_email(name: str) -> str:
    return ".".join(_ascii(part) for part in name.split()) + "@riverton.example"


# --- output -------------------------------------------------------------------------------------------------


def write_csv(name: str, header: list[str], rows: list[list[str]]) -> None:
    with (OUT_DIR / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_city(parcels: list[Parcel]) -> None:
    office_lat, office_lon = to_lat_lon(*OFFICE_BLOCKS)
    lats = [p.lat for p in parcels] + [office_lat]
    lons = [p.lon for p in parcels] + [office_lon]
    toml = f"""\
# The City of Riverton: a fictional city for demos and tests. Generated by scripts/make_demo_city.py.
[city]
name = "City of Riverton"
short_name = "Riverton"
state = "{STATE}"
timezone = "America/Chicago"
department = "Neighborhood Services – Code Compliance Division"
phone = "(555) 010-0311"
email = "code.enforcement@riverton.example"
website = "https://riverton.example/code"

[city.office]
address = "{OFFICE_ADDRESS}"
lat = {office_lat}
lon = {office_lon}

# A box around every parcel, with a margin: a point outside it is not in Riverton.
[city.bounds]
min_lat = {round(min(lats) - BOUNDS_MARGIN, 3)}
max_lat = {round(max(lats) + BOUNDS_MARGIN, 3)}
min_lon = {round(min(lons) - BOUNDS_MARGIN, 3)}
max_lon = {round(max(lons) + BOUNDS_MARGIN, 3)}
"""
    (OUT_DIR / "city.toml").write_text(toml, encoding="utf-8")


def main() -> None:
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    parcels = make_parcels(rng)
    assert len(parcels) == 400, len(parcels)
    assign_owners(parcels, rng)
    preferred_channels(parcels, random.Random(SEED + 2))  # noqa: S311 - demo data, not secrets
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    write_city(parcels)

    streets_by_zone: dict[str, list[str]] = {code: [] for code, _, _ in ZONES}
    for p in parcels:
        street = p.street.removeprefix("W ").removeprefix("E ")
        if street not in streets_by_zone[p.zone]:
            streets_by_zone[p.zone].append(street)
    write_csv(
        "zones.csv",
        ["code", "name", "description"],
        [[code, name, f"{text} ({', '.join(streets_by_zone[code])})"] for code, name, text in ZONES],
    )
    rows = []
    for p in parcels:
        assert p.owner is not None, p.address
        o = p.owner
        rows.append(
            [
                p.parcel_id,
                p.address,
                p.zone,
                p.land_use,
                f"{p.lat:.6f}",
                f"{p.lon:.6f}",
                o.name,
                o.mailing,
                o.email,
                o.phone,
                o.preferred_channel,
            ]
        )
    write_csv(
        "parcels.csv",
        ["parcel_id", "address", "zone_code", "land_use", "lat", "lon", "owner_name", "owner_mailing_address", "owner_email", "owner_phone", "owner_preferred_channel"],
        rows,
    )  # fmt: skip
    phones = People(random.Random(SEED + 1))  # noqa: S311 - demo data, not secrets
    write_csv(
        "officers.csv",
        ["badge", "name", "email", "phone", "zones", "specialties", "username"],
        [[badge, name, staff_email(name), phones.phone(), zones, specs, user] for badge, name, zones, specs, user in OFFICERS],
    )  # fmt: skip
    # Staff accounts' own phones, for urgent alerts by text (drawn apart, so the officers' numbers stay as they were).
    staff_phones = People(random.Random(SEED + 2))  # noqa: S311 - demo data, not secrets
    write_csv(
        "users.csv",
        ["username", "full_name", "role", "email", "phone"],
        [[username, name, role, staff_email(name), staff_phones.phone()] for username, name, role in USERS],
    )
    print(f"wrote {OUT_DIR}: {len(parcels)} parcels, {len(ZONES)} zones, {len(OFFICERS)} officers, {len(USERS)} users")


if __name__ == "__main__":
    main()
