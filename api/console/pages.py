"""Rendering console pages: one layout, the navigation the user's role allows, the CSRF token for forms.

Every page goes through `render`, so no template can forget the token or show a link its reader may not follow.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from adapters.chart_svg import draw
from api.console.session import CSRF_FIELD, CsrfRejected, PageForbidden, SignInRequired, csrf_token, remember_csrf
from config.settings import WEB_VENDOR_DIR
from domain.access import CONSOLE_PAGES, complainant_withheld
from domain.evidence import CaptureTimeSource
from domain.stages import CaseStage
from records.notifications import unread_count
from records.provider_holds import PROVIDER_NAMES, holds
from records.tables import User
from services.context import AppContext

API_DIR = Path(__file__).resolve().parent.parent
MAP_LIBRARIES = ("leaflet", "leaflet.markercluster")
templates = Jinja2Templates(directory=API_DIR / "templates")
templates.env.globals["stage_label"] = lambda stage: CaseStage(stage).label
templates.env.globals["complainant_withheld"] = complainant_withheld
templates.env.globals["draw_chart"] = draw
templates.env.globals["capture_source"] = lambda source: CaptureTimeSource(source).label


def navigation(user: User | None) -> list[tuple[str, str]]:
    if user is None:
        return []
    return [(path, label) for path, label, roles in CONSOLE_PAGES if user.role in roles]


def render(
    request: Request, template: str, user: User | None, values: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    context: AppContext = request.app.state.context
    unread, held = 0, []
    if user is not None and user.id is not None:
        with context.sessions() as session:
            unread = unread_count(session, user.id)
            held = [PROVIDER_NAMES.get(h.provider, h.provider) for h in holds(session)]
    response = templates.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "nav": navigation(user),
            "unread": unread,  # the header's count of the reader's unread alerts
            "held_by": held,  # providers refusing the city's key: the header says messages wait
            "now": datetime.now(UTC),
            "city": context.city,
            "tz": ZoneInfo(context.city.timezone),  # times are shown in the city's zone
            "temporal_ui": context.settings.temporal_ui_url,
            "violation_title": context.policy.violation_title,
            "csrf_field": CSRF_FIELD,
            "csrf_token": csrf_token(request),
            **(values or {}),
        },
        status_code=status_code,
    )
    remember_csrf(request, response, secure=not context.settings.is_dev)
    return response


def install(app: FastAPI) -> None:
    """Static assets (served by the app: the console needs nothing from the internet) and the console's answers
    to a missing sign-in, a role that may not, and a form without its CSRF token."""
    for package in MAP_LIBRARIES:  # mounted before /static, which would otherwise answer for them
        app.mount(
            f"/static/vendor/{package}",
            StaticFiles(directory=WEB_VENDOR_DIR / package / "dist", check_dir=False),
            name=package,
        )
    app.mount("/static", StaticFiles(directory=API_DIR / "static"), name="static")

    async def sign_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return RedirectResponse(exc.next_path, status_code=status.HTTP_303_SEE_OTHER)

    async def forbidden(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageForbidden)
        roles = ", ".join(sorted(role.replace("_", " ") for role in exc.allowed))
        message = f"Your role ({exc.user.role.replace('_', ' ')}) may not open this page; it needs: {roles}."
        return render(
            request,
            "console/message.html",
            exc.user,
            {"title": "Not allowed", "message": message},
            status_code=status.HTTP_403_FORBIDDEN,
        )

    async def csrf_rejected(request: Request, exc: Exception) -> Response:
        message = "This form expired or did not come from this site. Go back, reload the page and try again."
        return render(
            request,
            "console/message.html",
            None,
            {"title": "Form refused", "message": message},
            status_code=status.HTTP_403_FORBIDDEN,
        )

    app.add_exception_handler(SignInRequired, sign_in)
    app.add_exception_handler(PageForbidden, forbidden)
    app.add_exception_handler(CsrfRejected, csrf_rejected)


def csv_download(name: str, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Response:
    """UTF-8 with a header row; instants in ISO 8601 with their offset (UTC), as a spreadsheet or script reads them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(value.isoformat() if isinstance(value, datetime) else value for value in row)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
