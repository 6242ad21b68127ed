"""``ghdigest sync`` against the GitHub stand-in: real HTTP on 127.0.0.1, PyGithub unmodified."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from ghdigest.config import load_config
from ghdigest.github import GitHubError, RestClient
from ghdigest.sync import STATE_FILE, sync
from ghdigest.yamlio import parse_document
from tests.conftest import CONFIG, TOKEN, write_files
from tests.github_stub import Fault, GitHubStub, StubRepo
from tests.test_mentions import live_mentions


def paper_body(n: int, *, summary: str | None = None) -> str:
    """An issue body in the ML_papers template, as curators write them."""
    return (
        "# TL;DR\n"
        f"{summary or f'A method that improves the baseline on task {n}.'}\n\n"
        "# Paper URL\n"
        f"https://arxiv.org/abs/2009.{n:05d}v2\n\n"
        "# Submission Dates(yyyy/mm/dd)\n"
        "2020/9/8\n\n"
        "# Comments\n"
        "Worth reading.\n"
    )


def entry_files(root: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((root / "issues").glob("*.yml"))}


def data_of(root: Path, name: str) -> dict[str, Any]:
    data = parse_document((root / "issues" / name).read_text(encoding="utf-8"), name).data
    assert isinstance(data, dict)
    return data


def counted(stub: GitHubStub) -> int:
    return sum(1 for r in stub.requests if r.counted)


# ----------------------------------------------------------------------------- pull


def test_first_sync_writes_one_valid_file_per_issue_and_skips_pull_requests(
    stub: GitHubStub, papers: StubRepo, root: Path, run_sync: Callable[..., Result], cli: Callable[..., Result]
) -> None:
    numbers = [papers.add_issue(f"Paper number {n}", paper_body(n), labels=["kind:paper"]) for n in range(1, 231)]
    pulls = [papers.add_pull_request(f"Fix typo {n}", "A pull request, not an entry.") for n in range(20)]
    stub.clear_requests()

    result = run_sync()

    assert result.exit_code == 0, result.stderr
    files = entry_files(root)
    assert len(files) == len(numbers)
    assert {name.split("-", 1)[0] for name in files} == {str(n) for n in numbers}
    assert not any(name.startswith(f"{p}-") or name == f"{p}.yml" for p in pulls for name in files)
    assert len(stub.requests) == math.ceil((len(numbers) + len(pulls)) / 100)
    first = data_of(root, f"{numbers[0]}-paper-number-1.yml")
    assert first["url"] == "https://arxiv.org/abs/2009.00001"
    assert first["issue"]["number"] == numbers[0]
    assert first["submitted"] == "2020-09-08"
    assert cli("validate", str(root)).exit_code == 0


def test_nothing_changed_costs_one_free_request_even_in_a_fresh_clone(
    stub: GitHubStub, papers: StubRepo, root: Path, run_sync: Callable[..., Result], tmp_path: Path
) -> None:
    for n in range(1, 6):
        papers.add_issue(f"Paper {n}", paper_body(n))
    assert run_sync().exit_code == 0
    before = entry_files(root)

    stub.clear_requests()
    result = run_sync()
    assert result.exit_code == 0, result.stderr
    assert len(stub.requests) == 1
    assert stub.requests[0].status == 304
    assert counted(stub) == 0
    assert entry_files(root) == before

    clone = tmp_path / "clone"
    shutil.copytree(root, clone)  # what git checks out: the entries and the committed state file
    stub.clear_requests()
    assert run_sync(folder=clone).exit_code == 0
    assert [r.status for r in stub.requests] == [304]


def test_with_comments_a_no_change_sync_costs_two_free_requests(
    stub: GitHubStub, papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    (root / "ghdigest.yml").write_text(CONFIG + "sync:\n  comments: true\n", encoding="utf-8")
    numbers = [papers.add_issue(f"Paper {n}", paper_body(n)) for n in range(1, 4)]
    papers.add_comment(numbers[0], "Code: https://github.com/example/code", user="bob")
    papers.add_comment(numbers[0], "Slides are out too.", user="carol")
    assert run_sync().exit_code == 0
    comments = data_of(root, f"{numbers[0]}-paper-1.yml")["issue"]["comments"]
    assert [c["author"] for c in comments] == ["bob", "carol"]
    assert not any(
        "/issues/" in r.path and r.path.endswith("/comments") and "/issues/comments" not in r.path
        for r in stub.requests
    ), "comments must come from the repository-wide list"

    stub.clear_requests()
    assert run_sync().exit_code == 0
    assert [r.status for r in stub.requests] == [304, 304]
    assert counted(stub) == 0

    papers.edit_comment(next(iter(papers.comments)), "Code moved: https://github.com/example/code2")
    assert run_sync().exit_code == 0
    comments = data_of(root, f"{numbers[0]}-paper-1.yml")["issue"]["comments"]
    assert comments[0]["body"] == "Code moved: https://github.com/example/code2"
    assert len(comments) == 2


def test_a_changed_issue_costs_one_page_and_updates_only_its_file(
    stub: GitHubStub, papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    numbers = [papers.add_issue(f"Paper {n}", paper_body(n)) for n in range(1, 151)]
    assert run_sync().exit_code == 0
    before = entry_files(root)
    papers.edit_issue(numbers[3], body=paper_body(4, summary="A new summary."))
    stub.clear_requests()

    result = run_sync()

    assert result.exit_code == 0, result.stderr
    assert len(stub.requests) == 1
    after = entry_files(root)
    changed = [name for name in after if after[name] != before.get(name)]
    assert changed == [f"{numbers[3]}-paper-4.yml"]
    assert data_of(root, changed[0])["summary"] == "A new summary."


def test_retitled_issue_renames_its_file_and_leaves_no_stale_copy(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    number = papers.add_issue("Old name of the paper", paper_body(1))
    assert run_sync().exit_code == 0
    assert list(entry_files(root)) == [f"{number}-old-name-of-the-paper.yml"]

    papers.edit_issue(number, title="GPT-f: theorem proving with language models")
    result = run_sync()

    assert result.exit_code == 0, result.stderr
    assert list(entry_files(root)) == [f"{number}-gpt-f-theorem-proving-with-language-models.yml"]
    assert "rename" in result.stdout


def test_local_edit_and_remote_change_is_a_conflict_that_keeps_both(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    number = papers.add_issue("A paper", paper_body(1))
    assert run_sync().exit_code == 0
    path = root / "issues" / f"{number}-a-paper.yml"
    edited = path.read_text(encoding="utf-8").replace("A method that", "Our curator's rewrite: a method that")
    path.write_text(edited, encoding="utf-8")
    papers.edit_issue(number, body=paper_body(1, summary="The author's new summary."))

    result = run_sync()

    assert result.exit_code == 1
    assert path.read_text(encoding="utf-8") == edited
    assert "conflict" in result.stderr
    assert "-summary: Our curator's rewrite" in result.stderr
    assert "+summary: The author's new summary." in result.stderr
    # Still a conflict next time: nothing was forgotten.
    assert run_sync().exit_code == 1
    # Taking the issue's version: delete the file and sync again.
    path.unlink()
    assert run_sync().exit_code == 0
    assert data_of(root, path.name)["summary"] == "The author's new summary."


def test_local_edit_of_an_unchanged_issue_is_kept(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    number = papers.add_issue("A paper", paper_body(1))
    other = papers.add_issue("Another paper", paper_body(2))
    assert run_sync().exit_code == 0
    path = root / "issues" / f"{number}-a-paper.yml"
    edited = path.read_text(encoding="utf-8").replace("A method that", "The curator's summary: a method that")
    assert edited != path.read_text(encoding="utf-8")
    path.write_text(edited, encoding="utf-8")
    papers.edit_issue(other, title="Another paper, retitled")

    result = run_sync("--full")

    assert result.exit_code == 0, result.stderr
    assert path.read_text(encoding="utf-8") == edited


@pytest.mark.parametrize("vanished", ["skip", "delete", "keep"])
def test_deleted_and_transferred_issues_are_handled_as_configured(
    stub: GitHubStub, papers: StubRepo, root: Path, run_sync: Callable[..., Result], vanished: str
) -> None:
    (root / "ghdigest.yml").write_text(CONFIG + f"sync:\n  vanished: {vanished}\n", encoding="utf-8")
    elsewhere = stub.add_repo("octo", "archive")
    kept = papers.add_issue("Stays", paper_body(1))
    deleted = papers.add_issue("Deleted later", paper_body(2))
    moved = papers.add_issue("Moved later", paper_body(3))
    assert run_sync().exit_code == 0
    papers.delete_issue(deleted)
    papers.transfer_issue(moved, elsewhere)

    result = run_sync()

    assert result.exit_code == 0, result.stderr
    files = entry_files(root)
    assert f"{kept}-stays.yml" in files
    gone = [f"{deleted}-deleted-later.yml", f"{moved}-moved-later.yml"]
    if vanished == "delete":
        assert not any(name in files for name in gone)
    else:
        statuses = {data_of(root, name).get("status", "selected") for name in gone}
        assert statuses == ({"skip"} if vanished == "skip" else {"selected"})
    assert "deleted" in result.stderr
    assert "transferred" in result.stderr


def test_label_filter_reads_only_matching_issues(
    stub: GitHubStub, papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    (root / "ghdigest.yml").write_text(CONFIG + "sync:\n  labels: [digest (weekly)]\n", encoding="utf-8")
    wanted = papers.add_issue("Wanted", paper_body(1), labels=["digest (weekly)", "CV/segmentation"])
    papers.add_issue("Not for the digest", paper_body(2), labels=["question"])
    assert run_sync().exit_code == 0
    assert list(entry_files(root)) == [f"{wanted}-wanted.yml"]
    assert stub.requests[0].query["labels"] == ["digest (weekly)"]
    assert "CV/segmentation" in data_of(root, f"{wanted}-wanted.yml")["topics"]


def test_duplicate_papers_are_reported_and_the_later_one_skipped(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result], cli: Callable[..., Result]
) -> None:
    first = papers.add_issue("BYOL", paper_body(7))
    second = papers.add_issue("BYOL again", paper_body(7).replace("abs/2009.00007v2", "pdf/2009.00007.pdf"))

    result = run_sync()

    assert result.exit_code == 0, result.stderr
    assert f"issue #{second} is the same paper (arxiv:2009.00007)" in result.stderr
    assert data_of(root, f"{first}-byol.yml").get("status", "selected") == "selected"
    assert data_of(root, f"{second}-byol-again.yml")["status"] == "skip"
    assert cli("validate", str(root)).exit_code == 0


def test_dry_run_reads_but_writes_nothing(papers: StubRepo, root: Path, run_sync: Callable[..., Result]) -> None:
    papers.add_issue("A paper", paper_body(1))
    result = run_sync("--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "would create issues/" in result.stdout
    assert entry_files(root) == {}
    assert not (root / "issues" / STATE_FILE).exists()


def test_json_report(papers: StubRepo, root: Path, run_sync: Callable[..., Result]) -> None:
    number = papers.add_issue("A paper", paper_body(1))
    result = run_sync("--format", "json")
    report = json.loads(result.stdout)
    assert report["changes"] == [
        {"action": "create", "path": f"issues/{number}-a-paper.yml", "old_path": None, "issue": number}
    ]
    assert report["conflicts"] == []


# ----------------------------------------------------------------------------- push


def test_push_opens_one_issue_per_new_entry_and_a_rerun_opens_none(
    stub: GitHubStub, papers: StubRepo, example_repo: Path, cli: Callable[..., Result]
) -> None:
    config = (example_repo / "ghdigest.yml").read_text(encoding="utf-8")
    (example_repo / "ghdigest.yml").write_text(config.replace("AkiraTOSEI/ML_papers", "octo/papers"), encoding="utf-8")
    entries = sorted((example_repo / "issues").glob("*.yml"))
    before = {p.name: parse_document(p.read_text(encoding="utf-8"), p.name).data for p in entries}

    def run(*args: str) -> Result:
        return cli("sync", str(example_repo), "--api-url", stub.base_url, *args, env={"GITHUB_TOKEN": TOKEN})

    result = run("--push")

    assert result.exit_code == 0, result.stderr
    assert len(papers.issues) == len(entries)
    for path in entries:
        data = parse_document(path.read_text(encoding="utf-8"), path.name).data
        number = data.pop("issue")["number"]
        assert data == before[path.name], "pushing must not change the entry"
        assert f"<!-- ghdigest:entry={path.stem} -->" in papers.issues[number]["body"]
    assert run("--push").exit_code == 0
    assert len(papers.issues) == len(entries)
    files = {p.name: p.read_text(encoding="utf-8") for p in entries}
    assert run().exit_code == 0
    assert {p.name: p.read_text(encoding="utf-8") for p in entries} == files
    assert cli("validate", str(example_repo)).exit_code == 0


def test_push_does_not_duplicate_when_the_create_fails_after_it_happened(
    stub: GitHubStub, papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    write_files(root, {"issues/new-paper.yml": "kind: paper\nstatus: inbox\nheadline: A new paper\n"})
    stub.inject(Fault(status=502, method="POST", after=True))

    result = run_sync("--push")

    assert result.exit_code == 0, result.stderr
    assert len(papers.issues) == 1
    number = next(iter(papers.issues))
    assert data_of(root, "new-paper.yml")["issue"]["number"] == number


def test_push_writes_a_local_edit_back_to_its_issue(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    number = papers.add_issue("A paper", paper_body(1), labels=["kind:paper", "wontfix"])
    (root / "ghdigest.yml").write_text(CONFIG + "sync:\n  ignore_labels: [wontfix]\n", encoding="utf-8")
    assert run_sync().exit_code == 0
    path = root / "issues" / f"{number}-a-paper.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("A method that", "A sharper method that"), "utf-8")

    result = run_sync("--push")

    assert result.exit_code == 0, result.stderr
    issue = papers.issues[number]
    assert "A sharper method that" in issue["body"]
    assert "wontfix" in {label["name"] for label in issue["labels"]}, "control labels survive a push"
    assert data_of(root, path.name)["issue"]["updated_at"] == issue["updated_at"]
    assert run_sync().exit_code == 0
    assert "A sharper method that" in data_of(root, path.name)["summary"]


def test_push_opens_issues_that_mention_no_one_and_reads_them_back_as_written(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    entry = (
        "kind: paper\nstatus: inbox\nheadline: Found by @alice\n"
        "summary: |-\n  Thanks to @alice and @org/ml-team; see https://medium.com/@author/post,\n"
        "  mail a.b@example.org, and `@code`. A literal @\u200bzwsp stays.\n"
        "notes:\n  '@bob': Asked by @carol.\n"
    )
    write_files(root, {"issues/mentions.yml": entry})

    result = run_sync("--push")

    assert result.exit_code == 0, result.stderr
    (issue,) = papers.issues.values()
    assert live_mentions(issue["body"]) == [], issue["body"]
    assert "https://medium.com/@author/post" in issue["body"], "a link keeps working"
    before = (root / "issues" / "mentions.yml").read_text(encoding="utf-8")
    assert run_sync().exit_code == 0
    assert (root / "issues" / "mentions.yml").read_text(encoding="utf-8") == before, "reading back changes nothing"
    data = data_of(root, "mentions.yml")
    assert "Thanks to @alice and @org/ml-team" in data["summary"]
    assert "A literal @\u200bzwsp stays." in data["summary"]
    assert data["notes"] == {"@bob": "Asked by @carol."}


def test_push_needs_a_token(papers: StubRepo, root: Path, cli: Callable[..., Result], stub: GitHubStub) -> None:
    result = cli("sync", str(root), "--api-url", stub.base_url, "--push", env={"GITHUB_TOKEN": "", "GH_TOKEN": ""})
    assert result.exit_code == 2
    assert "GITHUB_TOKEN" in result.stderr


# ----------------------------------------------------------------------------- failures


def test_unknown_repository_and_bad_token_exit_2_without_leaking_the_token(
    stub: GitHubStub, root: Path, cli: Callable[..., Result]
) -> None:
    missing = cli("sync", str(root), "--api-url", stub.base_url, "--repo", "octo/none", env={"GITHUB_TOKEN": TOKEN})
    assert missing.exit_code == 2
    assert "octo/none not found" in missing.stderr

    stub.add_repo("octo", "papers")
    wrong = TOKEN[:-3] + "BAD"
    refused = cli("sync", str(root), "--api-url", stub.base_url, env={"GITHUB_TOKEN": wrong})
    assert refused.exit_code == 2
    assert "refused the token" in refused.stderr
    for result in (missing, refused):
        assert TOKEN not in result.output + result.stderr
        assert wrong not in result.output + result.stderr
    for path in root.rglob("*"):
        if path.is_file():
            assert wrong not in path.read_text(encoding="utf-8", errors="replace")


def test_no_repository_is_a_usage_error(tmp_path: Path, cli: Callable[..., Result]) -> None:
    root = write_files(tmp_path / "r", {"ghdigest.yml": "title: T\n"})
    result = cli("sync", str(root))
    assert result.exit_code == 2
    assert "--repo" in result.stderr


@pytest.mark.parametrize(
    "fault",
    [
        Fault(status=502),
        Fault(status=500),
        Fault(status=503),
        Fault(status=403, retry_after=1),
        Fault(status=429, retry_after=1),
        Fault(kind="drop"),
        Fault(kind="truncated"),
    ],
    ids=["502", "500", "503", "403-secondary", "429", "dropped", "truncated"],
)
def test_a_transient_fault_is_retried_and_changes_nothing(
    stub: GitHubStub, papers: StubRepo, root: Path, tmp_path: Path, fault: Fault
) -> None:
    for n in range(1, 131):
        papers.add_issue(f"Paper {n}", paper_body(n))
    clean = write_files(tmp_path / "clean", {"ghdigest.yml": CONFIG, "issues/.keep": ""})
    _library_sync(stub, clean)

    stub.inject(dataclasses.replace(fault, method="GET", nth=2))
    _library_sync(stub, root)

    assert entry_files(root) == entry_files(clean)


def _library_sync(stub: GitHubStub, root: Path, **options: Any) -> None:
    client = RestClient("octo/papers", stub.base_url, TOKEN, timeout=5)
    try:
        sync(load_config(root), client, **options)
    finally:
        client.close()


def test_api_base_and_token_come_from_the_environment(
    stub: GitHubStub, papers: StubRepo, root: Path, cli: Callable[..., Result]
) -> None:
    number = papers.add_issue("A paper", paper_body(1))
    result = cli("sync", str(root), env={"GITHUB_API_URL": stub.base_url, "GITHUB_TOKEN": "", "GH_TOKEN": TOKEN})
    assert result.exit_code == 0, result.stderr
    assert list(entry_files(root)) == [f"{number}-a-paper.yml"]
    assert stub.requests[0].headers["authorization"].endswith(TOKEN)


def test_an_exhausted_rate_limit_is_waited_out_until_its_reset(stub: GitHubStub, papers: StubRepo, root: Path) -> None:
    number = papers.add_issue("A paper", paper_body(1))
    stub.rate_limit_reset_seconds = 1
    stub.rate_limit_remaining = 0

    _library_sync(stub, root)

    assert stub.requests[0].status == 403
    assert stub.requests[-1].status == 200
    assert list(entry_files(root)) == [f"{number}-a-paper.yml"]


def test_a_rate_limit_too_far_away_is_a_clear_error(stub: GitHubStub, papers: StubRepo, root: Path) -> None:
    papers.add_issue("A paper", paper_body(1))
    stub.rate_limit_reset_seconds = 3600
    stub.rate_limit_remaining = 0
    client = RestClient("octo/papers", stub.base_url, TOKEN, max_rate_limit_wait=5)
    with pytest.raises(GitHubError, match="rate limit") as raised:
        sync(load_config(root), client)
    client.close()
    assert entry_files(root) == {}
    assert str(raised.value).endswith("; wait for it to reset"), "a token is in use: no advice to set one"


def test_an_issue_read_into_an_invalid_entry_is_kept_whole_as_inbox(
    monkeypatch: pytest.MonkeyPatch, stub: GitHubStub, papers: StubRepo, root: Path
) -> None:
    import ghdigest.sync
    from ghdigest.intake import Intake

    # Stands in for a reading bug: the sync must still write a valid file and lose no text.
    monkeypatch.setattr(ghdigest.sync, "parse_issue", lambda *a, **k: Intake({"kind": "nope"}, None, ()))
    number = papers.add_issue("A paper", paper_body(1))
    _library_sync(stub, root)
    data = data_of(root, f"{number}.yml")
    assert data["status"] == "inbox"
    assert data["notes"]["Text"] == paper_body(1)


def test_credentials_written_into_the_api_url_are_never_shown(root: Path) -> None:
    # Nothing listens on port 9 of loopback: the request fails and the message names the API.
    client = RestClient("octo/papers", f"http://user:{TOKEN}@127.0.0.1:9", TOKEN, retries=0)
    with pytest.raises(GitHubError) as caught:
        sync(load_config(root), client)
    client.close()
    assert "cannot reach GitHub at http://127.0.0.1:9" in str(caught.value)
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize("api_url", ["ftp://127.0.0.1:9/", "http://127.0.0.1:port", "127.0.0.1:9", "http:///x"])
def test_an_unusable_api_address_is_a_usage_error_that_names_the_setting(
    root: Path, cli: Callable[..., Result], api_url: str
) -> None:
    by_option = cli("sync", str(root), "--repo", "octo/papers", "--api-url", api_url, env={"GITHUB_TOKEN": TOKEN})
    by_environment = cli(
        "sync", str(root), "--repo", "octo/papers", env={"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": api_url}
    )
    assert (by_option.exit_code, by_environment.exit_code) == (2, 2)
    assert "--api-url must be an http or https address with a host" in by_option.stderr
    assert "GITHUB_API_URL must be an http or https address with a host" in by_environment.stderr
    assert "unexpected" not in by_option.stderr + by_environment.stderr
