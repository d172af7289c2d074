"""HearingWorkflow: an appeal or administrative hearing, as a child of its case.

It waits to be calendared, notifies the parties, reminds them the day before, and waits for the
hearing officer's decision, which it returns to the case.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.case import HearingEntry
    from domain.hearings import HearingDate, HearingDecision, HearingStart, HearingState
    from domain.stages import CaseStage, HearingKind
    from workflows.common import record_child_event

REMINDER_BEFORE = timedelta(days=1)


@workflow.defn(name="HearingWorkflow")
class HearingWorkflow:
    @workflow.init
    def __init__(self, start: HearingStart) -> None:
        self.start = start
        self.state = HearingState()

    @workflow.run
    async def run(self, start: HearingStart) -> HearingDecision:
        title = "Appeal" if start.kind is HearingKind.APPEAL else "Administrative hearing"
        await self._event("hearing_requested", f"{title} opened: {start.reason}")
        while self.state.decision is None:
            await workflow.wait_condition(lambda: self.state.date is not None or self.state.decision is not None)
            date = self.state.date
            if self.state.decision is not None or date is None:
                break
            if self.state.reminded_for != date.hearing_at:
                await self._event(
                    "notice_of_hearing",
                    f"Notice of hearing sent to the owner of {start.address} and the officer: "
                    f"{date.hearing_at:%Y-%m-%d %H:%M}, {date.location}",
                    entries=[
                        HearingEntry(
                            workflow_id=start.workflow_id,
                            hearing_kind=start.kind,
                            scheduled_for=date.hearing_at,
                            location=date.location,
                        )
                    ],
                )
                await self._remind_before(date)
            await workflow.wait_condition(lambda date=date: self.state.decision is not None or self.state.date != date)  # type: ignore[misc]
        decision = self.state.decision
        assert decision is not None
        await self._event(
            "hearing_decided",
            f"Hearing decision: {decision.decision.value} — {decision.reason}",
            entries=[HearingEntry(workflow_id=start.workflow_id, hearing_kind=start.kind, decision=decision.decision)],
        )
        return decision

    async def _remind_before(self, date: HearingDate) -> None:
        """Sleeps until the day before the hearing (unless it is rescheduled or decided first), then reminds."""
        self.state.reminded_for = date.hearing_at
        remind_at = date.hearing_at - REMINDER_BEFORE
        if remind_at <= workflow.now():
            return
        try:
            await workflow.wait_condition(
                lambda: self.state.date != date or self.state.decision is not None,
                timeout=remind_at - workflow.now(),
                timeout_summary="hearing reminder",
            )
        except TimeoutError:
            # A mark on the timeline for the hearing clerk; the owner's reminders are the case's (owner-deadline-reminders).
            await self._event("hearing_reminder", f"Hearing tomorrow at {date.hearing_at:%H:%M}, {date.location}")

    @workflow.signal(name="schedule")
    def schedule(self, date: HearingDate) -> None:
        self.state.date = date

    @workflow.signal(name="decide")
    def decide(self, decision: HearingDecision) -> None:
        self.state.decision = decision

    @workflow.query(name="hearing")
    def hearing(self) -> HearingState:
        return self.state

    async def _event(self, kind: str, summary: str, entries: list[HearingEntry] | None = None) -> None:
        self.state.events += 1
        await record_child_event(
            self.start.case_number,
            f"{self.start.workflow_id}-{self.state.events:03d}",
            kind,
            CaseStage.HEARING,
            summary,
            list(entries or []),
        )
