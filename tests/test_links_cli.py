"""``ghdigest check-links``: formats, exit codes, workflow annotations, job summary, --changed-since."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from .conftest import write_files
from .link_server import LinkServer, link_server_fixture  # noqa: F401 - a fixture

Cli = Callable[..., Result]
FAST = ("--host-spacing", "0", "--timeout", "5")


def _doc(tmp_path: Path, lines: list[str], name: str = "links.md") -> Path:
    doc = tmp_path / name
    doc.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return doc


def test_json_report_of_a_markdown_file(cli: Cli, tmp_path: Path, link_server: LinkServer) -> None:
    ok, gone, wall = link_server.url("/ok/a"), link_server.url("/status/404/b"), link_server.url("/chain/1")
    _doc(tmp_path, ["# Links", "", f"[ok]({ok})", f"[gone]({gone}) and <{wall}>", f"again <{ok}>"])
    result = cli("check-links", "links.md", "--format", "json", "--no-cache", *FAST, cwd=tmp_path)
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    assert {key: report["summary"][key] for key in ("ok", "broken", "unknown")} == {"ok": 2, "broken": 1, "unknown": 0}
    links = {link["url"]: link for link in report["links"]}
    assert set(links) == {ok, gone, wall}
    assert {key: links[ok][key] for key in ("final_url", "verdict", "status", "locations")} == {
        "final_url": ok,
        "verdict": "ok",
        "status": 200,
        "locations": [{"path": "links.md", "line": 3}, {"path": "links.md", "line": 5}],
    }
    assert {key: links[gone][key] for key in ("verdict", "status", "locations")} == {
        "verdict": "broken",
        "status": 404,
        "locations": [{"path": "links.md", "line": 4}],
    }
    assert "404" in links[gone]["reason"]
    assert links[wall]["final_url"] == link_server.url("/chain/0")
    assert links[wall]["redirects"] == [link_server.url("/chain/0")]


def test_exit_0_when_nothing_is_broken_and_strict_fails_on_unknown(
    cli: Cli, tmp_path: Path, link_server: LinkServer
) -> None:
    _doc(tmp_path, [f"<{link_server.url('/ok/a')}> <{link_server.url('/status/403/wall')}>"])
    relaxed = cli("check-links", "links.md", "--no-cache", *FAST, cwd=tmp_path)
    assert relaxed.exit_code == 0, relaxed.stderr
    assert "1 ok, 0 broken, 1 unknown" in relaxed.stderr
    strict = cli("check-links", "links.md", "--no-cache", "--strict", *FAST, cwd=tmp_path)
    assert strict.exit_code == 1, strict.stderr

    _doc(tmp_path, [f"<{link_server.url('/ok/a')}>"], name="clean.md")
    clean = cli("check-links", "clean.md", "--no-cache", "--strict", *FAST, cwd=tmp_path)
    assert clean.exit_code == 0, clean.stderr


def test_markdown_format_is_a_table_of_links_to_look_at(cli: Cli, tmp_path: Path, link_server: LinkServer) -> None:
    gone, wall = link_server.url("/status/410/old"), link_server.url("/status/403/wall")
    _doc(tmp_path, [f"<{link_server.url('/ok/a')}>", f"<{gone}>", f"<{wall}>"])
    result = cli("check-links", "links.md", "--no-cache", "--format", "markdown", *FAST, cwd=tmp_path)
    assert result.exit_code == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "## Link check"
    assert "| | Link | Where | Why |" in lines
    rows = [line for line in lines if line.startswith("| ❌") or line.startswith("| ❔")]
    assert len(rows) == 2
    assert rows[0].startswith(f"| ❌ broken | {gone} | links.md:2 |")
    assert rows[1].startswith(f"| ❔ unknown | {wall} | links.md:3 |")


def test_in_github_actions_broken_links_are_annotated_on_their_lines(
    cli: Cli, tmp_path: Path, link_server: LinkServer
) -> None:
    gone = link_server.url("/status/404/gone")
    _doc(tmp_path, [f"<{link_server.url('/status/503/down')}>", "", f"see <{gone}>"])
    result = cli("check-links", "links.md", "--no-cache", *FAST, cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1, result.stderr
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == 1
    assert annotations[0].startswith("::error file=links.md,line=3,")
    assert gone in annotations[0]

    plain = cli("check-links", "links.md", "--no-cache", *FAST, cwd=tmp_path)
    assert not [line for line in plain.stdout.splitlines() if line.startswith("::")]


def test_summary_file_gets_the_markdown_report_appended(cli: Cli, tmp_path: Path, link_server: LinkServer) -> None:
    _doc(tmp_path, [f"<{link_server.url('/status/404/gone')}>"])
    summary = tmp_path / "step-summary.md"
    summary.write_text("# Earlier step\n\nIts output.\n", encoding="utf-8")
    result = cli("check-links", "links.md", "--no-cache", "--summary-file", str(summary), *FAST, cwd=tmp_path)
    assert result.exit_code == 1, result.stderr
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# Earlier step\n\nIts output.\n")
    appended = text.removeprefix("# Earlier step\n\nIts output.\n")
    assert appended.startswith("## Link check\n")
    assert f"| ❌ broken | {link_server.url('/status/404/gone')} | links.md:1 |" in appended


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def _entry(url: str, headline: str) -> str:
    return f"kind: article\nheadline: {headline}\nurl: {url}\nweek: 2020-W38\n"


@pytest.mark.parametrize("commit_second", [False, True])
def test_changed_since_checks_only_links_added_after_the_ref(
    cli: Cli, tmp_path: Path, link_server: LinkServer, commit_second: bool
) -> None:
    root = write_files(
        tmp_path / "digest",
        {"ghdigest.yml": "title: T\n", "issues/0001-old.yml": _entry(link_server.url("/ok/old"), "Old")},
    )
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "first")
    write_files(root, {"issues/0002-new.yml": _entry(link_server.url("/status/404/new"), "New")})
    if commit_second:
        _git(root, "add", ".")
        _git(root, "commit", "-q", "-m", "second")
        ref = "HEAD~1"
    else:
        ref = "main"

    result = cli("check-links", "--changed-since", ref, "--no-cache", "--format", "json", *FAST, cwd=root)
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    assert [link["url"] for link in report["links"]] == [link_server.url("/status/404/new")]
    assert report["links"][0]["locations"] == [{"path": "issues/0002-new.yml", "line": 3}]
    assert report["summary"]["unchanged"] == 1
    assert not any(path.startswith("/ok/old") for path in link_server.paths())


def test_changed_since_an_unknown_ref_cannot_run(cli: Cli, tmp_path: Path, link_server: LinkServer) -> None:
    root = write_files(tmp_path / "digest", {"ghdigest.yml": "title: T\n"})
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "first")
    result = cli("check-links", str(root), "--changed-since", "no-such-branch", "--no-cache", *FAST)
    assert result.exit_code == 2
    assert "--changed-since no-such-branch: no such commit here" in result.stderr


def test_min_streak_without_a_cache_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    _doc(tmp_path, ["no links"])
    result = cli("check-links", "links.md", "--min-streak", "2", "--no-cache", cwd=tmp_path)
    assert result.exit_code == 2
    assert "--min-streak" in result.stderr


def test_a_file_that_cannot_be_read_cannot_run(cli: Cli, tmp_path: Path) -> None:
    missing = cli("check-links", "missing.md", "--no-cache", cwd=tmp_path)
    assert missing.exit_code == 2
    assert "missing.md" in missing.stderr
    (tmp_path / "binary.md").write_bytes(b"\xff\xfe not text \x80\n")
    binary = cli("check-links", "binary.md", "--no-cache", cwd=tmp_path)
    assert binary.exit_code == 2
    assert "binary.md is not UTF-8 text" in binary.stderr


def test_help_explains_the_verdicts_and_exit_codes(cli: Cli) -> None:
    result = cli("check-links", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    for words in ("ok:", "broken:", "unknown:", "Exit codes: 0 nothing broken, 1 broken links", "2 could not run"):
        assert words in text


def test_public_only_by_option_or_setting_leaves_private_addresses_unasked(
    cli: Cli, tmp_path: Path, link_server: LinkServer
) -> None:
    _doc(tmp_path, [f"<{link_server.url('/ok/a')}>"])
    by_option = cli("check-links", "links.md", "--no-cache", "--public-only", *FAST, cwd=tmp_path)
    assert by_option.exit_code == 0, by_option.stderr
    assert "0 ok, 0 broken, 1 unknown" in by_option.stderr
    assert "127.0.0.1 is not a public address" in by_option.stdout + by_option.stderr
    write_files(tmp_path, {"ghdigest.yml": "title: T\nlinks:\n  public_only: true\n", "issues/.keep": ""})
    by_setting = cli("check-links", "links.md", "--no-cache", *FAST, cwd=tmp_path)
    assert "0 ok, 0 broken, 1 unknown" in by_setting.stderr
    overridden = cli("check-links", "links.md", "--no-cache", "--any-address", *FAST, cwd=tmp_path)
    assert "1 ok, 0 broken, 0 unknown" in overridden.stderr
    assert len(link_server.requests) == 1, "only the run that allowed any address asked"
