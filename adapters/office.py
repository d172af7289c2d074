"""LibreOffice kept running, for the PDF beside each letter.

A cold `soffice --convert-to pdf` costs about 1.1 s per document, nearly all of it LibreOffice starting. One
office process per worker, driven through unoserver (PyPI), converts a letter in about 0.14 s. unoserver's server
needs LibreOffice's `uno` bridge, which the project's Python lacks: it runs under a Python that has it (Debian's
`python3-uno` for /usr/bin/python3, or the one LibreOffice ships). While it starts, where it cannot run, or after
it stopped (until it is back), each PDF comes from a cold start as before: slower, never missing.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import logging
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import xmlrpc.client
from functools import cache
from http.client import HTTPConnection
from pathlib import Path

log = logging.getLogger("abate.office")

PDF_TIMEOUT_SECONDS = 120
UNO_PYTHONS = ("/usr/bin/python3", "/usr/lib/libreoffice/program/python")
# unoserver's own entry point, under a Python that has `uno`, with the project's copy of unoserver on its path
# (appended, so that Python's own modules come first). Its standard input is a pipe whose other end only the worker
# holds: when the worker is gone, however it went, the pipe ends and a watcher forked beside unoserver stops the
# office's whole process group, then kills what is left of it. unoserver's own SIGTERM handling cannot be relied on
# for this: a signal that comes while LibreOffice starts leaves unoserver waiting for ever (on a LibreOffice launcher
# that never exits, or on a server thread still connecting), so the watcher ignores SIGTERM and outlives it.
LAUNCH = """
import os, signal, sys, time
sys.path.append(sys.argv.pop(1))
if os.fork() == 0:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.stdin.buffer.read()
    os.killpg(0, signal.SIGTERM)
    time.sleep(%d)
    os.killpg(0, signal.SIGKILL)
from unoserver.server import main
sys.exit(main())
"""


class _Transport(xmlrpc.client.Transport):
    def make_connection(self, host: tuple[str, dict[str, str]] | str) -> HTTPConnection:
        connection = super().make_connection(host)
        connection.timeout = PDF_TIMEOUT_SECONDS
        return connection


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


OFFICE_NICENESS = 10
# How long the office has to stop on SIGTERM (its temporary profile removed) before its group is killed.
STOP_GRACE_SECONDS = 3


def _niced() -> None:
    """The office process runs niced: PDFs are made after their letters are issued, and must not take the CPU from
    the cases' own work."""
    os.nice(OFFICE_NICENESS)
    # With autogroup scheduling (Linux's default), its new session is a group of its own, weighed against the
    # worker's group as an equal whatever its processes' nice: the group is niced too.
    with contextlib.suppress(OSError):
        group = os.open("/proc/self/autogroup", os.O_WRONLY)
        try:
            os.write(group, str(OFFICE_NICENESS).encode())
        finally:
            os.close(group)


def _stop_group(server: subprocess.Popen[bytes]) -> None:
    """unoserver stops its LibreOffice on SIGTERM; whatever of the group outlives that is killed."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        time.sleep(0.5)
        os.killpg(server.pid, signal.SIGKILL)
    if server.stdin is not None:
        server.stdin.close()


@cache
def uno_python(office: str) -> str | None:
    """A Python that can import LibreOffice's `uno` bridge, or None."""
    candidates = [*UNO_PYTHONS, str(Path(os.path.realpath(office)).parent / "python")]
    for python in candidates:
        if Path(python).is_file():
            check = subprocess.run([python, "-c", "import uno"], capture_output=True, timeout=30, check=False)  # noqa: S603
            if check.returncode == 0:
                return python
    return None


class PdfConverter:
    """PDFs from Word documents: through the office process while it answers, else by a cold start."""

    def __init__(self, office: str) -> None:
        self._office = office
        self._lock = threading.Lock()
        self._server: subprocess.Popen[bytes] | None = None
        self._url = ""
        self._starting = False
        self._answering = threading.Event()

    def start(self) -> None:
        """Starts the office process in the background, unless it runs or is starting; returns at once."""
        with self._lock:
            if self._starting or (self._server is not None and self._server.poll() is None):
                return
            self._starting = True
            self._answering.clear()
        threading.Thread(target=self._keep, name="office", daemon=True).start()

    def _keep(self) -> None:
        """Starts the office process and stays with it until it exits (a daemon thread, which reaps it)."""
        try:
            server = self._spawn()
            with self._lock:
                self._server = server
        finally:
            with self._lock:
                self._starting = False
        if server is not None:
            self._wait_until_answering(server)
            server.wait()

    def _spawn(self) -> subprocess.Popen[bytes] | None:
        unoserver = importlib.util.find_spec("unoserver")
        python = uno_python(self._office)
        if unoserver is None or not unoserver.origin or python is None:
            log.info("no unoserver, or no Python with LibreOffice's uno bridge: each PDF is a cold start")
            return None
        port, uno_port = _free_port(), _free_port()
        self._url = f"http://127.0.0.1:{port}"
        return subprocess.Popen(  # noqa: S603 - our own command line
            [
                python,
                "-c",
                LAUNCH % STOP_GRACE_SECONDS,
                str(Path(unoserver.origin).parent.parent),
                "--port",
                str(port),
                "--uno-port",
                str(uno_port),
                "--executable",
                self._office,
                "--conversion-timeout",
                str(PDF_TIMEOUT_SECONDS),
                "--quiet",
            ],
            stdin=subprocess.PIPE,  # the worker's end closes when it exits, even killed: see LAUNCH
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_niced,
            # A process group of its own: unoserver and the LibreOffice it starts are stopped together.
            start_new_session=True,
        )

    @property
    def answering(self) -> bool:
        """Whether the office process is up and has answered (conversions go to it)."""
        server = self._server
        return server is not None and server.poll() is None and self._answering.is_set()

    def _wait_until_answering(self, server: subprocess.Popen[bytes]) -> None:
        """Polls until the office answers, however long a loaded machine takes to start it, or until it exits."""
        pause = 0.2
        while server.poll() is None:
            try:
                with xmlrpc.client.ServerProxy(self._url, transport=_Transport()) as proxy:
                    proxy.info()
            except (OSError, xmlrpc.client.Error):
                time.sleep(pause)
                pause = min(pause * 1.5, 2.0)
                continue
            self._answering.set()
            log.info("PDFs from the office process at %s", self._url)
            return

    def stop(self) -> None:
        with self._lock:
            server, self._server = self._server, None
            self._answering.clear()
        if server is not None:
            _stop_group(server)

    def convert(self, docx: Path) -> bytes:
        server = self._server
        if self.answering:
            try:
                return self._convert_warm(docx)
            except (OSError, xmlrpc.client.Error, RuntimeError) as exc:
                log.warning("the office process did not convert %s (%s): a cold start instead", docx.name, exc)
        elif server is not None and server.poll() is not None:
            log.warning("the office process stopped (exit %s): starting it again", server.returncode)
            _stop_group(server)  # its LibreOffice may have outlived it
            self.start()
        return self._convert_cold(docx)

    def _convert_warm(self, docx: Path) -> bytes:
        with xmlrpc.client.ServerProxy(self._url, transport=_Transport(), allow_none=True) as proxy:
            # inpath, indata, outpath, convert_to, filtername, filter_options, update_index, infiltername, password
            result = proxy.convert(str(docx), None, None, "pdf", None, [], False, None, None)
        data = result.data if isinstance(result, xmlrpc.client.Binary) else b""
        if not data.startswith(b"%PDF"):
            raise RuntimeError("no PDF came back")
        return data

    def _convert_cold(self, docx: Path) -> bytes:
        with tempfile.TemporaryDirectory() as work:
            # A profile of its own, so conversions running side by side do not fight over one lock.
            profile = Path(work, "profile").as_uri()
            subprocess.run(  # noqa: S603 - LibreOffice from PATH or the worker's setting; the paths are our own
                [
                    self._office,
                    f"-env:UserInstallation={profile}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    work,
                    str(docx),
                ],
                check=True,
                capture_output=True,
                timeout=PDF_TIMEOUT_SECONDS,
            )
            produced = Path(work, docx.with_suffix(".pdf").name)
            if not produced.is_file():
                raise RuntimeError(f"{Path(self._office).name} wrote no PDF for {docx.name}")
            return produced.read_bytes()


@cache
def pdf_converter(office: str) -> PdfConverter:
    """The worker process's one converter for `office`, started on first use and stopped when the process exits."""
    converter = PdfConverter(office)
    converter.start()
    atexit.register(converter.stop)
    return converter
