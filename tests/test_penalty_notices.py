"""Administrative monetary penalties (issue 15 item 8): in the Ontario pack, sign contraventions get a penalty notice
instead of a Part I ticket (chosen per violation type), disputed by a screening review and then a hearing review,
each within its time limit; a decision's reduction or cancellation is on the ledger. On the time-skipping server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import col, select

from config.settings import CONFIG_DIR
from domain.policy import FineProcedure, PolicyError, load_policy, parse_policy
from records.tables import LedgerLine
from tests.case_driver import CaseDriver
from tests.test_case_paths import FINDINGS, kinds, pass_deadline_not_complied, serve

DAY = timedelta(days=1)
ONTARIO_TEXT = (CONFIG_DIR / "policies" / "ontario.toml").read_text()
ONTARIO = load_policy(CONFIG_DIR / "policies" / "ontario.toml")


@pytest.fixture
def ontario(cases: CaseDriver) -> Iterator[CaseDriver]:
    usual = cases.policy
    cases.policy = ONTARIO
    yield cases
    cases.policy = usual


def test_the_pack_chooses_penalty_notices_or_tickets_per_violation_type() -> None:
    signs, zoning = ONTARIO.for_case("ON-SG-ILLEGAL"), ONTARIO.for_case("ON-ZN-USE")
    assert signs is not None and zoning is not None
    assert (signs.fine_procedure, zoning.fine_procedure) == (FineProcedure.PENALTY_NOTICE, FineProcedure.PART_I_TICKET)
    assert signs.process.hearing_review_request_days == 15
    assert signs.notice("penalty_notice").appeal_window_days == 15  # the screening review's time limit
    # A ticket on the path of a violation type whose fines are penalties is refused, naming the key.
    mixed = ONTARIO_TEXT.replace(
        'notice_path = ["courtesy_notice", "penalty_notice"]', 'notice_path = ["courtesy_notice", "set_fine_ticket"]'
    )
    assert mixed != ONTARIO_TEXT
    with pytest.raises(PolicyError, match=r"notice_path: 'set_fine_ticket' is a part_i_ticket, but ON-SG-ILLEGAL"):
        parse_policy(mixed, source="ontario.toml")


def _adjustments(cases: CaseDriver, case: str) -> list[tuple[Decimal, str]]:
    with cases.sessions() as session:
        rows = session.exec(
            select(col(LedgerLine.amount), col(LedgerLine.description))
            .where(LedgerLine.case_number == case, LedgerLine.entry_type == "fine_adjustment")
            .order_by(col(LedgerLine.id))
        ).all()
    return [(amount, description) for amount, description in rows]


async def _penalised(cases: CaseDriver, address: str) -> str:
    """An illegal sign kept after the courtesy letter: the penalty notice (penalty 1, $300) served."""
    case = await cases.open("ON-SG-ILLEGAL", address)
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await serve(cases, case)  # courtesy letter
    await pass_deadline_not_complied(cases, case)
    await serve(cases, case)  # the penalty notice
    fines = (await cases.snapshot(case)).state.fines
    assert [(f.amount, f.appeal_deadline is not None) for f in fines] == [(Decimal(300), True)]
    return case


async def test_a_screening_review_reduces_a_penalty_and_a_hearing_review_cancels_it(ontario: CaseDriver) -> None:
    cases = ontario
    case = await _penalised(cases, "142 Maple Dr")
    assert "fines are not Part I offence notices" in await cases.refused(
        case, "record_ticket_choice", {"ticket": 1, "choice": "pay"}
    )
    # The owner's appeal is not how a penalty is disputed: refused on the timeline in the rule's words.
    await cases.signal(case, "appeal_filed", {"grounds": "The sign is on my land", "fine": 1})
    refused = await cases.until(case, lambda s: bool(s.state.refused_appeals))
    assert "request_screening_review" in refused.state.refused_appeals[0] and refused.state.hearing is None
    assert "a hearing review follows a screening decision; penalty 1 has none yet" in await cases.refused(
        case, "request_hearing_review", {"penalty": 1, "grounds": "x"}
    )
    assert "no screening review of penalty 1 is waiting for a decision" in await cases.refused(
        case, "record_screening_decision", {"penalty": 1, "decision": "upheld", "reason": "x"}
    )

    asked = await cases.act(case, "request_screening_review", {"penalty": 1, "grounds": "Sign is on private land"})
    assert asked.state.fines[0].under_review
    # Under review, the penalty is not chased: its due date passes with no overdue alert.
    await cases.skip_to(asked.state.fines[0].due_at + DAY)
    assert "fine_overdue" not in kinds(cases, case)
    assert "names the amount it is reduced to (reduced_to)" in await cases.refused(
        case, "record_screening_decision", {"penalty": 1, "decision": "modified", "reason": "x"}
    )
    screened = await cases.act(
        case,
        "record_screening_decision",
        {"penalty": 1, "decision": "modified", "reduced_to": "200", "reason": "First contravention"},
    )
    penalty = screened.state.fines[0]
    assert penalty.amount == Decimal(200) and not penalty.under_review and penalty.due_at > await cases.now()
    assert penalty.dispute is not None and penalty.dispute.last.hearing_review_by is not None

    await cases.act(case, "request_hearing_review", {"penalty": 1, "grounds": "The sign has a permit"})
    assert "no screening review of penalty 1 is waiting for a decision" in await cases.refused(
        case, "record_screening_decision", {"penalty": 1, "decision": "upheld", "reason": "x"}
    )
    heard = await cases.act(
        case, "record_hearing_review_decision", {"penalty": 1, "decision": "dismissed", "reason": "Permit shown"}
    )
    assert heard.state.fines[0].amount == 0
    assert _adjustments(cases, case) == [
        (Decimal(-100), "fine 1 reduced to $200 by the screening review"),
        (Decimal(-200), "fine 1 cancelled by the hearing review"),
    ]
    assert "the hearing officer's decision is final" in await cases.refused(
        case, "request_hearing_review", {"penalty": 1, "grounds": "again"}
    )
    assert {"screening_review_requested", "screening_review_decided", "hearing_review_decided"} <= set(
        kinds(cases, case)
    )
    await cases.keep_history(case, "penalty_screened_then_heard")


async def test_each_review_is_refused_after_its_time_limit(ontario: CaseDriver) -> None:
    cases = ontario
    late = await _penalised(cases, "173 Maple Dr")
    window = (await cases.snapshot(late)).state.fines[0].appeal_deadline
    assert window is not None
    await cases.skip_to(window + DAY)
    assert "the time to request a screening review of penalty 1 ended on" in await cases.refused(
        late, "request_screening_review", {"penalty": 1, "grounds": "Too late"}
    )

    case = await _penalised(cases, "229 Maple Dr")
    await cases.act(case, "request_screening_review", {"penalty": 1, "grounds": "Not my sign"})
    screened = await cases.act(
        case, "record_screening_decision", {"penalty": 1, "decision": "upheld", "reason": "Owner's own sign"}
    )
    dispute = screened.state.fines[0].dispute
    assert dispute is not None and dispute.last.hearing_review_by is not None
    await cases.skip_to(dispute.last.hearing_review_by + DAY)
    refused = await cases.refused(case, "request_hearing_review", {"penalty": 1, "grounds": "Too late"})
    assert "the time to request a hearing review of penalty 1 ended on" in refused
    assert "hearing_review_request_days" in refused
