"""A letter's PDF follows the letter (`adapters/letter_pdf.py`): the case goes on once the .docx is stored and
listed, the worker makes the PDF afterwards and records its hash, and a reader who comes first makes it then. Either
way the letter has one PDF, the same bytes whenever it is read, though no two conversions give the same bytes."""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
from pathlib import Path

import pytest
from sqlmodel import col, select

from activities.letters import NoticeLetterActivities
from adapters.letter_pdf import Converter, LetterPdfs, pdf_for_reader, settle_pdfs
from adapters.letter_renderer import LetterRenderer
from config.settings import CONFIG_DIR
from domain.city import load_city
from records.db import SessionFactory, make_engine, session_factory
from records.documents import CaseDocument
from tests.conftest import make_settings, open_api, prepare_database
from tests.test_letter_privacy import PACKS, _case_on_record, _every_owner_letter


class HeldConverter:
    """LibreOffice's stand-in: each conversion waits until released and, like LibreOffice's (which stamps the
    time), gives bytes no other conversion gives."""

    def __init__(self, *, held: bool) -> None:
        self.release = threading.Event()
        if not held:
            self.release.set()
        self.conversions = 0

    def convert(self, docx: Path) -> bytes:
        assert self.release.wait(60)
        self.conversions += 1
        return f"%PDF-1.7 {docx.name}, conversion {self.conversions} at {time.perf_counter_ns()}".encode()


def _letter_activities(tmp_path: Path, converter: Converter) -> tuple[NoticeLetterActivities, SessionFactory]:
    sessions = session_factory(make_engine(prepare_database(f"sqlite:///{tmp_path / 'abate.sqlite3'}")))
    renderer = LetterRenderer(tmp_path / "documents", office="")
    renderer.pdfs = LetterPdfs(tmp_path / "documents", converter)
    letters = NoticeLetterActivities(
        sessions,
        renderer,
        load_city(CONFIG_DIR / "demo_city" / "city.toml"),
        access_secret=b"test-secret-key-that-is-long-enough",
        portal_url="https://riverton.example/portal/owner",
    )
    return letters, sessions


def _rows(sessions: SessionFactory) -> list[CaseDocument]:
    with sessions() as session:
        return list(session.exec(select(CaseDocument).order_by(col(CaseDocument.id))))


def test_a_letter_is_issued_and_recorded_before_its_pdf_which_follows_with_its_hash(tmp_path: Path) -> None:
    converter = HeldConverter(held=True)
    letters, sessions = _letter_activities(tmp_path, converter)
    store = tmp_path / "documents"
    issued = [document for _, document in _every_owner_letter(letters, _case_on_record(sessions, *PACKS["default"]))]
    # Every activity returned while LibreOffice had converted nothing: the letters are out, their PDFs due.
    assert converter.conversions == 0
    assert all(d.pdf_path is not None and d.pdf_sha256 is None for d in issued)
    assert not any((store / str(d.pdf_path)).exists() for d in issued)
    assert [(row.path, row.pdf_path, row.pdf_sha256) for row in _rows(sessions)] == [
        (d.path, d.pdf_path, None) for d in issued
    ]
    converter.release.set()
    assert settle_pdfs(60)
    assert converter.conversions == len(issued)
    for row in _rows(sessions):
        pdf = (store / str(row.pdf_path)).read_bytes()
        assert pdf.startswith(b"%PDF") and row.pdf_sha256 == hashlib.sha256(pdf).hexdigest()


def test_a_reader_before_the_worker_makes_the_pdf_and_it_is_the_one_kept(tmp_path: Path) -> None:
    worker = HeldConverter(held=True)
    letters, sessions = _letter_activities(tmp_path, worker)
    store = tmp_path / "documents"
    _, issued = _every_owner_letter(letters, _case_on_record(sessions, *PACKS["default"]))[0]
    reader = LetterPdfs(store, HeldConverter(held=False))  # the API, asked for the PDF before the worker made it
    read = reader.make(issued.path)
    assert read.path == issued.pdf_path
    worker.release.set()
    assert settle_pdfs(60)
    assert worker.conversions > 0  # the worker converted too, and its PDF lost to the one already stored
    assert reader.make(issued.path) == read
    assert hashlib.sha256((store / read.path).read_bytes()).hexdigest() == read.sha256
    first = next(row for row in _rows(sessions) if row.path == issued.path)
    assert first.pdf_sha256 == read.sha256


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice comes from scripts/setup")
def test_the_api_reading_a_pdf_not_made_yet_makes_it_with_libreoffice(tmp_path: Path) -> None:
    worker = HeldConverter(held=True)  # the worker has not got to it
    letters, sessions = _letter_activities(tmp_path, worker)
    store = tmp_path / "documents"
    _, issued = _every_owner_letter(letters, _case_on_record(sessions, *PACKS["default"]))[0]
    read = pdf_for_reader(store, issued.path)
    assert read is not None and read.read_bytes().startswith(b"%PDF")
    assert read == store / str(issued.pdf_path)
    worker.release.set()
    assert settle_pdfs(60)
    again = pdf_for_reader(store, issued.path)
    assert again is not None and again.read_bytes() == read.read_bytes()
    first = next(row for row in _rows(sessions) if row.path == issued.path)
    assert first.pdf_sha256 == hashlib.sha256(read.read_bytes()).hexdigest()


class FailingConverter:
    """LibreOffice failing on every letter, in the worker and in the API alike."""

    def convert(self, docx: Path) -> bytes:
        raise RuntimeError(f"soffice gave up on {docx.name}")


async def test_a_letter_whose_pdf_cannot_be_made_is_served_as_the_letter_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    letters, sessions = _letter_activities(tmp_path, FailingConverter())
    _, issued = _every_owner_letter(letters, _case_on_record(sessions, *PACKS["default"]))[0]
    assert settle_pdfs(60)
    store = tmp_path / "documents"
    assert issued.pdf_path is not None and not (store / issued.pdf_path).exists()  # the worker could not make it
    monkeypatch.setenv("PATH", str(tmp_path / "no-office"))  # nor can the API: no LibreOffice here
    settings = make_settings(f"sqlite:///{tmp_path / 'abate.sqlite3'}", "127.0.0.1:9", document_store_dir=store)
    async for api in open_api(settings):
        answer = await api.get(f"/api/v1/cases/{issued.path.replace('/', '/documents/', 1)}", "officer")
        pdf_link = f"/api/v1/cases/{str(issued.pdf_path).replace('/', '/documents/', 1)}"
        fallback = await api.get(pdf_link, "officer")
        # The print queue's link still gives the letter, as Word, under its own name: never a 404 for the record.
        assert fallback.status_code == 200, fallback.text
        assert fallback.content == answer.content == (store / issued.path).read_bytes()
        assert fallback.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert Path(issued.path).name in fallback.headers["content-disposition"]
