"""Large archives are read by several processes: the result is exactly what one process reads."""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path
from typing import Any

import pytest

from ghdigest import content, parallel
from ghdigest.config import load_config


def _archive(root: Path, *, errors: bool = True) -> Path:
    (root / "issues").mkdir(parents=True)
    (root / "ghdigest.yml").write_text("title: Parallel\n", encoding="utf-8")
    for number in range(60):
        week = f"2020-W{number % 7 + 1:02d}"
        text = f"kind: paper\nheadline: Paper {number}\nurl: https://arxiv.org/abs/2001.{number:05d}\n"
        text += f"summary: Text {number}.\nweek: {week}\n"
        if errors and number % 11 == 0:
            text = text.replace("kind: paper", "kind: pape")  # unknown kind
        if number % 13 == 0:
            text += "status: inbox\n"
            text = text.replace(f"summary: Text {number}.\n", "")  # not ready: a warning
        if errors and number % 17 == 0:
            text = text.replace(f"2001.{number:05d}", "2001.00001")  # the same paper twice
        if errors and number == 5:
            text = "kind: [unclosed\n"
        if number == 8:  # a tag: read by the exact parser (ruamel.yaml), in a worker too
            text = text.replace("headline: Paper", "headline: !!str Paper")
        (root / "issues" / f"{number:03d}-paper.yml").write_text(text, encoding="utf-8")
    return root


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _summary(loaded: content.Content) -> list[Any]:
    entries = [
        (e.key, e.path, e.id, e.week, e.section.id, e.status, e.kind, e.url, e.pick, e.issue_number, e.heading,
         e.source_hash, dict(e.data), e.entry)
        for e in loaded.entries
    ]  # fmt: skip
    return [entries, [d.format() for d in loaded.diagnostics], loaded.files_read]


def test_parallel_reading_gives_what_sequential_reading_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if sys.platform != "linux":  # worker processes are forked on Linux only
        assert parallel.workers(10**6) == 1
        return
    config = load_config(_archive(tmp_path / "archive"))
    sequential = _summary(content.load_content(config))
    forks = []
    real_context = multiprocessing.get_context

    def counting_context(method: str | None = None) -> Any:
        forks.append(method)
        return real_context(method)

    monkeypatch.setattr(parallel, "PARALLEL_FROM", 10)
    monkeypatch.setattr(multiprocessing, "get_context", counting_context)
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda _pid: {0, 1, 2})
    assert parallel.workers(60) == 3, "no other threads may run while the tests fork"
    in_workers = _summary(content.load_content(config))
    assert forks == ["fork"]
    assert in_workers == sequential
    assert any("unknown-kind" in line for line in in_workers[1])
    assert any("duplicate-paper" in line for line in in_workers[1])


def test_weeks_rendered_by_workers_are_what_one_process_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from ghdigest.cli import main

    root = _archive(tmp_path / "archive", errors=False)
    runner = CliRunner()
    one = runner.invoke(main, ["build", str(root), "--out", str(tmp_path / "one"), "--no-cache"])
    assert one.exit_code == 0, one.stderr
    if sys.platform != "linux":
        return
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 10)
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda _pid: {0, 1})
    forks = []
    real_context = multiprocessing.get_context
    monkeypatch.setattr(
        multiprocessing, "get_context", lambda method=None: forks.append(method) or real_context(method)
    )
    for out, args in (("many", ["--no-cache"]), ("cached", [])):
        result = runner.invoke(main, ["build", str(root), "--out", str(tmp_path / out), *args])
        assert result.exit_code == 0, result.stderr
        assert _tree(tmp_path / out) == _tree(tmp_path / "one")
    assert forks == ["fork"] * 4  # reading, then rendering, in each build
    # The library's in-memory rendering of the whole site is what the build writes.
    from ghdigest.build import render_site

    rendered = render_site(content.check_content(load_config(root)))
    assert {name: text.encode("utf-8") for name, text in rendered.items()} == _tree(tmp_path / "one")


def test_what_workers_read_stays_in_the_cache_run_after_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers look records up; the records of files they found unchanged are kept for the next run, too."""
    import hashlib

    from click.testing import CliRunner

    from ghdigest.buildcache import BuildCache, engine_hash
    from ghdigest.cli import main

    root = _archive(tmp_path / "archive", errors=False)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 10)
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda _pid: {0, 1})
    parsed = tmp_path / "parsed.log"
    real_load_entry = content._load_entry

    def counting_load_entry(*args: Any) -> Any:
        with parsed.open("a", encoding="utf-8") as log:  # written by whichever process parses
            log.write(f"{args[0]}\n")
        return real_load_entry(*args)

    monkeypatch.setattr(content, "_load_entry", counting_load_entry)
    config = load_config(root)
    engine = engine_hash(config.settings.model_dump_json(), config.templates_dir)
    files = sorted((root / "issues").glob("*.yml"))
    for run in range(3):
        parsed.write_text("", encoding="utf-8")
        result = CliRunner().invoke(main, ["build", str(root), "--out", str(tmp_path / "out")])
        assert result.exit_code == 0, result.stderr
        assert len(parsed.read_text(encoding="utf-8").split()) == (60 if run == 0 else 0)
        cache = BuildCache.open(root, engine)
        for path in files:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            assert cache.file_record(f"issues/{path.name}", digest) is not None, (run, path.name)


def test_workers_send_plain_data_packed_and_anything_else_as_it_is() -> None:
    import datetime as dt

    plain = {"kind": "paper", "pick": True, "year": 2020, "score": 1.5, "topics": ["a", "b"], "none": None}
    diagnostics, planned, packed = content._packed(([], ["planned"], plain))
    assert (diagnostics, planned) == ([], ["planned"])
    assert isinstance(packed, bytes)
    assert content._unpacked(packed) == plain
    assert [type(value) for value in content._unpacked(packed).values()] == [type(value) for value in plain.values()]
    other = {"submitted": dt.date(2020, 9, 14)}
    assert content._packed(([], ["planned"], other))[2] is other
    assert content._unpacked(other) is other
    assert content._packed(([], None, None)) == ([], None, None)
