"""Release under faults: a failure at any request never makes a second release or file, and a re-run converges.

Each scenario runs once undisturbed to learn its requests and its result; then a fault is injected at
every request position in turn, and two undisturbed runs after it must reach the clean result.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ghdigest.build import render_site
from ghdigest.config import load_config
from ghdigest.content import check_content
from ghdigest.github import GitHubError, RestClient
from ghdigest.publish import release
from tests.conftest import PROJECT_ROOT, TOKEN
from tests.github_stub import Fault, GitHubStub, StubRepo
from tests.test_sync_faults import FAULTS

WEEK = "2020-W38"
TAG = "digest-2020-W38"
WEB_URL = "https://github.example.org"
SCENARIOS = ["first", "draft", "update", "publish-draft"]
_FAULT_FIELDS = ("status", "kind", "after", "retry_after", "delay")


@contextmanager
def world(base: Path, scenario: str) -> Iterator[tuple[GitHubStub, StubRepo, Path]]:
    """The seed week and a repository: without a release, with an outdated one, or with an outdated draft."""
    draft = scenario == "publish-draft"
    with GitHubStub(token=TOKEN) as stub:
        repo = stub.add_repo("octo", "papers")
        root = base / "example"
        root.mkdir(parents=True)
        shutil.copy2(PROJECT_ROOT / "ghdigest.yml", root / "ghdigest.yml")
        shutil.copytree(PROJECT_ROOT / "issues", root / "issues")
        if scenario in ("update", "publish-draft"):
            # What an earlier release of the week left: its texts and files, before the entry below changed.
            config = load_config(root)
            files = render_site(check_content(config), config.parse_week(WEEK))
            old = repo.add_release(TAG, "Akira's ML News #Week 38, 2020", files[f"{WEEK}.md"], draft=draft)
            repo.add_asset(old["id"], f"{WEEK}.md", files[f"{WEEK}.md"].encode(), "text/markdown")
            repo.add_asset(old["id"], f"{WEEK}.json", files[f"api/weeks/{WEEK}.json"].encode(), "application/json")
            entry = root / "issues" / "0002-theorem-proving-with-language-modeling.yml"
            entry.write_text(entry.read_text(encoding="utf-8").replace("23 theorems", "many theorems"), "utf-8")
        stub.clear_requests()
        yield stub, repo, root


def _release(stub: GitHubStub, root: Path, *, draft: bool = False) -> None:
    # No pause between writes: the stand-in has no secondary rate limit to respect.
    client = RestClient("octo/papers", stub.base_url, TOKEN, timeout=3, retries=3, seconds_between_writes=0)
    try:
        release(
            load_config(root),
            client,
            WEEK,
            # One address for every stand-in (each listens on a port of its own): the feeds and the
            # week's document link to it, and the scenarios compare their files byte for byte.
            web_url=WEB_URL,
            today=dt.date(2020, 9, 20),
            draft=draft,
        )
    finally:
        client.close()


def _snapshot(repo: StubRepo) -> list[tuple[Any, ...]]:
    """Every release with its texts, state and files (ids and timestamps, which differ with retries, left out)."""
    return sorted(
        (
            r["tag_name"],
            r["name"],
            r["body"],
            r["draft"],
            tuple(sorted((a["name"], a["state"], repo.asset_data[a["id"]]) for a in repo.release_assets(r["id"]))),
        )
        for r in repo.releases.values()
    )


def _assert_never_doubled(repo: StubRepo) -> None:
    """At most one release for the week, and never two files of one name."""
    assert [r["tag_name"] for r in repo.releases.values()].count(TAG) <= 1
    for release_id in repo.releases:
        names = [a["name"] for a in repo.release_assets(release_id)]
        assert len(names) == len(set(names)), names


def _clean(tmp_path: Path, scenario: str) -> tuple[list[tuple[Any, ...]], int]:
    draft = scenario == "draft"
    with world(tmp_path / f"clean-{scenario}", scenario) as (stub, repo, root):
        _release(stub, root, draft=draft)
        requests = len(stub.requests)
        _release(stub, root, draft=draft)  # a settled week stays settled
        return _snapshot(repo), requests


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_fault_at_every_request_position_converges_to_one_release(tmp_path: Path, scenario: str) -> None:
    expected, requests = _clean(tmp_path, scenario)
    assert len(expected) == 1
    assert len(expected[0][4]) == 5, "the release has its five files: the week's .md and .json, and the three feeds"
    assert requests >= 4
    draft = scenario == "draft"
    for position in range(requests):
        fault = FAULTS[position % len(FAULTS)]
        with world(tmp_path / f"{scenario}-{position}", scenario) as (stub, repo, root):
            armed = stub.inject_at(position, Fault(**{k: getattr(fault, k) for k in _FAULT_FIELDS}))
            # A GitHubError is exit 2 (could not run); what matters is what the next run makes of it.
            with contextlib.suppress(GitHubError):
                _release(stub, root, draft=draft)
            assert armed.fired == 1, f"{fault} at {position}"
            _assert_never_doubled(repo)
            _release(stub, root, draft=draft)
            _release(stub, root, draft=draft)
            assert _snapshot(repo) == expected, f"{fault} at request {position}"


def test_faults_on_every_write_at_once_still_converge(tmp_path: Path) -> None:
    """Every create, upload and publish fails once after GitHub acted: the worst case for duplicates."""
    expected, _ = _clean(tmp_path, "first")
    with world(tmp_path / "every-write", "first") as (stub, repo, root):
        for method in ("POST", "PATCH"):
            stub.inject(Fault(status=502, method=method, after=True, times=1))
            stub.inject(Fault(kind="drop", method=method, after=True, nth=2, times=1))
        with contextlib.suppress(GitHubError):
            _release(stub, root)
        _assert_never_doubled(repo)
        _release(stub, root)
        assert _snapshot(repo) == expected
