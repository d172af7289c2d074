"""Helpers for the portal tests: an API whose document store is the worker's, photos made with Pillow, a
report posted as a browser posts the form, and a case driven to a served notice with its letter's access code."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import docx
import httpx
from PIL import Image
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from records.db import make_engine, session_factory
from records.tables import CaseNotice
from tests.conftest import Api, make_settings, open_api
from tests.helpers import eventually

ACTIONS = "/api/v1/cases/{}/actions/{}"
REPORT = {"violation_code": "PS-GRASS", "address": "142 Maple Dr", "description": "Grass past my knees for weeks"}


async def portal_api(database_url: str, temporal_dev: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Api]:
    """The API with the document store the `worker` fixture uses (letters and photos in the test's own folder)."""
    settings = make_settings(
        database_url,
        temporal_dev.client.service_client.config.target_host,
        document_store_dir=tmp_path / "documents",
    )
    async for client in open_api(settings):
        yield client


def photo(colour: str = "green", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


async def post_report(
    http: httpx.AsyncClient, fields: dict[str, str], photos: list[tuple[str, bytes, str]] | None = None
) -> httpx.Response:
    files: Any = [("photos", p) for p in photos] if photos else None
    if files is None:  # a browser sends multipart even without a photo
        files = [("photos", ("", b"", "application/octet-stream"))]
    return await http.post("/portal/report", data=fields, files=files)


class Endless:
    """A multipart body sent in chunks with no Content-Length, as a script uploads a file larger than it says;
    `sent` counts what the server took before it stopped reading."""

    def __init__(self, fields: dict[str, str], upto: int, chunk: int = 1024 * 1024) -> None:
        self.fields, self.upto, self.chunk, self.sent = fields, upto, chunk, 0
        self.headers = {"content-type": "multipart/form-data; boundary=endless"}

    async def __aiter__(self) -> AsyncIterator[bytes]:
        head = "".join(
            f'--endless\r\ncontent-disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in self.fields.items()
        )
        head += '--endless\r\ncontent-disposition: form-data; name="photos"; filename="big.jpg"\r\n'
        yield (head + "content-type: image/jpeg\r\n\r\n").encode() + b"\xff\xd8\xff"
        while self.sent < self.upto:
            self.sent += self.chunk
            yield b"\0" * self.chunk


def tracking_code_of(answer: httpx.Response) -> str:
    assert answer.status_code == 303, answer.text
    match = re.match(r"^/portal/track/([A-Z0-9]+)\?", answer.headers["location"])
    assert match, answer.headers["location"]
    return match[1]


async def case_of(api: Api, case_number: str) -> dict[str, Any]:
    return (await api.get(f"/api/v1/cases/{case_number}", "supervisor")).json()


async def until_stage(api: Api, case_number: str, stage: str) -> dict[str, Any]:
    return await eventually(lambda: case_of(api, case_number), until=lambda c: c["stage"] == stage)


async def serve_notice(api: Api, case_number: str, findings: str = "Grass 14 in.") -> dict[str, Any]:
    """Inspection with a violation, the courtesy notice issued and served by mail: the letter now exists."""
    await until_stage(api, case_number, "investigating")
    body = {
        "violation_found": True,
        "findings": findings,
        "checklist": {"Grass or weeds taller than 8 inches": True},
    }
    assert (await api.post(ACTIONS.format(case_number, "record_inspection"), "officer", json=body)).status_code == 200
    assert (await api.post(ACTIONS.format(case_number, "issue_notice"), "officer")).status_code == 200
    served = await api.post(ACTIONS.format(case_number, "record_service"), "officer", json={"method": "mail"})
    assert served.status_code == 200, served.text
    return await case_of(api, case_number)


def letter_text(api: Api, case_number: str, seq: int = 1) -> str:
    """The text of the letter served as notice `seq`, read from the document store."""
    with session_factory(make_engine(api.settings.database_url))() as session:
        notice = session.exec(
            select(CaseNotice).where(CaseNotice.case_number == case_number, CaseNotice.seq == seq)
        ).one()
    assert notice.document_path is not None
    document = docx.Document(str(api.settings.document_store_dir / notice.document_path))
    return "\n".join(p.text for p in document.paragraphs)


def access_code_on(letter: str) -> str:
    match = re.search(r"access code ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})", letter)
    assert match, letter
    return match[1]


@asynccontextmanager
async def client_at(api: Api, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser, at another address, on the same running app (rate limits count per client)."""
    app = api.http._transport.app  # type: ignore[attr-defined]
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="https://abate.test") as http:
        yield http
