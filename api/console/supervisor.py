"""The supervisor queue at `/supervisor`: what needs a supervisor now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.console.pages import render
from api.console.session import staff
from api.deps import SessionDep
from domain.access import console_page_roles
from records.supervisor_queue import QUEUE_LIMIT, supervisor_queues
from records.tables import User

router = APIRouter()


@router.get("/supervisor", response_class=HTMLResponse)
def supervisor_queue(
    request: Request, session: SessionDep, user: Annotated[User, staff(console_page_roles("/supervisor"))]
) -> Response:
    values = {"queues": supervisor_queues(session), "limit": QUEUE_LIMIT}
    return render(request, "console/supervisor.html", user, values)
