"""The case page: everything known about one case, and the actions its workflow allows now.

The records say what happened; the workflow's `snapshot` query says what the case waits on and so which
actions to offer. Every form posts to the same update path as the JSON API, so the workflow's validator
decides, and a refusal is shown on the page in the rule's own words.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from api.console.forms import FormField, form_fields, payload_of
from api.console.pages import render
from api.console.session import CsrfChecked, staff
from api.deps import ContextDep, RowNumber
from api.form_errors import human_errors
from config.settings import temporal_ui_link
from domain import actions as act
from domain.access import CORRESPOND, READ_CASE, RESOLVE_DISPUTE, SEE_COMPLAINANT, STAFF, Role
from domain.case import CaseSnapshot
from domain.communications import DisputeEntry, LoggedContact, withheld_from
from domain.evidence import PHOTO_TYPES, VIDEO_TYPES, EvidenceSource
from domain.next_step import next_step, primary_action
from domain.process import appeal_refusal, closing_outcomes
from domain.staff_actions import STAFF_ACTIONS, offered_actions
from domain.stages import CaseStage
from records.case_file import CaseFile, read_case_file
from records.communications import communications_of, open_disputes
from records.evidence import Evidence
from records.legacy_cases import legacy_numbers
from records.staff_entries import actor_names
from records.tables import Case, CaseNotice, Complainant, Message, Officer, User
from services.case_snapshot import case_snapshot
from services.context import AppContext
from services.evidence import poster_frame, shared_copy
from services.staff_actions import CASE_EVENTS, send_event, take_action

router = APIRouter(include_in_schema=False)
# Recorded on the inspection page (with photos), not through a generic form.
INSPECTIONS = ("record_inspection", "record_reinspection")


@dataclass
class Offer:
    """An action or event offered on the page, with its form."""

    name: str
    title: str
    fields: list[FormField]
    kind: str  # "actions" or "events"
    link: str | None = None  # an action done on its own page (the inspection)
    primary: bool = False  # the action the workflow waits on, which this reader may take


def _choices(session: Session, snapshot: CaseSnapshot) -> dict[str, list[tuple[str, str]]]:
    state = snapshot.state
    checklist = [(item, item) for item in state.policy.violation.checklist]
    officers = session.exec(select(Officer).where(col(Officer.active)).order_by(col(Officer.badge)))
    return {
        "checklist": checklist,
        "outcome": [(o.value, o.value.replace("_", " ")) for o in sorted(closing_outcomes(state))],
        "officer_badge": [(o.badge, f"{o.name} ({o.badge})") for o in officers],
    }


def _offers(session: Session, case_number: str, user: User, snapshot: CaseSnapshot | None) -> list[Offer]:
    """What this reader may do now, the action the workflow waits on first (primary), the others after it."""
    if snapshot is None or snapshot.state.stage is CaseStage.CLOSED:
        return []
    now = datetime.now(UTC)
    actor = act.Actor(username=user.username, role=Role(user.role), name=user.full_name)
    choices = _choices(session, snapshot)
    allowed = offered_actions(snapshot.state, actor, now)
    primary = primary_action(next_step(snapshot), allowed)
    offers = []
    for action in allowed:
        title = action.replace("_", " ").capitalize()
        link = f"/cases/{case_number}/inspect" if action in INSPECTIONS else None
        fields = [] if link else form_fields(STAFF_ACTIONS[action].body, choices)
        offers.append(Offer(action, title, fields, "actions", link, primary=action == primary))
    for event, (model, roles) in CASE_EVENTS.items():
        # An appeal is offered only while a served notice may be appealed (the rule the workflow applies).
        if user.role in roles and not (event == "appeal_filed" and appeal_refusal(snapshot.state, now)):
            title = event.replace("_", " ").capitalize() + " (received from outside)"
            offers.append(Offer(event, title, form_fields(model, choices), "events"))
    return sorted(offers, key=lambda offer: not offer.primary)


def _records(session: Session, context: AppContext, file: CaseFile, user: User) -> dict[str, Any]:
    case = file.case
    number = case.case_number
    complaints = []
    may_see = user.role in SEE_COMPLAINANT
    for complaint in file.complaints:
        person = session.get(Complainant, complaint.complainant_id) if may_see and complaint.complainant_id else None
        complaints.append({"complaint": complaint, "complainant": person})
    earlier = list(
        session.exec(
            select(Case)
            .where(Case.parcel_id == case.parcel_id, Case.case_number != number)
            .order_by(col(Case.opened_at).desc())
        )
    )
    imported = legacy_numbers(session, [number, *(c.case_number for c in earlier)])
    messages = list(session.exec(select(Message).where(Message.case_number == number).order_by(col(Message.id))))
    evidence = file.evidence
    communications = [(line, withheld_from(user.role, line.party)) for line in communications_of(session, number)]
    return {
        "case": case,
        "parcel": file.parcel,
        "officer": file.officer,
        "violation": context.policy.violation(case.violation_code),
        "complaints": complaints,
        "may_see_complainant": may_see,
        "history": [(c, CaseStage(c.stage).label) for c in earlier],
        "legacy": file.legacy,
        "imported": imported,
        "events": file.timeline,
        "evidence": evidence,
        "before_after": before_and_after(evidence),
        "notices": file.notices,
        "messages": messages,
        "ledger": [line for line in file.ledger if line.entry_type != "remediation_cost"],
        "costs": [line for line in file.ledger if line.entry_type == "remediation_cost"],
        "hearings": file.hearings,
        "communications": communications,
        "disputes": [(d, withheld_from(user.role, d.party)) for d in open_disputes(session, number)],
        "may_correspond": user.role in CORRESPOND,
        "may_resolve": user.role in RESOLVE_DISPUTE,
        "contact_fields": form_fields(LoggedContact, {}),
        "dispute_fields": form_fields(DisputeEntry, {}),
    }


def before_and_after(evidence: list[Evidence]) -> list[tuple[Evidence | None, Evidence | None]]:
    """The inspection's photos beside the reinspection's, pair by pair, once there is a reinspection."""
    photos = [e for e in evidence if e.media_type.startswith("image/")]
    before = [e for e in photos if e.source == EvidenceSource.INSPECTION]
    after = [e for e in photos if e.source == EvidenceSource.REINSPECTION]
    if not after:
        return []
    return [
        (before[i] if i < len(before) else None, after[i] if i < len(after) else None)
        for i in range(max(len(before), len(after)))
    ]


def days_left(deadline: datetime | None, zone: ZoneInfo) -> int | None:
    """Whole days from today to the deadline's day, in the city's calendar (negative once it has passed)."""
    if deadline is None:
        return None
    return (deadline.astimezone(zone).date() - datetime.now(zone).date()).days


async def show_case(
    request: Request,
    context: AppContext,
    user: User,
    case_number: str,
    *,
    refusal: str | None = None,
    errors: dict[str, str] | None = None,
    failed: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    snapshot = await case_snapshot(context, case_number)

    def load() -> dict[str, Any] | None:
        with context.sessions() as session:
            file = read_case_file(session, case_number, withhold_complainants=user.role not in SEE_COMPLAINANT)
            if file is None:
                return None
            return {
                **_records(session, context, file, user),
                "offers": _offers(session, case_number, user, snapshot),
                "names": actor_names(session),
            }

    values = await asyncio.to_thread(load)
    if values is None:
        message = f"There is no case {case_number}. Check the number, or find the case in the case list."
        return render(
            request,
            "console/message.html",
            user,
            {"title": "No such case", "message": message},
            status_code=status.HTTP_404_NOT_FOUND,
        )
    zone = ZoneInfo(context.city.timezone)
    case: Case = values["case"]
    deadline = snapshot.next_deadline if snapshot else case.next_deadline
    values.update(
        title=f"Case {case_number}",
        snapshot=snapshot,
        stage_label=CaseStage(case.stage).label,
        deadline=deadline,
        days_left=days_left(deadline, zone),
        waiting_on=snapshot.waiting_on if snapshot else None,
        next_step=next_step(snapshot) if snapshot else None,
        zone=zone,
        temporal_link=temporal_ui_link(context.settings, case_number),
        refusal=refusal,
        errors=errors or {},
        failed=failed,
        done=request.query_params.get("done"),
        form=dict(await request.form()) if failed and request.method == "POST" else {},
    )
    return render(request, "console/case.html", user, values, status_code=status_code)


@router.get("/cases/{case_number}", response_class=HTMLResponse)
async def case_page(
    request: Request, case_number: str, context: ContextDep, user: Annotated[User, staff(READ_CASE)]
) -> Response:
    return await show_case(request, context, user, case_number)


async def _submit(
    request: Request, context: AppContext, user: User, case_number: str, kind: str, name: str
) -> Response:
    form = await request.form()
    bodies = (
        {name: a.body for name, a in STAFF_ACTIONS.items()}
        if kind == "actions"
        else {event: model for event, (model, _) in CASE_EVENTS.items()}
    )
    model = bodies.get(name)
    if model is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"No {kind[:-1]} {name!r}.")
    snapshot = await case_snapshot(context, case_number)
    choices: dict[str, list[tuple[str, str]]] = {}
    if snapshot is not None:
        with context.sessions() as session:
            choices = _choices(session, snapshot)
    fields = form_fields(model, choices)
    payload = payload_of(form, fields, ZoneInfo(context.city.timezone))
    try:
        if kind == "actions":
            await take_action(context, user, case_number, name, payload)
        else:
            await send_event(context, user, case_number, name, payload)
    except RequestValidationError as exc:
        return await show_case(
            request,
            context,
            user,
            case_number,
            errors=human_errors(exc.errors(), {f.name: f.label for f in fields}),
            failed=name,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    except HTTPException as exc:
        if exc.status_code == status.HTTP_404_NOT_FOUND:
            raise
        return await show_case(
            request, context, user, case_number, refusal=str(exc.detail), failed=name, status_code=exc.status_code
        )
    return RedirectResponse(f"/cases/{case_number}?done={name}", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/cases/{case_number}/actions/{action}", dependencies=[CsrfChecked])
async def submit_action(
    request: Request, case_number: str, action: str, context: ContextDep, user: Annotated[User, staff(STAFF)]
) -> Response:
    # The role is checked by the one action path (take_action), which answers a 403 with the roles that may.
    return await _submit(request, context, user, case_number, "actions", action)


@router.post("/cases/{case_number}/events/{event}", dependencies=[CsrfChecked])
async def submit_event(
    request: Request, case_number: str, event: str, context: ContextDep, user: Annotated[User, staff(STAFF)]
) -> Response:
    return await _submit(request, context, user, case_number, "events", event)


def _stored_file(store: Path, relative: str) -> Path:
    """A file of the document store; a path that would leave the store is treated as missing."""
    root = store.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="The file is not in the document store.")
    return path


def _evidence_on(
    context: AppContext, case_number: str, evidence_id: int, role: str, kinds: frozenset[str] | None = None
) -> Evidence:
    """The case's file; a file that came with someone's letter or email is theirs, and hidden like their name."""
    with context.sessions() as session:
        item = session.get(Evidence, evidence_id)
    withheld = item is not None and item.source == EvidenceSource.CORRESPONDENCE and role not in SEE_COMPLAINANT
    if (
        item is None
        or item.case_number != case_number
        or withheld
        or (kinds is not None and item.media_type not in kinds)
    ):
        what = "evidence" if kinds is None else "such file"
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"No {what} {evidence_id} on case {case_number}.")
    return item


@router.get("/cases/{case_number}/evidence/{evidence_id}")
def evidence_file(
    case_number: str, evidence_id: RowNumber, context: ContextDep, user: Annotated[User, staff(READ_CASE)]
) -> Response:
    item = _evidence_on(context, case_number, evidence_id, user.role)
    store = context.settings.document_store_dir
    path = _stored_file(store, item.path)
    if user.role not in SEE_COMPLAINANT and item.media_type in PHOTO_TYPES | VIDEO_TYPES:
        path = shared_copy(store, item)  # the photo or video without who took it, or where from
    # Served as the type its bytes were judged to be, never as HTML: the name is the sender's.
    return FileResponse(
        path,
        media_type=item.media_type,
        # Who is signed in decides which copy is sent: a browser shared at the counter must not reuse the other.
        headers={"Cache-Control": "private, max-age=3600", "Vary": "Cookie", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/cases/{case_number}/evidence/{evidence_id}/poster")
def evidence_poster(
    case_number: str, evidence_id: RowNumber, context: ContextDep, user: Annotated[User, staff(READ_CASE)]
) -> Response:
    """A video's first frame, for the gallery (a JPEG ffmpeg drew: no metadata of its own)."""
    item = _evidence_on(context, case_number, evidence_id, user.role, kinds=VIDEO_TYPES)
    path = poster_frame(context.settings.document_store_dir, item)
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


@router.get("/cases/{case_number}/notices/{seq}")
def notice_document(
    case_number: str, seq: RowNumber, context: ContextDep, _user: Annotated[User, staff(READ_CASE)]
) -> Response:
    with context.sessions() as session:
        notice = session.exec(
            select(CaseNotice).where(CaseNotice.case_number == case_number, CaseNotice.seq == seq)
        ).first()
    if notice is None or not notice.document_path:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"Notice {seq} of case {case_number} has no letter.")
    path = _stored_file(context.settings.document_store_dir, notice.document_path)
    return FileResponse(path, filename=path.name, headers={"Cache-Control": "private"})
