"""Rebuilds from .ghdigest/build.json: the same output as a clean build, byte for byte, whatever changed."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from ghdigest import build as build_module
from ghdigest.buildcache import CACHE_FILE, CACHE_FOLDER, BuildCache, engine_hash
from ghdigest.config import load_config

Cli = Callable[..., Result]

CONFIG = """\
title: Cache Digest
repo: octo/papers
"""


def paper(number: int, week: str, summary: str = "A summary with [a link](2020-W02.md) and `code`.") -> str:
    return (
        f"kind: paper\nheadline: Paper number {number}\nurl: https://arxiv.org/abs/2001.{number:05d}\n"
        f"summary: {json.dumps(summary)}\nweek: {week}\nissue:\n  number: {number}\n"
    )


def article(number: int, week: str) -> str:
    return (
        f"kind: article\nheadline: Article {number}\nurl: https://example.org/a/{number}\n"
        f"summary: Text {number}.\nweek: {week}\n"
    )


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    (root / "issues" / "digests").mkdir(parents=True)
    (root / "ghdigest.yml").write_text(CONFIG, encoding="utf-8")
    for number in range(1, 31):
        week = f"2020-W{(number - 1) // 5 + 1:02d}"
        text = paper(number, week) if number % 3 else article(number, week)
        (root / "issues" / f"{number:04d}-entry.yml").write_text(text, encoding="utf-8")
    (root / "issues" / "digests" / "2020-W02.yml").write_text("intro: Week two.\n", encoding="utf-8")
    return root


def build_both(cli: Cli, root: Path, tmp_path: Path) -> tuple[Result, dict[str, bytes]]:
    """Build incrementally into ROOT/dist; return its result, after checking a clean build gives the same tree."""
    result = cli("build", str(root), "--out", str(root / "dist"))
    clean = tmp_path / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    reference = cli("build", str(root), "--out", str(clean), "--no-cache")

    # Everything alike but how many files changed on disk.
    def said(run: Result, out: Path) -> str:
        return re.sub(r"\d+ of (\d+) file", r"N of \1 file", run.stderr.replace(str(out), "OUT"))

    assert (result.exit_code, said(result, root / "dist")) == (reference.exit_code, said(reference, clean))
    if result.exit_code == 0:
        assert tree(root / "dist") == tree(clean)
    return result, tree(root / "dist")


def test_rebuilds_after_edits_renames_and_deletions_match_clean_builds(cli: Cli, archive: Path, tmp_path: Path) -> None:
    issues = archive / "issues"

    def write(name: str, text: str) -> Callable[[], None]:
        return lambda: (issues / name).write_text(text, encoding="utf-8") and None

    def delete(*names: str) -> Callable[[], None]:
        return lambda: [(issues / name).unlink() for name in names] and None

    steps: list[tuple[str, Callable[[], None]]] = [
        ("nothing", lambda: None),
        ("edit a summary", write("0007-entry.yml", paper(7, "2020-W02", "New *text*.\n\nTwo."))),
        ("edit a headline", write("0008-entry.yml", paper(8, "2020-W02").replace("number 8", "eight"))),
        ("make an article a paper", write("0009-entry.yml", paper(9, "2020-W02"))),
        ("rename a file", lambda: (issues / "0010-entry.yml").rename(issues / "0010-renamed.yml") and None),
        ("delete an entry", delete("0011-entry.yml")),
        ("delete a whole week", delete(*(f"{n:04d}-entry.yml" for n in range(26, 31)))),
        ("add a new week", write("0031-entry.yml", paper(31, "2020-W09"))),
        ("move an entry to another week", write("0002-entry.yml", paper(2, "2020-W03"))),
        ("skip an entry", write("0004-entry.yml", paper(4, "2020-W01") + "status: skip\n")),
        ("change a digest file", write("digests/2020-W02.yml", "intro: New intro.\norder: [0008-entry]\n")),
        ("add a digest file", write("digests/2020-W03.yml", "title: Third\n")),
        ("an earlier entry takes the link's id", write("0000-earlier.yml", article(12, "2020-W01"))),
        (
            "change a setting",
            lambda: (archive / "ghdigest.yml").write_text(CONFIG + "site_url: https://x.org/d/\n") and None,
        ),
        ("add a template", lambda: _add_template(archive)),
        ("edit a file back", write("0007-entry.yml", paper(7, "2020-W02"))),
    ]
    build_both(cli, archive, tmp_path)
    for name, step in steps:
        step()
        result, _ = build_both(cli, archive, tmp_path)
        assert result.exit_code == 0, (name, result.stderr)


def _add_template(root: Path) -> None:
    from ghdigest.render.markdown import environment

    folder = root / "templates"
    folder.mkdir()
    loader = environment(None).loader
    assert loader is not None
    source = loader.get_source(environment(None), "entry.md.j2")[0]
    (folder / "entry.md.j2").write_text("<!-- custom -->\n" + source, encoding="utf-8")


def test_random_changes_always_give_what_a_clean_build_gives(cli: Cli, archive: Path, tmp_path: Path) -> None:
    rng = random.Random(8)
    issues = archive / "issues"
    build_both(cli, archive, tmp_path)
    for _ in range(25):
        files = sorted(p for p in issues.glob("*.yml"))
        choice = rng.choice(["edit", "rename", "delete", "add", "break", "touch"])
        target = rng.choice(files)
        number = rng.randint(100, 999)
        week = f"2020-W{rng.randint(1, 8):02d}"
        if choice == "edit":
            target.write_text(paper(number, week, f"Summary {number}."), encoding="utf-8")
        elif choice == "rename":
            target.rename(issues / f"{number}-moved.yml")
        elif choice == "delete" and len(files) > 3:
            target.unlink()
        elif choice == "add":
            (issues / f"{number}-new.yml").write_text(article(number, week), encoding="utf-8")
        elif choice == "break":
            target.write_text("kind: paper\nheadline: [unclosed\n", encoding="utf-8")
        else:
            os.utime(target)  # same bytes, new time: nothing to redo, nothing different
        result, _ = build_both(cli, archive, tmp_path)
        if result.exit_code != 0:
            assert "yaml-syntax" in result.stderr
            target.write_text(paper(number, week), encoding="utf-8")
            result, _ = build_both(cli, archive, tmp_path)
            assert result.exit_code == 0, result.stderr


def test_a_rebuild_renders_only_the_week_that_changed(cli: Cli, archive: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rendered: list[str] = []
    original = build_module._week_files

    def spy(*args: object, **kwargs: object) -> dict[str, str]:
        rendered.append(args[1].week.id)  # type: ignore[attr-defined]
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build_module, "_week_files", spy)
    assert cli("build", str(archive)).exit_code == 0
    assert len(rendered) == 6
    rendered.clear()
    assert cli("build", str(archive)).exit_code == 0
    assert rendered == []
    (archive / "issues" / "0012-entry.yml").write_text(article(12, "2020-W03").replace("Text", "Changed"))
    result = cli("build", str(archive))
    assert result.exit_code == 0
    assert rendered == ["2020-W03"]
    # The week's page, its API document, the entry's document, and the three feeds that hold the week.
    assert ": 6 of 47 file(s) changed" in result.stderr


def test_output_files_changed_by_hand_are_written_again(cli: Cli, archive: Path) -> None:
    assert cli("build", str(archive)).exit_code == 0
    dist = archive / "dist"
    expected = tree(dist)
    (dist / "2020-W02.md").write_text("edited by hand\n", encoding="utf-8")
    (dist / "api" / "weeks" / "2020-W03.json").unlink()
    (dist / "index.md").write_text("x", encoding="utf-8")
    result = cli("build", str(archive))
    assert result.exit_code == 0, result.stderr
    assert tree(dist) == expected


def _cache(root: Path) -> Path:
    return root / CACHE_FOLDER / CACHE_FILE


def test_a_tampered_cache_is_ignored(cli: Cli, archive: Path, tmp_path: Path) -> None:
    """A cache edited (or committed by someone else) cannot slip content past the checks."""
    assert cli("build", str(archive)).exit_code == 0
    path = _cache(archive)
    signature, _, body = path.read_bytes().partition(b"\n")
    data = json.loads(body)
    key = "issues/0001-entry.yml"
    data["files"][key]["result"]["entry"][-1] = "FORGED"  # the heading the index shows
    (archive / "issues" / "0001-entry.yml").write_text("kind: paper\nheadline: [broken\n", encoding="utf-8")
    digest = hashlib.sha256((archive / "issues" / "0001-entry.yml").read_bytes()).hexdigest()
    data["files"][key]["hash"] = digest
    data["files"][key]["result"]["diagnostics"] = []
    path.write_bytes(signature + b"\n" + json.dumps(data).encode())
    result = cli("build", str(archive))
    assert result.exit_code == 1
    assert "0001-entry.yml:2:11: error: invalid YAML" in result.stderr
    assert not list((archive / "dist").rglob("*FORGED*"))


def test_a_cache_from_another_machine_is_ignored(
    cli: Cli, archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache signed on another machine (committed with a checkout, say) is not trusted here."""
    here = os.environ["XDG_CACHE_HOME"]
    assert cli("build", str(archive)).exit_code == 0
    broken = archive / "issues" / "0001-entry.yml"
    broken.write_text("kind: paper\nheadline: [broken\n", encoding="utf-8")
    # Elsewhere, someone signs a cache saying the broken file is a fine entry.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "elsewhere"))
    record = json.loads(_cache(archive).read_bytes().partition(b"\n")[2])["files"]["issues/0002-entry.yml"]
    record["result"]["entry"][0] = "entry:forged"  # an id of its own, so nothing else gives it away
    forged = BuildCache.open(archive, _engine(archive))
    forged.keep_file("issues/0001-entry.yml", hashlib.sha256(broken.read_bytes()).hexdigest(), record["result"])
    forged.save()
    assert cli("validate", str(archive)).exit_code == 0  # there, the forgery is believed: the test can tell
    monkeypatch.setenv("XDG_CACHE_HOME", here)
    for command in ("validate", "build"):
        result = cli(command, str(archive))
        assert result.exit_code == 1
        assert "0001-entry.yml:2:11: error: invalid YAML" in result.stdout + result.stderr


def _engine(root: Path) -> str:
    config = load_config(root)
    return engine_hash(config.settings.model_dump_json(), config.templates_dir)


@pytest.mark.parametrize("garbage", [b"", b"not json", b"abc\n{", b"\xff\xfe", b"0" * 64 + b"\n[]"])
def test_an_unreadable_cache_is_started_afresh(cli: Cli, archive: Path, tmp_path: Path, garbage: bytes) -> None:
    _cache(archive).parent.mkdir()
    _cache(archive).write_bytes(garbage)
    build_both(cli, archive, tmp_path)
    assert _cache(archive).read_bytes() != garbage


def test_validate_reports_the_same_with_and_without_the_cache(cli: Cli, archive: Path) -> None:
    (archive / "issues" / "0003-entry.yml").write_text("kind: paper\nheadline: x\nweek: 2020-W99\n")
    (archive / "issues" / "0005-entry.yml").write_text("kind: paper\nurl: javascript:alert(1)\nstatus: inbox\n")
    first = cli("validate", str(archive))
    second = cli("validate", str(archive))
    fresh = cli("validate", str(archive), "--no-cache")
    assert _cache(archive).is_file()
    assert first.exit_code == second.exit_code == fresh.exit_code == 1
    assert first.stdout == second.stdout == fresh.stdout
    assert "0003-entry.yml:3:7" in first.stdout


def test_no_cache_writes_no_cache(cli: Cli, archive: Path) -> None:
    assert cli("build", str(archive), "--no-cache").exit_code == 0
    assert cli("validate", str(archive), "--no-cache").exit_code == 0
    assert not (archive / CACHE_FOLDER).exists()


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems refuse names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_is_reported_and_the_cache_still_kept(cli: Cli, archive: Path) -> None:
    """Such a name reaches ghdigest as text with lone surrogates, which UTF-8 cannot hold: the cache escapes them."""
    odd = os.path.join(os.fsencode(archive / "issues"), b"caf\xe9.yml")
    with open(odd, "wb") as stream:
        stream.write(paper(40, "2020-W02").encode("utf-8"))
    for _ in range(2):
        result = cli("validate", str(archive))
        assert result.exit_code == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert "issues/caf\\xe9.yml:1:1: error: file name 'caf\\xe9.yml' must" in result.stdout
        assert "unexpected" not in result.stderr
    assert _cache(archive).is_file()
    os.remove(odd)
    assert cli("build", str(archive)).exit_code == 0
