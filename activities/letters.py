"""The notice letter as served: built from the case's policy snapshot, the city's letterhead and the officer's
contact, rendered once and stored with its hash (the record of it is written with the service transition)."""

from __future__ import annotations

from temporalio import activity

from activities.documents import DocumentActivities
from domain.city import City
from domain.notices import (
    AppealRights,
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
from records.db import SessionFactory, transaction
from records.portal import record_access_code
from records.tables import Officer


class NoticeLetterActivities:
    def __init__(
        self,
        sessions: SessionFactory,
        documents: DocumentActivities,
        city: City,
        *,
        access_secret: bytes,
        portal_url: str,
    ) -> None:
        self._sessions = sessions
        self._documents = documents
        self._city = city
        self._access_secret = access_secret
        self._portal_url = portal_url

    def _owner_access(self, case_number: str, letter: str) -> OwnerPortalAccess:
        """The code this letter prints; its hash is stored first, so the page opens once the letter is out."""
        code = owner_access_code(self._access_secret, case_number, letter)
        with transaction(self._sessions) as session:
            record_access_code(session, case_number, letter, code)
        return OwnerPortalAccess(url=self._portal_url, code=printed(code))

    def _officer(self, officer_id: int | None) -> OfficerContact:
        with self._sessions() as session:
            officer = session.get(Officer, officer_id) if officer_id is not None else None
        city = self._city
        if officer is None:  # no officer covers the case yet: the department signs
            return OfficerContact(name=city.department, badge="—", phone=city.phone, email=city.email, title="")
        return OfficerContact(
            name=officer.name, badge=officer.badge, phone=officer.phone or city.phone, email=officer.email or city.email
        )

    @activity.defn(name="render_served_notice")
    def render_served_notice(self, served: ServedNotice) -> RenderedDocument:
        policy, notice = served.policy, served.notice
        kind = policy.notice(notice.notice_type)
        zone = policy.calendar.timezone
        served_at = notice.served_at or notice.issued_at
        letterhead = Letterhead.from_city(self._city)
        violation = policy.violation
        context = LetterContext(
            jurisdiction=policy.jurisdiction or self._city.name,
            timezone=zone,
            city=letterhead,
            case_number=served.case_number,
            letter_date=local_time(served_at, zone).date(),
            recipient=Recipient.owner_of(served.parcel),
            parcel=ParcelRef.of(served.parcel),
            violations=(ViolationLine.from_violation(violation, violation.corrective_action or violation.title),),
            officer=self._officer(served.officer_id),
            notice=NoticeTerms.from_policy(notice.notice_type, kind, local_time(notice.issued_at, zone).date()),
            compliance_deadline=served.compliance_deadline,
            penalty=Penalty.from_policy(policy, served.fines_levied, served.escalations_taken),
            appeal=AppealRights.for_notice(kind, notice.appeal_deadline, how_to_appeal(letterhead)),
            service_method=notice.service_method,
            fine=FineTerms(
                amount=served.fine.amount, due_on=local_time(served.fine.due_at, zone).date(), number=served.fine.seq
            )
            if served.fine
            else None,
            owner_access=self._owner_access(served.case_number, f"notice-{notice.seq}"),
        )
        request = RenderRequest(
            case_number=served.case_number,
            kind=served.letter_kind,
            business_key=f"notice-{notice.seq}",
            context=context,
        )
        return self._documents.render_letter(request)
