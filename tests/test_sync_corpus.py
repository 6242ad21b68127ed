"""``ghdigest sync`` over a corpus of real-world-shaped per-paper issues, against the GitHub stand-in.

``tests/corpus/issues.json`` holds issues written the way curators write them (the ML_papers and
arXivTimes templates, the Ochiai questions, Chinese and Korean text, issue forms, bare links, odd
titles, duplicates, closed issues, odd labels) and pull requests mixed in. Each item has ``key``
(a name for this file only), ``title``, ``body``, ``labels``, ``state``, and optionally
``pull_request: true``, ``duplicate_of`` (the key of an earlier issue about the same paper) and
``expect``, what the entry must contain:

* a scalar field (``url``, ``kind``, ``status``, ``week``, ``headline``, ...): equal;
* ``summary``: a piece of text the summary (or one of its languages) contains;
* a list (``topics``, ``authors``): items the entry's list holds; ``images``: image sources it holds;
* a mapping (``link_card``): items it holds;
* ``notes``: keys the notes hold; ``absent``: fields the entry must not have;
* ``file``: the slug of the entry's file name (``""`` for ``<number>.yml``).
"""

# The corpus and the checks speak Japanese, Chinese and Korean; full-width punctuation is on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ghdigest import schema
from ghdigest.cli import main
from ghdigest.intake import IssueInput, LabelRules, parse_issue
from ghdigest.yamlio import parse_document
from tests.conftest import write_files
from tests.github_stub import GitHubStub, StubRepo

CORPUS_FILE = Path(__file__).resolve().parent / "corpus" / "issues.json"
CORPUS: list[dict[str, Any]] = json.loads(CORPUS_FILE.read_text(encoding="utf-8"))
ISSUES = [item for item in CORPUS if not item.get("pull_request")]
PULLS = [item for item in CORPUS if item.get("pull_request")]

TOKEN = "ghp_FAKEtokenFORcorpus0123456789abcdefXYZ"
CONFIG = "title: Corpus Digest\nrepo: octo/papers\n"


# ----------------------------------------------------------------------------- running


def invoke(*args: str) -> Result:
    """``ghdigest ARGS`` in-process, stdout and stderr apart, outside GitHub Actions."""
    env: dict[str, str | None] = {"GITHUB_TOKEN": TOKEN, "GITHUB_ACTIONS": None}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@dataclass
class Synced:
    """A corpus loaded into a stand-in repository and pulled once into a digest folder."""

    stub: GitHubStub
    repo: StubRepo
    root: Path
    numbers: dict[str, int]
    """Corpus key → issue or pull request number."""
    result: Result
    parsed: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """(file name, text) → data: files are read afresh, parsed once."""

    def sync(self, *args: str) -> Result:
        return invoke("sync", str(self.root), "--api-url", self.stub.base_url, *args)

    def files(self) -> dict[str, dict[str, Any]]:
        """Entry file name → its data."""
        out = {}
        for path in sorted((self.root / "issues").glob("*.yml")):
            text = path.read_text(encoding="utf-8")
            if (path.name, text) not in self.parsed:
                data = parse_document(text, path.name).data
                assert isinstance(data, dict), path.name
                self.parsed[path.name, text] = data
            out[path.name] = self.parsed[path.name, text]
        return out

    def by_number(self) -> dict[int, tuple[str, dict[str, Any]]]:
        """Issue number → (file name, data); fails when two files claim one issue."""
        found: dict[int, tuple[str, dict[str, Any]]] = {}
        for name, data in self.files().items():
            number = data["issue"]["number"]
            assert number not in found, f"two files for issue #{number}: {found[number][0]} and {name}"
            found[number] = (name, data)
        return found

    def entry(self, key: str) -> tuple[str, dict[str, Any]]:
        return self.by_number()[self.numbers[key]]


def load_corpus(repo: StubRepo, items: list[dict[str, Any]]) -> dict[str, int]:
    numbers = {}
    for item in items:
        add = repo.add_pull_request if item.get("pull_request") else repo.add_issue
        numbers[item["key"]] = add(item["title"], item["body"], labels=item["labels"], state=item["state"])
    return numbers


def start(tmp_path: Path, config: str = CONFIG, items: list[dict[str, Any]] = CORPUS) -> Iterator[Synced]:
    with GitHubStub(token=TOKEN) as stub:
        repo = stub.add_repo("octo", "papers")
        numbers = load_corpus(repo, items)
        root = write_files(tmp_path / "digest", {"ghdigest.yml": config, "issues/.keep": ""})
        synced = Synced(stub, repo, root, numbers, invoke("sync", str(root), "--api-url", stub.base_url))
        assert synced.result.exit_code == 0, synced.result.stderr
        yield synced
        assert stub.validation_errors == []


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    """One first sync of the whole corpus, shared by the read-only checks."""
    yield from start(tmp_path_factory.mktemp("corpus"))


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Synced]:
    """A first sync of its own, for checks that change the repository."""
    yield from start(tmp_path)


# ----------------------------------------------------------------------------- an independent arXiv reader
#
# Deliberately not ghdigest's code: what a reader of the issue would call the paper's arXiv id.

_LINK_HEADINGS = {
    "paper url",
    "paper link",
    "paper",
    "link",
    "url",
    "arxiv",
    "arxiv id",
    "論文リンク",
    "リンク",
    "论文链接",
    "论文地址",
    "链接",
    "논문 링크",
    "논문",
    "論文へのリンク",
}
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$")
_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv\.org/+(?:abs|pdf|html)/+|arxiv:\s?|^\s*\[?|\s\[)"
    r"(?P<id>\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?(?![\d/])",
    re.IGNORECASE | re.MULTILINE,
)


def _heading_key(text: str) -> str:
    text = re.sub(r"\(.*\)$", "", text.strip().strip("*").strip()).strip()
    text = re.sub(r"^\d+\.\s*", "", text).strip("【】■ ")
    return text.rstrip(":：?？").strip().casefold()


def _plausible(arxiv: str) -> bool:
    if "/" in arxiv:
        return True
    yymm, _, number = arxiv.partition(".")
    year, month = int(yymm[:2]), int(yymm[2:])
    return 1 <= month <= 12 and (year, month) >= (7, 4) and len(number) == (4 if (year, month) <= (14, 12) else 5)


def paper_link_text(item: dict[str, Any]) -> str:
    """The text that gives an issue's paper link: its link section, a bare-link body, or its title."""
    lines = (item["body"] or "").replace("\r\n", "\n").split("\n")
    section: list[str] | None = None
    for line in lines:
        heading = _HEADING.match(line)
        if heading is not None:
            if section is not None:
                break
            if _heading_key(heading.group(1)) in _LINK_HEADINGS:
                section = []
        elif section is not None:
            section.append(line)
    if section is not None:
        return "\n".join(section)
    body = (item["body"] or "").strip()
    if body and not any(ch.isspace() for ch in body):
        return body
    if body and _ARXIV_IN_TEXT.match(body.split("\n", 1)[0].strip()):
        return body.split("\n", 1)[0]  # the Ochiai habit: the link on the first line
    return item["title"]


def arxiv_ids(text: str) -> list[str]:
    return [m.group("id") for m in _ARXIV_IN_TEXT.finditer(text) if _plausible(m.group("id"))]


# ----------------------------------------------------------------------------- the corpus itself


def test_the_corpus_is_broad() -> None:
    assert len(ISSUES) >= 60
    assert len(PULLS) >= 8
    keys = [item["key"] for item in CORPUS]
    assert len(keys) == len(set(keys))
    bodies = "\n".join(item["body"] or "" for item in ISSUES)
    for marker in ("# TL;DR", "# Paper URL", "## 一言でいうと", "### 論文リンク", "## どんなもの", "## 一句话总结"):
        assert marker in bodies, marker
    for marker in ("## 한줄 요약", "### Headline", "_No response_", "<img width=", "](https://arxiv.org", "\r\n"):
        assert marker in bodies, marker
    spellings = ("arxiv.org/abs/", "/pdf/", ".pdf", "http://", "www.", "abs//", "export.arxiv.org", "hep-th/")
    for spelling in spellings:
        assert spelling in bodies, spelling
    assert "<https://arxiv.org" in bodies
    assert re.search(r"arxiv\.org/abs/[\d.]+(v\d+)?。", bodies)
    assert re.search(r"arxiv\.org/abs/[\d.]+(v\d+)?\)", bodies)
    assert any(item["state"] == "closed" for item in ISSUES)
    assert sum("duplicate_of" in item for item in ISSUES) >= 4
    titles = [item["title"] for item in ISSUES]
    assert {"a", "あ", "test"} <= set(titles)
    assert any(title.startswith("http") for title in titles)
    assert any(len(title) > 200 for title in titles)
    assert any("../" in title for title in titles)
    assert any("\u0600" <= ch <= "\u06ff" for title in titles for ch in title)  # right-to-left
    labels = {label for item in ISSUES for label in item["labels"]}
    assert any(" " in label for label in labels)
    assert any("/" in label for label in labels)
    assert any("(" in label for label in labels)
    assert any("\u3040" <= ch <= "\u30ff" for ch in "".join(labels))
    assert {"kind:article", "kind:use-case", "use case", "other", "kind:other"} & labels
    assert any(label.startswith("week:") for label in labels)
    assert any(not item["body"] for item in ISSUES)


# ----------------------------------------------------------------------------- the first sync


def test_one_file_per_issue_and_none_for_pull_requests(synced: Synced) -> None:
    found = synced.by_number()
    issues = {synced.numbers[item["key"]] for item in ISSUES}
    pulls = {synced.numbers[item["key"]] for item in PULLS}
    assert set(found) == issues
    assert not set(found) & pulls
    assert len(synced.files()) == len(ISSUES)
    for number, (name, _) in found.items():
        assert name == f"{number}.yml" or name.startswith(f"{number}-")
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*\.yml", name), name


def test_validate_accepts_the_result(synced: Synced) -> None:
    result = invoke("validate", str(synced.root))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "error" not in (result.stdout + result.stderr).replace("0 errors", "")


def test_every_file_is_valid_against_the_entry_schema(synced: Synced) -> None:
    for name, data in synced.files().items():
        assert schema.validate("entry", data) == [], name


def test_every_arxiv_link_yields_its_normalised_id(synced: Synced) -> None:
    checked = 0
    for item in ISSUES:
        name, data = synced.entry(item["key"])
        ids = arxiv_ids(paper_link_text(item))
        if ids:
            checked += 1
            assert data.get("url") == f"https://arxiv.org/abs/{ids[0]}", (item["key"], name)
    assert checked >= 50
    for name, data in synced.files().items():
        url = data.get("url", "")
        if re.match(r"https?://(www\.|export\.)?arxiv\.org/", url):
            assert re.fullmatch(r"https://arxiv\.org/abs/(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})", url), name


@pytest.mark.parametrize("item", [item for item in ISSUES if "expect" in item], ids=lambda item: item["key"])
def test_expectations(synced: Synced, item: dict[str, Any]) -> None:
    name, data = synced.entry(item["key"])
    number = synced.numbers[item["key"]]
    for key, wanted in item["expect"].items():
        if key == "absent":
            for absent in wanted:
                assert absent not in data, f"{absent} should be absent: {data.get(absent)!r}"
        elif key == "file":
            assert name == (f"{number}-{wanted}.yml" if wanted else f"{number}.yml")
        elif key == "summary":
            summary = data.get("summary")
            texts = list(summary.values()) if isinstance(summary, dict) else [summary or ""]
            assert any(wanted in text for text in texts), summary
        elif key == "notes":
            assert set(wanted) <= set(data.get("notes", {})), data.get("notes")
        elif key == "images":
            assert set(wanted) <= {image["src"] for image in data.get("images", [])}
        elif isinstance(wanted, list):
            assert set(wanted) <= set(data.get(key, [])), data.get(key)
        elif isinstance(wanted, dict):
            assert wanted.items() <= data.get(key, {}).items(), data.get(key)
        elif key == "status":
            assert data.get("status", "selected") == wanted
        else:
            assert data.get(key) == wanted, key
    assert data["issue"]["state"] == item["state"]


def test_duplicates_are_reported_and_the_later_copy_skipped(synced: Synced) -> None:
    stderr = synced.result.stderr
    for item in ISSUES:
        if "duplicate_of" not in item:
            continue
        number, original = synced.numbers[item["key"]], synced.numbers[item["duplicate_of"]]
        lines = [line for line in stderr.splitlines() if f"issue #{number} is the same paper" in line]
        assert lines, f"#{number} ({item['key']}) is not reported as a duplicate"
        original_name, original_data = synced.by_number()[original]
        assert original_name in lines[0] or f"#{original}" in lines[0]
        assert synced.entry(item["key"])[1]["status"] == "skip"
        assert original_data.get("status", "selected") != "skip"
    reported = re.findall(r"issue #(\d+) is the same paper", stderr)
    expected = {synced.numbers[item["key"]] for item in ISSUES if "duplicate_of" in item}
    assert {int(n) for n in reported} == expected, "no other issue is reported as a duplicate"


# ----------------------------------------------------------------------------- later syncs


@pytest.mark.parametrize("comments", [False, True], ids=["issues", "issues+comments"])
def test_a_no_change_rerun_costs_at_most_two_free_requests(tmp_path: Path, comments: bool) -> None:
    config = CONFIG + ("sync:\n  comments: true\n" if comments else "")
    for synced in start(tmp_path, config):
        before = {p.name: p.read_bytes() for p in (synced.root / "issues").iterdir()}
        synced.stub.clear_requests()
        result = synced.sync()
        assert result.exit_code == 0, result.stderr
        assert 1 <= len(synced.stub.requests) <= 2
        assert [r.status for r in synced.stub.requests] == [304] * len(synced.stub.requests)
        assert not any(r.counted for r in synced.stub.requests)
        assert {p.name: p.read_bytes() for p in (synced.root / "issues").iterdir()} == before


RETITLES = {
    "gpt-f": ("GPT-f: theorem proving with language models", "gpt-f-theorem-proving-with-language-models"),
    "placeholder-a": ("StyleGAN2-ADA: GANs with limited data", "stylegan2-ada-gans-with-limited-data"),
    "url-title": ("Score-based generative modeling through SDEs", "score-based-generative-modeling-through-sdes"),
    "emoji-title": ("🦖", ""),
    "rtl-title": ("NLLB: No Language Left Behind", "nllb-no-language-left-behind"),
    "byol-exact-copy": ("BYOL, posted twice", "byol-posted-twice"),
    "long-title": ("Foundation models report", "foundation-models-report"),
}


def test_retitled_issues_leave_no_stale_file(fresh: Synced) -> None:
    before = fresh.by_number()
    for key, (title, _) in RETITLES.items():
        fresh.repo.edit_issue(fresh.numbers[key], title=title)

    result = fresh.sync()

    assert result.exit_code == 0, result.stderr
    after = fresh.by_number()
    assert set(after) == set(before)
    assert len(fresh.files()) == len(ISSUES)
    for key, (_, slug) in RETITLES.items():
        number = fresh.numbers[key]
        name, _ = after[number]
        assert name == (f"{number}-{slug}.yml" if slug else f"{number}.yml"), key
        assert not (fresh.root / "issues" / before[number][0]).exists() or before[number][0] == name
    unchanged = {n: entry for n, entry in before.items() if n not in {fresh.numbers[k] for k in RETITLES}}
    assert all(after[n][0] == name for n, (name, _) in unchanged.items())
    assert fresh.entry("byol-exact-copy")[1]["status"] == "skip"
    assert fresh.entry("placeholder-a")[1]["headline"] == "StyleGAN2-ADA: GANs with limited data"
    assert invoke("validate", str(fresh.root)).exit_code == 0
    # And once more with nothing changed: free.
    fresh.stub.clear_requests()
    assert fresh.sync().exit_code == 0
    assert [r.status for r in fresh.stub.requests] == [304]


# ----------------------------------------------------------------------------- intake fixes the corpus found


def parse(body: str | None, title: str = "A real headline") -> dict[str, Any]:
    result = parse_issue(IssueInput(title, body, ("kind:paper",)))
    assert schema.validate("entry", result.fields) == []
    return result.fields


READY = "# TL;DR\n\nThe gist.\n\n# Paper URL\n\nhttps://arxiv.org/abs/2009.03393\n"


def with_link(link: str) -> str:
    return f"# TL;DR\n\nThe gist.\n\n# Paper URL\n\n{link}\n"


def test_arxiv_links_without_a_scheme() -> None:
    for link in ("arxiv.org/abs/2009.03393v2", "www.arxiv.org/pdf/2009.03393.pdf", "export.arxiv.org/abs/2009.03393"):
        assert parse(with_link(link))["url"] == "https://arxiv.org/abs/2009.03393", link
    assert parse("arxiv.org/abs/2009.03393")["url"] == "https://arxiv.org/abs/2009.03393"
    assert parse("論文はarxiv.org/abs/2009.03393v2です")["url"] == "https://arxiv.org/abs/2009.03393"
    fields = parse("# TL;DR\n\nx", title="GPT-f arxiv.org/abs/2009.03393")
    assert fields["url"] == "https://arxiv.org/abs/2009.03393"
    assert fields["headline"] == "GPT-f"
    # Other hosts still need a scheme: "example.org/x" is text, not a link.
    assert "url" not in parse("# TL;DR\n\nx\n\nsee example.org/x")


@pytest.mark.parametrize("mark", ["\u200b", "\u2060", "\u200b\u200b"])
def test_invisible_marks_after_a_link_are_not_part_of_it(mark: str) -> None:
    assert parse(with_link(f"https://arxiv.org/abs/2004.10934{mark}"))["url"] == "https://arxiv.org/abs/2004.10934"
    assert parse(with_link(f"https://example.org/p{mark}"))["url"] == "https://example.org/p"


@pytest.mark.parametrize(
    "link",
    [
        "https://arxiv.org/abs/2204.14198v2を読んだ",
        "https://arxiv.org/abs/2204.14198%E3%80%82",
        "https://arxiv.org/pdf/2204.14198v1.pdf%EF%BC%89",
    ],
)
def test_text_stuck_to_an_arxiv_link_is_dropped(link: str) -> None:
    assert parse(with_link(link))["url"] == "https://arxiv.org/abs/2204.14198"


@pytest.mark.parametrize(
    "link", ["https://arxiv.org/abs/2009.1234", "https://arxiv.org/abs/2013.01234", "arxiv.org/pdf/2009.03393v"]
)
def test_a_mistyped_arxiv_link_is_reported_not_kept_and_not_guessed(link: str) -> None:
    body = f"# TL;DR\n\nBuilds on https://arxiv.org/abs/1706.03762.\n\n# Paper URL\n\n{link}\n"
    result = parse_issue(IssueInput("A paper", body, ("kind:paper",)))
    assert "url" not in result.fields, "neither the broken link nor a related paper's"
    assert result.fields["status"] == "inbox"
    assert result.fields["notes"]["Paper URL"] == link
    assert result.problems[0] == f"link '{link}' has no valid arXiv id; kept in notes"
    # A body that is nothing but the broken link: no url either (validate would reject it).
    assert "url" not in parse(link)
    # Nor the next link in the text, which is the code or a blog post rather than the paper.
    result = parse_issue(IssueInput("A paper", f"Paper: {link}\nCode: https://github.com/x/y", ()))
    assert "url" not in result.fields
    assert any(
        link in problem and problem.endswith("has no valid arXiv id; no link was taken") for problem in result.problems
    )
    assert parse(f"{link}\nhttps://arxiv.org/abs/2009.03393v2")["url"] == "https://arxiv.org/abs/2009.03393"


def test_a_broken_arxiv_url_in_angle_brackets_is_taken_verbatim() -> None:
    # How render_issue writes a url it cannot normalise: it reads back unchanged.
    assert parse(with_link("<https://arxiv.org/abs/9999.99999>"))["url"] == "https://arxiv.org/abs/9999.99999"


def test_arxiv_ids_written_as_text() -> None:
    assert parse("arXiv:2111.06377\n\n## どんなもの?\n\nx")["url"] == "https://arxiv.org/abs/2111.06377"
    assert parse("論文はarXiv:2305.18290です")["url"] == "https://arxiv.org/abs/2305.18290"
    assert parse("see arxiv:hep-th/9901001v2 too")["url"] == "https://arxiv.org/abs/hep-th/9901001"
    assert parse(with_link("arXiv:math.GT/0309136v1"))["url"] == "https://arxiv.org/abs/math/0309136"
    # Ids without "arXiv:" in prose stay text: version numbers and dates look alike.
    assert "url" not in parse("# TL;DR\n\nRelease 2009.03393 of the tool.")
    # In text order: the explicit id on the first line beats a related paper further down.
    assert parse("arXiv:2111.06377\n\n## 次に読むべき論文は？\n\nhttps://arxiv.org/abs/2006.07733")["url"] == (
        "https://arxiv.org/abs/2111.06377"
    )


def test_an_arxiv_page_title_pasted_as_the_issue_title() -> None:
    fields = parse("# TL;DR\n\nx", title="[2009.14794] Rethinking Attention with Performers")
    assert fields["url"] == "https://arxiv.org/abs/2009.14794"
    assert fields["headline"] == "Rethinking Attention with Performers"
    assert parse("# TL;DR\n\nx", title="[WIP] A paper")["headline"] == "[WIP] A paper"
    # The body's link wins over the title's.
    assert parse(with_link("https://arxiv.org/abs/2006.07733"), title="[2009.14794] x")["url"] == (
        "https://arxiv.org/abs/2006.07733"
    )


@pytest.mark.parametrize(
    ("body", "field", "value"),
    [
        ("### arXiv ID\n\n2201.11903v6", "url", "https://arxiv.org/abs/2201.11903"),
        ("## 논문 링크\n\nhttps://arxiv.org/abs/2201.03545", "url", "https://arxiv.org/abs/2201.03545"),
        ("## 한줄 요약\n\n정리 증명.", "summary", "정리 증명."),
        ("## 요약\n\n요약입니다.", "summary", "요약입니다."),
        ("## 저자\n\nA, B", "authors", ["A", "B"]),
        ("## 제출일\n\n2022.01.10", "submitted", "2022-01-10"),
        ("## 論文へのリンク\n\nhttps://arxiv.org/abs/1703.10593", "url", "https://arxiv.org/abs/1703.10593"),
    ],
)
def test_more_heading_names(body: str, field: str, value: Any) -> None:
    assert parse(body)[field] == value


def test_an_abstract_is_the_summary_only_when_nothing_better_is_given() -> None:
    assert parse("## 摘要\n\n提出 SAM。\n\n## 论文链接\n\nhttps://x.org/p")["summary"] == "提出 SAM。"
    assert parse("## Abstract\n\nLong abstract.")["summary"] == "Long abstract."
    fields = parse("## 一言でいうと\n\n短く。\n\n## 概要\n\n長い概要。")
    assert fields["summary"] == "短く。"
    assert fields["notes"] == {"概要": "長い概要。"}
    fields = parse("## Abstract\n\nA.\n\n## Summary\n\nS.")
    assert fields["summary"] == "S."
    assert fields["notes"] == {"Abstract": "A."}


@pytest.mark.parametrize(
    "heading",
    [
        "1. どんなもの？ (Summary)",
        "1. どんなもの？",
        "【一言でいうと】",
        "■ TL;DR",
        "(1) TL;DR",
        "① 一言でいうと",
        "2. TL;DR:",
    ],
)
def test_numbered_decorated_and_glossed_headings(heading: str) -> None:
    fields = parse(f"## {heading}\n\nThe gist.\n\n## 0. 著者 (Authors)\n\nA, B")
    assert fields["summary"] == "The gist."
    assert fields["authors"] == ["A", "B"]
    assert "notes" not in fields


def test_a_gloss_is_read_only_beside_a_non_english_heading() -> None:
    # "Methods (figure)" is a note, not an Images answer; "手法 (Summary)" reads its gloss.
    assert parse("## Methods (figure)\n\ntext")["notes"] == {"Methods (figure)": "text"}
    assert parse("## 手法 (Summary)\n\ntext")["summary"] == "text"


def test_break_lines_between_template_sections_are_dropped() -> None:
    body = (
        "## 0. 著者 (Authors)\nA, B\n\n<br/><br/>\n\n"
        "## 1. どんなもの？ (Summary)\nx\n\n<BR>\n\n## コメント\n\n<br/><br/>"
    )
    fields = parse(body)
    assert fields["authors"] == ["A", "B"]
    assert fields["summary"] == "x"
    assert fields["notes"] == {"コメント": ""}
    assert parse("# TL;DR\n\na<br/>b\n\n<br>\n\nc")["summary"] == "a<br/>b\n\n<br>\n\nc", "inner breaks stay"
    form = "### Headline\n\nH\n\n### Summary\n\nx\n\n<br/>"
    assert parse(form)["summary"] == "x\n\n<br/>", "form answers are kept as written"


def test_week_scheme_rejects_weeks_the_calendar_lacks() -> None:
    def week(labels: tuple[str, ...], body: str = READY, scheme: Any = None) -> Any:
        result = parse_issue(IssueInput("A paper", body, labels), LabelRules(week_scheme=scheme))
        return result.fields.get("week"), result.problems

    assert week(("week:2020-W53",)) == ("2020-W53", ()), "no scheme: any well-formed week, as before"
    assert week(("week:2020-W53",), scheme="iso") == ("2020-W53", ())
    found, problems = week(("week:2020-W53",), scheme="us")
    assert found is None
    assert problems[0] == "label 'week:2020-W53': 2020-W53 does not exist in us weeks; ignored"
    found, problems = week((), "### Headline\n\nH\n\n### Summary\n\nS\n\n### Week\n\n2021-W53", scheme="iso")
    assert found is None
    assert "week '2021-W53': 2021-W53 does not exist in iso weeks; ignored" in problems


# ----------------------------------------------------------------------------- duplicates across syncs and kinds


def _paper(key: str, title: str, link: str, labels: tuple[str, ...] = ("kind:paper",)) -> dict[str, Any]:
    body = f"# TL;DR\n\nAbout {title}.\n\n# Paper URL\n\n{link}\n"
    return {"key": key, "title": title, "body": body, "labels": list(labels), "state": "open"}


def test_a_non_paper_entry_linking_a_listed_paper_leaves_a_valid_repository(tmp_path: Path) -> None:
    items = [
        _paper("gpt-f", "GPT-f", "https://arxiv.org/abs/2009.03393"),
        _paper("explainer", "A blog post on GPT-f", "https://arxiv.org/abs/2009.03393v2", ("kind:article",)),
    ]
    for synced in start(tmp_path, items=items):
        assert invoke("validate", str(synced.root)).exit_code == 0


def test_an_earlier_issue_edited_to_a_later_issues_paper_leaves_a_valid_repository(tmp_path: Path) -> None:
    items = [
        {"key": "early", "title": "Link later", "body": "# TL;DR\n\nSomething.", "labels": [], "state": "open"},
        _paper("later", "GPT-f", "https://arxiv.org/abs/2009.03393"),
    ]
    for synced in start(tmp_path, items=items):
        synced.repo.edit_issue(synced.numbers["early"], body=with_link("https://arxiv.org/pdf/2009.03393v1"))
        result = synced.sync()
        assert result.exit_code == 0, result.stderr
        assert f"issue #{synced.numbers['later']} is the same paper" in result.stderr
        assert invoke("validate", str(synced.root)).exit_code == 0


def test_a_week_label_the_calendar_lacks_leaves_a_valid_repository(tmp_path: Path) -> None:
    items = [_paper("w53", "A paper", "https://arxiv.org/abs/2012.04345", ("kind:paper", "week:2020-W53"))]
    for synced in start(tmp_path, items=items):  # US weeks: 2020 has 52
        assert invoke("validate", str(synced.root)).exit_code == 0
