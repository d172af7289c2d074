"""The reports' definitions on small fixed facts, with the values worked out by hand: periods in the city's local
days (a month boundary, a daylight-saving change in Riverton's zone), the percentiles, and each figure's cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain.calendar import BusinessCalendar
from domain.report_figures import (
    ClosedCaseCharges,
    Closure,
    FirstInspection,
    LedgerFact,
    LienFact,
    OfficerEvent,
    OpenCase,
    ParcelCase,
    Period,
    Preset,
    ReinspectionDue,
    Report,
    VolumeCase,
    VolumeCount,
    aging_report,
    by_month,
    compliance_report,
    counted_rows,
    first_inspection_report,
    median,
    money_report,
    month_asked,
    officer_tallies,
    officers_report,
    owing,
    p90,
    recidivism_report,
    reinspection_deadline,
    reinspections_report,
    report_period,
    same_days_last_year,
    settlements,
    unpaid_charges,
    volume_report,
    volume_row_asked,
    volume_rows,
)
from domain.stages import CaseStage, Outcome

TZ = "America/Chicago"  # the demo city's zone; daylight saving began on 2026-03-08 at 02:00


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def money(
    lines: list[LedgerFact], liens: list[LienFact], closed: list[ClosedCaseCharges], period: Period, now: datetime
) -> Report:
    """The money report with what is owed now settled from the same lines, as the record writer keeps it."""
    return money_report(lines, liens, closed, owing(unpaid_charges(lines), now), period)


@pytest.mark.parametrize(
    ("preset", "today", "first", "last", "start", "end"),
    [
        # March has a daylight-saving change: it starts at 06:00 UTC and ends at 05:00 UTC, 743 hours later.
        (Preset.LAST_MONTH, "2026-04-10", "2026-03-01", "2026-03-31", "2026-03-01T06:00Z", "2026-04-01T05:00Z"),
        (Preset.THIS_MONTH, "2026-03-15", "2026-03-01", "2026-03-15", "2026-03-01T06:00Z", "2026-03-16T05:00Z"),
        (Preset.LAST_MONTH, "2026-01-05", "2025-12-01", "2025-12-31", "2025-12-01T06:00Z", "2026-01-01T06:00Z"),
        (Preset.THIS_QUARTER, "2026-05-20", "2026-04-01", "2026-05-20", "2026-04-01T05:00Z", "2026-05-21T05:00Z"),
        (Preset.YEAR_TO_DATE, "2026-02-03", "2026-01-01", "2026-02-03", "2026-01-01T06:00Z", "2026-02-04T06:00Z"),
        (Preset.LAST_12_MONTHS, "2026-03-15", "2025-04-01", "2026-03-15", "2025-04-01T05:00Z", "2026-03-16T05:00Z"),
    ],
)
def test_a_period_is_the_citys_local_days(
    preset: Preset, today: str, first: str, last: str, start: str, end: str
) -> None:
    period = report_period(preset, date.fromisoformat(today), TZ, None, None)
    assert (period.first, period.last) == (date.fromisoformat(first), date.fromisoformat(last))
    assert (period.start, period.end) == (utc(start), utc(end))


def test_a_custom_period_takes_its_days_in_either_order() -> None:
    period = report_period(Preset.CUSTOM, date(2026, 4, 10), TZ, date(2026, 3, 31), date(2026, 3, 1))
    assert (period.first, period.last) == (date(2026, 3, 1), date(2026, 3, 31))
    assert period.end - period.start == timedelta(hours=743)


@pytest.mark.parametrize(
    ("values", "middle", "ninetieth"),
    [
        ([], None, None),
        ([5.0], 5.0, 5.0),
        ([4.0, 1.0, 3.0, 2.0], 2.5, 4.0),
        ([float(n) for n in range(1, 11)], 5.5, 9.0),  # nearest rank: the 9th of 10
        ([float(n) for n in range(1, 12)], 6.0, 10.0),  # the 10th of 11 (0.9 × 11 = 9.9, rounded up)
    ],
)
def test_median_and_90th_percentile(values: list[float], middle: float | None, ninetieth: float | None) -> None:
    assert (median(values), p90(values)) == (middle, ninetieth)


def test_time_to_first_inspection_counts_real_hours_across_the_daylight_saving_change() -> None:
    now = utc("2026-03-20T12:00Z")
    facts = [
        # Received Saturday noon (CST), inspected Monday noon (CDT): two days on the wall clock, 47 hours in fact.
        FirstInspection(
            "A", 1, utc("2026-03-07T12:00-06:00"), utc("2026-03-09T17:00-05:00"), utc("2026-03-09T12:00-05:00")
        ),
        FirstInspection("B", 1, utc("2026-03-02T09:00Z"), utc("2026-03-03T10:00Z"), utc("2026-03-03T09:00Z")),
        FirstInspection("C", 3, utc("2026-03-02T00:00Z"), utc("2026-03-09T23:00Z"), utc("2026-03-06T00:00Z")),
        FirstInspection("D", 3, utc("2026-03-03T00:00Z"), utc("2026-03-05T23:00Z"), None),  # still waiting, late
        FirstInspection("E", 3, utc("2026-03-19T00:00Z"), utc("2026-03-25T23:00Z"), None),  # not due yet
    ]
    report = first_inspection_report(facts, now)
    values = {f.key: (f.value, f.cases) for f in report.figures}

    assert values["all-median"] == (pytest.approx(47 / 24), ("A", "B", "C"))
    assert values["all-p90"] == (4.0, ("A", "B", "C"))
    assert values["all-within"] == (75.0, ("A", "B", "C", "D"))  # E's target has not passed: not counted yet
    assert values["p1-median"] == (pytest.approx((1 + 47 / 24) / 2), ("A", "B"))
    assert values["p1-p90"] == (pytest.approx(47 / 24), ("A", "B"))
    assert values["p1-within"] == (100.0, ("A", "B"))
    assert values["p3-median"] == (4.0, ("C",))
    assert values["p3-within"] == (50.0, ("C", "D"))
    assert "p2-median" not in values  # no priority-2 cases, no empty rows


def test_nothing_inspected_is_no_figure_rather_than_zero() -> None:
    report = first_inspection_report([], utc("2026-03-20T12:00Z"))
    assert [(f.key, f.value, f.cases) for f in report.figures] == [
        ("all-median", None, ()),
        ("all-p90", None, ()),
        ("all-within", None, ()),
    ]


def test_time_to_compliance_splits_voluntary_from_forced() -> None:
    received = utc("2026-03-01T00:00Z")
    closures = [
        Closure("V1", received, received + timedelta(days=10), Outcome.VOLUNTARY_COMPLIANCE),
        Closure("V2", received, received + timedelta(days=20), Outcome.VOLUNTARY_COMPLIANCE),
        Closure("F1", received, received + timedelta(days=30), Outcome.ORDER_COMPLIANCE),
        Closure("U1", received, received + timedelta(days=2), Outcome.UNFOUNDED),  # nothing to comply with
        Closure("R1", received, received + timedelta(days=90), Outcome.REMEDIATED_BY_CITY),  # the city did it
    ]
    values = {f.key: (f.value, f.cases) for f in compliance_report(closures).figures}
    assert values["all-median"] == (20.0, ("F1", "V1", "V2"))
    assert values["all-p90"] == (30.0, ("F1", "V1", "V2"))
    assert values["voluntary-median"] == (15.0, ("V1", "V2"))
    assert values["voluntary-p90"] == (20.0, ("V1", "V2"))
    assert values["forced-median"] == (30.0, ("F1",))
    assert values["forced-share"] == (pytest.approx(100 / 3), ("F1",))


def test_open_cases_fall_in_aging_buckets_by_whole_days_and_the_oldest_twenty_come_first() -> None:
    now = utc("2026-04-06T12:00-05:00")

    def opened(number: str, ago: timedelta) -> OpenCase:
        return OpenCase(number, now - ago, CaseStage.AWAITING_COMPLIANCE, "owner", now - timedelta(days=2))

    cases = [
        opened("new", timedelta(0)),
        opened("30d23h", timedelta(days=30, hours=23)),  # 30 whole days: still in the first bucket
        # Received 30 days before on the wall clock, but across the spring change: 29 days and 23 hours.
        OpenCase("dst", utc("2026-03-07T12:00-06:00"), CaseStage.INVESTIGATING, "officer", None),
        opened("31d", timedelta(days=31)),
        opened("90d", timedelta(days=90)),
        opened("91d", timedelta(days=91)),
        opened("365d", timedelta(days=365)),
        opened("366d", timedelta(days=366)),
        *(opened(f"x{n:02d}", timedelta(days=1, hours=n)) for n in range(15)),
    ]
    report = aging_report(cases, now)
    buckets = {f.label: set(f.cases) for f in report.figures if f.key.startswith("age-")}
    assert {label: len(found) for label, found in buckets.items()} == {
        "0–30 days": 18,
        "31–90 days": 2,
        "91–180 days": 1,
        "181–365 days": 1,
        "over 365 days": 1,
    }
    assert {"30d23h", "dst", "new"} <= buckets["0–30 days"] and buckets["over 365 days"] == {"366d"}
    oldest = report.figure("oldest")
    assert oldest is not None and oldest.value == 20 == len(oldest.cases)
    assert oldest.cases[:6] == ("366d", "365d", "91d", "90d", "31d", "30d23h")
    assert "new" not in oldest.cases


def test_reinspection_fees_and_court_fines_are_levied_and_counted_in_the_collection_rate() -> None:
    """A payment of a fee or a court fine is collected; what it paid was levied too, so the rate cannot pass 100%."""
    march = report_period(Preset.THIS_MONTH, date(2026, 3, 20), TZ, None, None)
    lines = [
        LedgerFact("E", "reinspection_fee", Decimal("25.00"), utc("2026-03-02T12:00Z"), utc("2026-04-01T12:00Z")),
        LedgerFact("F", "court_fine", Decimal("500.00"), utc("2026-03-03T12:00Z"), utc("2026-04-02T12:00Z")),
        LedgerFact("F", "payment", Decimal("500.00"), utc("2026-03-04T12:00Z"), None),
    ]
    values = {f.key: (f.value, f.cases) for f in money(lines, [], [], march, utc("2026-03-20T12:00Z")).figures}
    assert values["fees"] == (Decimal("525.00"), ("E", "F"))
    assert values["fines"] == (Decimal("0.00"), ())
    assert values["collection-rate"] == (float(100 * Decimal("500") / Decimal("525")), ("E", "F"))
    assert values["outstanding"] == (Decimal("25.00"), ("E",))


def test_money_levied_collected_and_owed_with_payments_settling_the_oldest_charges_first() -> None:
    march = report_period(Preset.THIS_MONTH, date(2026, 3, 20), TZ, None, None)
    now = utc("2026-03-20T12:00Z")

    def line(case: str, kind: str, amount: str, recorded: str, due: str | None = None) -> LedgerFact:
        return LedgerFact(case, kind, Decimal(amount), utc(recorded), utc(due) if due else None)

    lines = [
        # A: fined in January (due 1 Feb) and in March (due 15 March); paid 150 in March: the older fine first.
        line("A", "fine", "100.00", "2026-01-10T12:00Z", "2026-02-01T12:00Z"),
        line("A", "fine", "200.00", "2026-03-02T12:00Z", "2026-03-15T12:00Z"),
        line("A", "payment", "150.00", "2026-03-05T12:00Z"),
        # B: the city's abatement, billed at 23:30 on the last evening of February in Riverton (1 March in UTC).
        line("B", "remediation_cost", "1000.00", "2026-02-28T23:30-06:00", "2025-12-01T12:00Z"),
        # C: fined in March, paid in full.
        line("C", "fine", "50.00", "2026-03-10T12:00Z", "2026-04-10T12:00Z"),
        line("C", "payment", "50.00", "2026-03-11T12:00Z"),
    ]
    liens = [
        LienFact("B", Decimal("1000.00"), utc("2026-03-03T12:00Z")),
        LienFact("D", Decimal("75.00"), utc("2026-02-28T12:00Z")),  # February's
    ]
    values = {f.key: (f.value, f.cases) for f in money(lines, liens, [], march, now).figures}
    assert values["fines"] == (Decimal("250.00"), ("A", "C"))
    assert values["costs"] == (Decimal("0.00"), ())  # February's in the city, though March's in UTC
    assert values["collected"] == (Decimal("200.00"), ("A", "C"))
    assert values["collection-rate"] == (80.0, ("A", "C"))
    assert values["outstanding"] == (Decimal("1150.00"), ("A", "B"))  # A: 150 of the March fine; B: 1000
    assert values["receivable-0"] == (Decimal("150.00"), ("A",))  # five days past due
    assert values["receivable-1"] == (Decimal("0.00"), ())  # January's fine is paid
    assert values["receivable-3"] == (Decimal("1000.00"), ("B",))  # due 1 December: 109 days past
    assert values["liens"] == (1, ("B",)) and values["lien-amounts"] == (Decimal("1000.00"), ("B",))


def test_a_case_stalls_after_thirty_days_with_nothing_on_its_timeline() -> None:
    now = utc("2026-04-06T12:00-05:00")
    received = now - timedelta(days=100)
    cases = [
        OpenCase("quiet", received, CaseStage.AWAITING_COMPLIANCE, "owner", now - timedelta(days=30)),
        OpenCase("busy", received, CaseStage.AWAITING_COMPLIANCE, "owner", now - timedelta(days=29, hours=23)),
        OpenCase("never-touched", now - timedelta(days=31), CaseStage.RECEIVED, None, None),
        OpenCase("new", now - timedelta(days=29), CaseStage.RECEIVED, None, None),
    ]
    stalled = aging_report(cases, now).figure("stalled")
    assert stalled is not None and stalled.value == 2 and set(stalled.cases) == {"quiet", "never-touched"}


def test_recidivism_looks_back_to_the_same_local_day_and_time_across_leap_days_and_daylight_saving() -> None:
    def case(number: str, parcel: str, received: str) -> ParcelCase:
        return ParcelCase(number, parcel, utc(received))

    new = [
        case("N1", "P", "2026-03-10T12:00-05:00"),
        case("N2", "Q", "2026-03-10T12:00-05:00"),
        case("N3", "R", "2028-02-29T09:00-06:00"),
        case("N4", "S", "2026-03-01T09:00-06:00"),
        case("N5", "S", "2026-03-15T09:00-05:00"),  # the second case this month on the same property
    ]
    history = [
        *new,
        case("P0", "P", "2025-03-10T12:30-05:00"),  # half an hour inside the 12 months
        case("Q0", "Q", "2025-03-10T11:30-05:00"),  # half an hour outside them, well inside 3 years
        case("R0", "R", "2027-02-28T09:30-06:00"),  # 29 February looks back to the 28th
    ]
    received = [(c.parcel_id, c.received_at) for c in history]
    values = {f.key: (f.value, f.cases) for f in recidivism_report(new, received, TZ).figures}
    assert values["new"] == (5, ("N1", "N2", "N3", "N4", "N5"))
    assert values["repeat-1y"] == (60.0, ("N1", "N3", "N5"))
    assert values["repeat-3y"] == (80.0, ("N1", "N2", "N3", "N5"))


def test_each_officer_is_credited_with_the_work_on_the_cases_assigned_to_them() -> None:
    fortnight = report_period(Preset.THIS_MONTH, date(2026, 3, 14), TZ, None, None)  # 1–14 March: two weeks

    def event(case: str, officer: int, kind: str, day: int) -> OfficerEvent:
        return OfficerEvent(case, officer, kind, datetime(2026, 3, day, 15, tzinfo=UTC))

    events = [
        event("A", 1, "inspection_violation_found", 2),
        event("A", 1, "reinspection_complied", 10),
        event("B", 1, "notice_issued", 3),
        event("C", 2, "closed", 5),
    ]
    inspections = [
        FirstInspection("A", 1, utc("2026-03-01T00:00Z"), None, utc("2026-03-03T00:00Z"), 1),
        FirstInspection("B", 1, utc("2026-03-02T00:00Z"), None, utc("2026-03-06T00:00Z"), 1),
        FirstInspection("C", 3, utc("2026-03-02T00:00Z"), None, None, 2),
    ]
    caseload = [("A", 1), ("B", 1), ("C", 2), ("D", None)]
    report = officers_report(
        [(1, "Dana Whitfield"), (2, "Luis Ortega")], officer_tallies(caseload, events), inspections, fortnight
    )
    values = {f.key: (f.value, f.cases) for f in report.figures}
    assert values["officer-1-caseload"] == (2, ("A", "B"))
    assert values["officer-1-inspections"] == (1.0, ("A",))  # two visits in two weeks
    assert values["officer-1-notices"] == (0.5, ("B",))
    assert values["officer-1-closures"] == (0.0, ())
    assert values["officer-1-first-inspection"] == (3.0, ("A", "B"))
    assert values["officer-2-caseload"] == (1, ("C",))
    assert values["officer-2-closures"] == (0.5, ("C",))
    assert values["officer-2-first-inspection"] == (None, ())


# Riverton's calendar, with the two holidays these tests meet.
CALENDAR = BusinessCalendar(timezone=TZ, holidays=(date(2026, 2, 16), date(2026, 5, 25)))


@pytest.mark.parametrize(
    ("due", "deadline"),
    [
        # Friday 6 March, before the clocks change: Monday, Tuesday, Wednesday; the end of Wednesday is in CDT.
        ("2026-03-06T17:00-06:00", "2026-03-12T00:00-05:00"),
        # Friday before Presidents' Day: the Monday does not count.
        ("2026-02-13T17:00-06:00", "2026-02-20T00:00-06:00"),
        # The last evening of February in Riverton (1 March in UTC) is Saturday the 28th: Monday 2 to Wednesday 4 March.
        ("2026-02-28T23:30-06:00", "2026-03-05T00:00-06:00"),
        ("2026-05-22T17:00-05:00", "2026-05-29T00:00-05:00"),  # Memorial Day
    ],
)
def test_a_reinspection_is_on_time_until_the_end_of_the_third_business_day(due: str, deadline: str) -> None:
    assert reinspection_deadline(utc(due), CALENDAR) == utc(deadline)


def test_reinspections_on_time_count_those_whose_outcome_is_known() -> None:
    now = utc("2026-03-31T12:00Z")
    dues = [
        ReinspectionDue("R1", utc("2026-03-06T17:00-06:00"), utc("2026-03-11T23:30-05:00")),  # on time, across DST
        ReinspectionDue("R2", utc("2026-03-06T17:00-06:00"), utc("2026-03-12T00:30-05:00")),  # half an hour late
        ReinspectionDue("R3", utc("2026-03-27T17:00-05:00"), None),  # due by the end of 1 April: not known yet
        ReinspectionDue("R4", utc("2026-03-20T17:00-05:00"), None),  # its days ran out on 25 March
    ]
    values = {f.key: (f.value, f.cases) for f in reinspections_report(dues, now, CALENDAR).figures}
    assert values["due"] == (4, ("R1", "R2", "R3", "R4"))
    assert values["on-time"] == (pytest.approx(100 / 3), ("R1", "R2", "R4"))
    assert values["late"] == (2, ("R2", "R4"))


def test_volume_counts_the_citys_months_against_the_same_days_last_year() -> None:
    march = report_period(Preset.THIS_MONTH, date(2026, 3, 20), TZ, None, None)  # 1 to 20 March 2026

    def case(
        number: str,
        opened: str,
        closed: str | None = None,
        violation_code: str = "PS-GRASS",
        zone: str = "N",
        channel: str = "phone",
        priority: int = 3,
    ) -> VolumeCase:
        return VolumeCase(number, utc(opened), utc(closed) if closed else None, violation_code, zone, channel, priority)

    cases = [
        case("V1", "2026-02-28T23:30-06:00"),  # February's in Riverton, though 1 March in UTC
        case("V2", "2026-03-08T03:30-05:00", "2026-03-15T12:00-05:00"),  # just after the clocks went forward
        case("V3", "2025-03-10T12:00-05:00", violation_code="PS-JUNK", zone="E", channel="portal", priority=2),
        case("V4", "2025-03-25T12:00-05:00", "2025-04-02T12:00-05:00"),  # after 20 March: not the same days
        case("V5", "2024-04-02T12:00-05:00"),  # the oldest of the 24 months
        case("V6", "2024-03-31T12:00-05:00"),  # before them, but a year before March 2025
    ]
    spans = (march, same_days_last_year(march, TZ))
    in_days = [c for c in cases if any(_within(at, p) for p in spans for at in (c.opened_at, c.closed_at))]
    listed = by_month(cases, TZ)
    assert ("2024-03", "opened") in listed  # V6: a year before March 2025, the first of the 24 months
    report = volume_report(volume_rows(in_days, march, TZ), listed, march, TZ)
    values = {f.key: (f.value, f.cases) for f in report.figures}
    assert [values[f"all-{c}"] for c in ("opened", "opened-ly", "closed", "closed-ly")] == [
        (1, ("V2",)),
        (1, ("V3",)),
        (1, ("V2",)),
        (0, ()),
    ]
    assert values["violation-PS-GRASS-opened"] == (1, ("V2",)) and values["violation-PS-GRASS-opened-ly"] == (0, ())
    assert values["violation-PS-JUNK-opened-ly"] == (1, ("V3",)) and values["zone-E-opened"] == (0, ())
    assert values["channel-portal-opened-ly"] == (1, ("V3",)) and values["priority-P3-closed"] == (1, ("V2",))
    assert values["month-2026-02-opened"] == (1, ("V1",))
    assert values["month-2026-03-opened"] == (1, ("V2",))
    assert values["month-2026-03-opened-ly"] == (2, ("V3", "V4"))  # the whole of March 2025
    assert values["month-2025-04-closed"] == (1, ("V4",))
    assert values["month-2024-04-opened"] == (1, ("V5",))
    assert values["month-2025-03-opened-ly"] == (1, ("V6",)) and "month-2024-03-opened" not in values
    months = [f.key.removesuffix("-opened") for f in report.figures if f.key.startswith("month-")][::4]
    assert len(months) == 24 and months[0] == "month-2026-03" and months[-1] == "month-2024-04"
    # On the report's page the database counts the months; a month's drill-down lists its cases.
    counted = volume_report(volume_rows(in_days, march, TZ), {("2025-03", "opened"): 2}, march, TZ).figure(
        "month-2026-03-opened-ly"
    )
    assert counted is not None and (counted.value, counted.counted, counted.cases) == (2, 2, ())
    # So are the breakdowns: by violation type, zone, channel and priority together, added up by each.
    counts = [
        VolumeCount("opened", "PS-GRASS", "N", "portal", 3, 4),
        VolumeCount("opened", "PS-JUNK", "N", None, 3, 1),
        VolumeCount("closed-ly", "PS-GRASS", "E", "portal", 2, 2),
    ]
    figures = {f.key: (f.value, f.counted, f.cases) for f in volume_report(counted_rows(counts), {}, march, TZ).figures}
    assert figures["all-opened"] == (5, 5, ()) and figures["all-closed-ly"] == (2, 2, ())
    assert figures["violation-PS-GRASS-opened"] == (4, 4, ()) and figures["zone-N-opened"] == (5, 5, ())
    assert figures["channel-unknown-opened"] == (1, 1, ()) and figures["priority-P3-closed-ly"] == (0, 0, ())
    assert volume_row_asked("violation-PS-GRASS-opened-ly") == (("violation", "PS-GRASS"), "opened-ly")
    assert (
        volume_row_asked("all-closed") == (("all", ""), "closed") and volume_row_asked("month-2026-01-closed") is None
    )
    assert month_asked("month-2026-03-opened-ly") == ("2025-03", "opened")
    assert month_asked("month-2026-01-closed") == ("2026-01", "closed") and month_asked("all-opened") is None
    assert [heading for heading, _figures in report.groups()] == [
        "In the period",
        "By violation type",
        "By zone",
        "By channel (of the report that opened the case)",
        "By priority",
        "The last 24 months",
    ]


def test_money_recovered_liens_released_cost_per_case_and_payments_by_method() -> None:
    march = report_period(Preset.LAST_MONTH, date(2026, 4, 10), TZ, None, None)
    now = utc("2026-04-10T12:00Z")

    def line(
        case: str, kind: str, amount: str, recorded: str, due: str | None = None, method: str | None = None
    ) -> LedgerFact:
        return LedgerFact(case, kind, Decimal(amount), utc(recorded), utc(due) if due else None, method)

    lines = [
        # K: fined in January, abated in February; the lien secures 1,100. A payment of 300 on the last evening of
        # February in Riverton (1 March in UTC) settles the fine and 200 of the abatement: February's money.
        line("K", "fine", "100.00", "2026-01-05T12:00Z", "2026-02-05T12:00Z"),
        line("K", "remediation_cost", "1000.00", "2026-02-10T12:00Z", "2026-03-10T12:00Z"),
        line("K", "payment", "300.00", "2026-02-28T23:30-06:00", method="card"),
        line("K", "payment", "500.00", "2026-03-05T12:00Z", method="cheque"),
        line("K", "payment", "300.00", "2026-03-20T12:00Z", method="card"),  # paid in full: the lien is released
        # M: fined in March, lien filed, nothing paid.
        line("M", "fine", "50.00", "2026-03-01T12:00Z", "2026-03-31T12:00Z"),
        # N: paid ahead, then fined: the money already paid settles the fine.
        line("N", "payment", "60.00", "2026-03-02T12:00Z", method="cash"),
        line("N", "fine", "60.00", "2026-03-04T12:00Z", "2026-04-04T12:00Z"),
    ]
    liens = [
        LienFact("K", Decimal("1100.00"), utc("2026-02-25T12:00Z")),
        LienFact("M", Decimal("50.00"), utc("2026-03-03T12:00Z")),
    ]
    closed = [
        ClosedCaseCharges("K", "PS-JUNK", Decimal("1100.00")),
        ClosedCaseCharges("N", "PS-GRASS", Decimal("60.00")),
        ClosedCaseCharges("Z", "PS-GRASS", Decimal("0.00")),  # closed with nothing levied
    ]
    values = {f.key: (f.value, f.cases) for f in money(lines, liens, closed, march, now).figures}
    assert values["fines"] == (Decimal("110.00"), ("M", "N"))
    assert values["costs"] == (Decimal("0.00"), ())
    assert values["recovered"] == (Decimal("800.00"), ("K",))  # 500 and 300; February's 200 is not March's
    assert values["collected"] == (Decimal("860.00"), ("K", "N"))
    assert values["outstanding"] == (Decimal("50.00"), ("M",))
    assert values["receivable-0"] == (Decimal("50.00"), ("M",))  # ten days past due
    assert values["liens"] == (1, ("M",)) and values["lien-amounts"] == (Decimal("50.00"), ("M",))
    assert values["released"] == (1, ("K",)) and values["released-amounts"] == (Decimal("1100.00"), ("K",))
    assert values["cost-per-case-all"] == (Decimal("386.67"), ("K", "N", "Z"))  # 1,160 over three cases
    assert values["cost-per-case-PS-GRASS"] == (Decimal("30.00"), ("N", "Z"))
    assert values["cost-per-case-PS-JUNK"] == (Decimal("1100.00"), ("K",))
    assert values["method-card"] == (Decimal("300.00"), ("K",))
    assert values["method-cheque"] == (Decimal("500.00"), ("K",))
    assert values["method-cash"] == (Decimal("60.00"), ("N",))


def _within(at: datetime | None, days: Period) -> bool:
    return at is not None and days.start <= at < days.end


def test_a_refund_owes_again_what_it_took_back_and_appeals_and_write_offs_settle_but_recover_nothing() -> None:
    def line(kind: str, amount: int, day: int, due: int | None = None) -> LedgerFact:
        due_at = utc(f"2026-05-{due:02d}T12:00:00-05:00") if due else None
        return LedgerFact("CE-2026-000001", kind, Decimal(amount), utc(f"2026-05-{day:02d}T12:00:00-05:00"), due_at)

    fine, cost = line("fine", 100, 1, due=10), line("remediation_cost", 60, 2, due=20)
    account = [fine, cost, line("payment", 120, 3)]  # the fine (due first) in full, 20 of the cost

    def owed(lines: list[LedgerFact]) -> list[tuple[str, Decimal]]:
        return [(charge.entry_type, left) for charge, left in unpaid_charges(lines)]

    assert owed(account) == [("remediation_cost", Decimal(40))]
    account.append(line("refund", 50, 4))  # the last settled first: the cost's 20, then 30 of the fine
    assert owed(account) == [("fine", Decimal(30)), ("remediation_cost", Decimal(60))]
    account.append(line("fine_adjustment", -30, 5))  # the hearing took 30 off the fine
    assert owed(account) == [("remediation_cost", Decimal(60))]
    account.append(line("write_off", -60, 6))
    assert owed(account) == []
    # Of the cost, 20 was paid and refunded and the rest written off: the city recovered none of it.
    recovered = [s.amount for s in settlements(account) if s.by_payment and account[s.charge] is cost]
    assert recovered == [Decimal(20), Decimal(-20)]
