"""What the case sends out on its own: the owner's letters at each step (e-mailed, else on record for mailing),
the owner's reminders before each deadline, and the news and letters for the people who reported it.

None of these holds up the case: a letter or message that cannot be made or sent is on record in the documents
and messages, and the case goes on. Each is sent exactly once, by a business key.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.letters import NoticeLetterActivities
    from activities.messaging import MessagingActivities
    from domain.case import FeeRecord
    from domain.messages import ComplainantNews, ComplainantUpdate, NoticeEmail, OwnerReminder, ReminderOf
    from domain.notices import LETTER_TITLES, CaseLetter, ComplainantLetter, LetterKind, RenderedDocument
    from domain.process import DueReminder
    from domain.stages import Outcome
    from workflows.case.run import CaseRun
    from workflows.common import ACTIVITY_RETRY, ACTIVITY_TIMEOUT
    from workflows.versions import CASE_LETTERS, COMPLAINANT_UPDATES, patched

REMINDED_OF = {
    ReminderOf.COMPLIANCE: "the compliance deadline",
    ReminderOf.FINE_PAYMENT: "a fine's due date",
    ReminderOf.HEARING: "the hearing",
}
LETTER_TIMEOUT = timedelta(minutes=2)  # rendering, plus a PDF when LibreOffice is installed


class Outbound(CaseRun):
    async def _send_reminder(self, reminder: DueReminder, left: timedelta) -> str:
        """Sends the owner's reminder (exactly once, by key); returns how it went, for the timeline."""
        state = self.state
        try:
            receipt = await workflow.execute_activity_method(
                MessagingActivities.send_owner_reminder,
                OwnerReminder(
                    key=f"{state.case_number}:reminder:{reminder.key}",
                    case_number=state.case_number,
                    deadline=reminder.deadline,
                    days_left=left.days,
                    violation_title=state.policy.violation.title,
                    address=self.start.address,
                    of=reminder.of,
                    detail=reminder.detail,
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                summary=f"owner reminder, {left.days} day(s) left",
            )
        except ActivityError as failure:  # a provider refused it for good: the officer follows up by phone or mail
            reason = failure.cause.message if isinstance(failure.cause, ApplicationError) else str(failure.cause)
            return f" — not delivered: {reason}"
        if receipt.channel is None:
            return " — no e-mail or phone for the owner on the assessment roll; none sent"
        if receipt.status == "opted_out":  # texts are the roll's only way to reach the owner (e-mail comes first)
            return " — not sent: the owner's phone has opted out of texts (STOP) and the roll has no e-mail; none sent"
        return f" — sent by {receipt.channel.value}"

    async def _tell_complainants(
        self, news: ComplainantNews, *, violation_found: bool | None = None, outcome: Outcome | None = None
    ) -> None:
        """Complainants who left contact details hear of receipt, inspection and closure (best effort:
        a refused message is recorded in the messages table and does not hold up the case)."""
        if not patched(COMPLAINANT_UPDATES):
            return
        with contextlib.suppress(ActivityError):
            await workflow.execute_activity_method(
                MessagingActivities.send_complainant_updates,
                ComplainantUpdate(
                    case_number=self.state.case_number,
                    news=news,
                    violation_title=self.state.policy.violation.title,
                    address=self.start.address,
                    violation_found=violation_found,
                    outcome=outcome,
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                summary=f"complainant update: {news.value}",
            )

    async def _owner_letter(self, kind: LetterKind, **terms: Any) -> None:
        """A letter to the owner at this step: stored once with its hash and listed with the case's documents;
        e-mailed (exactly once, by key) when the roll has the owner's address, else on record for mailing.
        A letter that cannot be made or sent does not hold up the case: the documents and messages show it."""
        state = self.state
        with contextlib.suppress(ActivityError):
            document = await self._write_owner_letter(kind, **terms)
            if document is not None and state.parcel is not None and state.parcel.owner_email:
                await workflow.execute_activity_method(
                    MessagingActivities.send_notice_email,
                    NoticeEmail(
                        key=f"{state.case_number}:{document.business_key}:email",
                        case_number=state.case_number,
                        title=LETTER_TITLES[kind],
                        address=self.start.address,
                        document_path=document.path,
                        served=False,
                    ),
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    retry_policy=ACTIVITY_RETRY,
                    summary=f"e-mail: {LETTER_TITLES[kind]}",
                )

    async def _write_owner_letter(self, kind: LetterKind, **terms: Any) -> RenderedDocument | None:
        """Renders and stores the owner's letter (`letter-N`, the case's letter count); None before letters were
        written at each step, or without a parcel to address it to. It tells the reinspection fees not yet told."""
        state = self.state
        if not patched(CASE_LETTERS) or state.parcel is None:
            return None
        state.letters_written += 1
        fees = self._fees_untold()
        document = await workflow.execute_activity_method(
            NoticeLetterActivities.render_case_letter,
            CaseLetter(
                case_number=state.case_number,
                kind=kind,
                business_key=f"letter-{state.letters_written}",
                policy=state.policy,
                parcel=state.parcel,
                officer_id=state.officer.id if state.officer else None,
                written_at=workflow.now(),
                delivery="email" if state.parcel.owner_email else "mail",
                notice=state.current_notice,
                observed=state.observed,
                compliance_deadline=state.compliance_deadline,
                fines_levied=len(state.fines),
                escalations_taken=state.escalations_taken,
                fees=fees,
                **terms,
            ),
            start_to_close_timeout=LETTER_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary=f"letter: {LETTER_TITLES[kind]}",
        )
        self._fees_told(fees)
        return document

    def _fees_untold(self) -> tuple[FeeRecord, ...]:
        return tuple(fee for fee in self.state.fees if not fee.told)

    def _fees_told(self, fees: tuple[FeeRecord, ...]) -> None:
        """The letter that listed them was made: a later letter does not bill them again."""
        for fee in fees:
            fee.told = True

    async def _complainant_letters(self, kind: LetterKind, *, outcome: Outcome | None = None) -> None:
        """The acknowledgement and closure letters to each person who reported the case and left contact
        details, kept on record (the news itself reaches them by e-mail or SMS); never a word about the owner."""
        state = self.state
        if not patched(CASE_LETTERS):
            return
        state.letters_written += 1
        with contextlib.suppress(ActivityError):
            await workflow.execute_activity_method(
                NoticeLetterActivities.render_complainant_letters,
                ComplainantLetter(
                    case_number=state.case_number,
                    kind=kind,
                    business_key=f"letter-{state.letters_written}",
                    jurisdiction=state.policy.jurisdiction,
                    timezone=state.policy.calendar.timezone,
                    address=self.start.address,
                    concern=state.policy.violation.title,
                    received_at=state.opened_at,
                    written_at=workflow.now(),
                    response_due=state.response_due_at,
                    outcome=outcome,
                ),
                start_to_close_timeout=LETTER_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                summary=f"complainant letters: {LETTER_TITLES[kind]}",
            )

    async def _reinspection_notice(self) -> None:
        step = self.state.step
        if step is not None and step.action == "record_reinspection":
            await self._owner_letter(LetterKind.REINSPECTION_NOTICE, reinspection_at=step.due_at)
