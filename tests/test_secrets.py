"""The token stays secret: commands that fail in every way print, log, write and forward none of it.

Each command runs with a recognisable fake token (a classic ``ghp_`` one from GITHUB_TOKEN; a fine-grained
``github_pat_`` one from GH_TOKEN with ``--debug``, as in GitHub Actions) against the GitHub stand-in with
faults injected, or against a hostile server that echoes the token back, redirects elsewhere or answers
nonsense. Afterwards stdout, stderr, every log record and every file under the test's folders (the
repository, the output, caches, sync state, temporaries, $HOME, $XDG_CACHE_HOME) are searched for the
token, for recognisable pieces of it and for it inside base64 (as basic authentication carries it).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import logging
import os
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import ghdigest.publish
import ghdigest.sync
from ghdigest.cli import main
from ghdigest.github import GitHubError, RestClient
from tests.conftest import TOKEN
from tests.github_stub import Fault, GitHubStub
from tests.link_server import LinkServer, link_server_fixture  # noqa: F401 - a fixture

#: A fine-grained personal access token's shape: ``github_pat_``, 22 characters, ``_``, 59 characters.
FINE = "github_pat_11FAKEFINE0123456789abcd_FakeFineGrainedTokenForSecretsTests0123456789ABCDEFGHIJKLMNOPQ"
#: The token the stand-in accepts when the one sent must be refused.
OTHER = "ghp_theStandInAcceptsOnlyThis0123456789ab"
SECRETS = (TOKEN, FINE)
WEEK = "2020-W38"


@dataclass(frozen=True)
class Way:
    """How a command gets its token: from which variable; with --debug in GitHub Actions, or plainly."""

    variable: str
    secret: str
    debug: bool

    def env(self) -> dict[str, str | None]:
        unset: dict[str, str | None] = {"GITHUB_TOKEN": None, "GH_TOKEN": None, "GITHUB_API_URL": None}
        # In Actions every problem is also printed as a workflow annotation: one more way to print a message.
        return {**unset, self.variable: self.secret, "GITHUB_ACTIONS": "true" if self.debug else None}

    def args(self, *args: str) -> list[str]:
        return ["--debug", *args] if self.debug else list(args)


CLASSIC = Way("GITHUB_TOKEN", TOKEN, debug=False)
FINE_GRAINED = Way("GH_TOKEN", FINE, debug=True)
WAYS = [pytest.param(CLASSIC, id="GITHUB_TOKEN"), pytest.param(FINE_GRAINED, id="GH_TOKEN-debug")]


def traces(secret: str) -> tuple[list[str], list[str]]:
    """What would give ``secret`` away: (text to look for in any letter case, base64 to look for exactly).

    Text: the token, the token without its prefix, and the first and the last 16 characters after the
    prefix. Base64: the token's own characters however it was aligned in what was encoded
    (``x-access-token:TOKEN``, ``user:TOKEN``...), without the edges that depend on its neighbours.
    """
    bare = secret.removeprefix("github_pat_").removeprefix("ghp_")
    text = [secret, bare, bare[:16], bare[-16:]]
    encoded = []
    for shift in range(3):
        full = base64.b64encode(b"\0" * shift + secret.encode()).decode()
        end = len(full) - (4 if (shift + len(secret)) % 3 else 0)
        encoded.append(full[4 if shift else 0 : end])
    return [t.lower() for t in text], encoded


def found_in(data: str | bytes, secrets: tuple[str, ...] = SECRETS) -> list[str]:
    """The traces of any of ``secrets`` in ``data``."""
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    lowered = text.lower()
    hits: list[str] = []
    for secret in secrets:
        plain, encoded = traces(secret)
        hits += [t for t in plain if t in lowered] + [e for e in encoded if e in text]
    return hits


def test_the_search_finds_every_form_of_the_token() -> None:
    """The search itself: each form a leak could take is found, and text without the token is not."""
    for secret in SECRETS:
        bare = secret.split("_")[-1]
        for form in (
            secret,
            secret.upper(),
            f"token {bare}",
            base64.b64encode(f"x-access-token:{secret}".encode()).decode(),
            base64.b64encode(f"user:{secret}".encode()).decode(),
            base64.b64encode(f"u:{secret}:".encode()).decode(),
        ):
            assert found_in(f"Authorization: Basic {form}\n"), form
    assert found_in("ghp_ and github_pat_ are prefixes; Authorization: token (hidden)") == []


class Sandbox:
    """A test's folders and runner: every command runs here and everything it leaves is searched."""

    def __init__(self, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
        self.tmp_path = tmp_path
        self.caplog = caplog

    def run(self, way: Way, *args: str) -> Result:
        return CliRunner().invoke(main, way.args(*args), env=way.env(), catch_exceptions=False)

    def leaks(self, result: Result) -> list[str]:
        """Where a token shows: stdout, stderr, log records, names and bytes of files under the test's folders."""
        where = [f"stdout: {hit}" for hit in found_in(result.stdout)]
        where += [f"stderr: {hit}" for hit in found_in(result.stderr)]
        logged = "\n".join(f"{r.name}: {r.getMessage()} {r.exc_text or ''}" for r in self.caplog.records)
        where += [f"log: {hit}" for hit in found_in(logged)]
        for folder in (self.tmp_path, Path(os.environ["XDG_CACHE_HOME"])):
            for path in sorted(folder.rglob("*")):
                where += [f"name {path}: {hit}" for hit in found_in(path.name)]
                if path.is_file() and not path.is_symlink():
                    where += [f"{path}: {hit}" for hit in found_in(path.read_bytes())]
        return where


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> Sandbox:
    """Temporaries and $HOME inside the test's folder, every log record kept, GitHub clients quick to give up."""
    for name in ("tmp", "home"):
        (tmp_path / name).mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    # Every record of every level, PyGithub's too (its logger stops at INFO unless told otherwise).
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="github")
    # One retry without backoff and a one-second timeout: every way of failing is reached within seconds.
    quick = functools.partial(RestClient, retries=1, timeout=1, max_rate_limit_wait=1, seconds_between_writes=0)
    monkeypatch.setattr("ghdigest.github.RestClient", quick)
    return Sandbox(tmp_path, caplog)


@pytest.fixture
def repo(example_repo: Path) -> Path:
    """This project's example content (week 2020-W38); its entries have no issue yet, so sync --push opens some."""
    return example_repo


@pytest.fixture
def elsewhere(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hostile]:
    """Another host (``elsewhere.localhost``, which is 127.0.0.1 here) that answers 200 to everything it is sent."""
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if str(host).endswith(".localhost") else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with hosting(lambda server, seen: json_answer(200, {})) as server:
        yield server


def command(name: str, way: Way, api_url: str, root: Path) -> list[str]:
    """The command line of ``sync --push`` or ``release`` (draft with the second way) against ``api_url``."""
    if name == "sync":
        return ["sync", str(root), "--repo", "octo/papers", "--api-url", api_url, "--push"]
    draft = ["--draft"] if way.debug else []
    return ["release", WEEK, str(root), "--repo", "octo/papers", "--api-url", api_url, *draft]


# --------------------------------------------------------------------------- a hostile server


@dataclass(frozen=True)
class Seen:
    """One request as the hostile server received it."""

    method: str
    path: str
    headers: dict[str, str]

    @property
    def authorization(self) -> str:
        return self.headers.get("authorization", "")


Answer = tuple[int, dict[str, str], bytes]
#: Not a header: the reason phrase of the status line, when an answer sets one of its own.
REASON = ":reason"


@dataclass
class Hostile:
    """A loopback server answering every request through ``answer``, and recording what it was sent."""

    answer: Callable[[Hostile, Seen], Answer]
    requests: list[Seen] = field(default_factory=list)
    port: int = 0
    elsewhere: str = ""
    """Another host's address, for redirects."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        state: Hostile = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
        state.requests.append(seen)
        status, headers, body = state.answer(state, seen)
        reason = headers.pop(REASON, None)
        self.send_response(status, reason)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_GET


@contextlib.contextmanager
def hosting(answer: Callable[[Hostile, Seen], Answer], elsewhere: str = "") -> Iterator[Hostile]:
    state = Hostile(answer, elsewhere=elsewhere)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.state = state  # type: ignore[attr-defined]
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def json_answer(status: int, payload: Any, **headers: str) -> Answer:
    return status, {"Content-Type": "application/json; charset=utf-8", **headers}, json.dumps(payload).encode()


def reads_pass(seen: Seen) -> Answer | None:
    """GitHub's answers to the reads before a write: no release with the tag yet, empty lists."""
    if seen.method != "GET":
        return None
    return json_answer(404, {"message": "Not Found"}) if "/tags/" in seen.path else json_answer(200, [])


def echoing(status: int) -> Callable[[Hostile, Seen], Answer]:
    """Every request refused with ``status``, GitHub's message repeating the Authorization header it was sent."""
    return lambda server, seen: json_answer(status, {"message": f"Bad credentials: {seen.authorization}"})


def refusing_writes(status: int) -> Callable[[Hostile, Seen], Answer]:
    """Reads answered, writes refused with ``status``; the refusal's reasons repeat the Authorization header."""

    def answer(server: Hostile, seen: Seen) -> Answer:
        errors = [{"resource": "Release", "code": "custom", "field": "tag_name", "message": seen.authorization}]
        refusal = {"message": f"Resource not accessible by integration ({seen.authorization})", "errors": errors}
        return reads_pass(seen) or json_answer(status, refusal)

    return answer


def not_json(status: int) -> Callable[[Hostile, Seen], Answer]:
    """An HTML page (a proxy's, a load balancer's) that repeats the request's headers."""
    page = "<html><body>{status}: your request had {headers}</body></html>"
    return lambda server, seen: (
        status,
        {"Content-Type": "text/html"},
        page.format(status=status, headers=seen.headers).encode(),
    )


def redirecting(status: int, where: str) -> Callable[[Hostile, Seen], Answer]:
    """Every request redirected: ``same`` to its own path with the token in the query, ``elsewhere`` to another host."""

    def answer(server: Hostile, seen: Seen) -> Answer:
        token = seen.authorization.rpartition(" ")[2]
        path = seen.path.partition("?")[0]
        location = {
            "same": f"{server.base_url}{path}?access_token={token}",
            "elsewhere": f"{server.elsewhere}{path}",
            "elsewhere-port": f"http://127.0.0.1:{server.elsewhere.rpartition(':')[2]}{path}",
        }[where]
        return json_answer(status, {"message": "Moved Permanently", "url": location}, Location=location)

    return answer


def echoing_reason(server: Hostile, seen: Seen) -> Answer:
    """Every request answered 403 with a status line whose reason phrase repeats the Authorization header."""
    status, headers, body = json_answer(403, {"message": "Forbidden"})
    return status, {**headers, REASON: f"Forbidden to {seen.authorization}"}, body


def next_page_with_token(server: Hostile, seen: Seen) -> Answer:
    """Lists whose ``Link: rel=next`` carries the token in its query; that next page then fails with 500s."""
    token = seen.authorization.rpartition(" ")[2]
    if "/tags/" in seen.path:
        return json_answer(404, {"message": "Not Found"})
    if "access_token=" in seen.path:
        return json_answer(500, {"message": "Server Error"})
    path = seen.path.partition("?")[0]
    link = f'<{server.base_url}{path}?page=2&access_token={token}>; rel="next"'
    return json_answer(200, [], Link=link)


def etag_with_token(server: Hostile, seen: Seen) -> Answer:
    """Empty lists whose ETag is the token, which a sync keeps to ask "changed since?" next time."""
    token = seen.authorization.rpartition(" ")[2]
    if "/tags/" in seen.path:
        return json_answer(404, {"message": "Not Found"}, ETag=f'"{token}"')
    if seen.method == "GET":
        return json_answer(200, [], ETag=f'W/"{token}"')
    return json_answer(403, {"message": "Resource not accessible by integration"})


def token_in_fields(server: Hostile, seen: Seen) -> Answer:
    """Answers shaped like GitHub's whose fields hold the token sent: numbers, ids, ETags, upload addresses."""
    token = seen.authorization.rpartition(" ")[2]
    if seen.method == "GET" and "/releases" in seen.path and "/tags/" not in seen.path:
        return json_answer(200, [])
    thing = {
        "id": token,
        "number": token,
        "title": token,
        "tag_name": "digest-2020-W38",
        "updated_at": "2020-09-14T00:00:00Z",
        "upload_url": f"{server.base_url}/api/uploads/{token}{{?name,label}}",
        "html_url": f"{server.base_url}/{token}",
        "draft": True,
        "assets": [],
    }
    if seen.method == "GET" and "/tags/" not in seen.path:
        return json_answer(200, [thing], ETag=f'W/"{token}"')
    return json_answer(201 if seen.method == "POST" else 200, thing, ETag=f'W/"{token}"')


def token_spelt_in_escapes(server: Hostile, seen: Seen) -> Answer:
    """An issue whose title and body hold the token written as JSON \\u escapes: the decoded text holds it."""
    token = seen.authorization.rpartition(" ")[2]
    if seen.method == "GET" and seen.path.partition("?")[0].endswith("/issues"):
        issue = {
            "number": 7,
            "title": f"Paper {token}",
            "body": f"### Link\n\nhttps://arxiv.org/abs/2009.03393\n\n### Summary\n\nSaid {token}.",
            "state": "open",
            "labels": [],
            "user": {"login": "someone"},
            "created_at": "2020-09-14T00:00:00Z",
            "updated_at": "2020-09-14T00:00:00Z",
            "html_url": f"{server.base_url}/octo/papers/issues/7",
        }
        escaped = "".join(f"\\u{ord(char):04x}" for char in token)
        text = json.dumps([issue]).replace(token, escaped)
        return 200, {"Content-Type": "application/json; charset=utf-8"}, text.encode()
    return reads_pass(seen) or json_answer(403, {"message": "Resource not accessible by integration"})


HOSTILE = [
    pytest.param(echoing(401), id="401-echoing-the-header"),
    pytest.param(echoing(403), id="403-echoing-the-header"),
    pytest.param(echoing(404), id="404-echoing-the-header"),
    pytest.param(echoing(500), id="500s-echoing-the-header"),
    pytest.param(refusing_writes(403), id="write-403-echoing-the-header"),
    pytest.param(refusing_writes(422), id="write-422-echoing-the-header"),
    pytest.param(not_json(502), id="502-html-page-echoing-the-headers"),
    pytest.param(not_json(200), id="200-html-page-echoing-the-headers"),
    pytest.param(redirecting(301, "same"), id="301-token-in-location"),
    pytest.param(redirecting(301, "elsewhere"), id="301-to-another-host"),
    pytest.param(redirecting(302, "elsewhere"), id="302-to-another-host"),
    pytest.param(redirecting(307, "elsewhere"), id="307-to-another-host"),
    pytest.param(redirecting(308, "elsewhere-port"), id="308-to-another-port"),
    pytest.param(echoing_reason, id="403-reason-phrase-echoing-the-header"),
    pytest.param(next_page_with_token, id="token-in-the-next-page-link"),
    pytest.param(token_in_fields, id="token-in-answer-fields"),
]


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("name", ["sync", "release"])
@pytest.mark.parametrize("answer", HOSTILE)
def test_a_hostile_server_cannot_make_a_command_repeat_the_token(
    sandbox: Sandbox,
    repo: Path,
    elsewhere: Hostile,
    answer: Callable[[Hostile, Seen], Answer],
    name: str,
    way: Way,
) -> None:
    """Whatever the API server sends back (the token included), the token is not printed, logged or written."""
    with hosting(answer, elsewhere=f"http://elsewhere.localhost:{elsewhere.port}") as server:
        result = sandbox.run(way, *command(name, way, server.base_url, repo))
    assert result.exit_code == 2, result.stderr
    assert server.requests, "the command asked the server"
    assert server.requests[0].authorization.endswith(way.secret), "the server had the token to echo"
    assert [seen.headers for seen in elsewhere.requests if found_in(json.dumps(seen.headers))] == []
    assert sandbox.leaks(result) == []


def test_an_etag_repeating_the_token_is_not_kept_in_the_sync_state(sandbox: Sandbox, repo: Path) -> None:
    """The sync state file is committed: an ETag that repeats the token is kept without it."""
    with hosting(etag_with_token) as server:
        result = sandbox.run(CLASSIC, "sync", str(repo), "--repo", "octo/papers", "--api-url", server.base_url)
    assert result.exit_code == 0, result.stderr
    state = json.loads((repo / "issues" / ".sync-state.json").read_text(encoding="utf-8"))
    assert state["issues_etag"] is not None
    assert sandbox.leaks(result) == []


def test_a_token_spelt_in_json_escapes_is_not_written_into_an_entry(sandbox: Sandbox, repo: Path) -> None:
    """JSON may write any character as \\u escapes: an issue that spells the token so is mirrored without it."""
    with hosting(token_spelt_in_escapes) as server:
        result = sandbox.run(CLASSIC, "sync", str(repo), "--repo", "octo/papers", "--api-url", server.base_url)
    assert result.exit_code == 0, result.stderr
    entry = next(path for path in (repo / "issues").glob("*.yml") if "Said" in path.read_text(encoding="utf-8"))
    assert "Said ***." in entry.read_text(encoding="utf-8")
    assert sandbox.leaks(result) == []


# --------------------------------------------------------------------------- the GitHub stand-in, with faults


@dataclass(frozen=True)
class Trouble:
    """What goes wrong at the stand-in: the token it accepts, its rate limit, an injected fault, the repository."""

    accepts: str | None = None
    spent: bool = False
    fault: Callable[[], Fault] | None = None
    repo: str = "octo/papers"
    uploads_elsewhere: bool = False
    uploads_under_token: bool = False


def always(**fields: Any) -> Callable[[], Fault]:
    return lambda: Fault(times=1000, **fields)


TROUBLES = [
    pytest.param("sync", Trouble(accepts=OTHER), id="sync-wrong-token-401"),
    pytest.param("release", Trouble(accepts=OTHER), id="release-wrong-token-401"),
    pytest.param("sync", Trouble(spent=True), id="sync-rate-limit-used-up-403"),
    pytest.param("release", Trouble(spent=True), id="release-rate-limit-used-up-403"),
    pytest.param("sync", Trouble(fault=always(status=403)), id="sync-secondary-rate-limit-403"),
    pytest.param("release", Trouble(fault=always(status=429, retry_after=0)), id="release-429-retry-after"),
    pytest.param("sync", Trouble(repo="octo/none"), id="sync-no-such-repository-404"),
    pytest.param("release", Trouble(repo="octo/none"), id="release-no-such-repository-404"),
    pytest.param("sync", Trouble(fault=always(status=500)), id="sync-500s-until-retries-run-out"),
    pytest.param("release", Trouble(fault=always(status=503)), id="release-503s-until-retries-run-out"),
    pytest.param("sync", Trouble(fault=always(kind="drop")), id="sync-dropped-connections"),
    pytest.param("release", Trouble(fault=always(kind="drop")), id="release-dropped-connections"),
    pytest.param("sync", Trouble(fault=always(kind="slow", delay=1.5)), id="sync-timeouts"),
    pytest.param("release", Trouble(fault=always(kind="slow", delay=1.5)), id="release-timeouts"),
    pytest.param("sync", Trouble(fault=always(kind="truncated")), id="sync-truncated-json"),
    pytest.param("release", Trouble(fault=always(kind="truncated")), id="release-truncated-json"),
    pytest.param("sync", Trouble(fault=always(status=502, method="POST")), id="sync-push-502"),
    pytest.param("sync", Trouble(fault=always(kind="drop", method="POST")), id="sync-push-dropped"),
    pytest.param("release", Trouble(fault=always(status=502, method="POST")), id="release-create-502"),
    pytest.param("release", Trouble(fault=always(status=502, path="/api/uploads/")), id="release-upload-502"),
    pytest.param("release", Trouble(uploads_elsewhere=True), id="release-upload-address-on-another-host"),
    pytest.param("release", Trouble(uploads_under_token=True), id="release-upload-address-holding-the-token"),
]


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize(("name", "trouble"), TROUBLES)
def test_a_failing_sync_or_release_keeps_the_token_to_the_api(
    sandbox: Sandbox, repo: Path, elsewhere: Hostile, name: str, trouble: Trouble, way: Way
) -> None:
    """Refused, rate-limited, failing, silent or cut-off GitHub: exit 2, and the token only in Authorization headers."""
    with GitHubStub(token=trouble.accepts or way.secret) as stub:
        papers = stub.add_repo("octo", "papers")
        if trouble.uploads_elsewhere:
            papers.uploads_base = f"http://elsewhere.localhost:{elsewhere.port}/api/uploads"
        if trouble.uploads_under_token:
            papers.uploads_base = f"{stub.base_url}/{way.secret}/uploads"
        if trouble.spent:
            stub.rate_limit_reset_seconds = 3600
            stub.rate_limit_remaining = 0
        if trouble.fault is not None:
            stub.inject(trouble.fault())
        args = command(name, way, stub.base_url, repo)
        result = sandbox.run(way, *[trouble.repo if arg == "octo/papers" else arg for arg in args])
    assert result.exit_code == 2, result.stderr
    assert stub.requests, "the command asked the stand-in"
    sent = [(r.method, r.path, r.query, r.body) for r in stub.requests]
    assert found_in(repr(sent)) == [], "the token goes in the Authorization header only"
    assert elsewhere.requests == []
    assert sandbox.leaks(result) == []


@pytest.mark.parametrize("way", WAYS)
def test_a_password_written_into_the_api_address_is_never_shown_or_published(
    sandbox: Sandbox, repo: Path, way: Way
) -> None:
    """``--api-url http://user:TOKEN@host``: the commands work or fail, and the password goes nowhere."""
    with GitHubStub(token=way.secret) as stub:
        stub.add_repo("octo", "papers")
        api_url = stub.base_url.replace("http://", f"http://user:{way.secret}@")
        results = [
            sandbox.run(way, "sync", str(repo), "--repo", "octo/papers", "--api-url", api_url),
            sandbox.run(way, "sync", str(repo), "--repo", "octo/none", "--api-url", api_url),
            sandbox.run(way, *command("release", way, api_url, repo)),
        ]
    assert [result.exit_code for result in results] == [0, 2, 0], [result.stderr for result in results]
    assert "not found at http://127.0.0.1:" in results[1].stderr
    sent = [(r.method, r.path, r.query, r.body) for r in stub.requests]
    assert found_in(repr(sent)) == [], "neither the release's text nor its files hold the password"
    assert [sandbox.leaks(result) for result in results] == [[], [], []]


MALFORMED_API_URLS = [
    pytest.param("user:{secret}@127.0.0.1:9", id="no-scheme"),
    pytest.param("http://user:{secret}@127.0.0.1:port", id="port-not-a-number"),
    pytest.param("http://user:{secret}@127.0.0.1:99999", id="port-out-of-range"),
    pytest.param("http://user:{secret}@[::1", id="unclosed-ipv6"),
    pytest.param("ftp://user:{secret}@127.0.0.1:9/", id="not-http"),
    pytest.param("http:///{secret}", id="no-host"),
]


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("template", MALFORMED_API_URLS)
def test_a_malformed_api_address_holding_the_token_is_never_shown(
    sandbox: Sandbox, repo: Path, template: str, way: Way
) -> None:
    """A malformed --api-url (or $GITHUB_API_URL) stops the command with exit 2, without repeating the address."""
    api_url = template.format(secret=way.secret)
    by_option = sandbox.run(way, "sync", str(repo), "--repo", "octo/papers", "--api-url", api_url)
    by_environment = CliRunner().invoke(
        main,
        way.args("release", WEEK, str(repo), "--repo", "octo/papers"),
        env={**way.env(), "GITHUB_API_URL": api_url},
        catch_exceptions=False,
    )
    assert [by_option.exit_code, by_environment.exit_code] == [2, 2]
    assert sandbox.leaks(by_option) == []
    assert sandbox.leaks(by_environment) == []


# --------------------------------------------------------------------------- in-process failures, reprs


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("name", ["sync", "release"])
def test_an_unexpected_error_mentioning_the_token_is_shown_without_it(
    sandbox: Sandbox, repo: Path, monkeypatch: pytest.MonkeyPatch, name: str, way: Way
) -> None:
    """A bug whose message holds the token (a library formatting its request headers): hidden, --debug traceback too."""

    def broken(config: Any, client: RestClient, *args: Any, **kwargs: Any) -> Any:
        headers = {"Authorization": f"token {client.token}", "Accept": "application/vnd.github+json"}
        raise RuntimeError(f"{client!r} could not send {headers}")

    monkeypatch.setattr(ghdigest.sync, "sync", broken)
    monkeypatch.setattr(ghdigest.publish, "release", broken)
    with GitHubStub(token=way.secret) as stub:
        result = sandbox.run(way, *command(name, way, stub.base_url, repo))
    assert result.exit_code == 2
    assert "unexpected RuntimeError: RestClient(repo='octo/papers'" in result.stderr
    assert "'Authorization': 'token ***'" in result.stderr
    assert ("Traceback (most recent call last)" in result.stderr) == way.debug
    assert sandbox.leaks(result) == []


def test_a_client_shows_neither_its_token_nor_a_password_in_its_address() -> None:
    """repr() of the GitHub client (in a traceback's message, a log line): no token, no password."""
    for api_url in (f"http://user:{FINE}@127.0.0.1:9", "http://127.0.0.1:9"):
        client = RestClient("octo/papers", api_url, TOKEN)
        try:
            shown = repr(client)
        finally:
            client.close()
        assert "127.0.0.1:9" in shown
        assert found_in(shown) == []


@pytest.mark.parametrize(
    "answer",
    [echoing(401), echoing(404), refusing_writes(403), redirecting(301, "same"), echoing_reason],
    ids=["401", "404", "write-403", "301-location", "403-reason"],
)
def test_the_client_repeats_no_token_from_an_answer(
    caplog: pytest.LogCaptureFixture, answer: Callable[[Hostile, Seen], Answer]
) -> None:
    """The library's own boundary: GitHubError messages and log records carry no token a server sent back."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="github")
    with hosting(answer) as server:
        client = RestClient("octo/papers", server.base_url, TOKEN, retries=0, timeout=2, seconds_between_writes=0)
        messages = []
        try:
            for call in (lambda: client.list_page("/issues", {}), lambda: client.create_issue("t", "b", [])):
                try:
                    call()
                except GitHubError as exc:
                    messages.append(str(exc))
        finally:
            client.close()
    assert messages, "the client failed"
    assert found_in("\n".join(messages)) == []
    assert found_in("\n".join(record.getMessage() for record in caplog.records)) == []


# --------------------------------------------------------------------------- the other commands


def test_link_checks_never_send_the_token(sandbox: Sandbox, repo: Path, link_server: LinkServer) -> None:
    """check-links asks any host a text names: it sends no Authorization header, and the cache holds no token."""
    link_server.arxiv_known.add("2009.03393")
    paths = ["/ok/a", "/status/401/private", "/status/403/wall", "/chain/2", "/relative/x", "/status/404/gone"]
    links = [f"<{link_server.url(path)}>" for path in paths]
    links += ["<https://arxiv.org/abs/2009.03393>", "<https://doi.org/10.1234/known.5678>"]
    (sandbox.tmp_path / "links.md").write_text("\n\n".join(links) + "\n", encoding="utf-8")
    lookups = ["--arxiv-api", link_server.url("/api/query"), "--doi-api", link_server.url("/api/handles/")]
    fast = ["--host-spacing", "0", "--timeout", "5", *lookups]
    results = [
        sandbox.run(CLASSIC, "check-links", "links.md", "--format", "json", *fast),
        sandbox.run(FINE_GRAINED, "check-links", "links.md", "--cache", "links-cache.json", "--strict", *fast),
    ]
    assert [result.exit_code for result in results] == [1, 1]
    assert (sandbox.tmp_path / "links-cache.json").is_file()
    assert len(link_server.requests) >= len(paths)
    assert [seen.headers for seen in link_server.requests if "Authorization" in seen.headers] == []
    assert [seen for seen in link_server.requests if found_in(repr(seen))] == []
    assert [sandbox.leaks(result) for result in results] == [[], []]


@pytest.mark.parametrize("way", WAYS)
def test_commands_that_need_no_token_leave_none_behind(sandbox: Sandbox, repo: Path, way: Way) -> None:
    """validate, build, status, fmt and forms run beside a token: none of it in their output, caches or files."""
    (repo / "issues" / "0008-broken.yml").write_text("kind: paper\nheadline: [unclosed\n", encoding="utf-8")
    failing = [sandbox.run(way, "validate", str(repo)), sandbox.run(way, "build", str(repo))]
    (repo / "issues" / "0008-broken.yml").unlink()
    working = [
        sandbox.run(way, "validate", str(repo), "--format", "json"),
        sandbox.run(way, "build", str(repo), "--out", str(sandbox.tmp_path / "dist")),
        sandbox.run(way, "status", str(repo), "--week", WEEK),
        sandbox.run(way, "fmt", str(repo), "--check"),
        sandbox.run(way, "forms", str(repo)),
    ]
    assert [result.exit_code for result in failing] == [1, 1]
    assert [result.exit_code for result in working[:3]] == [0, 0, 0], [r.stderr for r in working]
    assert (sandbox.tmp_path / "dist" / f"{WEEK}.md").is_file()
    assert [sandbox.leaks(result) for result in failing + working] == [[]] * 7
