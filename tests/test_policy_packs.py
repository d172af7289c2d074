"""Every policy pack loads; the Ontario pack follows Ontario law and the Ontario calendar.

The format is not tied to one country: `config/policies/ontario.toml` uses the same model as the default
pack with Ontario's notices (Building Code Act orders, Provincial Offences Act tickets, Municipal Act
remedial orders), its 14-day appeal window and its statutory holidays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest

from domain.calendar import BusinessCalendar
from domain.policy import Category, EscalationStep, Policy, load_policy

CONFIG = Path(__file__).resolve().parent.parent / "config"
DEFAULT = CONFIG / "policy.toml"
ONTARIO = CONFIG / "policies" / "ontario.toml"
PACKS = [DEFAULT, *sorted((CONFIG / "policies").glob("*.toml"))]
SPECIALTIES = {"property_standards", "zoning", "signs", "noise", "pools", "building", "vehicles"}

ONTARIO_NOTICES = {
    "courtesy_notice",
    "property_standards_order",
    "building_order",
    "set_fine_ticket",
    "penalty_notice",
    "emergency_order",
    "remedial_order",
}
PART_I_MAXIMUM = Decimal(1000)  # Provincial Offences Act, Part I: a set fine is at most $1,000

# Observed dates: Boxing Day 2026 (Sat) on Mon 28 Dec; Christmas and Boxing Day 2027 (Sat, Sun) on 27 and 28 Dec.
ONTARIO_HOLIDAYS = {
    date(2026, 1, 1),
    date(2026, 2, 16),
    date(2026, 4, 3),
    date(2026, 5, 18),
    date(2026, 7, 1),
    date(2026, 8, 3),
    date(2026, 9, 7),
    date(2026, 10, 12),
    date(2026, 12, 25),
    date(2026, 12, 28),
    date(2027, 1, 1),
    date(2027, 2, 15),
    date(2027, 3, 26),
    date(2027, 5, 24),
    date(2027, 7, 1),
    date(2027, 8, 2),
    date(2027, 9, 6),
    date(2027, 10, 11),
    date(2027, 12, 27),
    date(2027, 12, 28),
}


@pytest.fixture(scope="module")
def ontario() -> Policy:
    return load_policy(ONTARIO)


def test_the_ontario_pack_loads(ontario: Policy) -> None:
    assert ontario.pack.id == "riverton-on" and "Ontario" in ontario.pack.jurisdiction
    assert ontario.calendar.timezone == "America/Toronto"
    assert set(ontario.notice_types) == ONTARIO_NOTICES
    unsafe = ontario.violation("ON-BD-UNSAFE")
    assert unsafe is not None and unsafe.category is Category.I and unsafe.response_target_business_days == 1
    case = ontario.for_case("ON-PS-EXTERIOR")
    assert case is not None and case.pack_id == "riverton-on" and case.calendar.timezone == "America/Toronto"


def test_every_violation_type_follows_an_ontario_notice_path(ontario: Policy) -> None:
    for violation in ontario.violation_types:
        assert set(violation.notice_path) <= ONTARIO_NOTICES, violation.code
        assert violation.notice_path[-1] != "courtesy_notice", f"{violation.code} never reaches an order or ticket"
        assert all(fine <= PART_I_MAXIMUM for fine in violation.fines), violation.code
    assert ontario.process.max_fine == PART_I_MAXIMUM


def test_property_standards_orders_are_appealed_to_the_committee_within_14_days(ontario: Policy) -> None:
    assert ontario.process.appeal_window_days == 14  # BCA s.15.3(1)
    assert ontario.process.mail_service_extra_days == 5  # deemed served the fifth day after mailing
    order = ontario.notice_types["property_standards_order"]
    assert order.order and order.appealable and not order.fine
    assert "15.2(2)" in order.statute and "Property Standards Committee" in order.appeal_to
    assert "15.3(1)" in order.appeal_to
    building = ontario.notice_types["building_order"]
    assert "Superior Court of Justice" in building.appeal_to and "s.25(1)" in building.appeal_to


def test_a_part_i_ticket_levies_a_set_fine_and_is_answered_not_appealed(ontario: Policy) -> None:
    ticket = ontario.notice_types["set_fine_ticket"]
    assert ticket.fine and not ticket.appealable
    assert "Provincial Offences Act" in ticket.statute and "trial" in ticket.appeal_to
    ticketed = [v for v in ontario.violation_types if "set_fine_ticket" in v.notice_path]
    assert {v.specialty for v in ticketed} >= {"noise", "zoning"}  # signs have penalty notices (AMPS) instead
    for violation in ticketed:
        case = ontario.for_case(violation.code)
        assert case is not None and case.notice("set_fine_ticket").fine
        assert Decimal(0) < violation.fine_amount(0) <= PART_I_MAXIMUM
    noise = ontario.violation("ON-NS-CONSTRUCTION")
    assert noise is not None and noise.notice_path == ("set_fine_ticket",)
    assert noise.escalation == (EscalationStep.FINE, EscalationStep.PROSECUTION)
    assert [noise.fine_amount(n) for n in range(3)] == [Decimal(400), Decimal(750), Decimal(750)]


def test_a_remedial_order_leads_to_the_town_doing_the_work_and_the_tax_roll(ontario: Policy) -> None:
    remedial = ontario.notice_types["remedial_order"]
    assert remedial.order and "446" in remedial.statute
    remedied = [v for v in ontario.violation_types if "remedial_order" in v.notice_path]
    assert {v.code for v in remedied} >= {"ON-PS-GRASS", "ON-PS-REFUSE", "ON-VH-INOPERABLE", "ON-PL-ENCLOSURE"}
    for violation in remedied:
        assert violation.remediation_applies and violation.lien_applies, violation.code
        ladder = list(violation.escalation)
        assert ladder.index(EscalationStep.REMEDIATION) < ladder.index(EscalationStep.LIEN), violation.code
    grass = ontario.violation("ON-PS-GRASS")
    assert grass is not None and grass.escalation == (EscalationStep.REMEDIATION, EscalationStep.LIEN)
    assert ontario.process.lien_threshold == 0  # MA s.446(3): any unpaid cost goes on the tax roll


def test_the_calendar_holds_ontario_holidays_on_weekdays(ontario: Policy) -> None:
    calendar = ontario.calendar
    assert set(calendar.holidays) == ONTARIO_HOLIDAYS
    assert all(day.weekday() < 5 for day in calendar.holidays)  # weekend holidays are moved to a weekday
    for us_only in (date(2026, 7, 3), date(2026, 11, 26), date(2026, 11, 11), date(2027, 1, 18)):
        assert calendar.is_business_day(us_only), us_only


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2026, 7, 31), 1, date(2026, 8, 4)),  # Friday + 1 skips the weekend and the Civic Holiday
        (date(2026, 12, 24), 1, date(2026, 12, 29)),  # Christmas (Fri), a weekend, Boxing Day observed Mon 28
        (date(2027, 12, 24), 1, date(2027, 12, 29)),  # Christmas observed Mon 27, Boxing Day observed Tue 28
        (date(2026, 5, 15), 1, date(2026, 5, 19)),  # Victoria Day, Mon 18 May 2026
        (date(2026, 10, 9), 5, date(2026, 10, 19)),  # Thanksgiving, Mon 12 Oct 2026
        (date(2026, 12, 26), 0, date(2026, 12, 29)),  # a Saturday rolls past Sunday and the observed Boxing Day
    ],
)
def test_business_days_skip_ontario_holidays(ontario: Policy, start: date, days: int, due: date) -> None:
    assert ontario.calendar.add_business_days(start, days) == due


def test_deadlines_fall_at_close_of_business_in_toronto(ontario: Policy) -> None:
    calendar: BusinessCalendar = ontario.calendar
    # Friday 31 July 2026, 2 p.m. in Toronto: due Tuesday 4 August at 4:30 p.m., after the Civic Holiday.
    due = calendar.business_days_after(datetime(2026, 7, 31, 18, 0, tzinfo=UTC), 1)
    assert due.date() == date(2026, 8, 4) and due.time() == time(16, 30)
    assert due == datetime(2026, 8, 4, 20, 30, tzinfo=UTC)  # 4:30 p.m. EDT
    # Appeal window: served Friday 11 December 2026, 14 days is Friday 25 December, rolled past Boxing Day.
    served = datetime(2026, 12, 11, 15, 0, tzinfo=calendar.zone)
    assert calendar.calendar_days_after(served, ontario.process.appeal_window_days).date() == date(2026, 12, 29)


@pytest.mark.parametrize("path", PACKS, ids=lambda p: p.stem)
def test_every_pack_has_at_least_12_types_covering_every_specialty(path: Path) -> None:
    policy = load_policy(path)
    assert len(policy.violation_types) >= 12
    assert set(policy.pack.specialties) == SPECIALTIES
    assert {v.specialty for v in policy.violation_types} == SPECIALTIES
    assert set(Category) == set(policy.categories)
    assert all(v.response_target_business_days == 1 for v in policy.violation_types if v.category is Category.I)


@pytest.mark.parametrize("path", PACKS, ids=lambda p: p.stem)
def test_every_pack_bills_reinspection_fees_and_says_where_its_figure_comes_from(path: Path) -> None:
    process = load_policy(path).process
    assert process.reinspection_fee > 0 and process.reinspection_fee_from >= 1
    lines = [line for line in path.read_text().splitlines() if line.startswith("reinspection_fee")]
    assert len(lines) == 2 and all("#" in line for line in lines)  # each with its source


def test_the_packs_are_distinct() -> None:
    default, ontario = load_policy(DEFAULT), load_policy(ONTARIO)
    assert default.pack.id != ontario.pack.id
    assert not set(default.codes) & set(ontario.codes)
    assert default.calendar.timezone != ontario.calendar.timezone


def test_an_ontario_building_order_runs_its_own_20_day_appeal_clock() -> None:
    ontario = load_policy(ONTARIO)
    assert ontario.notice_types["building_order"].appeal_window_days == 20
    assert ontario.notice_types["property_standards_order"].appeal_window_days is None
    assert ontario.process.appeal_window_days == 14
