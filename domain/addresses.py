"""Street addresses as the assessment roll keys them, so '142 maple drive, Riverton' finds '142 Maple Dr'."""

import re

_SUFFIXES = {
    "STREET": "ST", "AVENUE": "AVE", "DRIVE": "DR", "ROAD": "RD", "BOULEVARD": "BLVD", "LANE": "LN",
    "COURT": "CT", "PLACE": "PL", "TERRACE": "TER", "PARKWAY": "PKWY", "CIRCLE": "CIR", "HIGHWAY": "HWY",
    "WEST": "W", "EAST": "E", "NORTH": "N", "SOUTH": "S",
}  # fmt: skip
_NON_WORD = re.compile(r"[^A-Z0-9 ]+")


def address_key(text: str) -> str:
    """The normalised form of the street part of an address (what comes before the first comma)."""
    street = text.split(",", 1)[0].upper()
    words = _NON_WORD.sub(" ", street).split()
    return " ".join(_SUFFIXES.get(word, word) for word in words)


def whole_last_word(key: str) -> bool:
    """Whether the last typed word must match a whole word of an address: a number must (a house number or
    a unit is complete as typed, so "212" is not 2120), while a street name may still be being typed."""
    words = key.split()
    return bool(words) and words[-1].isdigit()


# Street types as written out or abbreviated in the USPS list (Publication 28, C1), and directionals: a legacy
# export writes "West Fourteenth Street", "W 14th St." or "W 14TH ST APT 2" for the same property.
_STREET_TYPES = {
    "ALLEY": "ALY", "AVENUE": "AVE", "AV": "AVE", "BOULEVARD": "BLVD", "BOUL": "BLVD", "CIRCLE": "CIR",
    "COURT": "CT", "CRT": "CT", "DRIVE": "DR", "DRV": "DR", "EXPRESSWAY": "EXPY", "HIGHWAY": "HWY", "LANE": "LN",
    "LOOP": "LOOP", "PARKWAY": "PKWY", "PKY": "PKWY", "PLACE": "PL", "PLAZA": "PLZ", "ROAD": "RD", "SQUARE": "SQ",
    "STREET": "ST", "STR": "ST", "TERRACE": "TER", "TRAIL": "TRL", "WAY": "WAY",
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W",
    "NORTHEAST": "NE", "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
}  # fmt: skip
# A unit within the property (the parcel is the same): "APT 2", "UNIT B", "STE 100", "# 3", "#3".
_UNIT = re.compile(
    r"(?:\b(?:APT|APARTMENT|UNIT|STE|SUITE|BLDG|BUILDING|FL|FLOOR|RM|ROOM|LOT|SPC|SPACE)\b\.?|#)\s*[A-Z0-9-]+"
)


def property_address_key(text: str) -> str:
    """The key a legacy address and the assessment roll's address share when they name the same property:
    the street part, units dropped, street types and directionals abbreviated alike, the house number without
    leading zeros. House numbers stay whole words, so 212 never matches 1212 or 2120."""
    street = _UNIT.sub(" ", text.split(",", 1)[0].upper())
    words = [_STREET_TYPES.get(word, word) for word in _NON_WORD.sub(" ", street).split()]
    if words and words[0].isdigit():
        words[0] = words[0].lstrip("0") or "0"
    return " ".join(words)


def parcel_id_key(text: str) -> str:
    """Parcel numbers are written with and without dashes, spaces or dots: R-27-0101-010 is R27 0101 010."""
    return "".join(ch for ch in text.upper() if ch.isalnum())
