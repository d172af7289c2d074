"""The outbox at `/outbox`: every message sent, or in dev mode every message that would have been, with the
letter it carried."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, HTMLResponse, Response

from api.console.pages import render
from api.console.session import staff
from api.deps import ContextDep, RowNumber, SessionDep
from config.settings import MessagingBackend
from domain.access import console_page_roles
from records.outbox import attached_notice, outbox_page
from records.tables import Message, User

router = APIRouter()
ROLES = console_page_roles("/outbox")


@router.get("/outbox", response_class=HTMLResponse)
def outbox(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    user: Annotated[User, staff(ROLES)],
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    values = {
        "result": outbox_page(session, page),
        "outbox_only": context.settings.messaging_backend is MessagingBackend.OUTBOX,
    }
    return render(request, "console/outbox.html", user, values)


@router.get("/outbox/{message_id}/attachment")
def attachment(
    message_id: RowNumber, context: ContextDep, session: SessionDep, _user: Annotated[User, staff(ROLES)]
) -> Response:
    message = session.get(Message, message_id)
    notice = attached_notice(session, message) if message else None
    if notice is None or notice.document_path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="This message carried no attachment.")
    store = context.settings.document_store_dir.resolve()
    path = (store / notice.document_path).resolve()
    if not path.is_relative_to(store) or not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="The stored letter is missing from the document store.")
    return FileResponse(path, filename=path.name, headers={"X-Content-SHA256": notice.document_sha256 or ""})
