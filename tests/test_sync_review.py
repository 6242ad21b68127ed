"""Review of ``ghdigest sync``: each test shows one way a promise of the sync issue is broken.

Same stand-in and fixtures as ``tests/test_sync.py`` (real HTTP on 127.0.0.1, PyGithub unmodified).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import Result

from ghdigest.config import load_config
from ghdigest.github import GitHubError, ListPage, RestClient
from ghdigest.sync import STATE_FILE, sync
from ghdigest.yamlio import parse_document
from tests.conftest import CONFIG, TOKEN, write_files
from tests.github_stub import Fault, GitHubStub, StubRepo
from tests.test_sync import data_of, entry_files, paper_body


def _client(stub: GitHubStub) -> RestClient:
    return RestClient("octo/papers", stub.base_url, TOKEN, timeout=5, retries=2)


def _library_sync(stub: GitHubStub, root: Path, **options: Any) -> Any:
    client = _client(stub)
    try:
        return sync(load_config(root), client, **options)
    finally:
        client.close()


def _configure(root: Path, sync_block: str) -> None:
    (root / "ghdigest.yml").write_text(CONFIG + "sync:\n" + sync_block, encoding="utf-8")


# ----------------------------------------------------------------------------- vanished issues


def test_deleting_the_oldest_issue_is_detected_by_an_incremental_sync(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    """The whole listing fits on one page, so sync saw every issue; the deleted one must be handled."""
    oldest = papers.add_issue("Oldest paper", paper_body(1))
    papers.add_issue("Second paper", paper_body(2))
    papers.add_issue("Third paper", paper_body(3))
    assert run_sync().exit_code == 0
    papers.delete_issue(oldest)

    result = run_sync()

    assert result.exit_code == 0, result.stderr
    assert "deleted" in result.stderr, "the deletion went unnoticed"
    assert data_of(root, f"{oldest}-oldest-paper.yml").get("status") == "skip"


class _ShiftingApi:
    """Delegates to a RestClient; edits one issue just before page 2 is read (a page shift mid-sync)."""

    def __init__(self, client: RestClient, on_second_page: Callable[[], object]) -> None:
        self.client = client
        self.repo = client.repo
        self.on_second_page = on_second_page
        self.shifted = False

    def list_page(self, path_or_url: str, params: Mapping[str, str], etag: str | None = None) -> ListPage:
        if "://" in path_or_url and "/issues?" in path_or_url and not self.shifted:
            self.shifted = True
            self.on_second_page()
        return self.client.list_page(path_or_url, params, etag)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def test_an_issue_missed_by_a_page_shift_is_not_treated_as_vanished(
    stub: GitHubStub, papers: StubRepo, root: Path
) -> None:
    numbers = [papers.add_issue(f"Paper {n}", paper_body(n)) for n in range(1, 151)]
    _library_sync(stub, root)
    victim = numbers[10]  # old: on page 2 of the newest-updated-first listing

    client = _client(stub)
    api = _ShiftingApi(client, lambda: papers.edit_issue(victim, body=paper_body(11, summary="Edited meanwhile.")))
    try:
        report = sync(load_config(root), api, full=True)
    finally:
        client.close()

    assert api.shifted
    assert not any(c.number == victim and c.action in ("skip", "delete") for c in report.changes), report.notices
    assert data_of(root, f"{victim}-paper-11.yml").get("status", "selected") != "skip"


def test_an_issue_that_comes_back_into_the_filter_is_not_a_conflict(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    """Sync itself wrote 'status: skip' when the label went; nobody edited the file here."""
    _configure(root, "  labels: [digest]\n")
    papers.add_issue("Older paper", paper_body(1), labels=["digest"])
    number = papers.add_issue("A paper", paper_body(2), labels=["digest"])
    assert run_sync().exit_code == 0
    papers.edit_issue(number, labels=[])  # label removed by mistake...
    assert run_sync().exit_code == 0
    assert data_of(root, f"{number}-a-paper.yml")["status"] == "skip"
    papers.edit_issue(number, labels=["digest"])  # ...and put back

    result = run_sync()

    assert result.exit_code == 0, result.stderr
    assert data_of(root, f"{number}-a-paper.yml").get("status", "selected") == "selected"


# ----------------------------------------------------------------------------- comments


def test_earlier_comments_of_an_issue_entering_the_filter_are_mirrored(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    _configure(root, "  labels: [digest]\n  comments: true\n")
    papers.add_issue("In the digest", paper_body(1), labels=["digest"])
    later = papers.add_issue("Not yet", paper_body(2))
    papers.add_comment(later, "Code: https://github.com/example/code", user="bob")
    assert run_sync().exit_code == 0
    papers.edit_issue(later, labels=["digest"])

    result = run_sync()

    assert result.exit_code == 0, result.stderr
    comments = data_of(root, f"{later}-not-yet.yml")["issue"].get("comments", [])
    assert [c["body"] for c in comments] == ["Code: https://github.com/example/code"]


def test_a_deleted_comment_leaves_the_mirror(papers: StubRepo, root: Path, run_sync: Callable[..., Result]) -> None:
    _configure(root, "  comments: true\n")
    number = papers.add_issue("A paper", paper_body(1))
    papers.add_comment(number, "Nice paper", user="bob")
    spam = papers.add_comment(number, "Buy cheap watches", user="spammer")
    assert run_sync().exit_code == 0
    papers.delete_comment(spam)

    result = run_sync()

    assert result.exit_code == 0, result.stderr
    bodies = [c["body"] for c in data_of(root, f"{number}-a-paper.yml")["issue"]["comments"]]
    assert bodies == ["Nice paper"]


# ----------------------------------------------------------------------------- interruptions


def test_a_rename_interrupted_before_the_old_name_was_removed_converges(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    number = papers.add_issue("Old title", paper_body(1))
    assert run_sync().exit_code == 0
    old = root / "issues" / f"{number}-old-title.yml"
    old_text = old.read_text(encoding="utf-8")
    state = root / "issues" / STATE_FILE
    old_state = state.read_text(encoding="utf-8")
    papers.edit_issue(number, title="New title")
    assert run_sync().exit_code == 0
    # kill -9 inside _apply after the new file was written, before the old one was unlinked and the
    # state written: both names on disk, the state of the run before.
    old.write_text(old_text, encoding="utf-8")
    state.write_text(old_state, encoding="utf-8")

    result = run_sync()

    assert result.exit_code == 0, result.stderr
    assert list(entry_files(root)) == [f"{number}-new-title.yml"]


def test_a_push_cut_off_after_its_first_edit_converges(
    stub: GitHubStub, papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    first = papers.add_issue("First paper", paper_body(1))
    second = papers.add_issue("Second paper", paper_body(2))
    assert run_sync().exit_code == 0
    for number, name in ((first, "first-paper"), (second, "second-paper")):
        path = root / "issues" / f"{number}-{name}.yml"
        path.write_text(path.read_text(encoding="utf-8").replace("A method that", "A sharper method that"), "utf-8")
    # The first PATCH succeeds; the second fails for good (the network goes away, a 422, ...).
    stub.inject(Fault(status=422, method="PATCH", nth=2))
    assert run_sync("--push").exit_code == 2
    assert "A sharper method that" in papers.issues[first]["body"]

    result = run_sync("--push")

    assert result.exit_code == 0, result.stderr
    assert "A sharper method that" in papers.issues[second]["body"]


def test_copying_the_local_change_into_the_issue_resolves_the_conflict(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    """What the conflict message advises ('to keep yours, copy your change into the issue')."""
    number = papers.add_issue("A paper", paper_body(1))
    assert run_sync().exit_code == 0
    path = root / "issues" / f"{number}-a-paper.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("A method that", "The curator's method that"), "utf-8")
    papers.edit_issue(number, title="A paper, retitled")
    assert run_sync().exit_code == 1
    papers.edit_issue(
        number,
        title="A paper",
        body=paper_body(1, summary="The curator's method that improves the baseline on task 1."),
    )

    result = run_sync()

    assert result.exit_code == 0, result.stderr


# ----------------------------------------------------------------------------- files on disk


def test_a_crlf_checkout_is_not_a_local_edit(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result], tmp_path: Path
) -> None:
    """git on Windows (core.autocrlf=true) checks the committed files out with CRLF line ends."""
    number = papers.add_issue("A paper", paper_body(1))
    assert run_sync().exit_code == 0
    clone = tmp_path / "windows-clone"
    shutil.copytree(root, clone)
    for path in (clone / "issues").glob("*.yml"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    papers.edit_issue(number, body=paper_body(1, summary="The author's new summary."))

    result = run_sync(folder=clone)

    assert result.exit_code == 0, result.stderr
    assert data_of(clone, f"{number}-a-paper.yml")["summary"] == "The author's new summary."


def test_an_unedited_crlf_checkout_pushes_nothing(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    number = papers.add_issue("A paper", paper_body(1))
    assert run_sync().exit_code == 0
    for path in (root / "issues").glob("*.yml"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    before = papers.issues[number]["updated_at"]

    result = run_sync("--push")

    assert result.exit_code == 0, result.stderr
    assert "edit #" not in result.stdout
    assert papers.issues[number]["updated_at"] == before


def test_a_first_sync_without_an_issues_folder_creates_it(
    stub: GitHubStub, papers: StubRepo, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    number = papers.add_issue("A paper", paper_body(1))
    fresh = write_files(tmp_path / "fresh", {"ghdigest.yml": CONFIG})

    result = cli("sync", str(fresh), "--api-url", stub.base_url, env={"GITHUB_TOKEN": TOKEN})

    assert result.exit_code == 0, result.stderr
    assert (fresh / "issues" / f"{number}-a-paper.yml").is_file()


def test_a_state_file_cannot_make_sync_write_outside_the_content_folder(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    """The state file is committed content (a pull request can change it): its paths are not to be trusted."""
    number = papers.add_issue("A paper", paper_body(1))
    assert run_sync().exit_code == 0
    readme = root / "README.md"
    readme.write_text("# My digest\n", encoding="utf-8")
    state_path = root / "issues" / STATE_FILE
    state = json.loads(state_path.read_text(encoding="utf-8"))
    (root / "issues" / f"{number}-a-paper.yml").unlink()
    digest = hashlib.sha256(b"# My digest\n").hexdigest()[:32]
    state["issues"][str(number)] = ["README.md", "2000-01-01T00:00:00Z", digest]
    state_path.write_text(json.dumps(state), encoding="utf-8")  # a pull request changed it
    papers.edit_issue(number, body=paper_body(1, summary="Changed."))

    run_sync()

    assert readme.read_text(encoding="utf-8") == "# My digest\n"


# ----------------------------------------------------------------------------- push and the label filter


NEW_ENTRY = "kind: paper\nstatus: inbox\nheadline: A new paper\n"


def test_an_issue_opened_by_push_carries_the_label_filter_and_stays_mirrored(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    _configure(root, "  labels: [digest]\n")
    write_files(root, {"issues/new-paper.yml": NEW_ENTRY})
    assert run_sync("--push").exit_code == 0
    number = next(iter(papers.issues))
    assert "digest" in {label["name"] for label in papers.issues[number]["labels"]}

    result = run_sync("--full")

    assert result.exit_code == 0, result.stderr
    assert data_of(root, "new-paper.yml")["status"] == "inbox", result.stderr


def test_a_create_retried_under_a_label_filter_opens_one_issue(
    stub: GitHubStub, papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    _configure(root, "  labels: [digest]\n")
    write_files(root, {"issues/new-paper.yml": NEW_ENTRY})
    stub.inject(Fault(status=502, method="POST", after=True))

    run_sync("--push")

    assert len(papers.issues) == 1


def test_pushing_an_edit_keeps_the_label_the_filter_selects_by(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    _configure(root, "  labels: [digest]\n  topic_prefix: 'topic:'\n")
    number = papers.add_issue("A paper", paper_body(1), labels=["digest", "kind:paper"])
    assert run_sync().exit_code == 0
    path = root / "issues" / f"{number}-a-paper.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("A method that", "A sharper method that"), "utf-8")

    assert run_sync("--push").exit_code == 0

    assert "digest" in {label["name"] for label in papers.issues[number]["labels"]}


def test_issue_forms_apply_the_label_the_sync_filter_selects_by(
    cli: Callable[..., Result], make_repo: Callable[..., Path]
) -> None:
    """An issue opened through the generated forms must be one that sync then mirrors."""
    repo = make_repo(config="title: T\nsync:\n  labels: [digest]\n")
    assert cli("forms", str(repo)).exit_code == 0
    form = repo / ".github" / "ISSUE_TEMPLATE" / "paper.yml"
    labels = parse_document(form.read_text(encoding="utf-8"), "paper.yml").data["labels"]
    assert "digest" in labels


# ----------------------------------------------------------------------------- rate limits


def test_a_secondary_rate_limit_on_create_is_waited_out(
    stub: GitHubStub, papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    write_files(root, {"issues/new-paper.yml": NEW_ENTRY})
    stub.inject(Fault(status=403, retry_after=1, method="POST"))

    started = time.monotonic()
    result = run_sync("--push")
    elapsed = time.monotonic() - started

    assert result.exit_code == 0, result.stderr
    assert len(papers.issues) == 1
    posts = [r for r in stub.requests if r.method == "POST"]
    assert len(posts) == 2
    assert elapsed >= 1.0, "GitHub asked for a 1 s pause (Retry-After) before the next create"


# ----------------------------------------------------------------------------- redirects (renamed repository)


@pytest.fixture
def renamed_repo_server() -> Iterator[tuple[str, list[str]]]:
    """A server where octo/old-name was renamed: its URLs answer 301 to /repositories/42/..., query kept."""
    seen: list[str] = []
    port: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            seen.append(self.path)
            split = urlsplit(self.path)
            if split.path.startswith("/repos/octo/old-name/"):
                rest = split.path.removeprefix("/repos/octo/old-name")
                location = f"http://127.0.0.1:{port[0]}/repositories/42{rest}"
                if split.query:
                    location += f"?{split.query}"
                self.send_response(301)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            query = parse_qs(split.query)
            state = query.get("state", ["open"])[0]
            home = f"http://127.0.0.1:{port[0]}/repos/octo/new-name"
            issues = [{"number": 2, "state": "open", "repository_url": home, "updated_at": "2020-09-13T00:00:02Z"}]
            if state in ("all", "closed"):
                issues.append(
                    {"number": 1, "state": "closed", "repository_url": home, "updated_at": "2020-09-13T00:00:01Z"}
                )
            if state == "closed":
                issues = issues[1:]
            payload = json.dumps(issues).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port.append(server.server_port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port[0]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_list_request_redirected_by_a_repository_rename_keeps_its_parameters(
    renamed_repo_server: tuple[str, list[str]],
) -> None:
    base, seen = renamed_repo_server
    client = RestClient("octo/old-name", base, TOKEN, timeout=5, retries=0)
    try:
        try:
            page = client.list_page("/issues", {"state": "all", "sort": "updated", "direction": "desc"})
        except GitHubError:
            return  # refusing the redirect outright is an acceptable answer too
    finally:
        client.close()
    assert sorted(issue["number"] for issue in page.items) == [1, 2], f"requests made: {seen}"


def test_old_comments_of_an_unchanged_issue_do_not_make_its_local_edit_a_conflict(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    """A single-page repository: every sync lists every issue and every comment again."""
    _configure(root, "  comments: true\n")
    number = papers.add_issue("A paper", paper_body(1))
    papers.add_comment(number, "Code: https://github.com/example/code", user="bob")
    other = papers.add_issue("Another paper", paper_body(2))
    assert run_sync().exit_code == 0
    path = root / "issues" / f"{number}-a-paper.yml"
    edited = path.read_text(encoding="utf-8").replace("A method that", "A sharper method that")
    path.write_text(edited, encoding="utf-8")
    papers.add_comment(other, "A comment on another issue", user="carol")  # a change elsewhere

    result = run_sync("--push")

    assert result.exit_code == 0, result.stderr
    assert "A sharper method that" in papers.issues[number]["body"]


def test_an_entry_file_name_that_is_no_marker_does_not_stop_the_sync(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    number = papers.add_issue("A paper", paper_body(1))
    write_files(root, {"issues/My paper (draft).yml": NEW_ENTRY})

    result = run_sync("--push")

    assert result.exit_code != 2, result.stderr
    assert (root / "issues" / f"{number}-a-paper.yml").is_file()


def test_a_repository_named_in_another_case_still_takes_pushed_edits(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    """GitHub names are case-insensitive; its answers spell the repository its own way."""
    number = papers.add_issue("A paper", paper_body(1))
    assert run_sync("--repo", "Octo/Papers").exit_code == 0
    path = root / "issues" / f"{number}-a-paper.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("A method that", "A sharper method that"), "utf-8")

    result = run_sync("--repo", "Octo/Papers", "--push")

    assert result.exit_code == 0, result.stderr
    assert "A sharper method that" in papers.issues[number]["body"], result.stderr


def test_a_local_edit_saved_in_a_legacy_encoding_is_not_overwritten(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    """An editor on Windows saved the file as cp1252: sync cannot read it, so it must not replace it."""
    number = papers.add_issue("A paper", paper_body(1))
    assert run_sync().exit_code == 0
    path = root / "issues" / f"{number}-a-paper.yml"
    edited = path.read_text(encoding="utf-8").replace("A method that", "A café-grade method that")
    path.write_bytes(edited.encode("cp1252"))
    papers.edit_issue(number, body=paper_body(1, summary="The author's new summary."))

    run_sync()

    assert path.read_bytes() == edited.encode("cp1252")


def test_a_pushed_entry_reads_back_the_same_when_new_issues_wait_in_the_inbox(
    papers: StubRepo, root: Path, run_sync: Callable[..., Result]
) -> None:
    """sync.ready_status: inbox says what to make of issues people open, not of entries pushed from here."""
    _configure(root, "  ready_status: inbox\n")
    entry = (
        "kind: paper\n"
        "headline: A ready paper\n"
        "url: https://arxiv.org/abs/2009.00042\n"
        "summary: A method that improves the baseline.\n"
    )
    write_files(root, {"issues/ready-paper.yml": entry})
    assert run_sync("--push").exit_code == 0
    number = next(iter(papers.issues))
    papers.add_issue("Something else", paper_body(3))  # so that the next sync lists issues again

    result = run_sync()

    assert result.exit_code == 0, result.stderr
    data = data_of(root, "ready-paper.yml")
    assert data["issue"]["number"] == number
    assert data.get("status", "selected") == "selected", "the entry left the digest"
