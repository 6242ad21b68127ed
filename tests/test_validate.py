"""``ghdigest validate``: every problem, located, in one run; exit codes; output formats."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.github_stub import GitHubStub

from .conftest import PROJECT_ROOT, TOKEN

CASES_DIR = Path(__file__).resolve().parent / "cases"
CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir())

Cli = Callable[..., Result]


def _copy_case(case: Path, tmp_path: Path) -> Path:
    root = tmp_path / case.name
    shutil.copytree(case, root, ignore=shutil.ignore_patterns("expected.txt"))
    return root


#: A located diagnostic: ``path:line:col: severity: message [code]``.
_LOCATED = re.compile(r"^[^:\n]+:\d+:\d+: (error|warning): .+ \[[a-z0-9-]+\]$")


def _diagnostics(result: Result) -> str:
    """What a run reported: its diagnostics on stdout, and any located ones on stderr (a broken ghdigest.yml's)."""
    located = [line for line in result.stderr.splitlines() if _LOCATED.match(line)]
    return result.stdout + "".join(f"{line}\n" for line in located)


def _expected_exit(expected: str) -> int:
    lines = expected.splitlines()
    if any(line.startswith("ghdigest.yml:") and ": error: " in line for line in lines):
        return 2  # ghdigest cannot run without its settings
    return 1 if any(": error: " in line for line in lines) else 0


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` but the build cache, with its bytes (links as where they point)."""
    found = {}
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if name.startswith(".ghdigest/") or name == ".ghdigest":
            continue
        if path.is_symlink():
            found[name] = b"-> " + os.fsencode(os.readlink(path))
        elif path.is_file():
            found[name] = path.read_bytes()
    return found


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_each_bad_input_gets_its_exact_located_diagnostics(
    case: Path, tmp_path: Path, cli: Cli, update_golden: bool
) -> None:
    root = _copy_case(case, tmp_path)
    result = cli("validate", cwd=root)
    expected_file = case / "expected.txt"
    if update_golden:
        expected_file.write_text(_diagnostics(result), encoding="utf-8")
    expected = expected_file.read_text(encoding="utf-8")
    assert _diagnostics(result) == expected
    assert all(_LOCATED.match(line) for line in expected.splitlines()), "every diagnostic is located"
    assert result.exit_code == _expected_exit(expected)
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_each_bad_input_stops_the_build_with_nothing_written(case: Path, tmp_path: Path, cli: Cli) -> None:
    """The same diagnostics, the same exit code; no output folder, and nothing in the repository changed."""
    root = _copy_case(case, tmp_path / "work")
    before = _tree(root)
    result = cli("build", cwd=root)
    expected = (case / "expected.txt").read_text(encoding="utf-8")
    failing = _expected_exit(expected) != 0
    assert result.exit_code == _expected_exit(expected)
    assert "Traceback" not in result.stderr
    reported = result.stderr if failing else ""
    for line in expected.splitlines() if failing else ():
        assert line in reported
    if failing:
        assert _tree(root) == before
        assert not (root / "dist").exists()
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == [root.name]  # nothing beside the repository


# What keeps an entry that validate faults from being pushed: harmful text once published, or a file
# name that cannot mark the issue as the entry's.
_NOT_PUSHED = ("[malformed-url]", "[bidi-control]", "[invalid-file-name]", "[reserved-file-name]")


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_each_bad_input_is_not_published_by_sync_and_sync_says_where_it_is_wrong(
    case: Path, tmp_path: Path, cli: Cli, stub: GitHubStub
) -> None:
    """sync --push: a broken ghdigest.yml stops it as validate does; an entry that does not read, or whose
    text would do harm once published, is not pushed, is left as it was, and is named with a located error."""
    repo = stub.add_repo("octo", "papers")
    root = _copy_case(case, tmp_path / "work")
    before = _tree(root)
    args = ("sync", str(root), "--repo", "octo/papers", "--api-url", stub.base_url, "--push")
    result = cli(*args, env={"GITHUB_TOKEN": TOKEN})
    expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert "Traceback" not in result.stderr
    assert "error: unexpected" not in result.stderr
    if _expected_exit("\n".join(expected)) == 2:
        assert result.exit_code == 2
        assert all(line in result.stderr for line in expected)
        assert _tree(root) == before
        assert repo.issues == {}
        return
    assert result.exit_code == 0, result.stderr
    bodies = [issue["body"] for issue in repo.issues.values()]
    after = _tree(root)
    faulted: dict[str, list[str]] = {}
    for line in expected:
        path = line.split(":", 1)[0]
        # An entry file not yet linked to an issue (not a week's file, not a template): what --push opens.
        if ": error: " in line and re.fullmatch(r"issues/[^/]+", path) and b"\nissue:" not in before[path]:
            faulted.setdefault(path, []).append(line)
    for path, lines in faulted.items():
        pushed = any(f"<!-- ghdigest:entry={Path(path).stem} -->" in body for body in bodies)
        if any(code in line for line in lines for code in _NOT_PUSHED):
            assert not pushed, f"{path} was published"
        if not pushed:
            assert any(line in result.stderr for line in lines), f"sync does not say why {path} is not pushed"
            assert after.get(path) == before.get(path)
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == [root.name]  # nothing beside the repository


def test_the_example_content_is_clean(cli: Cli, example_repo: Path) -> None:
    result = cli("validate", cwd=example_repo)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "14 content file(s): 0 errors, 0 warnings" in result.stderr


def test_warnings_pass_unless_strict(cli: Cli, tmp_path: Path) -> None:
    root = _copy_case(CASES_DIR / "inbox-warnings", tmp_path)
    assert cli("validate", cwd=root).exit_code == 0
    strict = cli("validate", "--strict", cwd=root)
    assert strict.exit_code == 1
    assert "[not-ready]" in strict.stdout


def test_root_argument_and_paths_relative_to_the_current_folder(cli: Cli, tmp_path: Path) -> None:
    root = _copy_case(CASES_DIR / "paper-without-link", tmp_path)
    result = cli("validate", "paper-without-link", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stdout.startswith("paper-without-link/issues/0001-nolink.yml:1:1: error: paper has no link")
    outside = cli("validate", str(root), cwd=PROJECT_ROOT / "src")
    assert outside.stdout.startswith(f"{root}/issues/0001-nolink.yml:1:1: error:")


def test_root_is_found_from_a_subfolder(cli: Cli, tmp_path: Path) -> None:
    root = _copy_case(CASES_DIR / "paper-without-link", tmp_path)
    result = cli("validate", cwd=root / "issues")
    assert result.exit_code == 1
    assert result.stdout.startswith("0001-nolink.yml:1:1: error:")


def test_json_format(cli: Cli, tmp_path: Path) -> None:
    root = _copy_case(CASES_DIR / "duplicate-paper", tmp_path)
    result = cli("validate", "--format", "json", cwd=root)
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["diagnostics"][0] == {
        "path": "issues/0002-gpt-f-again.yml",
        "line": 3,
        "column": 6,
        "severity": "error",
        "code": "duplicate-paper",
        "message": "the same paper (arxiv:2009.03393) is already in issues/0001-gpt-f.yml:4:6; keep one of the two",
    }
    assert [d["path"] for d in payload["diagnostics"]] == ["issues/0002-gpt-f-again.yml", "issues/0003-gpt-f-third.yml"]


def test_json_format_when_clean(cli: Cli, example_repo: Path) -> None:
    result = cli("validate", "--format", "json", cwd=example_repo)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"diagnostics": []}


def test_github_annotations_in_actions(cli: Cli, tmp_path: Path) -> None:
    root = _copy_case(CASES_DIR / "unknown-field", tmp_path)
    result = cli("validate", cwd=root, env={"GITHUB_ACTIONS": "true"})
    lines = result.stdout.splitlines()
    assert (
        "::error file=issues/0001-typo.yml,line=3,col=1,title=unknown-field::"
        "unknown field 'titel'; did you mean 'title'?" in lines
    )
    assert result.exit_code == 1


def test_annotation_escapes_newlines_and_percent(cli: Cli, tmp_path: Path) -> None:
    root = _copy_case(CASES_DIR / "yaml-duplicate-key", tmp_path)
    entry = root / "issues" / "0001-dup.yml"
    entry.write_text("kind: paper\nheadline: '100%'\nheadline: 'a'\n", encoding="utf-8")
    result = cli("validate", cwd=root, env={"GITHUB_ACTIONS": "true"})
    annotation = next(line for line in result.stdout.splitlines() if line.startswith("::error"))
    assert "100%25" in annotation
    assert "\n" not in annotation


def test_no_config_exits_2(cli: Cli, tmp_path: Path) -> None:
    result = cli("validate", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "no ghdigest.yml found" in result.stderr


def test_explicit_root_without_config_exits_2(cli: Cli, tmp_path: Path) -> None:
    result = cli("validate", str(tmp_path), cwd=tmp_path)
    assert result.exit_code == 2
    assert "ghdigest.yml does not exist" in result.stderr


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("language: en\n", "ghdigest.yml:1:1: error: missing required field 'title' [missing-field]"),
        (
            "title: T\nlanguage: fr\n",
            "ghdigest.yml:2:11: error: language: 'fr' is not allowed; expected one of: en, ja, zh [invalid-value]",
        ),
        ("title: T\ncolor: red\n", "ghdigest.yml:2:1: error: unknown field 'color'"),
        (
            "title: T\ndigest_title: '{title} {weak}'\n",
            "ghdigest.yml:2:15: error: digest_title uses unknown field(s) {weak}",
        ),
        ("title: T\ndigest_title: '{title'\n", "ghdigest.yml:2:15: error: digest_title is not a valid pattern"),
        (
            "title: T\noutput: ../elsewhere\n",
            "ghdigest.yml:2:9: error: output: '../elsewhere' must be a folder inside the repository",
        ),
        (
            "title: T\nsections:\n  - id: papers\n    kinds: [paper]\n",
            "ghdigest.yml:3:3: error: no section takes entries of kind 'article', 'use_case', 'other'",
        ),
        ("title: [unclosed\n", "ghdigest.yml:1:8: error: invalid YAML"),
        ("- title\n", "ghdigest.yml:1:1: error: ghdigest.yml must hold a mapping of settings [not-a-mapping]"),
    ],
)
def test_broken_config_exits_2_with_located_diagnostics(
    cli: Cli, make_repo: Callable[..., Path], config: str, expected: str
) -> None:
    root = make_repo(config=config)
    result = cli("validate", cwd=root)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_broken_config_in_json_format(cli: Cli, make_repo: Callable[..., Path]) -> None:
    root = make_repo(config="title: T\nweek_scheme: excel\n")
    result = cli("validate", "--format", "json", cwd=root)
    assert result.exit_code == 2
    [diagnostic] = json.loads(result.stdout)["diagnostics"]
    assert (diagnostic["path"], diagnostic["line"], diagnostic["column"]) == ("ghdigest.yml", 2, 14)


def test_unreadable_config_exits_2(cli: Cli, make_repo: Callable[..., Path]) -> None:
    root = make_repo()
    (root / "ghdigest.yml").write_bytes(b"title: \xff\n")
    result = cli("validate", cwd=root)
    assert result.exit_code == 2
    assert "ghdigest.yml:1:8: error: file is not valid UTF-8" in result.stderr


def test_symlink_out_of_the_repository_is_refused(cli: Cli, make_repo: Callable[..., Path], tmp_path: Path) -> None:
    secret = tmp_path / "secret.yml"
    secret.write_text("kind: paper\nheadline: not ours\n", encoding="utf-8")
    root = make_repo()
    (root / "issues").mkdir(exist_ok=True)
    (root / "issues" / "0001-link.yml").symlink_to(secret)
    result = cli("validate", cwd=root)
    assert result.exit_code == 1
    assert result.stdout == (
        "issues/0001-link.yml:1:1: error: file is a symbolic link to a place outside the repository [outside-root]\n"
    )


def test_a_file_over_the_size_limit_is_refused_and_one_at_the_limit_is_read(cli: Cli, example_repo: Path) -> None:
    head = "kind: paper\nheadline: Big\nurl: https://arxiv.org/abs/2101.00001\nweek: 2020-W38\nsummary: "
    at_limit = head + "x" * (1_000_000 - len(head) - 1) + "\n"
    assert len(at_limit.encode()) == 1_000_000
    (example_repo / "issues" / "big-at-limit.yml").write_text(at_limit, encoding="utf-8")
    over = example_repo / "issues" / "big-over-limit.yml"
    over.write_text(at_limit + "# one more line\n", encoding="utf-8")
    result = cli("validate", "--no-cache", cwd=example_repo)
    assert result.exit_code == 1
    assert "issues/big-over-limit.yml:1:1: error: file is larger than 1,000,000 bytes [file-too-large]" in result.stdout
    assert "big-at-limit" not in result.stdout
