"""``ghdigest init``: a new digest repository that validates and builds as it is, written once, never over yours."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from ghdigest import __version__
from ghdigest.scaffold import WORKFLOW_NAMES, requirement_from_install, scaffold_files, workflow_files
from ghdigest.yamlio import parse_document

from .conftest import PROJECT_ROOT
from .test_workflows import INSTALL, assert_secure_workflow

Cli = Callable[..., Result]

EXPECTED = {
    ".gitignore",
    "README.md",
    "ghdigest.yml",
    "issues/example-theorem-proving.yml",
    ".github/ISSUE_TEMPLATE/article.yml",
    ".github/ISSUE_TEMPLATE/config.yml",
    ".github/ISSUE_TEMPLATE/other.yml",
    ".github/ISSUE_TEMPLATE/paper.yml",
    ".github/ISSUE_TEMPLATE/use-case.yml",
    ".github/workflows/publish.yml",
    ".github/workflows/sync.yml",
    ".github/workflows/validate.yml",
}


def _tree(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``root`` (outside dist/) with its bytes and modification time."""
    return {
        path.relative_to(root).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file() and "dist" not in path.relative_to(root).parts
    }


def _schemas() -> set[str]:
    return {f"schemas/{path.name}" for path in (PROJECT_ROOT / "schemas").glob("*.schema.json")}


def test_a_new_repository_validates_and_builds_as_it_is(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "digest"
    result = cli("init", str(root), "--install", INSTALL)
    assert result.exit_code == 0, result.stderr
    assert set(_tree(root)) == EXPECTED | _schemas()
    assert sorted(result.stdout.splitlines()) == sorted(str(root / name) for name in EXPECTED | _schemas())
    assert f"{len(EXPECTED | _schemas())} file(s) created, 0 replaced, 0 unchanged, 0 kept" in result.stderr

    validate = cli("validate", "--strict", cwd=root)
    assert validate.exit_code == 0, validate.stdout + validate.stderr
    assert "0 errors, 0 warnings" in validate.stderr
    build = cli("build", cwd=root)
    assert build.exit_code == 0, build.stderr
    week = (root / "dist" / "2020-W38.md").read_text(encoding="utf-8")
    assert week.startswith("# My ML News #Week 38, 2020\n")
    assert "### Theorem proving with language modeling" in week
    assert cli("forms", "--check", cwd=root).exit_code == 0, "the forms are what `ghdigest forms` writes"


def test_what_init_writes_is_what_the_project_ships(cli: Cli, tmp_path: Path) -> None:
    assert cli("init", str(tmp_path), "--install", INSTALL).exit_code == 0
    for schema in _schemas():  # copies, byte for byte, for editors and other tools
        assert (tmp_path / schema).read_bytes() == (PROJECT_ROOT / schema).read_bytes()
    for name in WORKFLOW_NAMES:
        text = (tmp_path / ".github" / "workflows" / name).read_text(encoding="utf-8")
        assert text == workflow_files(INSTALL)[name]
        assert f'pip install --disable-pip-version-check "{INSTALL}"' in text
        assert_secure_workflow(name, text)
    gitignore = (tmp_path / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "/dist/" in gitignore
    assert ".ghdigest/" in gitignore
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert f'pip install "{INSTALL}"' in readme
    assert "python3 -m venv .venv" in readme
    assert "/.venv/" in gitignore, "the virtual environment the README makes is not committed"
    assert "pypi.org/project/ghdigest" not in readme, "never send a reader to the unrelated 'ghdigest' on PyPI"
    assert f"ghdigest {__version__}" in readme
    assert "@GHDIGEST" not in readme
    config = (tmp_path / "ghdigest.yml").read_text(encoding="utf-8")
    assert config.count("\n#") > 10, "the settings file explains itself"
    assert not list(tmp_path.rglob("*.tmp")), "no temporary file is left behind"


def test_a_second_run_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    assert cli("init", str(tmp_path)).exit_code == 0
    before = _tree(tmp_path)
    again = cli("init", str(tmp_path))
    assert again.exit_code == 0
    assert again.stdout == ""
    assert f"0 file(s) created, 0 replaced, {len(before)} unchanged, 0 kept" in again.stderr
    assert _tree(tmp_path) == before, "same bytes, same modification times: nothing was rewritten"


def test_a_second_run_without_install_keeps_the_workflows_requirement(cli: Cli, tmp_path: Path) -> None:
    # This test run's ghdigest is an editable install (no pinned source of its own): the second run
    # takes the requirement from the workflows the first one wrote, rather than calling the README
    # (which names it) a user's edit and saying that no workflows were written.
    assert cli("init", str(tmp_path), "--install", INSTALL).exit_code == 0
    before = _tree(tmp_path)
    again = cli("init", str(tmp_path))
    assert again.exit_code == 0, again.stderr
    assert f"0 file(s) created, 0 replaced, {len(before)} unchanged, 0 kept" in again.stderr
    assert "no workflows written" not in again.stderr
    assert _tree(tmp_path) == before
    forced = cli("init", str(tmp_path), "--force")
    assert forced.exit_code == 0
    assert _tree(tmp_path) == before, "--force has nothing to replace either"


def test_the_current_folder_is_the_default(cli: Cli, tmp_path: Path) -> None:
    result = cli("init", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "ghdigest.yml" in result.stdout.splitlines()
    assert (tmp_path / "ghdigest.yml").is_file()


def test_a_users_file_is_kept_without_force_and_replaced_with_it(cli: Cli, tmp_path: Path) -> None:
    mine = "# My own digest\n"
    config = "title: Mine\nsync:\n  kind_prefix: 'type/'\n"
    (tmp_path / "README.md").write_text(mine, encoding="utf-8")
    (tmp_path / "ghdigest.yml").write_text(config, encoding="utf-8")

    result = cli("init", str(tmp_path))
    assert result.exit_code == 0, "keeping a file is normal, not an error"
    assert "ghdigest: kept README.md: it differs from ghdigest's version (--force replaces it)" in result.stderr
    assert "ghdigest: kept ghdigest.yml" in result.stderr
    assert "2 kept" in result.stderr
    assert str(tmp_path / "README.md") not in result.stdout.splitlines()
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == mine
    assert (tmp_path / "ghdigest.yml").read_text(encoding="utf-8") == config
    # The forms follow the settings that are in place: the user's.
    paper = parse_document((tmp_path / ".github/ISSUE_TEMPLATE/paper.yml").read_text(encoding="utf-8"), "p").data
    assert paper["labels"] == ["type/paper"]
    assert cli("forms", "--check", cwd=tmp_path).exit_code == 0
    assert cli("validate", cwd=tmp_path).exit_code == 0
    assert cli("build", cwd=tmp_path).exit_code == 0
    kept_again = cli("init", str(tmp_path))
    assert kept_again.exit_code == 0
    assert kept_again.stdout == "", "kept files stay kept"

    forced = cli("init", str(tmp_path), "--force")
    assert forced.exit_code == 0, forced.stderr
    assert "6 replaced" in forced.stderr  # README.md, ghdigest.yml and the four forms that follow it
    scaffold = scaffold_files()
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == scaffold["README.md"]
    assert (tmp_path / "ghdigest.yml").read_text(encoding="utf-8") == scaffold["ghdigest.yml"]
    paper = parse_document((tmp_path / ".github/ISSUE_TEMPLATE/paper.yml").read_text(encoding="utf-8"), "p").data
    assert paper["labels"] == ["kind:paper"], "and the forms follow the new settings"
    forms = [f".github/ISSUE_TEMPLATE/{name}" for name in ("article.yml", "other.yml", "paper.yml", "use-case.yml")]
    # Shown relative to the current folder, which the commands above left at tmp_path.
    assert sorted(forced.stdout.splitlines()) == sorted(["README.md", "ghdigest.yml", *forms])


def test_no_example_entry_among_existing_entries(cli: Cli, tmp_path: Path) -> None:
    entry = "kind: other\nheadline: Mine\nsummary: Mine.\nweek: 2024-W02\n"
    (tmp_path / "issues").mkdir()
    (tmp_path / "issues" / "0001-mine.yml").write_text(entry, encoding="utf-8")
    result = cli("init", str(tmp_path))
    assert result.exit_code == 0
    assert "issues/ already holds entries: no example entry added" in result.stderr
    assert sorted(p.name for p in (tmp_path / "issues").iterdir()) == ["0001-mine.yml"]
    build = cli("build", cwd=tmp_path)
    assert build.exit_code == 0
    assert (tmp_path / "dist" / "2024-W02.md").is_file()


def test_init_inside_an_existing_git_repository(cli: Cli, tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "main.py").write_text("print('hello')\n", encoding="utf-8")
    root = tmp_path / "docs" / "digest"
    result = cli("init", str(root))
    assert result.exit_code == 0, result.stderr
    # Said because GitHub would never run workflows from there.
    assert f"inside the Git repository {tmp_path}" in result.stderr
    assert "working-directory: docs/digest" in result.stderr
    assert cli("validate", cwd=root).exit_code == 0
    assert cli("build", cwd=root).exit_code == 0
    assert (tmp_path / "main.py").read_text(encoding="utf-8") == "print('hello')\n", "nothing else touched"
    assert not (tmp_path / "ghdigest.yml").exists()

    at_top = cli("init", str(tmp_path))
    assert at_top.exit_code == 0
    assert "inside the Git repository" not in at_top.stderr


def test_something_in_the_way_stops_init_before_it_writes(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / ".github").write_text("not a folder\n", encoding="utf-8")
    result = cli("init", str(tmp_path))
    assert result.exit_code == 2
    assert ".github is in the way" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [".github"], "nothing was written"

    a_file = tmp_path / "file"
    a_file.write_text("x\n", encoding="utf-8")
    assert cli("init", str(a_file)).exit_code == 2


def test_help_and_readme_describe_init(cli: Cli) -> None:
    result = cli("init", "--help")
    assert result.exit_code == 0
    assert "--force" in result.stdout
    assert "[DIR]" in result.stdout
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "ghdigest init [DIR] [--force]" in readme
    assert "GHDIGEST_SYNC_MODE" in readme


# --- from an installed wheel, without the source tree ----------------------------------------


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding ghdigest as a non-editable wheel installs it (no dependencies: those are here)."""
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out)]
    subprocess.run([*command, str(PROJECT_ROOT)], check=True, capture_output=True, text=True)
    [wheel] = out.glob("ghdigest-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for name in ("ghdigest.yml", "README.md", "gitignore", "example-entry.yml"):
            assert f"ghdigest/scaffold/data/{name}" in names
        for name in WORKFLOW_NAMES:
            assert f"ghdigest/scaffold/data/workflows/{name}" in names
        site = out / "site"
        archive.extractall(site)
    return site


@pytest.mark.slow
def test_init_from_an_installed_wheel(installed: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(installed)}  # ahead of the editable install on sys.path
    env.pop("GITHUB_ACTIONS", None)

    def ghdigest(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ghdigest", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,
        )

    where = subprocess.run(
        [sys.executable, "-c", "import ghdigest.scaffold as s; print(s.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert where.stdout.startswith(str(installed)), where.stdout
    init = ghdigest("init", "digest", "--install", INSTALL)
    assert init.returncode == 0, init.stderr
    root = tmp_path / "digest"
    assert _tree(root).keys() == EXPECTED | _schemas()
    assert (root / ".github" / "workflows" / "sync.yml").read_text(encoding="utf-8") == workflow_files(INSTALL)[
        "sync.yml"
    ]
    assert ghdigest("validate", "digest").returncode == 0
    build = ghdigest("build", "digest")
    assert build.returncode == 0, build.stderr
    assert (root / "dist" / "2020-W38.md").is_file()


def test_the_optional_settings_shown_in_comments_are_valid(cli: Cli, tmp_path: Path) -> None:
    # What the commented settings file offers must work when uncommented, or it teaches mistakes.
    text = scaffold_files()["ghdigest.yml"]
    head, optional = text.split("# Optional settings, shown with their defaults or an example:\n")
    uncommented = "\n".join(line[2:] for line in optional.splitlines() if line.startswith("# "))
    assert "sync:" in uncommented
    assert "site_url:" in uncommented
    assert cli("init", str(tmp_path)).exit_code == 0
    (tmp_path / "ghdigest.yml").write_text(head + uncommented + "\n", encoding="utf-8")
    result = cli("validate", "--strict", cwd=tmp_path)
    assert result.exit_code == 0, result.stdout + result.stderr


# --- where the workflows install ghdigest from ------------------------------------------------------


def test_without_a_pinned_source_init_writes_no_workflow_and_says_why(cli: Cli, tmp_path: Path) -> None:
    """'ghdigest' on PyPI is another project: a workflow must never install it by name alone."""
    result = cli("init", str(tmp_path))  # this test run's ghdigest is an editable install: no pinned source
    assert result.exit_code == 0, result.stderr
    assert "no workflows written" in result.stderr
    assert "--install 'ghdigest @ git+https://github.com/OWNER/ghdigest@<full commit>'" in result.stderr
    assert not (tmp_path / ".github" / "workflows").exists()
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "wrote no workflows here" in readme, "the new repository's README does not promise what is missing"
    assert "The workflows install" not in readme
    assert cli("validate", "--strict", cwd=tmp_path).exit_code == 0
    added = cli("init", str(tmp_path), "--install", INSTALL)
    assert added.exit_code == 0
    written = sorted(Path(line).resolve() for line in added.stdout.splitlines())
    assert written == sorted((tmp_path / ".github" / "workflows" / name).resolve() for name in WORKFLOW_NAMES)
    assert "kept README.md" in added.stderr, "the README, which names the install, is the user's by now"


@pytest.mark.parametrize(
    "requirement",
    [
        "ghdigest",  # by name: on PyPI, another project
        "ghdigest==1.1.0",  # an exact version of that other project is still that other project
        "GhDigest==1.1.0",  # the same name to pip
        "ghdigest>=0.1",  # not one version
        "ghdigest @ git+https://github.com/example/ghdigest@main",  # a branch moves
        "ghdigest @ git+https://github.com/example/ghdigest",
        "ghdigest @ https://example.org/ghdigest-0.1.0-py3-none-any.whl",  # no hash
        "ghdigest @ http://example.org/ghdigest-0.1.0-py3-none-any.whl#sha256=00",
        'ghdigest=="0.1"',
        "ghdigest==0.1; curl evil",
        "ghdigest==$(id)",
        "ghdigest==0.1\nrun: x",
    ],
)
def test_an_unpinned_or_unsafe_install_is_refused_before_anything_is_written(
    cli: Cli, tmp_path: Path, requirement: str
) -> None:
    result = cli("init", str(tmp_path / "new"), "--install", requirement)
    assert result.exit_code == 2
    assert "--install" in result.stderr
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize(
    ("direct_url", "expected"),
    [
        (None, None),  # from an index, under the name PyPI gives another project
        ('{"url": "file:///home/me/ghdigest", "dir_info": {"editable": true}}', None),
        ('{"url": "file:///tmp/ghdigest-0.1.0-py3-none-any.whl", "archive_info": {}}', None),
        (
            '{"url": "https://github.com/example/ghdigest", "vcs_info": {"vcs": "git", "commit_id": "'
            + "a" * 40
            + '", "requested_revision": "main"}}',
            "ghdigest @ git+https://github.com/example/ghdigest@" + "a" * 40,
        ),
        (
            '{"url": "https://example.org/ghdigest-0.1.0-py3-none-any.whl", '
            '"archive_info": {"hashes": {"sha256": "' + "b" * 64 + '"}}}',
            "ghdigest @ https://example.org/ghdigest-0.1.0-py3-none-any.whl#sha256=" + "b" * 64,
        ),
        ('{"url": "https://example.org/x.whl", "archive_info": {}}', None),  # no hash to pin by
        ("not json", None),
    ],
)
def test_the_default_install_is_the_pinned_source_this_ghdigest_came_from(
    direct_url: str | None, expected: str | None
) -> None:
    assert requirement_from_install("ghdigest", "0.1.0", direct_url) == expected


def test_a_distribution_under_another_name_is_pinned_by_version() -> None:
    assert requirement_from_install("acme-ghdigest", "0.3.0", None) == "acme-ghdigest==0.3.0"
