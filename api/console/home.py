"""Signing in and out of the console, and its first page (the newest cases) until the dashboard replaces it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select

from api.console.pages import render
from api.console.session import SESSION_COOKIE, CsrfChecked, signed_in_user, staff
from api.deps import ContextDep, SessionDep
from api.routes.cases import temporal_ui_link
from api.security import create_access_token
from domain.access import console_page_roles
from domain.stages import CaseStage
from records.tables import Case, Officer, Parcel, User
from records.users import authenticate

router = APIRouter(include_in_schema=False)
RECENT_CASES = 50


def safe_next(path: str | None) -> str:
    """Only a path on this site: `next=//evil.example` must not turn sign-in into an open redirect."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, context: ContextDep, next: str | None = None) -> Response:
    user = signed_in_user(request, context)
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=status.HTTP_303_SEE_OTHER)
    return render(request, "console/login.html", None, {"next_path": safe_next(next)})


@router.post("/login", dependencies=[CsrfChecked])
def login(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    user = authenticate(session, username, password)
    if user is None:
        values = {"next_path": safe_next(next), "error": "Incorrect username or password."}
        return render(request, "console/login.html", None, values, status_code=status.HTTP_401_UNAUTHORIZED)
    response = RedirectResponse(safe_next(next), status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        SESSION_COOKIE,
        create_access_token(context.settings, user.username),
        httponly=True,
        samesite="strict",
        secure=not context.settings.is_dev,
        max_age=context.settings.access_token_minutes * 60,
    )
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout() -> Response:
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    user: Annotated[User, staff(console_page_roles("/"))],
) -> Response:
    query = (
        select(Case, Parcel, Officer)
        .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
        .outerjoin(Officer, col(Officer.id) == Case.assigned_officer_id)
        .order_by(col(Case.opened_at).desc())
        .limit(RECENT_CASES)
    )
    rows = []
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
    return render(request, "console/home.html", user, {"rows": rows})
