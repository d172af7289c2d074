"""The PDF beside each stored letter, made after the letter is issued rather than on its way out.

A letter is issued once its .docx is stored with its hash: that is the legal record, and what e-mail attaches.
Its PDF (for the print queue and the owner's page) costs LibreOffice 0.1 s warm and over a second cold, which
every case used to wait for at every letter. Now the worker converts it on one background thread after the letter
activity has returned, and whoever reads a PDF that is not there yet (the worker died first, or its queue is
behind) converts it then. LibreOffice's PDF is not reproducible (it stamps the time), so `store_once` decides: the
first PDF stored stands, a later conversion finds it and reads it, and a letter's PDF is the same bytes whenever
it is read.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from adapters.document_store import DocumentConflict, sha256_of, store_once
from adapters.office import PdfConverter

log = logging.getLogger("abate.letter_pdf")

NO_OFFICE = "neither libreoffice nor soffice is on PATH"
QUIET_SECONDS = 1.0  # PDFs are made in the worker's lulls between letters…
LATEST_SECONDS = 30.0  # …or this long after their letter at the latest


class Converter(Protocol):
    """Word to PDF: `adapters/office.py`'s `PdfConverter`."""

    def convert(self, docx: Path) -> bytes: ...


class PdfUnavailable(Exception):
    """The PDF could not be made; the letter itself stands."""


@dataclass(frozen=True)
class StoredPdf:
    path: str  # relative to the document store, as the letter's
    sha256: str
    size: int


def pdf_path_of(letter: str) -> str:
    """Where a letter's PDF is (or will be) stored: beside it, under the same name."""
    return str(Path(letter).with_suffix(".pdf"))


class LetterPdfs:
    """Makes and finds letters' PDFs in the document store; `converter` None where LibreOffice is not installed."""

    def __init__(self, store_dir: Path, converter: Converter | None) -> None:
        self._store = store_dir
        self._converter = converter

    @property
    def available(self) -> bool:
        return self._converter is not None

    def stored(self, letter: str) -> StoredPdf | None:
        """The letter's PDF if it is stored already (a retried activity finds the one made before)."""
        relative = pdf_path_of(letter)
        path = self._store / relative
        if not path.is_file():
            return None
        data = path.read_bytes()
        return StoredPdf(relative, sha256_of(data), len(data))

    def make(self, letter: str) -> StoredPdf:
        """The letter's PDF, converted now unless it is stored; the first one stored stands."""
        made = self.stored(letter)
        if made is not None:
            return made
        if self._converter is None:
            raise PdfUnavailable(NO_OFFICE)
        relative = pdf_path_of(letter)
        try:
            data = self._converter.convert(self._store / letter)
        except (OSError, subprocess.SubprocessError, RuntimeError) as exc:
            raise PdfUnavailable(f"PDF conversion failed: {exc}") from exc
        with contextlib.suppress(DocumentConflict):  # another process stored its PDF first: that one stands
            store_once(self._store / relative, data, relative)
        made = self.stored(letter)
        assert made is not None  # stored just now, by us or by the one before us
        return made

    def make_later(self, letter: str, then: Callable[[StoredPdf], None]) -> None:
        """Queues the PDF for the process's background thread, which calls `then` with it once stored; returns at
        once."""
        _LATER.put(self, letter, then)


class _Background:
    """One thread per process makes the queued PDFs, one at a time (there is one office process), in the lulls
    between letters."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[LetterPdfs, str, Callable[[StoredPdf], None], float]] = queue.SimpleQueue()
        self._pending = 0
        self._last_letter = 0.0
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def put(self, pdfs: LetterPdfs, letter: str, then: Callable[[StoredPdf], None]) -> None:
        with self._changed:
            self._pending += 1
            self._last_letter = time.monotonic()
            if self._thread is None:
                # A daemon: a PDF still queued when the process is killed is made by whoever reads it first.
                self._thread = threading.Thread(target=self._work, name="letter-pdfs", daemon=True)
                self._thread.start()
        self._queue.put((pdfs, letter, then, self._last_letter))

    def _work(self) -> None:
        while True:
            pdfs, letter, then, queued_at = self._queue.get()
            self._wait_for_a_lull(queued_at)
            try:
                then(pdfs.make(letter))
            except PdfUnavailable as exc:
                log.warning("no PDF for %s yet (%s): it is made when it is read", letter, exc)
            except Exception:  # one letter's failure must not stop the PDFs of the others
                log.exception("the PDF of %s was not recorded", letter)
            finally:
                with self._changed:
                    self._pending -= 1
                    self._changed.notify_all()

    def _wait_for_a_lull(self, queued_at: float) -> None:
        """Until no letter has come for `QUIET_SECONDS`, or this one has waited `LATEST_SECONDS`: LibreOffice's
        CPU, even niced, slowed the cases' own steps by a quarter on a two-core machine while letters came in."""
        while True:
            now = time.monotonic()
            until = min(self._last_letter + QUIET_SECONDS, queued_at + LATEST_SECONDS)
            if now >= until:
                return
            time.sleep(until - now)

    def settle(self, timeout: float) -> bool:
        """Waits until every queued PDF is made (or `timeout` seconds); True when none is left."""
        with self._changed:
            return self._changed.wait_for(lambda: self._pending == 0, timeout)


_LATER = _Background()


def settle_pdfs(timeout: float) -> bool:
    """Called as a worker stops (after its activities have finished): the PDFs queued by its letters are made
    before it goes, within `timeout` seconds; True when none is left."""
    return _LATER.settle(timeout)


@cache
def _readers_pdfs(store_dir: Path) -> LetterPdfs:
    office = shutil.which("libreoffice") or shutil.which("soffice")
    # Not started: a reader converts rarely (the worker makes nearly every PDF), so a cold start, no office kept.
    return LetterPdfs(store_dir, PdfConverter(office) if office else None)


def pdf_for_reader(store_dir: Path, letter: str) -> Path | None:
    """The stored PDF of `letter` (relative to the store) for someone about to read it, made now if the worker has
    not made it yet; None when it cannot be made here."""
    try:
        return store_dir / _readers_pdfs(store_dir).make(letter).path
    except PdfUnavailable as exc:
        log.warning("no PDF for %s: %s", letter, exc)
        return None


def pdf_or_letter(store_dir: Path, letter: str) -> Path:
    """What to hand someone who asked for the PDF of `letter`: the PDF, made now if need be, or the letter itself
    when no PDF can be made (LibreOffice missing or failing on it), so a print or a download never comes up empty
    while the legal record is there."""
    return pdf_for_reader(store_dir, letter) or store_dir / letter
