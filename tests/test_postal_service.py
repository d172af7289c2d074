"""Service by mail: the certified mail number, the print queue of letters to mail, their PDFs, and the appeal clock
that starts at the recorded service date plus the policy's mail days."""

from __future__ import annotations

import asyncio
import hashlib
import io
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pydantic import ValidationError
from temporalio.testing import WorkflowEnvironment

from config.settings import CONFIG_DIR
from domain.actions import DeliveryFailed, RecordService
from domain.evidence import EvidenceSource
from domain.policy import Policy, load_policy
from domain.stages import ServiceMethod
from records.db import make_engine, session_factory, transaction
from services.evidence import store_evidence
from tests.conftest import Api, make_settings, open_api
from tests.helpers import eventually
from workers.main import build_worker

ACTIONS = "/api/v1/cases/{}/actions/{}"
REFUSE = {
    "violation_code": "PS-REFUSE",  # its first notice is an appealable order to comply
    "address": "142 Maple Dr",
    "description": "Bags of trash piled by the garage",
    "channel": "phone",
}
CERTIFIED = "9407 1000 0000 0123 4567 89"


def _certified_mail_policy(folder: Path) -> Path:
    """The demo policy, with certified mail required (the Ontario pack requires registered mail the same way)."""
    text = (CONFIG_DIR / "policy.toml").read_text()
    assert "mail_number_required = false" in text
    path = folder / "policy.toml"
    path.write_text(text.replace("mail_number_required = false", "mail_number_required = true"))
    return path


@pytest.fixture
async def postal(sqlite_url: str, temporal_dev: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Api]:
    """The API, with its document store where the worker stores letters and certified mail required."""
    settings = make_settings(
        sqlite_url,
        temporal_dev.client.service_client.config.target_host,
        document_store_dir=tmp_path / "documents",
        policy_file=_certified_mail_policy(tmp_path),
    )
    async for client in open_api(settings):
        yield client


async def _run_worker(api: Api, temporal_dev: WorkflowEnvironment) -> AsyncIterator[None]:
    sessions = session_factory(make_engine(api.settings.database_url))
    with ThreadPoolExecutor(4) as executor:
        queue, store = api.settings.temporal_task_queue, api.settings.document_store_dir
        async with build_worker(temporal_dev.client, queue, sessions, executor, document_store=store):
            yield


@pytest.fixture
async def office_worker(postal: Api, temporal_dev: WorkflowEnvironment) -> AsyncIterator[None]:
    """A worker on a machine where scripts/setup installed LibreOffice."""
    if not (shutil.which("soffice") or shutil.which("libreoffice")) or not shutil.which("pdftotext"):
        pytest.fail("LibreOffice and pdftotext are missing: run scripts/setup")
    async for _ in _run_worker(postal, temporal_dev):
        yield


@pytest.fixture
async def plain_worker(
    postal: Api, temporal_dev: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[None]:
    """A worker on a machine without LibreOffice (nothing but the virtualenv on PATH)."""
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))
    async for _ in _run_worker(postal, temporal_dev):
        yield


async def _notice_issued(api: Api, **filing: Any) -> str:
    case = str((await api.post("/api/v1/complaints", "clerk", json={**REFUSE, **filing})).json()["case_number"])

    async def stage() -> Any:
        return (await api.get(f"/api/v1/cases/{case}", "clerk")).json()["stage"]

    await eventually(stage, until=lambda s: s == "investigating")
    found = {"violation_found": True, "findings": "Eleven bags of household trash by the garage."}
    assert (await api.post(ACTIONS.format(case, "record_inspection"), "officer", json=found)).status_code == 200
    assert (await api.post(ACTIONS.format(case, "issue_notice"), "officer")).status_code == 200
    return case


async def _notice(api: Api, case: str) -> dict[str, Any]:
    [notice] = (await api.get(f"/api/v1/cases/{case}", "clerk")).json()["notices"]
    return dict(notice)


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_a_notice_sent_by_certified_mail_waits_in_the_print_queue_as_a_pdf_until_mailed(
    postal: Api, office_worker: None, policy: Policy, tmp_path: Path
) -> None:
    api = postal
    case = await _notice_issued(api)
    # The policy asks for certified mail: without the number from the label, service by mail is refused.
    unnumbered = await api.post(ACTIONS.format(case, "record_service"), "clerk", json={"method": "mail"})
    assert unnumbered.status_code == 409
    assert "enter the mail number from the envelope's label (tracking_number)" in unnumbered.json()["detail"]
    misplaced = await api.post(
        ACTIONS.format(case, "record_service"), "clerk", json={"method": "personal", "tracking_number": CERTIFIED}
    )
    assert misplaced.status_code == 422 and misplaced.json()["detail"][0]["loc"] == ["body", "tracking_number"]
    assert "goes with service by mail" in misplaced.json()["detail"][0]["msg"]

    served = await api.post(
        ACTIONS.format(case, "record_service"), "clerk", json={"method": "mail", "tracking_number": CERTIFIED}
    )
    assert served.status_code == 200, served.text
    notice = await _notice(api, case)
    assert notice["service_method"] == "mail" and notice["tracking_number"] == "9407100000000123456789"

    # The clocks start at the recorded service date plus the policy's 5 mail days, to the day and the hour.
    calendar, served_at = policy.calendar, _at(notice["served_at"])
    assert _at(notice["appeal_deadline"]) == calendar.calendar_days_after(served_at, 15 + 5)
    assert _at(notice["appeal_deadline"]) != calendar.calendar_days_after(served_at, 15)
    detail = (await api.get(f"/api/v1/cases/{case}", "clerk")).json()
    assert _at(detail["compliance_deadline"]) == calendar.calendar_days_after(served_at, 15 + 5)

    # The clerk's print queue: the letter, the envelope's address, the number, and the PDF to print.
    [letter] = (await api.get("/api/v1/print-queue", "clerk")).json()
    assert (letter["case_number"], letter["seq"], letter["download_format"]) == (case, 1, "pdf")
    assert letter["tracking_number"] == "9407100000000123456789" and letter["mailed_at"] is None
    assert letter["owner_name"] == detail["owner"]["name"]
    assert letter["mailing_address"] == detail["owner"]["mailing_address"]
    assert letter["download_url"] == notice["pdf_url"] and notice["pdf_unavailable_reason"] is None

    pdf = await api.get(letter["download_url"], "officer")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    # The PDF is made after the letter is issued (a download that comes first makes it); its hash is then on record.
    notice = await eventually(lambda: _notice(api, case), until=lambda n: n["pdf_sha256"] is not None)
    assert pdf.content.startswith(b"%PDF") and hashlib.sha256(pdf.content).hexdigest() == notice["pdf_sha256"]
    (tmp_path / "letter.pdf").write_bytes(pdf.content)
    text = await asyncio.to_thread(_pdf_text, tmp_path / "letter.pdf")
    assert case in text and "Refuse and debris" in text
    letter_docx = await api.get(str(notice["document_url"]), "clerk")
    assert hashlib.sha256(letter_docx.content).hexdigest() == notice["document_sha256"]

    # Only staff who print and mail see the queue; documents only with a sign-in, and only the case's own.
    assert (await api.get("/api/v1/print-queue", "finance")).status_code == 403
    assert (await api.http.get(letter["download_url"])).status_code == 401
    assert (await api.get(f"/api/v1/cases/{case}/documents/..%2F..%2Fabate.sqlite3", "clerk")).status_code == 404

    mailed = await api.post(f"/api/v1/print-queue/{case}/notices/1/mailed", "clerk")
    assert mailed.status_code == 200 and mailed.json()["mailed_by"] == "clerk"
    assert (await api.get("/api/v1/print-queue", "officer")).json() == []
    again = await api.post(f"/api/v1/print-queue/{case}/notices/1/mailed", "supervisor")
    assert again.json()["mailed_at"] == mailed.json()["mailed_at"] and again.json()["mailed_by"] == "clerk"
    timeline = (await api.get(f"/api/v1/cases/{case}", "clerk")).json()["timeline"]
    assert [e["summary"] for e in timeline if e["kind"] == "notice_mailed"] == [
        "Notice of violation and order to comply put in the mail (mail number 9407100000000123456789)"
    ]


async def test_without_libreoffice_the_letter_stands_as_docx_and_the_case_says_why(
    postal: Api, plain_worker: None
) -> None:
    api = postal
    case = await _notice_issued(api)
    body = {"method": "mail", "tracking_number": CERTIFIED}
    assert (await api.post(ACTIONS.format(case, "record_service"), "officer", json=body)).status_code == 200

    notice = await _notice(api, case)
    assert notice["pdf_url"] is None and notice["pdf_sha256"] is None
    assert notice["pdf_unavailable_reason"] == "neither libreoffice nor soffice is on PATH"
    [letter] = (await api.get("/api/v1/print-queue", "clerk")).json()
    assert letter["case_number"] == case and letter["download_format"] == "docx"
    assert letter["pdf_unavailable_reason"] == "neither libreoffice nor soffice is on PATH"
    docx = await api.get(letter["download_url"], "clerk")
    assert docx.status_code == 200 and docx.content.startswith(b"PK\x03\x04")
    assert hashlib.sha256(docx.content).hexdigest() == notice["document_sha256"]


def _keep_photo(api: Api, policy: Policy, case: str, source: EvidenceSource, color: str) -> int:
    """A photo stored on the case as the evidence upload stores it."""
    image, buffer = Image.new("RGB", (32, 24), color), io.BytesIO()
    image.save(buffer, "JPEG")
    with transaction(session_factory(make_engine(api.settings.database_url))) as session:
        kept = store_evidence(
            session,
            api.settings.document_store_dir,
            case_number=case,
            data=buffer.getvalue(),
            original_name="IMG_2231.jpg",
            source=source,
            uploaded_by="officer",
            local_zone=policy.calendar.zone,
        )
        assert kept.id is not None
        return kept.id


async def test_a_posting_at_the_property_is_recorded_with_its_photo(
    postal: Api, plain_worker: None, policy: Policy
) -> None:
    api = postal
    # A second case about the same property and problem, kept apart on purpose (else the complaint joins the first).
    beside = {"open_new_case": True, "reason": "a second case to hold another case's photo"}
    case, other = await _notice_issued(api), await _notice_issued(api, **beside)
    serve = ACTIONS.format(case, "record_service")
    bare = await api.post(serve, "officer", json={"method": "posting"})
    assert bare.status_code == 409
    assert bare.json()["detail"] == (
        "a notice posted at the property is recorded with its photo: upload the photo as evidence of the case "
        "(source posting) and give its evidence_id"
    )
    inspection_photo = _keep_photo(api, policy, case, EvidenceSource.INSPECTION, "green")
    elsewhere = _keep_photo(api, policy, other, EvidenceSource.POSTING, "blue")
    for evidence_id, reason in (
        (inspection_photo, f"evidence {inspection_photo} is not a photo of the posted notice (source posting)"),
        (elsewhere, f"case {case} has no evidence {elsewhere}"),
    ):
        refused = await api.post(serve, "officer", json={"method": "posting", "evidence_id": evidence_id})
        assert refused.status_code == 422 and refused.json()["detail"] == [
            {"loc": ["body", "evidence_id"], "msg": reason, "type": "value_error"}
        ]
    assert (await api.post(serve, "officer", json={"method": "mail", "evidence_id": elsewhere})).status_code == 422

    posted = _keep_photo(api, policy, case, EvidenceSource.POSTING, "orange")
    answer = await api.post(serve, "officer", json={"method": "posting", "evidence_id": posted})
    assert answer.status_code == 200, answer.text
    notice = await _notice(api, case)
    assert notice["service_method"] == "posting" and notice["posting_evidence_id"] == posted
    assert notice["tracking_number"] is None
    # Posted, the appeal runs from the recorded service date without the mail days; nothing waits to be mailed.
    assert _at(notice["appeal_deadline"]) == policy.calendar.calendar_days_after(_at(notice["served_at"]), 15)
    assert (await api.get("/api/v1/print-queue", "clerk")).json() == []


def test_mail_numbers_are_kept_as_the_label_prints_them_without_the_gaps() -> None:
    ontario = RecordService(method=ServiceMethod.MAIL, tracking_number="rr 123 456 785 ca")
    assert ontario.tracking_number == "RR123456785CA"
    with pytest.raises(ValidationError, match="8 to 34 letters and digits"):
        RecordService(method=ServiceMethod.MAIL, tracking_number="12-34")
    # Ontario orders go by registered mail (BCA s.27): the pack asks for the number; the demo city does not.
    assert load_policy(CONFIG_DIR / "policies" / "ontario.toml").process.mail_number_required
    assert not load_policy(CONFIG_DIR / "policy.toml").process.mail_number_required


async def test_a_failed_service_keeps_its_letter_and_pdf_on_record_and_the_notice_says_who_issued_it(
    postal: Api, office_worker: None, temporal_dev: WorkflowEnvironment
) -> None:
    api = postal
    case = await _notice_issued(api)
    served = await api.post(ACTIONS.format(case, "record_service"), "officer", json={"method": "email"})
    assert served.status_code == 200, served.text
    sent = await eventually(lambda: _notice(api, case), until=lambda n: n["pdf_sha256"] is not None)
    assert sent["created_by"] == "officer" and sent["pdf_url"] and sent["document_url"]

    # SendGrid reports the bounce (what the webhook route sends the case): the notice is not served.
    bounce = DeliveryFailed(message_key=f"{case}:notice-1:email", channel="email", status="bounced", reason="550")
    await temporal_dev.client.get_workflow_handle(case).signal("delivery_failed", bounce)
    notice = await eventually(lambda: _notice(api, case), until=lambda n: n["awaiting_service_by"] == "mail")
    # The notice has no letter as served now: neither the .docx nor the PDF of the letter that bounced.
    assert notice["document_url"] is None and notice["document_sha256"] is None
    assert notice["pdf_url"] is None and notice["pdf_sha256"] is None
    assert notice["created_by"] == "officer" and notice["served_by"] is None
    # The letter that bounced, and its PDF, stay on record under the failed service, each with its hash.
    [failed] = notice["failed_services"]
    assert failed["method"] == "email" and failed["reason"] == "bounced (550)"
    assert (failed["document_url"], failed["document_sha256"]) == (sent["document_url"], sent["document_sha256"])
    assert (failed["pdf_url"], failed["pdf_sha256"]) == (sent["pdf_url"], sent["pdf_sha256"])
    pdf = await api.get(failed["pdf_url"], "clerk")
    assert hashlib.sha256(pdf.content).hexdigest() == failed["pdf_sha256"]

    # Served again by certified mail: a new letter and PDF; the print queue offers the new one, not the failed one.
    again = await api.post(
        ACTIONS.format(case, "record_service"), "clerk", json={"method": "mail", "tracking_number": CERTIFIED}
    )
    assert again.status_code == 200, again.text
    notice = await _notice(api, case)
    assert notice["pdf_url"] not in (None, failed["pdf_url"]) and notice["document_url"] != failed["document_url"]
    [letter] = (await api.get("/api/v1/print-queue", "clerk")).json()
    assert letter["download_url"] == notice["pdf_url"]
    assert notice["failed_services"][0]["pdf_url"] == failed["pdf_url"]


async def test_a_later_letter_to_an_owner_without_e_mail_waits_in_the_print_queue_until_mailed(
    postal: Api, office_worker: None, temporal_dev: WorkflowEnvironment
) -> None:
    api = postal
    no_email = {**REFUSE, "address": "173 Maple Dr"}  # the roll has no e-mail (nor phone) for this owner
    case = str((await api.post("/api/v1/complaints", "clerk", json=no_email)).json()["case_number"])
    await eventually(lambda: api.get(f"/api/v1/cases/{case}", "clerk"), until=lambda r: r.json()["stage"] != "received")
    found = {"violation_found": True, "findings": "Eleven bags of household trash by the garage."}
    assert (await api.post(ACTIONS.format(case, "record_inspection"), "officer", json=found)).status_code == 200
    assert (await api.post(ACTIONS.format(case, "issue_notice"), "officer")).status_code == 200
    served = await api.post(ACTIONS.format(case, "record_service"), "officer", json={"method": "personal"})
    assert served.status_code == 200, served.text
    assert (await api.get("/api/v1/print-queue", "clerk")).json() == []  # served in person: nothing to post

    # The owner says the work is done: the reinspection notice goes by post, so it waits to be printed.
    await temporal_dev.client.get_workflow_handle(case).signal("owner_reported_compliance", {"note": "Hauled away"})
    queue = await eventually(lambda: _queue(api), until=lambda q: len(q) == 1)
    [letter] = queue
    detail = (await api.get(f"/api/v1/cases/{case}", "clerk")).json()
    [document] = [d for d in detail["documents"] if d["kind"] == "reinspection_notice"]
    assert (letter["case_number"], letter["kind"], letter["seq"]) == (case, "reinspection_notice", None)
    assert letter["title"] == "Notice of reinspection" and document["delivery"] == "mail"
    assert letter["owner_name"] == detail["owner"]["name"]
    assert letter["mailing_address"] == detail["owner"]["mailing_address"]
    pdf = await api.get(letter["download_url"], "clerk")
    assert letter["download_format"] == "pdf" and pdf.content.startswith(b"%PDF")

    mailed = await api.post(f"/api/v1/print-queue/{case}/letters/{letter['letter']}/mailed", "clerk")
    assert mailed.status_code == 200 and mailed.json()["mailed_by"] == "clerk"
    assert await _queue(api) == []
    again = await api.post(f"/api/v1/print-queue/{case}/letters/{letter['letter']}/mailed", "officer")
    assert again.json()["mailed_at"] == mailed.json()["mailed_at"] and again.json()["mailed_by"] == "clerk"
    timeline = (await api.get(f"/api/v1/cases/{case}", "clerk")).json()["timeline"]
    assert [e["summary"] for e in timeline if e["kind"] == "letter_mailed"] == [
        "Notice of reinspection put in the mail"
    ]
    # A served notice's letter is not a "later letter": it is marked mailed on its notice.
    assert (await api.post(f"/api/v1/print-queue/{case}/letters/notice-1/mailed", "clerk")).status_code == 404


async def _queue(api: Api) -> list[dict[str, Any]]:
    return list((await api.get("/api/v1/print-queue", "clerk")).json())
