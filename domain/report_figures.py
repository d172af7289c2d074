"""What each figure on `/reports` means, in one place: the page shows these definitions beside the numbers.

Every figure is computed from facts read off the timeline (server timestamps) and keeps the case numbers it
counts, so its drill-down lists exactly those cases and a city's auditor can check each number by hand
(San Diego's 2015 audit found figures that did not measure what they claimed). Periods are the city's
local days, so a month or a daylight-saving change falls where a resident would put it.
"""

from __future__ import annotations

import math
import re
import statistics
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.calendar import BusinessCalendar
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
    return local_days(first, last, time_zone)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    # In UTC: Python subtracts two times of one zone on the wall clock, which would hide the hour DST takes.
    return datetime.combine(day, time(), zone).astimezone(UTC)


def local_today(now: datetime, time_zone: str) -> date:
    return now.astimezone(ZoneInfo(time_zone)).date()


def _months_before(month_start: date, months: int) -> date:
    index = month_start.year * 12 + month_start.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def local_days(first: date, last: date, time_zone: str) -> Period:
    zone = ZoneInfo(time_zone)
    return Period(first, last, _local_midnight(first, zone), _local_midnight(last + DAY, zone))


def _years_earlier(day: date, years: int) -> date:
    """The same day `years` earlier; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def same_days_last_year(period: Period, time_zone: str) -> Period:
    return local_days(_years_earlier(period.first, 1), _years_earlier(period.last, 1), time_zone)


def months_to(last: date, count: int, time_zone: str) -> list[Period]:
    """The `count` whole local months ending with the one `last` falls in, oldest first."""
    month_start = last.replace(day=1)
    firsts = [_months_before(month_start, n) for n in range(count - 1, -1, -1)]
    return [local_days(first, _months_before(first, -1) - DAY, time_zone) for first in firsts]


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
    group: str = ""  # the heading it falls under on a report with several tables (Volume's)
    # How many cases it counts when they were counted by the database and not listed (Volume's months on the report's
    # page); its drill-down lists them.
    count: int | None = None

    @property
    def counted(self) -> int:
        return len(self.cases) if self.count is None else self.count


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    summary: str
    figures: tuple[Figure, ...]

    def figure(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)

    def groups(self) -> list[tuple[str, list[Figure]]]:
        """The figures under their headings, in their order."""
        grouped: dict[str, list[Figure]] = {}
        for f in self.figures:
            grouped.setdefault(f.group, []).append(f)
        return list(grouped.items())


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
    bucketed: dict[str, list[str]] = {label: [] for label, _upper in AGING_BUCKETS}
    for c in rows:
        bucketed[aging_bucket(c.age_days(now))].append(c.case_number)
    figures = [
        Figure(f"age-{n}", label, len(bucketed[label]), "cases", AGING, tuple(bucketed[label]))
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


# --- reinspections on time ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReinspectionDue:
    """A reinspection falling due on the timeline, and the reinspection that answered it (or none yet)."""

    case_number: str
    due_at: datetime  # the compliance deadline passed, or the owner reported the work done and it came forward
    done_at: datetime | None  # the first reinspection recorded since (complied or not)


# The timeline's lines that make a reinspection due, and those that are the reinspection it waits for. A visit
# before the deadline ("not yet") is not the reinspection the deadline calls for.
REINSPECTION_FALLS_DUE = "compliance_deadline_passed"
REINSPECTION_BROUGHT_FORWARD = "owner_reported_compliance"  # when it moved the case to reinspection due
REINSPECTION_DONE = ("reinspection_complied", "reinspection_not_complied")
REINSPECTION_DAYS = 3
REINSPECTIONS_DUE = (
    "Cases with a reinspection that fell due in the period: the compliance deadline passed, or the owner reported the "
    "work done during the compliance period and the reinspection came forward (the moment on the timeline)."
)
ON_TIME = (
    f"Of the reinspections due in the period whose outcome is known, the share recorded (complied or not) by the end "
    f"of the {REINSPECTION_DAYS}rd business day after the local day it fell due, on the city's calendar (weekends and "
    f"holidays do not count). One still not done when those days have run out counts as late; one whose days have "
    f"not run out is not counted yet."
)
LATE = "Cases with a reinspection due in the period that was late, or is still not done after its days ran out."


def reinspection_deadline(due_at: datetime, calendar: BusinessCalendar) -> datetime:
    """The end of the third business day after the day the reinspection fell due, as the city counts days."""
    day = calendar.add_business_days(calendar.local_date(due_at), REINSPECTION_DAYS)
    return _local_midnight(day + DAY, calendar.zone)


def reinspections_report(dues: Iterable[ReinspectionDue], now: datetime, calendar: BusinessCalendar) -> Report:
    rows = sorted(dues, key=lambda d: (d.due_at, d.case_number))
    on_time: list[str] = []
    late: list[str] = []
    for due in rows:
        deadline = reinspection_deadline(due.due_at, calendar)
        if due.done_at is not None and due.done_at < deadline:
            on_time.append(due.case_number)
        elif due.done_at is not None or deadline <= now:
            late.append(due.case_number)
    decided = len(on_time) + len(late)
    return Report(
        "reinspections",
        "Reinspections on time",
        f"Whether officers go back within {REINSPECTION_DAYS} business days of a reinspection falling due.",
        (
            Figure(
                "due",
                "Reinspections due",
                len(due_on := _distinct(d.case_number for d in rows)),
                "cases",
                REINSPECTIONS_DUE,
                due_on,
            ),
            Figure(
                "on-time",
                f"Done within {REINSPECTION_DAYS} business days",
                100 * len(on_time) / decided if decided else None,
                "%",
                ON_TIME,
                _distinct(on_time + late),
            ),
            Figure("late", "Late or still not done", len(late_on := _distinct(late)), "cases", LATE, late_on),
        ),
    )


# --- volume ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stamped:
    """A case opened or closed in the months a volume report's trend covers."""

    case_number: str
    opened_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class VolumeCase(Stamped):
    """A case opened or closed in the report's days or the same days last year, with what it is broken down by."""

    violation_code: str = ""
    zone: str = ""
    channel: str | None = None  # the channel of the report that opened it
    priority: int = 0


TREND_MONTHS = 24
# Each row of the Volume report: opened and closed, in its days and in the same days a year before.
VOLUME_COLUMNS = (
    ("opened", "opened", ""),
    ("opened-ly", "opened", ", same days last year"),
    ("closed", "closed", ""),
    ("closed-ly", "closed", ", same days last year"),
)
VOLUME = (
    "Cases opened (on the day the complaint that opened them was received) and closed, in the {days} (the city's "
    "local days); each year-over-year column counts the same local days a year before (29 February as the 28th)."
)


@dataclass(frozen=True)
class VolumeCount:
    """How many cases of one violation type, zone, opening channel and priority were opened or closed in the period
    or the same days last year (`column`, one of `VOLUME_COLUMNS`): counted by the database."""

    column: str
    violation_code: str
    zone: str
    channel: str | None
    priority: int
    count: int


VOLUME_BY: tuple[tuple[str, str, Callable[[VolumeCase | VolumeCount], object]], ...] = (
    ("violation", "By violation type", lambda c: c.violation_code),
    ("zone", "By zone", lambda c: c.zone),
    ("channel", "By channel (of the report that opened the case)", lambda c: c.channel or "unknown"),
    ("priority", "By priority", lambda c: f"P{c.priority}"),
)


def trend_months(period: Period, time_zone: str) -> list[Period]:
    """The months the trend counts: its 24 and the 12 before them (the first year's year-over-year), oldest first."""
    return months_to(period.last, TREND_MONTHS + 12, time_zone)


def by_month(cases: Iterable[Stamped], time_zone: str) -> dict[tuple[str, str], list[str]]:
    """The cases opened and closed in each local month ("2026-03", "opened")."""
    zone = ZoneInfo(time_zone)
    months: dict[tuple[str, str], list[str]] = {}
    for case in cases:
        for verb, at in (("opened", case.opened_at), ("closed", case.closed_at)):
            if at is not None:
                months.setdefault((f"{at.astimezone(zone):%Y-%m}", verb), []).append(case.case_number)
    return months


def month_asked(key: str) -> tuple[str, str] | None:
    """The month and verb a trend figure counts: "month-2026-03-opened-ly" counts ("2025-03", "opened")."""
    found = re.fullmatch(r"month-(\d{4})-(\d{2})-(opened|closed)(-ly)?", key)
    if found is None:
        return None
    return f"{int(found[1]) - (1 if found[4] else 0):04d}-{found[2]}", found[3]


def _row_keys(c: VolumeCase | VolumeCount) -> tuple[tuple[str, str], ...]:
    """The rows a case (or a count of cases) falls in: all cases, and its value in each breakdown."""
    return (("all", ""), *((dimension, str(value_of(c))) for dimension, _heading, value_of in VOLUME_BY))


def _empty_row() -> dict[str, list[str]]:
    return {column: [] for column, _verb, _said in VOLUME_COLUMNS}


def volume_rows(
    in_days: Iterable[VolumeCase], period: Period, time_zone: str
) -> dict[tuple[str, str], dict[str, list[str]]]:
    """Each row of the report ("all", "") or (breakdown, value), and in each column the cases it counts, in
    case-number order: `in_days` are the cases opened or closed in the period or the same days last year."""
    spans = ((period, ""), (same_days_last_year(period, time_zone), "-ly"))
    rows: dict[tuple[str, str], dict[str, list[str]]] = {}
    for c in sorted(in_days, key=lambda c: c.case_number):
        columns = [
            f"{verb}{suffix}"
            for verb, at in (("opened", c.opened_at), ("closed", c.closed_at))
            if at is not None
            for span, suffix in spans
            if span.start <= at < span.end
        ]
        for row_key in _row_keys(c):
            lists = rows.get(row_key)
            if lists is None:
                lists = rows[row_key] = _empty_row()
            for column in columns:
                lists[column].append(c.case_number)
    return rows


def counted_rows(counts: Iterable[VolumeCount]) -> dict[tuple[str, str], dict[str, Sequence[str] | int]]:
    """`volume_rows`, counted: how many cases each row counts in each column."""
    rows: dict[tuple[str, str], dict[str, Sequence[str] | int]] = {}
    for c in counts:
        for row_key in _row_keys(c):
            row = rows.setdefault(row_key, {column: 0 for column, _verb, _said in VOLUME_COLUMNS})
            found = row[c.column]
            assert isinstance(found, int)
            row[c.column] = found + c.count
    return rows


def volume_row_asked(key: str) -> tuple[tuple[str, str], str] | None:
    """The row and column a breakdown figure counts: "violation-PS-GRASS-opened-ly" counts ("violation",
    "PS-GRASS") in "opened-ly"; "all-closed" counts ("all", "") in "closed"."""
    dimensions = "|".join(dimension for dimension, _heading, _value_of in VOLUME_BY)
    found = re.fullmatch(rf"(all|{dimensions})-(?:(.+)-)?(opened|closed)(-ly)?", key)
    if found is None or (found[1] == "all") != (found[2] is None):
        return None
    return (found[1], found[2] or ""), f"{found[3]}{found[4] or ''}"


def volume_report(
    rows: Mapping[tuple[str, str], Mapping[str, Sequence[str] | int]],
    months: Mapping[tuple[str, str], Sequence[str] | int],
    period: Period,
    time_zone: str,
) -> Report:
    """`rows`: each row's cases (or only how many) in each column (`volume_rows`, `counted_rows`); `months`: for
    each month of `trend_months` and verb, the cases opened or closed in it, or only how many. A figure's cases
    are listed when given (its drill-down)."""

    def row(key: str, label: str, group: str, what: str, counted: Mapping[str, Sequence[str] | int]) -> list[Figure]:
        figures = []
        for column, verb, said in VOLUME_COLUMNS:
            found = counted[column]
            cases = () if isinstance(found, int) else tuple(sorted(found))  # each case is in a column once
            count = found if isinstance(found, int) else None
            figures.append(
                Figure(
                    f"{key}-{column}",
                    f"{label}: {verb}{said}",
                    len(cases) if count is None else count,
                    "cases",
                    VOLUME.format(days=what),
                    cases,
                    group,
                    count,
                )
            )
        return figures

    empty: dict[str, Sequence[str] | int] = {column: () for column, _verb, _said in VOLUME_COLUMNS}
    figures = row("all", "All cases", "In the period", "period", rows.get(("all", ""), empty))
    for dimension, heading, _value_of in VOLUME_BY:
        for (of, value), counted in sorted(rows.items()):
            if of == dimension:
                figures += row(f"{dimension}-{value}", value, heading, "period", counted)
    for month in reversed(months_to(period.last, TREND_MONTHS, time_zone)):
        this, ago = f"{month.first:%Y-%m}", f"{_years_earlier(month.first, 1):%Y-%m}"
        in_month: dict[str, Sequence[str] | int] = {
            column: months.get((ago if column.endswith("-ly") else this, verb), ())
            for column, verb, _said in VOLUME_COLUMNS
        }
        figures += row(f"month-{this}", this, f"The last {TREND_MONTHS} months", "month", in_month)
    return Report(
        "volume",
        "Volume",
        "Cases opened and closed, by violation type, zone, channel and priority, against the same days last year, "
        f"and month by month over the last {TREND_MONTHS} months.",
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
    method: str | None = None  # a payment's: card, cheque, cash…


@dataclass(frozen=True)
class LienFact:
    case_number: str
    amount: Decimal
    filed_at: datetime


CHARGES = ("fine", "remediation_cost", "reinspection_fee", "court_fine")
PAYMENT_BY = "payment by "  # how the case workflow describes a payment's line: "payment by card"
RECEIVABLE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("0–30 days", 30),
    ("31–60 days", 60),
    ("61–90 days", 90),
    ("over 90 days", None),
)
SETTLING = "each payment settles the oldest charges owed when it is received, and money paid ahead settles the next"
LEVIED = "The sum of the {what} recorded on the cases' accounts in the period."
COLLECTED = "The sum of the payments recorded in the period, whatever they paid for."
COLLECTION_RATE = (
    "Payments recorded in the period as a share of the fines, abatement costs, reinspection fees and court fines "
    "levied in the period (cash basis: a payment may settle a charge from an earlier period)."
)
OUTSTANDING = (
    "What owners owe now: every fine, abatement cost, reinspection fee and court fine on the case less every payment "
    f"({SETTLING}). The report's "
    "period does not apply."
)
RECEIVABLE = (
    "The amount owed now, by days past the due date of the charge it remains from (a charge not yet due counts "
    f"in the first bucket); {SETTLING}."
)
RECOVERED = f"The part of the payments recorded in the period that settled abatement costs ({SETTLING})."
LIENS = "Liens filed in the period against the properties, {what}."
RELEASED = (
    "Liens released in the period, {what}: a lien is released when the case's account is paid in full after it was "
    "filed, on the day of the payment that settled it."
)
COST_PER_CASE = (
    "For the cases closed in the period, the fines, fees and abatement costs levied on them over the whole case, divided by "
    "the number of cases closed{what}."
)
BY_METHOD = "The payments recorded in the period made by {method}, summed."


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def payment_method(description: str) -> str:
    return description.removeprefix(PAYMENT_BY) or "unknown"


@dataclass(frozen=True)
class Settlement:
    """Part of a charge paid (or, negative, owed again when a refund took its payment back), and when."""

    charge: int  # the charge's index among the lines given
    amount: Decimal
    at: datetime
    by_payment: bool  # money paid or refunded, not what an appeal took off or finance wrote off


def _credit(line: LedgerFact) -> Decimal:
    """What a line gives towards the case's charges: a payment its amount; what an appeal took off a fine and what
    finance wrote off are negative lines and settle as a payment does; a refund takes a payment back."""
    if line.entry_type == "payment":
        return line.amount
    if line.entry_type in ("fine_adjustment", "write_off", "refund"):
        return -line.amount
    return Decimal(0)


def _by_case(lines: Sequence[LedgerFact]) -> dict[str, list[int]]:
    """Each case's lines (as indexes), in the order they were recorded; a charge before a payment of its instant."""
    by_case: dict[str, list[int]] = {}
    for n in sorted(range(len(lines)), key=lambda n: (lines[n].recorded_at, lines[n].entry_type == "payment", n)):
        by_case.setdefault(lines[n].case_number, []).append(n)
    return by_case


def settlements(lines: Sequence[LedgerFact]) -> list[Settlement]:
    """How each case's payments settled its charges: the oldest charge owed (by due date) first, as received."""
    settled: list[Settlement] = []
    for indexes in _by_case(lines).values():
        owed: dict[int, Decimal] = {}
        paid: list[tuple[int, Decimal]] = []  # this case's settlements, to undo the latest first
        credit = Decimal(0)
        for n in indexes:
            line = lines[n]
            by_payment = line.entry_type in ("payment", "refund")
            if line.entry_type in CHARGES:
                owed[n] = line.amount
            credit += _credit(line)
            while credit < 0 and paid:  # a refund: the charges its payment settled last are owed again
                charge, amount = paid.pop()
                undone = min(-credit, amount)
                credit += undone
                owed[charge] = owed.get(charge, Decimal(0)) + undone
                settled.append(Settlement(charge, -undone, line.recorded_at, by_payment))
                if undone < amount:
                    paid.append((charge, amount - undone))
            for charge in sorted(owed, key=lambda c: (lines[c].due_at or lines[c].recorded_at, lines[c].recorded_at)):
                if credit <= 0:
                    break
                amount = min(credit, owed[charge])
                credit -= amount
                owed[charge] -= amount
                paid.append((charge, amount))
                settled.append(Settlement(charge, amount, line.recorded_at, by_payment))
            owed = {c: left for c, left in owed.items() if left > 0}
    return settled


def unpaid_charges(
    lines: Sequence[LedgerFact], settled: Iterable[Settlement] | None = None
) -> list[tuple[LedgerFact, Decimal]]:
    """Each case's charges still unpaid after the settlements (the lines' own when not given), and by how much."""
    if settled is None:
        settled = settlements(lines)
    paid: dict[int, Decimal] = {}
    for s in settled:
        paid[s.charge] = paid.get(s.charge, Decimal(0)) + s.amount
    return [
        (line, left)
        for n, line in enumerate(lines)
        if line.entry_type in CHARGES and (left := line.amount - paid.get(n, Decimal(0))) > 0
    ]


def released_at(lien: LienFact, account: Sequence[LedgerFact]) -> datetime | None:
    """When the case's account (its lines in the order recorded) was paid in full after the lien was filed, if it
    was."""
    owed = Decimal(0)
    for line in account:
        owed += -line.amount if line.entry_type == "payment" else line.amount
        if line.entry_type == "payment" and line.recorded_at >= lien.filed_at and owed <= 0:
            return line.recorded_at
    return None


@dataclass(frozen=True)
class ClosedCaseCharges:
    """A case closed in the period, and the fines and abatement costs levied on it over its life."""

    case_number: str
    violation_code: str
    charged: Decimal


def receivable_bucket(days_past_due: int) -> str:
    return next(label for label, upper in RECEIVABLE_BUCKETS if upper is None or days_past_due <= upper)


def days_past_due(charge: LedgerFact, now: datetime) -> int:
    """Whole days since the charge fell due (its due date, or when it was recorded if it had none); 0 before."""
    return max(0, math.floor(days_between(charge.due_at or charge.recorded_at, now)))


@dataclass(frozen=True)
class Owing:
    """What owners owe now, in all or in one receivable bucket: the sum, how many cases, and the cases themselves
    when they are listed (the figure's drill-down; the database counts them for the page)."""

    amount: Decimal
    count: int
    cases: tuple[str, ...] | None = None


OUTSTANDING_KEY = "outstanding"
RECEIVABLE_KEYS = tuple(f"receivable-{n}" for n in range(len(RECEIVABLE_BUCKETS)))


def owing(unpaid: Iterable[tuple[LedgerFact, Decimal]], now: datetime) -> dict[str, Owing]:
    """What owners owe now, in all and by receivable bucket, from every unpaid charge and what is left of it."""
    found: dict[str, list[tuple[str, Decimal]]] = {key: [] for key in (OUTSTANDING_KEY, *RECEIVABLE_KEYS)}
    labels = [label for label, _upper in RECEIVABLE_BUCKETS]
    for charge, owed in unpaid:
        bucket = RECEIVABLE_KEYS[labels.index(receivable_bucket(days_past_due(charge, now)))]
        for key in (OUTSTANDING_KEY, bucket):
            found[key].append((charge.case_number, owed))
    return {
        key: Owing(_total(owed for _case, owed in charges), len(cases := _distinct(c for c, _owed in charges)), cases)
        for key, charges in found.items()
    }


def _total(amounts: Iterable[Decimal]) -> Decimal:
    return _money(sum(amounts, Decimal(0)))


def money_report(
    lines: Sequence[LedgerFact],
    liens: Iterable[LienFact],
    closed: Sequence[ClosedCaseCharges],
    owed: Mapping[str, Owing],
    period: Period,
) -> Report:
    """`lines` holds every line of the accounts with a line in the period (how a payment settled needs the lines
    before it); `liens` the liens filed in the period and those of these accounts; `owed` what is owed now
    (`owing`)."""

    def within(at: datetime) -> bool:
        return period.start <= at < period.end

    in_period = [line for line in lines if within(line.recorded_at)]

    def sums(kinds: tuple[str, ...]) -> tuple[Decimal, tuple[str, ...]]:
        counted = [line for line in in_period if line.entry_type in kinds]
        return _total(line.amount for line in counted), _distinct(c.case_number for c in counted)

    (fines, fined), (costs, billed), (fees, charged), (collected, paying) = (
        sums(("fine", "fine_adjustment")),  # levied net of what appeals took off
        sums(("remediation_cost",)),
        sums(("reinspection_fee", "court_fine")),
        sums(("payment",)),
    )
    collected -= sums(("refund",))[0]  # a refunded payment was not collected after all
    settled = settlements(lines)
    recovered = [
        s for s in settled if s.by_payment and within(s.at) and lines[s.charge].entry_type == "remediation_cost"
    ]
    levied = fines + costs + fees  # every charge, as what the payments of the period may have paid
    figures = [
        Figure("fines", "Fines levied", fines, "$", LEVIED.format(what="fines, less what appeals took off"), fined),
        Figure("costs", "Abatement costs levied", costs, "$", LEVIED.format(what="city's abatement costs"), billed),
        Figure(
            "fees",
            "Reinspection fees and court fines levied",
            fees,
            "$",
            LEVIED.format(what="reinspection fees and court-imposed fines"),
            charged,
        ),
        Figure(
            "recovered",
            "Abatement costs recovered",
            _total(s.amount for s in recovered),
            "$",
            RECOVERED,
            _distinct(lines[s.charge].case_number for s in recovered),
        ),
        Figure("collected", "Collected", collected, "$", COLLECTED, paying),
        Figure(
            "collection-rate",
            "Collection rate",
            float(100 * collected / levied) if levied else None,
            "%",
            COLLECTION_RATE,
            _distinct(line.case_number for line in in_period if line.entry_type in (*CHARGES, "payment")),
        ),
        _owing_figure(OUTSTANDING_KEY, "Outstanding", OUTSTANDING, owed[OUTSTANDING_KEY]),
    ]
    figures += [
        _owing_figure(key, f"Owed {label} past due", RECEIVABLE, owed[key])
        for key, (label, _upper) in zip(RECEIVABLE_KEYS, RECEIVABLE_BUCKETS, strict=True)
    ]
    all_liens = list(liens)
    filed = [lien for lien in all_liens if within(lien.filed_at)]
    accounts = {case: [lines[n] for n in indexes] for case, indexes in _by_case(lines).items()}
    released = [
        lien
        for lien in all_liens
        if (at := released_at(lien, accounts.get(lien.case_number, []))) is not None and within(at)
    ]
    for key, amounts, what, counted, words in (
        ("liens", "lien-amounts", "filed", filed, LIENS),
        ("released", "released-amounts", "released", released, RELEASED),
    ):
        cases = _distinct(lien.case_number for lien in counted)
        figures += [
            Figure(key, f"Liens {what}", len(counted), "liens", words.format(what="how many"), cases),
            Figure(
                amounts,
                f"Lien amounts {what}",
                _total(lien.amount for lien in counted),
                "$",
                words.format(what="the sums they secure"),
                cases,
            ),
        ]
    for code in [None, *sorted({c.violation_code for c in closed})]:
        mine = [c for c in closed if code is None or c.violation_code == code]
        figures.append(
            Figure(
                f"cost-per-case-{code or 'all'}",
                f"Cost per closed case, {code or 'all violation types'}",
                _money(sum((c.charged for c in mine), Decimal(0)) / len(mine)) if mine else None,
                "$",
                COST_PER_CASE.format(what=f" ({code})" if code else ""),
                _distinct(c.case_number for c in mine),
            )
        )
    payments = [line for line in in_period if line.entry_type == "payment"]
    for method in sorted({line.method or "unknown" for line in payments}):
        paid = [line for line in payments if (line.method or "unknown") == method]
        figures.append(
            Figure(
                f"method-{method}",
                f"Paid by {method}",
                _total(line.amount for line in paid),
                "$",
                BY_METHOD.format(method=method),
                _distinct(line.case_number for line in paid),
            )
        )
    return Report(
        "money",
        "Money",
        "What was levied, collected and recovered in the period, what owners owe now and for how long, the liens "
        "filed and released, what a closed case cost by violation type, and how owners paid.",
        tuple(figures),
    )


def _owing_figure(key: str, label: str, definition: str, owed: Owing) -> Figure:
    listed = owed.cases is not None
    return Figure(key, label, owed.amount, "$", definition, owed.cases or (), count=None if listed else owed.count)


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
    return datetime.combine(_years_earlier(local.date(), years), local.time(), local.tzinfo)


def recidivism_report(new: Sequence[ParcelCase], history: Iterable[tuple[str, datetime]], time_zone: str) -> Report:
    """`history`: when cases were received on each property (parcel, instant), at least the latest before each new
    case."""
    by_parcel: dict[str, list[datetime]] = {}
    for parcel_id, received_at in history:
        by_parcel.setdefault(parcel_id, []).append(received_at)
    for times in by_parcel.values():
        times.sort()

    def latest_before(c: ParcelCase) -> datetime | None:
        """The latest other case on the property received before this one: another is in a window before it
        exactly when this one is."""
        times = by_parcel.get(c.parcel_id, [])
        at = bisect_left(times, c.received_at)
        return times[at - 1] if at else None

    latest = [(c, latest_before(c)) for c in new]
    figures = [Figure("new", "New cases", len(new), "cases", NEW_CASES, _distinct(c.case_number for c in new))]
    for years, window in REPEAT_WINDOWS:
        repeats = _distinct(
            c.case_number
            for c, earlier in latest
            if earlier is not None and years_before(c.received_at, years, time_zone) <= earlier
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


# What an officer's work is counted as, from the timeline's lines of these kinds.
OFFICER_WORK: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("inspections", "Inspections and reinspections", INSPECTION_EVENTS),
    ("notices", "Notices issued", NOTICE_EVENTS),
    ("closures", "Cases closed", CLOSURE_EVENTS),
)
CASELOAD_KEY = "caseload"


@dataclass(frozen=True)
class Tally:
    """What an officer did in the period (timeline lines) or holds now (open cases), on how many cases; the cases
    themselves when they are listed (the figure's drill-down; the database counts them for the page)."""

    done: int
    count: int
    cases: tuple[str, ...] | None = None


def officer_tallies(
    caseload: Iterable[tuple[str, int | None]], events: Iterable[OfficerEvent]
) -> dict[tuple[int | None, str], Tally]:
    """Each officer's caseload and work (`CASELOAD_KEY` and the keys of `OFFICER_WORK`), every case listed."""
    found: dict[tuple[int | None, str], list[str]] = {}
    for case_number, officer in caseload:
        found.setdefault((officer, CASELOAD_KEY), []).append(case_number)
    for e in events:
        for key, _what, kinds in OFFICER_WORK:
            if e.kind in kinds:
                found.setdefault((e.officer_id, key), []).append(e.case_number)
    return {at: Tally(len(cases), len(listed := _distinct(cases)), listed) for at, cases in found.items()}


def officer_figure_asked(key: str) -> tuple[int, str] | None:
    """The officer and tally a figure counts: "officer-7-notices" counts (7, "notices")."""
    found = re.fullmatch(r"officer-(\d+)-(\w+)", key)
    return (int(found[1]), found[2]) if found else None


def officers_report(
    officers: Sequence[tuple[int, str]],
    tallies: Mapping[tuple[int | None, str], Tally],
    inspections: Sequence[FirstInspection],
    period: Period,
) -> Report:
    """`tallies`: each officer's caseload and work in the period (`officer_tallies`)."""
    weeks = ((period.last - period.first).days + 1) / 7
    none = Tally(0, 0, ())

    def figure(officer_id: int, key: str, label: str, value_of: Callable[[Tally], float], definition: str) -> Figure:
        tally = tallies.get((officer_id, key), none)
        listed = tally.cases is not None
        value = value_of(tally)
        return Figure(
            f"officer-{officer_id}-{key}",
            label,
            value,
            "cases" if key == CASELOAD_KEY else "a week",
            definition,
            tally.cases or (),
            count=None if listed else tally.count,
        )

    figures: list[Figure] = []
    for officer_id, name in officers:
        figures.append(figure(officer_id, CASELOAD_KEY, f"{name}: caseload", lambda t: t.count, CASELOAD))
        for key, what, _kinds in OFFICER_WORK:
            figures.append(
                figure(
                    officer_id,
                    key,
                    f"{name}: {what.lower()} per week",
                    lambda t: t.done / weeks,
                    PER_WEEK.format(what=what),
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
