"""A non-editable wheel carries the schemas and templates and works without the source tree."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import PROJECT_ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(PROJECT_ROOT),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    [built] = out.glob("ghdigest-*.whl")
    return built


def test_wheel_holds_the_schemas_and_templates(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for schema_file in sorted((PROJECT_ROOT / "schemas").glob("*.json")):
            packaged = f"ghdigest/schemas/{schema_file.name}"
            assert packaged in names
            assert archive.read(packaged) == schema_file.read_bytes()
        for template in ("digest.md.j2", "entry.md.j2", "index.md.j2"):
            assert f"ghdigest/templates/{template}" in names
        assert "ghdigest/py.typed" in names


def test_installed_wheel_validates_and_builds_without_the_source_tree(
    wheel: Path, example_repo: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}  # ahead of the editable install on sys.path
    where = subprocess.run(
        [sys.executable, "-c", "import ghdigest.schema as s; print(s.__file__); print(s.schema_dir())"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.split()
    assert all(line.startswith(str(site)) for line in where), where
    validate = subprocess.run(
        [sys.executable, "-m", "ghdigest", "validate", str(example_repo)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert validate.returncode == 0, validate.stderr
    out = tmp_path / "out"
    build = subprocess.run(
        [sys.executable, "-m", "ghdigest", "build", str(example_repo), "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert build.returncode == 0, build.stderr
    golden = Path(__file__).resolve().parent / "golden" / "seed" / "2020-W38.md"
    assert (out / "2020-W38.md").read_bytes() == golden.read_bytes()
