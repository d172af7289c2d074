"""Residents' messages in the console: the unmatched inbox (`/inbox`, filed to a case from there), and from the
case page, replies, calls and visits logged, and disputes of the code recorded and resolved.

Each form answers with the case page (303) when done, or a page with the rule that refused it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.console.pages import render
from api.console.session import CsrfChecked, staff
from api.deps import ContextDep, SessionDep
from domain.access import CORRESPOND, RESOLVE_DISPUTE, UNMATCHED_INBOX
from domain.communications import DisputeEntry, DisputeResolution, LoggedContact, ResidentReply
from records.communications import unmatched
from records.tables import User
from services.contacts import Refused, file_from_inbox, log_contact, record_dispute, reply, resolve_dispute
from services.context import AppContext

router = APIRouter()
Correspondent = Annotated[User, staff(CORRESPOND)]


def _refused(request: Request, user: User, what: str, reason: str, back: str) -> Response:
    return render(
        request,
        "console/message.html",
        user,
        {"title": f"{what} was refused", "message": f"{reason}.", "back": back},
        status_code=status.HTTP_409_CONFLICT,
    )


def _done(case_number: str, what: str) -> Response:
    return RedirectResponse(f"/cases/{case_number}?done={what}#communications", status.HTTP_303_SEE_OTHER)


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request, session: SessionDep, user: Annotated[User, staff(UNMATCHED_INBOX)]) -> Response:
    return render(request, "console/inbox.html", user, {"title": "Unmatched inbox", "lines": unmatched(session)})


@router.post("/inbox/{line_id}/file", dependencies=[CsrfChecked])
async def file_line(
    request: Request,
    line_id: int,
    context: ContextDep,
    user: Annotated[User, staff(UNMATCHED_INBOX)],
    case_number: Annotated[str, Form(min_length=1, max_length=16)],
) -> Response:
    number = case_number.strip().upper()
    try:
        await asyncio.to_thread(file_from_inbox, context, user, line_id, number)
    except Refused as refused:
        return _refused(request, user, "Filing the message", str(refused), "/inbox")
    return _done(number, "filed_from_inbox")


async def _attempt(request: Request, user: User, case_number: str, what: str, call: Callable[[], object]) -> Response:
    try:
        await asyncio.to_thread(call)
    except Refused as refused:
        return _refused(request, user, what.replace("_", " ").capitalize(), str(refused), f"/cases/{case_number}")
    return _done(case_number, what)


@router.post("/cases/{case_number}/communications/{line_id}/reply", dependencies=[CsrfChecked])
async def reply_to(
    request: Request,
    case_number: str,
    line_id: int,
    context: ContextDep,
    user: Correspondent,
    answer: Annotated[ResidentReply, Form()],
) -> Response:
    return await _attempt(
        request, user, case_number, "reply_sent", lambda: reply(context, user, case_number, line_id, answer)
    )


@router.post("/cases/{case_number}/communications", dependencies=[CsrfChecked])
async def log_call_or_visit(
    request: Request,
    case_number: str,
    context: ContextDep,
    user: Correspondent,
    contact: Annotated[LoggedContact, Form()],
) -> Response:
    return await _attempt(
        request, user, case_number, "contact_logged", lambda: log_contact(context, user, case_number, contact)
    )


@router.post("/cases/{case_number}/disputes", dependencies=[CsrfChecked])
async def dispute(
    request: Request, case_number: str, context: ContextDep, user: Correspondent, entry: Annotated[DisputeEntry, Form()]
) -> Response:
    return await _attempt(
        request, user, case_number, "dispute_recorded", lambda: _record(context, user, case_number, entry)
    )


def _record(context: AppContext, user: User, case_number: str, entry: DisputeEntry) -> None:
    held = record_dispute(context, user, case_number, entry)
    if held:  # recorded and the program manager alerted; only the e-mail to the attorney must wait
        raise Refused(f"the dispute is recorded, but the e-mail to the city attorney did not go: {held}")


@router.post("/cases/{case_number}/disputes/{dispute_id}/resolve", dependencies=[CsrfChecked])
async def resolve(
    request: Request,
    case_number: str,
    dispute_id: int,
    context: ContextDep,
    user: Annotated[User, staff(RESOLVE_DISPUTE)],
    how: Annotated[DisputeResolution, Form()],
) -> Response:
    return await _attempt(
        request,
        user,
        case_number,
        "dispute_resolved",
        lambda: resolve_dispute(context, user, case_number, dispute_id, how),
    )
