"""Writing output: a new folder appears whole or not at all; an existing one has each file replaced whole."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import pytest

from ghdigest import output
from ghdigest.errors import OutputError

FILES = {"index.md": "# Index\n", "api/index.json": "{}\n", "api/weeks/2020-W38.json": "{\n}\n", "2020-W38.md": "x\n"}


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file()}


def _siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir())


def test_a_new_folder_is_written_aside_and_appears_whole(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "dist"
    tree = output.OutputTree(out)
    assert tree.staged
    changed = tree.prepare(FILES).write()
    assert not out.exists()  # nothing shows before the commit
    assert changed == sorted(FILES)
    tree.commit()
    assert _tree(out) == FILES
    assert _siblings(out) == ["dist"]
    umask = os.umask(0)
    os.umask(umask)
    assert (out / "index.md").stat().st_mode & 0o777 == 0o666 & ~umask
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask  # not the 0700 a temporary folder gets


def test_an_abandoned_new_folder_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    tree = output.OutputTree(out)
    tree.prepare(FILES).write()
    tree.abandon()
    assert list(tmp_path.iterdir()) == []


def test_write_tree_into_a_new_folder_that_fails_half_way_leaves_no_folder(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    with pytest.raises(OutputError, match="cannot write"):
        output.write_tree(out, {**FILES, "api": "a file where a folder must be\n"})
    assert list(tmp_path.iterdir()) == []
    assert output.write_tree(out, FILES) == sorted(out / name for name in FILES)  # paths, under the folder


def test_an_existing_folder_gets_each_file_replaced_and_keeps_the_rest(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    (out / "mine.txt").write_text("kept\n", encoding="utf-8")
    (out / "index.md").write_text("# Index\n", encoding="utf-8")
    tree = output.OutputTree(out)
    assert not tree.staged
    changed = tree.prepare(FILES).write()
    tree.commit()
    assert changed == sorted(name for name in FILES if name != "index.md")  # index.md held its text
    assert _tree(out) == {**FILES, "mine.txt": "kept\n"}


def test_a_folder_made_meanwhile_gets_the_files_one_by_one(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    tree = output.OutputTree(out)
    tree.prepare(FILES).write()
    out.mkdir()  # another program made it, and put a file in it, while this one wrote
    (out / "theirs.txt").write_text("theirs\n", encoding="utf-8")
    tree.commit()
    assert _tree(out) == {**FILES, "theirs.txt": "theirs\n"}
    assert _siblings(out) == ["dist"]


def _stage(folder: Path, name: str, *, age: float) -> Path:
    stage = folder / name
    (stage / "api").mkdir(parents=True)
    (stage / "api" / "index.json").write_text("{", encoding="utf-8")  # torn: its run was killed
    then = time.time() - age
    os.utime(stage, (then, then))
    return stage


def test_what_a_killed_run_left_aside_is_removed_and_what_a_running_one_makes_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    left = _stage(tmp_path, ".dist.stage.k1ll3d.tmp", age=3600)
    running = _stage(tmp_path, ".dist.stage.runn1n.tmp", age=3600)
    just_made = _stage(tmp_path, ".dist.stage.n3w.tmp", age=0)  # its run may not have locked it yet
    other = _stage(tmp_path, ".site.stage.k1ll3d.tmp", age=3600)  # another output folder's
    holder = os.open(running, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running build holds the folder it makes
    try:
        output.write_tree(out, FILES)
    finally:
        os.close(holder)
    assert _tree(out) == FILES
    assert not left.exists()
    assert running.is_dir()
    assert just_made.is_dir()
    assert other.is_dir()


def test_a_new_folder_is_made_by_this_run_alone_and_named_in_errors_as_the_output(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    first, second = output.OutputTree(out), output.OutputTree(out)
    assert first.folder != second.folder  # two runs at once never share one
    with pytest.raises(OutputError) as caught:
        first.prepare({**FILES, "api": "a file where a folder must be\n"}).write()
    assert str(out / "api") in str(caught.value)
    assert ".stage." not in str(caught.value)
    first.abandon()
    second.prepare(FILES).write()
    second.commit()
    assert _tree(out) == FILES
    assert _siblings(out) == ["dist"]
