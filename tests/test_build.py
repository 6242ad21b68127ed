"""``ghdigest build``: the seed week, golden output, anchors, images, picks, languages, safety."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import Result
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin

from .conftest import PROJECT_ROOT

GOLDEN = Path(__file__).resolve().parent / "golden"
SEED_ARXIV_IDS = ["2009.04765", "2009.03393", "2009.04374", "2009.01325", "2008.11363", "2009.07833"]

Cli = Callable[..., Result]
MakeRepo = Callable[..., Path]

# An independent anchor implementation (markdown-it-py's GitHub-style slugs) to check ours against.
ANCHORED = MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(anchors_plugin, max_level=6)


def _headings(markdown: str) -> list[tuple[int, str]]:
    tokens = MarkdownIt("commonmark").parse(markdown)
    return [(int(t.tag[1]), tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "heading_open"]


def _fragments_resolve(markdown: str) -> list[str]:
    """The #fragment links of a document; fails when one has no heading with that id."""
    html = ANCHORED.render(markdown)
    ids = set(re.findall(r'<h[1-6] id="([^"]+)"', html))
    fragments = [unquote(f) for f in re.findall(r'href="#([^"]+)"', html)]  # the parser percent-encodes
    missing = [f for f in fragments if f not in ids]
    assert not missing, f"links to missing anchors: {missing}"
    return fragments


def entry(kind: str = "paper", headline: str = "A headline", **fields: str) -> str:
    """The YAML of an entry in week 2020-W38 with a link and summary unless given otherwise."""
    values = {
        "kind": kind,
        "headline": headline,
        "url": "https://example.org/x",
        "summary": "Summary.",
        "week": "2020-W38",
        **fields,
    }
    return "".join(f"{key}: {value}\n" for key, value in values.items() if value != "")


# --- the seed week -------------------------------------------------------------------------


def test_seed_week_matches_golden_output(cli: Cli, example_repo: Path, tmp_path: Path, update_golden: bool) -> None:
    out = tmp_path / "out"
    result = cli("build", "--out", str(out), cwd=example_repo)
    assert result.exit_code == 0, result.stderr
    produced = sorted(p.name for p in out.iterdir() if p.is_file())
    # repo is set and site_url is not: the feeds link to the repository's GitHub Releases
    assert produced == ["2020-W38.md", "atom.xml", "feed.json", "index.md", "rss.xml"]
    for name in [*produced, "api/index.json", "api/weeks/2020-W38.json"]:  # entries: see test_api_output
        golden = GOLDEN / "seed" / name
        if update_golden:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_bytes((out / name).read_bytes())
        assert (out / name).read_bytes() == golden.read_bytes(), f"{name} differs from {golden}"


def test_seed_week_has_the_seeds_shape(cli: Cli, example_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cli("build", "--out", str(out), cwd=example_repo).exit_code == 0
    text = (out / "2020-W38.md").read_text(encoding="utf-8")
    headings = _headings(text)
    assert headings[0] == (1, "Akira's ML News #Week 38, 2020")
    sections = [h for level, h in headings if level == 2]
    assert sections == [
        "Contents",
        "1. Machine Learning Papers",
        "2. Technical Articles",
        "3. Examples of Machine Learning use cases",
        "4. Other topics",
    ]
    counts = []
    for level, _ in headings:
        if level == 2:
            counts.append(0)
        elif level == 3:
            counts[-1] += 1
    assert counts[1:] == [6, 3, 2, 3]
    for arxiv in SEED_ARXIV_IDS:
        assert f"https://arxiv.org/abs/{arxiv}" in text
    assert "97.29%" in text
    assert "93.39%" in text
    assert "week 38 of 2020 (Sep 13~)" in text
    byol = text.split("### BYOL source code from DeepMind", 1)[1].split("###", 1)[0]
    assert "http" not in byol  # the seed gives BYOL no link, and neither do we
    _fragments_resolve(text)


def test_rebuild_is_byte_identical(cli: Cli, example_repo: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    assert cli("build", "--out", str(first), cwd=example_repo).exit_code == 0
    assert cli("build", "--out", str(second), cwd=example_repo).exit_code == 0
    files = [path for path in first.rglob("*") if path.is_file()]
    for path in files:
        assert path.read_bytes() == (second / path.relative_to(first)).read_bytes()
    again = cli("build", "--out", str(first), cwd=example_repo)
    assert f"0 of {len(files)} file(s) changed" in again.stderr


def test_default_output_folder_and_stdout_lists_files(cli: Cli, example_repo: Path) -> None:
    result = cli("build", cwd=example_repo)
    assert result.exit_code == 0
    pages = [line for line in result.stdout.splitlines() if line.endswith(".md")]
    assert pages == ["dist/2020-W38.md", "dist/index.md"]
    assert "dist/api/index.json" in result.stdout.splitlines()
    assert "built 1 week(s) (2020-W38) into dist" in result.stderr
    assert (example_repo / "dist" / "2020-W38.md").is_file()


def test_index_lists_weeks_newest_first_with_counts(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "0001-a.yml": entry(week="2020-W37", url="https://example.org/a"),
            "0002-b.yml": entry(kind="article", week="2020-W38", url="https://example.org/b"),
            "0003-c.yml": entry(kind="other", week="2020-W38", url="https://example.org/c"),
            "0004-d.yml": entry(week="2020-W39", url="https://example.org/d"),
        }
    )
    assert cli("build", cwd=root).exit_code == 0
    index = (root / "dist" / "index.md").read_text(encoding="utf-8")
    rows = [line for line in index.splitlines() if line.startswith("| 2020-")]
    assert [row.split("|")[1].strip() for row in rows] == ["2020-W39", "2020-W38", "2020-W37"]
    assert rows[1].endswith("| 0 | 1 | 0 | 1 |")
    assert "[Test Digest #Week 38, 2020](2020-W38.md)" in rows[1]
    table = MarkdownIt("commonmark").enable("table").render(index)
    assert table.count("<tr>") == 4


# --- refusing invalid content -------------------------------------------------------------


def test_broken_entry_makes_build_write_nothing(cli: Cli, example_repo: Path, tmp_path: Path) -> None:
    broken = example_repo / "issues" / "0003-game-balancing-with-alphazero.yml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("kind: paper\n", ""), encoding="utf-8")
    bad_url = example_repo / "issues" / "0010-improving-arrival-time-prediction-with-gnns.yml"
    text = bad_url.read_text(encoding="utf-8")
    bad_url.write_text(text.replace("url: https://deepmind.com", "url: https//deepmind.com"), encoding="utf-8")
    out = tmp_path / "out"
    result = cli("build", "--out", str(out), cwd=example_repo)
    assert result.exit_code == 1
    assert "issues/0003-game-balancing-with-alphazero.yml:1:1: error: missing required field 'kind'" in result.stderr
    assert "issues/0010-improving-arrival-time-prediction-with-gnns.yml:3:6: error: url:" in result.stderr
    assert "nothing was written" in result.stderr
    assert result.stdout == ""
    assert not out.exists()

    validate = cli("validate", cwd=example_repo)
    assert validate.exit_code == 1
    assert validate.stdout.count(": error: ") == 2


def test_existing_output_is_untouched_when_content_breaks(cli: Cli, example_repo: Path) -> None:
    assert cli("build", cwd=example_repo).exit_code == 0
    before = {p: p.read_bytes() for p in (example_repo / "dist").rglob("*") if p.is_file()}
    entry_file = example_repo / "issues" / "0001-decoding-brain-activity-for-language-generation.yml"
    entry_file.write_text(entry_file.read_text(encoding="utf-8").replace("Decoding", "Reading"), encoding="utf-8")
    (example_repo / "issues" / "0099-broken.yml").write_text("kind: paper\nheadline: [\n", encoding="utf-8")
    assert cli("build", cwd=example_repo).exit_code == 1
    assert {p: p.read_bytes() for p in (example_repo / "dist").rglob("*") if p.is_file()} == before


# --- --week --------------------------------------------------------------------------------


def test_week_option_builds_one_week(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "0001-a.yml": entry(week="2020-W37", url="https://example.org/a"),
            "0002-b.yml": entry(week="2020-W38", url="https://example.org/b"),
        }
    )
    result = cli("build", "--week", "2020-W38", cwd=root)
    assert result.exit_code == 0
    assert sorted(p.name for p in (root / "dist").iterdir() if p.is_file()) == ["2020-W38.md"]
    week = (root / "dist" / "2020-W38.md").read_text(encoding="utf-8")
    assert "[← Previous week: 2020-W37](2020-W37.md)" in week


def test_week_without_entries_exits_1(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo({"0001-a.yml": entry()})
    result = cli("build", "--week", "2020-W40", cwd=root)
    assert result.exit_code == 1
    assert "2020-W40 has no selected entries (weeks with entries: 2020-W38)" in result.stderr
    assert not (root / "dist").exists()


@pytest.mark.parametrize("week", ["2020-40", "2021-W53", "last"])
def test_malformed_week_option_exits_2(cli: Cli, make_repo: MakeRepo, week: str) -> None:
    root = make_repo({"0001-a.yml": entry()})
    result = cli("build", "--week", week, cwd=root)
    assert result.exit_code == 2
    assert "--week" in result.stderr


# --- rendering -----------------------------------------------------------------------------


def _build_one(cli: Cli, root: Path, week: str = "2020-W38") -> str:
    result = cli("build", cwd=root)
    assert result.exit_code == 0, result.stderr + result.stdout
    return (root / "dist" / f"{week}.md").read_text(encoding="utf-8")


def test_zero_one_and_several_images(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "0001-none.yml": entry(headline="No image", url="https://example.org/0"),
            "0002-one.yml": entry(headline="One image", url="https://example.org/1")
            + "images:\n  - src: https://example.org/fig.png\n    alt: The model\n",
            "0003-three.yml": entry(kind="article", headline="Three images", url="https://example.org/3")
            + "images:\n  - src: img/a.png\n  - src: img/b(1).png\n    alt: B\n    caption: Figure *B*\n"
            "  - src: https://example.org/c.png\n",
        }
    )
    text = _build_one(cli, root)
    html = MarkdownIt("commonmark").render(text)
    blocks = {h: html.split(f">{h}</h3>", 1)[1].split("<h", 1)[0] for h in ("No image", "One image", "Three images")}
    assert blocks["No image"].count("<img") == 0
    assert blocks["One image"].count("<img") == 1
    assert '<img src="https://example.org/fig.png" alt="The model" />' in blocks["One image"]
    assert blocks["Three images"].count("<img") == 3
    assert '<img src="img/b%281%29.png" alt="B" />' in blocks["Three images"]
    assert "<em>Figure *B*</em>" in blocks["Three images"]


def test_paper_and_card_shapes(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "0001-titled.yml": entry(headline="Titled", title="A Full Title", url="https://arxiv.org/abs/2009.03393"),
            "0002-untitled.yml": entry(headline="Untitled", url="https://arxiv.org/abs/2009.04765"),
            "0003-card.yml": entry(kind="use_case", headline="With card", url="https://example.org/c")
            + "link_card:\n  title: Page title\n  description: What it says\n  site: example.org\n",
            "0004-bare-link.yml": entry(kind="other", headline="Bare link", url="https://example.org/d"),
            "0005-no-link.yml": entry(kind="other", headline="No link", url=""),
        }
    )
    text = _build_one(cli, root)
    assert ("*A Full Title*\\\n[https://arxiv.org/abs/2009.03393](https://arxiv.org/abs/2009.03393)") in text
    assert "### Untitled\n\n[https://arxiv.org/abs/2009.04765](https://arxiv.org/abs/2009.04765)\n" in text
    assert "> **[Page title](https://example.org/c)**\\\n> What it says\\\n> example.org\n" in text
    assert "### Bare link\n\nSummary.\n\n[https://example.org/d](https://example.org/d)\n" in text
    assert "### No link\n\nSummary.\n" in text


def test_user_text_is_escaped(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "0001-x.yml": entry(
                headline="'# <script>alert(1)</script> *bold* _it_ [x](y)'",
                title="'a_b_c <img src=x onerror=alert(1)>'",
                url="https://arxiv.org/abs/2009.03393",
                summary="'Some *real* emphasis, <iframe src=x></iframe> and `<code>`.'",
            ),
        }
    )
    text = _build_one(cli, root)
    html = MarkdownIt("commonmark").render(text)
    assert "<script>" not in html
    assert "<img" not in html
    assert "<iframe" not in html
    assert "<h3># &lt;script&gt;alert(1)&lt;/script&gt; *bold* _it_ [x](y)</h3>" in html
    assert "<em>a_b_c &lt;img src=x onerror=alert(1)&gt;</em>" in html
    assert "<em>real</em>" in html
    assert "<code>&lt;code&gt;</code>" in html
    _fragments_resolve(text)


def test_picks_are_listed_and_linked(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "0001-a.yml": entry(headline="First", url="https://example.org/a"),
            "0002-b.yml": entry(kind="other", headline="Picked other", url="https://example.org/b", pick="true"),
            "0003-c.yml": entry(headline="Picked paper", url="https://example.org/c", pick="true"),
        }
    )
    text = _build_one(cli, root)
    picks = text.split("## Editor's pickup\n\n", 1)[1].split("\n\n", 1)[0]
    assert picks == "- [Picked paper](#picked-paper)\n- [Picked other](#picked-other)"
    assert text.index("## Editor's pickup") < text.index("## Contents")
    _fragments_resolve(text)


def test_repeated_headlines_get_distinct_anchors(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "0001-a.yml": entry(headline="Contents", url="https://example.org/a", pick="true"),
            "0002-b.yml": entry(headline="Contents", url="https://example.org/b", pick="true"),
        }
    )
    text = _build_one(cli, root)
    assert _fragments_resolve(text).count("contents-1") == 1


def test_order_title_intro_and_outro_from_the_digest_file(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "0001-a.yml": entry(headline="Alpha", url="https://arxiv.org/abs/2009.03393"),
            "0002-b.yml": entry(headline="Beta", url="https://example.org/b"),
            "0003-c.yml": entry(headline="Gamma", url="https://example.org/c"),
            "digests/2020-W38.yml": "title: A special week\nintro: Hello *readers*.\noutro: See you.\n"
            "order:\n  - 0003-c\n  - arxiv:2009.03393\n",
        }
    )
    text = _build_one(cli, root)
    assert text.startswith("# A special week\n\nHello *readers*.\n")
    assert [h for level, h in _headings(text) if level == 3] == ["Gamma", "Alpha", "Beta"]
    assert "See you." in text


def test_statuses_decide_what_is_shown(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "0001-selected.yml": entry(headline="Selected", url="https://example.org/a"),
            "0002-published.yml": entry(headline="Published", url="https://example.org/b", status="published"),
            "0003-inbox.yml": entry(headline="Inbox", url="https://example.org/c", status="inbox"),
            "0004-skip.yml": entry(headline="Skipped", url="https://example.org/d", status="skip"),
        }
    )
    headlines = [h for level, h in _headings(_build_one(cli, root)) if level == 3]
    assert headlines == ["Selected", "Published"]


def test_week_from_date_in_each_scheme(cli: Cli, make_repo: MakeRepo) -> None:
    files = {"0001-a.yml": entry(week="", date="2021-02-07")}
    us = make_repo(files, name="us")
    pages = [f for f in cli("build", cwd=us).stdout.splitlines() if f.endswith(".md")]
    assert pages == ["dist/2021-W07.md", "dist/index.md"]
    iso = make_repo(files, config="title: T\nweek_scheme: iso\n", name="iso")
    pages = [f for f in cli("build", cwd=iso).stdout.splitlines() if f.endswith(".md")]
    assert pages == ["dist/2021-W05.md", "dist/index.md"]
    text = (iso / "dist" / "2021-W05.md").read_text(encoding="utf-8")
    assert "week 5 of 2021 (Feb 1~)" in text


@pytest.mark.parametrize(
    ("language", "title", "intro", "contents"),
    [
        ("ja", "## 1. 機械学習論文", "2020年第38週(9月13日~)", "## 目次"),
        ("zh", "## 1. 机器学习论文", "2020 年第 38 周(9 月 13 日~)", "## 内容"),
    ],
)
def test_languages(cli: Cli, make_repo: MakeRepo, language: str, title: str, intro: str, contents: str) -> None:
    root = make_repo(
        {"0001-a.yml": entry(summary=f"\n  en: English\n  {language}: Localised")},
        config=f"title: T\nlanguage: {language}\n",
    )
    text = _build_one(cli, root)
    assert title in text
    assert intro in text
    assert contents in text
    assert "Localised" in text
    assert "English" not in text
    _fragments_resolve(text)


def test_configured_sections_and_title_pattern(cli: Cli, make_repo: MakeRepo) -> None:
    config = (
        "title: Weekly\ndigest_title: '{title}: {week_id} ({start:%d %b} to {end:%d %b %Y})'\n"
        "intro: 'Starting {start_text}.'\nfooter: Bye.\n"
        "sections:\n  - id: reading\n    kinds: [paper, article]\n    title: Reading\n"
        "  - id: news\n    kinds: [use_case, other]\n    title: News\n"
    )
    root = make_repo(
        {
            "0001-a.yml": entry(kind="other", headline="Other", url="https://example.org/a"),
            "0002-b.yml": entry(kind="article", headline="Article", url="https://example.org/b"),
            "0003-c.yml": entry(kind="paper", headline="Moved", url="https://example.org/c", section="news"),
        },
        config=config,
    )
    text = _build_one(cli, root)
    assert text.startswith("# Weekly: 2020-W38 (13 Sep to 19 Sep 2020)\n\nStarting Sep 13.\n")
    assert [h for _, h in _headings(text)][1:] == ["Contents", "1. Reading", "Article", "2. News", "Other", "Moved"]
    assert text.endswith("---\n\nBye.\n")


def test_repository_templates_override_the_built_in_ones(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo({"0001-a.yml": entry(headline="Custom *one*")})
    (root / "templates").mkdir()
    (root / "templates" / "entry.md.j2").write_text("### >> {{ item.headline | md }} <<\n", encoding="utf-8")
    text = _build_one(cli, root)
    assert "### >> Custom \\*one\\* <<" in text
    assert text.startswith("# Test Digest #Week 38, 2020")  # the rest still comes from the built-in templates


def test_template_error_is_reported_not_a_traceback(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo({"0001-a.yml": entry()})
    (root / "templates").mkdir()
    (root / "templates" / "entry.md.j2").write_text("{{ item.no_such_field }}\n", encoding="utf-8")
    result = cli("build", cwd=root)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert "no_such_field" in result.stderr
    assert not (root / "dist").exists()


def test_previous_and_next_links(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "0001-a.yml": entry(week="2020-W36", url="https://example.org/a"),
            "0002-b.yml": entry(week="2020-W38", url="https://example.org/b"),
            "0003-c.yml": entry(week="2020-W40", url="https://example.org/c"),
        }
    )
    text = _build_one(cli, root)
    assert "[← Previous week: 2020-W36](2020-W36.md) · [Next week: 2020-W40 →](2020-W40.md)" in text
    first = (root / "dist" / "2020-W36.md").read_text(encoding="utf-8")
    assert "Previous week" not in first
    assert "[Next week: 2020-W38 →](2020-W38.md)" in first


# --- entry points ------------------------------------------------------------------------------


def test_python_dash_m_and_console_script(example_repo: Path, tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "ghdigest", "--version"], capture_output=True, text=True, check=False)
    assert run.returncode == 0
    assert run.stdout.startswith("ghdigest, version ")
    script = Path(sys.executable).parent / "ghdigest"
    out = tmp_path / "out"
    built = subprocess.run(
        [str(script), "build", str(example_repo), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    assert (out / "2020-W38.md").read_bytes() == (GOLDEN / "seed" / "2020-W38.md").read_bytes()


def test_help_explains_every_command_and_the_readme_documents_it(cli: Cli) -> None:
    from ghdigest.cli import main

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    listing = cli("--help")
    assert listing.exit_code == 0
    assert set(main.commands) >= {"build", "validate", "sync", "forms"}
    for command in main.commands:
        assert command in listing.stdout
        sub = cli(command, "--help")
        assert sub.exit_code == 0
        assert "ROOT" in sub.stdout
        assert f"ghdigest {command} " in readme, f"README does not document 'ghdigest {command}'"
        for subcommand in getattr(main.commands[command], "commands", {}):  # a group: each of its commands too
            sub = cli(command, subcommand, "--help")
            assert sub.exit_code == 0
            assert "ROOT" in sub.stdout
            assert f"ghdigest {command} {subcommand} " in readme


def test_project_root_is_the_example_repository() -> None:
    assert (PROJECT_ROOT / "ghdigest.yml").is_file()
    assert len(list((PROJECT_ROOT / "issues").glob("*.yml"))) == 14


def test_anchor_follows_the_heading_as_shown(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo({"0001-a.yml": entry(headline="'A  double   space'", pick="true")})
    text = _build_one(cli, root)
    assert "- [A double space](#a-double-space)" in text
    _fragments_resolve(text)


def test_output_files_are_readable_by_others(cli: Cli, example_repo: Path) -> None:
    assert cli("build", cwd=example_repo).exit_code == 0
    mode = (example_repo / "dist" / "2020-W38.md").stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_a_folder_in_the_way_stops_the_build_before_any_write(cli: Cli, example_repo: Path) -> None:
    (example_repo / "dist" / "index.md").mkdir(parents=True)
    result = cli("build", cwd=example_repo)
    assert result.exit_code == 2
    assert "dist/index.md: something other than a file is in the way" in result.stderr
    assert not (example_repo / "dist" / "2020-W38.md").exists()


def test_rebuilt_files_keep_their_permissions_and_leave_no_temporaries(cli: Cli, example_repo: Path) -> None:
    assert cli("build", cwd=example_repo).exit_code == 0
    page = example_repo / "dist" / "2020-W38.md"
    page.write_text("changed by hand\n", encoding="utf-8")
    page.chmod(0o640)
    # A temporary name an interrupted run of this very process could have left is never written over.
    stray = example_repo / "dist" / f".2020-W38.md.{os.getpid()}.0.tmp"
    stray.write_text("left over\n", encoding="utf-8")
    assert cli("build", "--no-cache", cwd=example_repo).exit_code == 0
    assert page.stat().st_mode & 0o777 == 0o640
    assert page.read_text(encoding="utf-8").startswith("#")
    assert stray.read_text(encoding="utf-8") == "left over\n"
    left = [p.name for p in (example_repo / "dist").rglob(".*.tmp") if p != stray]
    assert left == []
