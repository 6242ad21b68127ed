"""A loopback HTTP/1.1 server with a route for every answer the link checker must judge.

Routes (every path is on ``server.url(...)``):

* ``/ok/<any>``: 200 with a short body (HEAD: the headers only);
* ``/chain/<n>``: 301 to ``/chain/<n-1>``; ``/chain/0`` answers 200 (``/chain/3`` is three hops);
* ``/loop/a`` ↔ ``/loop/b``: 302 to each other, for ever;
* ``/status/<code>/<any>``: that status (404, 410, 403, 401, 503…);
* ``/retry-once/<any>``: 429 with ``Retry-After: 1`` to the first request on the path, 200 after;
* ``/retry-long/<any>``: 429 with ``Retry-After: 3600``, always;
* ``/slow/<any>``: no answer until the server is stopped (the fixture's teardown);
* ``/reset/<any>``: the connection is reset (SO_LINGER 0, then close: the peer gets an RST);
* ``/head-405/<any>`` and ``/head-404/<any>``: HEAD gets 405 or 404, GET gets 200;
* ``/relative/<any>``: 302 with the relative Location ``../ok/from-relative``;
* ``/hold/<any>``: 200 after a short hold, so that requests overlap when a checker lets them;
* ``/switch/<name>``: the status the test put in ``statuses[name]`` (404 until it does);
* ``/10.<prefix>/<suffix>``: doi.org's resolver: 302 to ``/ok/doi-landing`` (a DOI link asked as a plain URL);
* ``/api/query?id_list=a,b&max_results=N``: arXiv's export API: an Atom feed with an entry for
  each id of ``arxiv_known`` asked for (versioned ids, as arXiv writes them);
* ``/api/handles/<doi>``: the DOI handle API: 200 ``{"responseCode": 1}`` for ``doi_known``,
  404 ``{"responseCode": 100}`` otherwise.

The server records every request (method, path, headers, arrival order), counts them per path
and method, and keeps the most requests in flight at once, also over several servers sharing
one ``InFlight`` counter.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from ghdigest.models import LinkSettings

#: How long ``/hold/`` keeps each answer back: long enough for a checker breaking its limits to overlap.
HOLD_SECONDS = 0.05
_ATOM_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'


class InFlight:
    """Requests being answered right now, and the most there were at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current = 0
        self.max = 0

    def enter(self) -> None:
        with self._lock:
            self.current += 1
            self.max = max(self.max, self.current)

    def leave(self) -> None:
        with self._lock:
            self.current -= 1


@dataclass(frozen=True)
class Seen:
    """One request as it arrived."""

    order: int
    method: str
    path: str
    """The path with its query, as sent."""
    headers: dict[str, str]


@dataclass
class LinkServer:
    """The server's state: what it knows, what it saw. ``host`` and ``port`` are set once it listens."""

    host: str = "127.0.0.1"
    arxiv_known: set[str] = field(default_factory=set)
    arxiv_refused: set[str] = field(default_factory=set)
    """Ids the arXiv stand-in answers with an error entry for the whole request."""
    doi_known: set[str] = field(default_factory=set)
    statuses: dict[str, int] = field(default_factory=dict)
    shared: InFlight | None = None
    """A counter shared with other servers (global concurrency), besides this server's own."""
    port: int = 0
    requests: list[Seen] = field(default_factory=list)
    in_flight: InFlight = field(default_factory=InFlight)
    release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def record(self, method: str, path: str, headers: dict[str, str]) -> int:
        """Record a request; how many requests this path had before it (any method)."""
        with self._lock:
            before = sum(1 for seen in self.requests if urlsplit(seen.path).path == urlsplit(path).path)
            self.requests.append(Seen(len(self.requests), method, path, headers))
        return before

    def count(self, path: str, method: str | None = None) -> int:
        """Requests for ``path`` (without query; with one, the exact path and query), of ``method`` if given."""
        with self._lock:
            return sum(
                1
                for seen in self.requests
                if (seen.path == path or ("?" not in path and urlsplit(seen.path).path == path))
                and (method is None or seen.method == method)
            )

    def paths(self) -> list[str]:
        with self._lock:
            return [seen.path for seen in self.requests]

    def per_path(self) -> Counter[tuple[str, str]]:
        """``(method, path) → requests``."""
        with self._lock:
            return Counter((seen.method, seen.path) for seen in self.requests)


def _atom(ids: list[str]) -> bytes:
    entries = "".join(
        f"<entry><id>http://arxiv.org/abs/{identifier}v2</id><title>Paper {identifier}</title></entry>\n"
        for identifier in ids
    )
    return (_ATOM_HEAD + "<title>arXiv Query</title>\n" + entries + "</feed>\n").encode()


def _atom_error(identifier: str) -> bytes:
    entry = (
        f"<entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_{identifier}</id><title>Error</title>"
        f"<summary>incorrect id format for {identifier}</summary></entry>\n"
    )
    return (_ATOM_HEAD + "<title>arXiv Query</title>\n" + entry + "</feed>\n").encode()


class _Handler(BaseHTTPRequestHandler):
    _counting: list[InFlight]
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_GET(self) -> None:
        self._serve("GET")

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        # The request stops counting as in flight before its answer goes out: once the client has the
        # answer it may send the next request, which must not find this one still counted.
        self._leave()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _leave(self) -> None:
        for counter in self._counting:
            counter.leave()
        self._counting = []

    def _serve(self, method: str) -> None:
        state = self.server.state
        self._counting = [state.in_flight] + ([state.shared] if state.shared is not None else [])
        for counter in self._counting:
            counter.enter()
        try:
            before = state.record(method, self.path, dict(self.headers.items()))
            self._route(method, before)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            self._leave()

    def _route(self, method: str, before: int) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        segments = parts.path.strip("/").split("/")
        route = segments[0]
        if route == "ok":
            self._send(200, b"<p>a page</p>", {"Content-Type": "text/html"})
        elif route == "chain":
            hops = int(segments[1])
            if hops == 0:
                self._send(200, b"end of the chain")
            else:
                self._send(301, headers={"Location": state.url(f"/chain/{hops - 1}")})
        elif route == "loop":
            self._send(302, headers={"Location": "/loop/b" if segments[1] == "a" else "/loop/a"})
        elif route == "status":
            self._send(int(segments[1]), b"status page")
        elif route == "retry-once":
            if before == 0:
                self._send(429, b"slow down", {"Retry-After": "1"})
            else:
                self._send(200, b"fine now")
        elif route == "retry-long":
            self._send(429, b"come back in an hour", {"Retry-After": "3600"})
        elif route == "slow":
            state.release.wait()
            self.close_connection = True
        elif route == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif route in ("head-405", "head-404"):
            if method == "HEAD":
                self._send(405 if route == "head-405" else 404)
            else:
                self._send(200, b"GET works")
        elif route == "head-loop":
            if method == "HEAD":
                self._send(302, headers={"Location": parts.path})
            else:
                self._send(200, b"GET works")
        elif route == "bad-retry-after":
            self._send(429, b"slow down", {"Retry-After": {"huge": "9" * 400, "superscript": "\u00b2"}[segments[1]]})
        elif route == "bad-location":
            self._send(302, headers={"Location": "http://[oops/"})
        elif route == "relative":
            self._send(302, headers={"Location": "../ok/from-relative"})
        elif route == "hold":
            time.sleep(HOLD_SECONDS)
            self._send(200, b"held")
        elif route == "switch":
            self._send(state.statuses.get(segments[1], 404), b"switched")
        elif route.startswith("10."):
            self._send(302, headers={"Location": "/ok/doi-landing"})
        elif parts.path == "/api/query":
            query = parse_qs(parts.query)
            asked = query.get("id_list", [""])[0].split(",")
            refused = [identifier for identifier in asked if identifier in state.arxiv_refused]
            if refused:  # as arXiv does: one bad id, and the whole request is a single error entry
                self._send(200, _atom_error(refused[0]), {"Content-Type": "application/atom+xml"})
                return
            found = [identifier for identifier in asked if identifier in state.arxiv_known]
            self._send(200, _atom(found), {"Content-Type": "application/atom+xml"})
        elif parts.path.startswith("/api/handles/"):
            doi = unquote(parts.path.removeprefix("/api/handles/"))
            if doi in state.doi_known:
                body = {"responseCode": 1, "handle": doi, "values": [{"index": 1, "type": "URL"}]}
                self._send(200, json.dumps(body).encode(), {"Content-Type": "application/json"})
            else:
                body = {"responseCode": 100, "handle": doi}
                self._send(404, json.dumps(body).encode(), {"Content-Type": "application/json"})
        else:
            self._send(404, b"no such route")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state: LinkServer) -> None:
        self.state = state
        super().__init__((state.host, 0), _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that went away (timeouts, resets) is part of the tests


class running:
    """Run a ``LinkServer`` in a thread; on exit release held answers and stop."""

    def __init__(self, state: LinkServer) -> None:
        self.state = state
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LinkServer:
        self._server = _Server(self.state)
        self.state.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self.state

    def __exit__(self, *exc_info: object) -> None:
        assert self._server is not None
        assert self._thread is not None
        self.state.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def fast_settings(**values: Any) -> LinkSettings:
    """Link settings for loopback tests: no spacing between starts, short waits; ``values`` on top."""
    defaults: dict[str, Any] = {"timeout": 5.0, "host_spacing": 0.0, "retry_wait": 5.0}
    return LinkSettings(**{**defaults, **values})


def clear_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checker honours HTTP(S)_PROXY: loopback tests must not go through one."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


# Fixtures, imported by the test modules under these function names and requested by their ``name``.


@pytest.fixture(name="no_proxy")
def no_proxy_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy between the checker and loopback servers."""
    clear_proxies(monkeypatch)


@pytest.fixture(name="link_server")
def link_server_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[LinkServer]:
    """A running server on 127.0.0.1 knowing two arXiv ids and one DOI."""
    clear_proxies(monkeypatch)
    with running(LinkServer(arxiv_known={"2009.03393", "2009.04765"}, doi_known={"10.1234/known.5678"})) as server:
        yield server


@pytest.fixture(name="closed_port")
def closed_port_fixture() -> Iterator[int]:
    """A loopback port that refuses connections: bound (so nobody else gets it) but not listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()
