"""The inspection page, made for a phone at the property: the checklist, findings (typed or dictated) and photos
and videos in one form, with the photos of earlier cases at the property to look at before the visit.

Photos and videos are stored first (judged by their bytes, kept once under their sha256, with their own time and
position, or the phone's file time and position when they carry none, saying which), then the `record_inspection`
or `record_reinspection` update names them; the workflow's validator has the last word.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select
from starlette.datastructures import UploadFile

from api.console.pages import render
from api.console.session import CsrfChecked, staff
from api.deps import ContextDep
from api.form_errors import human_errors
from domain.evidence import (
    FIELD_TYPES,
    MAX_VIDEO_BYTES,
    EvidenceRejected,
    EvidenceSource,
    device_capture_time,
)
from domain.staff_actions import INSPECT, STAFF_ACTIONS
from domain.stages import CaseStage
from records.db import transaction
from records.evidence import Evidence, evidence_of, prior_field_evidence
from records.tables import Case, Parcel, User
from services.case_snapshot import case_snapshot
from services.context import AppContext
from services.evidence import Upload, keep_uploads
from services.staff_actions import take_action

router = APIRouter(include_in_schema=False)
MAX_FILES = 20
PRIOR_SHOWN = 12


def _which(stage: str) -> str | None:
    """The inspection the case is ready for: the first one, or the reinspection after a notice."""
    for action in ("record_inspection", "record_reinspection"):
        if CaseStage(stage) in STAFF_ACTIONS[action].stages:
            return action
    return None


async def _page(
    request: Request,
    context: AppContext,
    user: User,
    case_number: str,
    *,
    problem: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    def load() -> tuple[Case, Parcel, list[Evidence], list[Evidence]] | None:
        with context.sessions() as session:
            case = session.get(Case, case_number)
            if case is None:
                return None
            parcel = session.get(Parcel, case.parcel_id)
            assert parcel is not None  # a foreign key
            prior = prior_field_evidence(session, case.parcel_id, case_number, PRIOR_SHOWN)
            return case, parcel, evidence_of(session, case_number), prior

    loaded = await asyncio.to_thread(load)
    if loaded is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"No case {case_number}.")
    case, parcel, evidence, prior = loaded
    snapshot = await case_snapshot(context, case_number)
    violation = snapshot.state.policy.violation if snapshot else context.policy.violation(case.violation_code)
    action = _which(snapshot.state.stage if snapshot else case.stage)
    before = [e for e in evidence if e.source == EvidenceSource.INSPECTION and e.media_type.startswith("image/")]
    form: dict[str, Any] = {}
    if request.method == "POST":
        sent = await request.form()
        form = {"findings": sent.get("findings", ""), "checklist": sent.getlist("checklist")}
    values = {
        "title": f"Inspect {case_number}",
        "case": case,
        "parcel": parcel,
        "violation": violation,
        "action": action,
        "before": before if action == "record_reinspection" else [],
        "prior": prior,
        "max_files": MAX_FILES,
        "max_video_mb": MAX_VIDEO_BYTES // 2**20,
        "problem": problem,
        "errors": errors or {},
        "form": form,
    }
    return render(request, "console/inspect.html", user, values, status_code=status_code)


@router.get("/cases/{case_number}/inspect", response_class=HTMLResponse)
async def inspection_page(
    request: Request, case_number: str, context: ContextDep, user: Annotated[User, staff(INSPECT)]
) -> Response:
    return await _page(request, context, user, case_number)


def _float(value: object) -> float | None:
    try:
        return float(value) if isinstance(value, str) and value.strip() else None
    except ValueError:
        return None


def _keep(
    context: AppContext,
    case_number: str,
    user: User,
    uploads: list[Upload],
    source: EvidenceSource,
    device: tuple[float | None, float | None],
) -> tuple[list[str], list[int]]:
    """All the photos and videos, or none (EvidenceRejected names the file that was refused): the evidence ids, and
    the rows this upload added (a file sent before is the row it already has)."""
    position = (device[0], device[1]) if device[0] is not None and device[1] is not None else None
    with transaction(context.sessions) as session:
        known = set(session.exec(select(Evidence.id).where(Evidence.case_number == case_number)))
        kept = keep_uploads(
            session, context, case_number, uploads, source, user.username, allowed=FIELD_TYPES, device_position=position
        )
    return [str(e.id) for e in kept], [e.id for e in kept if e.id is not None and e.id not in known]


def _forget(context: AppContext, added: list[int]) -> None:
    """A refused inspection keeps no evidence rows of its own (the files, named by their hash, are reused)."""
    with transaction(context.sessions) as session:
        for item in session.exec(select(Evidence).where(col(Evidence.id).in_(added))):
            session.delete(item)


@router.post("/cases/{case_number}/inspect", dependencies=[CsrfChecked])
async def record_inspection(
    request: Request, case_number: str, context: ContextDep, user: Annotated[User, staff(INSPECT)]
) -> Response:
    form = await request.form()
    with context.sessions() as session:
        case = session.get(Case, case_number)
    if case is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"No case {case_number}.")
    snapshot = await case_snapshot(context, case_number)
    action = _which(snapshot.state.stage if snapshot else case.stage)
    if action is None or snapshot is None:
        problem = f"Case {case_number} is not waiting for an inspection (it is at '{CaseStage(case.stage).label}')."
        return await _page(request, context, user, case_number, problem=problem, status_code=status.HTTP_409_CONFLICT)
    verdict = form.get("verdict")
    if verdict not in ("violation", "none", "complied", "not_complied"):
        return await _page(
            request,
            context,
            user,
            case_number,
            errors={"verdict": "choose what you found"},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    files = [item for item in form.getlist("photos") if isinstance(item, UploadFile) and item.filename]
    if len(files) > MAX_FILES:
        problem = f"At most {MAX_FILES} photos and videos per inspection; {len(files)} were sent."
        return await _page(
            request, context, user, case_number, problem=problem, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    # The browser sends each photo's file time, in the order of the photos (the form works without it).
    file_times = str(form.get("device_times") or "").split(",")
    now = datetime.now(UTC)
    uploads = [
        Upload(
            upload.filename or "photo",
            await upload.read(MAX_VIDEO_BYTES + 1),  # past the largest file kept, more is not read
            device_capture_time(file_times[n], now) if n < len(file_times) else None,
        )
        for n, upload in enumerate(files)
    ]
    source = EvidenceSource.INSPECTION if action == "record_inspection" else EvidenceSource.REINSPECTION
    device = (_float(form.get("device_lat")), _float(form.get("device_lon")))
    try:
        evidence, added = await asyncio.to_thread(_keep, context, case_number, user, uploads, source, device)
    except EvidenceRejected as exc:
        return await _page(
            request,
            context,
            user,
            case_number,
            problem=f"Photo or video refused: {exc}",
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    ticked = set(form.getlist("checklist"))
    payload: dict[str, Any] = {
        "findings": form.get("findings", ""),
        "checklist": {item: item in ticked for item in snapshot.state.policy.violation.checklist},
        "evidence": evidence,
    }
    if action == "record_inspection":
        payload["violation_found"] = verdict == "violation"
    else:
        payload["complied"] = verdict == "complied"
    try:
        await take_action(context, user, case_number, action, payload)
    except RequestValidationError as exc:
        await asyncio.to_thread(_forget, context, added)
        errors = human_errors(exc.errors(), {"findings": "Findings", "checklist": "Checklist"})
        return await _page(
            request, context, user, case_number, errors=errors, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    except HTTPException as exc:
        await asyncio.to_thread(_forget, context, added)
        problem = f"{action.replace('_', ' ').capitalize()} was refused: {exc.detail}"
        return await _page(request, context, user, case_number, problem=problem, status_code=exc.status_code)
    return RedirectResponse(f"/cases/{case_number}?done={action}", status_code=status.HTTP_303_SEE_OTHER)
