"""Notices and their service: a notice is issued (a set-fine ticket levies its fine), then served; service
starts the compliance and appeal clocks (`domain.service_clocks`). Served by e-mail, the e-mail is the service:
if it is refused or bounces, the notice counts as not served, its clocks are void, and it waits for the policy's
next service method. The owner may ask for more time; a supervisor grants or denies it.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.letters import NoticeLetterActivities
    from activities.messaging import MessagingActivities
    from domain import actions as act
    from domain.case import (
        AlertEntry,
        ExtensionRequest,
        FailedService,
        HumanStep,
        LedgerEntry,
        NoticeEntry,
        NoticeRecord,
    )
    from domain.ladder import next_notice
    from domain.messages import NoticeEmail
    from domain.notices import SERVICE_WORDS, ExtensionTerms, LetterKind, ServedNotice
    from domain.process import local_day, next_service_method
    from domain.service_clocks import service_clocks
    from domain.stages import CaseStage, ServiceMethod
    from workflows.case.outbound import LETTER_TIMEOUT
    from workflows.case.penalties import Penalties
    from workflows.case.run import staff_action
    from workflows.common import ACTIVITY_RETRY, ACTIVITY_TIMEOUT
    from workflows.versions import FINE_NOTICES, NOTICE_SERVED_BY_EMAIL, SERVED_NOTICE_LETTER, SERVICE_FALLBACK, patched

S = CaseStage


class Notices(Penalties):
    @staff_action("issue_notice")
    async def issue_notice(self, body: act.IssueNotice, action: act.StaffAction) -> None:
        state = self.state
        code = next_notice(state)
        assert code is not None  # the validator refused otherwise
        kind = state.policy.notice(code)
        now = workflow.now()
        notice = NoticeRecord(
            seq=state.notices_issued + 1,
            notice_type=code,
            title=kind.title,
            issued_at=now,
            created_by=action.actor.username,
        )
        state.notices.append(notice)
        state.compliance_deadline = None
        entries: list[LedgerEntry] = [NoticeEntry(**notice.model_dump())]
        if kind.fine:
            entries.append(await self._levy_fine(None))
        await self._set_step("record_service", "officer", state.policy.process.service_due_business_days)
        state.stage = S.NOTICE_ISSUED
        await self._record("notice_issued", f"{kind.title} issued (notice {notice.seq})", action, entries=entries)

    @staff_action("record_service")
    async def record_service(self, body: act.RecordService, action: act.StaffAction) -> None:
        state = self.state
        current = state.current_notice
        assert current is not None
        served_at = body.served_at or workflow.now()
        clocks = service_clocks(state.policy, current.notice_type, body.method)
        process = state.policy.process
        appeal_deadline = None
        if clocks.appeal_days is not None:
            appeal_deadline = await self._deadline(served_at, clocks.appeal_days, False)
        deadline = await self._deadline(served_at, clocks.compliance_days, process.compliance_in_business_days)
        notice = current.model_copy(
            update={
                "tracking_number": body.tracking_number,
                "posting_evidence_id": body.evidence_id,
                "served_at": served_at,
                "service_method": body.method,
                "appeal_deadline": appeal_deadline,
                "served_by": action.actor.username,
                "awaiting_service_by": None,
            }
        )
        # Nothing changes until the letter is made (and, served by e-mail, sent): a refusal leaves the case as it was.
        if patched(SERVED_NOTICE_LETTER):
            notice = await self._render_served_letter(notice, deadline)
            if body.method is ServiceMethod.EMAIL and patched(NOTICE_SERVED_BY_EMAIL):
                refused = await self._email_notice(notice)
                if refused is not None:  # the provider refused it for good: the next method of the policy
                    await self._service_failed(notice, refused, action)
                    return
        state.notices[-1] = notice
        self._begin_compliance_period(deadline)
        appeal = f"; appeal by {local_day(notice.appeal_deadline)}" if notice.appeal_deadline else ""
        if state.policy.notice(notice.notice_type).fine and state.fines and patched(FINE_NOTICES):
            # The notice carries a fine: the fine is appealed on the notice's window, and the owner told of it.
            carried = state.fines[-1]
            carried.appeal_deadline = notice.appeal_deadline
            appeal += await self._tell_of_fine(carried, None)
        await self._record(
            "notice_served",
            f"{notice.title} served by {body.method.value} on {served_at:%Y-%m-%d}; comply by {self._deadline_day()}{appeal}",
            action,
            entries=[NoticeEntry(**notice.model_dump())],
        )

    # --- Extensions --------------------------------------------------------------------------------------

    @staff_action("grant_extension")
    async def grant_extension(self, body: act.GrantExtension, action: act.StaffAction) -> None:
        state = self.state
        base = max(state.compliance_deadline or workflow.now(), workflow.now())
        request, previous = state.extension_request, state.compliance_deadline
        state.extension_request = None
        state.extensions_granted += 1
        await self._start_compliance_period(base, body.days)
        await self._record(
            "extension_granted",
            f"Extension of {body.days} days granted: comply by {self._deadline_day()}. {body.reason}",
            action,
        )
        await self._owner_letter(
            LetterKind.EXTENSION_GRANTED,
            extension=ExtensionTerms(
                requested_on=self._city_date(request.requested_at if request else workflow.now()),
                requested_days=request.days if request else body.days,
                granted_days=body.days,
                reason=body.reason,
                previous_deadline=previous,
            ),
        )

    @staff_action("deny_extension")
    async def deny_extension(self, body: act.DenyExtension, action: act.StaffAction) -> None:
        request = self.state.extension_request
        self.state.extension_request = None
        if self.state.stage is S.AWAITING_COMPLIANCE:
            self.state.step = None
        await self._record("extension_denied", f"Extension denied: {body.reason}", action)
        if request is not None and self.state.compliance_deadline is not None:
            await self._owner_letter(
                LetterKind.EXTENSION_DENIED,
                extension=ExtensionTerms(
                    requested_on=self._city_date(request.requested_at),
                    requested_days=request.days,
                    reason=body.reason,
                ),
            )

    async def _extension_requested(self, event: act.ExtensionRequested) -> None:
        state = self.state
        if state.stage not in (S.AWAITING_COMPLIANCE, S.REINSPECTION_DUE):
            await self._record(
                "extension_request_ignored",
                f"Extension request received while at '{state.stage.label}': nothing to extend",
            )
            return
        due = await self._deadline(workflow.now(), state.policy.process.extension_decision_business_days, True)
        state.extension_request = ExtensionRequest(
            days=event.days, reason=event.reason, requested_at=workflow.now(), decision_due_at=due
        )
        if state.stage is S.AWAITING_COMPLIANCE:
            state.step = HumanStep(
                action="grant_extension",
                role="supervisor",
                due_at=due,
                description="decide the owner's extension request",
            )
            state.overdue = False
        await self._record(
            "extension_requested",
            f"Owner asked for {event.days} more days: {event.reason}",
            entries=[
                AlertEntry(
                    audience="supervisor",
                    message=f"{state.case_number}: extension request, decide by {local_day(due)}",
                )
            ],
        )

    # --- The served letter, e-mail service and its failure -------------------------------------------------

    async def _render_served_letter(self, notice: NoticeRecord, deadline: datetime) -> NoticeRecord:
        """The letter that is served states the exact deadlines, so it is made when service is recorded."""
        state = self.state
        assert state.parcel is not None
        kind = state.policy.notice(notice.notice_type)
        fees = self._fees_untold()
        document = await workflow.execute_activity_method(
            NoticeLetterActivities.render_served_notice,
            ServedNotice(
                case_number=state.case_number,
                notice=notice,
                policy=state.policy,
                parcel=state.parcel,
                officer_id=state.officer.id if state.officer else None,
                compliance_deadline=deadline,
                fine=state.fines[-1] if kind.fine and state.fines else None,
                fines_levied=len(state.fines),
                escalations_taken=state.escalations_taken,
                observed=state.observed,
                fees=fees,
            ),
            start_to_close_timeout=LETTER_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary=f"letter: {notice.title}",
        )
        self._fees_told(fees)
        return notice.model_copy(update={"letter": document.letter})

    def _service_email_key(self, notice: NoticeRecord) -> str:
        return f"{self.state.case_number}:notice-{notice.seq}:email"

    async def _email_notice(self, notice: NoticeRecord) -> str | None:
        """Service by e-mail is the e-mail: if the provider refuses it, the notice is not served. Returns why it
        was refused (the case falls back to the policy's next method); before that patch, the action was refused."""
        state = self.state
        try:
            await workflow.execute_activity_method(
                MessagingActivities.send_notice_email,
                NoticeEmail(
                    key=self._service_email_key(notice),
                    case_number=state.case_number,
                    title=notice.title,
                    address=self.start.address,
                    document_path=notice.letter.path if notice.letter else "",
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                summary=f"e-mail: {notice.title}",
            )
        except ActivityError as failure:
            reason = failure.cause.message if isinstance(failure.cause, ApplicationError) else str(failure.cause)
            if patched(SERVICE_FALLBACK):
                return f"refused when sent: {reason}"
            raise ApplicationError(
                f"the notice could not be served by e-mail ({reason}); serve it by personal delivery, mail or posting",
                type="ActionRefused",
                non_retryable=True,
            ) from None
        return None

    async def _service_failed(self, notice: NoticeRecord, reason: str, action: act.StaffAction | None) -> None:
        """The notice did not reach the owner, so it was not served: the compliance and appeal deadlines counted
        from that service are void (they start again when a service succeeds), and the notice waits for the
        policy's next service method, which the officer is told to carry out. The letter that failed (and its
        PDF) stays on record under the failed service, not as the notice's letter; the next service makes a new
        one with the new dates."""
        state = self.state
        now = workflow.now()
        assert notice.service_method is not None
        failed = FailedService(
            method=notice.service_method,
            attempted_at=notice.served_at or now,
            failed_at=now,
            reason=reason,
            letter=notice.letter,
        )
        state.notices[-1] = notice.model_copy(
            update={
                "served_at": None,
                "service_method": None,
                "appeal_deadline": None,
                "served_by": None,
                "letter": None,
                "failed_services": [*notice.failed_services, failed],
            }
        )
        fallback = next_service_method(state)
        state.notices[-1].awaiting_service_by = fallback
        state.compliance_deadline = state.deadline_set_at = None
        state.extension_request = None
        how = f"by {SERVICE_WORDS[fallback]}" if fallback else "another way (every method in the policy has failed)"
        await self._set_step(
            "record_service",
            "officer",
            state.policy.process.service_due_business_days,
            f"serve the {notice.title} {how}",
        )
        state.stage = S.NOTICE_ISSUED
        summary = (
            f"{notice.title} not served: the {failed.method.value} {reason}. The compliance and appeal deadlines "
            f"do not run; serve it {how}"
        )
        await self._record(
            "service_failed",
            summary,
            action,
            data={"method": failed.method.value, "next_method": fallback.value if fallback else None},
            entries=[
                NoticeEntry(**state.notices[-1].model_dump()),
                self._alert_officer(f"{state.case_number}: {summary}"),
            ],
        )

    async def _delivery_failed(self, event: act.DeliveryFailed) -> None:
        state = self.state
        if event.message_key in state.failed_deliveries:  # providers report an event more than once
            return
        state.failed_deliveries.append(event.message_key)
        notice = state.current_notice
        why = f"{event.status} ({event.reason})" if event.reason else event.status
        if (
            notice is not None
            and notice.service_method is ServiceMethod.EMAIL
            and event.message_key == self._service_email_key(notice)
            and state.stage in (S.AWAITING_COMPLIANCE, S.REINSPECTION_DUE)
        ):
            await self._service_failed(notice, why, None)
            return
        # A reminder or a later letter: the case goes on; the officer reaches the owner another way.
        what = _message_words(event.message_key)
        summary = f"The {event.channel} to the owner ({what}) {why}: reach the owner another way"
        await self._record(
            "delivery_failed",
            summary,
            data={"message_key": event.message_key, "status": event.status},
            entries=[self._alert_officer(f"{state.case_number}: {summary}")],
        )


def _message_words(key: str) -> str:
    """What a message key names, for the timeline: `CE-…:reminder:…` is a deadline reminder, and so on."""
    part = key.split(":")[1] if ":" in key else key
    if part.startswith("reminder"):
        return "deadline reminder"
    if part.startswith("letter-"):
        return f"letter {part.removeprefix('letter-')}"
    if part.startswith("notice-"):
        return f"notice {part.removeprefix('notice-')}, after the case had moved on: check its service"
    return part
