"""The owner's access code: printed on each letter served, typed on the owner page with the case number.

A code is derived from the server's secret and the letter (HMAC), so a retried render prints the same code
and the stored letter stays byte-for-byte the same; only its sha256 is kept in the database, so a copy of
the database opens no owner page. Codes use the tracking codes' alphabet: no 0/O or 1/I/L to misread.
"""

from __future__ import annotations

import hashlib
import hmac

from domain.case_numbers import TRACKING_ALPHABET

ACCESS_CODE_LENGTH = 12  # 31^12 ≈ 2^59: with the rate limit, out of reach of guessing


def owner_access_code(secret: bytes, case_number: str, letter_key: str) -> str:
    digest = hmac.new(secret, f"owner-access:{case_number}:{letter_key}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest, "big")
    letters = []
    for _ in range(ACCESS_CODE_LENGTH):
        number, index = divmod(number, len(TRACKING_ALPHABET))
        letters.append(TRACKING_ALPHABET[index])
    return "".join(letters)


def printed(code: str) -> str:
    """As the letter prints it: in groups of four, easy to copy."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalized(typed: str) -> str:
    """What the owner typed, without the spaces and dashes people add, in capitals."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())


def code_digest(code: str) -> str:
    return hashlib.sha256(normalized(code).encode()).hexdigest()
