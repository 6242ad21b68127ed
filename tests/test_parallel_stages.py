"""Two-stage work in worker processes: nothing is finished unless every slice was prepared and the caller agreed."""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ghdigest import parallel
from ghdigest.cli import main

#: Workers are forked on Linux only; elsewhere the same work runs in the calling process, and
#: these tests check that it keeps the same promises there.
FORKS = sys.platform == "linux"


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> bool:
    """Work of ten or more items goes to three workers (on Linux); whether it does."""
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 10)
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda _pid: {0, 1, 2}, raising=False)
    assert parallel.workers(30) == (3 if FORKS else 1), "no other threads may run while the tests fork"
    return FORKS


def _prepare(shared: tuple[Path, int | None, bool], start: int, end: int) -> tuple[Any, list[tuple[int, int]]]:
    """Each item becomes a line to write later; item ``fail`` cannot be prepared; ``die`` kills the worker."""
    _, fail, die = shared
    if fail is not None and start <= fail < end:
        if die:
            os._exit(3)
        raise ValueError(f"item {fail} cannot be prepared")
    return (start, end), [(item, os.getpid()) for item in range(start, end)]


def _complete(shared: tuple[Path, int | None, bool], kept: tuple[int, int]) -> list[int]:
    folder = shared[0]
    start, end = kept
    for item in range(start, end):
        (folder / f"{item}.txt").write_text(f"{item} by {os.getpid()}\n", encoding="utf-8")
    return list(range(start, end))


def _run(folder: Path, items: int, fail: int | None = None, die: bool = False) -> tuple[list[Any], list[int]]:
    shared = (folder, fail, die)
    with parallel.staged(_prepare, lambda kept: _complete(shared, kept), shared, items) as stages:
        reports = stages.reports()
        return reports, stages.finish()


def test_slices_are_finished_where_they_were_prepared(tmp_path: Path, forked: bool) -> None:
    reports, results = _run(tmp_path, 30)
    assert [item for item, _ in reports] == list(range(30))
    assert results == list(range(30))
    preparers = dict(reports)
    if forked:
        assert len(set(preparers.values())) == 3
        assert os.getpid() not in preparers.values()
    for item in range(30):  # written by the very process that prepared it, which kept what it prepared
        assert (tmp_path / f"{item}.txt").read_text(encoding="utf-8") == f"{item} by {preparers[item]}\n"


def test_small_work_is_done_here_with_the_same_results(tmp_path: Path) -> None:
    reports, results = _run(tmp_path, 5)
    assert reports == [(item, os.getpid()) for item in range(5)]
    assert results == list(range(5))


@pytest.mark.parametrize("fail", [0, 15, 29])
def test_a_slice_that_fails_to_prepare_leaves_every_slice_unfinished(tmp_path: Path, forked: bool, fail: int) -> None:
    with pytest.raises(ValueError, match=f"item {fail} cannot be prepared"):
        _run(tmp_path, 30, fail)
    assert list(tmp_path.iterdir()) == []


def test_the_error_shows_where_in_the_worker_it_happened(tmp_path: Path, forked: bool) -> None:
    with pytest.raises(ValueError, match="item 15 cannot be prepared") as caught:
        _run(tmp_path, 30, 15)
    where = caught.value.__cause__ if forked else caught.value  # in this process: its own traceback
    assert isinstance(where, parallel.WorkerTraceback if forked else ValueError)
    assert "in _prepare" in (str(where) if forked else "".join(traceback.format_tb(where.__traceback__)))


def _fail_or_say_much(kept: tuple[int, int]) -> list[str]:
    """The first slice fails to finish; the others answer at length (more than a pipe holds)."""
    start, _ = kept
    if start == 0:
        raise OSError(28, "No space left on device")
    return [f"{number:0100d}" for number in range(20_000)]  # 2 MB: far more than a pipe holds


_FAILING_FINISH = """
import sys
from pathlib import Path
from ghdigest import parallel
from tests.test_parallel_stages import _fail_or_say_much, _prepare
parallel.PARALLEL_FROM = 10
parallel.os.sched_getaffinity = lambda _pid: {0, 1, 2}  # off Linux, unused: one process
try:
    with parallel.staged(_prepare, _fail_or_say_much, (Path(sys.argv[1]), None, False), 30) as stages:
        stages.reports()
        stages.finish()
except OSError as exc:
    print("raised:", exc)
"""


def test_a_slice_that_fails_to_finish_is_reported_while_others_answer_at_length(tmp_path: Path) -> None:
    """The parent stops reading at the first error: workers still sending must not hold it up for ever."""
    done = subprocess.run(
        [sys.executable, "-c", _FAILING_FINISH, str(tmp_path)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "raised: [Errno 28] No space left on device\n"
    assert "Traceback" not in done.stderr  # no worker complains that its parent stopped listening


@pytest.mark.skipif(not FORKS, reason="off Linux the work runs in the test's own process, which the item would end")
def test_a_worker_that_dies_is_reported_and_nothing_is_finished(tmp_path: Path, forked: bool) -> None:
    with pytest.raises(parallel.WorkerFailed, match="stopped before it answered"):
        _run(tmp_path, 30, fail=12, die=True)
    assert list(tmp_path.iterdir()) == []


def test_the_caller_can_stop_after_reading_the_reports(tmp_path: Path, forked: bool) -> None:
    shared = (tmp_path, None, False)
    reported = []

    def stop_after_the_reports() -> None:
        with parallel.staged(_prepare, lambda kept: _complete(shared, kept), shared, 30) as stages:
            reported.extend(stages.reports())
            raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError, match="changed my mind"):
        stop_after_the_reports()
    assert len(reported) == 30
    assert list(tmp_path.iterdir()) == []


def _archive(root: Path) -> Path:
    (root / "issues").mkdir(parents=True)
    (root / "ghdigest.yml").write_text("title: Stages\nsite_url: https://digest.example.org/\n", encoding="utf-8")
    for number in range(40):
        text = (
            f"kind: paper\nheadline: Paper {number}\nurl: https://arxiv.org/abs/2001.{number:05d}\n"
            f"summary: Text *{number}*.\nweek: 2020-W{number % 8 + 1:02d}\n"
        )
        (root / "issues" / f"{number:03d}-paper.yml").write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("broken", ["index.md.j2", "digest.md.j2"])
def test_a_template_error_in_any_worker_or_here_writes_nothing(tmp_path: Path, forked: bool, broken: str) -> None:
    """A week page (rendered by the workers) or the index (rendered here) that fails: no output at all."""
    root = _archive(tmp_path / "archive")
    runner = CliRunner()
    good = runner.invoke(main, ["build", str(root), "--out", str(tmp_path / "good"), "--no-cache"])
    assert good.exit_code == 0, good.stderr
    assert len(list((tmp_path / "good" / "api" / "entries").iterdir())) == 40
    (root / "templates").mkdir()
    (root / "templates" / broken).write_text("{{ no_such_variable }}\n", encoding="utf-8")
    for args in (["--no-cache"], []):
        out = tmp_path / f"bad{len(args)}"
        result = runner.invoke(main, ["build", str(root), "--out", str(out), *args])
        assert result.exit_code != 0
        assert "no_such_variable" in result.stderr
        assert "Traceback" not in result.stderr
        assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive", "good"]  # nothing left aside either
