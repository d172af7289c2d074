"""The letters a case sends, and everything each one needs, built from the policy pack, the city and the case.

Owner letters and complainant letters have separate contexts. `LetterContext` (the twelve owner letters) has
no field that could hold a complainant's identity; `ComplainantLetterContext` (acknowledgement and closure
update) carries the street address and the public outcome, never the owner. What varies by pack comes from
the pack's `NoticeKind` (title, statute, appeal route, order or fine) and its jurisdiction; the fixed
sentences live in the templates (`templates/notices/`, built by `scripts/make_notice_templates.py`) and are
phrased to read right under either pack ("under {{ notice.statute }}", "{{ authority }} may…").

Pydantic only: these cross the workflow boundary and never import sqlmodel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from domain.calendar import TimeZoneName
from domain.case import FeeRecord, FineRecord, LetterDocument, NoticeRecord, Observation, ParcelFacts
from domain.case_numbers import CASE_NUMBER_PATTERN
from domain.city import City
from domain.policy import CasePolicy, EscalationStep, NoticeKind, ViolationType
from domain.stages import Decision, HearingKind, Outcome, ServiceMethod


class LetterKind(StrEnum):
    """The letters Abate writes; each has a template `templates/notices/<value>.docx`."""

    ACKNOWLEDGEMENT = "acknowledgement"
    COURTESY_NOTICE = "courtesy_notice"
    NOTICE_OF_VIOLATION = "notice_of_violation"
    FINE_NOTICE = "fine_notice"
    REINSPECTION_NOTICE = "reinspection_notice"
    EXTENSION_GRANTED = "extension_granted"
    EXTENSION_DENIED = "extension_denied"
    NOTICE_OF_HEARING = "notice_of_hearing"
    HEARING_DECISION = "hearing_decision"
    REMEDIATION_NOTICE = "remediation_notice"
    LIEN_NOTICE = "lien_notice"
    LIEN_RELEASE = "lien_release"
    CLOSURE_OWNER = "closure_owner"
    CLOSURE_COMPLAINANT = "closure_complainant"

    @property
    def to_complainant(self) -> bool:
        return self in COMPLAINANT_LETTERS

    @property
    def template_name(self) -> str:
        return f"{self.value}.docx"


# What a letter is called where it is listed or e-mailed (the served notices take the pack's notice title).
LETTER_TITLES: dict[LetterKind, str] = {
    LetterKind.ACKNOWLEDGEMENT: "Your report has been received",
    LetterKind.COURTESY_NOTICE: "Courtesy notice",
    LetterKind.NOTICE_OF_VIOLATION: "Notice of violation",
    LetterKind.FINE_NOTICE: "Fine notice",
    LetterKind.REINSPECTION_NOTICE: "Notice of reinspection",
    LetterKind.EXTENSION_GRANTED: "Extension of time granted",
    LetterKind.EXTENSION_DENIED: "Extension of time refused",
    LetterKind.NOTICE_OF_HEARING: "Notice of hearing",
    LetterKind.HEARING_DECISION: "Hearing decision",
    LetterKind.REMEDIATION_NOTICE: "Notice of remedial work and costs",
    LetterKind.LIEN_NOTICE: "Notice of lien",
    LetterKind.LIEN_RELEASE: "Release of lien",
    LetterKind.CLOSURE_OWNER: "Case closed",
    LetterKind.CLOSURE_COMPLAINANT: "Your report: case closed",
}

COMPLAINANT_LETTERS = frozenset({LetterKind.ACKNOWLEDGEMENT, LetterKind.CLOSURE_COMPLAINANT})
# The letters that serve a notice; they wait for the post on their notice's record, the others on their own.
SERVED_LETTERS = frozenset({LetterKind.COURTESY_NOTICE, LetterKind.NOTICE_OF_VIOLATION, LetterKind.FINE_NOTICE})
OWNER_LETTERS = frozenset(set(LetterKind) - COMPLAINANT_LETTERS)

# What each letter cannot be written without, beyond the fields every context of its audience has.
REQUIRED_SECTIONS: dict[LetterKind, tuple[str, ...]] = {
    LetterKind.ACKNOWLEDGEMENT: (),
    LetterKind.COURTESY_NOTICE: ("notice", "compliance_deadline", "appeal", "service_method"),
    LetterKind.NOTICE_OF_VIOLATION: ("notice", "compliance_deadline", "appeal", "service_method"),
    LetterKind.FINE_NOTICE: ("notice", "fine", "appeal", "service_method"),
    LetterKind.REINSPECTION_NOTICE: ("notice", "reinspection_at"),
    LetterKind.EXTENSION_GRANTED: ("notice", "extension", "compliance_deadline"),
    LetterKind.EXTENSION_DENIED: ("notice", "extension", "compliance_deadline"),
    LetterKind.NOTICE_OF_HEARING: ("notice", "hearing"),
    LetterKind.HEARING_DECISION: ("notice", "hearing", "decision"),
    LetterKind.REMEDIATION_NOTICE: ("notice", "remediation"),
    LetterKind.LIEN_NOTICE: ("lien",),
    LetterKind.LIEN_RELEASE: ("lien", "lien.released_on"),
    LetterKind.CLOSURE_OWNER: ("outcome", "closed_on"),
    LetterKind.CLOSURE_COMPLAINANT: ("outcome", "closed_on"),
}

_MUNICIPALITY = re.compile(r"^(City|Town|Village|Township|County|Borough|Municipality|Region)\b")


def authority_of(jurisdiction: str) -> str:
    """How a letter names the issuing body: "the City" for "City of Riverton", "the Town" for an Ontario town."""
    match = _MUNICIPALITY.match(jurisdiction.strip())
    return f"the {match.group(1)}" if match else "the municipality"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _address_lines(address: str) -> list[str]:
    """A one-line mailing address as envelope lines: "3517 Highland Dr, Lincoln, NE 68506" → two lines."""
    street, _, rest = address.partition(", ")
    return [street, rest] if rest else [street]


# --- The parts of a letter ------------------------------------------------------------------------


class Letterhead(_Model):
    name: str
    department: str
    address: str
    phone: str
    email: str
    website: str

    @classmethod
    def from_city(cls, city: City) -> Self:
        return cls(
            name=city.name,
            department=city.department,
            address=city.office.address,
            phone=city.phone,
            email=city.email,
            website=city.website,
        )


class Recipient(_Model):
    """The owner of record, as the assessment roll names them: a letter is addressed to the roll."""

    name: str = Field(min_length=1)
    mailing_address: str = Field(min_length=1)

    @property
    def address_lines(self) -> list[str]:
        return _address_lines(self.mailing_address)

    @classmethod
    def owner_of(cls, parcel: ParcelFacts) -> Self:
        return cls(name=parcel.owner_name, mailing_address=parcel.owner_mailing_address)


class ParcelRef(_Model):
    address: str = Field(min_length=1)
    parcel_id: str = Field(min_length=1)

    @classmethod
    def of(cls, parcel: ParcelFacts) -> Self:
        return cls(address=parcel.address, parcel_id=parcel.parcel_id)


class ViolationLine(_Model):
    """One row of the violations table: the code section, what it means in plain words, and what to do."""

    code: str
    title: str
    section: str
    description: str
    corrective_action: str = Field(min_length=1)
    conditions: tuple[str, ...] = Field(default=(), description="the checklist items the officer observed")

    @classmethod
    def from_violation(cls, violation: ViolationType, corrective_action: str, conditions: Iterable[str] = ()) -> Self:
        return cls(
            code=violation.code,
            title=violation.title,
            section=violation.section,
            description=violation.description or violation.title,
            corrective_action=corrective_action,
            conditions=tuple(conditions),
        )


class NoticeTerms(_Model):
    """The pack's notice this letter issues, or the one it follows up: its title, statute and force."""

    code: str
    title: str
    statute: str = ""
    order: bool = False
    fine: bool = False
    issued_on: date | None = Field(default=None, description="when the notice was issued, for follow-up letters")

    @classmethod
    def from_policy(cls, code: str, kind: NoticeKind, issued_on: date | None = None) -> Self:
        return cls(
            code=code, title=kind.title, statute=kind.statute, order=kind.order, fine=kind.fine, issued_on=issued_on
        )


class AppealRights(_Model):
    """Whether and where the notice can be appealed (the pack's `appeal_to`), by when, and how.

    A notice that cannot be appealed may still carry the pack's words on the owner's options (an Ontario
    offence notice: pay, meet the prosecutor, or ask for a trial), which the letter prints as they are.
    """

    appealable: bool
    to: str = ""
    deadline: AwareDatetime | None = None
    how: str = ""

    @model_validator(mode="after")
    def _an_appeal_has_a_route_and_a_date(self) -> Self:
        if self.appealable and not (self.to and self.deadline and self.how):
            raise ValueError("an appealable notice states to whom (appeal_to), the exact deadline, and how to appeal")
        return self

    @classmethod
    def for_notice(cls, kind: NoticeKind, deadline: datetime | None, how: str) -> Self:
        """`how` is the city's default route, for a notice kind whose pack does not word its own."""
        return cls(
            appealable=kind.appealable,
            to=kind.appeal_to,
            deadline=deadline if kind.appealable else None,
            how=kind.how_to_appeal or how,
        )


def how_to_appeal(city: Letterhead) -> str:
    """The default route for a written appeal: the department's office or e-mail, quoting the case number."""
    return (
        f"send a written notice of appeal that quotes the case number and says why you disagree to "
        f"{city.department}, {city.address}, or by e-mail to {city.email}"
    )


class Penalty(_Model):
    """What follows if the owner does not comply, from the violation type's fine ladder and escalation."""

    fines: tuple[Decimal, ...] = Field(default=(), description="the fines still to come, in order")
    hearing: bool = False
    remediation: bool = False
    lien: bool = False
    prosecution: bool = False

    @property
    def applies(self) -> bool:
        return bool(self.fines) or self.hearing or self.remediation or self.lien or self.prosecution

    @classmethod
    def from_policy(cls, policy: CasePolicy, fines_levied: int = 0, steps_taken: int = 0) -> Self:
        """The rungs of the ladder still ahead of the case (after `steps_taken`), and the fines still to come."""
        violation = policy.violation
        ahead = violation.escalation[steps_taken:]
        levies = EscalationStep.FINE in ahead or any(n.fine for n in policy.notices.values())
        fines = violation.fines[min(fines_levied, len(violation.fines) - 1) :] if violation.fines else ()
        return cls(
            fines=tuple(fines) if levies else (),
            hearing=EscalationStep.HEARING in ahead,
            remediation=EscalationStep.REMEDIATION in ahead,
            lien=EscalationStep.LIEN in ahead,
            prosecution=EscalationStep.PROSECUTION in ahead,
        )


class OfficerContact(_Model):
    name: str
    badge: str
    phone: str
    email: str
    title: str = "Code Enforcement Officer"


class OwnerPortalAccess(_Model):
    """Where and with what the owner opens the case online: the code printed on this letter (domain.owner_access)."""

    url: str
    code: str = Field(description="as printed, in groups of four")


class FineTerms(_Model):
    amount: Decimal = Field(gt=0)
    due_on: date
    number: int = Field(default=1, ge=1, description="first, second… fine on this case")


class FeeTerms(_Model):
    """A reinspection fee billed since the owner's last letter: the letter tells it (once)."""

    reinspection: int = Field(ge=1)
    amount: Decimal = Field(gt=0)
    billed_on: date
    due_on: date

    @classmethod
    def of(cls, fee: FeeRecord, timezone: str) -> Self:
        return cls(
            reinspection=fee.reinspection,
            amount=fee.amount,
            billed_on=local_time(fee.billed_at, timezone).date(),
            due_on=local_time(fee.due_at, timezone).date(),
        )


class ExtensionTerms(_Model):
    requested_on: date
    requested_days: int = Field(ge=1)
    granted_days: int | None = Field(default=None, ge=1)
    reason: str = Field(description="the supervisor's reason for the decision")
    previous_deadline: AwareDatetime | None = None


class HearingTerms(_Model):
    kind: HearingKind
    at: AwareDatetime
    location: str


# Where a fine is appealed when the notice it follows names no route (a courtesy notice cannot be appealed).
FINE_APPEALS_TO = "the hearing officer"


class AppealedFine(_Model):
    """A fine decided on appeal: its number, what it was levied at, what it is now, and its payment due date."""

    number: int = Field(ge=1)
    levied: Decimal = Field(gt=0)
    amount: Decimal = Field(ge=0)
    due_on: date


class DecisionTerms(_Model):
    decision: Decision
    reason: str
    decided_on: date
    fine: AppealedFine | None = Field(default=None, description="the appeal was of this fine, not of the notice")


class CostItem(_Model):
    description: str
    amount: Decimal


class RemediationTerms(_Model):
    """Work the city had done at the owner's expense, and its bill."""

    scope: str
    completed_on: date
    costs: tuple[CostItem, ...] = Field(min_length=1)
    payment_due_on: date

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.costs), Decimal(0))


class LienTerms(_Model):
    amount: Decimal = Field(gt=0)
    recorded_on: date
    reference: str
    items: tuple[CostItem, ...] = ()
    released_on: date | None = Field(default=None, description="the day it was paid in full and released")


class _Common(_Model):
    """What every letter has: who sends it, when, about which case, and the clock its times are told in."""

    jurisdiction: str = Field(description="the pack's jurisdiction: it decides 'the City' or 'the Town'")
    timezone: TimeZoneName = Field(
        description="the policy calendar's time zone; every time on the letter is local to it"
    )
    city: Letterhead
    case_number: str = Field(pattern=CASE_NUMBER_PATTERN.pattern)
    letter_date: date

    @property
    def authority(self) -> str:
        return authority_of(self.jurisdiction)


class LetterContext(_Common):
    """Everything an owner letter prints. Deliberately has no place for the complainant: an owner never learns who complained."""

    audience: Literal["owner"] = "owner"
    recipient: Recipient
    parcel: ParcelRef
    violations: tuple[ViolationLine, ...] = Field(min_length=1)
    officer: OfficerContact
    notice: NoticeTerms | None = None
    inspected_on: date | None = None
    compliance_deadline: AwareDatetime | None = None
    penalty: Penalty = Penalty()
    appeal: AppealRights | None = None
    service_method: ServiceMethod | None = None
    reinspection_at: AwareDatetime | None = None
    fine: FineTerms | None = None
    extension: ExtensionTerms | None = None
    hearing: HearingTerms | None = None
    decision: DecisionTerms | None = None
    remediation: RemediationTerms | None = None
    lien: LienTerms | None = None
    outcome: Outcome | None = None
    closed_on: date | None = None
    balance_due: Decimal = Decimal(0)
    owner_access: OwnerPortalAccess | None = None
    pay_url: str | None = Field(default=None, description="where a fine is paid online by card, when the city takes it")
    fees_billed: tuple[FeeTerms, ...] = Field(default=(), description="reinspection fees not yet told the owner")

    @property
    def lien_warning(self) -> bool:
        """Orders and fines state the city's right to recover its costs by lien, as city codes do."""
        return self.notice is not None and (self.notice.order or self.notice.fine)


class ComplainantRecipient(_Model):
    name: str = Field(min_length=1)
    email: str | None = None
    mailing_address: str | None = None

    @property
    def address_lines(self) -> list[str]:
        return _address_lines(self.mailing_address) if self.mailing_address else []


class ComplainantLetterContext(_Common):
    """A letter to the person who reported the problem: the case's public face only, never the owner."""

    audience: Literal["complainant"] = "complainant"
    recipient: ComplainantRecipient
    tracking_code: str
    property_address: str = Field(description="the street address reported; no parcel owner, no mailing address")
    concern: str = Field(description="the violation type's title")
    received_on: date
    response_due: AwareDatetime | None = None
    status_url: str | None = None
    outcome: Outcome | None = None
    closed_on: date | None = None


AnyLetterContext = Annotated[LetterContext | ComplainantLetterContext, Field(discriminator="audience")]


# --- The render activity's input and result -------------------------------------------------------


def _part(context: BaseModel, dotted: str) -> object:
    """A context's part by its dotted name (`lien.released_on`), None when it or what holds it is missing."""
    value: object = context
    for name in dotted.split("."):
        value = getattr(value, name, None)
    return value


class RenderRequest(_Model):
    """One letter of one case. `business_key` names the step that wrote it (`notice-2`), so a retry is the same file."""

    case_number: str = Field(pattern=CASE_NUMBER_PATTERN.pattern)
    kind: LetterKind
    business_key: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    context: AnyLetterContext

    @model_validator(mode="after")
    def _the_context_fits_the_letter(self) -> Self:
        if self.context.case_number != self.case_number:
            raise ValueError(f"the context is for case {self.context.case_number}, not {self.case_number}")
        audience = "complainant" if self.kind.to_complainant else "owner"
        if self.context.audience != audience:
            raise ValueError(
                f"a {self.kind.value} letter goes to the {audience}, but the context is for the {self.context.audience}"
            )
        missing = [name for name in REQUIRED_SECTIONS[self.kind] if _part(self.context, name) is None]
        if missing:
            raise ValueError(f"a {self.kind.value} letter needs {', '.join(missing)} in its context")
        return self

    @property
    def filename(self) -> str:
        return f"{self.business_key}-{self.kind.value}.docx"


class RenderedDocument(_Model):
    """A stored letter: where it is (relative to the document store), its hash, and the template that made it."""

    case_number: str
    kind: LetterKind
    business_key: str
    path: str
    sha256: str
    size: int
    template: str
    template_sha256: str
    already_stored: bool = Field(description="an earlier attempt stored these very bytes; nothing was written")
    pdf_path: str | None = None
    pdf_sha256: str | None = None
    pdf_size: int | None = None
    pdf_unavailable_reason: str | None = None

    @property
    def letter(self) -> LetterDocument:
        """The stored letter as the case keeps it. This result stays flat: recorded histories carry it so."""
        return LetterDocument(
            path=self.path,
            sha256=self.sha256,
            template=self.template,
            template_version=self.template_sha256,
            pdf_path=self.pdf_path,
            pdf_sha256=self.pdf_sha256,
            pdf_unavailable_reason=self.pdf_unavailable_reason,
        )


# --- How the templates print values (their Jinja filters) -----------------------------------------


def local_time(instant: datetime, timezone: str) -> datetime:
    return instant.astimezone(ZoneInfo(timezone))


def long_date(day: date) -> str:
    """March 13, 2026."""
    return f"{day:%B} {day.day}, {day.year}"


def weekday_date(day: date) -> str:
    """Friday, March 13, 2026."""
    return f"{day:%A}, {long_date(day)}"


def clock(instant: datetime) -> str:
    """5:00 p.m. (the wall-clock time the instant carries)."""
    hour = instant.hour % 12 or 12
    return f"{hour}:{instant.minute:02d} {'a.m.' if instant.hour < 12 else 'p.m.'}"


def deadline_text(instant: datetime, timezone: str) -> str:
    """A deadline as a letter states it: 5:00 p.m. on Friday, March 13, 2026 (local to the city's calendar)."""
    local = local_time(instant, timezone)
    return f"{clock(local)} on {weekday_date(local.date())}"


def money(amount: Decimal | int) -> str:
    return f"${Decimal(amount):,.2f}"


def money_list(amounts: Iterable[Decimal]) -> str:
    """$100.00, $200.00 and $500.00."""
    words = [money(a) for a in amounts]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def sentence(text: str) -> str:
    """A pack's phrase as a sentence of its own: capital first letter, closing full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


_NANP = re.compile(r"^\+1(\d{3})(\d{3})(\d{4})$")


def phone_text(number: str) -> str:
    """A North American number as people write it, (555) 754-4722; any other number as stored."""
    match = _NANP.match(number.strip())
    return f"({match[1]}) {match[2]}-{match[3]}" if match else number


def capfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


SERVICE_WORDS = {
    ServiceMethod.PERSONAL: "personal delivery",
    ServiceMethod.MAIL: "mail to the mailing address of record",
    ServiceMethod.EMAIL: "e-mail",
    ServiceMethod.POSTING: "posting in a conspicuous place on the property",
}


def service_words(method: ServiceMethod) -> str:
    return SERVICE_WORDS[ServiceMethod(method)]


class ServedNotice(_Model):
    """What the workflow knows when a notice is served; the letter activity adds the letterhead and officer."""

    case_number: str
    notice: NoticeRecord
    policy: CasePolicy
    parcel: ParcelFacts
    officer_id: int | None
    compliance_deadline: AwareDatetime
    fine: FineRecord | None = None
    fines_levied: int = 0
    escalations_taken: int = 0
    observed: Observation | None = None
    fees: tuple[FeeRecord, ...] = Field(default=(), description="reinspection fees the letter tells the owner of")

    @property
    def letter_kind(self) -> LetterKind:
        kind = self.policy.notice(self.notice.notice_type)
        if kind.fine:
            return LetterKind.FINE_NOTICE
        return LetterKind.NOTICE_OF_VIOLATION if kind.order else LetterKind.COURTESY_NOTICE


class CaseLetter(_Model):
    """An owner letter written at a step of the case (not a served notice): what the workflow knows; the letter
    activity adds the letterhead and the officer's contact. `business_key` is the case's letter count."""

    case_number: str
    kind: LetterKind
    business_key: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    policy: CasePolicy
    parcel: ParcelFacts
    officer_id: int | None
    written_at: AwareDatetime
    delivery: str = Field(description="email when the roll has the owner's address, else mail")
    notice: NoticeRecord | None = None
    observed: Observation | None = None
    compliance_deadline: AwareDatetime | None = None
    fines_levied: int = 0
    escalations_taken: int = 0
    reinspection_at: AwareDatetime | None = None
    extension: ExtensionTerms | None = None
    hearing: HearingTerms | None = None
    decision: DecisionTerms | None = None
    remediation: RemediationTerms | None = None
    lien: LienTerms | None = None
    outcome: Outcome | None = None
    balance_due: Decimal = Decimal(0)
    fine: FineRecord | None = Field(default=None, description="the fine a fine notice levies, with its appeal window")
    fees: tuple[FeeRecord, ...] = Field(default=(), description="reinspection fees the letter tells the owner of")


class ComplainantLetter(_Model):
    """A letter to each person who reported the case and left contact details: the case's public face only."""

    case_number: str
    kind: LetterKind
    business_key: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,56}$")
    jurisdiction: str
    timezone: TimeZoneName
    address: str
    concern: str
    received_at: AwareDatetime
    written_at: AwareDatetime
    response_due: AwareDatetime | None = None
    outcome: Outcome | None = None
