"""The case list at `/cases`: every case the city has, filtered, searched, sorted and paged."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select

from api.console.pages import render
from api.console.session import staff
from api.deps import ContextDep, SessionDep
from domain.access import READ_REPORTS, console_page_roles
from domain.stages import CaseStage
from records.case_list import CaseFilter, Sort, Status, case_page
from records.tables import Officer, User, Zone

router = APIRouter()


def map_query(wanted: CaseFilter) -> str:
    """The list's filter as the map reads it: what the two share (the map has no search, stage or overdue)."""
    shared = {name: getattr(wanted, name) for name in ("zone", "violation", "officer", "priority")}
    return urlencode({name: value for name, value in shared.items() if value is not None})


@router.get("/cases", response_class=HTMLResponse)
def case_list(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    user: Annotated[User, staff(console_page_roles("/cases"))],
    wanted: Annotated[CaseFilter, Query()],
) -> Response:
    policy = context.policy
    return render(
        request,
        "console/case_list.html",
        user,
        {
            "f": wanted,
            "result": case_page(session, wanted),
            "query": wanted.query_string(),
            "map_query": map_query(wanted) if user.role in READ_REPORTS else None,
            "stages": list(CaseStage),
            "statuses": list(Status),
            "sorts": list(Sort),
            "violations": policy.violation_types,
            "priorities": sorted({v.priority for v in policy.violation_types}),
            "officers": session.exec(select(Officer).order_by(col(Officer.name))).all(),
            "zones": session.exec(select(Zone).order_by(col(Zone.code))).all(),
        },
    )
