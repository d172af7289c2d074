"""The part the stand-ins share: a loopback HTTP server in a background thread that records every request.

A stand-in subclasses ``Standin`` and implements ``handle(request, record)``. The base class binds
``127.0.0.1`` on a free port, serves from a daemon thread (``ThreadingHTTPServer``), closes each connection
after its response (so ``stop()`` never waits on an idle keep-alive socket), answers the failures queued by
``fail_next`` before anything else, can be told to ``hang_next`` (no answer at all, then a 504: the request never
reached the provider), ``slow_next`` (the provider takes the request but answers late) or ``hold_next`` (the
provider takes it and keeps the answer back until the test releases it), and keeps ``requests``
— every request with its outcome.

A bug in a stand-in answers 500 but is also kept in ``internal_errors``; the fixtures fail the test on it,
so a broken stand-in is never mistaken for a provider outage.
"""

from __future__ import annotations

import json
import threading
import traceback
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from tests.standins.contracts import Violation

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Request:
    """One HTTP request as it arrived; header names are lower-cased."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-cased (``application/json; charset=utf-8`` → ``application/json``)."""
        return self.header("content-type").split(";", 1)[0].strip().lower()


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, document: Any, headers: Mapping[str, str] | None = None) -> Response:
        return cls(status, json.dumps(document).encode(), {"Content-Type": "application/json", **(headers or {})})


@dataclass(frozen=True)
class _Injected:
    """What the stand-in does to one coming request: wait ``delay`` seconds, then answer ``response`` without
    looking at the request, or (``response`` None) handle it as usual."""

    delay: float
    response: Response | None


@dataclass
class RecordedRequest:
    """A request and what the stand-in made of it.

    ``violations`` are the contract violations found (empty for a valid request, and for requests that never
    reached validation: unauthorised, or answered by ``fail_next``/``hang_next``); ``injected`` marks such an answer;
    ``resource_id`` is what an accepted request created (SendGrid's ``X-Message-Id``, Twilio's message sid).
    """

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    status: int = 0
    violations: list[Violation] = field(default_factory=list)
    injected: bool = False
    authorized: bool = False
    parsed: Any = None
    resource_id: str | None = None
    response_body: bytes = b""

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300


class Standin:
    """A loopback HTTP stand-in; use as a context manager or ``start()``/``stop()``."""

    name = "stand-in"

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.internal_errors: list[str] = []
        self._failures: deque[_Injected] = deque()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._hold: tuple[threading.Event, threading.Event] | None = None

    # --- life cycle ---------------------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError(f"{self.name} is already running")
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                standin._serve(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:  # quiet: requests are recorded instead
                pass

        self._stopping.clear()
        server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"{self.name}-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        self._stopping.set()  # a hanging request gives up now
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{self.name} is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, no trailing slash."""
        return f"http://{LOOPBACK}:{self.port}"

    # --- behaviour ----------------------------------------------------------------------------------------------

    def fail_next(
        self,
        status: int = 503,
        times: int = 1,
        *,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answers the next ``times`` requests with ``status`` before looking at them (an outage, a throttle, a
        permanent refusal), in the provider's error shape unless ``body`` is given."""
        response = Response.json(status, body if body is not None else self.error_body(status), headers)
        self._inject(times, 0.0, response)

    def hang_next(self, times: int = 1, *, seconds: float = 30.0) -> None:
        """The next ``times`` requests get no answer for ``seconds`` (a provider that stopped answering: the
        client times out first), then a 504 gateway timeout. The stand-in never looks at them, so nothing is sent."""
        self._inject(times, seconds, Response.json(504, self.error_body(504)))

    def slow_next(self, seconds: float, times: int = 1) -> None:
        """The next ``times`` requests are handled as usual, but answered only after ``seconds``: a provider
        that takes the message and answers late (a client that gave up may already be sending it again)."""
        self._inject(times, seconds, None)

    def hold_next(self) -> tuple[threading.Event, threading.Event]:
        """The next accepted message is recorded as sent, then its answer is held back: the first event is set
        when the provider has the message, and the answer goes out when the caller sets the second. A test kills
        the sender in between, the moment a worker is most likely to send twice."""
        accepted, release = threading.Event(), threading.Event()
        with self._lock:
            self._hold = (accepted, release)
        return accepted, release

    def hold_if_asked(self) -> None:
        """Called by ``handle`` once it has accepted a message: keeps the answer back if ``hold_next`` asked."""
        with self._lock:
            held, self._hold = self._hold, None
        if held is not None:
            accepted, release = held
            accepted.set()
            release.wait(timeout=120)

    def _inject(self, times: int, delay: float, response: Response | None) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._failures.extend(_Injected(delay, response) for _ in range(times))

    def reset(self) -> None:
        """Forgets requests, queued failures and internal errors (subclasses also forget what was sent)."""
        with self._lock:
            self.requests.clear()
            self.internal_errors.clear()
            self._failures.clear()
            self._hold = None

    def error_body(self, status: int, message: str | None = None) -> dict[str, Any]:
        """The provider's error document for ``status``."""
        raise NotImplementedError

    def handle(self, request: Request, record: RecordedRequest) -> Response:
        """The answer to a request that no queued failure answered; fills in ``record``."""
        raise NotImplementedError

    # --- plumbing -----------------------------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length > 0 else b""
        split = urlsplit(handler.path)
        headers = {name.lower(): value for name, value in handler.headers.items()}
        request = Request(handler.command, split.path, split.query, headers, body)
        record = RecordedRequest(handler.command, split.path, headers, body)
        with self._lock:
            injected = self._failures.popleft() if self._failures else None
        if injected is not None and injected.delay:
            self._stopping.wait(injected.delay)
        if injected is not None and injected.response is not None:
            record.injected = True
            response = injected.response
        else:
            try:
                response = self.handle(request, record)
            except Exception:
                trace = traceback.format_exc()
                with self._lock:
                    self.internal_errors.append(trace)
                response = Response.json(500, self.error_body(500, "stand-in error: " + trace.splitlines()[-1]))
        record.status = response.status
        record.response_body = response.body
        with self._lock:
            self.requests.append(record)
        try:
            handler.send_response(response.status)
            for name, value in response.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(response.body)))
            handler.send_header("Connection", "close")
            handler.end_headers()
            if response.body and handler.command != "HEAD":
                handler.wfile.write(response.body)
        except OSError:  # the client gave up waiting (hang_next, slow_next): nobody is left to answer
            pass
