"""Sync under faults: a failure at any request, or ``kill -9`` at any moment, loses and duplicates nothing.

The scenario is run once cleanly to learn its requests and its result. Then every kind of fault is injected at
every request position: the faulted run must end well or with a GitHubError that says in one line what
happened, leave every file whole and no issue twice, and the next undisturbed run must reach the clean result
(same files, same data, no extra issue) and stay there. The process is also killed at spread-out moments.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from ghdigest.config import load_config
from ghdigest.github import GitHubError, RestClient
from ghdigest.sync import STATE_FILE, sync
from ghdigest.yamlio import DocumentError, parse_document
from tests.conftest import CONFIG, PROJECT_ROOT, TOKEN, write_files
from tests.github_stub import Fault, GitHubStub, StubRepo
from tests.test_sync import paper_body

#: The client's timeout in a faulted run, which is what a "timeout" fault costs; undisturbed runs wait longer.
TIMEOUT = 0.2
#: How long a "timeout" fault keeps quiet: well past TIMEOUT, so that the client gives up first.
STALL = 0.6

#: Every fault, by name. Server errors, drops and timeouts strike before GitHub acted or after it (the write
#: happened, its answer was lost); rate limits refuse before acting; a cut-off answer follows the real work.
FAULTS = {
    "500": Fault(status=500),
    "500-after": Fault(status=500, after=True),
    "502": Fault(status=502),
    "502-after": Fault(status=502, after=True),
    "503": Fault(status=503),
    "503-after": Fault(status=503, after=True),
    "403-secondary-retry-after": Fault(status=403, retry_after=0),
    "403-secondary-reset": Fault(status=403, reset_after=0),
    "403-secondary": Fault(status=403),
    "429-retry-after": Fault(status=429, retry_after=0),
    "429": Fault(status=429),
    "drop": Fault(kind="drop"),
    "drop-after": Fault(kind="drop", after=True),
    "timeout": Fault(kind="timeout", delay=STALL),
    "timeout-after": Fault(kind="timeout", delay=STALL, after=True),
    "truncated": Fault(kind="truncated"),
}

#: Issues in the scenario, and the stand-in's page size: the listing spans pages and a run takes milliseconds.
ISSUES = 14
PAGE = 10
_MARKER = re.compile(r"<!-- ghdigest:entry=(\S+) -->")

Snapshot = tuple[dict[str, Any], list[tuple[str, str]]]


@contextmanager
def world(base: Path) -> Iterator[tuple[GitHubStub, StubRepo, Path]]:
    """A repository already synced once, then changed on both sides: edits, a deletion, a new local entry."""
    with GitHubStub(token=TOKEN) as stub:
        stub.world.max_per_page = PAGE
        repo = stub.add_repo("octo", "papers")
        numbers = [repo.add_issue(f"Paper {n}", paper_body(n), labels=["kind:paper"]) for n in range(1, ISSUES + 1)]
        repo.add_pull_request("A pull request", "Not an entry.")
        repo.add_comment(numbers[0], "First comment", user="bob")
        root = write_files(base, {"ghdigest.yml": CONFIG + "sync:\n  comments: true\n", "issues/.keep": ""})
        _sync(stub, root)
        repo.edit_issue(numbers[5], title="Paper 6, retitled")
        repo.edit_issue(numbers[7], body=paper_body(8, summary="Changed on GitHub."))
        repo.add_comment(numbers[7], "Second comment", user="carol")
        repo.delete_issue(numbers[-1])
        new_number = repo.add_issue("A brand new paper", paper_body(500))
        assert new_number
        local = root / "issues" / f"{numbers[2]}-paper-3.yml"
        local.write_text(local.read_text(encoding="utf-8").replace("A method", "An edited method"), "utf-8")
        write_files(root, {"issues/from-a-pull-request.yml": "kind: paper\nstatus: inbox\nheadline: Added by PR\n"})
        stub.clear_requests()
        yield stub, repo, root


def client_for(stub: GitHubStub, timeout: float = 5, secondary_rate_wait: float = 0) -> RestClient:
    """The client as the commands make it, without their pauses, giving up on an answer after ``timeout`` seconds."""
    # No pause between writes: the stand-in has no secondary limit to respect. A secondary limit that
    # names no time is waited out for ``secondary_rate_wait`` seconds (a minute in the commands), and
    # any wait over a second ends the run instead.
    client = RestClient(
        "octo/papers",
        stub.base_url,
        TOKEN,
        timeout=5,
        retries=3,
        seconds_between_writes=0,
        secondary_rate_wait=secondary_rate_wait,
        max_rate_limit_wait=1,
    )
    if timeout != client.timeout:
        # PyGithub takes whole seconds only (it asserts an int) but hands the value to requests, which takes
        # fractions: a faulted run gives up after a fraction of a second, so that each timeout costs little.
        requester = client._github.requester
        requester._Requester__timeout = timeout  # type: ignore[attr-defined]
        assert requester.kwargs["timeout"] == timeout, "PyGithub keeps its timeout elsewhere now"
        client.timeout = timeout  # type: ignore[assignment]  # for uploads to another host
    return client


def _sync(stub: GitHubStub, root: Path, *, timeout: float = 5, secondary_rate_wait: float = 0, **options: Any) -> None:
    client = client_for(stub, timeout, secondary_rate_wait)
    try:
        sync(load_config(root), client, **options)
    finally:
        client.close()


def _snapshot(repo: StubRepo, root: Path) -> Snapshot:
    """Entry files as data (without GitHub's timestamps, which differ with the number of writes) and issues."""
    files: dict[str, Any] = {}
    for path in sorted((root / "issues").glob("*.yml")):
        data = parse_document(path.read_text(encoding="utf-8"), path.name).data
        data.get("issue", {}).pop("updated_at", None)
        data.get("issue", {}).pop("url", None)  # holds the stand-in's port
        files[path.name] = data
    issues = sorted((str(i["number"]), i["title"]) for i in repo.issues.values())
    return files, issues


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Snapshot, list[tuple[str, str]]]:
    """The scenario's result when nothing goes wrong, and the requests (method, path) its push run sends."""
    with world(tmp_path_factory.mktemp("clean")) as (stub, repo, root):
        _sync(stub, root, push=True)
        requests = [(r.method, r.path) for r in stub.requests]
        stub.clear_requests()
        _sync(stub, root, push=True)
        assert _writes(stub) == [], "a settled repository stays settled"
        _assert_promises_kept(stub, repo, root)
        return _snapshot(repo, root), requests


def fails_cleanly(run: Callable[[], object]) -> None:
    """Run under a fault: it succeeds, or stops with a GitHubError (exit 2) whose message is one clear line."""
    try:
        run()
    except GitHubError as exc:
        assert_one_clear_line(exc)


def assert_one_clear_line(error: GitHubError) -> None:
    """What the command prints for ``error``: one line, not empty, not too long, and without the token."""
    message = str(error)
    assert message.strip(), f"{type(error).__name__} without a message"
    assert "\n" not in message, f"not one line: {message!r}"
    assert len(message) <= 300, f"not a short line: {message!r}"
    assert TOKEN not in message


def at_every_position(fault: str, requests: list[tuple[str, str]], run_at: Callable[[int], None]) -> None:
    """``run_at(position)`` for every request position; the failure names the fault and every position that broke."""
    failures = []
    for position, (method, path) in enumerate(requests):
        where = f"fault {fault} at request {position} ({method} {path})"
        try:
            run_at(position)
        except AssertionError as exc:
            failures.append(f"{where}: {exc}")
        except Exception as exc:  # anything but a GitHubError escaping a run is a failure too
            raise AssertionError(f"{where}: {type(exc).__name__} escaped: {exc}") from exc
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("fault", FAULTS)
def test_every_fault_at_every_request_position_converges(
    tmp_path: Path, clean: tuple[Snapshot, list[tuple[str, str]]], fault: str
) -> None:
    expected, requests = clean
    assert len(requests) >= 6

    def run_at(position: int) -> None:
        with world(tmp_path / f"at-{position}") as (stub, repo, root):
            armed = stub.inject_at(position, FAULTS[fault])
            fails_cleanly(lambda: _sync(stub, root, push=True, timeout=TIMEOUT))
            assert armed.fired == 1
            _assert_promises_kept(stub, repo, root)
            _sync(stub, root, push=True)
            _assert_promises_kept(stub, repo, root)
            assert _snapshot(repo, root) == expected, "the next run does not reach the clean result"
            stub.clear_requests()
            _sync(stub, root, push=True)
            assert _writes(stub) == [], "the run after that still writes"
            assert _snapshot(repo, root) == expected

    at_every_position(fault, requests, run_at)


# Secondary rate limits that name no wait: GitHub answers 403 "You have exceeded a secondary rate limit" without
# retry-after, sometimes with x-ratelimit-remaining 0 and the reset. The client waits, or gives up in one line.
SECONDARY_LIMITS = {
    # A read: PyGithub waits the client's secondary_rate_wait, here a second.
    "read": Fault(status=403, method="GET", path=r"/issues$"),
    # A create: the budget shows spent until a reset one to two seconds away.
    "create": Fault(status=403, method="POST", reset_after=2),
}


@pytest.mark.parametrize("request_kind", SECONDARY_LIMITS)
def test_a_secondary_limit_without_retry_after_is_waited_out(
    tmp_path: Path, clean: tuple[Snapshot, list[tuple[str, str]]], request_kind: str
) -> None:
    expected, _ = clean
    with world(tmp_path / request_kind) as (stub, repo, root):
        armed = stub.inject(SECONDARY_LIMITS[request_kind])
        started = time.monotonic()
        _sync(stub, root, push=True, secondary_rate_wait=1)
        assert time.monotonic() - started >= 1, "asked again before the wait was over"
        assert armed.fired == 1
        _assert_promises_kept(stub, repo, root)
        assert _snapshot(repo, root) == expected


@pytest.mark.parametrize("request_kind", ["read", "create"])
def test_a_secondary_limit_longer_than_the_client_waits_ends_the_run_in_one_line(
    tmp_path: Path, clean: tuple[Snapshot, list[tuple[str, str]]], request_kind: str
) -> None:
    """A read told nothing (a minute's pause is over the client's cap), or a create told to wait an hour."""
    expected, _ = clean
    fault = SECONDARY_LIMITS["read"] if request_kind == "read" else Fault(status=403, method="POST", reset_after=3600)
    with world(tmp_path / request_kind) as (stub, repo, root):
        stub.inject(fault)
        started = time.monotonic()
        with pytest.raises(GitHubError, match="rate limit") as raised:
            _sync(stub, root, push=True, secondary_rate_wait=60)
        assert time.monotonic() - started < 10, "gave up only after waiting"
        assert_one_clear_line(raised.value)
        assert "Added by PR" not in [issue["title"] for issue in repo.issues.values()]
        _assert_promises_kept(stub, repo, root)
        _sync(stub, root, push=True)
        assert _snapshot(repo, root) == expected


def test_through_the_command_a_wait_too_long_exits_2_with_one_line(
    tmp_path: Path, clean: tuple[Snapshot, list[tuple[str, str]]], cli: Callable[..., Result]
) -> None:
    expected, _ = clean
    with world(tmp_path / "cli") as (stub, repo, root):
        stub.inject(Fault(status=403, method="POST", reset_after=3600))
        result = cli("sync", str(root), "--push", "--api-url", stub.base_url, env={"GITHUB_TOKEN": TOKEN})
        assert result.exit_code == 2
        [line] = result.stderr.splitlines()
        assert re.fullmatch(r"ghdigest: error: GitHub's rate limit asks to wait 3\d\d\d s before creating issues", line)
        _assert_promises_kept(stub, repo, root)
        _sync(stub, root, push=True)
        assert _snapshot(repo, root) == expected


class _Died(BaseException):
    """The process ending where it stands, as ``kill -9`` would, but at one chosen moment."""


def _die(self: object) -> None:
    """Stands in for the step that writes files: the run ends after its requests, before any write."""
    raise _Died


def test_a_run_that_dies_after_pushing_and_before_writing_converges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean: tuple[Snapshot, list[tuple[str, str]]]
) -> None:
    """The issue is opened and edited on GitHub, the files never learn it: the next run must link, not open again."""
    expected, _ = clean
    with world(tmp_path / "died") as (stub, repo, root):
        before = {p.name: p.read_text(encoding="utf-8") for p in (root / "issues").iterdir()}
        with monkeypatch.context() as patched:
            patched.setattr("ghdigest.sync._Sync._apply", _die)
            with pytest.raises(_Died):
                _sync(stub, root, push=True)
        assert {m for m, _path in _writes(stub)} == {"PATCH", "POST"}
        assert {p.name: p.read_text(encoding="utf-8") for p in (root / "issues").iterdir()} == before
        _sync(stub, root, push=True)
        _sync(stub, root, push=True)
        assert _snapshot(repo, root) == expected


def _writes(stub: GitHubStub) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in stub.requests if r.method in ("POST", "PATCH", "DELETE")]


def _assert_whole(root: Path, *, temporaries_allowed: bool = False) -> None:
    """Every content file parses: none was left half-written (a killed writer may leave a temporary)."""
    for path in (root / "issues").glob("*.yml"):
        try:
            parse_document(path.read_text(encoding="utf-8"), path.name)
        except DocumentError as exc:
            raise AssertionError(f"{path.name} is torn: {exc}") from None
    leftovers = [p.name for p in (root / "issues").iterdir() if p.name.endswith(".tmp")]
    assert temporaries_allowed or leftovers == []


def _assert_promises_kept(stub: GitHubStub, repo: StubRepo, root: Path, *, temporaries_allowed: bool = False) -> None:
    """No torn file, a readable state file (or none), no issue twice, no two files for one issue, valid answers."""
    _assert_whole(root, temporaries_allowed=temporaries_allowed)
    state = root / "issues" / STATE_FILE
    assert not state.exists() or json.loads(state.read_text(encoding="utf-8")), "the state file is not JSON"
    titles = [issue["title"] for issue in repo.issues.values()]
    assert len(titles) == len(set(titles)), f"an issue is duplicated: {sorted(titles)}"
    markers = [m.group(1) for issue in repo.issues.values() if (m := _MARKER.search(issue.get("body") or ""))]
    assert len(markers) == len(set(markers)), f"two issues were opened for one entry: {sorted(markers)}"
    linked = []
    for path in (root / "issues").glob("*.yml"):
        issue = parse_document(path.read_text(encoding="utf-8"), path.name).data.get("issue")
        if isinstance(issue, dict):
            linked.append(issue.get("number"))
    assert len(linked) == len(set(linked)), f"two files mirror one issue: {sorted(linked)}"
    assert stub.validation_errors == []


@pytest.mark.slow
def test_kill_9_at_any_moment_leaves_whole_files_and_a_rerun_converges(
    tmp_path: Path, clean: tuple[Snapshot, list[tuple[str, str]]]
) -> None:
    expected, requests = clean
    writes = [i for i, (method, _path) in enumerate(requests) if method in ("POST", "PATCH")]
    assert writes, "the scenario pushes"
    # Killed while waiting for an answer: before GitHub acted, and after it acted but before the
    # answer arrived (the moment a lost create or edit must not be repeated), at requests spread
    # over the run and at every write.
    spread = sorted({round(i * (len(requests) - 1) / 5) for i in range(6)})
    moments = [(position, False) for position in spread] + [(position, True) for position in [*spread, *writes]]
    env = {**os.environ, "GITHUB_TOKEN": TOKEN, "PYTHONPATH": str(PROJECT_ROOT / "src")}
    for attempt, (position, acted) in enumerate(moments):
        with world(tmp_path / f"kill-{attempt}") as (stub, repo, root):
            hold = stub.inject_at(position, Fault(kind="hold", after=acted))
            log = tmp_path / f"kill-{attempt}.stderr"
            process = _start(stub, root, env, log)
            _wait_until_held(hold, process, position, log)
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            hold.release()
            _converges(stub, repo, root, expected, f"killed at request {position} ({requests[position]})")
    # And during the final writes, which no request holds: a kill at a random instant after the
    # last answer lands in them or just after the run; either must converge.
    rng = random.Random(20200913)
    for attempt in range(4):
        with world(tmp_path / f"kill-late-{attempt}") as (stub, repo, root):
            hold = stub.inject_at(len(requests) - 1, Fault(kind="hold", after=True))
            log = tmp_path / f"kill-late-{attempt}.stderr"
            process = _start(stub, root, env, log)
            _wait_until_held(hold, process, len(requests) - 1, log)
            hold.release()
            time.sleep(rng.uniform(0.0, 0.05))
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
            process.wait()
            _converges(stub, repo, root, expected, f"killed while writing (attempt {attempt})")


def _start(stub: GitHubStub, root: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``ghdigest sync --push`` in a process of its own, its stderr kept in ``log``."""
    command = [sys.executable, "-m", "ghdigest", "sync", str(root), "--push", "--api-url", stub.base_url]
    with log.open("wb") as stderr:
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)


def _wait_until_held(hold: Fault, process: subprocess.Popen[bytes], position: int, log: Path) -> None:
    """Until sync waits at request ``position``; if it ends or stalls first, fail saying how it ended."""
    deadline = time.monotonic() + 60
    while not hold.reached.wait(timeout=0.05):
        if process.poll() is not None or time.monotonic() > deadline:
            said = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise AssertionError(f"sync never sent request {position} (exit {process.returncode}): {said}")
    assert process.poll() is None, "held at a request, sync cannot have finished"


def _converges(stub: GitHubStub, repo: StubRepo, root: Path, expected: Snapshot, when: str) -> None:
    """After a kill: no torn file, a readable state file, and two undisturbed runs reach the clean result."""
    _assert_promises_kept(stub, repo, root, temporaries_allowed=True)
    _sync(stub, root, push=True)
    _sync(stub, root, push=True)
    _assert_promises_kept(stub, repo, root)
    assert _snapshot(repo, root) == expected, when


def test_world_is_a_real_change_on_both_sides(tmp_path: Path) -> None:
    """Guards the scenario itself: the clean run must page, write, rename, delete, push and open."""
    with world(tmp_path / "w") as (stub, repo, root):
        client = RestClient("octo/papers", stub.base_url, TOKEN, seconds_between_writes=0)
        try:
            report = sync(load_config(root), client, push=True)
        finally:
            client.close()
    # Incremental: the listing spans pages, and the run stops reading at the first issue it already knows.
    assert report.issues_read <= PAGE < len(repo.issues)
    actions = {c.action for c in report.changes}
    assert {"rename", "update", "create", "skip"} <= actions
    assert {p.action for p in report.pushed} == {"open", "edit"}
    assert report.conflicts == []
    assert shutil.which(sys.executable)


def test_an_entry_edited_after_a_cut_short_push_keeps_the_edit_and_sends_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with world(tmp_path / "edited") as (stub, repo, root):
        with monkeypatch.context() as patched:
            patched.setattr("ghdigest.sync._Sync._apply", _die)
            with pytest.raises(_Died):
                _sync(stub, root, push=True)
        entry = root / "issues" / "from-a-pull-request.yml"
        entry.write_text(entry.read_text(encoding="utf-8").replace("Added by PR", "Renamed here"), "utf-8")
        _sync(stub, root)  # links the file to the opened issue, pushes nothing
        assert [i["title"] for i in repo.issues.values()].count("Added by PR") == 1
        _sync(stub, root, push=True)
        _sync(stub, root, push=True)
        titles = [i["title"] for i in repo.issues.values()]
        assert "Renamed here" in titles
        assert "Added by PR" not in titles
        data = parse_document(entry.read_text(encoding="utf-8"), entry.name).data
        assert data["headline"] == "Renamed here"
        assert repo.issues[data["issue"]["number"]]["title"] == "Renamed here"
