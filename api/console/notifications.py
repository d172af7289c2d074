"""Alerts in the console: `/notifications` (each person's own, a supervisor's team's beside them, acknowledged one
or many at a time, and how they want to hear of them) and `/digests` (every digest filed, newest first)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.console.pages import render
from api.console.session import CsrfChecked, staff
from api.deps import SessionDep
from domain.access import Role, console_page_roles
from domain.alerts import AlertChannel, AlertSettings
from domain.digests import TITLES
from records.notifications import NotificationFilter, acknowledge, alert_kinds, digests, notifications_for
from records.tables import User
from records.users import set_contact

router = APIRouter()
Reader = Annotated[User, staff(console_page_roles("/notifications"))]


@router.get("/notifications", response_class=HTMLResponse)
def notifications(
    request: Request,
    session: SessionDep,
    user: Reader,
    kind: Annotated[str, Query(max_length=40)] = "",
    case: Annotated[str, Query(max_length=16)] = "",
    unread: bool = False,
    team: bool = False,
    saved: bool = False,
) -> Response:
    wanted = NotificationFilter(kind or None, case or None, unread, team and user.role == Role.SUPERVISOR)
    assert user.id is not None
    values = {
        "lines": notifications_for(session, user, wanted),
        "wanted": wanted,
        "kinds": alert_kinds(session, user.id),
        "channels": list(AlertChannel),
        "saved": saved,
    }
    return render(request, "console/notifications.html", user, values)


@router.post("/notifications/acknowledge", dependencies=[CsrfChecked])
def acknowledge_notifications(
    request: Request, session: SessionDep, user: Reader, notification: Annotated[list[int] | None, Form()] = None
) -> Response:
    """Acknowledges the ticked notifications (the reader's own), then back to the list as it was filtered."""
    acknowledge(session, user, notification or [])
    back = request.headers.get("referer") or "/notifications"
    return RedirectResponse(
        back if back.startswith(str(request.base_url)) else "/notifications", status.HTTP_303_SEE_OTHER
    )


@router.post("/notifications/preferences", dependencies=[CsrfChecked])
def save_preferences(session: SessionDep, user: Reader, settings: Annotated[AlertSettings, Form()]) -> Response:
    set_contact(session, user, settings)
    return RedirectResponse("/notifications?saved=true", status.HTTP_303_SEE_OTHER)


@router.get("/digests", response_class=HTMLResponse)
def digest_history(
    request: Request,
    session: SessionDep,
    user: Annotated[User, staff(console_page_roles("/digests"))],
    kind: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    values = {"digests": digests(session, kind or None), "titles": TITLES, "kind": kind}
    return render(request, "console/digests.html", user, values)
