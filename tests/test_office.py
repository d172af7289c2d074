"""Letters' PDFs come from one LibreOffice kept running by the worker, and from a cold start while it is not up."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.office import PdfConverter, uno_python
from config.settings import PROJECT_ROOT

LETTER = PROJECT_ROOT / "templates" / "notices" / "acknowledgement.docx"
OFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = pytest.mark.skipif(
    OFFICE is None or not shutil.which("pdftotext"), reason="LibreOffice and pdftotext come from scripts/setup"
)


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def answering(converter: PdfConverter, within: float = 60) -> bool:
    deadline = time.monotonic() + within
    while not converter.answering and time.monotonic() < deadline:
        time.sleep(0.2)
    return converter.answering


@pytest.fixture
def converter() -> Iterator[PdfConverter]:
    assert OFFICE is not None
    if uno_python(OFFICE) is None:
        pytest.fail("no Python with LibreOffice's uno bridge (Debian's python3-uno comes with libreoffice-writer)")
    started = PdfConverter(OFFICE)
    started.start()
    yield started
    started.stop()


def test_letters_are_converted_by_the_running_office_without_a_cold_start(
    converter: PdfConverter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert answering(converter)

    def no_cold_start(docx: Path) -> bytes:
        raise AssertionError(f"cold start for {docx.name}")

    monkeypatch.setattr(converter, "_convert_cold", no_cold_start)
    for _ in range(3):
        assert "Reference: Case" in text_of(converter.convert(LETTER), tmp_path)


def test_while_the_office_is_not_up_the_pdf_comes_from_a_cold_start(tmp_path: Path) -> None:
    assert OFFICE is not None
    not_started = PdfConverter(OFFICE)
    assert not not_started.answering
    assert "Reference: Case" in text_of(not_started.convert(LETTER), tmp_path)


def test_an_office_process_that_died_is_replaced_and_the_letter_still_gets_its_pdf(
    converter: PdfConverter, tmp_path: Path
) -> None:
    assert answering(converter)
    server = converter._server
    assert server is not None
    os.killpg(server.pid, signal.SIGKILL)  # unoserver and its LibreOffice, as a crash or the OOM killer would
    server.wait()
    assert "Reference: Case" in text_of(converter.convert(LETTER), tmp_path)  # cold, while the new one starts
    assert answering(converter)
    assert converter._server is not server


def living_members(group: int) -> list[int]:
    """The processes of a process group that still run (a zombie has stopped; only its parent's wait is missing)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


@pytest.mark.parametrize("after", [1.0, 3.0])
def test_the_office_goes_with_a_worker_killed_at_any_moment_even_while_it_starts(after: float) -> None:
    """A worker killed (a deploy, the OOM killer, a fault test) must not leave its LibreOffice behind: on a worker
    host each one left would hold its memory for ever. Killed while LibreOffice was starting, unoserver used to."""
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
                import time
                from adapters.office import pdf_converter
                converter = pdf_converter({OFFICE!r})
                while converter._server is None:
                    time.sleep(0.05)
                print(converter._server.pid, flush=True)
                time.sleep(600)
            """),
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
    )
    assert worker.stdout is not None
    group = int(worker.stdout.readline())
    time.sleep(after)
    worker.kill()
    worker.wait()
    deadline = time.monotonic() + 30
    while living_members(group) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = living_members(group)
    for pid in left:  # not to leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert left == []
