"""What the resident's and the owner's portal pages share: the page frame, and reading a form with photos."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request, status
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import UploadFile

from domain.evidence import MAX_EVIDENCE_BYTES, PHOTO_TYPES, EvidenceRejected, accepted_media_type
from domain.text import NUL, REASON
from services.context import AppContext
from services.evidence import Upload

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)

MAX_PHOTOS = 5
MAX_PHOTO_BYTES = MAX_EVIDENCE_BYTES
MAX_FIELD_BYTES = 64 * 1024  # the longest text field (5,000 characters) is far below this


def page(
    request: Request, context: AppContext, name: str, values: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    return templates.TemplateResponse(
        request, f"portal/{name}", {"city": context.city, **values}, status_code=status_code
    )


def message_page(
    request: Request, context: AppContext, heading: str, message: str, status_code: int, back: str | None = None
) -> HTMLResponse:
    values = {"heading": heading, "message": message, "error": status_code >= 400, "back": back}
    return page(request, context, "message.html", values, status_code)


async def read_photos(uploads: list[UploadFile]) -> tuple[list[Upload], str | None]:
    """The photos' bytes, or why they are refused: too many, too large, or not a photo by their content."""
    chosen = [u for u in uploads if u.filename or u.size]
    if len(chosen) > MAX_PHOTOS:
        return [], f"Choose at most {MAX_PHOTOS} photos; {len(chosen)} were chosen"
    photos = []
    for upload in chosen:
        name = upload.filename or "photo"
        data = await upload.read(MAX_PHOTO_BYTES + 1)
        try:
            accepted_media_type(data, allowed=PHOTO_TYPES)
        except EvidenceRejected as exc:
            return [], f"{name}: {exc}"
        photos.append(Upload(name, data))
    return photos, None


def text_fields(form: Any, names: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    """The text fields as typed (ends trimmed); a file sent where text belongs is an error, not text, and so is text
    with a NUL character (a multipart form is read here, not by `api/text_input.py`)."""
    values, errors = {}, {}
    for name in names:
        raw = form.get(name)
        if isinstance(raw, UploadFile):
            errors[name] = "expected text, not a file"
            raw = ""
        elif raw and NUL in raw:
            errors[name] = REASON
            raw = ""
        values[name] = (raw or "").strip()
    return values, errors


async def read_form(request: Request, max_files: int) -> Any:
    """The multipart form, refused whole when it has too many parts (nothing is stored); its size is limited as
    it arrives (api/body_limit.py)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail="Send the form as multipart/form-data (or application/x-www-form-urlencoded without photos).",
        )
    return await request.form(max_files=max_files, max_fields=30, max_part_size=MAX_FIELD_BYTES)
