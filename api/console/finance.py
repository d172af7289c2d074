"""Finance's worklist at `/finance`: receivables by age, fines past due, online payments that failed or were
refunded, liens to certify and send to the tax roll and releases to send, with CSV export; and the tax-roll file
for a period, made from here (`records/tax_roll.py`) and downloaded as stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from api.console.pages import csv_download, render
from api.console.session import CsrfChecked, staff
from api.deps import ContextDep, SessionDep
from domain.access import console_page_roles
from domain.finance import BUCKETS, aging, receivables
from domain.tax_roll import TaxRollPeriod
from records.accounts import unpaid
from records.finance import lien_lines, payment_troubles, transmittal, transmittals
from records.tables import User
from records.tax_roll import transmit

router = APIRouter()
Finance = Annotated[User, staff(console_page_roles("/finance"))]


@router.get("/finance", response_class=HTMLResponse)
def worklist(request: Request, session: SessionDep, user: Finance, format: str = "") -> Response:
    now = datetime.now(UTC)
    owed = receivables(unpaid(session), now)
    if format == "csv":
        return csv_download(
            "receivables",
            ("case_number", "charge", "owed", "due_at", "days_past_due", "bucket"),
            ((r.case_number, r.charge, r.owed, r.due_at, r.days_past_due, r.bucket) for r in owed),
        )
    liens = lien_lines(session)
    values = {
        "aging": aging(owed),
        "buckets": BUCKETS,
        "fines_past_due": [r for r in owed if r.fine_past_due],
        "troubles": payment_troubles(session),
        "to_transmit": [line for line in liens if line.transmitted_in is None and not line.paid_off],
        "to_release": [line for line in liens if line.release_to_send],
        "transmittals": transmittals(session),
        "this_month": f"{now:%Y-%m}",
    }
    return render(request, "console/finance.html", user, values)


@router.post("/finance/tax-roll", dependencies=[CsrfChecked])
def tax_roll(
    context: ContextDep, session: SessionDep, _user: Finance, period: Annotated[str, Form(max_length=7)]
) -> Response:
    """Certifies the period's liens and makes its transmittal, once: asked again, the same file, nothing sent twice."""
    try:
        wanted = TaxRollPeriod.parse(period)
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"period: {exc}") from None
    now = datetime.now(UTC)
    transmit(session, wanted, context.settings.document_store_dir, context.policy.calendar.local_date(now), now)
    session.commit()
    return RedirectResponse(f"/finance?sent={wanted.name}", status.HTTP_303_SEE_OTHER)


@router.get("/finance/tax-roll/{period}.csv")
def tax_roll_file(period: str, context: ContextDep, session: SessionDep, _user: Finance) -> Response:
    made = transmittal(session, period)
    if made is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"No tax-roll file has been made for {period}.")
    path = context.settings.document_store_dir / made.path
    return FileResponse(
        path, media_type="text/csv; charset=utf-8", filename=path.name, headers={"X-Content-SHA256": made.sha256}
    )
