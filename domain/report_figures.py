"""What each figure on `/reports` means, in one place: the page shows these definitions beside the numbers.

Every figure is computed from facts read off the timeline (server timestamps) and keeps the case numbers it
counts, so its drill-down lists exactly those cases and a city's auditor can check each number by hand
(San Diego's 2015 audit found figures that did not measure what they claimed). Periods are the city's
local days, so a month or a daylight-saving change falls where a resident would put it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.reports import INSPECTION_EVENTS
from domain.stages import Outcome

DAY = timedelta(days=1)


class Preset(StrEnum):
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_QUARTER = "this_quarter"
    YEAR_TO_DATE = "year_to_date"
    LAST_12_MONTHS = "last_12_months"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Period:
    """Local days `first` to `last` inclusive, and the UTC instants [start, end) that bound them."""

    first: date
    last: date
    start: datetime
    end: datetime


def report_period(preset: Preset, today: date, time_zone: str, first: date | None, last: date | None) -> Period:
    """The days a preset names, counted from the city's `today`; a custom period is `first` to `last` (either
    missing falls back to this month's). Each bound is local midnight, so a month with a daylight-saving change
    is 743 or 745 hours long, as the city lives it."""
    month_start = today.replace(day=1)
    if preset is Preset.LAST_MONTH:
        last_month_end = month_start - DAY
        first, last = last_month_end.replace(day=1), last_month_end
    elif preset is Preset.THIS_QUARTER:
        first, last = month_start.replace(month=(today.month - 1) // 3 * 3 + 1), today
    elif preset is Preset.YEAR_TO_DATE:
        first, last = today.replace(month=1, day=1), today
    elif preset is Preset.LAST_12_MONTHS:
        first, last = _months_before(month_start, 11), today
    elif preset is Preset.CUSTOM:
        first, last = first or month_start, last or today
    else:
        first, last = month_start, today
    if last < first:
        first, last = last, first
    zone = ZoneInfo(time_zone)
    return Period(first, last, _local_midnight(first, zone), _local_midnight(last + DAY, zone))


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    # In UTC: Python subtracts two times of one zone on the wall clock, which would hide the hour DST takes.
    return datetime.combine(day, time(), zone).astimezone(UTC)


def local_today(now: datetime, time_zone: str) -> date:
    return now.astimezone(ZoneInfo(time_zone)).date()


def _months_before(month_start: date, months: int) -> date:
    index = month_start.year * 12 + month_start.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


# --- the statistics --------------------------------------------------------------------------------------

MEDIAN = "the middle value (the mean of the two middle values when their number is even)"
P90 = "the 90th percentile: the smallest value that at least 90% of the cases do not exceed (nearest rank)"


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def p90(values: Sequence[float]) -> float | None:
    if not values:
        return None
    return sorted(values)[math.ceil(0.9 * len(values)) - 1]


def days_between(start: datetime, end: datetime) -> float:
    """Elapsed days between two instants: 24-hour days of real time, whatever the wall clock did."""
    return (end.astimezone(UTC) - start.astimezone(UTC)) / DAY


@dataclass(frozen=True)
class Figure:
    """One number on a report, its definition, and the cases it counts (its drill-down)."""

    key: str
    label: str
    value: float | Decimal | None
    unit: str
    definition: str
    cases: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    summary: str
    figures: tuple[Figure, ...]

    def figure(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)


# --- time to first inspection ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FirstInspection:
    """A case received in the period: when, its priority, its response target, and its first inspection."""

    case_number: str
    priority: int
    received_at: datetime
    response_due_at: datetime | None
    first_inspected_at: datetime | None
    officer_id: int | None = None  # the officer the case is assigned to now

    @property
    def days(self) -> float | None:
        if self.first_inspected_at is None:
            return None
        return days_between(self.received_at, self.first_inspected_at)

    def within_target(self) -> bool:
        return (
            self.first_inspected_at is not None
            and self.response_due_at is not None
            and self.first_inspected_at <= self.response_due_at
        )

    def target_decided(self, now: datetime) -> bool:
        """Inspected, or its target has passed: either way we know whether it was met."""
        return self.first_inspected_at is not None or (self.response_due_at is not None and self.response_due_at < now)


FIRST_INSPECTION_DAYS = (
    "Days from the complaint being received to the case's first inspection event on the timeline "
    "(violation found or not), counted over the cases received in the period that have been inspected; "
)
WITHIN_TARGET = (
    "Of the cases received in the period that have been inspected or whose response target has passed, the share "
    "first inspected by the response target set at intake from the case's category (in business days on the "
    "city's calendar). A case still waiting after its target counts as missed."
)


def _days_figures(key: str, label: str, measured: dict[str, float], what: str) -> tuple[Figure, Figure]:
    cases = tuple(measured)
    values = list(measured.values())
    return (
        Figure(f"{key}median", f"{label}: median", median(values), "days", what + MEDIAN + ".", cases),
        Figure(f"{key}p90", f"{label}: 90th percentile", p90(values), "days", what + P90 + ".", cases),
    )


def first_inspection_report(facts: Iterable[FirstInspection], now: datetime) -> Report:
    rows = sorted(facts, key=lambda f: (f.priority, f.case_number))
    figures: list[Figure] = []

    def within(subset: list[FirstInspection], key: str, label: str) -> Figure:
        decided = [f for f in subset if f.target_decided(now)]
        met = sum(f.within_target() for f in decided)
        share = 100 * met / len(decided) if decided else None
        return Figure(key, label, share, "%", WITHIN_TARGET, tuple(f.case_number for f in decided))

    groups: list[tuple[str, str, list[FirstInspection]]] = [("all-", "All priorities", rows)]
    for priority in sorted({f.priority for f in rows}):
        groups.append((f"p{priority}-", f"Priority {priority}", [f for f in rows if f.priority == priority]))
    for key, label, subset in groups:
        measured = {f.case_number: d for f in subset if (d := f.days) is not None}
        figures.extend(_days_figures(key, label, measured, FIRST_INSPECTION_DAYS))
        figures.append(within(subset, f"{key}within", f"{label}: within response target"))
    return Report(
        "first-inspection",
        "Time to first inspection",
        "How long complaints wait for an officer's first visit, by priority, and how many meet their target.",
        tuple(figures),
    )


# --- time to compliance ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Closure:
    case_number: str
    received_at: datetime
    closed_at: datetime
    outcome: Outcome


TO_COMPLIANCE = (
    "Days from the complaint being received to the case's closure with a compliance outcome, counted over the "
    "cases closed in the period with the condition corrected; "
)
VOLUNTARY = "Voluntary: the owner corrected the condition before any order, fine or hearing. "
FORCED = "Forced: the condition was corrected after an order to comply, a fine or a hearing. "
SHARE_FORCED = (
    "Of the cases closed in the period with the condition corrected, the share that needed an order, a fine or "
    "a hearing first."
)


def compliance_report(closures: Iterable[Closure]) -> Report:
    complied = sorted(
        (c for c in closures if c.outcome in (Outcome.VOLUNTARY_COMPLIANCE, Outcome.ORDER_COMPLIANCE)),
        key=lambda c: c.case_number,
    )

    def measured(keep: Callable[[Closure], bool]) -> dict[str, float]:
        return {c.case_number: days_between(c.received_at, c.closed_at) for c in complied if keep(c)}

    forced = [c.case_number for c in complied if c.outcome is Outcome.ORDER_COMPLIANCE]
    return Report(
        "compliance",
        "Time to compliance",
        "How long it takes to get a violation corrected, and how often enforcement is needed to get there.",
        (
            *_days_figures("all-", "All", measured(lambda c: True), TO_COMPLIANCE),
            *_days_figures(
                "voluntary-",
                "Voluntary",
                measured(lambda c: c.outcome is Outcome.VOLUNTARY_COMPLIANCE),
                VOLUNTARY + TO_COMPLIANCE,
            ),
            *_days_figures(
                "forced-", "Forced", measured(lambda c: c.outcome is Outcome.ORDER_COMPLIANCE), FORCED + TO_COMPLIANCE
            ),
            Figure(
                "forced-share",
                "Forced compliance",
                100 * len(forced) / len(complied) if complied else None,
                "%",
                SHARE_FORCED,
                tuple(forced),
            ),
        ),
    )


# --- open-case aging -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenCase:
    case_number: str
    received_at: datetime
    stage: str
    waiting_on: str | None
    last_event_at: datetime | None  # the newest line on its timeline, whoever wrote it

    def age_days(self, now: datetime) -> int:
        return math.floor(days_between(self.received_at, now))


# Upper bounds in whole days of age (inclusive); the last bucket has none.
AGING_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("0–30 days", 30),
    ("31–90 days", 90),
    ("91–180 days", 180),
    ("181–365 days", 365),
    ("over 365 days", None),
)
AGING = (
    "Cases open now, by whole days since the complaint was received (a case received 30 days and 23 hours ago is "
    "30 days old). The report's period does not apply: it is the caseload as it stands."
)
OLDEST_SHOWN = 20
STALLED_AFTER_DAYS = 30
STALLED = (
    f"Open cases with nothing on their timeline (no staff action, no letter, no event of any kind) for "
    f"{STALLED_AFTER_DAYS} days or more; a case with no timeline counts from its receipt."
)


def aging_bucket(age_days: int) -> str:
    return next(label for label, upper in AGING_BUCKETS if upper is None or age_days <= upper)


def aging_report(open_cases: Iterable[OpenCase], now: datetime) -> Report:
    rows = sorted(open_cases, key=lambda c: (c.received_at, c.case_number))
    figures = [
        Figure(
            f"age-{n}",
            label,
            len(cases := tuple(c.case_number for c in rows if aging_bucket(c.age_days(now)) == label)),
            "cases",
            AGING,
            cases,
        )
        for n, (label, _upper) in enumerate(AGING_BUCKETS)
    ]
    figures.append(
        Figure(
            "oldest",
            f"The {OLDEST_SHOWN} oldest open cases",
            len(oldest := tuple(c.case_number for c in rows[:OLDEST_SHOWN])),
            "cases",
            f"The {OLDEST_SHOWN} open cases received longest ago, oldest first, with the step each waits on.",
            oldest,
        )
    )
    quiet_since = now - timedelta(days=STALLED_AFTER_DAYS)
    stalled = tuple(c.case_number for c in rows if (c.last_event_at or c.received_at) <= quiet_since)
    figures.append(Figure("stalled", "Stalled cases", len(stalled), "cases", STALLED, stalled))
    return Report(
        "aging",
        "Open-case aging",
        "How old the open caseload is, which cases have waited longest, and which have stalled.",
        tuple(figures),
    )


# --- money -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerFact:
    """A line of a case's account: a fine or an abatement cost owed, or a payment received."""

    case_number: str
    entry_type: str
    amount: Decimal
    recorded_at: datetime
    due_at: datetime | None


@dataclass(frozen=True)
class LienFact:
    case_number: str
    amount: Decimal
    filed_at: datetime


CHARGES = ("fine", "remediation_cost")
RECEIVABLE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("0–30 days", 30),
    ("31–60 days", 60),
    ("61–90 days", 90),
    ("over 90 days", None),
)
LEVIED = "The sum of the {what} recorded on the cases' accounts in the period."
COLLECTED = "The sum of the payments recorded in the period, whatever they paid for."
COLLECTION_RATE = (
    "Payments recorded in the period as a share of the fines and abatement costs levied in the period "
    "(cash basis: a payment may settle a charge from an earlier period)."
)
OUTSTANDING = (
    "What owners owe now: every fine and abatement cost on the case less every payment, with payments settling the "
    "oldest charges first. The report's period does not apply."
)
RECEIVABLE = (
    "The amount owed now, by days past the due date of the charge it remains from (a charge not yet due counts "
    "in the first bucket); payments settle the oldest charges first."
)
LIENS = "Liens filed in the period against the properties, {what}."


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def unpaid_charges(lines: Iterable[LedgerFact]) -> list[tuple[LedgerFact, Decimal]]:
    """Each case's charges still unpaid and by how much: its payments settle its oldest charges first."""
    by_case: dict[str, list[LedgerFact]] = {}
    for line in lines:
        by_case.setdefault(line.case_number, []).append(line)
    unpaid: list[tuple[LedgerFact, Decimal]] = []
    for case_lines in by_case.values():
        # What an appeal took off a fine (a negative line) settles charges as a payment does; a refund undoes one.
        paid = sum((line.amount for line in case_lines if line.entry_type == "payment"), Decimal(0)) - sum(
            (line.amount for line in case_lines if line.entry_type in ("fine_adjustment", "refund", "write_off")),
            Decimal(0),
        )
        charges = sorted(
            (line for line in case_lines if line.entry_type in CHARGES),
            key=lambda line: (line.due_at or line.recorded_at, line.recorded_at),
        )
        for charge in charges:
            settled = min(paid, charge.amount)
            paid -= settled
            if charge.amount > settled:
                unpaid.append((charge, charge.amount - settled))
    return unpaid


def receivable_bucket(days_past_due: int) -> str:
    return next(label for label, upper in RECEIVABLE_BUCKETS if upper is None or days_past_due <= upper)


def money_report(lines: Sequence[LedgerFact], liens: Iterable[LienFact], period: Period, now: datetime) -> Report:
    in_period = [line for line in lines if period.start <= line.recorded_at < period.end]

    def sums(kinds: tuple[str, ...]) -> tuple[Decimal, tuple[str, ...]]:
        counted = [line for line in in_period if line.entry_type in kinds]
        return _money(sum((line.amount for line in counted), Decimal(0))), _distinct(c.case_number for c in counted)

    (fines, fined), (costs, billed), (collected, paying) = (
        sums(("fine", "fine_adjustment")),  # levied net of what appeals took off
        sums(("remediation_cost",)),
        sums(("payment",)),
    )
    collected -= sums(("refund",))[0]  # a refunded payment was not collected after all
    unpaid = unpaid_charges(lines)
    levied = fines + costs
    figures = [
        Figure("fines", "Fines levied", fines, "$", LEVIED.format(what="fines, less what appeals took off"), fined),
        Figure("costs", "Abatement costs levied", costs, "$", LEVIED.format(what="city's abatement costs"), billed),
        Figure("collected", "Collected", collected, "$", COLLECTED, paying),
        Figure(
            "collection-rate",
            "Collection rate",
            float(100 * collected / levied) if levied else None,
            "%",
            COLLECTION_RATE,
            _distinct(line.case_number for line in in_period if line.entry_type in (*CHARGES, "payment")),
        ),
        Figure(
            "outstanding",
            "Outstanding",
            _money(sum((owed for _charge, owed in unpaid), Decimal(0))),
            "$",
            OUTSTANDING,
            _distinct(charge.case_number for charge, _owed in unpaid),
        ),
    ]
    for n, (label, _upper) in enumerate(RECEIVABLE_BUCKETS):
        aged = [
            (charge, owed)
            for charge, owed in unpaid
            if receivable_bucket(max(0, math.floor(days_between(charge.due_at or charge.recorded_at, now)))) == label
        ]
        figures.append(
            Figure(
                f"receivable-{n}",
                f"Owed {label} past due",
                _money(sum((owed for _charge, owed in aged), Decimal(0))),
                "$",
                RECEIVABLE,
                _distinct(charge.case_number for charge, _owed in aged),
            )
        )
    filed = [lien for lien in liens if period.start <= lien.filed_at < period.end]
    lien_cases = _distinct(lien.case_number for lien in filed)
    figures += [
        Figure("liens", "Liens filed", len(filed), "liens", LIENS.format(what="how many"), lien_cases),
        Figure(
            "lien-amounts",
            "Lien amounts filed",
            _money(sum((lien.amount for lien in filed), Decimal(0))),
            "$",
            LIENS.format(what="the sum they secure"),
            lien_cases,
        ),
    ]
    return Report(
        "money",
        "Money",
        "What was levied and collected in the period, what owners owe now and for how long, and the liens filed.",
        tuple(figures),
    )


def _distinct(case_numbers: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(case_numbers)))


# --- recidivism ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParcelCase:
    case_number: str
    parcel_id: str
    received_at: datetime


REPEAT_WINDOWS = ((1, "12 months"), (3, "3 years"))
NEW_CASES = "Cases received in the period."
REPEAT = (
    "Of the cases received in the period, the share on a property that had another case (of any violation type) "
    "received in the {window} before, to the same local day; the list is those repeat cases."
)


def years_before(instant: datetime, years: int, time_zone: str) -> datetime:
    """The same local day and time `years` earlier (29 February falls back to the 28th)."""
    local = instant.astimezone(ZoneInfo(time_zone))
    day = local.date()
    try:
        earlier = day.replace(year=day.year - years)
    except ValueError:
        earlier = day.replace(year=day.year - years, day=28)
    return datetime.combine(earlier, local.time(), local.tzinfo)


def recidivism_report(new: Sequence[ParcelCase], history: Iterable[ParcelCase], time_zone: str) -> Report:
    by_parcel: dict[str, list[datetime]] = {}
    for case in history:
        by_parcel.setdefault(case.parcel_id, []).append(case.received_at)
    figures = [Figure("new", "New cases", len(new), "cases", NEW_CASES, _distinct(c.case_number for c in new))]
    for years, window in REPEAT_WINDOWS:
        repeats = _distinct(
            c.case_number
            for c in new
            if any(
                years_before(c.received_at, years, time_zone) <= earlier < c.received_at
                for earlier in by_parcel.get(c.parcel_id, ())
            )
        )
        figures.append(
            Figure(
                f"repeat-{years}y",
                f"On a property with another case in the {window} before",
                100 * len(repeats) / len(new) if new else None,
                "%",
                REPEAT.format(window=window),
                repeats,
            )
        )
    return Report(
        "recidivism",
        "Recidivism",
        "How often a new case is on a property that had another case not long before.",
        tuple(figures),
    )


# --- officers --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficerEvent:
    """A line of a case's timeline that is an officer's work, under the officer the case is assigned to."""

    case_number: str
    officer_id: int | None
    kind: str
    occurred_at: datetime


NOTICE_EVENTS = frozenset({"notice_issued"})
CLOSURE_EVENTS = frozenset({"closed"})
CASELOAD = "Open cases assigned to the officer now. The report's period does not apply."
PER_WEEK = (
    "{what} recorded in the period on the cases assigned to the officer now, divided by the period's weeks "
    "(its days ÷ 7); the list is the cases they were on."
)
OFFICER_FIRST_INSPECTION = (
    "Median days from receipt to first inspection of the cases received in the period and assigned to the officer "
    "now, counting those inspected."
)


def officers_report(
    officers: Sequence[tuple[int, str]],
    caseload: Iterable[tuple[str, int | None]],
    events: Sequence[OfficerEvent],
    inspections: Sequence[FirstInspection],
    period: Period,
) -> Report:
    weeks = ((period.last - period.first).days + 1) / 7
    open_by_officer: dict[int | None, list[str]] = {}
    for case_number, officer in caseload:
        open_by_officer.setdefault(officer, []).append(case_number)
    figures: list[Figure] = []
    for officer_id, name in officers:
        mine = [e for e in events if e.officer_id == officer_id]
        on_cases = _distinct(open_by_officer.get(officer_id, ()))
        figures.append(
            Figure(f"officer-{officer_id}-caseload", f"{name}: caseload", len(on_cases), "cases", CASELOAD, on_cases)
        )
        for key, what, kinds in (
            ("inspections", "Inspections and reinspections", INSPECTION_EVENTS),
            ("notices", "Notices issued", NOTICE_EVENTS),
            ("closures", "Cases closed", CLOSURE_EVENTS),
        ):
            done = [e for e in mine if e.kind in kinds]
            figures.append(
                Figure(
                    f"officer-{officer_id}-{key}",
                    f"{name}: {what.lower()} per week",
                    len(done) / weeks,
                    "a week",
                    PER_WEEK.format(what=what),
                    _distinct(e.case_number for e in done),
                )
            )
        measured = {f.case_number: d for f in inspections if f.officer_id == officer_id and (d := f.days) is not None}
        figures.append(
            Figure(
                f"officer-{officer_id}-first-inspection",
                f"{name}: median days to first inspection",
                median(list(measured.values())),
                "days",
                OFFICER_FIRST_INSPECTION,
                tuple(sorted(measured)),
            )
        )
    return Report(
        "officers",
        "Officers",
        "Each officer's open caseload, weekly inspections, notices and closures, and how soon they first visit.",
        tuple(figures),
    )
