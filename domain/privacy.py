"""Taking a complainant's identity out of free text: what an officer typed into findings, what a resident wrote
in a complaint. One rule for every reader who may not know who complained: the owner's letters, and the staff
outside `SEE_COMPLAINANT` (domain/access.py) reading the case page or the JSON API.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

WITHHELD = "[withheld]"
# Between the digits of a phone number as people type it: "(555) 010-9944", "555.010.9944", "555 010 9944".
_PHONE_GAP = r"[\s.\-()]*"
# A first name of three letters ("Ana", "Bob") identifies a neighbour as well as a surname does.
SHORTEST_NAME_PART = 3
LOCAL_NUMBER_DIGITS = 7


class Identity(BaseModel):
    """Who reported a case, as far as it must be kept from readers who may not know."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    email: str | None = None
    phone: str | None = None


def _phone_pattern(digits: str) -> re.Pattern[str]:
    """The digits however they are spaced, with an opening bracket or a country code in front taken too, so no
    stray "(" is left beside the mark."""
    return re.compile(r"(?<![\d(])(?:\+?1" + _PHONE_GAP + r")?\(?" + _PHONE_GAP.join(digits) + r"(?!\d)")


def identity_patterns(person: Identity) -> list[re.Pattern[str]]:
    """E-mail first (it may contain the name), then the whole name, then each part of it of three letters or
    more, then the phone's last ten digits, then its local seven (a neighbour writes "010-9944" without the area
    code)."""
    patterns = []
    if person.email and person.email.strip():
        patterns.append(re.compile(re.escape(person.email.strip()), re.IGNORECASE))
    if person.name and person.name.strip():
        whole = person.name.strip()
        parts = [p for p in re.split(r"[\s\-.,']+", whole) if len(p) >= SHORTEST_NAME_PART]
        patterns += [re.compile(rf"(?<!\w){re.escape(part)}(?!\w)", re.IGNORECASE) for part in [whole, *parts]]
    digits = re.sub(r"\D", "", person.phone or "")[-10:]
    if len(digits) >= LOCAL_NUMBER_DIGITS:
        patterns.append(_phone_pattern(digits))
        if len(digits) > LOCAL_NUMBER_DIGITS:
            patterns.append(_phone_pattern(digits[-LOCAL_NUMBER_DIGITS:]))
    return patterns


def withhold_identities(text: str, people: Iterable[Identity]) -> str:
    """The text with every complainant's name, e-mail and phone replaced by "[withheld]"."""
    for person in people:
        for pattern in identity_patterns(person):
            text = pattern.sub(WITHHELD, text)
    return text
