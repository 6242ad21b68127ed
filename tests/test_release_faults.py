"""Release under faults: a failure at any request never makes a second release or file, and a re-run converges.

Each scenario runs once undisturbed to learn its requests and its result. Then every kind of fault is injected
at every request position: the faulted run ends well or with a GitHubError saying in one line what happened,
leaves no release or file twice, and the next undisturbed run reaches the clean result and stays there. The
week's texts and files are prepared once per scenario (preparing makes no request), and only publishing runs
under faults.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from ghdigest.build import render_site
from ghdigest.config import load_config
from ghdigest.content import check_content
from ghdigest.publish import ReleaseContent, prepare_release, publish
from tests.conftest import PROJECT_ROOT, TOKEN
from tests.github_stub import Fault, GitHubStub, StubRepo
from tests.test_sync_faults import FAULTS, STALL, TIMEOUT, at_every_position, client_for, fails_cleanly

WEEK = "2020-W38"
TAG = "digest-2020-W38"
# One address for every stand-in (each listens on a port of its own): the feeds and the week's document
# link to it, and the scenarios compare their files byte for byte.
WEB_URL = "https://github.example.org"
TODAY = dt.date(2020, 9, 20)
SCENARIOS = ["first", "draft", "update", "publish-draft"]


@dataclass(frozen=True)
class Scenario:
    """What a scenario publishes, what an earlier release of the week left (if any), and its clean outcome."""

    name: str
    content: ReleaseContent
    earlier: dict[str, str] | None
    expected: list[tuple[Any, ...]]
    requests: list[tuple[str, str]]

    @property
    def draft(self) -> bool:
        """Whether the run asks for a draft."""
        return self.name == "draft"


@contextmanager
def world(scenario: str, earlier: dict[str, str] | None) -> Iterator[tuple[GitHubStub, StubRepo]]:
    """A repository without a release of the week, or with an outdated one (a draft in ``publish-draft``)."""
    with GitHubStub(token=TOKEN) as stub:
        repo = stub.add_repo("octo", "papers")
        if earlier is not None:
            draft = scenario == "publish-draft"
            old = repo.add_release(TAG, "Akira's ML News #Week 38, 2020", earlier[f"{WEEK}.md"], draft=draft)
            repo.add_asset(old["id"], f"{WEEK}.md", earlier[f"{WEEK}.md"].encode(), "text/markdown")
            repo.add_asset(old["id"], f"{WEEK}.json", earlier[f"api/weeks/{WEEK}.json"].encode(), "application/json")
        stub.clear_requests()
        yield stub, repo


def _publish(stub: GitHubStub, content: ReleaseContent, *, draft: bool, timeout: float = 5) -> None:
    client = client_for(stub, timeout)
    try:
        publish(client, content, draft=draft)
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


def _assert_never_doubled(stub: GitHubStub, repo: StubRepo) -> None:
    """At most one release for the week (drafts included), never two files of one name, and valid answers."""
    assert [r["tag_name"] for r in repo.releases.values()].count(TAG) <= 1, "a second release of the week"
    for release_id in repo.releases:
        names = [a["name"] for a in repo.release_assets(release_id)]
        assert len(names) == len(set(names)), f"a file twice: {sorted(names)}"
    assert stub.validation_errors == []


def _writes(stub: GitHubStub) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in stub.requests if r.method in ("POST", "PATCH", "DELETE")]


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Scenario]:
    """Every scenario with its texts prepared and its clean outcome learnt."""
    root = tmp_path_factory.mktemp("release") / "example"
    root.mkdir()
    shutil.copy2(PROJECT_ROOT / "ghdigest.yml", root / "ghdigest.yml")
    shutil.copytree(PROJECT_ROOT / "issues", root / "issues")
    config = load_config(root)
    unchanged = prepare_release(config, WEEK, repo="octo/papers", web_url=WEB_URL, today=TODAY)
    # What an earlier release of the week left: its texts and files, before the entry below changed.
    earlier = render_site(check_content(config), config.parse_week(WEEK))
    entry = root / "issues" / "0002-theorem-proving-with-language-modeling.yml"
    entry.write_text(entry.read_text(encoding="utf-8").replace("23 theorems", "many theorems"), "utf-8")
    changed = prepare_release(load_config(root), WEEK, repo="octo/papers", web_url=WEB_URL, today=TODAY)
    assert changed.body != unchanged.body
    found = {}
    for name in SCENARIOS:
        content, old = (unchanged, None) if name in ("first", "draft") else (changed, earlier)
        with world(name, old) as (stub, repo):
            _publish(stub, content, draft=name == "draft")
            requests = [(r.method, r.path) for r in stub.requests]
            stub.clear_requests()
            _publish(stub, content, draft=name == "draft")
            assert _writes(stub) == [], "a settled week stays settled"
            _assert_never_doubled(stub, repo)
            found[name] = Scenario(name, content, old, _snapshot(repo), requests)
    return found


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_fault_at_every_request_position_leaves_one_release(
    scenarios: dict[str, Scenario], scenario: str, fault: str
) -> None:
    case = scenarios[scenario]
    assert len(case.expected) == 1
    assert len(case.expected[0][4]) == 5, "the release has its five files: the week's .md and .json, and three feeds"
    assert len(case.requests) >= 4

    def run_at(position: int) -> None:
        with world(scenario, case.earlier) as (stub, repo):
            armed = stub.inject_at(position, FAULTS[fault])
            fails_cleanly(lambda: _publish(stub, case.content, draft=case.draft, timeout=TIMEOUT))
            assert armed.fired == 1
            _assert_never_doubled(stub, repo)
            _publish(stub, case.content, draft=case.draft)
            _assert_never_doubled(stub, repo)
            assert _snapshot(repo) == case.expected, "the next run does not reach the clean result"
            stub.clear_requests()
            _publish(stub, case.content, draft=case.draft)
            assert _writes(stub) == [], "the run after that still writes"

    at_every_position(fault, case.requests, run_at)


def test_faults_on_every_write_at_once_still_converge(scenarios: dict[str, Scenario]) -> None:
    """Every create, upload and publish fails once after GitHub acted: the worst case for duplicates."""
    case = scenarios["first"]
    with world("first", None) as (stub, repo):
        for method in ("POST", "PATCH"):
            stub.inject(Fault(status=502, method=method, after=True, times=1))
            stub.inject(Fault(kind="drop", method=method, after=True, nth=2, times=1))
        # Not on PATCH, which the client itself repeats: a third failure in a row there waits out its backoff.
        stub.inject(Fault(kind="timeout", delay=STALL, method="POST", after=True, nth=3, times=1))
        fails_cleanly(lambda: _publish(stub, case.content, draft=False, timeout=TIMEOUT))
        _assert_never_doubled(stub, repo)
        _publish(stub, case.content, draft=False)
        assert _snapshot(repo) == case.expected


def test_an_upload_refused_by_a_secondary_limit_naming_only_its_reset_waits_for_it(
    scenarios: dict[str, Scenario],
) -> None:
    """403 "secondary rate limit" without retry-after, the budget shown spent until a reset: no upload before it."""
    case = scenarios["first"]
    with world("first", None) as (stub, repo):
        armed = stub.inject(Fault(status=403, method="POST", path="/api/uploads/", reset_after=2))
        started = time.monotonic()
        _publish(stub, case.content, draft=False)
        assert time.monotonic() - started >= 1, "uploaded again before the reset"
        assert armed.fired == 1
        _assert_never_doubled(stub, repo)
        assert _snapshot(repo) == case.expected
