"""The letters of a case: built from the case's policy snapshot, the city's letterhead and the officer's contact,
rendered once and stored with their hash, each listed in `case_documents`. A letter is issued once its .docx is
stored and listed; its PDF is made after the activity returns, and its hash recorded then.

The served notice's record is written with the service transition; the letters that follow it (reinspection,
extension, hearing, remediation, lien, closure) and the complainant's letters are rendered at their step.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlmodel import col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from adapters.letter_pdf import StoredPdf
from adapters.letter_renderer import LetterRenderer
from domain.case import NoticeRecord, Observation, ParcelFacts
from domain.city import City
from domain.notices import (
    FINE_APPEALS_TO,
    AppealRights,
    CaseLetter,
    ComplainantLetter,
    ComplainantLetterContext,
    ComplainantRecipient,
    FeeTerms,
    FineTerms,
    LetterContext,
    Letterhead,
    NoticeTerms,
    OfficerContact,
    OwnerPortalAccess,
    ParcelRef,
    Penalty,
    Recipient,
    RenderedDocument,
    RenderRequest,
    ServedNotice,
    ViolationLine,
    how_to_appeal,
    local_time,
)
from domain.owner_access import owner_access_code, printed
from domain.policy import CasePolicy
from domain.privacy import Identity
from domain.stages import ServiceMethod
from records.db import SessionFactory, transaction
from records.documents import CaseDocument, record_pdf
from records.portal import record_access_code
from records.tables import Case, Complainant, Complaint, Officer


class NoticeLetterActivities:
    def __init__(
        self,
        sessions: SessionFactory,
        renderer: LetterRenderer,
        city: City,
        *,
        access_secret: bytes,
        portal_url: str,
        online_payment: bool = False,
    ) -> None:
        self._sessions = sessions
        self._renderer = renderer
        self._city = city
        self._access_secret = access_secret
        self._portal_url = portal_url
        self._online_payment = online_payment  # Stripe is configured: fine notices carry the link to pay

    def _owner_access(self, case_number: str, letter: str) -> OwnerPortalAccess:
        """The code this letter prints; its hash is stored first, so the page opens once the letter is out."""
        code = owner_access_code(self._access_secret, case_number, letter)
        with transaction(self._sessions) as session:
            record_access_code(session, case_number, letter, code)
        return OwnerPortalAccess(url=self._portal_url, code=printed(code))

    def _complainants(self, case_number: str) -> list[Complainant]:
        with self._sessions() as session:
            return list(
                session.exec(
                    select(Complainant)
                    .join(Complaint, col(Complaint.complainant_id) == Complainant.id)
                    .where(Complaint.case_number == case_number)
                    .order_by(col(Complainant.id))
                )
            )

    def _officer(self, officer_id: int | None) -> OfficerContact:
        with self._sessions() as session:
            officer = session.get(Officer, officer_id) if officer_id is not None else None
        city = self._city
        if officer is None:  # no officer covers the case yet: the department signs
            return OfficerContact(name=city.department, badge="—", phone=city.phone, email=city.email, title="")
        return OfficerContact(
            name=officer.name, badge=officer.badge, phone=officer.phone or city.phone, email=officer.email or city.email
        )

    def _owner_letter(
        self,
        case_number: str,
        policy: CasePolicy,
        parcel: ParcelFacts,
        officer_id: int | None,
        written_at: datetime,
        notice: NoticeRecord | None,
        observed: Observation | None,
        **terms: object,
    ) -> LetterContext:
        """What every owner letter says: the city, the owner, the property, the violation and the notice it follows."""
        zone = policy.calendar.timezone
        if observed is not None:
            observed = observed.withholding(
                Identity(name=p.name, email=p.email, phone=p.phone) for p in self._complainants(case_number)
            )
        violation = policy.violation
        kind = policy.notice(notice.notice_type) if notice else None
        return LetterContext(
            jurisdiction=policy.jurisdiction or self._city.name,
            timezone=zone,
            city=Letterhead.from_city(self._city),
            case_number=case_number,
            letter_date=local_time(written_at, zone).date(),
            recipient=Recipient.owner_of(parcel),
            parcel=ParcelRef.of(parcel),
            violations=(
                ViolationLine.from_violation(
                    violation, violation.corrective_action or violation.title, observed.conditions if observed else ()
                ),
            ),
            inspected_on=local_time(observed.inspected_at, zone).date() if observed else None,
            officer=self._officer(officer_id),
            notice=NoticeTerms.from_policy(notice.notice_type, kind, local_time(notice.issued_at, zone).date())
            if notice and kind
            else None,
            **terms,
        )

    @activity.defn(name="render_served_notice")
    def render_served_notice(self, served: ServedNotice) -> RenderedDocument:
        policy, notice = served.policy, served.notice
        kind = policy.notice(notice.notice_type)
        zone = policy.calendar.timezone
        context = self._owner_letter(
            served.case_number,
            policy,
            served.parcel,
            served.officer_id,
            notice.served_at or notice.issued_at,
            notice,
            served.observed,
            compliance_deadline=served.compliance_deadline,
            penalty=Penalty.from_policy(policy, served.fines_levied, served.escalations_taken),
            appeal=AppealRights.for_notice(
                kind, notice.appeal_deadline, how_to_appeal(Letterhead.from_city(self._city))
            ),
            service_method=notice.service_method,
            fine=FineTerms(
                amount=served.fine.amount, due_on=local_time(served.fine.due_at, zone).date(), number=served.fine.seq
            )
            if served.fine
            else None,
            owner_access=self._owner_access(served.case_number, f"notice-{notice.seq}"),
            pay_url=self._pay_url(served.case_number) if served.fine else None,
            fees_billed=tuple(FeeTerms.of(fee, zone) for fee in served.fees),
        )
        # A notice served again after a failed service is a new letter (new dates), never the first one replaced.
        attempt = len(notice.failed_services) + 1
        request = RenderRequest(
            case_number=served.case_number,
            kind=served.letter_kind,
            business_key=f"notice-{notice.seq}" if attempt == 1 else f"notice-{notice.seq}-{attempt}",
            context=context,
        )
        delivery = notice.service_method.value if notice.service_method else "record"
        return self._keep(self._renderer.render_letter(request), "owner", delivery)

    @activity.defn(name="render_case_letter")
    def render_case_letter(self, letter: CaseLetter) -> RenderedDocument:
        context = self._owner_letter(
            letter.case_number,
            letter.policy,
            letter.parcel,
            letter.officer_id,
            letter.written_at,
            letter.notice,
            letter.observed,
            compliance_deadline=letter.compliance_deadline,
            penalty=Penalty.from_policy(letter.policy, letter.fines_levied, letter.escalations_taken),
            reinspection_at=letter.reinspection_at,
            extension=letter.extension,
            hearing=letter.hearing,
            decision=letter.decision,
            remediation=letter.remediation,
            lien=letter.lien,
            outcome=letter.outcome,
            closed_on=local_time(letter.written_at, letter.policy.calendar.timezone).date() if letter.outcome else None,
            balance_due=letter.balance_due,
            fees_billed=tuple(FeeTerms.of(fee, letter.policy.calendar.timezone) for fee in letter.fees),
            **self._fine_terms(letter),
        )
        try:
            request = RenderRequest(
                case_number=letter.case_number, kind=letter.kind, business_key=letter.business_key, context=context
            )
        except ValueError as exc:  # the workflow asked for a letter it cannot fill: a bug, not an outage
            raise ApplicationError(str(exc), type="LetterIncomplete", non_retryable=True) from exc
        return self._keep(self._renderer.render_letter(request), "owner", letter.delivery)

    def _fine_terms(self, letter: CaseLetter) -> dict[str, object]:
        """A fine notice: the fine, its own appeal window (to whom and how as the notice it follows says, else the
        city's route) and how it reaches the owner (e-mail or post), which is its service."""
        fine = letter.fine
        if fine is None:
            return {}
        kind = letter.policy.notice(letter.notice.notice_type) if letter.notice else None
        how = how_to_appeal(Letterhead.from_city(self._city))
        return {
            "fine": FineTerms(
                amount=fine.amount,
                due_on=local_time(fine.due_at, letter.policy.calendar.timezone).date(),
                number=fine.seq,
            ),
            "appeal": AppealRights(
                appealable=fine.appeal_deadline is not None,
                to=(kind.appeal_to if kind else "") or FINE_APPEALS_TO,
                deadline=fine.appeal_deadline,
                how=(kind.how_to_appeal if kind else "") or how,
            ),
            "service_method": ServiceMethod(letter.delivery),
            "owner_access": self._owner_access(letter.case_number, letter.business_key),
            "pay_url": self._pay_url(letter.case_number),
        }

    def _pay_url(self, case_number: str) -> str | None:
        """Where the owner pays a fine online (the owner page's pay button); None without online payment."""
        return f"{self._portal_url}/{case_number}" if self._online_payment else None

    @activity.defn(name="render_complainant_letters")
    def render_complainant_letters(self, letter: ComplainantLetter) -> list[RenderedDocument]:
        """One letter for each person who reported the case and left contact details; anonymous reports get none."""
        with self._sessions() as session:
            case = session.get(Case, letter.case_number)
        people = self._complainants(letter.case_number)
        if case is None:
            raise ApplicationError(f"case {letter.case_number} is not on record", non_retryable=True)
        zone = letter.timezone
        stored = []
        for person in people:
            if not (person.email or person.phone):
                continue
            context = ComplainantLetterContext(
                jurisdiction=letter.jurisdiction or self._city.name,
                timezone=zone,
                city=Letterhead.from_city(self._city),
                case_number=letter.case_number,
                letter_date=local_time(letter.written_at, zone).date(),
                recipient=ComplainantRecipient(name=person.name or "Resident", email=person.email),
                tracking_code=case.tracking_code,
                property_address=letter.address,
                concern=letter.concern,
                received_on=local_time(letter.received_at, zone).date(),
                response_due=letter.response_due,
                outcome=letter.outcome,
                closed_on=local_time(letter.written_at, zone).date() if letter.outcome else None,
            )
            request = RenderRequest(
                case_number=letter.case_number,
                kind=letter.kind,
                business_key=f"{letter.business_key}-c{person.id}",
                context=context,
            )
            # Kept on record: the complainant hears the news itself by e-mail or SMS (send_complainant_updates).
            stored.append(self._keep(self._renderer.render_letter(request), "complainant", "record"))
        return stored

    def _keep(self, document: RenderedDocument, audience: str, delivery: str) -> RenderedDocument:
        """Lists the stored letter with the case's documents, once (a retry finds its row), then queues its PDF."""
        with transaction(self._sessions) as session:
            exists = session.exec(
                select(CaseDocument.id).where(
                    CaseDocument.case_number == document.case_number, CaseDocument.path == document.path
                )
            ).first()
            if exists is None:
                session.add(
                    CaseDocument(
                        case_number=document.case_number,
                        business_key=document.business_key,
                        kind=document.kind.value,
                        audience=audience,
                        delivery=delivery,
                        path=document.path,
                        sha256=document.sha256,
                        size=document.size,
                        template=document.template,
                        template_version=document.template_sha256,
                        pdf_path=document.pdf_path,
                        pdf_sha256=document.pdf_sha256,
                    )
                )
        if document.pdf_path and not document.pdf_sha256:  # the case goes on; the PDF follows (adapters/letter_pdf.py)
            self._renderer.pdfs.make_later(document.path, partial(self._pdf_made, document.case_number, document.path))
        return document

    def _pdf_made(self, case_number: str, letter: str, pdf: StoredPdf) -> None:
        with transaction(self._sessions) as session:
            record_pdf(session, case_number, letter, pdf.sha256)
