"""The staff console's first page: sign in, see the newest cases, jump to a case's workflow in the Temporal UI.

The session is the same signed token the API issues, kept in an HttpOnly, SameSite=Strict cookie.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import col, select

from api.deps import ContextDep, SessionDep
from api.routes.cases import temporal_ui_link
from api.security import create_access_token, token_subject
from domain.stages import CaseStage
from records.tables import Case, Officer, Parcel
from records.users import active_user, authenticate

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
SESSION_COOKIE = "abate_session"
RECENT_CASES = 50


@router.get("/", response_class=HTMLResponse)
def home(request: Request, context: ContextDep, session: SessionDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    username = token_subject(context.settings, token) if token else None
    user = active_user(session, username) if username else None
    rows = []
    if user is not None:
        query = (
            select(Case, Parcel, Officer)
            .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
            .outerjoin(Officer, col(Officer.id) == Case.assigned_officer_id)
            .order_by(col(Case.opened_at).desc())
            .limit(RECENT_CASES)
        )
        for case, parcel, officer in session.exec(query):
            violation = context.policy.violation(case.violation_code)
            rows.append(
                {
                    "case": case,
                    "stage": CaseStage(case.stage).label,
                    "violation": violation.title if violation else case.violation_code,
                    "address": parcel.address,
                    "officer": officer.name if officer else "unassigned",
                    "temporal": temporal_ui_link(context.settings, case.case_number),
                }
            )
    return templates.TemplateResponse(
        request,
        "home.html",
        {"user": user, "rows": rows, "city": context.city, "temporal_ui": context.settings.temporal_ui_url},
    )


@router.post("/login")
def login(
    context: ContextDep, session: SessionDep, username: Annotated[str, Form()], password: Annotated[str, Form()]
) -> Response:
    user = authenticate(session, username, password)
    if user is None:
        return RedirectResponse("/?error=1", status_code=status.HTTP_303_SEE_OTHER)
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        SESSION_COOKIE,
        create_access_token(context.settings, user.username),
        httponly=True,
        samesite="strict",
        secure=not context.settings.is_dev,
        max_age=context.settings.access_token_minutes * 60,
    )
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE)
    return response
