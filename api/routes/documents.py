"""Downloads of a case's stored documents (`<DOCUMENT_STORE_DIR>/<case number>/<file>`): letters and their PDFs.

Staff only: a stored letter names the owner, and a letter to a complainant names them, so it is served only to the
roles that may see complainants. The name is looked up among the files actually stored under the
case, never joined into a path, so no request can reach outside the case's folder.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import FileResponse

from adapters.letter_pdf import pdf_or_letter
from api.deps import NOT_FOUND, STAFF_ROLE, ContextDep, SessionDep, require
from domain.access import READ_CASE, complainant_withheld
from records.documents import audience_of
from records.tables import User

router = APIRouter(prefix="/api/v1/cases", tags=["documents"], responses=STAFF_ROLE | NOT_FOUND)

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@router.get("/{case_number}/documents/{name}", response_class=FileResponse)
def download_document(
    case_number: str,
    name: str,
    context: ContextDep,
    session: SessionDep,
    user: Annotated[User, Depends(require(READ_CASE))],
) -> FileResponse:
    store = context.settings.document_store_dir
    folder = store / case_number
    stored = {path.name: path for path in folder.iterdir()} if folder.is_dir() else {}
    audience = audience_of(session, case_number, name)
    if audience is not None and complainant_withheld(user.role, audience):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"A letter to a complainant names them; your role ({user.role}) may not see complainants.",
        )
    path = stored.get(name)
    letter = stored.get(str(PurePosixPath(name).with_suffix(".docx")))
    if path is None and audience is not None and name.endswith(".pdf") and letter is not None:
        path = pdf_or_letter(store, f"{case_number}/{letter.name}")  # a letter's PDF the worker has not made yet
    if path is None or path.suffix not in MEDIA_TYPES or not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"Case {case_number} has no document {name!r}.")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], filename=path.name)
