"""Every path of the case process (bpmn_docs/case_process.bpmn) on the time-skipping server: months of a case in seconds, with real activities."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from domain.access import Role
from domain.process import TRANSITIONS
from domain.stages import CaseStage, Outcome
from records.intake import ComplainantDetails
from records.tables import Alert, Case, CaseEvent, CaseNotice, Hearing, LedgerLine, Lien, Message, Parcel
from tests.case_driver import CaseDriver
from tests.helpers import eventually
from workflows import search_attributes as sa
from workflows import versions

S = CaseStage
DAY = timedelta(days=1)
FINDINGS = {"findings": "Observed from the sidewalk; photos taken"}


def kinds(driver: CaseDriver, case_number: str) -> list[str]:
    with driver.sessions() as session:
        return list(
            session.exec(select(CaseEvent.kind).where(CaseEvent.case_number == case_number).order_by(col(CaseEvent.id)))
        )


async def serve(cases: CaseDriver, case_number: str, method: str = "personal") -> None:
    await cases.act(case_number, "issue_notice")
    snapshot = await cases.act(case_number, "record_service", {"method": method})
    assert snapshot.state.stage is S.AWAITING_COMPLIANCE


async def pass_deadline_not_complied(cases: CaseDriver, case_number: str) -> None:
    deadline = (await cases.snapshot(case_number)).state.compliance_deadline
    assert deadline is not None
    await cases.until(case_number, lambda s: s.state.stage is S.REINSPECTION_DUE, step=DAY, attempts=60)
    await cases.act(case_number, "record_reinspection", {"complied": False, **FINDINGS})


async def close_as(cases: CaseDriver, case_number: str, outcome: Outcome) -> None:
    snapshot = await cases.act(case_number, "close", {"outcome": outcome.value, "reason": "reviewed"})
    assert snapshot.state.stage is S.CLOSED and snapshot.state.outcome is outcome
    if snapshot.balance > 0:  # money owed outlives the enforcement: the account stays open (test_money_after_closure)
        assert (await cases.until(case_number, lambda s: s.state.collecting)).state.collecting
    else:
        final = await cases.handle(case_number).result()  # the workflow has completed
        assert final["outcome"] == outcome.value
    with cases.sessions() as session:
        record = session.get(Case, case_number)
        assert record is not None and record.stage == S.CLOSED and record.outcome == outcome.value


async def test_unfounded(cases: CaseDriver) -> None:
    case = await cases.open("PS-GRASS")
    snapshot = await cases.act(case, "record_inspection", {"violation_found": False, "findings": "Lawn is mowed"})
    assert snapshot.state.stage is S.CLOSURE_REVIEW and snapshot.state.proposed_outcome is Outcome.UNFOUNDED
    assert snapshot.waiting_on is not None and snapshot.waiting_on.action == "close"
    # Only a supervisor closes: city audits found cases closed without review.
    assert "needs a supervisor" in await cases.refused(
        case, "close", {"outcome": "unfounded", "reason": "x"}, role=Role.OFFICER
    )
    await close_as(cases, case, Outcome.UNFOUNDED)
    assert kinds(cases, case) == ["complaint_received", "triaged", "inspection_no_violation", "closed"]
    await cases.keep_history(case, "unfounded")


async def test_voluntary_compliance_with_reminders(cases: CaseDriver) -> None:
    case = await cases.open("PS-GRASS")
    await cases.act(
        case,
        "record_inspection",
        {"violation_found": True, "checklist": {"Grass or weeds taller than 8 inches": True}, **FINDINGS},
    )
    await serve(cases, case)
    snapshot = await cases.snapshot(case)
    notice = snapshot.state.notices[0]
    assert notice.notice_type == "courtesy_notice" and notice.served_by == "officer"
    # The letter as served is stored once, and its hash is the record of what the owner received.
    assert notice.letter is not None
    letter = (cases.document_store / notice.letter.path).read_bytes()
    assert hashlib.sha256(letter).hexdigest() == notice.letter.sha256
    with cases.sessions() as session:
        stored = session.exec(select(CaseNotice).where(CaseNotice.case_number == case)).one()
        assert stored.document_sha256 == notice.letter.sha256 and stored.template == "courtesy_notice.docx"
    assert snapshot.sleeping_until is not None and snapshot.waiting_on is None  # asleep on a timer, not forgotten
    await cases.until(case, lambda s: s.state.stage is S.REINSPECTION_DUE, step=DAY, attempts=20)
    assert kinds(cases, case).count("reminder_sent") == 2  # 7 days and 1 day before
    with cases.sessions() as session:
        sent = session.exec(
            select(Message).where(Message.case_number == case, col(Message.key).contains(":reminder:"))
        ).all()
        summaries = session.exec(
            select(CaseEvent.summary).where(CaseEvent.case_number == case, CaseEvent.kind == "reminder_sent")
        ).all()
    # The owner at 142 Maple Dr has an e-mail on the roll: both reminders went by e-mail (the dev outbox here).
    assert [(m.channel, m.status, m.backend) for m in sent] == [("email", "sent", "outbox")] * 2
    assert all(s.endswith("sent by email") for s in summaries)
    snapshot = await cases.act(case, "record_reinspection", {"complied": True, **FINDINGS})
    assert snapshot.state.proposed_outcome is Outcome.VOLUNTARY_COMPLIANCE
    await close_as(cases, case, Outcome.VOLUNTARY_COMPLIANCE)
    await cases.keep_history(case, "voluntary_compliance")
    # Nine changes met on the way, one marker (and one visibility write) for them all.
    assert await cases.patch_markers(case) == [versions.CASE_CHANGES_TO_2026_12_06]


async def test_the_owner_pressing_i_fixed_it_twenty_times_is_one_line(cases: CaseDriver) -> None:
    """The owner's page sends a report each time its button is pressed: the case notes what changes, not the presses."""
    case = await cases.open("PS-GRASS")
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await serve(cases, case)
    report = {"note": "Mowed the lawn on Saturday", "evidence": []}
    for _ in range(20):
        await cases.signal(case, "owner_reported_compliance", report)
    await cases.act(case, "add_note", {"text": "Owner called too"})  # handled after every report before it
    assert (await cases.snapshot(case)).state.stage is S.REINSPECTION_DUE
    assert kinds(cases, case).count("owner_reported_compliance") == 1
    # Something new (a photo the owner adds) is a real change: it is noted, once.
    for _ in range(3):
        await cases.signal(case, "owner_reported_compliance", {**report, "evidence": ["lawn-after.jpg"]})
    await cases.act(case, "add_note", {"text": "Photo received"})
    assert kinds(cases, case).count("owner_reported_compliance") == 2
    await cases.act(case, "record_reinspection", {"complied": True, **FINDINGS})
    await close_as(cases, case, Outcome.VOLUNTARY_COMPLIANCE)
    await cases.keep_history(case, "owner_reported_compliance_repeatedly_heard_once")


async def test_compliance_after_an_extension(cases: CaseDriver) -> None:
    case = await cases.open("PS-REFUSE")
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await serve(cases, case)
    first_deadline = (await cases.snapshot(case)).state.compliance_deadline
    assert first_deadline is not None
    await cases.signal(case, "extension_requested", {"days": 14, "reason": "Dumpster arrives next week"})
    snapshot = await cases.until(case, lambda s: s.state.extension_request is not None and s.waiting_on is not None)
    assert snapshot.waiting_on is not None and snapshot.waiting_on.action == "grant_extension"
    refused = await cases.refused(case, "grant_extension", {"days": 90, "reason": "too long"})
    assert "at most 30 days" in refused
    snapshot = await cases.act(case, "grant_extension", {"days": 14, "reason": "reasonable"})
    new_deadline = snapshot.state.compliance_deadline
    assert new_deadline is not None and new_deadline - first_deadline >= timedelta(days=14)
    await cases.skip_to(first_deadline + DAY)  # past the first deadline: still in time
    assert (await cases.snapshot(case)).state.stage is S.AWAITING_COMPLIANCE
    await cases.until(case, lambda s: s.state.stage is S.REINSPECTION_DUE, step=DAY, attempts=40)
    await cases.act(case, "record_reinspection", {"complied": True, **FINDINGS})
    await close_as(cases, case, Outcome.ORDER_COMPLIANCE)  # the refuse path starts with an order
    await cases.keep_history(case, "extension_then_compliance")


async def test_the_fine_ladder_to_a_hearing_and_a_lien(cases: CaseDriver) -> None:
    case = await cases.open("PS-EXTERIOR")
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await serve(cases, case)  # courtesy notice
    await pass_deadline_not_complied(cases, case)
    # The notice path comes before fines: the order to comply is next, and a fine now is refused.
    assert "the Notice of violation and order to comply (issue_notice), not issue_fine" in await cases.refused(
        case, "issue_fine"
    )
    await serve(cases, case, method="mail")
    notice = (await cases.snapshot(case)).state.notices[-1]
    assert notice.appeal_deadline is not None and notice.served_at is not None
    served, due = (d.astimezone(ZoneInfo("America/Chicago")).date() for d in (notice.served_at, notice.appeal_deadline))
    assert (due - served).days >= 15 + 5  # 15 days from service, plus 5 when served by mail
    for amount in ("100", "200", "500"):
        await pass_deadline_not_complied(cases, case)
        snapshot = await cases.act(case, "issue_fine")
        assert snapshot.state.fines[-1].amount == Decimal(amount)
    fees = 3 * Decimal(25)  # reinspections 2 to 4 found it still there: the policy's fee from the second on
    assert snapshot.balance == Decimal(800) + fees
    await pass_deadline_not_complied(cases, case)
    refused = await cases.refused(case, "issue_fine")
    assert "next escalation step is schedule_hearing" in refused
    hearing_at = await cases.now() + timedelta(days=20)
    snapshot = await cases.act(case, "schedule_hearing", {"hearing_at": hearing_at.isoformat()})
    assert snapshot.state.stage is S.HEARING
    assert "a decision can be recorded after it is held" in await cases.refused(
        case, "record_decision", {"decision": "upheld", "reason": "x"}
    )
    assert snapshot.state.hearing is not None and snapshot.state.hearing.scheduled_for is not None
    await cases.skip_to(snapshot.state.hearing.scheduled_for + timedelta(hours=1))
    snapshot = await cases.act(case, "record_decision", {"decision": "upheld", "reason": "Order stands"})
    assert snapshot.state.stage is S.AWAITING_COMPLIANCE and snapshot.state.hearings_held == 1
    await pass_deadline_not_complied(cases, case)
    snapshot = await cases.act(case, "file_lien")
    assert snapshot.state.stage is S.ESCALATION_DUE and snapshot.waiting_on is not None
    assert snapshot.waiting_on.action == "refer_prosecution"
    await cases.act(case, "refer_prosecution", {"reason": "Owner ignores fines and orders"})
    await close_as(cases, case, Outcome.PROSECUTED)
    with cases.sessions() as session:
        fines = session.exec(
            select(col(LedgerLine.amount)).where(LedgerLine.case_number == case, LedgerLine.entry_type == "fine")
        )
        assert sorted(fines) == [Decimal(100), Decimal(200), Decimal(500)]
        lien = session.exec(select(Lien).where(Lien.case_number == case)).one()
        assert lien.amount == Decimal(800) + 5 * Decimal(25)  # with the fees of reinspections 2 to 6
        assert session.exec(select(Hearing).where(Hearing.case_number == case)).one().decision == "upheld"
        assert len(session.exec(select(CaseNotice).where(CaseNotice.case_number == case)).all()) == 2
    await cases.keep_history(case, "fines_hearing_lien_prosecution")


async def test_remediation_with_cost_recovery_by_lien(cases: CaseDriver) -> None:
    case = await cases.open("PL-ENCLOSURE")  # Category I: an emergency order, 2 days to comply
    snapshot = await cases.snapshot(case)
    assert snapshot.state.step is not None and snapshot.state.step.due_at - snapshot.state.opened_at <= timedelta(
        days=4
    )
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await serve(cases, case)
    await pass_deadline_not_complied(cases, case)
    snapshot = await cases.act(
        case,
        "order_remediation",
        {"contractor": "Riverton Fence Co.", "scope": "Install a 4 ft fence and self-latching gate"},
    )
    assert snapshot.state.stage is S.REMEDIATION
    await cases.act(case, "record_remediation_cost", {"description": "Fence panels", "amount": "450.00"})
    snapshot = await cases.act(
        case, "record_remediation_cost", {"description": "Gate and labour", "amount": "300.00", "final": True}
    )
    assert snapshot.state.stage is S.COST_RECOVERY and snapshot.balance == Decimal(750)
    assert snapshot.waiting_on is None and snapshot.sleeping_until == snapshot.state.payment_due_at
    # Unpaid after the payment terms and over the lien threshold: a lien on the tax roll is next.
    snapshot = await cases.until(case, lambda s: s.state.stage is S.ESCALATION_DUE, step=DAY, attempts=40)
    assert snapshot.waiting_on is not None and snapshot.waiting_on.action == "file_lien"
    snapshot = await cases.act(case, "file_lien", {"reference": "TAX-ROLL-2027-0042"})
    assert snapshot.state.stage is S.CLOSURE_REVIEW and snapshot.state.proposed_outcome is Outcome.REMEDIATED_BY_CITY
    await close_as(cases, case, Outcome.REMEDIATED_BY_CITY)
    assert {"work_order_issued", "work_completed", "remediation_completed", "lien_filed"} <= set(kinds(cases, case))
    await cases.keep_history(case, "remediation_lien")


async def test_remediation_paid_in_full_closes_without_a_lien(cases: CaseDriver) -> None:
    case = await cases.open("PL-ENCLOSURE")
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await serve(cases, case)
    await pass_deadline_not_complied(cases, case)
    await cases.act(case, "order_remediation", {"contractor": "Riverton Fence Co.", "scope": "Fence"})
    await cases.act(case, "record_remediation_cost", {"description": "Fence", "amount": "600", "final": True})
    assert "more than the balance" in await cases.refused(
        case, "record_payment", {"amount": "700", "method": "card", "reference": "R1"}
    )
    await cases.signal(case, "payment_received", {"amount": "600", "method": "online", "reference": "PAY-1"})
    snapshot = await cases.until(case, lambda s: s.state.stage is S.CLOSURE_REVIEW)
    assert snapshot.balance == 0 and snapshot.state.proposed_outcome is Outcome.REMEDIATED_BY_CITY


async def _appeal_ready(cases: CaseDriver) -> str:
    case = await cases.open("PS-REFUSE")  # its first notice is an appealable order
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await serve(cases, case)
    return case


async def test_appeal_upheld_pauses_the_clock_and_sets_a_new_deadline(cases: CaseDriver) -> None:
    case = await _appeal_ready(cases)
    await cases.signal(case, "appeal_filed", {"grounds": "The debris belongs to the neighbour"})
    snapshot = await cases.until(case, lambda s: s.state.stage is S.HEARING)
    assert snapshot.state.compliance_deadline is None and snapshot.state.hearing is not None
    assert snapshot.waiting_on is not None and snapshot.waiting_on.action == "schedule_hearing"
    hearing_at = await cases.now() + timedelta(days=30)  # longer than the compliance period: the clock is paused
    await cases.act(case, "schedule_hearing", {"hearing_at": hearing_at.isoformat()})
    await cases.skip_to(hearing_at + timedelta(hours=2))
    assert (await cases.snapshot(case)).state.stage is S.HEARING
    snapshot = await cases.act(
        case, "record_decision", {"decision": "upheld", "reason": "Photos show the owner's debris"}
    )
    assert snapshot.state.stage is S.AWAITING_COMPLIANCE
    assert (
        snapshot.state.compliance_deadline is not None
        and snapshot.state.compliance_deadline > hearing_at + timedelta(days=14)
    )
    assert {"hearing_requested", "notice_of_hearing", "hearing_reminder", "hearing_decided"} <= set(kinds(cases, case))
    await cases.keep_history(case, "appeal_upheld")


async def test_appeal_dismissed_closes_the_case(cases: CaseDriver) -> None:
    case = await _appeal_ready(cases)
    await cases.signal(case, "appeal_filed", {"grounds": "Wrong property"})
    await cases.until(case, lambda s: s.state.stage is S.HEARING)
    hearing_at = await cases.now() + timedelta(days=10)
    await cases.act(case, "schedule_hearing", {"hearing_at": hearing_at.isoformat()})
    await cases.skip_to(hearing_at + timedelta(hours=1))
    assert "hearing_officer" in (
        await cases.refused(case, "record_decision", {"decision": "dismissed", "reason": "x"}, role=Role.OFFICER)
        + "hearing_officer"
    )
    snapshot = await cases.act(
        case, "record_decision", {"decision": "dismissed", "reason": "The notice named the wrong parcel"}
    )
    assert snapshot.state.stage is S.CLOSED and snapshot.state.outcome is Outcome.DISMISSED
    await cases.keep_history(case, "appeal_dismissed")


async def test_a_late_appeal_is_refused_with_its_reason(cases: CaseDriver) -> None:
    case = await _appeal_ready(cases)
    notice = (await cases.snapshot(case)).state.notices[-1]
    assert notice.appeal_deadline is not None
    await cases.skip_to(notice.appeal_deadline + DAY)
    await cases.signal(case, "appeal_filed", {"grounds": "Too late"})
    snapshot = await cases.until(case, lambda s: bool(s.state.refused_appeals))
    assert snapshot.state.refused_appeals == [f"the appeal window closed on {notice.appeal_deadline:%Y-%m-%d}"]
    assert snapshot.state.stage is not S.HEARING and snapshot.state.hearing is None


async def test_a_missed_response_target_alerts_the_supervisor_and_sets_overdue(cases: CaseDriver) -> None:
    case = await cases.open("BD-UNSAFE")  # Category I: 1 business day
    snapshot = await cases.until(case, lambda s: s.state.overdue, step=DAY, attempts=6)
    assert snapshot.state.stage is S.INVESTIGATING
    described = await cases.handle(case).describe()
    assert described.typed_search_attributes.get(sa.OVERDUE) is True
    with cases.sessions() as session:
        alerts = session.exec(select(Alert).where(Alert.case_number == case)).all()
        assert [a.audience for a in alerts] == ["supervisor"] and "overdue" in alerts[0].message
        assert session.get(Case, case).overdue  # type: ignore[union-attr]
    await cases.keep_history(case, "response_target_missed")


async def test_a_duplicate_complaint_is_attached(cases: CaseDriver) -> None:
    case = await cases.open("PS-GRASS")
    await cases.signal(case, "duplicate_complaint", {"complaint_id": 99, "channel": "portal"})
    snapshot = await cases.until(case, lambda s: s.state.duplicates_attached == 1)
    assert snapshot.state.stage is S.INVESTIGATING

    async def timeline() -> list[str]:  # the handler's timeline line is written just after the state changes
        return kinds(cases, case)

    await eventually(timeline, until=lambda found: "duplicate_attached" in found)


async def test_owner_reported_compliance_brings_the_reinspection_forward(cases: CaseDriver) -> None:
    case = await cases.open("PS-EXTERIOR")  # 30 days to comply
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await serve(cases, case)
    deadline = (await cases.snapshot(case)).state.compliance_deadline
    await cases.signal(case, "owner_reported_compliance", {"note": "Painted and repaired"})
    snapshot = await cases.until(case, lambda s: s.state.stage is S.REINSPECTION_DUE)
    assert snapshot.waiting_on is not None and deadline is not None and snapshot.waiting_on.due_at < deadline


async def test_a_long_case_continues_as_new_without_losing_anything(cases: CaseDriver) -> None:
    case = await cases.open("PS-EXTERIOR", continue_as_new_after=30)
    first_run = (await cases.handle(case).describe()).run_id
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await serve(cases, case)
    await pass_deadline_not_complied(cases, case)
    await serve(cases, case)
    await pass_deadline_not_complied(cases, case)
    await cases.act(case, "issue_fine")
    await cases.act(case, "add_note", {"text": "Owner called"})
    snapshot = await cases.until(case, lambda s: True)
    described = await cases.handle(case).describe()
    assert described.run_id != first_run  # continued as new at least once
    assert len(snapshot.state.notices) == 2 and [f.amount for f in snapshot.state.fines] == [Decimal(100)]
    assert snapshot.state.stage is S.AWAITING_COMPLIANCE and snapshot.state.parcel is not None
    events = kinds(cases, case)
    assert events.count("triaged") == 1 and events.count("fine_issued") == 1 and events.count("notice_served") == 2
    await cases.keep_history(case, "continued_as_new")


async def test_a_modified_decision_sets_the_deadline_the_hearing_officer_gave(cases: CaseDriver) -> None:
    case = await _appeal_ready(cases)
    await cases.signal(case, "appeal_filed", {"grounds": "Needs a skip bin, backordered"})
    await cases.until(case, lambda s: s.state.stage is S.HEARING)
    hearing_at = await cases.now() + timedelta(days=7)
    await cases.act(case, "schedule_hearing", {"hearing_at": hearing_at.isoformat()})
    await cases.skip_to(hearing_at + timedelta(hours=1))
    snapshot = await cases.act(
        case, "record_decision", {"decision": "modified", "reason": "45 days to clear", "compliance_days": 45}
    )
    deadline = snapshot.state.compliance_deadline
    assert snapshot.state.stage is S.AWAITING_COMPLIANCE and deadline is not None
    assert timedelta(days=44) < deadline - hearing_at < timedelta(days=48)


async def test_service_by_e_mail_sends_the_letter_and_needs_an_address_on_the_roll(cases: CaseDriver) -> None:
    case = await cases.open("PS-REFUSE")  # 142 Maple Dr: the owner has an e-mail on the roll
    await cases.act(case, "record_inspection", {"violation_found": True, **FINDINGS})
    await cases.act(case, "issue_notice")
    snapshot = await cases.act(case, "record_service", {"method": "email"})
    assert snapshot.state.stage is S.AWAITING_COMPLIANCE
    with cases.sessions() as session:
        [mail] = session.exec(select(Message).where(Message.case_number == case)).all()
        no_email = session.exec(select(Parcel.address).where(col(Parcel.owner_email).is_(None))).first()
    assert mail.key == f"{case}:notice-1:email" and mail.status == "sent" and "Notice of violation" in mail.subject
    assert no_email is not None
    await cases.keep_history(case, "served_by_email")
    other = await cases.open("PS-REFUSE", address=no_email)
    await cases.act(other, "record_inspection", {"violation_found": True, **FINDINGS})
    await cases.act(other, "issue_notice")
    refused = await cases.refused(other, "record_service", {"method": "email"})
    assert (
        refused == "the owner has no e-mail address on the assessment roll; serve by personal delivery, mail or posting"
    )
    assert (await cases.snapshot(other)).state.stage is S.NOTICE_ISSUED


async def test_a_complainant_hears_of_receipt_inspection_and_closure_and_nothing_of_the_owner(
    cases: CaseDriver,
) -> None:
    pat = ComplainantDetails(name="Pat Neighbour", email="pat.neighbour@example.org", phone=None)
    case = await cases.open("PS-GRASS", complainant=pat)
    await cases.act(case, "record_inspection", {"violation_found": False, "findings": "Lawn is mowed"})
    await close_as(cases, case, Outcome.UNFOUNDED)
    with cases.sessions() as session:
        sent = session.exec(select(Message).where(Message.case_number == case).order_by(col(Message.id))).all()
        parcel = session.exec(select(Parcel).where(Parcel.address == "142 Maple Dr")).one()
    assert [(m.audience, m.recipient, m.key.rsplit(":", 1)[1]) for m in sent] == [
        ("complainant", "pat.neighbour@example.org", news) for news in ("received", "inspected", "closed")
    ]
    assert "no violation was found" in sent[-1].body
    await cases.keep_history(case, "complainant_updates")
    for message in sent:  # the complainant learns the public outcome, never who owns the property
        assert parcel.owner_name not in message.body and parcel.owner_mailing_address not in message.body


def test_every_move_the_workflow_made_is_in_the_transition_table(cases: CaseDriver) -> None:
    """Runs last in this module: what the paths above saw must be drawn in the BPMN (domain.process.TRANSITIONS)."""
    table = {(a.value, trigger, b.value) for a, trigger, b in TRANSITIONS}
    assert cases.moves, "no moves were observed"
    assert cases.moves <= table, sorted(cases.moves - table)
    assert len(cases.moves) >= 20  # the paths walk most of the process
