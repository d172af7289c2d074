"""What residents send the city and what staff answer: the case's communications log, its replies due, disputes.

The city's own standard: "all phone calls and emails shall be returned by staff within one business day". Each
e-mail, text or incoming call opens a reply due at the close of the next business day (`reply_due_at`); a reply
to that person closes it. An e-mail finds its case by the reply address every case e-mail carries
(`case+<token>@<inbound domain>`, a token nobody can guess, so no one can file mail onto a case they were not
written about), else by the case number in its subject; a text by the phone of an open case's owner or complainant.

Anything not known to come from the owner may come from a complainant (a neighbour writing from another address),
so only the roles that may see complainants read it (`withheld_from`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import datetime
from email.utils import getaddresses
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.access import SEE_COMPLAINANT
from domain.calendar import BusinessCalendar

CASE_NUMBER_IN_TEXT = re.compile(r"\bCE-\d{4}-\d{6}\b", re.IGNORECASE)
REPLY_TOKEN_BYTES = 12  # 96 bits: no one finds a case's address by trying
_REPLY_LOCAL_PART = re.compile(r"^case\+([0-9a-f]{24})$")
NANP_DIGITS = 10


class ContactChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    CALL = "call"
    VISIT = "visit"


class SpokenChannel(StrEnum):
    """What staff log by hand: the e-mails and texts log themselves."""

    CALL = "call"
    VISIT = "visit"


class Direction(StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


class Party(StrEnum):
    """Who is on the other end, as far as the city knows."""

    OWNER = "owner"
    COMPLAINANT = "complainant"
    OTHER = "other"


def withheld_from(role: str, party: str) -> bool:
    """Whether this reader sees only that a contact happened, not who or what: anything not known to be the
    owner's may be a complainant's."""
    return party != Party.OWNER.value and role not in SEE_COMPLAINANT


def reply_due_at(received_at: datetime, calendar: BusinessCalendar) -> datetime:
    """The close of the next business day in the city's calendar (a Friday's e-mail is due Monday, or Tuesday
    when Monday is a holiday)."""
    return calendar.business_days_after(received_at, 1)


def new_reply_token() -> str:
    return secrets.token_hex(REPLY_TOKEN_BYTES)


def reply_address(token: str, inbound_domain: str) -> str:
    return f"case+{token}@{inbound_domain}"


def reply_tokens_in(headers: Iterable[str], inbound_domain: str) -> list[str]:
    """The case tokens of the reply addresses in these address headers (To, Cc, the envelope), in order; other
    addresses, and the same local part at another domain, are not ours."""
    found = []
    for _name, address in getaddresses(list(headers)):
        local, _, domain = address.strip().lower().rpartition("@")
        match = _REPLY_LOCAL_PART.match(local)
        if match and domain == inbound_domain.lower() and match.group(1) not in found:
            found.append(match.group(1))
    return found


def case_numbers_in(subject: str) -> list[str]:
    return list(dict.fromkeys(m.group(0).upper() for m in CASE_NUMBER_IN_TEXT.finditer(subject)))


def address_of(header: str) -> str:
    """The bare address of a From header (`"Pat Doe" <pat@example.com>` → `pat@example.com`)."""
    addresses = getaddresses([header])
    return (addresses[0][1] if addresses else header).strip().lower()


def phone_key(phone: str | None) -> str:
    """A phone as comparable digits: people type "(555) 010-9944", Twilio sends "+15550109944"."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[1:] if len(digits) == NANP_DIGITS + 1 and digits.startswith("1") else digits


class _Entry(BaseModel):
    """A console form's fields (the form also carries its CSRF token, which is not the entry's)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class LoggedContact(_Entry):
    """A phone call or a visit, logged by the staff member who took or made it."""

    channel: SpokenChannel = SpokenChannel.CALL
    direction: Direction
    party: Party
    summary: str = Field(min_length=1, max_length=4000)
    occurred_at: AwareDatetime | None = Field(default=None, description="when it happened; now if omitted")


class ResidentReply(_Entry):
    """A reply from the case page to the person who wrote or texted, by the same channel."""

    body: str = Field(min_length=1, max_length=4000)


class DisputeEntry(_Entry):
    """An owner's or complainant's dispute of the officer's reading of the code (the city's guide: refer it)."""

    party: Party
    summary: str = Field(min_length=1, max_length=4000)


class DisputeResolution(_Entry):
    resolution: str = Field(min_length=1, max_length=4000)


def time_to_reply_hours(received_at: datetime, replied_at: datetime) -> float:
    return round((replied_at - received_at).total_seconds() / 3600, 2)
