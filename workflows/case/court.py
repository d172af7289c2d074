"""The court track: a case referred for prosecution is filed with a court (its docket and charges), called on the
court's dates (the officer reminded before each, by the main loop's timers) and decided; a fine the court imposes
goes on the case's account, and the case then waits for compliance or a supervisor's closing decision. An Ontario
Part I ticket's answer (pay, early resolution meeting, trial) is recorded here too, its date on the calendar.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import actions as act
    from domain.case import CourtDateEntry, LedgerEntry, MoneyEntry
    from domain.court import CourtDate, CourtRecord, TicketRecord, ticket_words
    from domain.process import CourtReminder, local_day
    from domain.stages import CaseStage
    from workflows.case.ladder import Ladder
    from workflows.case.run import staff_action
    from workflows.versions import COURT_TRACK, patched

S = CaseStage


class Court(Ladder):
    @staff_action("refer_prosecution")
    async def refer_prosecution(self, body: act.ReferProsecution, action: act.StaffAction) -> None:
        state = self.state
        review = state.policy.process.prosecution_review_days
        if patched(COURT_TRACK):
            state.court = CourtRecord(referred_at=workflow.now(), reason=body.reason)
            await self._set_step(
                "file_court_case", "supervisor", review, "file the charges with the court", business=False
            )
        else:  # referred before the court track: the supervisor reviewed the referral and closed
            await self._set_step("close", "supervisor", review, business=False)
        state.stage = S.PROSECUTION
        await self._record("referred_for_prosecution", f"Referred to the City Attorney: {body.reason}", action)

    @staff_action("file_court_case")
    async def file_court_case(self, body: act.FileCourtCase, action: act.StaffAction) -> None:
        court = self._court()
        court.court, court.docket, court.charges, court.filed_at = body.court, body.docket, body.charges, workflow.now()
        await self._await_court()
        await self._record(
            "court_case_filed", f"Charges filed. {court.title}; charged under {', '.join(body.charges)}", action
        )

    @staff_action("schedule_court_date")
    async def schedule_court_date(self, body: act.ScheduleCourtDate, action: act.StaffAction) -> None:
        court = self._court()
        court.dates.append(
            CourtDate(at=body.court_at, purpose=body.purpose, set_at=workflow.now(), location=body.location)
        )
        appearance = court.appearance(len(court.dates))
        await self._await_court(start=body.court_at)
        await self._record(
            "court_date_set",
            f"{appearance.title}: {appearance.purpose} on {body.court_at:%Y-%m-%d %H:%M}, {appearance.location}",
            action,
            entries=[CourtDateEntry.of(appearance)],
        )

    @staff_action("record_court_outcome")
    async def record_court_outcome(self, body: act.RecordCourtOutcome, action: act.StaffAction) -> None:
        state = self.state
        court = self._court()
        now = workflow.now()
        court.outcome, court.decided_at = body.court_outcome, now
        entries: list[LedgerEntry] = [
            self._alert_officer(f"{state.case_number}: {court.title}, {body.court_outcome.value}")
        ]
        fined = ""
        if body.court_fine is not None:
            days = body.days_to_pay or state.policy.process.payment_terms_days
            court.fine, court.fine_due_at = body.court_fine, await self._deadline(now, days, False)
            fined = f"; fined ${body.court_fine}, to be paid by {local_day(court.fine_due_at)}"
            entries.append(
                MoneyEntry(
                    entry_type="court_fine",
                    amount=body.court_fine,
                    description=f"court fine ({court.title})",
                    due_at=court.fine_due_at,
                    reference=court.docket,
                )
            )
        # The court has spoken; the violation may still be there: a supervisor closes once it is put right.
        await self._set_step(
            "close",
            "supervisor",
            state.policy.process.prosecution_review_days,
            "confirm compliance and close",
            business=False,
        )
        notes = f". {body.notes}" if body.notes else ""
        await self._record(
            "court_outcome", f"{court.title}: {body.court_outcome.value}{fined}{notes}", action, entries=entries
        )

    @staff_action("record_ticket_choice")
    async def record_ticket_choice(self, body: act.RecordTicketChoice, action: act.StaffAction) -> None:
        fine = next(f for f in self.state.fines if f.seq == body.ticket)
        fine.ticket = TicketRecord(
            choice=body.choice, chosen_on=workflow.now(), hearing_at=body.court_at, location=body.location
        )
        appearance = fine.ticket.appearance(fine.seq)
        on = f": {appearance.purpose} on {appearance.at:%Y-%m-%d %H:%M}, {appearance.location}" if appearance else ""
        await self._record(
            "ticket_choice",
            f"Ticket {fine.seq} (${fine.amount}): the owner chose to {ticket_words(body.choice)}{on}",
            action,
            entries=[CourtDateEntry.of(appearance)] if appearance else [],
        )

    async def _remind_of_court(self, reminder: CourtReminder) -> None:
        """The officer, the city's witness, hears of a court date a week and a day before (the policy's days)."""
        state = self.state
        state.reminders_sent.append(reminder.key)
        date = reminder.appearance
        words = f"{date.title}: {date.purpose} on {date.at:%Y-%m-%d %H:%M}, {date.location}"
        await self._record(
            "court_reminder",
            f"Reminder to the officer: {words}",
            entries=[self._alert_officer(f"{state.case_number}: {words}")],
        )

    def _court(self) -> CourtRecord:
        court = self.state.court
        assert court is not None  # the actions' rules refuse a case without one
        return court

    async def _await_court(self, start: datetime | None = None) -> None:
        """Until the court decides, the case waits on its outcome, reviewed within the policy's prosecution days."""
        await self._set_step(
            "record_court_outcome",
            "clerk",
            self.state.policy.process.prosecution_review_days,
            "record the court's outcome",
            business=False,
            start=start,
        )
