"""A complainant's identity stays with the staff who may see it (`SEE_COMPLAINANT`): every console page, download
and JSON answer about a case, walked as every role, for a complainant whose name, e-mail and phone are also in the
complaint's words, the officer's findings, their photo's EXIF and their acknowledgement letter."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from PIL import Image
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from api.schemas import document_url
from domain.access import CONSOLE_PAGES, SEE_COMPLAINANT, Role
from domain.evidence import read_photo_metadata
from records.db import make_engine, session_factory
from records.evidence import Evidence
from records.tables import Case
from tests.conftest import Api
from tests.helpers import eventually
from tests.portal_flow import REPORT, case_of, portal_api, post_report, serve_notice, tracking_code_of
from tests.test_console_role_matrix import USERNAMES, signed_in_as
from tests.test_portal_privacy import _text_of

NAME, EMAIL, PHONE = "Quentin Zebulon-Marchetti", "qz.watch@example.net", "+1 555 019 9876"
DESCRIPTION = f"Grass past the porch. {NAME} here, ring (555) 019-9876 or 019-9876, or write {EMAIL}."
FINDINGS = f"Grass 14 in. Quentin showed me round; ph. 555.019.9876 if needed; {EMAIL}."
HOME = (41.0, 52.0, 30.0), (87.0, 37.0, 12.0)  # where the complainant's photo was taken: their window
TELLTALES = ["Quentin", "Zebulon", "Marchetti", "qz.watch", "019-9876", "019.9876", "0199876", "41.875"]


def window_photo() -> bytes:
    """The resident's photo as their phone wrote it: the phone's owner, their contacts and the position of home."""
    exif = Image.Exif()
    exif[0x013B] = NAME  # Artist
    exif[0x8298] = f"{NAME} {EMAIL} {PHONE}"  # Copyright
    exif.get_ifd(0x8769)[0xA430] = NAME  # CameraOwnerName
    position = exif.get_ifd(0x8825)
    position[1], position[2], position[3], position[4] = "N", HOME[0], "W", HOME[1]
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


@pytest.fixture
async def api(sqlite_url: str, temporal_dev: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Api]:
    async for client in portal_api(sqlite_url, temporal_dev, tmp_path):
        yield client


def _leaks(content: str | bytes) -> list[str]:
    text = content.decode("latin-1") if isinstance(content, bytes) else content
    return [word for word in TELLTALES if word.lower() in text.lower()]


async def _readings(api: Api, role: Role, case: str, detail: dict[str, Any]) -> dict[str, httpx.Response]:
    """Everything this role may open about the case, by the console's cookie and by the JSON API's token."""
    await signed_in_as(api.http, role)
    answers = {path: await api.http.get(path) for path, _label, roles in CONSOLE_PAGES if role in roles}
    for path in (f"/cases/{case}", f"/cases?q={case}", f"/cases/{case}/notices/1"):
        answers[path] = await api.http.get(path)
    for evidence in detail["evidence_ids"]:
        answers[f"photo {evidence}"] = await api.http.get(f"/cases/{case}/evidence/{evidence}")
    api.http.cookies.clear()
    user = USERNAMES.get(role, role.value)
    answers["case detail (JSON)"] = await api.get(f"/api/v1/cases/{case}", user)
    for document in detail["documents"]:
        for path in (document["path"], str(Path(document["path"]).with_suffix(".pdf"))):
            answers[f"{document['audience']} {path}"] = await api.get(str(document_url(path)), user)
    return answers


async def test_every_staff_page_download_and_answer_keeps_the_complainant_from_roles_that_may_not_see_them(
    api: Api, worker: None
) -> None:
    report = {**REPORT, "description": DESCRIPTION, "name": NAME, "email": EMAIL, "phone": PHONE}
    code = tracking_code_of(await post_report(api.http, report, [("photo.jpg", window_photo(), "image/jpeg")]))
    sessions = session_factory(make_engine(api.settings.database_url))
    with sessions() as session:
        case = session.exec(select(Case).where(Case.tracking_code == code)).one().case_number
    # The acknowledgement letter is written at triage, the officer's findings name the complainant.
    detail = await eventually(
        lambda: case_of(api, case), until=lambda c: any(d["audience"] == "complainant" for d in c["documents"])
    )
    await serve_notice(api, case, findings=FINDINGS)
    detail = await case_of(api, case)
    with sessions() as session:
        evidence = session.exec(select(Evidence).where(Evidence.case_number == case).order_by(col(Evidence.id))).all()
    detail["evidence_ids"] = [e.id for e in evidence]
    assert [e.source for e in evidence] == ["portal_report"]

    for role in Role:
        answers = await _readings(api, role, case, detail)
        letters = {where: a for where, a in answers.items() if where.startswith("complainant ")}
        assert letters, "the acknowledgement letter was walked"
        for where, answer in answers.items():
            if where.startswith("complainant ") and role not in SEE_COMPLAINANT:
                assert answer.status_code == 403, (role, where, answer.status_code)
                continue
            if where.endswith(".pdf") and answer.status_code == 404:
                continue  # no PDF was made beside this letter
            assert answer.status_code == 200, (role, where, answer.status_code)
            readable = answer.content if where.startswith("photo ") else _text_of(answer)
            if role in SEE_COMPLAINANT:
                continue
            assert not _leaks(readable), f"{where} shows {role} the complainant: {_leaks(readable)}"
        if role not in SEE_COMPLAINANT:
            photo = answers[f"photo {evidence[0].id}"].content
            assert read_photo_metadata(photo, ZoneInfo("UTC")).latitude is None
            assert (
                "Grass past the porch. [withheld] here, ring [withheld] or [withheld]" in answers[f"/cases/{case}"].text
            )
            assert "Quentin" not in answers["case detail (JSON)"].text
            assert "[withheld] showed me round" in answers["case detail (JSON)"].text
        else:  # the walk did carry the complainant: those who may see them still do, in every place
            assert (
                NAME in answers[f"/cases/{case}"].text and "Quentin showed me round" in answers[f"/cases/{case}"].text
            )
            assert NAME.encode() in answers[f"photo {evidence[0].id}"].content
            assert all(NAME in _text_of(a) for where, a in letters.items() if not where.endswith(".pdf"))
