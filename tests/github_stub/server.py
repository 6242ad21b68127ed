"""The HTTP side: a threaded server on 127.0.0.1, auth, rate limits, conditional requests, faults and recording."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import api
from .model import StubRepo, World
from .openapi import description

RATE_LIMIT = 5000
RATE_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
SECONDARY_MESSAGE = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
FAULT_KINDS = ("status", "drop", "slow", "timeout", "truncated", "hold")
_NOT_DESCRIBED = "operation not in the OpenAPI description"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the stub saw it, with the status it answered (0 = connection dropped, nothing sent)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int
    counted: bool


@dataclass(eq=False)
class Fault:
    """A misbehaviour to inject: matched by method and path regex, firing on the ``nth`` match for ``times`` requests.

    Kinds: ``status`` (answer ``status`` with a GitHub error body; 403/429 use the secondary-rate-limit message,
    ``retry_after`` becomes a ``retry-after`` header, and ``reset_after`` sends ``x-ratelimit-remaining: 0`` with
    ``x-ratelimit-reset`` that many seconds from now, as GitHub does for some secondary limits), ``drop`` (close
    the connection, answer nothing), ``slow`` (sleep ``delay`` seconds, then answer normally), ``timeout`` (say
    nothing for ``delay`` seconds, then close the connection: longer than the client's timeout, the client gives
    up first; the request is carried out only with ``after=True``), ``hold`` (set ``reached``, then wait until
    ``release()`` before answering normally: a client stopped at a known request) and ``truncated`` (the real
    status and headers, half the body; the request is always processed). With ``after=True`` the request is
    processed first and the fault then replaces the answer. ``seen`` and ``fired`` count matching requests and
    firings since injection.
    """

    status: int = 502
    method: str | None = None
    path: str | None = None
    nth: int = 1
    times: int = 1
    after: bool = False
    retry_after: int | None = None
    reset_after: float | None = None
    kind: str = "status"
    delay: float = 0.0
    seen: int = field(default=0, init=False)
    fired: int = field(default=0, init=False)
    position: int | None = field(default=None, init=False, repr=False)
    reached: threading.Event = field(default_factory=threading.Event, init=False, repr=False, compare=False)
    _released: threading.Event = field(default_factory=threading.Event, init=False, repr=False, compare=False)

    def release(self) -> None:
        """Let a held request be answered (the stub releases every hold when it closes)."""
        self._released.set()

    def hold(self) -> None:
        """Block the request's handler until ``release()`` (a minute at most)."""
        self.reached.set()
        self._released.wait(timeout=60)

    def __post_init__(self) -> None:
        """Reject faults that could never behave as written."""
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}, not {self.kind!r}")
        if self.nth < 1 or self.times < 1:
            raise ValueError("nth and times count from 1")
        if self.kind == "status" and not 400 <= self.status <= 599:
            raise ValueError(f"a status fault needs an error status, not {self.status}")
        if self.kind == "timeout" and self.delay <= 0:
            raise ValueError("a timeout fault needs a delay (longer than the client's timeout)")
        if self.path is not None:
            re.compile(self.path)

    def claim(self, method: str, path: str, sequence: int) -> bool:
        """Count one request; return True when the fault fires for it."""
        if self.method is not None and self.method.upper() != method:
            return False
        if self.path is not None and re.search(self.path, path) is None:
            return False
        self.seen += 1
        if self.position is not None:
            fire = self.position <= sequence < self.position + self.times
        else:
            fire = self.nth <= self.seen < self.nth + self.times
        self.fired += fire
        return fire


@dataclass
class _Response:
    """A fully framed response."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    counted: bool

    def truncated(self) -> _Response:
        """The same status and headers with half the body (Content-Length adjusted, so the JSON is what breaks)."""
        body = self.body[: len(self.body) // 2]
        headers = [(k, str(len(body)) if k == "Content-Length" else v) for k, v in self.headers]
        return _Response(self.status, headers, body, self.counted)


class _Handler(BaseHTTPRequestHandler):
    """Hands every request to the stub; HTTP/1.1 so that clients keep connections alive."""

    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    timeout = 60  # idle keep-alive connections give their thread back eventually
    server: _Server

    def setup(self) -> None:
        """Send every write at once (TCP_NODELAY)."""
        super().setup()
        # Headers and body go out in two writes; with Nagle's algorithm the body would wait for the
        # client's delayed ACK, about 40 ms per response on Linux loopback.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self) -> str:
        """The ``Server`` header GitHub sends."""
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet; ``stub.requests`` is the log."""

    def do_GET(self) -> None:
        """Serve any method the same way."""
        self.server.stub._serve(self)

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_GET


class _Server(ThreadingHTTPServer):
    """A threaded server that remembers its open connections so that closing the stub closes them too."""

    daemon_threads = True

    def __init__(self, stub: GitHubStub) -> None:
        """Bind a free port on 127.0.0.1."""
        super().__init__(("127.0.0.1", 0), _Handler)
        self.stub = stub
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Track the connection, then serve it on its own thread."""
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget the connection as it closes."""
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake every handler thread blocked on an idle keep-alive connection."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up are normal (timeouts, drops); anything else is a stub bug worth failing a test over."""
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, TimeoutError)):
            self.stub.validation_errors.append("stub internal error: " + traceback.format_exc())


class GitHubStub:
    """A local imitation of the GitHub REST API endpoints ``ghdigest sync`` and ``release`` use, over real HTTP.

    Every response is checked against GitHub's OpenAPI description; problems land in ``validation_errors``.
    ``rate_limit_remaining`` can be set (0 = primary limit exhausted); the budget refills
    ``rate_limit_reset_seconds`` after it runs out, as GitHub's does at ``x-ratelimit-reset``.
    """

    def __init__(self, token: str | None = None, *, viewer: str = "stub-bot") -> None:
        """Start serving at once; ``token=None`` accepts any or no credentials; ``viewer`` is who the token is."""
        self.token = token
        self.requests: list[RecordedRequest] = []
        self.validation_errors: list[str] = []
        self.rate_limit_limit = RATE_LIMIT
        self.rate_limit_reset_seconds = 2
        self._remaining = RATE_LIMIT
        self._exhausted_until: int | None = None
        self._window_reset = math.ceil(time.time()) + 3600
        self._faults: list[Fault] = []
        self._sequence = 0
        self._server = _Server(self)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.world = World(self.base_url, viewer)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="github-stub", daemon=True
        )
        self._thread.start()
        self._closed = False

    # -- public interface --

    def __enter__(self) -> GitHubStub:
        """The running stub."""
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        """Stop serving."""
        self.close()

    def close(self) -> None:
        """Stop the server and close every connection (idempotent)."""
        if self._closed:
            return
        self._closed = True
        for fault in self._faults:
            fault.release()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)

    def add_repo(self, owner: str, name: str) -> StubRepo:
        """Create a repository; its ``id`` is stable for the life of the stub."""
        return self.world.add_repo(owner, name)

    def now(self) -> datetime:
        """The stub's clock (UTC); it starts at 2020-09-13T00:00:00Z."""
        return self.world.now()

    def advance(self, delta: timedelta | float) -> datetime:
        """Move the clock forward (seconds or a timedelta), e.g. to put days between two issues."""
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        return self.world.tick(seconds)

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        with self.world.lock:
            self.requests.clear()

    def inject(self, fault: Fault) -> Fault:
        """Arm ``fault``; its ``nth`` counts matching requests from now on. Return it (to read ``fired`` later)."""
        with self.world.lock:
            fault.seen = fault.fired = 0
            if fault not in self._faults:  # re-arming must not make it count every request twice
                self._faults.append(fault)
        return fault

    def inject_at(self, index: int, fault: Fault) -> Fault:
        """Arm a copy of ``fault`` for the request at overall position ``index`` (0 = the next request received).

        ``nth`` is ignored; ``times`` spans consecutive positions; method/path filters, if set, must match as well.
        """
        armed = replace(fault)
        with self.world.lock:
            armed.position = self._sequence + index
            self._faults.append(armed)
        return armed

    @property
    def rate_limit_remaining(self) -> int:
        """Requests left in the current window."""
        with self.world.lock:
            self._refill()
            return self._remaining

    @rate_limit_remaining.setter
    def rate_limit_remaining(self, value: int) -> None:
        """Set the budget; 0 exhausts it until ``rate_limit_reset_seconds`` from now."""
        with self.world.lock:
            self._remaining = value
            self._exhausted_until = math.ceil(time.time()) + self.rate_limit_reset_seconds if value <= 0 else None

    # -- serving --

    def _serve(self, handler: _Handler) -> None:
        """Answer one request: faults first, then auth, rate limit, routing, conditional GET, validation."""
        method = handler.command
        split = urlsplit(handler.path)
        path, raw_query = split.path, split.query
        headers: dict[str, str] = {}
        for key, value in handler.headers.items():
            headers[key.lower()] = f"{headers[key.lower()]}, {value}" if key.lower() in headers else value
        body = _read_body(handler, headers)
        with self.world.lock:
            sequence = self._sequence
            self._sequence += 1
            fault = self._claim_fault(method, path, sequence)

        def record(status: int, counted: bool) -> None:
            query = parse_qs(raw_query, keep_blank_values=True)
            with self.world.lock:
                self.requests.append(RecordedRequest(method, path, query, headers, body, status, counted))

        early = fault is not None and not fault.after and fault.kind != "truncated"
        response: _Response | None = None
        if fault is not None and early:
            if fault.kind in ("drop", "timeout"):
                record(0, False)
                if fault.kind == "timeout":
                    time.sleep(fault.delay)  # the client gives up meanwhile; GitHub never saw the request
                _drop(handler)
                return
            if fault.kind == "slow":
                time.sleep(fault.delay)
            elif fault.kind == "hold":
                fault.hold()
            elif fault.kind == "status":
                response = self._fault_response(fault, method, path, charge=True)
        if response is None:
            response = self._respond(method, path, raw_query, headers, body)
        if fault is not None and not early:
            if fault.kind in ("drop", "timeout"):
                record(0, response.counted)
                if fault.kind == "timeout":
                    time.sleep(fault.delay)  # carried out, but the answer comes too late for the client
                _drop(handler)
                return
            if fault.kind == "slow":
                time.sleep(fault.delay)
            elif fault.kind == "hold":
                fault.hold()
            elif fault.kind == "status":
                response = replace(self._fault_response(fault, method, path, charge=False), counted=response.counted)
            elif fault.kind == "truncated":
                response = response.truncated()
        # Recorded before sending: a client that has its answer must find its request in stub.requests.
        record(response.status, response.counted)
        _send(handler, response, head=method == "HEAD")

    def _claim_fault(self, method: str, path: str, sequence: int) -> Fault | None:
        """The first armed fault that fires for this request (every matching fault counts it)."""
        chosen = None
        for fault in self._faults:
            if fault.claim(method, path, sequence) and chosen is None:
                chosen = fault
        return chosen

    def _respond(self, method: str, path: str, raw_query: str, headers: dict[str, str], body: bytes) -> _Response:
        """The real answer to a request."""
        verb = "GET" if method == "HEAD" else method
        extra: dict[str, str] = {}
        with self.world.lock:
            counted = True
            if not self._authorized(headers):
                reply, counted = api.error(401, "Bad credentials"), False
            elif verb == "GET" and path == "/rate_limit":
                # GitHub does not charge for asking about the budget, and answers even when it is spent.
                reply, counted = api.Reply(200, self._rate_limit_payload(), last_modified=self.world.now()), False
            elif self._spent():
                uid = self.world.user_id(self.world.viewer)
                message = f"API rate limit exceeded for user ID {uid}."
                reply = api.error(403, message, documentation_url=f"{RATE_DOCS}#about-primary-rate-limits")
                counted = False
            else:
                try:
                    reply = api.dispatch(self.world, verb, path, raw_query, body, headers)
                except Exception:
                    reply = api.error(500, "stub crashed")
                    reply.note = f"{method} {path}: stub crashed: {traceback.format_exc()}"
            try:
                payload = b"" if reply.payload is None else _encode(reply.payload)
            except (TypeError, ValueError) as problem:
                reply = api.error(500, "stub crashed")
                reply.note = f"{method} {path}: response is not JSON-serialisable: {problem}"
                payload = _encode(reply.payload)
            status = reply.status
            extra.update(reply.headers)
            if status == 200 and verb == "GET":
                etag = 'W/"' + hashlib.sha1(payload).hexdigest() + '"'
                extra["ETag"] = etag
                extra["Last-Modified"] = format_datetime(reply.last_modified or self.world.now(), usegmt=True)
                extra["Cache-Control"] = "private, max-age=60, s-maxage=60"
                if _not_modified(headers, etag, reply):
                    status, payload, counted = 304, b"", False
            if counted:
                self._charge()
            extra.update(self._rate_headers())
        framed = _frame(status, payload, extra, method)
        self._validate(verb, path, status, payload, reply.note)
        return _Response(status, framed, payload, counted)

    def _fault_response(self, fault: Fault, method: str, path: str, *, charge: bool) -> _Response:
        """The GitHub-shaped error a ``status`` fault answers with."""
        status = fault.status
        if status in (403, 429):
            reply = api.error(status, SECONDARY_MESSAGE, documentation_url=f"{RATE_DOCS}#about-secondary-rate-limits")
        else:
            phrase = "Server Error" if status in (500, 502) else HTTPStatus(status).phrase
            reply = api.error(status, phrase)
        extra: dict[str, str] = {}
        if fault.retry_after is not None:
            extra["Retry-After"] = str(fault.retry_after)
        with self.world.lock:
            if charge:
                self._charge()
            extra.update(self._rate_headers())
        if fault.reset_after is not None:
            # No retry-after, only the budget shown as spent until a reset (whole epoch seconds, as GitHub sends).
            reset = int(time.time() + fault.reset_after)
            extra.update({"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)})
            extra["x-ratelimit-used"] = extra["x-ratelimit-limit"]
        payload = _encode(reply.payload)
        verb = "GET" if method == "HEAD" else method
        self._validate(verb, path, status, payload, None)
        return _Response(status, _frame(status, payload, extra, method), payload, charge)

    def _validate(self, method: str, path: str, status: int, payload: bytes, note: str | None) -> None:
        """Check a response against the OpenAPI description and record any problem."""
        problems = description().check(method, path, status, payload)
        if note and not any(_NOT_DESCRIBED in problem for problem in problems):
            problems.append(note)
        if problems:
            with self.world.lock:
                self.validation_errors.extend(problems)

    # -- auth and rate limit --

    def _authorized(self, headers: dict[str, str]) -> bool:
        """``Authorization: token <t>`` or ``Bearer <t>`` when a token is configured."""
        if self.token is None:
            return True
        scheme, _, credential = headers.get("authorization", "").partition(" ")
        return scheme.lower() in ("token", "bearer") and credential.strip() == self.token

    def _refill(self) -> None:
        """Restore the budget once the exhaustion window has passed."""
        if self._exhausted_until is not None and time.time() >= self._exhausted_until:
            self._remaining = self.rate_limit_limit
            self._exhausted_until = None
        while time.time() >= self._window_reset:
            self._window_reset += 3600

    def _spent(self) -> bool:
        """Whether the primary budget is exhausted right now."""
        self._refill()
        return self._remaining <= 0

    def _charge(self) -> None:
        """Take one request off the budget."""
        self._refill()
        self._remaining = max(self._remaining - 1, 0)
        if self._remaining == 0 and self._exhausted_until is None:
            self._exhausted_until = math.ceil(time.time()) + self.rate_limit_reset_seconds

    def _rate_headers(self) -> dict[str, str]:
        """The x-ratelimit-* headers GitHub sends on every response."""
        self._refill()
        reset = self._exhausted_until if self._exhausted_until is not None else self._window_reset
        return {
            "x-ratelimit-limit": str(self.rate_limit_limit),
            "x-ratelimit-remaining": str(self._remaining),
            "x-ratelimit-reset": str(reset),
            "x-ratelimit-used": str(max(self.rate_limit_limit - self._remaining, 0)),
            "x-ratelimit-resource": "core",
        }

    def _rate_limit_payload(self) -> dict[str, Any]:
        """GET /rate_limit."""
        self._refill()
        reset = self._exhausted_until if self._exhausted_until is not None else self._window_reset
        used = max(self.rate_limit_limit - self._remaining, 0)
        core = {"limit": self.rate_limit_limit, "remaining": self._remaining, "reset": reset, "used": used}
        search = {"limit": 30, "remaining": 30, "reset": math.ceil(time.time()) + 60, "used": 0}
        graphql = {"limit": 5000, "remaining": 5000, "reset": self._window_reset, "used": 0}
        return {"resources": {"core": core, "search": search, "graphql": graphql}, "rate": core}


def _encode(payload: Any) -> bytes:
    """Compact UTF-8 JSON, as GitHub sends it."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _frame(status: int, payload: bytes, extra: dict[str, str], method: str) -> list[tuple[str, str]]:
    """Response headers: content framing, GitHub's fixed headers, then the response-specific ones."""
    headers: list[tuple[str, str]] = []
    if status != 304:
        headers += [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(payload)))]
    headers += [
        ("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP"),
        ("X-GitHub-Media-Type", "github.v3; format=json"),
        ("X-GitHub-Api-Version-Selected", "2022-11-28"),
        ("X-GitHub-Request-Id", hashlib.sha1(f"{time.time_ns()}{method}".encode()).hexdigest()[:20].upper()),
    ]
    headers += list(extra.items())
    return headers


def _not_modified(headers: dict[str, str], etag: str, reply: api.Reply) -> bool:
    """Whether a conditional GET may be answered 304 (If-None-Match wins over If-Modified-Since, per RFC 9110)."""
    if "if-none-match" in headers:
        tags = [tag.strip().removeprefix("W/") for tag in headers["if-none-match"].split(",")]
        return "*" in tags or etag.removeprefix("W/") in tags
    if "if-modified-since" in headers and reply.single and reply.last_modified is not None:
        try:
            since = parsedate_to_datetime(headers["if-modified-since"])
        except (TypeError, ValueError):
            return False
        return reply.last_modified.replace(microsecond=0) <= since
    return False


def _read_body(handler: _Handler, headers: dict[str, str]) -> bytes:
    """The request body, by Content-Length or chunked transfer coding."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks: list[bytes] = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(headers.get("content-length") or 0)
    return handler.rfile.read(length) if length else b""


def _send(handler: _Handler, response: _Response, *, head: bool) -> None:
    """Write a response; a client that already hung up is not an error."""
    try:
        handler.send_response(response.status)
        for key, value in response.headers:
            handler.send_header(key, value)
        handler.end_headers()
        if response.body and not head:
            handler.wfile.write(response.body)
    except OSError:
        # The client hung up first (a timeout, or the stub closing under a slow fault).
        handler.close_connection = True


def _drop(handler: _Handler) -> None:
    """Close the connection without answering."""
    handler.close_connection = True
    with contextlib.suppress(OSError):
        handler.connection.shutdown(socket.SHUT_RDWR)
