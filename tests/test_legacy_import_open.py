"""Open legacy cases become live workflows at their step (issue 16), on the time-skipping server: a future comply-by
date is the running deadline (the owner is reminded before it and the case wakes on it), a past one puts the case
at reinspection due and overdue at once; the legacy number is a search attribute; starting again after a crash
starts no case twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, timedelta

from sqlmodel import col, select
from temporalio.client import WorkflowExecutionStatus
from temporalio.common import TypedSearchAttributes

from domain.city import City
from domain.policy import Policy
from domain.stages import CaseStage
from records.db import transaction
from records.legacy_cases import LegacyCaseRecord
from records.tables import Case, CaseEvent, Message
from scripts.make_legacy_export import sample_rows, to_csv
from services.legacy_import.run import plan_import, start_open_cases, write_plan
from tests.case_driver import CaseDriver
from tests.test_legacy_import_reading import example
from workflows import search_attributes as sa

OWNER_WITH_EMAIL = "212 W 14th St"  # the roll has the owner's e-mail, so reminders go by e-mail
DAY = timedelta(days=1)


def open_case(number: str, address: str, opened: date, comply_by: date) -> dict[str, str]:
    row = sample_rows(date(2026, 12, 1))[-2]  # a complete row of the sample, made open
    return row | {
        "CASE_NO": number,
        "SITE_ADDR": address,
        "OPENED_DT": f"{opened:%m/%d/%Y}",
        "VIOL_DT": f"{opened:%m/%d/%Y}",
        "CLOSED_DT": "01/01/1900",
        "COMPLY_BY_DT": f"{comply_by:%m/%d/%Y}",
        "CASE_STATUS": "OPEN",
        "VIOL_DESC": "Grass over 12 inches",
        "INSPECTOR": "ORTEGA, L",
        "COMPLAINANT": "",
        "FINE_AMT": "",
        "PAID_AMT": "",
    }


async def search_attributes(
    cases: CaseDriver, case_number: str, until: Callable[[TypedSearchAttributes], bool]
) -> TypedSearchAttributes:
    """The case's search attributes as the Temporal UI shows them, once the workflow has published them."""
    for _ in range(30):
        attributes = (await cases.handle(case_number).describe()).typed_search_attributes
        if until(attributes):
            return attributes
        await cases.skip(timedelta(seconds=1))
    return attributes


async def test_open_cases_continue_at_their_step_with_the_comply_by_date_as_their_deadline(
    cases: CaseDriver, policy: Policy, city: City
) -> None:
    now = await cases.now()
    today = now.astimezone(policy.calendar.zone).date()
    rows = [
        open_case("OPEN-FUTURE", OWNER_WITH_EMAIL, today - 30 * DAY, today + 20 * DAY),
        open_case("OPEN-PAST", "430 W 14th St", today - 60 * DAY, today - 5 * DAY),
    ]
    plan = plan_import(cases.sessions, policy, city, "open.csv", to_csv(rows), example(), today)
    assert [line.problems for line in plan.lines()] == ["", ""]
    write_plan(cases.sessions, policy, plan, "open.csv")
    started = await start_open_cases(cases.client, cases.task_queue, cases.sessions, policy, per_second=50)
    assert started == 2
    with cases.sessions() as session:
        numbers = {r.legacy_case_number: r.case_number for r in session.exec(select(LegacyCaseRecord))}
    future, past = numbers["OPEN-FUTURE"], numbers["OPEN-PAST"]
    cases.opened += [future, past]

    # A crash after Temporal accepted a start, before it was marked: the next run starts nothing twice.
    with transaction(cases.sessions) as session:
        case = session.get(Case, past)
        assert case is not None
        case.workflow_started_at = None
        session.add(case)
    assert await start_open_cases(cases.client, cases.task_queue, cases.sessions, policy) == 0
    with cases.sessions() as session:
        assert session.get(Case, past).workflow_started_at is not None  # type: ignore[union-attr]

    # Past comply-by date: reinspection due at once, and overdue, for the officer and in the Temporal UI.
    overdue = await cases.until(past, lambda s: s.state.overdue)
    assert overdue.state.stage is CaseStage.REINSPECTION_DUE
    assert overdue.state.officer is not None and overdue.state.officer.badge == "CE-102"
    attributes = await search_attributes(cases, past, until=lambda a: a.get(sa.OVERDUE) is True)
    assert attributes.get(sa.LEGACY_CASE_NUMBER) == "OPEN-PAST"
    assert attributes.get(sa.OVERDUE) is True and attributes.get(sa.CASE_STAGE) == "reinspection_due"

    # Future comply-by date: the compliance period runs to it; the owner is reminded before it; it wakes on it.
    running = await cases.snapshot(future)
    deadline = policy.calendar.due_at(today + 20 * DAY)
    assert (running.state.stage, running.state.compliance_deadline) == (CaseStage.AWAITING_COMPLIANCE, deadline)
    assert running.state.observed is not None and "Grass over 12 inches" in running.state.observed.conditions
    assert (await cases.handle(future).describe()).typed_search_attributes.get(sa.LEGACY_CASE_NUMBER) == "OPEN-FUTURE"
    # Counted in the city's days: at the deadline's time of day, even across a change to or from daylight saving time
    # (the shared time-skipping clock may stand at any date).
    first_reminder = deadline.astimezone(policy.calendar.zone) - timedelta(
        days=max(policy.process.reminder_offsets_days)
    )
    assert running.sleeping_until == first_reminder.astimezone(UTC)

    await cases.skip_to(deadline - timedelta(days=min(policy.process.reminder_offsets_days)) + timedelta(hours=1))
    await cases.until(future, lambda s: len(s.state.reminders_sent) == len(policy.process.reminder_offsets_days))
    with cases.sessions() as session:
        reminders = session.exec(
            select(Message).where(Message.case_number == future, col(Message.key).contains(":reminder:"))
        ).all()
        assert len(reminders) == len(policy.process.reminder_offsets_days)
        assert {m.channel for m in reminders} == {"email"}
    assert (await cases.snapshot(future)).state.stage is CaseStage.AWAITING_COMPLIANCE

    await cases.skip_to(deadline + timedelta(minutes=1))
    woken = await cases.until(future, lambda s: s.state.stage is CaseStage.REINSPECTION_DUE)
    assert woken.state.step is not None and woken.state.step.action == "record_reinspection"
    with cases.sessions() as session:
        kinds = [
            e.kind
            for e in session.exec(select(CaseEvent).where(CaseEvent.case_number == future).order_by(col(CaseEvent.id)))
        ]
        assert kinds[:3] == ["legacy_opened", "legacy_violation_found", "imported"]
        assert "compliance_deadline_passed" in kinds
        record = session.get(Case, future)
        assert record is not None and record.stage == CaseStage.REINSPECTION_DUE
    assert (await cases.handle(future).describe()).status is WorkflowExecutionStatus.RUNNING
