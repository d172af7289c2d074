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
