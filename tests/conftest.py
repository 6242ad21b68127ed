"""Shared fixtures: throwaway digest repositories and a command-line runner."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from ghdigest.cli import main
from tests.github_stub import GitHubStub, StubRepo

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"

MINIMAL_CONFIG = "title: Test Digest\n"

# Property tests keep their own max_examples, so CI's budget is the local one. In CI (CI=true)
# examples are derived from each test, so a run on the same code tries the same inputs, and a
# failure prints the blob that replays it: CI keeps no example database. Locally they are random.
hypothesis_settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,  # shared runners are slow and uneven: a slow example is not a failing one
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite tests/golden/ from the current output (review the diff before committing).",
    )


@pytest.fixture(autouse=True)
def private_user_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checks outside a repository keep their cache under $XDG_CACHE_HOME: a fresh one per test, never the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write ``relative path → text`` under ``root`` and return ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    """Create a digest repository in a temporary folder from a config and ``issues/`` files."""

    def make(entries: dict[str, str] | None = None, config: str = MINIMAL_CONFIG, name: str = "repo") -> Path:
        root = tmp_path / name
        root.mkdir()
        files = {"ghdigest.yml": config}
        files.update({f"issues/{key}": text for key, text in (entries or {}).items()})
        return write_files(root, files)

    return make


@pytest.fixture
def example_repo(tmp_path: Path) -> Path:
    """A copy of this project's own example content (the seed week)."""
    root = tmp_path / "example"
    root.mkdir()
    shutil.copy2(PROJECT_ROOT / "ghdigest.yml", root / "ghdigest.yml")
    shutil.copytree(PROJECT_ROOT / "issues", root / "issues")
    return root


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Result]]:
    """Run ``ghdigest ARGS`` in-process from a given folder; stdout and stderr kept apart."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)

    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    return run


# --------------------------------------------------------------------------- GitHub stand-in

#: A recognisable fake token: tests search their output for it.
TOKEN = "ghp_FAKEtokenFORtests0123456789abcdefXYZ"

CONFIG = """\
title: Test Digest
repo: octo/papers
"""


@pytest.fixture
def stub() -> Iterator[GitHubStub]:
    with GitHubStub(token=TOKEN) as server:
        yield server
        assert server.validation_errors == []


@pytest.fixture
def papers(stub: GitHubStub) -> StubRepo:
    return stub.add_repo("octo", "papers")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_files(tmp_path / "digest", {"ghdigest.yml": CONFIG, "issues/.keep": ""})


@pytest.fixture
def run_sync(cli: Callable[..., Result], stub: GitHubStub, root: Path) -> Callable[..., Result]:
    def run(*args: str, folder: Path | None = None) -> Result:
        return cli("sync", str(folder or root), "--api-url", stub.base_url, *args, env={"GITHUB_TOKEN": TOKEN})

    return run
