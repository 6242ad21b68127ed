"""``ghdigest release`` against the GitHub stand-in: one release per week, whatever fails and however often it runs."""

from __future__ import annotations

import functools
import json
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from ghdigest.build import release_feeds, render_site
from ghdigest.config import load_config
from ghdigest.content import check_content
from ghdigest.github import RestClient, WriteOutcomeUnknown, web_url_from
from ghdigest.mentions import neutralise_mentions
from ghdigest.publish import BODY_LIMIT, _Publisher, cut_notice, download_url, staging_name
from tests.conftest import TOKEN, write_files
from tests.github_stub import Fault, GitHubStub, StubRepo
from tests.test_mentions import live_mentions

WEEK = "2020-W38"
TAG = "digest-2020-W38"
TITLE = "Akira's ML News #Week 38, 2020"

Run = Callable[..., Result]


@pytest.fixture
def run_release(
    cli: Run, stub: GitHubStub, papers: StubRepo, example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> Run:
    """``ghdigest release WEEK ROOT --repo octo/papers`` against the stand-in, with the test token.

    Writes follow each other without the pause kept for GitHub's secondary rate limits: the stand-in has none.
    """
    monkeypatch.setattr("ghdigest.github.RestClient", functools.partial(RestClient, seconds_between_writes=0))

    def run(*args: str, week: str = WEEK, folder: Path | None = None, env: dict[str, str] | None = None) -> Result:
        return cli(
            "release",
            week,
            str(folder or example_repo),
            "--repo",
            "octo/papers",
            "--api-url",
            stub.base_url,
            *args,
            env={"GITHUB_TOKEN": TOKEN} if env is None else env,
        )

    return run


FEEDS = ("atom.xml", "rss.xml", "feed.json")


def built(root: Path, repo: StubRepo, week: str = WEEK) -> dict[str, str]:
    """The week's files as a release in ``repo`` renders them: ``build --week``'s, and the feeds it carries."""
    config = load_config(root)
    content = check_content(config)
    where = {"repo": f"{repo.owner}/{repo.name}", "web_url": web_url_from(repo.world.base_url)}
    return {
        **render_site(content, config.parse_week(week), **where),
        **release_feeds(content, config.parse_week(week), **where),
    }


def the_release(repo: StubRepo) -> dict[str, Any]:
    """The repository's only release (failing when there is none, or more than one)."""
    assert len(repo.releases) == 1, [(r["id"], r["tag_name"], r["draft"]) for r in repo.releases.values()]
    return repo.release_json(next(iter(repo.releases)))


def files_of(repo: StubRepo, release: dict[str, Any]) -> dict[str, tuple[str, bytes]]:
    """Asset name → (state, bytes); fails when one name is there twice."""
    assets = repo.release_assets(release["id"])
    names = [a["name"] for a in assets]
    assert len(names) == len(set(names)), names
    return {a["name"]: (a["state"], repo.asset_data[a["id"]]) for a in assets}


def expected_files(
    root: Path, repo: StubRepo, week: str = WEEK, files: dict[str, str] | None = None
) -> dict[str, tuple[str, bytes]]:
    """The week's .md and .json, and the feeds when the release carries them (no site_url)."""
    files = files or built(root, repo, week)
    return {
        f"{week}.md": ("uploaded", files[f"{week}.md"].encode()),
        f"{week}.json": ("uploaded", files[f"api/weeks/{week}.json"].encode()),
        **{name: ("uploaded", files[name].encode()) for name in FEEDS if name in files},
    }


def writes(stub: GitHubStub) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in stub.requests if r.method not in ("GET", "HEAD")]


def creates(stub: GitHubStub) -> int:
    return sum(1 for r in stub.requests if r.method == "POST" and r.path.endswith("/releases"))


def assert_settled(repo: StubRepo, root: Path, *, draft: bool = False) -> dict[str, Any]:
    """One release for the week, with the digest as body and exactly the week's files."""
    release = the_release(repo)
    assert release["tag_name"] == TAG
    assert release["name"] == TITLE
    assert release["draft"] is draft
    files = built(root, repo)
    assert release["body"] == neutralise_mentions(files[f"{WEEK}.md"])
    assert files_of(repo, release) == expected_files(root, repo, files=files)
    return release


# --------------------------------------------------------------------------- create, rerun, update


def test_releasing_the_seed_week_twice_makes_one_release_with_the_digest_and_both_files(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    first = run_release()
    assert first.exit_code == 0, first.stderr
    release = assert_settled(papers, example_repo)
    assert release["body"] == built(example_repo, papers)[f"{WEEK}.md"]  # the seed mentions no one
    assert f"create release {TAG}: {TITLE}" in first.stdout
    assert f"upload {WEEK}.md" in first.stdout
    assert f"upload {WEEK}.json" in first.stdout
    assert release["html_url"] in first.stdout
    assert creates(stub) == 1

    stub.clear_requests()
    second = run_release()

    assert second.exit_code == 0, second.stderr
    assert assert_settled(papers, example_repo)["id"] == release["id"]
    assert writes(stub) == [], "a settled week costs reads only"
    assert len(stub.requests) == 1, "found by its tag in one request"
    assert f"keep release {TAG} (unchanged)" in second.stdout


def test_a_new_release_is_published_only_once_its_files_are_attached(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    assert run_release().exit_code == 0
    # the draft, its five files (the .md, the .json and the three feeds), then publishing it
    assert [method for method, _ in writes(stub)] == ["POST", *["POST"] * 5, "PATCH"]
    create = next(r for r in stub.requests if r.method == "POST" and r.path.endswith("/releases"))
    assert json.loads(create.body)["draft"] is True
    publish = next(r for r in stub.requests if r.method == "PATCH")
    assert json.loads(publish.body) == {"draft": False, "make_latest": "true"}
    assert papers.latest_release == the_release(papers)["id"]


def test_an_older_week_published_late_does_not_become_the_latest_release(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    write_files(example_repo, {"issues/later.yml": "kind: other\nheadline: Later\nsummary: Text.\nweek: 2020-W40\n"})
    assert run_release("--today", "2020-10-10", week="2020-W40").exit_code == 0
    newer = papers.latest_release
    assert run_release("--today", "2020-10-10").exit_code == 0  # the seed week, released after
    assert len(papers.releases) == 2
    assert papers.latest_release == newer
    assert papers.releases[newer]["tag_name"] == "digest-2020-W40"


def test_changed_content_updates_the_release_and_replaces_its_files(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    assert run_release().exit_code == 0
    before = the_release(papers)
    old_assets = {a["id"] for a in papers.release_assets(before["id"])}
    entry = example_repo / "issues" / "0002-theorem-proving-with-language-modeling.yml"
    entry.write_text(entry.read_text(encoding="utf-8").replace("23 theorems", "twenty-three theorems"), "utf-8")
    stub.clear_requests()

    result = run_release()

    assert result.exit_code == 0, result.stderr
    after = assert_settled(papers, example_repo)
    assert after["id"] == before["id"]
    assert "twenty-three theorems" in after["body"]
    assert not old_assets & {a["id"] for a in papers.release_assets(after["id"])}
    assert f"update release {TAG} (body)" in result.stdout
    assert f"replace {WEEK}.md" in result.stdout
    assert creates(stub) == 0
    # Each old file goes only once its replacement is there, and the replacement takes its name right after.
    sent = [(r.method, r.path, r.query.get("name", [""])[0]) for r in stub.requests]
    deletes = [n for n, (method, _, _) in enumerate(sent) if method == "DELETE"]
    assert len(deletes) == 5  # the .md, the .json, and the three feeds, which hold the week's new text
    for n in deletes:
        method, _, name = sent[n - 1]
        assert (method, name.endswith(".new")) == ("POST", True), sent[n - 1]
        method, path, _ = sent[n + 1]
        assert (method, "/releases/assets/" in path) == ("PATCH", True), sent[n + 1]


def test_a_failed_upload_leaves_the_published_files_in_place(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    assert run_release().exit_code == 0
    before = files_of(papers, the_release(papers))
    entry = example_repo / "issues" / "0002-theorem-proving-with-language-modeling.yml"
    entry.write_text(entry.read_text(encoding="utf-8").replace("23 theorems", "twenty-three theorems"), "utf-8")
    armed = stub.inject(Fault(status=502, method="POST", path="/api/uploads/", times=3))

    failed = run_release()

    assert armed.fired == 3
    assert failed.exit_code == 2
    assert "run release again" in failed.stderr
    assert files_of(papers, the_release(papers)) == before, "readers still find the last complete files"
    assert run_release().exit_code == 0
    assert_settled(papers, example_repo)


def test_files_left_under_the_staging_name_by_an_interrupted_run_are_removed(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    assert run_release().exit_code == 0
    release = the_release(papers)
    papers.add_asset(release["id"], staging_name(f"{WEEK}.md"), b"a replacement that never took its name")
    papers.add_asset(release["id"], staging_name(f"{WEEK}.json"), b"", state="starter")

    assert run_release().exit_code == 0

    assert_settled(papers, example_repo)


def test_same_name_files_are_replaced_and_other_files_kept(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    release = papers.add_release(TAG, "old name", "old body")
    papers.add_asset(release["id"], f"{WEEK}.md", b"an older digest", "text/markdown")
    papers.add_asset(release["id"], f"{WEEK}.json", b"", "application/json", state="starter")
    papers.add_asset(release["id"], "slides.pdf", b"%PDF", "application/pdf")

    result = run_release()

    assert result.exit_code == 0, result.stderr
    files = files_of(papers, the_release(papers))
    assert files.pop("slides.pdf") == ("uploaded", b"%PDF")
    assert files == expected_files(example_repo, papers)
    assert the_release(papers)["name"] == TITLE
    assert "half-uploaded (state starter)" in result.stdout


def test_a_file_with_the_same_bytes_is_kept_not_uploaded_again(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    files = built(example_repo, papers)
    release = papers.add_release(TAG, TITLE, files[f"{WEEK}.md"])
    kept = papers.add_asset(release["id"], f"{WEEK}.md", files[f"{WEEK}.md"].encode(), "text/markdown")
    stub.clear_requests()

    assert run_release().exit_code == 0

    assert kept["id"] in {a["id"] for a in papers.release_assets(release["id"])}
    assert [r.query.get("name") for r in stub.requests if r.method == "POST"] == [
        [f"{WEEK}.json"],
        *([n] for n in FEEDS),
    ]
    assert_settled(papers, example_repo)


# --------------------------------------------------------------------------- drafts


def test_a_draft_release_is_found_and_published_not_duplicated(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    draft = papers.add_release(TAG, "Work in progress", "draft text", draft=True)

    result = run_release()

    assert result.exit_code == 0, result.stderr
    release = assert_settled(papers, example_repo)
    assert release["id"] == draft["id"]
    assert creates(stub) == 0
    assert f"update release {TAG} (name, body, publish)" in result.stdout


def test_draft_flag_twice_keeps_one_draft_that_lookup_by_tag_cannot_see(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    assert run_release("--draft").exit_code == 0
    assert run_release("--draft").exit_code == 0

    release = assert_settled(papers, example_repo, draft=True)
    assert papers.published_release(TAG) is None
    assert creates(stub) == 1
    assert not any(r.method == "PATCH" for r in stub.requests), "a draft is never published by --draft"

    published = run_release()
    assert published.exit_code == 0
    assert assert_settled(papers, example_repo)["id"] == release["id"]


def test_draft_flag_never_takes_a_published_release_back(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    assert run_release().exit_code == 0
    result = run_release("--draft")
    assert result.exit_code == 0
    assert_settled(papers, example_repo, draft=False)
    assert "already published; --draft leaves it published" in result.stderr


def test_of_several_drafts_with_the_tag_the_oldest_is_used_and_the_others_left(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    oldest = papers.add_release(TAG, "one", "first draft", draft=True)
    other = papers.add_release(TAG, "two", "second draft", draft=True)

    result = run_release()

    assert result.exit_code == 0, result.stderr
    assert papers.releases[oldest["id"]]["draft"] is False
    assert papers.releases[other["id"]]["body"] == "second draft"
    assert f"2 releases have the tag {TAG}" in result.stderr


# --------------------------------------------------------------------------- GitHub refusals (422)


def test_a_release_made_by_another_run_meanwhile_is_adopted_after_the_422(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_find = _Publisher.find
    looks: list[int] = []

    def racing_find(self: _Publisher) -> dict[str, Any] | None:
        looks.append(1)
        if len(looks) == 1:  # another run publishes its release just after this one looked
            papers.add_release(TAG, "From another run", "its body")
            return None
        return real_find(self)

    monkeypatch.setattr(_Publisher, "find", racing_find)
    result = run_release()

    assert result.exit_code == 0, result.stderr
    refused = [r for r in stub.requests if r.method == "POST" and r.path.endswith("/releases")]
    assert [r.status for r in refused] == [422]
    assert_settled(papers, example_repo)


def test_a_file_uploaded_by_someone_else_meanwhile_is_replaced_after_the_422(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_upload = RestClient.upload_asset
    clashed: set[str] = set()

    def clashing_upload(self: RestClient, upload_url: str, name: str, data: bytes, content_type: str) -> Any:
        if name not in clashed:  # someone attaches a file of this name just before this run does
            clashed.add(name)
            release_id = int(upload_url.split("/releases/")[1].split("/")[0])
            papers.add_asset(release_id, name, b"someone else's file", content_type)
        return real_upload(self, upload_url, name, data, content_type)

    monkeypatch.setattr(RestClient, "upload_asset", clashing_upload)
    result = run_release()

    assert result.exit_code == 0, result.stderr
    uploads = [r.status for r in stub.requests if "/api/uploads/" in r.path]
    assert uploads.count(422) == 5  # one clash per file
    assert_settled(papers, example_repo)


def test_a_tag_that_github_refuses_is_reported_not_retried(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    # The pattern is checked in ghdigest.yml, so only a release GitHub refuses for its own reasons gets here.
    stub.inject(Fault(status=422, method="POST", path=r"/releases$", times=5))
    result = run_release()
    assert result.exit_code == 2
    assert "GitHub answered 422" in result.stderr
    assert creates(stub) == 1
    assert papers.releases == {}


# --------------------------------------------------------------------------- faults on the create and upload


CREATE_FAULTS = [
    pytest.param(Fault(status=502, method="POST", path=r"/releases$"), 2, id="502-before"),
    pytest.param(Fault(kind="drop", method="POST", path=r"/releases$"), 2, id="drop-before"),
    pytest.param(Fault(status=502, method="POST", path=r"/releases$", after=True), 1, id="502-after"),
    pytest.param(Fault(kind="drop", method="POST", path=r"/releases$", after=True), 1, id="drop-after"),
    pytest.param(Fault(kind="truncated", method="POST", path=r"/releases$"), 1, id="cut-off-answer"),
    pytest.param(Fault(status=403, method="POST", path=r"/releases$", retry_after=0), 2, id="secondary-limit"),
]


@pytest.mark.parametrize(("fault", "posts"), CREATE_FAULTS)
@pytest.mark.parametrize("draft", [False, True], ids=["published", "draft"])
def test_a_fault_on_the_create_still_makes_exactly_one_release(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run, fault: Fault, posts: int, draft: bool
) -> None:
    armed = stub.inject(fault)

    result = run_release(*(["--draft"] if draft else []))

    assert armed.fired == 1
    assert result.exit_code == 0, result.stderr
    assert_settled(papers, example_repo, draft=draft)
    assert creates(stub) == posts


def test_a_create_that_never_gets_an_answer_gives_up_without_a_duplicate(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    stub.inject(Fault(status=502, method="POST", path=r"/releases$", times=3))
    failed = run_release()
    assert failed.exit_code == 2
    assert "GitHub did not answer; run release again" in failed.stderr
    assert papers.releases == {}
    assert run_release().exit_code == 0
    assert_settled(papers, example_repo)


UPLOAD_FAULTS = [
    pytest.param(Fault(status=502, method="POST", path="/api/uploads/"), id="502-before"),
    pytest.param(Fault(kind="drop", method="POST", path="/api/uploads/"), id="drop-before"),
    pytest.param(Fault(status=502, method="POST", path="/api/uploads/", after=True), id="502-after"),
    pytest.param(Fault(kind="drop", method="POST", path="/api/uploads/", after=True), id="drop-after"),
    pytest.param(Fault(kind="truncated", method="POST", path="/api/uploads/"), id="cut-off-answer"),
    pytest.param(Fault(status=429, method="POST", path="/api/uploads/", retry_after=0), id="secondary-limit"),
]


@pytest.mark.parametrize("fault", UPLOAD_FAULTS)
def test_a_fault_on_an_upload_still_makes_one_complete_file(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run, fault: Fault
) -> None:
    armed = stub.inject(fault)
    result = run_release()
    assert armed.fired == 1
    assert result.exit_code == 0, result.stderr
    assert_settled(papers, example_repo)


def test_a_half_uploaded_file_is_deleted_and_uploaded_again(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    papers.break_uploads(1)
    result = run_release()
    assert result.exit_code == 0, result.stderr
    assert_settled(papers, example_repo)
    deleted = [r for r in stub.requests if r.method == "DELETE"]
    assert len(deleted) == 1
    assert deleted[0].status == 204


# --------------------------------------------------------------------------- the body


def _long_week(root: Path, entries: int) -> None:
    summary = " ".join(f"Sentence {n} of a long summary that goes on about the method." for n in range(40))
    write_files(
        root,
        {
            f"issues/long-{n:03d}.yml": (
                f"kind: article\nheadline: Long entry {n}\nurl: https://example.com/{n}\n"
                f"summary: {summary}\nweek: {WEEK}\n"
            )
            for n in range(entries)
        },
    )


def test_a_digest_over_the_limit_is_cut_at_an_entry_with_a_link_and_never_refused(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    _long_week(example_repo, 60)
    markdown = built(example_repo, papers)[f"{WEEK}.md"]
    assert len(markdown) > BODY_LIMIT

    result = run_release()

    assert result.exit_code == 0, result.stderr
    release = the_release(papers)
    link = download_url(web_url_from(stub.base_url), "octo/papers", TAG, f"{WEEK}.md")
    notice = cut_notice(f"{WEEK}.md", link)
    assert release["body"].endswith(notice)
    kept = release["body"].removesuffix(notice)
    assert markdown.startswith(kept)
    assert markdown[len(kept) :].lstrip("\n").startswith("### "), "cut just before an entry"
    assert len(release["body"]) <= BODY_LIMIT
    assert files_of(papers, release) == expected_files(example_repo, papers), "the file keeps the whole digest"
    assert "over GitHub's limit" in result.stderr
    assert not any(r.status == 422 for r in stub.requests)
    stub.clear_requests()
    assert run_release().exit_code == 0
    assert writes(stub) == [], "the cut is the same on every run"


def test_mentions_in_entries_ping_no_one(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    write_files(
        example_repo,
        {
            "issues/mentions.yml": (
                "kind: other\nheadline: Thanks @alice\nweek: 2020-W38\nsummary: |-\n"
                "  Found by @bob and reviewed by @ml-org/reviewers. Write to carol@example.com.\n"
                "  `@inert` in code, and [@dave's post](https://medium.com/@dave/post).\n"
            )
        },
    )
    markdown = built(example_repo, papers)[f"{WEEK}.md"]
    assert len(live_mentions(markdown)) >= 3

    result = run_release()

    assert result.exit_code == 0, result.stderr
    release = the_release(papers)
    assert live_mentions(release["body"]) == []
    for kept in ("carol@example.com", "`@inert`", "(https://medium.com/@dave/post)"):
        assert kept in release["body"]
    assert release["body"].replace("\u200b", "") == markdown
    assert files_of(papers, release)[f"{WEEK}.md"][1] == markdown.encode(), "the file is the digest as written"
    assert "@mention(s) neutralised" in result.stderr


# --------------------------------------------------------------------------- dry run, weeks, settings


def test_dry_run_sends_no_write_and_says_what_it_would_do(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    fresh = run_release("--dry-run")
    assert fresh.exit_code == 0, fresh.stderr
    assert f"would create release {TAG}" in fresh.stdout
    assert f"would upload {WEEK}.md" in fresh.stdout
    for name in FEEDS:
        assert f"would upload {name}" in fresh.stdout
    assert papers.releases == {}

    assert run_release().exit_code == 0
    entry = example_repo / "issues" / "0002-theorem-proving-with-language-modeling.yml"
    entry.write_text(entry.read_text(encoding="utf-8").replace("23 theorems", "many theorems"), "utf-8")
    stub.clear_requests()
    changed = run_release("--dry-run", "--format", "json")

    assert changed.exit_code == 0, changed.stderr
    assert writes(stub) == []
    report = json.loads(changed.stdout)
    assert report["dry_run"] is True
    assert report["action"] == "update"
    assert report["changes"] == ["body"]
    assert {a["name"]: a["action"] for a in report["assets"]} == {
        f"{WEEK}.md": "replace",
        f"{WEEK}.json": "replace",
        **dict.fromkeys(FEEDS, "replace"),
    }
    assert "many theorems" not in the_release(papers)["body"]


def test_latest_is_the_newest_week_with_entries_that_has_ended(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    write_files(
        example_repo,
        {
            "issues/later.yml": "kind: other\nheadline: Two weeks later\nsummary: Text.\nweek: 2020-W40\n",
            "issues/future.yml": "kind: other\nheadline: Far ahead\nsummary: Text.\nweek: 2020-W45\n",
        },
    )
    last_day = run_release("--today", "2020-09-19", week="latest")
    assert last_day.exit_code == 1
    assert "no week with entries has ended by 2020-09-19" in last_day.stderr

    for today in ("2020-09-20", "2020-10-03"):  # W38 has ended; W40 has not (it runs 09-27 to 10-03)
        chosen = run_release("--today", today, "--dry-run", "--format", "json", week="latest")
        assert json.loads(chosen.stdout)["week"] == WEEK, today
    in_week_41 = run_release("--today", "2020-10-06", week="latest")
    assert in_week_41.exit_code == 0, in_week_41.stderr
    assert [r["tag_name"] for r in papers.releases.values()] == ["digest-2020-W40"]


def test_latest_counts_from_today_by_default(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    result = run_release("--dry-run", "--format", "json", week="latest")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["week"] == WEEK  # the seed week is long past


def test_the_tag_pattern_comes_from_the_release_settings(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    config = example_repo / "ghdigest.yml"
    config.write_text(config.read_text(encoding="utf-8") + 'release:\n  tag: "weekly/{year}-w{week}"\n', "utf-8")
    assert run_release().exit_code == 0
    assert the_release(papers)["tag_name"] == "weekly/2020-w38"
    stub.clear_requests()
    assert run_release().exit_code == 0
    assert writes(stub) == []


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ('"{title}-{week_id}"', "not a valid Git tag name"),
        ('"digest-{week}"', "gives several weeks the same tag"),
        ('"digest"', "gives several weeks the same tag"),
        ('"digest-{weekid}"', "unknown field"),
    ],
)
def test_a_tag_pattern_that_cannot_work_is_a_config_error(
    stub: GitHubStub, example_repo: Path, run_release: Run, pattern: str, says: str
) -> None:
    config = example_repo / "ghdigest.yml"
    config.write_text(config.read_text(encoding="utf-8") + f"release:\n  tag: {pattern}\n", "utf-8")
    result = run_release()
    assert result.exit_code == 2
    assert "ghdigest.yml:" in result.stderr
    assert says in result.stderr
    assert "[invalid-pattern]" in result.stderr
    assert stub.requests == []


# --------------------------------------------------------------------------- exit codes and secrets


def test_invalid_content_is_exit_1_and_asks_github_nothing(
    stub: GitHubStub, example_repo: Path, run_release: Run
) -> None:
    write_files(example_repo, {"issues/broken.yml": "kind: paper\nheadline: No link\nweek: 2020-W38\ntitel: x\n"})
    result = run_release()
    assert result.exit_code == 1
    assert "broken.yml" in result.stderr
    assert stub.requests == []


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--repo", "not a repo"], 2, "is not OWNER/NAME"),
        (["--repo", "octo/missing"], 2, "octo/missing not found"),
    ],
)
def test_could_not_run_is_exit_2(
    stub: GitHubStub, example_repo: Path, run_release: Run, args: list[str], code: int, says: str
) -> None:
    result = run_release(*args)
    assert result.exit_code == code
    assert says in result.stderr


def test_weeks_that_cannot_be_released(stub: GitHubStub, example_repo: Path, run_release: Run) -> None:
    malformed = run_release(week="week 38")
    assert malformed.exit_code == 2
    assert "malformed week id" in malformed.stderr
    empty = run_release(week="2020-W39")
    assert empty.exit_code == 1
    assert "2020-W39 has no selected entries" in empty.stderr
    assert stub.requests == []


def test_without_a_repository_or_a_token_nothing_is_sent(
    stub: GitHubStub, cli: Run, root: Path, example_repo: Path
) -> None:
    (example_repo / "ghdigest.yml").write_text(
        (example_repo / "ghdigest.yml").read_text(encoding="utf-8").replace("repo: AkiraTOSEI/ML_papers\n", ""),
        "utf-8",
    )
    no_repo = cli("release", WEEK, str(example_repo), "--api-url", stub.base_url, env={"GITHUB_TOKEN": TOKEN})
    assert no_repo.exit_code == 2
    assert "no repository" in no_repo.stderr
    no_token = cli(
        "release", WEEK, str(example_repo), "--repo", "octo/papers", env={"GITHUB_TOKEN": "", "GH_TOKEN": ""}
    )
    assert no_token.exit_code == 2
    assert "needs a token" in no_token.stderr
    assert stub.requests == []


def test_the_token_is_never_sent_to_an_upload_address_on_another_host(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    with GitHubStub() as elsewhere:
        papers.uploads_base = f"{elsewhere.base_url}/api/uploads"
        result = run_release()
        assert elsewhere.requests == []
    assert result.exit_code == 2
    assert "upload address on another host" in result.stderr
    assert not any("/api/uploads/" in r.path for r in stub.requests)
    assert TOKEN not in result.stdout + result.stderr


def test_a_stalled_upload_to_the_uploads_host_times_out(
    stub: GitHubStub, papers: StubRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # api.localhost and uploads.localhost, both this stub: the uploads host is another host, as on github.com.
    real_getaddrinfo = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        local = host in ("api.localhost", "uploads.localhost")
        return real_getaddrinfo("127.0.0.1" if local else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    port = stub.base_url.rsplit(":", 1)[1]
    papers.uploads_base = f"http://uploads.localhost:{port}/api/uploads"
    release = papers.add_release("v1")
    stub.inject(Fault(kind="slow", delay=4, method="POST", path="/api/uploads/"))
    client = RestClient("octo/papers", f"http://api.localhost:{port}", TOKEN, timeout=1, seconds_between_writes=0)
    started = time.monotonic()
    try:
        with pytest.raises(WriteOutcomeUnknown):
            client.upload_asset(release["upload_url"], "a.md", b"# A", "text/markdown")
    finally:
        client.close()
    assert time.monotonic() - started < 3


def test_the_token_never_appears_in_any_output(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, run_release: Run
) -> None:
    results = [
        run_release(),
        run_release("--format", "json"),
        run_release("--dry-run"),
        run_release(env={"GITHUB_TOKEN": TOKEN[:-3] + "BAD"}),
    ]
    stub.inject(Fault(status=502, method="POST", path="/api/uploads/", times=20))
    entry = example_repo / "issues" / "0002-theorem-proving-with-language-modeling.yml"
    entry.write_text(entry.read_text(encoding="utf-8").replace("23 theorems", "some theorems"), "utf-8")
    results.append(run_release())
    assert [r.exit_code for r in results] == [0, 0, 0, 2, 2]
    assert "GitHub refused the token" in results[3].stderr
    for result in results:
        assert TOKEN not in result.stdout + result.stderr
        assert TOKEN[:12] not in result.stdout + result.stderr
