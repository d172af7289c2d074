"""A complainant who gave a name, e-mail and phone never appears on any public page (the tracking page a second
reporter lands on too), the owner's page (after a fine too), the owner's letters (Word and PDF), any Open311 answer
(tokens, services and discovery too) or any message to anyone else, while the complainant's own messages reach them."""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import docx
import httpx
import pytest
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from records.db import make_engine, session_factory
from records.tables import Case, CaseNotice, Message
from tests.conftest import Api
from tests.helpers import eventually
from tests.portal_flow import (
    ACTIONS,
    REPORT,
    access_code_on,
    case_of,
    client_at,
    letter_text,
    photo,
    portal_api,
    post_report,
    serve_notice,
    tracking_code_of,
    until_stage,
)
from tests.test_open311 import grass, issue_key, post

COMPLAINANT = {"name": "Philippa Quarrington", "email": "pquarrington@example.org", "phone": "+1 (555) 010-0777"}
# Every field, and the pieces of it that could leak on their own.
NEIGHBOUR = "next.door@example.net"  # a second complainant on the same case, told of it like the first
TELLTALES = ["Philippa", "Quarrington", "pquarrington", "example.org", "010-0777", "0100777"]


@pytest.fixture
async def api(sqlite_url: str, temporal_dev: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Api]:
    async for client in portal_api(sqlite_url, temporal_dev, tmp_path):
        yield client


def _text_of(answer: httpx.Response) -> str:
    """What a person reads: a page as sent, a letter's every paragraph and table cell, a PDF as pdftotext reads it."""
    kind = answer.headers["content-type"]
    if kind.startswith("application/pdf"):
        read = subprocess.run(["pdftotext", "-", "-"], input=answer.content, capture_output=True, check=True)
        return read.stdout.decode()
    if kind.startswith("application/vnd.openxmlformats"):
        document = docx.Document(io.BytesIO(answer.content))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        sections = [p.text for s in document.sections for p in (*s.header.paragraphs, *s.footer.paragraphs)]
        return "\n".join([*(p.text for p in document.paragraphs), *cells, *sections])
    return answer.text


def _clean(where: str, text: str) -> None:
    found = [word for word in TELLTALES if word.lower() in text.lower()]
    assert not found, f"{where} shows the complainant: {found}"


async def test_no_public_or_owner_page_letter_answer_or_message_to_another_names_the_complainant(
    api: Api, worker: None
) -> None:
    code = tracking_code_of(
        await post_report(api.http, {**REPORT, **COMPLAINANT}, [("from-my-window.jpg", photo(), "image/jpeg")])
    )
    sessions = session_factory(make_engine(api.settings.database_url))
    with sessions() as session:
        case_number = session.exec(select(Case).where(Case.tracking_code == code)).one().case_number
    # A second neighbour reports the same problem before the inspection, and lands on the case's page.
    async with client_at(api, "192.0.2.77") as neighbour:
        again = await post_report(neighbour, {**REPORT, "description": "Same grass, next door", "email": NEIGHBOUR})
        assert again.headers["location"].endswith("?joined=1")
        joined_page = await neighbour.get(again.headers["location"])
    await serve_notice(api, case_number)
    letter = letter_text(api, case_number)
    _clean("the served letter", letter)

    pages = {}
    for url in ("/portal/", "/portal/report", "/portal/track", "/portal/search", "/portal/owner"):
        pages[url] = await api.http.get(url)
    pages["tracking page"] = await api.http.get(f"/portal/track/{code}")
    pages["public case page"] = await api.http.get(f"/portal/cases/{case_number}")
    pages["search"] = await api.http.get("/portal/search", params={"address": "142 Maple"})
    pages["suggestions"] = await api.http.get("/portal/addresses", params={"q": "142 Maple"})
    pages["joined page"] = joined_page
    # A 311 app files for the same complainant: its answers, the token's and the lists are read too.
    key = await issue_key(api)
    person = {"first_name": "Philippa", "last_name": "Quarrington", "email": COMPLAINANT["email"]}
    filed = await post(api, grass(key, phone=COMPLAINANT["phone"], **person))
    pages["open311 post"] = filed
    token = filed.json()[0]["token"]
    for fmt in ("json", "xml"):
        pages[f"open311 token.{fmt}"] = await api.http.get(f"/open311/v2/tokens/{token}.{fmt}")
        pages[f"open311 services.{fmt}"] = await api.http.get(f"/open311/v2/services.{fmt}")
        pages[f"open311 discovery.{fmt}"] = await api.http.get(f"/open311/v2/discovery.{fmt}")
    signed_in = await api.http.post(
        "/portal/owner", data={"case_number": case_number, "access_code": access_code_on(letter)}
    )
    assert signed_in.status_code == 303
    owner = f"/portal/owner/{case_number}"
    pages["owner page"] = await api.http.get(owner)
    pages["extension"] = await api.http.post(f"{owner}/extension", data={"days": "5", "reason": "Rain"})
    pages["compliance"] = await api.http.post(f"{owner}/compliance", data={"note": "Mowed"})
    pages["owner page after"] = await api.http.get(owner)
    # Not done after all: an order, then a fine; the owner's page then shows what is owed.
    await until_stage(api, case_number, "reinspection_due")
    for action, body in (
        ("record_reinspection", {"complied": False, "findings": "Still 14 in."}),
        ("issue_notice", None),
        ("record_service", {"method": "personal"}),
    ):
        done = await api.post(ACTIONS.format(case_number, action), "officer", json=body)
        assert done.status_code == 200, (action, done.text)
    assert (await api.http.post(f"{owner}/compliance", data={"note": "Mowed again"})).status_code == 200
    await until_stage(api, case_number, "reinspection_due")
    failed = {"complied": False, "findings": "Still long"}
    assert (
        await api.post(ACTIONS.format(case_number, "record_reinspection"), "officer", json=failed)
    ).status_code == 200
    assert (await api.post(ACTIONS.format(case_number, "issue_fine"), "officer", json={})).status_code == 200
    pages["owner page after a fine"] = await api.http.get(owner)
    assert "Balance owing" in pages["owner page after a fine"].text
    served = (await case_of(api, case_number))["notices"]
    assert len(served) >= 2
    for seq in (notice["seq"] for notice in served):
        pages[f"letter {seq} download"] = await api.http.get(f"{owner}/documents/{seq}")
        pages[f"letter {seq} pdf"] = await eventually(
            partial(api.http.get, f"{owner}/documents/{seq}", params={"format": "pdf"}),
            until=lambda answer: answer.status_code == 200,
        )
    for fmt in ("json", "xml"):  # what 311 apps read about the same case
        pages[f"open311 request.{fmt}"] = await api.http.get(f"/open311/v2/requests/{case_number}.{fmt}")
        pages[f"open311 requests.{fmt}"] = await api.http.get(f"/open311/v2/requests.{fmt}")
    for where, answer in pages.items():
        assert answer.status_code == 200, (where, answer.status_code)
        _clean(where, _text_of(answer))
    assert "Long grass and weeds" in pages["tracking page"].text  # the pages did show the case
    assert "already reported" in pages["joined page"].text
    assert case_number in pages["open311 request.json"].text and case_number in pages["open311 requests.xml"].text
    assert (
        case_number in pages["open311 token.xml"].text and "Long grass and weeds" in pages["open311 services.json"].text
    )
    assert "Notice of violation" in _text_of(pages["letter 2 pdf"])  # the PDF's words were read

    async def messages() -> list[Message]:
        with sessions() as session:
            return list(
                session.exec(select(Message).where(Message.case_number == case_number).order_by(col(Message.id)))
            )

    sent = await eventually(messages, until=lambda rows: sum(m.audience == "owner" for m in rows) >= 4)
    for message in sent:
        if message.recipient != COMPLAINANT["email"]:
            _clean(
                f"message {message.key} to the {message.audience}",
                f"{message.recipient}\n{message.subject}\n{message.body}",
            )
    assert NEIGHBOUR in {m.recipient for m in sent}  # the other complainant's messages were read too
    to_complainant = [m for m in sent if m.audience == "complainant"]
    assert COMPLAINANT["email"] in {m.recipient for m in to_complainant}  # they were on record all along
    with sessions() as session:
        notices = session.exec(select(CaseNotice).where(CaseNotice.case_number == case_number)).all()
    assert all(re.fullmatch(r"[0-9a-f]{64}", n.document_sha256 or "") for n in notices)
