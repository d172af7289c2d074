"""Case numbers and public tracking codes.

A case number (`CE-2026-000123`) is the workflow id, so it is what makes starting a case twice impossible.
The tracking code is what residents see: unguessable, so the public page of one case cannot be walked to another.
"""

import re
import secrets

CASE_NUMBER_PATTERN = re.compile(r"^CE-(\d{4})-(\d{6})$")
MAX_SEQUENCE = 999_999
TRACKING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud over the phone
TRACKING_CODE_LENGTH = 10


def format_case_number(year: int, sequence: int) -> str:
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"case sequence {sequence} is outside 1..{MAX_SEQUENCE} for {year}")
    return f"{case_number_prefix(year)}{sequence:06d}"


def is_case_number(value: str) -> bool:
    return CASE_NUMBER_PATTERN.match(value) is not None


def case_number_prefix(year: int) -> str:
    """What every case number of the year starts with (a visibility query lists a year's cases by it)."""
    return f"CE-{year:04d}-"


def case_sequence(value: str) -> tuple[int, int]:
    """The year and the sequence of a case number."""
    found = CASE_NUMBER_PATTERN.match(value)
    if found is None:
        raise ValueError(f"{value!r} is not a case number")
    return int(found.group(1)), int(found.group(2))


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_CODE_LENGTH))
