"""A build killed at any moment (kill -9, workers too) leaves every output file old or new; a re-run converges."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="kill -9 of a process group is POSIX")

#: Over the 2,000 entries from which weeks are rendered and written by worker processes.
ENTRIES = 2_100
KILLS = 15
AN_HOUR_AGO = time.time() - 3600


def _write_archive(root: Path, version: str) -> None:
    (root / "issues").mkdir(parents=True, exist_ok=True)
    (root / "ghdigest.yml").write_text("title: Killed\nsite_url: https://digest.example.org/\n", encoding="utf-8")
    for number in range(ENTRIES):
        (root / "issues" / f"{number:05d}-paper.yml").write_text(
            f"kind: paper\nheadline: Paper {number}\nurl: https://arxiv.org/abs/2001.{number:05d}\n"
            f"summary: Version {version} of the *summary* of paper {number}.\n"
            f"week: 20{20 + number // 1000}-W{number % 50 + 1:02d}\n",
            encoding="utf-8",
        )


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONUNBUFFERED": "1"}


def _start(root: Path, out: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "ghdigest", "build", str(root), "--out", str(out), "--no-cache"]
    # A session of its own, so the kill reaches the worker processes too, as a runner's kill would.
    return subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def _build(root: Path, out: Path, env: dict[str, str]) -> float:
    started = time.monotonic()
    assert _start(root, out, env).wait(timeout=300) == 0
    return time.monotonic() - started


def _kill_at_random(root: Path, out: Path, env: dict[str, str], within: float, chance: random.Random) -> None:
    process = _start(root, out, env)
    time.sleep(chance.uniform(0.4 * within, within))  # mostly while files are written: the risky part
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    time.sleep(0.05)  # workers, killed with it, are gone


def _age(paths: list[Path]) -> None:
    for path in paths:
        os.utime(path, (AN_HOUR_AGO, AN_HOUR_AGO), follow_symlinks=False)


def test_builds_killed_at_random_leave_a_new_output_folder_whole_or_absent(tmp_path: Path) -> None:
    root, env, chance = tmp_path / "archive", _env(tmp_path), random.Random(38)
    _write_archive(root, "one")
    within = _build(root, tmp_path / "reference", env)
    reference = _tree(tmp_path / "reference")
    out = tmp_path / "site" / "dist"
    for _ in range(KILLS):
        _kill_at_random(root, out, env, within, chance)
        if out.exists():  # the kill came after the folder was put in place: all of it
            assert _tree(out) == reference
            subprocess.run(["rm", "-rf", str(out)], check=True)
    left = [p for p in (tmp_path / "site").iterdir() if p.name.startswith(".dist.stage.")]
    _age(left)  # what killed runs left aside, an hour later
    _build(root, out, env)
    assert _tree(out) == reference
    assert [p.name for p in (tmp_path / "site").iterdir()] == ["dist"]  # the next run cleared the rest


def test_builds_killed_at_random_over_an_earlier_output_leave_each_file_old_or_new(tmp_path: Path) -> None:
    root, env, chance = tmp_path / "archive", _env(tmp_path), random.Random(39)
    out = tmp_path / "dist"
    _write_archive(root, "one")
    _build(root, out, env)
    old = _tree(out)
    _write_archive(root, "two")
    within = _build(root, tmp_path / "reference", env)
    new = _tree(tmp_path / "reference")
    assert old.keys() == new.keys()
    assert sum(old[name] != new[name] for name in old) > ENTRIES  # the summaries changed everywhere
    for _ in range(KILLS):
        _kill_at_random(root, out, env, within, chance)
        for name, data in _tree(out).items():
            if Path(name).name.startswith("."):
                continue  # a temporary file of the killed run: never a file of the output
            assert data in (old[name], new[name]), f"{name} is torn"
    _age(list(out.rglob(".*.tmp")))
    _build(root, out, env)
    assert _tree(out) == new  # and the temporaries killed runs left are gone
