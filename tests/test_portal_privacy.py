"""A complainant who gave a name, e-mail and phone never appears on any public page, the owner's page, the
owner's letters, any Open311 answer or any message to the owner, while the complainant's own messages reach them."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import docx
import pytest
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from records.db import make_engine, session_factory
from records.tables import Case, CaseNotice, Message
from tests.conftest import Api
from tests.helpers import eventually
from tests.portal_flow import (
    REPORT,
    access_code_on,
    letter_text,
    photo,
    portal_api,
    post_report,
    serve_notice,
    tracking_code_of,
)

COMPLAINANT = {"name": "Philippa Quarrington", "email": "pquarrington@example.org", "phone": "+1 (555) 010-0777"}
# Every field, and the pieces of it that could leak on their own.
TELLTALES = ["Philippa", "Quarrington", "pquarrington", "example.org", "010-0777", "0100777"]


@pytest.fixture
async def api(sqlite_url: str, temporal_dev: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Api]:
    async for client in portal_api(sqlite_url, temporal_dev, tmp_path):
        yield client


def _clean(where: str, text: str) -> None:
    found = [word for word in TELLTALES if word.lower() in text.lower()]
    assert not found, f"{where} shows the complainant: {found}"


async def test_no_public_or_owner_page_or_owner_message_names_the_complainant(api: Api, worker: None) -> None:
    code = tracking_code_of(
        await post_report(api.http, {**REPORT, **COMPLAINANT}, [("from-my-window.jpg", photo(), "image/jpeg")])
    )
    sessions = session_factory(make_engine(api.settings.database_url))
    with sessions() as session:
        case_number = session.exec(select(Case).where(Case.tracking_code == code)).one().case_number
    await serve_notice(api, case_number)
    letter = letter_text(api, case_number)
    _clean("the served letter", letter)

    pages = {}
    for url in ("/portal/", "/portal/report", "/portal/track", "/portal/search", "/portal/owner"):
        pages[url] = await api.http.get(url)
    pages["tracking page"] = await api.http.get(f"/portal/track/{code}")
    pages["search"] = await api.http.get("/portal/search", params={"address": "142 Maple"})
    pages["suggestions"] = await api.http.get("/portal/addresses", params={"q": "142 Maple"})
    signed_in = await api.http.post(
        "/portal/owner", data={"case_number": case_number, "access_code": access_code_on(letter)}
    )
    assert signed_in.status_code == 303
    owner = f"/portal/owner/{case_number}"
    pages["owner page"] = await api.http.get(owner)
    pages["extension"] = await api.http.post(f"{owner}/extension", data={"days": "5", "reason": "Rain"})
    pages["compliance"] = await api.http.post(f"{owner}/compliance", data={"note": "Mowed"})
    pages["owner page after"] = await api.http.get(owner)
    pages["letter download"] = await api.http.get(f"{owner}/documents/1")
    for fmt in ("json", "xml"):  # what 311 apps read about the same case
        pages[f"open311 request.{fmt}"] = await api.http.get(f"/open311/v2/requests/{case_number}.{fmt}")
        pages[f"open311 requests.{fmt}"] = await api.http.get(f"/open311/v2/requests.{fmt}")
    for where, answer in pages.items():
        assert answer.status_code == 200, (where, answer.status_code)
        text = (
            "\n".join(p.text for p in docx.Document(io.BytesIO(answer.content)).paragraphs)
            if where == "letter download"
            else answer.text
        )
        _clean(where, text)
    assert "Long grass and weeds" in pages["tracking page"].text  # the pages did show the case
    assert case_number in pages["open311 request.json"].text and case_number in pages["open311 requests.xml"].text

    async def messages() -> list[Message]:
        with sessions() as session:
            return list(
                session.exec(select(Message).where(Message.case_number == case_number).order_by(col(Message.id)))
            )

    sent = await eventually(messages, until=lambda rows: sum(m.audience == "owner" for m in rows) >= 2)
    for message in sent:
        if message.audience == "owner":
            _clean(f"message {message.key}", f"{message.recipient}\n{message.subject}\n{message.body}")
    to_complainant = [m for m in sent if m.audience == "complainant"]
    assert to_complainant and to_complainant[0].recipient == COMPLAINANT["email"]  # they were on record all along
    with sessions() as session:
        notices = session.exec(select(CaseNotice).where(CaseNotice.case_number == case_number)).all()
    assert all(re.fullmatch(r"[0-9a-f]{64}", n.document_sha256 or "") for n in notices)
