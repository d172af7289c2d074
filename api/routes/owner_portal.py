"""The owner page (`/portal/owner`): opened with the case number and the access code printed on a notice.

The owner sees the violations, deadlines, the letters served, fines and the balance, and can report the work
done, ask for more time or appeal. Each request is kept as sent (`owner_requests`), then given to the case
as a signal, confirmed on screen and by a message to the owner's contact on the roll (sent once, by key).
Rules that refuse a request (the appeal window) are the workflow's own, asked before anything is stored.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from temporalio.service import RPCError

from adapters.letter_pdf import pdf_or_letter
from api.deps import ContextDep, RowNumber
from api.form_errors import human_errors, sentence
from api.portal_pages import (
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    message_page,
    page,
    read_form,
    read_photos,
    text_fields,
)
from api.rate_limit import (
    OWNER_ACTIONS,
    OWNER_SIGN_IN,
    OWNER_SIGN_IN_CASE_CEILING,
    OWNER_SIGN_IN_PER_CASE,
    PAGES,
    limit,
    limit_by,
)
from api.security import OWNER_SESSION_MINUTES, create_owner_token, owner_token_case
from domain import actions as act
from domain.case import CaseSnapshot, CaseState
from domain.case_numbers import is_case_number
from domain.evidence import EvidenceSource
from domain.messages import OwnerConfirmation
from domain.notices import capfirst, deadline_text
from domain.process import appeal_refusal
from domain.public_case import PUBLIC_STAGES, public_outcome
from domain.stages import CaseStage
from records.db import transaction
from records.notifications import file_alert
from records.portal import OwnerRequest, access_code_opens, account, owner_requests, served_notices
from records.tables import Alert, Case, Parcel
from services.context import AppContext
from services.evidence import Upload, keep_uploads
from services.online_payments import checkout, open_checkout
from services.owner_messages import send_owner_confirmation
from services.temporal_client import case_handle

log = logging.getLogger(__name__)
router = APIRouter(prefix="/portal/owner", include_in_schema=False)
OWNER_COOKIE = "abate_owner"
# The workflow takes extension requests only while a compliance deadline runs (workflows/case.py).
EXTENDABLE = (CaseStage.AWAITING_COMPLIANCE, CaseStage.REINSPECTION_DUE)
SIGNALS = {"compliance": "owner_reported_compliance", "extension": "extension_requested", "appeal": "appeal_filed"}
REQUEST_WORDS = {
    "compliance": "You reported that the work is done",
    "extension": "You asked for {days} more days",
    "appeal": "You filed an appeal",
}


def now() -> datetime:
    """The clock the appeal window is judged by (a test moves it past the window)."""
    return datetime.now(UTC)


# --- Signing in -------------------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def sign_in_form(request: Request, context: ContextDep) -> Response:
    limit(request, PAGES)
    return page(request, context, "owner_sign_in.html", {})


@router.post("", response_class=HTMLResponse)
def sign_in(
    request: Request,
    context: ContextDep,
    case_number: Annotated[str, Form(max_length=40)],
    access_code: Annotated[str, Form(max_length=40)],
) -> Response:
    case_number = case_number.strip().upper()
    limit(request, OWNER_SIGN_IN)
    limit(request, OWNER_SIGN_IN_PER_CASE, about=case_number)
    limit_by(request, OWNER_SIGN_IN_CASE_CEILING, case_number)
    with context.sessions() as session:
        opens = is_case_number(case_number) and access_code_opens(session, case_number, access_code)
    if not opens:
        error = (
            "The case number and access code do not match a notice. Check both as printed on the letter; "
            f"if it still fails, call {context.city.phone}."
        )
        values = {"error": error, "case_number": case_number}
        return page(request, context, "owner_sign_in.html", values, status.HTTP_401_UNAUTHORIZED)
    response = RedirectResponse(f"/portal/owner/{case_number}", status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        OWNER_COOKIE,
        create_owner_token(context.settings, case_number),
        httponly=True,
        samesite="strict",  # the owner's forms post only from these pages: no cross-site request can carry it
        secure=not context.settings.is_dev,
        max_age=OWNER_SESSION_MINUTES * 60,
        path="/portal/owner",
    )
    return response


@router.post("/sign-out")
def sign_out() -> Response:
    response = RedirectResponse("/portal/owner", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(OWNER_COOKIE, path="/portal/owner")
    return response


def _signed_in(request: Request, context: AppContext, case_number: str) -> bool:
    token = request.cookies.get(OWNER_COOKIE)
    return token is not None and owner_token_case(context.settings, token) == case_number


def _sign_in_again(request: Request, context: AppContext) -> HTMLResponse:
    values = {"error": "Your session has ended or is for another case: enter the case number and access code."}
    return page(request, context, "owner_sign_in.html", values, status.HTTP_401_UNAUTHORIZED)


# --- The case ---------------------------------------------------------------------------------------------


async def _snapshot(context: AppContext, case_number: str) -> CaseSnapshot | None:
    try:
        return await case_handle(context.temporal, case_number).query("snapshot", result_type=CaseSnapshot)
    except (RPCError, RuntimeError) as exc:  # Temporal down, or the case not started yet
        log.info("no snapshot of %s for the owner page (%s)", case_number, exc)
        return None


def _when(context: AppContext, instant: datetime | None) -> str | None:
    return deadline_text(instant, context.policy.calendar.timezone) if instant else None


def _day(context: AppContext, instant: datetime | None) -> str | None:
    return f"{context.policy.calendar.local_date(instant):%B %-d, %Y}" if instant else None


def _owner_view(context: AppContext, session: Session, case: Case) -> dict[str, Any]:
    parcel = session.get(Parcel, case.parcel_id)
    assert parcel is not None  # a foreign key
    notices = served_notices(session, case.case_number)
    current = notices[-1] if notices else None
    return {
        "case": case,
        "address": parcel.address,
        "stage": PUBLIC_STAGES[CaseStage(case.stage)],
        "outcome": public_outcome(case.outcome),
        "open": case.stage != CaseStage.CLOSED,
        "violation": context.policy.violation(case.violation_code),
        "compliance_deadline": _when(context, case.compliance_deadline),
        "appeal_deadline": _when(context, current.appeal_deadline) if current else None,
        "balance": case.balance,
        "notices": [
            {
                "seq": n.seq,
                "title": n.title,
                "served_on": _day(context, n.served_at),
                "document": n.document_path is not None,
                "pdf": n.document_path is not None and n.pdf_path is not None,
            }
            for n in notices
        ],
        "account": [
            {
                "on": _day(context, line.recorded_at),
                "what": line.description.capitalize(),
                "amount": f"{'−' if line.entry_type == 'payment' or line.amount < 0 else ''}${abs(line.amount):,.2f}",
                "due": _day(context, line.due_at),
            }
            for line in account(session, case.case_number)
        ],
        "requests": [
            {"on": _day(context, r.submitted_at), "what": REQUEST_WORDS[r.kind].format(days=r.days)}
            for r in owner_requests(session, case.case_number)
        ],
        "max_photos": MAX_PHOTOS,
        "max_photo_mb": MAX_PHOTO_BYTES // (1024 * 1024),
        "max_extension_days": context.policy.process.max_extension_days,
        "pay_online": checkout(context.settings) is not None and case.balance > 0,
    }


@router.get("/{case_number}", response_class=HTMLResponse)
async def owner_case(request: Request, case_number: str, context: ContextDep) -> Response:
    await run_in_threadpool(limit, request, PAGES)
    if not _signed_in(request, context, case_number):
        return _sign_in_again(request, context)
    return await _case_page(request, context, case_number)


async def _case_page(
    request: Request, context: AppContext, case_number: str, refused: _Refused | None = None
) -> HTMLResponse:
    """The owner's case; after a refused form, again with what to do beside each field and the owner's words kept."""
    snapshot = await _snapshot(context, case_number)
    appeal_refused = appeal_refusal(snapshot.state, now()) if snapshot else None
    with context.sessions() as session:
        case = session.get(Case, case_number)
        assert case is not None  # a code was issued for it
        values = _owner_view(context, session, case)
    hearing = snapshot.state.hearing if snapshot else None
    paused = hearing.paused_clock if hearing else None
    fine_appeals = _fine_appeals(context, snapshot.state) if snapshot else []
    return page(
        request,
        context,
        "owner_case.html",
        {
            **values,
            "appeal_refused": appeal_refused and capfirst(appeal_refused),
            "paused": paused,
            "fine_appeals": fine_appeals,
            "errors": refused.errors if refused else {},
            "form": refused.values if refused else {},
        },
        refused.status_code if refused else status.HTTP_200_OK,
    )


def _fine_appeals(context: AppContext, state: CaseState) -> list[dict[str, Any]]:
    """The fines the owner may appeal now: each within its own window (`appeal_refusal`, as the case judges it)."""
    return [
        {"seq": fine.seq, "amount": fine.amount, "by": _when(context, fine.appeal_deadline)}
        for fine in state.fines
        if appeal_refusal(state, now(), fine.seq) is None
    ]


@router.get("/{case_number}/documents/{seq}")
def document(request: Request, case_number: str, seq: RowNumber, context: ContextDep, format: str = "docx") -> Response:
    limit(request, PAGES)
    if not _signed_in(request, context, case_number):
        return _sign_in_again(request, context)
    with context.sessions() as session:
        notice = next((n for n in served_notices(session, case_number) if n.seq == seq), None)
    if notice is None or notice.document_path is None:
        return message_page(request, context, "No such letter", "This case has no served letter with that number.", 404)
    store = context.settings.document_store_dir.resolve()
    path = (store / notice.document_path).resolve()
    if format == "pdf" and path.is_relative_to(store):
        path = pdf_or_letter(store, notice.document_path).resolve()  # the Word copy when no PDF can be made
    if not path.is_relative_to(store) or not path.is_file():
        return message_page(request, context, "Letter unavailable", "That copy of the letter is not available.", 404)
    media = (
        "application/pdf"
        if path.suffix == ".pdf"
        else ("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    )
    return FileResponse(path, media_type=media, filename=f"{case_number}-{Path(path).name}")


# --- The owner's requests ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnerRequestIn:
    """A checked request: the signal for the case, what to keep, the photos to store and the words to confirm."""

    event: BaseModel
    text: str
    what: str
    days: int | None = None
    photos: list[Upload] = field(default_factory=list)


# The owner's fields as the error messages name them (api/form_errors.py).
OWNER_LABELS = {
    "note": "What was done",
    "days": "The number of days",
    "reason": "The reason",
    "grounds": "The grounds",
    "fine": "The fine",
}


class _Refused(Exception):
    """Why the owner's form was not sent: a reason for the whole of it (a page of its own), or what to do field by
    field (`errors`), shown on the case page again beside each field with what was typed (`values`) kept."""

    def __init__(
        self,
        status_code: int,
        message: str,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
    ) -> None:
        self.status_code, self.message = status_code, message
        self.errors, self.values = errors or {}, values or {}


def _field_errors(errors: dict[str, str], values: dict[str, str]) -> _Refused:
    errors = {name: sentence(reason) for name, reason in errors.items()}
    return _Refused(status.HTTP_422_UNPROCESSABLE_CONTENT, " ".join(f"{r}." for r in errors.values()), errors, values)


def _validated(model: type[BaseModel], values: dict[str, Any], typed: dict[str, str]) -> BaseModel:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise _field_errors(human_errors(exc.errors(), OWNER_LABELS), typed) from None


async def _deliver(
    context: AppContext, case_number: str, kind: str, owner_request: OwnerRequestIn
) -> tuple[OwnerRequest, bool]:
    """Keeps the request as sent (with its photos, in one transaction), then gives it to the case; if the case
    engine is down, staff are alerted to enter it by hand: nothing the owner sent is lost."""
    event = owner_request.event
    with transaction(context.sessions) as session:
        kept = keep_uploads(
            session, context, case_number, owner_request.photos, EvidenceSource.OWNER_COMPLIANCE, "owner"
        )
        evidence = [f"evidence:{e.id}" for e in kept]
        if evidence:
            event = event.model_copy(update={"evidence": evidence})
        row = OwnerRequest(
            case_number=case_number, kind=kind, text=owner_request.text, days=owner_request.days, evidence=evidence
        )
        session.add(row)
    delivered = True
    try:
        await case_handle(context.temporal, case_number).signal(SIGNALS[kind], event)
    except RPCError as exc:
        log.warning("owner request %s for %s not delivered (%s)", row.id, case_number, exc)
        delivered = False
    with transaction(context.sessions) as session:
        stored = session.get(OwnerRequest, row.id)
        assert stored is not None
        stored.delivered = delivered
        if not delivered:
            alert = Alert(
                key=f"owner-request-{row.id}",
                case_number=case_number,
                audience="supervisor",
                kind="owner_request_undelivered",
                message=f"{case_number}: the owner's {kind} request (portal, #{row.id}) could not reach the case; "
                "enter it from the case's events",
            )
            file_alert(session, alert)
    return row, delivered


async def _confirm(context: AppContext, case: Case, row: OwnerRequest, what: str) -> str:
    """The message to the owner's contact on the roll; how it went, in words for the confirmation page."""
    with context.sessions() as session:
        parcel = session.get(Parcel, case.parcel_id)
    address = parcel.address if parcel else ""
    confirmation = OwnerConfirmation(
        key=f"{case.case_number}:owner-request-{row.id}",
        case_number=case.case_number,
        address=address,
        subject=f"Case {case.case_number}: we received your request",
        body=f"Case {case.case_number}, {address}: {what} We received it on "
        f"{_day(context, row.submitted_at or datetime.now(UTC))}.",
    )
    try:
        receipt = await asyncio.to_thread(send_owner_confirmation, context, confirmation)
    except Exception as exc:  # the request stands whatever happens to its confirmation
        log.warning("confirmation %s not sent (%s)", confirmation.key, exc)
        return "We could not send you a confirmation message; this page is your confirmation."
    if receipt.channel is None:
        return "There is no e-mail or phone for you on the assessment roll, so this page is your confirmation."
    return f"A confirmation was sent to you by {receipt.channel.value}."


async def _act(request: Request, case_number: str, context: AppContext, kind: str) -> Response:
    await run_in_threadpool(limit, request, OWNER_ACTIONS)
    if not _signed_in(request, context, case_number):
        return _sign_in_again(request, context)
    back = f"/portal/owner/{case_number}"
    with context.sessions() as session:
        case = session.get(Case, case_number)
    assert case is not None
    try:
        form = await read_form(request, MAX_PHOTOS + 1)
        owner_request = await _request_of(context, case, kind, form)
    except _Refused as refused:
        if refused.errors:
            return await _case_page(request, context, case_number, refused)
        return message_page(request, context, "Not sent", refused.message, refused.status_code, back)
    row, delivered = await _deliver(context, case_number, kind, owner_request)
    sent = await _confirm(context, case, row, owner_request.what)
    later = "" if delivered else " It will be entered on your case by staff shortly."
    return message_page(request, context, "Received", f"{owner_request.what}{later} {sent}", status.HTTP_200_OK, back)


async def _request_of(context: AppContext, case: Case, kind: str, form: Any) -> OwnerRequestIn:
    if case.stage == CaseStage.CLOSED:
        raise _Refused(status.HTTP_409_CONFLICT, "This case is closed; there is nothing left to ask.")
    if kind == "compliance":
        values, errors = text_fields(form, ("note",))
        photos, photo_error = await read_photos([u for u in form.getlist("photos") if isinstance(u, UploadFile)])
        if errors or photo_error:
            raise _field_errors({**errors, **({"photos": photo_error} if photo_error else {})}, values)
        event = _validated(act.OwnerReportedCompliance, {"note": values["note"]}, values)
        what = "Your report that the work is done was received; an officer will reinspect the property soon."
        return OwnerRequestIn(event, values["note"], what, photos=photos)
    if kind == "extension":
        values, errors = text_fields(form, ("days", "reason"))
        limit_days = context.policy.process.max_extension_days
        if values["days"].isdigit() and int(values["days"]) > limit_days:
            raise _field_errors({"days": f"Ask for at most {limit_days} more days"}, values)
        event = _validated(act.ExtensionRequested, values, values)
        if case.stage not in EXTENDABLE:
            raise _Refused(
                status.HTTP_409_CONFLICT,
                f"No deadline is running now ({PUBLIC_STAGES[CaseStage(case.stage)].lower()}), so there is "
                "nothing to extend.",
            )
        assert isinstance(event, act.ExtensionRequested)
        what = f"Your request for {event.days} more days was received; a supervisor decides and you will get a letter."
        return OwnerRequestIn(event, event.reason, what, days=event.days)
    # An appeal of the notice, or with `fine` of that fine (the page offers it within the fine's own window).
    values, errors = text_fields(form, ("grounds", "fine"))
    event = _validated(
        act.AppealFiled,
        {"grounds": values["grounds"], "appellant": "the owner of record (portal)", "fine": values["fine"] or None},
        values,
    )
    assert isinstance(event, act.AppealFiled)
    snapshot = await _snapshot(context, case.case_number)
    if snapshot is None:
        raise _Refused(status.HTTP_503_SERVICE_UNAVAILABLE, "The case system is unavailable; try again in a while.")
    refused = appeal_refusal(snapshot.state, now(), event.fine)
    if refused:
        raise _Refused(status.HTTP_409_CONFLICT, f"The appeal cannot be filed: {refused}.")
    of = f" of fine {event.fine}" if event.fine else ""
    what = (
        f"Your appeal{of} was received; the deadline is paused and a hearing will be scheduled. You will get a letter."
    )
    text = f"Fine {event.fine}: {event.grounds}" if event.fine else event.grounds
    return OwnerRequestIn(event, text, what)


@router.post("/{case_number}/compliance", response_class=HTMLResponse)
async def report_compliance(request: Request, case_number: str, context: ContextDep) -> Response:
    return await _act(request, case_number, context, "compliance")


@router.post("/{case_number}/extension", response_class=HTMLResponse)
async def request_extension(request: Request, case_number: str, context: ContextDep) -> Response:
    return await _act(request, case_number, context, "extension")


@router.post("/{case_number}/pay")
async def pay_online(request: Request, case_number: str, context: ContextDep) -> Response:
    """The owner pays the balance on Stripe's hosted Checkout page; the payment reaches the case by Stripe's
    signed webhook (api/routes/stripe_webhook.py), never by this redirect."""
    limit(request, OWNER_ACTIONS)
    if not _signed_in(request, context, case_number):
        return _sign_in_again(request, context)
    with context.sessions() as session:
        case = session.get(Case, case_number)
    assert case is not None
    if case.balance <= 0:
        return HTMLResponse("Nothing is owed on this case.", status_code=status.HTTP_409_CONFLICT)
    back = f"{context.settings.public_base_url.rstrip('/')}/portal/owner/{case_number}"
    opened = await open_checkout(context, case_number, case.balance, back)
    if opened is None:
        return HTMLResponse("Online payment is not available.", status_code=status.HTTP_404_NOT_FOUND)
    return RedirectResponse(opened.url, status_code=status.HTTP_303_SEE_OTHER)


@router.post("/{case_number}/appeal", response_class=HTMLResponse)
async def file_appeal(request: Request, case_number: str, context: ContextDep) -> Response:
    return await _act(request, case_number, context, "appeal")
