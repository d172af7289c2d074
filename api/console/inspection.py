"""The inspection page, made for a phone at the property: the checklist, findings and photos in one form.

Photos are stored first (judged by their bytes, kept once under their sha256, with the EXIF time and
position, or the phone's file time and position when the photo carries none, saying which), then the `record_inspection` or
`record_reinspection` update names them; the workflow's validator has the last word.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select
from starlette.datastructures import UploadFile

from api.console.pages import render
from api.console.session import CsrfChecked, staff
from api.deps import ContextDep
from api.form_errors import human_errors
from domain.evidence import CaptureTimeSource, EvidenceRejected, EvidenceSource, device_capture_time
from domain.staff_actions import INSPECT, STAFF_ACTIONS
from domain.stages import CaseStage
from records.db import transaction
from records.evidence import Evidence, evidence_of
from records.tables import Case, Parcel, User
from services.case_snapshot import case_snapshot
from services.context import AppContext
from services.evidence import store_evidence
from services.staff_actions import take_action

router = APIRouter(include_in_schema=False)
MAX_PHOTOS = 20


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
    def load() -> tuple[Case, Parcel, list[Evidence]] | None:
        with context.sessions() as session:
            case = session.get(Case, case_number)
            if case is None:
                return None
            parcel = session.get(Parcel, case.parcel_id)
            assert parcel is not None  # a foreign key
            return case, parcel, evidence_of(session, case_number)

    loaded = await asyncio.to_thread(load)
    if loaded is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"No case {case_number}.")
    case, parcel, evidence = loaded
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


def _store_photos(
    context: AppContext,
    case_number: str,
    user: User,
    photos: list[tuple[str, bytes, datetime | None]],
    source: EvidenceSource,
    device: tuple[float | None, float | None],
) -> tuple[list[str], list[int]]:
    """All the photos, or none (EvidenceRejected names the file that was refused): the evidence ids, and the
    rows this upload added (a photo sent before is the row it already has)."""
    zone = ZoneInfo(context.city.timezone)
    ids, added = [], []
    with transaction(context.sessions) as session:
        known = set(session.exec(select(Evidence.id).where(Evidence.case_number == case_number)))
        for name, data, device_time in photos:
            try:
                item = store_evidence(
                    session,
                    context.settings.document_store_dir,
                    case_number=case_number,
                    data=data,
                    original_name=name,
                    source=source,
                    uploaded_by=user.username,
                    local_zone=zone,
                    photos_only=True,
                )
            except EvidenceRejected as exc:
                raise EvidenceRejected(f"{name}: {exc}") from None
            assert item.id is not None  # flushed
            if item.id in known:
                ids.append(str(item.id))
                continue
            if item.latitude is None and device[0] is not None and device[1] is not None:
                # The photo says nowhere; the phone's own position at upload is the next best witness.
                item.latitude, item.longitude = device
            if item.taken_at is None and device_time is not None:
                # The photo says no time; the phone's time for the file (taken, or last edited) is the next best.
                item.taken_at, item.taken_at_source = device_time, CaptureTimeSource.DEVICE.value
            session.add(item)
            ids.append(str(item.id))
            added.append(item.id)
    return ids, added


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
    uploads = [item for item in form.getlist("photos") if isinstance(item, UploadFile) and item.filename]
    if len(uploads) > MAX_PHOTOS:
        problem = f"At most {MAX_PHOTOS} photos per inspection; {len(uploads)} were sent."
        return await _page(
            request, context, user, case_number, problem=problem, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    # The browser sends each photo's file time, in the order of the photos (the form works without it).
    file_times = str(form.get("device_times") or "").split(",")
    now = datetime.now(UTC)
    photos = [
        (
            upload.filename or "photo",
            await upload.read(),
            device_capture_time(file_times[n], now) if n < len(file_times) else None,
        )
        for n, upload in enumerate(uploads)
    ]
    source = EvidenceSource.INSPECTION if action == "record_inspection" else EvidenceSource.REINSPECTION
    device = (_float(form.get("device_lat")), _float(form.get("device_lon")))
    try:
        evidence, added = await asyncio.to_thread(_store_photos, context, case_number, user, photos, source, device)
    except EvidenceRejected as exc:
        return await _page(
            request,
            context,
            user,
            case_number,
            problem=f"Photo refused: {exc}",
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
