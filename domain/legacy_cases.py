"""Reading a legacy export's rows as cases: dates with their placeholders, amounts, the mapping's tables, rows
grouped into cases by the legacy number, and every problem that keeps a case out (or that the city should know
of), each named for the row it was found on.

Real exports come one row per violation, with placeholder dates, free-text statuses and typos: nothing here
guesses. A case with a refusing problem is reported and not imported; a note is reported and imported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache

from domain.legacy_mapping import OPEN_STAGES, LegacyMapping, StatusRule
from domain.stages import CaseStage, Channel, Outcome


class Problem(StrEnum):
    """Everything the import reports, refusing (the case is not imported) or a note (it is, as described)."""

    NO_LEGACY_NUMBER = "no_legacy_number"
    UNMAPPED_TYPE = "unmapped_type"
    UNMAPPED_STATUS = "unmapped_status"
    UNPARSEABLE_DATE = "unparseable_date"
    UNPARSEABLE_AMOUNT = "unparseable_amount"
    NO_OPENED_DATE = "no_opened_date"
    NO_CLOSED_DATE = "no_closed_date"
    NO_COMPLY_BY_DATE = "no_comply_by_date"
    CLOSED_BEFORE_OPENED = "closed_before_opened"
    CONFLICTING_DUPLICATE = "conflicting_duplicate"
    NO_PARCEL = "no_parcel"
    OPEN_CASE_RUNNING = "open_case_running"
    # Notes: reported, and the case is imported all the same.
    POINT_OUTSIDE_CITY = "point_outside_city"
    UNPARSEABLE_POINT = "unparseable_point"
    UNMAPPED_OFFICER = "unmapped_officer"
    UNMAPPED_CHANNEL = "unmapped_channel"
    DUPLICATE_ROW = "duplicate_row"

    @property
    def refuses(self) -> bool:
        return self not in _NOTES

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_NOTES = {
    Problem.POINT_OUTSIDE_CITY,
    Problem.UNPARSEABLE_POINT,
    Problem.UNMAPPED_OFFICER,
    Problem.UNMAPPED_CHANNEL,
    Problem.DUPLICATE_ROW,
}
_MEANINGS = {
    Problem.NO_LEGACY_NUMBER: "the row has no legacy case number",
    Problem.UNMAPPED_TYPE: "the violation type is not in the mapping's violation_types (and there is no catch-all)",
    Problem.UNMAPPED_STATUS: "the status is not in the mapping's statuses (and there is no catch-all)",
    Problem.UNPARSEABLE_DATE: "a date matches none of the mapping's date formats",
    Problem.UNPARSEABLE_AMOUNT: "a fine or payment is not an amount",
    Problem.NO_OPENED_DATE: "the case has no opened date",
    Problem.NO_CLOSED_DATE: "the status closes the case but it has no closed date",
    Problem.NO_COMPLY_BY_DATE: "the status puts the case in a compliance period but it has no comply-by date",
    Problem.CLOSED_BEFORE_OPENED: "the closed date is before the opened date",
    Problem.CONFLICTING_DUPLICATE: "rows with this legacy number disagree about the case",
    Problem.NO_PARCEL: "no parcel of the assessment roll matches the parcel id, address or point",
    Problem.OPEN_CASE_RUNNING: "the case runs as a workflow already; change it in Abate, not by importing again",
    Problem.POINT_OUTSIDE_CITY: "the point lies outside the city and was ignored",
    Problem.UNPARSEABLE_POINT: "the coordinates are not numbers and were ignored",
    Problem.UNMAPPED_OFFICER: "the officer is not in the mapping's officers: the case is imported unassigned",
    Problem.UNMAPPED_CHANNEL: "the source is not in the mapping's channels: recorded as by phone",
    Problem.DUPLICATE_ROW: "the same case again, with the same facts: read once",
}


@dataclass(frozen=True)
class Finding:
    row: int
    problem: Problem
    detail: str


@dataclass(frozen=True)
class LegacyRow:
    number: int  # the line of the file (the heading is line 1), or the sheet's row
    cells: Mapping[str, str]


@dataclass(frozen=True)
class LegacyViolation:
    code: str
    legacy_type: str
    description: str
    found_on: date | None
    status: str


@dataclass(frozen=True)
class CaseFacts:
    """What every row of one case must agree on."""

    address: str
    parcel_id: str
    x: float | None
    y: float | None
    opened: date | None
    closed: date | None
    comply_by: date | None
    status: str
    officer_name: str
    channel_text: str
    owner_name: str
    owner_mailing_address: str
    complainant_name: str


@dataclass
class LegacyCase:
    legacy_number: str
    facts: CaseFacts
    rule: StatusRule | None
    officer_badge: str | None
    channel: Channel
    violations: list[LegacyViolation] = field(default_factory=list)
    fines: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    rows: list[int] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return any(f.problem.refuses for f in self.findings)

    @property
    def closed(self) -> bool:
        return self.rule is not None and self.rule.outcome is not None

    @property
    def outcome(self) -> Outcome | None:
        return self.rule.outcome if self.rule else None

    @property
    def violation_code(self) -> str:
        """The case's violation type: its first violation's (the others are findings of the same case)."""
        return self.violations[0].code

    def note(self, problem: Problem, detail: str) -> None:
        self.findings.append(Finding(self.rows[0], problem, detail))

    def fingerprint(self, parcel_id: str) -> str:
        """Changes exactly when what the import writes would change: a second run of the same file is a no-op."""
        facts = (self.facts, self.rule, self.officer_badge, self.channel, self.violations, self.fines, self.paid)
        return hashlib.sha256(repr((parcel_id, facts)).encode()).hexdigest()


class _Unreadable(ValueError):
    pass


def parse_date(value: str, mapping: LegacyMapping) -> date | None:
    """A legacy date; None for an empty cell or a "no date" placeholder; _Unreadable otherwise."""
    return _parse_date(value.strip(), tuple(mapping.dates.formats), tuple(mapping.dates.no_date))


@lru_cache(maxsize=65_536)  # an export repeats its dates thousands of times, and strptime is slow
def _parse_date(text: str, formats: tuple[str, ...], no_date: tuple[str, ...]) -> date | None:
    if not text or text in no_date:
        return None
    for pattern in formats:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    try:  # a spreadsheet's own date cells arrive as ISO dates, whatever the mapping's formats
        return date.fromisoformat(text)
    except ValueError:
        raise _Unreadable(text) from None


def parse_amount(value: str) -> Decimal:
    text = value.strip().replace("$", "").replace(",", "")
    if not text:
        return Decimal(0)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise _Unreadable(value) from None
    if not amount.is_finite():
        raise _Unreadable(value)
    return amount


def open_stage(case: LegacyCase, today: date) -> CaseStage:
    """The step an open case continues from: a comply-by date already past makes it due for reinspection."""
    assert case.rule is not None and case.rule.stage is not None
    comply_by = case.facts.comply_by
    if case.rule.stage in ("from_dates", "awaiting_compliance") and comply_by is not None:
        return CaseStage.REINSPECTION_DUE if comply_by < today else CaseStage.AWAITING_COMPLIANCE
    if case.rule.stage == "from_dates":
        return CaseStage.INVESTIGATING
    return OPEN_STAGES[case.rule.stage]


class _RowReader:
    def __init__(self, mapping: LegacyMapping, row: LegacyRow) -> None:
        self.mapping = mapping
        self.row = row
        self.findings: list[Finding] = []
        self.columns = mapping.columns.named()

    def text(self, name: str) -> str:
        heading = self.columns.get(name)
        return " ".join(self.row.cells.get(heading, "").split()) if heading else ""

    def date(self, name: str) -> date | None:
        try:
            return parse_date(self.text(name), self.mapping)
        except _Unreadable as bad:
            self.findings.append(Finding(self.row.number, Problem.UNPARSEABLE_DATE, f"{name}: {bad}"))
            return None

    def amount(self, name: str) -> Decimal:
        try:
            return parse_amount(self.text(name))
        except _Unreadable as bad:
            self.findings.append(Finding(self.row.number, Problem.UNPARSEABLE_AMOUNT, f"{name}: {bad}"))
            return Decimal(0)

    def number(self, name: str) -> float | None:
        text = self.text(name)
        try:
            return float(text) if text else None
        except ValueError:
            self.findings.append(Finding(self.row.number, Problem.UNPARSEABLE_POINT, f"{name}: {text}"))
            return None

    def facts(self) -> CaseFacts:
        x, y = self.number("x"), self.number("y")
        if x is None or y is None:
            x = y = None
        return CaseFacts(
            address=self.text("address"),
            parcel_id=self.text("parcel_id"),
            x=x,
            y=y,
            opened=self.date("opened"),
            closed=self.date("closed"),
            comply_by=self.date("comply_by"),
            status=self.text("status"),
            officer_name=self.text("officer"),
            channel_text=self.text("channel"),
            owner_name=self.text("owner_name"),
            owner_mailing_address=self.text("owner_mailing_address"),
            complainant_name=self.text("complainant_name"),
        )

    def violation(self, opened: dt.date | None) -> LegacyViolation | None:
        legacy_type = self.text("violation_type")
        code = self.mapping.violation_code(legacy_type)
        if code is None:
            self.findings.append(Finding(self.row.number, Problem.UNMAPPED_TYPE, legacy_type or "(empty)"))
            return None
        found_on = self.date("violation_date") if "violation_date" in self.columns else opened
        return LegacyViolation(
            code=code,
            legacy_type=legacy_type,
            description=self.text("violation_description") or legacy_type,
            found_on=found_on or opened,
            status=self.text("violation_status"),
        )


def read_cases(rows: Iterable[LegacyRow], mapping: LegacyMapping) -> tuple[list[LegacyCase], list[Finding]]:
    """The export's cases in the order they first appear, and the findings of rows that belong to no case."""
    cases: dict[str, LegacyCase] = {}
    stray: list[Finding] = []
    for row in rows:
        reader = _RowReader(mapping, row)
        number = reader.text("legacy_case_number")
        if not number:
            stray.append(Finding(row.number, Problem.NO_LEGACY_NUMBER, "(empty)"))
            continue
        facts = reader.facts()
        violation = reader.violation(facts.opened)
        fines, paid = reader.amount("fine"), reader.amount("paid")
        case = cases.get(number)
        if case is None:
            case = cases[number] = _new_case(number, facts, mapping, row.number)
        else:
            if case.facts != facts:
                differ = [name for name in vars(facts) if getattr(facts, name) != getattr(case.facts, name)]
                detail = f"differs from row {case.rows[0]}: {', '.join(differ)}"
                reader.findings.append(Finding(row.number, Problem.CONFLICTING_DUPLICATE, detail))
            elif mapping.shape == "per_case":
                case.rows.append(row.number)
                case.findings.append(Finding(row.number, Problem.DUPLICATE_ROW, f"same as row {case.rows[0]}"))
                continue
            case.rows.append(row.number)
        case.findings += reader.findings
        if violation is not None:
            case.violations.append(violation)
        case.fines += fines
        case.paid += paid
    for case in cases.values():
        _check_dates(case)
    return list(cases.values()), stray


def _new_case(number: str, facts: CaseFacts, mapping: LegacyMapping, row: int) -> LegacyCase:
    channel = mapping.channel(facts.channel_text)
    badge = mapping.officer_badge(facts.officer_name) if facts.officer_name else None
    case = LegacyCase(
        legacy_number=number,
        facts=facts,
        rule=mapping.status_rule(facts.status),
        officer_badge=badge,
        channel=channel or Channel.PHONE,
        rows=[row],
    )
    if case.rule is None:
        case.note(Problem.UNMAPPED_STATUS, facts.status or "(empty)")
    if facts.officer_name and badge is None:
        case.note(Problem.UNMAPPED_OFFICER, facts.officer_name)
    if channel is None:
        case.note(Problem.UNMAPPED_CHANNEL, facts.channel_text or "(empty)")
    return case


def _check_dates(case: LegacyCase) -> None:
    facts = case.facts
    unreadable = {f.detail.split(":")[0] for f in case.findings if f.problem is Problem.UNPARSEABLE_DATE}
    if facts.opened is None and "opened" not in unreadable:
        case.note(Problem.NO_OPENED_DATE, "opened")
    if case.closed and facts.closed is None and "closed" not in unreadable:
        case.note(Problem.NO_CLOSED_DATE, f"status {facts.status!r}")
    if case.closed and facts.opened and facts.closed and facts.closed < facts.opened:
        case.note(Problem.CLOSED_BEFORE_OPENED, f"opened {facts.opened}, closed {facts.closed}")
    if case.rule and case.rule.stage == "awaiting_compliance" and facts.comply_by is None:
        case.note(Problem.NO_COMPLY_BY_DATE, f"status {facts.status!r}")
