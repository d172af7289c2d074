"""The council report at `/reports/council.pdf?from=…&to=…`: a PDF of a period that is over, printed once and
kept; a later request for the same period downloads the stored file."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from api.console.pages import templates
from api.console.session import staff
from api.deps import ContextDep, SessionDep
from domain.access import READ_REPORTS
from domain.report_figures import local_today
from records.tables import User
from services.council_report import CouncilContent, council_pdf

router = APIRouter()


class CouncilPeriod(BaseModel):
    """The period of a council report: local days `from` to `to`, both included."""

    model_config = ConfigDict(populate_by_name=True)

    first: date = Field(alias="from")
    last: date = Field(alias="to")

    @field_validator("last")
    @classmethod
    def _not_before_first(cls, last: date, info: ValidationInfo) -> date:
        first = info.data.get("first")
        if first is not None and last < first:
            raise ValueError(f"the period ends ({last}) before it begins ({first})")
        return last


def _page(content: CouncilContent) -> str:
    return templates.get_template("council/report.html").render(c=content)


@router.get("/reports/council.pdf")
def council_report(
    context: ContextDep,
    session: SessionDep,
    user: Annotated[User, staff(READ_REPORTS)],
    period: Annotated[CouncilPeriod, Query()],
) -> Response:
    now = datetime.now(UTC)
    if period.last >= local_today(now, context.city.timezone):
        # Printed once and kept: a period still under way would be frozen with part of its numbers.
        raise RequestValidationError(
            [
                {
                    "loc": ("query", "to"),
                    "msg": "the period has not ended yet: choose a last day before today",
                    "type": "value_error",
                }
            ]
        )
    stored = council_pdf(session, context, period.first, period.last, user.username, _page, now)
    return FileResponse(
        context.settings.document_store_dir / stored.path,
        media_type="application/pdf",
        filename=f"council-report-{stored.period_first}-{stored.period_last}.pdf",
        headers={"X-Content-SHA256": stored.sha256},
    )
