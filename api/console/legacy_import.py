"""`/admin/import`: bring a city's existing cases in from a legacy export. Upload the export and its mapping, read
the dry run's report (every row, every problem with counts), then import what passes (issue 16).

Admins only, as every route of the admin area; the CSV report of every row downloads from the dry run.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile, status
from fastapi.responses import HTMLResponse, Response

from api.console.pages import render
from api.console.session import CsrfChecked, staff
from api.deps import ContextDep
from domain.access import ADMINISTER
from domain.legacy_mapping import MappingError
from records.tables import User
from services.legacy_import.plan import ImportPlan, report_csv
from services.legacy_import.readers import UnreadableExport
from services.legacy_import.uploads import UnknownUpload, dry_run, keep_upload, kept_upload, run_import

_admin = staff(ADMINISTER)
router = APIRouter(prefix="/admin/import", dependencies=[_admin])
Admin = Annotated[User, _admin]
SHOWN_ROWS = 1000  # the page shows this many rows; the CSV has them all


def _page(request: Request, user: User, *, status_code: int = 200, **values: object) -> Response:
    return render(
        request, "console/admin_import.html", user, {"shown_rows": SHOWN_ROWS, **values}, status_code=status_code
    )


@router.get("", response_class=HTMLResponse)
def import_form(request: Request, user: Admin) -> Response:
    return _page(request, user)


@router.post("/dry-run", dependencies=[CsrfChecked], response_class=HTMLResponse)
async def import_dry_run(
    request: Request, context: ContextDep, user: Admin, export: UploadFile, mapping: UploadFile
) -> Response:
    try:
        mapping_text = (await mapping.read()).decode("utf-8")
    except UnicodeDecodeError:
        return _page(request, user, error="mapping: the file is not UTF-8 text", status_code=422)
    upload = keep_upload(context, export.filename or "export.csv", await export.read(), mapping_text)
    try:
        plan: ImportPlan = dry_run(context, upload)
    except MappingError as refused:
        return _page(request, user, error=f"mapping: {refused}", status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    except UnreadableExport as refused:
        return _page(request, user, error=f"export: {refused}", status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return _page(request, user, plan=plan, upload=upload)


@router.get("/{token}/report.csv")
def import_report(context: ContextDep, user: Admin, token: str) -> Response:
    try:
        upload = kept_upload(context, token)
    except UnknownUpload as missing:
        return Response(str(missing), status_code=status.HTTP_404_NOT_FOUND)
    headers = {"Content-Disposition": f'attachment; filename="{upload.name}-report.csv"'}
    return Response(report_csv(dry_run(context, upload)), media_type="text/csv; charset=utf-8", headers=headers)


@router.post("/run", dependencies=[CsrfChecked], response_class=HTMLResponse)
async def import_run(request: Request, context: ContextDep, user: Admin, token: Annotated[str, Form()]) -> Response:
    try:
        upload = kept_upload(context, token)
    except UnknownUpload as missing:
        return _page(request, user, error=str(missing), status_code=status.HTTP_404_NOT_FOUND)
    return _page(request, user, imported=await run_import(context, upload), upload=upload)
