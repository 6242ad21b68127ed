"""A stand-in for arXiv's export API on 127.0.0.1, answering in the shape arXiv does.

``/api/query?id_list=a,b&max_results=N`` gives an Atom feed with one entry per known paper (its
id carries the latest version, ``http://arxiv.org/abs/2009.03393v2``), nothing for an unknown id,
and a single error entry with HTTP 400 for a malformed one. ``fail_next`` makes the next answers
503, as arXiv gives under load. Every request is recorded.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

import pytest

from ghdigest import identifiers


@dataclass(frozen=True)
class Paper:
    """What the stand-in knows of one paper."""

    id: str
    version: int
    title: str
    authors: tuple[str, ...]
    published: str
    updated: str
    abstract: str
    primary: str
    categories: tuple[str, ...]
    comment: str = ""


PAPERS = {
    paper.id: paper
    for paper in (
        Paper(
            "2009.03393",
            2,
            "Generative Language Modeling for Automated\n  Theorem Proving",
            ("Stanislas Polu", "Ilya Sutskever"),
            "2020-09-07T17:34:39Z",
            "2020-09-08T09:10:11Z",
            "We explore the application of transformer-based language models to automated\n  theorem proving.",
            "cs.LG",
            ("cs.LG", "cs.AI", "cs.CL", "stat.ML"),
        ),
        Paper(
            "2009.01325",
            3,
            "Learning to summarize from human feedback",
            ("Nisan Stiennon", "Long Ouyang", "Jeff Wu"),
            "2020-09-02T17:57:24Z",
            "2022-02-15T18:33:48Z",
            "As language models become more powerful, training and evaluation are increasingly bottlenecked.",
            "cs.CL",
            ("cs.CL", "cs.AI", "cs.LG"),
        ),
        Paper(
            "hep-th/9901001",
            1,
            "An old-style paper on strings",
            ("A. Physicist",),
            "1999-01-01T10:00:00Z",
            "1999-01-01T10:00:00Z",
            "Strings, old style.",
            "hep-th",
            ("hep-th",),
        ),
        Paper(
            "2010.00001",
            2,
            "A paper its authors took back",
            ("B. Author",),
            "2020-10-01T08:00:00Z",
            "2020-10-05T08:00:00Z",
            "This paper has been withdrawn by the authors.",
            "cs.CV",
            ("cs.CV",),
            comment="This paper has been withdrawn by the authors due to an error in Table 2",
        ),
    )
}

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'
    ' xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
    '  <link href="http://arxiv.org/api/query" rel="self" type="application/atom+xml"/>\n'
    '  <title type="html">ArXiv Query: search_query=&amp;id_list=</title>\n'
)


def _entry(paper: Paper) -> str:
    authors = "".join(f"    <author><name>{escape(name)}</name></author>\n" for name in paper.authors)
    categories = "".join(
        f'    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>\n' for c in paper.categories
    )
    comment = f"    <arxiv:comment>{escape(paper.comment)}</arxiv:comment>\n" if paper.comment else ""
    return (
        "  <entry>\n"
        f"    <id>http://arxiv.org/abs/{paper.id}v{paper.version}</id>\n"
        f"    <updated>{paper.updated}</updated>\n"
        f"    <published>{paper.published}</published>\n"
        f"    <title>{escape(paper.title)}</title>\n"
        f"    <summary>{escape(paper.abstract)}</summary>\n"
        f"{authors}{comment}"
        f'    <link href="http://arxiv.org/abs/{paper.id}v{paper.version}" rel="alternate" type="text/html"/>\n'
        f'    <arxiv:primary_category term="{paper.primary}" scheme="http://arxiv.org/schemas/atom"/>\n'
        f"{categories}"
        "  </entry>\n"
    )


def feed(papers: list[Paper], total: int) -> bytes:
    """An export API answer holding ``papers``."""
    return (
        _HEAD
        + f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        + "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        + "".join(_entry(paper) for paper in papers)
        + "</feed>\n"
    ).encode()


def error_feed(identifier: str) -> bytes:
    """arXiv's answer to a malformed id: one error entry for the whole request."""
    return (
        _HEAD
        + "  <opensearch:totalResults>1</opensearch:totalResults>\n"
        + "  <entry>\n"
        + f"    <id>http://arxiv.org/api/errors#incorrect_id_format_for_{escape(identifier)}</id>\n"
        + "    <title>Error</title>\n"
        + f"    <summary>incorrect id format for {escape(identifier)}</summary>\n"
        + "  </entry>\n</feed>\n"
    ).encode()


@dataclass
class ArxivStub:
    """The stand-in's state: the papers it knows, the requests it saw, the failures to give."""

    papers: dict[str, Paper] = field(default_factory=lambda: dict(PAPERS))
    requests: list[str] = field(default_factory=list)
    fail_next: int = 0
    retry_after: str | None = None
    """Sent with each 503, when set."""
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/query"

    def asked(self) -> list[list[str]]:
        """The ids of each request, in order."""
        return [parse_qs(urlsplit(path).query).get("id_list", [""])[0].split(",") for path in self.requests]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, retry_after: str | None = None) -> None:
        self.send_response(status)
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        stub = self.server.stub
        with stub._lock:
            stub.requests.append(self.path)
            failing = stub.fail_next > 0
            stub.fail_next -= 1 if failing else 0
        parts = urlsplit(self.path)
        if parts.path != "/api/query":
            self._send(404, b"not here")
            return
        if failing:
            self._send(503, b"Service Unavailable", stub.retry_after)
            return
        query = parse_qs(parts.query)
        ids = [i for i in query.get("id_list", [""])[0].split(",") if i]
        for identifier in ids:
            if identifiers.arxiv_id(identifier) is None:
                self._send(400, error_feed(identifier))
                return
        found = []
        for identifier in ids:
            bare = identifiers.arxiv_id(identifier) or ""
            if bare in stub.papers:
                found.append(stub.papers[bare])
        self._send(200, feed(found, len(ids)))


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, stub: ArxivStub) -> None:
        self.stub = stub
        super().__init__(("127.0.0.1", 0), _Handler)


@pytest.fixture(name="arxiv_stub")
def arxiv_stub_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[ArxivStub]:
    """A running stand-in, named by $GHDIGEST_ARXIV_API_URL; arXiv's 3 s spacing shortened for tests."""
    from ghdigest.links import http

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(http, "ARXIV_SPACING", 0.01)
    stub = ArxivStub()
    server = _Server(stub)
    stub.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.setenv("GHDIGEST_ARXIV_API_URL", stub.api)
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
