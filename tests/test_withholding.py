"""The one redaction of a complainant's identity (domain/privacy.py), as people actually write names and numbers."""

from __future__ import annotations

import pytest

from domain.privacy import Identity, withhold_identities

ANA = Identity(name="Ana Ruiz-Okafor", email="ana.r@example.net", phone="+1 555 010 9944")

CASES = [
    # (what was typed, what a reader outside SEE_COMPLAINANT reads)
    ("Call Ana Ruiz-Okafor back", "Call [withheld] back"),
    ("Ana showed me the yard", "[withheld] showed me the yard"),  # a short first name alone
    ("Mrs Okafor next door", "Mrs [withheld] next door"),
    ("mrs RUIZ said so", "mrs [withheld] said so"),
    ("Banana peels and Anaheim peppers", "Banana peels and Anaheim peppers"),  # a name inside a word stays
    ("write to ana.r@example.net", "write to [withheld]"),
    ("ph. (555) 010-9944, after six", "ph. [withheld], after six"),  # no stray bracket
    ("ph. 555.010.9944", "ph. [withheld]"),  # dotted
    ("ph. 5550109944", "ph. [withheld]"),
    ("ph. +1-555-010-9944", "ph. [withheld]"),
    ("her number 010-9944", "her number [withheld]"),  # the local seven digits
    ("010 9944 or 010.9944", "[withheld] or [withheld]"),
    ("lot 2010-99441 unrelated", "lot 2010-99441 unrelated"),  # digits inside a longer number stay
    ("Grass over 20 cm on the lawn", "Grass over 20 cm on the lawn"),
]


@pytest.mark.parametrize(("typed", "read"), CASES)
def test_a_complainants_identity_is_withheld_however_it_was_typed(typed: str, read: str) -> None:
    assert withhold_identities(typed, [ANA]) == read


def test_every_complainant_of_a_case_is_withheld_and_an_anonymous_one_changes_nothing() -> None:
    bo = Identity(name="Bo Li", phone="555-0199")  # parts under three letters are too common to take out alone
    text = "Ana and Bo Li both called; Li from 555-0199"
    assert (
        withhold_identities(text, [ANA, bo, Identity()]) == "[withheld] and [withheld] both called; Li from [withheld]"
    )
    assert withhold_identities(text, []) == text
