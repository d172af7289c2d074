"""The case's rules as pure functions, with the policy packs' real numbers and no Temporal: the clocks a served
notice starts, the ladder's next rung and what it costs, the lien threshold, who is alerted when a step is
overdue, back-filled inspections, and the owner's reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from config.settings import CONFIG_DIR
from domain.case import CaseState, CostRecord, FineRecord, HearingRef, NoticeRecord, OfficerRef, PaymentRecord
from domain.ladder import (
    AfterPaymentTerm,
    after_payment_term,
    climbs_ladder,
    fine_amount,
    next_escalation,
    step_after_noncompliance,
)
from domain.policy import EscalationStep, Policy, load_policy
from domain.process import late_entry_note, officer_audience, overdue_audience, owner_reminders_pending
from domain.reports import Figure
from domain.service_clocks import service_clocks
from domain.stages import CaseStage, HearingKind, ServiceMethod

S = CaseStage
NOW = datetime(2026, 6, 1, 15, tzinfo=UTC)
PACKS = {
    "default": load_policy(CONFIG_DIR / "policy.toml"),
    "ontario": load_policy(CONFIG_DIR / "policies" / "ontario.toml"),
}


def state_of(pack: str, code: str, stage: CaseStage = S.ESCALATION_DUE, **fields: object) -> CaseState:
    policy: Policy = PACKS[pack]
    snapshot = policy.for_case(code)
    assert snapshot is not None
    return CaseState(case_number="CE-2026-000001", stage=stage, policy=snapshot, opened_at=NOW, **fields)


def notices(pack: str, code: str, count: int) -> list[NoticeRecord]:
    path = PACKS[pack].for_case(code).violation.notice_path  # type: ignore[union-attr]
    return [NoticeRecord(seq=i + 1, notice_type=path[i], title=path[i], issued_at=NOW) for i in range(count)]


# --- Service: the compliance period and the appeal window -------------------------------------------------


@pytest.mark.parametrize(
    ("pack", "code", "notice", "method", "appeal_days", "compliance_days"),
    [
        # Default pack: appeal 15 days (East Dubuque, Casa Grande), +5 by mail (Redlands); grass 10 days to comply.
        ("default", "PS-GRASS", "notice_of_violation", ServiceMethod.PERSONAL, 15, 10),
        ("default", "PS-GRASS", "notice_of_violation", ServiceMethod.MAIL, 20, 15),
        ("default", "PS-GRASS", "notice_of_violation", ServiceMethod.POSTING, 15, 10),
        # A courtesy notice cannot be appealed; the compliance clock runs all the same.
        ("default", "PS-GRASS", "courtesy_notice", ServiceMethod.EMAIL, None, 10),
        ("default", "PS-EXTERIOR", "notice_of_violation", ServiceMethod.MAIL, 20, 35),
        # Ontario: 14 days to the Property Standards Committee (BCA s.15.3(1)), mail deemed served on day 5.
        ("ontario", "ON-PS-EXTERIOR", "property_standards_order", ServiceMethod.PERSONAL, 14, 30),
        ("ontario", "ON-PS-EXTERIOR", "property_standards_order", ServiceMethod.MAIL, 19, 35),
        # A Building Code Act order runs its own 20-day appeal clock (s.25(1)), not the committee's 14.
        ("ontario", "ON-ZN-ARU", "building_order", ServiceMethod.PERSONAL, 20, 60),
        ("ontario", "ON-ZN-ARU", "building_order", ServiceMethod.MAIL, 25, 65),
        # A Part I ticket is not appealed to the Town.
        ("ontario", "ON-ZN-ARU", "set_fine_ticket", ServiceMethod.PERSONAL, None, 60),
    ],
)
def test_service_starts_the_compliance_and_appeal_clocks(
    pack: str, code: str, notice: str, method: ServiceMethod, appeal_days: int | None, compliance_days: int
) -> None:
    policy = PACKS[pack].for_case(code)
    assert policy is not None
    clocks = service_clocks(policy, notice, method)
    assert (clocks.appeal_days, clocks.compliance_days) == (appeal_days, compliance_days)


# --- The ladder -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pack", "code", "taken", "fines", "rung", "action", "amount"),
    [
        # Grass: fine, fine, fine, remediation, lien; California's $100 / $200 / $500.
        ("default", "PS-GRASS", 0, 0, EscalationStep.FINE, "issue_fine", Decimal(100)),
        ("default", "PS-GRASS", 1, 1, EscalationStep.FINE, "issue_fine", Decimal(200)),
        ("default", "PS-GRASS", 2, 2, EscalationStep.FINE, "issue_fine", Decimal(500)),
        ("default", "PS-GRASS", 3, 3, EscalationStep.REMEDIATION, "order_remediation", Decimal(500)),
        ("default", "PS-GRASS", 4, 3, EscalationStep.LIEN, "file_lien", Decimal(500)),
        ("default", "PS-GRASS", 5, 3, None, "refer_prosecution", Decimal(500)),
        # Unsafe building (Sutter County's $100 / $500 / $1,000): a hearing comes first.
        ("default", "BD-UNSAFE", 0, 0, EscalationStep.HEARING, "schedule_hearing", Decimal(100)),
        ("default", "BD-UNSAFE", 3, 0, EscalationStep.PROSECUTION, "refer_prosecution", Decimal(100)),
        # Ontario zoning: a second ticket ($300 then $500), then a Part III prosecution.
        ("ontario", "ON-ZN-USE", 0, 1, EscalationStep.FINE, "issue_fine", Decimal(500)),
        ("ontario", "ON-ZN-USE", 1, 2, EscalationStep.PROSECUTION, "refer_prosecution", Decimal(500)),
    ],
)
def test_the_ladder_names_the_next_rung_and_what_it_costs(
    pack: str, code: str, taken: int, fines: int, rung: EscalationStep | None, action: str, amount: Decimal
) -> None:
    path_length = len(PACKS[pack].for_case(code).violation.notice_path)  # type: ignore[union-attr]
    levied = [FineRecord(seq=i + 1, amount=Decimal(1), issued_at=NOW, due_at=NOW) for i in range(fines)]
    state = state_of(pack, code, escalations_taken=taken, fines=levied, notices=notices(pack, code, path_length))
    assert next_escalation(state) is rung
    assert step_after_noncompliance(state).action == action
    assert fine_amount(state) == amount
    assert fine_amount(state, Decimal(75)) == Decimal(75)  # staff may set the amount (the rules cap it)
    # Only the rung's own action climbs the ladder, and only while the case is due for escalation.
    assert climbs_ladder(action, state) is (rung is not None)
    assert not climbs_ladder("add_note", state)
    assert not climbs_ladder(action, state.model_copy(update={"stage": S.HEARING}))


def test_notices_on_the_path_come_before_any_rung() -> None:
    state = state_of("default", "PS-GRASS", notices=notices("default", "PS-GRASS", 1))
    step = step_after_noncompliance(state)
    assert (step.action, step.role) == ("issue_notice", "officer")
    assert "Notice of violation" in step.description or "notice" in step.description.lower()
    assert not climbs_ladder("issue_fine", state)


# --- The lien threshold -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pack", "code", "cost", "paid", "expected"),
    [
        ("default", "PS-GRASS", Decimal(800), Decimal(800), AfterPaymentTerm.PAID),
        ("default", "PS-GRASS", Decimal(800), Decimal(0), AfterPaymentTerm.LIEN),
        ("default", "PS-GRASS", Decimal(500), Decimal(0), AfterPaymentTerm.LIEN),  # $500 or more (the pack)
        ("default", "PS-GRASS", Decimal("499.99"), Decimal(0), AfterPaymentTerm.BELOW_THRESHOLD),
        ("default", "PS-GRASS", Decimal(900), Decimal(450), AfterPaymentTerm.BELOW_THRESHOLD),
        ("ontario", "ON-PS-GRASS", Decimal(1), Decimal(0), AfterPaymentTerm.LIEN),  # Ontario: no minimum (MA s.446(3))
    ],
)
def test_an_unpaid_abatement_bill_becomes_a_lien_at_the_threshold(
    pack: str, code: str, cost: Decimal, paid: Decimal, expected: AfterPaymentTerm
) -> None:
    ladder = PACKS[pack].for_case(code).violation.escalation  # type: ignore[union-attr]
    state = state_of(
        pack,
        code,
        S.COST_RECOVERY,
        escalations_taken=ladder.index(EscalationStep.REMEDIATION) + 1,
        costs=[CostRecord(description="mowing", amount=cost, recorded_at=NOW)],
        payments=[PaymentRecord(amount=paid, method="cheque", reference="1", received_at=NOW)] if paid else [],
    )
    assert after_payment_term(state) is expected


def test_no_lien_where_the_ladder_has_none_next() -> None:
    state = state_of(
        "default",
        "PS-GRASS",
        S.COST_RECOVERY,
        costs=[CostRecord(description="x", amount=Decimal(900), recorded_at=NOW)],
    )
    assert after_payment_term(state) is AfterPaymentTerm.BELOW_THRESHOLD  # the ladder's next rung is a fine


# --- Who hears of an overdue step -------------------------------------------------------------------------------

OFFICER = OfficerRef(id=3, badge="B-103", name="Dana Whitfield")


@pytest.mark.parametrize(
    ("stage", "officer", "audience"),
    [
        (S.INVESTIGATING, OFFICER, "supervisor"),  # a missed response target is the supervisor's to answer for
        (S.VIOLATION_FOUND, OFFICER, "B-103"),
        (S.NOTICE_ISSUED, OFFICER, "B-103"),
        (S.REINSPECTION_DUE, OFFICER, "B-103"),
        (S.ESCALATION_DUE, OFFICER, "B-103"),
        (S.ESCALATION_DUE, None, "supervisor"),  # no officer covers the zone
    ],
)
def test_who_is_alerted_when_a_step_is_overdue(stage: CaseStage, officer: OfficerRef | None, audience: str) -> None:
    state = state_of("default", "PS-GRASS", stage, officer=officer)
    assert overdue_audience(state) == audience
    assert officer_audience(state) == (officer.badge if officer else "supervisor")


# --- Back-filled inspections ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entered_after", "note"),
    [
        (None, ""),
        (timedelta(hours=3), ""),
        (timedelta(days=2), ""),
        (timedelta(days=2, minutes=1), " (entered 2 days after the inspection on 2026-05-30)"),
        (timedelta(days=170), " (entered 170 days after the inspection on 2025-12-13)"),
    ],
)
def test_an_inspection_entered_late_says_so(entered_after: timedelta | None, note: str) -> None:
    inspected_at = NOW - entered_after if entered_after is not None else None
    assert late_entry_note(inspected_at, NOW) == note


# --- The owner's reminders ---------------------------------------------------------------------------------------


def test_reminders_fall_at_the_packs_offsets_before_each_deadline() -> None:
    deadline = NOW + timedelta(days=10)
    fine_due = NOW + timedelta(days=30)
    hearing_at = NOW + timedelta(days=20)
    state = state_of(
        "default",
        "PS-GRASS",
        S.AWAITING_COMPLIANCE,
        compliance_deadline=deadline,
        deadline_set_at=NOW,
        fines=[FineRecord(seq=1, amount=Decimal(100), issued_at=NOW, due_at=fine_due)],
        hearing=HearingRef(
            workflow_id="h",
            kind=HearingKind.APPEAL,
            requested_at=NOW,
            schedule_due_at=NOW,
            scheduled_for=hearing_at,
            scheduled_at=NOW,
            location="Room B",
        ),
    )
    every = {(r.key, r.at) for r in owner_reminders_pending(state, every_deadline=True, wall_clock=True)}
    assert every == {
        (f"{deadline.isoformat()}-7", deadline - timedelta(days=7)),
        (f"{deadline.isoformat()}-1", deadline - timedelta(days=1)),
        ("fine-1-7", fine_due - timedelta(days=7)),
        ("fine-1-1", fine_due - timedelta(days=1)),
        (f"hearing-{hearing_at.isoformat()}-7", hearing_at - timedelta(days=7)),
        (f"hearing-{hearing_at.isoformat()}-1", hearing_at - timedelta(days=1)),
    }
    # Cases started before reminders of every deadline remind of compliance only.
    assert {r.key for r in owner_reminders_pending(state, every_deadline=False, wall_clock=True)} == {
        f"{deadline.isoformat()}-7",
        f"{deadline.isoformat()}-1",
    }
    # A reminder sent is not due again; one that would fall before its deadline was set is skipped, not sent late.
    sent = state.model_copy(
        update={"reminders_sent": [f"{deadline.isoformat()}-7"], "deadline_set_at": deadline - timedelta(days=3)}
    )
    assert {r.key for r in owner_reminders_pending(sent, every_deadline=False, wall_clock=True)} == {
        f"{deadline.isoformat()}-1"
    }
    # A paid fine needs no reminder.
    paid = state.model_copy(
        update={"payments": [PaymentRecord(amount=Decimal(100), method="card", reference="r", received_at=NOW)]}
    )
    assert not any(
        r.key.startswith("fine-") for r in owner_reminders_pending(paid, every_deadline=True, wall_clock=True)
    )


def test_a_reminder_comes_at_the_deadlines_time_of_day_across_a_change_of_the_clocks() -> None:
    # Riverton's clocks went forward on 8 March 2026: a deadline at 17:00 on the 10th is reminded of at 17:00 on the
    # 3rd and the 9th, local time; counted in elapsed 24-hour days (cases started before that) the first came at 16:00.
    deadline = datetime(2026, 3, 10, 17, tzinfo=ZoneInfo("America/Chicago")).astimezone(UTC)  # as the state keeps it
    set_at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    state = state_of("default", "PS-GRASS", S.AWAITING_COMPLIANCE, compliance_deadline=deadline, deadline_set_at=set_at)
    local = {
        (r.at.astimezone(ZoneInfo("America/Chicago")).strftime("%d %H:%M"), r.days)
        for r in owner_reminders_pending(state, every_deadline=True, wall_clock=True)
    }
    assert local == {("03 17:00", 7), ("09 17:00", 1)}
    elapsed = {r.at for r in owner_reminders_pending(state, every_deadline=True, wall_clock=False)}
    assert elapsed == {deadline - timedelta(days=7), deadline - timedelta(days=1)}
    assert datetime(2026, 3, 3, 16, tzinfo=ZoneInfo("America/Chicago")) in elapsed


def test_ontario_reminds_at_its_own_offsets() -> None:
    offsets = PACKS["ontario"].process.reminder_offsets_days
    deadline = NOW + timedelta(days=30)
    state = state_of(
        "ontario", "ON-PS-EXTERIOR", S.AWAITING_COMPLIANCE, compliance_deadline=deadline, deadline_set_at=NOW
    )
    assert sorted(r.at for r in owner_reminders_pending(state, every_deadline=True, wall_clock=True)) == sorted(
        deadline - timedelta(days=d) for d in offsets
    )


def test_a_figures_change_says_which_direction_is_good() -> None:
    open_cases = Figure(
        "Open cases", "cases not yet closed, now", 21, 0, "at the end of November", higher_is_better=False
    )
    assert open_cases.verdict == "up 21, worse" and open_cases.better is False  # was "(▲ 21)" in red, unexplained
    inspections = Figure("Inspections today", "made today", 4, 2.5, "a day on average in November")
    assert inspections.verdict == "up 1.5, better" and inspections.better is True
    rate = Figure("Order compliance rate", "share", 50.0, 75.0, "in November", "%")
    assert rate.verdict == "down 25%, worse"
    assert Figure("Open cases", "now", 3, 3, "before").verdict == "no change"
    assert (
        Figure("Average days", "closed", None, 4.0, "before", why_none_now="no case closed in December yet").verdict
        == ""
    )
