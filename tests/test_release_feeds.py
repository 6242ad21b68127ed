"""``ghdigest release`` with release-linked feeds: the week's release carries atom.xml, rss.xml and feed.json."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import Result
from jsonschema import Draft202012Validator

from ghdigest.github import RestClient, web_url_from
from tests.conftest import TOKEN, write_files
from tests.github_stub import GitHubStub, StubRepo
from tests.test_build import entry
from tests.test_feeds import FEEDS, JSON_FEED_SCHEMA

Run = Callable[..., Result]

CONFIG = "title: Test Digest\nrepo: octo/papers\n"
FEED_TYPES = {
    "atom.xml": "application/atom+xml",
    "rss.xml": "application/rss+xml",
    "feed.json": "application/feed+json",
}


@pytest.fixture
def digest(tmp_path: Path) -> Path:
    """A digest repository with weeks 36, 38 and 40 of 2020, linked to octo/papers, without site_url."""
    return write_files(
        tmp_path / "digest",
        {
            "ghdigest.yml": CONFIG,
            "issues/0001-a.yml": entry(headline="Week 36", week="2020-W36", url="https://example.org/a"),
            "issues/0002-b.yml": entry(headline="Week 38", week="2020-W38", url="https://example.org/b"),
            "issues/0003-c.yml": entry(headline="Week 40", week="2020-W40", url="https://example.org/c"),
        },
    )


@pytest.fixture
def run_release(cli: Run, stub: GitHubStub, papers: StubRepo, digest: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """``ghdigest release WEEK`` in ``digest`` against the stand-in, on 2020-10-10 (every week has ended)."""
    monkeypatch.setattr("ghdigest.github.RestClient", functools.partial(RestClient, seconds_between_writes=0))

    def run(week: str, *args: str) -> Result:
        return cli(
            "release", week, str(digest), "--api-url", stub.base_url, "--today", "2020-10-10", *args,
            env={"GITHUB_TOKEN": TOKEN},
        )  # fmt: skip

    return run


def releases_url(stub: GitHubStub) -> str:
    return f"{web_url_from(stub.base_url)}/octo/papers/releases"


def attached(repo: StubRepo, tag: str) -> dict[str, tuple[str, bytes]]:
    """The files of the release tagged ``tag``: name → (content type, bytes); fails on a name held twice."""
    [release] = [r for r in repo.releases.values() if r["tag_name"] == tag]
    assets = repo.release_assets(release["id"])
    assert len({a["name"] for a in assets}) == len(assets)
    return {a["name"]: (a["content_type"], repo.asset_data[a["id"]]) for a in assets}


def writes(stub: GitHubStub) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in stub.requests if r.method not in ("GET", "HEAD")]


def item_ids(files: dict[str, tuple[str, bytes]]) -> dict[str, list[str]]:
    """The item ids of each attached feed, read the way a reader reads them (and checked to be valid)."""
    ids = {}
    for name in ("atom.xml", "rss.xml"):
        parsed = feedparser.parse(files[name][1])
        assert not parsed.bozo, (name, parsed.get("bozo_exception"))
        ids[name] = [e.id for e in parsed.entries]
    document: dict[str, Any] = json.loads(files["feed.json"][1])
    assert list(Draft202012Validator(JSON_FEED_SCHEMA).iter_errors(document)) == []
    ids["feed.json"] = [item["id"] for item in document["items"]]
    return ids


def test_the_release_carries_feeds_that_link_to_releases_and_hold_no_later_week(
    stub: GitHubStub, papers: StubRepo, run_release: Run
) -> None:
    result = run_release("2020-W38")
    assert result.exit_code == 0, result.stderr
    for name in FEEDS:
        assert f"upload {name}" in result.stdout

    files = attached(papers, "digest-2020-W38")
    assert sorted(files) == sorted(["2020-W38.md", "2020-W38.json", *FEEDS])
    assert {name: files[name][0] for name in FEEDS} == FEED_TYPES
    releases = releases_url(stub)
    week_38, week_36 = f"{releases}/tag/digest-2020-W38", f"{releases}/tag/digest-2020-W36"
    assert item_ids(files) == {name: [week_38, week_36] for name in FEEDS}  # week 40 is not out yet
    for name in FEEDS:
        text = files[name][1].decode("utf-8")
        assert "2020-W40" not in text, name  # not even the "next week" link of week 38
        assert f"{releases}/latest/download/{name}" in text  # the feed's own address
    atom = feedparser.parse(files["atom.xml"][1])
    assert atom.feed.id == releases
    assert {link.rel: link.href for link in atom.feed.links} == {
        "self": f"{releases}/latest/download/atom.xml",
        "alternate": releases,
    }
    assert atom.entries[0].link == week_38
    assert f'href="{week_36}"' in atom.entries[0].content[0].value  # "previous week" is week 36's release
    # the week's own document points at the same place as the feeds
    assert json.loads(files["2020-W38.json"][1])["page_url"] == week_38


def test_the_latest_release_serves_every_week_and_an_older_one_keeps_its_feeds(
    stub: GitHubStub, papers: StubRepo, run_release: Run
) -> None:
    assert run_release("2020-W38").exit_code == 0
    assert run_release("2020-W40").exit_code == 0
    week_40 = next(r for r in papers.releases.values() if r["tag_name"] == "digest-2020-W40")
    assert papers.latest_release == week_40["id"]  # what .../releases/latest/download/<file> redirects to
    releases = releases_url(stub)
    newest = attached(papers, "digest-2020-W40")
    assert item_ids(newest)["atom.xml"] == [f"{releases}/tag/digest-2020-W{n}" for n in (40, 38, 36)]

    stub.clear_requests()
    again = run_release("2020-W38")  # week 40 now exists: week 38's feeds are still those of when it came out

    assert again.exit_code == 0, again.stderr
    assert writes(stub) == [], "an unchanged week sends no write"
    for name in FEEDS:
        assert f"keep {name}" in again.stdout


def test_a_week_added_late_reaches_the_feeds_when_the_latest_week_is_released_again(
    stub: GitHubStub, papers: StubRepo, digest: Path, run_release: Run
) -> None:
    assert run_release("2020-W40").exit_code == 0
    before = {a["id"] for a in papers.release_assets(papers.latest_release or 0)}
    write_files(digest, {"issues/0004-d.yml": entry(headline="Late", week="2020-W39", url="https://example.org/d")})
    assert run_release("2020-W39").exit_code == 0  # a backfill: not made Latest
    stub.clear_requests()

    result = run_release("latest")

    assert result.exit_code == 0, result.stderr
    for name in FEEDS:
        assert f"replace {name}" in result.stdout
    # in the published release each new file is attached (as <name>.new) before the old one goes
    sent = [(r.method, r.query.get("name", [""])[0]) for r in stub.requests if r.method != "GET"]
    deletes = [n for n, (method, _) in enumerate(sent) if method == "DELETE"]
    assert deletes
    assert all(sent[n - 1][0] == "POST" and sent[n - 1][1].endswith(".new") for n in deletes), sent
    releases = releases_url(stub)
    latest = attached(papers, "digest-2020-W40")
    assert item_ids(latest)["feed.json"] == [f"{releases}/tag/digest-2020-W{n}" for n in (40, 39, 38, 36)]
    after = {a["name"]: a["id"] for a in papers.release_assets(papers.latest_release or 0)}
    assert sorted(after) == sorted(["2020-W40.md", "2020-W40.json", *FEEDS])
    assert not {after[name] for name in FEEDS} & before


def test_with_site_url_the_release_carries_the_week_files_only(
    stub: GitHubStub, papers: StubRepo, digest: Path, run_release: Run
) -> None:
    (digest / "ghdigest.yml").write_text(CONFIG + "site_url: https://digest.example.org/\n", encoding="utf-8")

    dry = run_release("2020-W38", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert not any(name in dry.stdout for name in FEEDS)
    assert run_release("2020-W38").exit_code == 0

    files = attached(papers, "digest-2020-W38")
    assert sorted(files) == ["2020-W38.json", "2020-W38.md"]
    assert json.loads(files["2020-W38.json"][1])["page_url"] == "https://digest.example.org/2020-W38.md"
