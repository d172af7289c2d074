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
    return f"CE-{year:04d}-{sequence:06d}"


def is_case_number(value: str) -> bool:
    return CASE_NUMBER_PATTERN.match(value) is not None


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_CODE_LENGTH))
