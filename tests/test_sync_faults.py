"""Sync under faults: a failure at any request, or ``kill -9`` at any moment, loses and duplicates nothing.

Each scenario is run once cleanly to learn its requests and its result; then a fault is injected at
every request position in turn (and the process is killed at spread-out moments), and a second,
undisturbed run must converge to the clean result: same files, same data, no extra issue.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ghdigest.config import load_config
from ghdigest.github import GitHubError, RestClient
from ghdigest.sync import STATE_FILE, sync
from ghdigest.yamlio import DocumentError, parse_document
from tests.conftest import CONFIG, PROJECT_ROOT, TOKEN, write_files
from tests.github_stub import Fault, GitHubStub, StubRepo
from tests.test_sync import paper_body

FAULTS = [
    Fault(status=502),
    Fault(kind="drop"),
    Fault(kind="truncated"),
    Fault(status=500, after=True),
    Fault(status=403, retry_after=0),
    Fault(status=429, retry_after=0),
    Fault(kind="drop", after=True),
    Fault(status=503),
]


@contextmanager
def world(base: Path) -> Iterator[tuple[GitHubStub, StubRepo, Path]]:
    """A repository already synced once, then changed on both sides: edits, a deletion, a new local entry."""
    with GitHubStub(token=TOKEN) as stub:
        repo = stub.add_repo("octo", "papers")
        numbers = [repo.add_issue(f"Paper {n}", paper_body(n), labels=["kind:paper"]) for n in range(1, 131)]
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


def _sync(stub: GitHubStub, root: Path, **options: Any) -> None:
    client = RestClient("octo/papers", stub.base_url, TOKEN, timeout=3, retries=3)
    try:
        sync(load_config(root), client, **options)
    finally:
        client.close()


def _snapshot(repo: StubRepo, root: Path) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Entry files as data (without GitHub's timestamps, which differ with the number of writes) and issues."""
    files: dict[str, Any] = {}
    for path in sorted((root / "issues").glob("*.yml")):
        data = parse_document(path.read_text(encoding="utf-8"), path.name).data
        data.get("issue", {}).pop("updated_at", None)
        data.get("issue", {}).pop("url", None)  # holds the stand-in's port
        files[path.name] = data
    issues = sorted((str(i["number"]), i["title"]) for i in repo.issues.values())
    return files, issues


def _clean_result(tmp_path: Path) -> tuple[tuple[dict[str, Any], list[tuple[str, str]]], list[tuple[str, str]]]:
    """The scenario's result when nothing goes wrong, and the requests (method, path) its push run sends."""
    with world(tmp_path / "clean") as (stub, repo, root):
        _sync(stub, root, push=True)
        requests = [(r.method, r.path) for r in stub.requests]
        _sync(stub, root, push=True)  # a settled repository stays settled
        return _snapshot(repo, root), requests


def test_a_fault_at_every_request_position_converges(tmp_path: Path) -> None:
    expected, requests = _clean_result(tmp_path)
    assert len(requests) >= 6
    for position in range(len(requests)):
        fault = FAULTS[position % len(FAULTS)]
        with world(tmp_path / f"run-{position}") as (stub, repo, root):
            stub.inject_at(position, Fault(**{k: getattr(fault, k) for k in _FAULT_FIELDS}))
            # A GitHubError is exit 2 (could not run); what matters is what the next run makes of it.
            with contextlib.suppress(GitHubError):
                _sync(stub, root, push=True)
            _assert_whole(root)
            _sync(stub, root, push=True)
            _sync(stub, root, push=True)
            assert _snapshot(repo, root) == expected, f"fault {fault} at request {position}"


_FAULT_FIELDS = ("status", "kind", "after", "retry_after", "delay")


class _Died(BaseException):
    """The process ending where it stands, as ``kill -9`` would, but at one chosen moment."""


def _die(self: object) -> None:
    """Stands in for the step that writes files: the run ends after its requests, before any write."""
    raise _Died


def test_a_run_that_dies_after_pushing_and_before_writing_converges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue is opened and edited on GitHub, the files never learn it: the next run must link, not open again."""
    expected, _ = _clean_result(tmp_path)
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
    return [(r.method, r.path) for r in stub.requests if r.method in ("POST", "PATCH")]


def _assert_whole(root: Path, *, temporaries_allowed: bool = False) -> None:
    """Every content file parses: none was left half-written (a killed writer may leave a temporary)."""
    for path in (root / "issues").glob("*.yml"):
        try:
            parse_document(path.read_text(encoding="utf-8"), path.name)
        except DocumentError as exc:
            pytest.fail(f"{path.name} is torn: {exc}")
    leftovers = [p.name for p in (root / "issues").iterdir() if p.name.endswith(".tmp")]
    assert temporaries_allowed or leftovers == []


@pytest.mark.slow
def test_kill_9_at_any_moment_leaves_whole_files_and_a_rerun_converges(tmp_path: Path) -> None:
    expected, requests = _clean_result(tmp_path)
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
            process = subprocess.Popen(
                _command(stub, root), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            assert hold.reached.wait(timeout=60), f"sync never sent request {position}"
            assert process.poll() is None, "held at a request, sync cannot have finished"
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
            process = subprocess.Popen(
                _command(stub, root), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            assert hold.reached.wait(timeout=60)
            hold.release()
            time.sleep(rng.uniform(0.0, 0.05))
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
            process.wait()
            _converges(stub, repo, root, expected, f"killed while writing (attempt {attempt})")


def _converges(
    stub: GitHubStub, repo: StubRepo, root: Path, expected: tuple[dict[str, Any], list[tuple[str, str]]], when: str
) -> None:
    """After a kill: no torn file, a readable state file, and two undisturbed runs reach the clean result."""
    _assert_whole(root, temporaries_allowed=True)
    state = root / "issues" / STATE_FILE
    assert not state.exists() or json.loads(state.read_text(encoding="utf-8"))
    _sync(stub, root, push=True)
    _sync(stub, root, push=True)
    _assert_whole(root)
    assert _snapshot(repo, root) == expected, when


def _command(stub: GitHubStub, root: Path) -> list[str]:
    return [sys.executable, "-m", "ghdigest", "sync", str(root), "--push", "--api-url", stub.base_url]


def test_world_is_a_real_change_on_both_sides(tmp_path: Path) -> None:
    """Guards the scenario itself: the clean run must write, rename, delete, push and open."""
    with world(tmp_path / "w") as (stub, _repo, root):
        client = RestClient("octo/papers", stub.base_url, TOKEN)
        try:
            report = sync(load_config(root), client, push=True)
        finally:
            client.close()
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
