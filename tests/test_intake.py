"""Issue text ⇄ entry fields: issue forms, free-form templates, degenerate issues, labels, round trips."""

# Japanese and Chinese issues use full-width punctuation on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ghdigest import schema
from ghdigest.identifiers import arxiv_id
from ghdigest.intake import (
    NO_RESPONSE,
    PICK_OPTION,
    IssueInput,
    LabelRules,
    clean_block,
    clean_line,
    parse_issue,
    render_issue,
)
from ghdigest.yamlio import load_document

from .conftest import PROJECT_ROOT
from .test_mentions import live_mentions

FIXTURES = Path(__file__).resolve().parent / "intake"
CASES = sorted(FIXTURES.glob("*.md"))


def parse(body: str | None, title: str = "A real headline", labels: tuple[str, ...] = (), **kwargs: Any) -> Any:
    """Parse an issue and check the result against the entry schema."""
    created_at = kwargs.pop("created_at", None)
    result = parse_issue(IssueInput(title, body, labels, created_at), **kwargs)
    assert schema.validate("entry", result.fields) == []
    assert "issue" not in result.fields
    return result


def form(**answers: str) -> str:
    """A body the way GitHub writes a submitted issue form: ``### Label``, a blank line, the answer."""
    return "\n\n".join(f"### {label}\n\n{value}" for label, value in answers.items())


def round_trip(fields: dict[str, Any], rules: LabelRules | None = None) -> dict[str, Any]:
    rules = rules or LabelRules()
    rendered = render_issue(fields, rules)
    result = parse_issue(IssueInput(rendered.title, rendered.body, rendered.labels), rules)
    assert schema.validate("entry", result.fields) == []
    return result.fields


# --- fixtures -------------------------------------------------------------------------------------


def test_fixtures_cover_every_format() -> None:
    names = {case.stem for case in CASES}
    assert {"form-paper-en", "form-article-ja", "form-use-case-zh", "ml-papers-en", "arxivtimes-ja"} <= names
    assert {"ochiai-ja", "freeform-zh", "bare-url", "impossible-date-ja", "form-notes-marker-en"} <= names


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.stem)
def test_fixture(case: Path) -> None:
    meta = json.loads(case.with_suffix(".json").read_text(encoding="utf-8"))
    rules = LabelRules(**meta.get("rules", {}))
    body = case.read_text(encoding="utf-8")
    result = parse(body, meta["title"], tuple(meta["labels"]), created_at=meta["created_at"], rules=rules)
    expected = meta["expected"]
    assert result.fields == expected["fields"]
    assert result.marker == expected["marker"]
    assert list(result.problems) == expected["problems"]
    # The same issue written on Windows, or pasted with CRLF line endings, reads the same.
    crlf = parse(body.replace("\n", "\r\n"), meta["title"], tuple(meta["labels"]), created_at=meta["created_at"])
    assert crlf.fields == parse(body, meta["title"], tuple(meta["labels"]), created_at=meta["created_at"]).fields


def _expected_fields(case: Path) -> dict[str, Any]:
    return dict(json.loads(case.with_suffix(".json").read_text(encoding="utf-8"))["expected"]["fields"])


# An inbox entry (not ready) has no promise to come back the same, so only ready ones are listed.
READY_CASES = [case for case in CASES if _expected_fields(case).get("status") != "inbox"]


@pytest.mark.parametrize("case", READY_CASES, ids=lambda path: path.stem)
def test_fixture_entries_round_trip(case: Path) -> None:
    fields = _expected_fields(case)
    assert round_trip(fields) == fields


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "issues").glob("*.yml")), ids=lambda p: p.stem)
def test_seed_entries_round_trip(path: Path) -> None:
    fields = json.loads(json.dumps(load_document(path, path.name).data))
    assert round_trip(fields) == fields


# --- issue forms ----------------------------------------------------------------------------------


def test_form_answers_become_fields() -> None:
    body = form(
        Headline="Improving summaries with human feedback",
        Title="Learning to summarize from human feedback",
        Link="https://arxiv.org/abs/2009.01325v3",
        Summary="Human preferences serve as the reward.",
        Authors="Nisan Stiennon, Long Ouyang",
        Submitted="2020-09-02",
        Images=NO_RESPONSE,
        Topics="summarization, RLHF",
        Week="2020-W38",
        **{"Editor's pick": f"- [ ] {PICK_OPTION}"},
    )
    fields = parse(body, "Summaries from feedback", ("kind:paper",)).fields
    assert fields == {
        "kind": "paper",
        "headline": "Improving summaries with human feedback",
        "title": "Learning to summarize from human feedback",
        "url": "https://arxiv.org/abs/2009.01325",
        "summary": "Human preferences serve as the reward.",
        "topics": ["summarization", "RLHF"],
        "authors": ["Nisan Stiennon", "Long Ouyang"],
        "submitted": "2020-09-02",
        "week": "2020-W38",
        "pick": False,
    }


@pytest.mark.parametrize("box", ["- [X]", "- [x]", "* [x]"])
def test_a_checked_pick_box_makes_a_pick(box: str) -> None:
    body = form(Headline="h", Summary="s", **{"Editor's pick": f"{box} {PICK_OPTION}"})
    assert parse(body, labels=("kind:other",)).fields["pick"] is True


def test_no_response_is_an_empty_answer() -> None:
    body = form(Headline=NO_RESPONSE, Title=NO_RESPONSE, Summary=NO_RESPONSE, **{"Editor's pick": NO_RESPONSE})
    fields = parse(body, "Headline from the title", ("kind:other",)).fields
    assert fields["headline"] == "Headline from the title"
    assert "title" not in fields
    assert "summary" not in fields
    assert "pick" not in fields


def test_headings_inside_an_answer_belong_to_it() -> None:
    summary = "First.\n\n## Method\n\nSecond.\n\n### Not a form label\n\nThird.\n\n# Top\n\nFourth."
    body = form(Headline="h", Summary=summary, Link="https://example.org/a")
    fields = parse(body, labels=("kind:article",)).fields
    assert fields["summary"] == summary
    assert fields["url"] == "https://example.org/a"
    assert "notes" not in fields


def test_a_fence_hides_form_labels() -> None:
    summary = "Look:\n\n```markdown\n### Link\n\nhttps://bad.example\n```\n\nDone."
    body = form(Headline="h", Summary=summary, Link="https://good.example/x")
    fields = parse(body, labels=("kind:article",)).fields
    assert fields["summary"] == summary
    assert fields["url"] == "https://good.example/x"


def test_an_unknown_heading_after_a_one_line_answer_is_a_note() -> None:
    body = form(Headline="h", Link="https://example.org", Summary="s", Week="2020-W38") + "\n\n### Later\n\nmore"
    assert parse(body, labels=("kind:article",)).fields["notes"] == {"Later": "more"}


def test_form_labels_are_matched_loosely() -> None:
    body = "### headline:\n\nh\n\n### SUMMARY\n\ns\n\n### Link：\n\nhttps://example.org/p"
    fields = parse(body, labels=("kind:article",)).fields
    assert (fields["headline"], fields["summary"], fields["url"]) == ("h", "s", "https://example.org/p")


def test_an_empty_link_answer_means_no_link() -> None:
    # A form's Link left empty is not filled from a URL mentioned in the summary.
    body = form(Headline="BYOL code", Link=NO_RESPONSE, Summary="Code at https://github.com/deepmind/byol")
    fields = parse(body, labels=("kind:other",)).fields
    assert "url" not in fields
    assert "status" not in fields


def test_per_language_summaries() -> None:
    body = form(Headline="h", **{"Summary (en)": "English.", "Summary (JA)": "日本語。", "Summary (zh-Hant)": "中文。"})
    fields = parse(body, labels=("kind:other",)).fields
    assert fields["summary"] == {"en": "English.", "ja": "日本語。", "zh-Hant": "中文。"}


def test_a_plain_summary_beside_per_language_ones_goes_to_notes() -> None:
    body = form(Headline="h", Summary="Plain.", **{"Summary (ja)": "日本語。"})
    result = parse(body, labels=("kind:other",))
    assert result.fields["summary"] == {"ja": "日本語。"}
    assert result.fields["notes"] == {"Summary": "Plain."}
    assert any("per-language" in problem for problem in result.problems)


def test_repeated_form_labels_keep_the_first_and_note_the_rest() -> None:
    body = form(Headline="first", Summary="s") + "\n\n### Headline\n\nsecond"
    fields = parse(body, labels=("kind:other",)).fields
    assert fields["headline"] == "first"
    assert fields["notes"] == {"Headline": "second"}


# --- free-form templates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "heading",
    [
        "# TL;DR",
        "## TL;DR:",
        "### tl;dr",
        "# TLDR",
        "## 一言でいうと",
        "## どんなもの？",
        "## 一句话总结：",
        "# **TL;DR**",
    ],
)
def test_summary_headings(heading: str) -> None:
    fields = parse(f"{heading}\n\nThe gist.\n\n# Paper URL\n\nhttps://arxiv.org/abs/2009.03393").fields
    assert fields["summary"] == "The gist."
    assert fields["url"] == "https://arxiv.org/abs/2009.03393"
    assert "notes" not in fields


def test_a_summary_section_wins_over_tldr_which_is_kept() -> None:
    fields = parse("# TL;DR\n\nShort.\n\n# Summary\n\nLong.").fields
    assert fields["summary"] == "Long."
    assert fields["notes"] == {"TL;DR": "Short."}


def test_the_first_tldr_like_section_is_the_summary() -> None:
    fields = parse("## どんなもの？\n\nこれ。\n\n## 一言でいうと\n\nあれ。").fields
    assert fields["summary"] == "これ。"
    assert fields["notes"] == {"一言でいうと": "あれ。"}


def test_level_four_headings_stay_inside_a_section() -> None:
    fields = parse("# TL;DR\n\nA.\n\n#### Detail\n\nB.\n\n##### Deeper\n\nC.").fields
    assert fields["summary"] == "A.\n\n#### Detail\n\nB.\n\n##### Deeper\n\nC."


def test_headings_with_closing_hashes_and_spaces() -> None:
    fields = parse("##   TL;DR  ##\n\nA.\n\n###  Comments ###   \n\nB.").fields
    assert fields["summary"] == "A."
    assert fields["notes"] == {"Comments": "B."}


def test_a_hash_without_space_is_not_a_heading() -> None:
    fields = parse("# TL;DR\n\nA.\n#hashtag\n####### seven").fields
    assert fields["summary"] == "A.\n#hashtag\n####### seven"


def test_fenced_headings_are_not_sections() -> None:
    body = "# TL;DR\n\nA.\n\n~~~\n# Methods\n~~~\n\n````\n```\n## Results\n```\n````\n\nB."
    fields = parse(body).fields
    assert fields["summary"] == "A.\n\n~~~\n# Methods\n~~~\n\n````\n```\n## Results\n```\n````\n\nB."


def test_unknown_sections_are_kept_in_order_with_unique_keys() -> None:
    body = "Intro text.\n\n# Methods\n\nm1\n\n# Results\n\nr\n\n# Methods\n\nm2\n\n# Methods\n\nm3\n\n# Empty\n"
    fields = parse(body).fields
    assert fields["notes"] == {
        "Text": "Intro text.",
        "Methods": "m1",
        "Results": "r",
        "Methods (2)": "m2",
        "Methods (3)": "m3",
        "Empty": "",
    }
    assert list(fields["notes"]) == ["Text", "Methods", "Results", "Methods (2)", "Methods (3)", "Empty"]


def test_note_keys_do_not_collide_with_numbered_headings() -> None:
    fields = parse("# A\n\n1\n\n# A (2)\n\n2\n\n# A\n\n3").fields
    assert fields["notes"] == {"A": "1", "A (2)": "2", "A (3)": "3"}


def test_a_checked_pick_box_anywhere_in_a_free_form_issue() -> None:
    assert parse("# TL;DR\n\nx\n\n- [x] Editor's pick").fields["pick"] is True
    assert "pick" not in parse("# TL;DR\n\nx\n\n- [ ] Editor's pick").fields


# --- degenerate issues --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "https://arxiv.org/abs/2009.07833v1",
        "  https://arxiv.org/pdf/2009.07833.pdf  \n",
        "<https://arxiv.org/abs/2009.07833>",
        "[arXiv](https://arxiv.org/abs/2009.07833v2)",
        "http://export.arxiv.org/abs/2009.07833",
    ],
)
def test_a_bare_link_as_the_whole_body(body: str) -> None:
    result = parse(body, "Retiming people in videos")
    assert result.fields["url"] == "https://arxiv.org/abs/2009.07833"
    assert "notes" not in result.fields
    assert result.fields["status"] == "inbox"
    assert result.problems == ("no summary",)


def test_a_url_as_the_title() -> None:
    result = parse(None, "https://arxiv.org/abs/2009.04765v2")
    assert result.fields == {"kind": "paper", "status": "inbox", "url": "https://arxiv.org/abs/2009.04765"}
    assert len(result.problems) == 2


def test_a_url_in_a_title_with_words() -> None:
    fields = parse("", "GPT-f https://arxiv.org/abs/2009.03393", labels=("kind:paper",)).fields
    assert fields["headline"] == "GPT-f"
    assert fields["url"] == "https://arxiv.org/abs/2009.03393"


@pytest.mark.parametrize(
    "title", ["a", "あ", "test", "TBD", "untitled", "Untitled", "-", "…", "...", "", "  ", "aaa", "?"]
)
def test_placeholder_titles_are_no_headline(title: str) -> None:
    result = parse("# TL;DR\n\nx\n\n# Link\n\nhttps://example.org", title)
    assert "headline" not in result.fields
    assert result.fields["status"] == "inbox"
    assert result.problems[0].startswith("no headline")


@pytest.mark.parametrize("title", ["GAN", "AI", "翻訳", "T5"])
def test_short_real_titles_are_headlines(title: str) -> None:
    assert parse(None, title).fields["headline"] == title


@pytest.mark.parametrize("body", [None, "", "\n\n  \n", "\r\n"])
def test_an_empty_body(body: str | None) -> None:
    result = parse(body, "Game balancing with AlphaZero", created_at="2020-09-14T12:00:00Z")
    assert result.fields == {
        "kind": "paper",
        "status": "inbox",
        "headline": "Game balancing with AlphaZero",
        "date": "2020-09-14",
    }
    assert result.problems == ("no summary", "no link: a paper needs its URL (its arXiv page if it has one)")
    assert result.marker is None


def test_text_without_headings_is_kept_as_a_note() -> None:
    fields = parse("I liked this one.\nhttps://arxiv.org/abs/2009.03393").fields
    assert fields["notes"] == {"Text": "I liked this one.\nhttps://arxiv.org/abs/2009.03393"}
    assert fields["url"] == "https://arxiv.org/abs/2009.03393"
    assert "summary" not in fields


# --- images ------------------------------------------------------------------------------------------


def test_images_leave_the_summary() -> None:
    summary = (
        "Before.\n\n"
        "![Figure 1](https://user-images.githubusercontent.com/1/2.png)\n\n"
        'Inline ![](https://example.org/a.png "A caption") here.\n\n'
        '<img width="512" alt="Screenshot 2024" src="https://github.com/user-attachments/assets/abc-123">\n\n'
        "[![linked](https://example.org/b.png)](https://example.org/b)\n\n"
        "After."
    )
    fields = parse(form(Headline="h", Summary=summary), labels=("kind:other",)).fields
    assert fields["summary"] == "Before.\n\nInline  here.\n\nAfter."
    assert fields["images"] == [
        {"src": "https://user-images.githubusercontent.com/1/2.png", "alt": "Figure 1"},
        {"src": "https://example.org/a.png", "caption": "A caption"},
        {"src": "https://github.com/user-attachments/assets/abc-123", "alt": "Screenshot 2024"},
        {"src": "https://example.org/b.png", "alt": "linked"},
    ]


def test_images_in_code_stay() -> None:
    summary = "Code:\n\n```\n![not an image](x.png)\n```"
    fields = parse(form(Headline="h", Summary=summary), labels=("kind:other",)).fields
    assert fields["summary"] == summary
    assert "images" not in fields


def test_an_images_answer_takes_markdown_html_urls_and_paths() -> None:
    answer = "\n".join(
        [
            "![a](https://example.org/1.png)",
            "<img src='https://example.org/2.png' alt=\"b &amp; c\">",
            "https://example.org/3",
            "img/4.jpg",
            "<https://example.org/5.gif>",
            "not an image at all",
        ]
    )
    fields = parse(form(Headline="h", Summary="s", Images=answer), labels=("kind:other",)).fields
    assert fields["images"] == [
        {"src": "https://example.org/1.png", "alt": "a"},
        {"src": "https://example.org/2.png", "alt": "b & c"},
        {"src": "https://example.org/3"},
        {"src": "img/4.jpg"},
        {"src": "https://example.org/5.gif"},
    ]
    assert fields["notes"] == {"Images": "not an image at all"}


def test_an_image_without_a_usable_source_stays_as_text() -> None:
    summary = "See ![x](<a b.png>) here."
    fields = parse(form(Headline="h", Summary=summary), labels=("kind:other",)).fields
    assert fields["summary"] == summary
    assert "images" not in fields


def test_free_form_images_in_other_sections_are_shown_and_kept() -> None:
    body = "# TL;DR\n\nx\n\n# Results\n\n![table](https://example.org/t.png)"
    fields = parse(body).fields
    assert fields["images"] == [{"src": "https://example.org/t.png", "alt": "table"}]
    assert fields["notes"] == {"Results": "![table](https://example.org/t.png)"}


# --- dates ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written", ["2018/1/18", "2018/01/18", "2018-01-18", "20180118", "2018.1.18", "2018年1月18日", "v1: 2018 / 1 / 18"]
)
def test_submission_dates(written: str) -> None:
    fields = parse(f"# Submission Dates(yyyy/mm/dd)\n\n{written}").fields
    assert fields["submitted"] == "2018-01-18"
    assert "notes" not in fields


@pytest.mark.parametrize("written", ["2018/02/30", "20181341", "2018-13-01", "someday"])
def test_impossible_dates_are_kept_in_notes(written: str) -> None:
    result = parse(f"### 投稿日付(yyyy/MM/dd)\n\n{written}")
    assert "submitted" not in result.fields
    assert result.fields["notes"] == {"投稿日付(yyyy/MM/dd)": written}
    assert any(problem.startswith("submitted:") for problem in result.problems)


@pytest.mark.parametrize(
    ("stamp", "date"),
    [
        ("2020-09-13T23:30:00Z", "2020-09-13"),
        ("2020-09-13T23:30:00-02:00", "2020-09-14"),
        ("2020-09-14T01:00:00+09:00", "2020-09-13"),
        ("2020-09-13T10:00:00.123456Z", "2020-09-13"),
    ],
)
def test_date_is_the_utc_date_of_created_at(stamp: str, date: str) -> None:
    assert parse(None, created_at=stamp).fields["date"] == date


@pytest.mark.parametrize("stamp", ["yesterday", "2020-13-01T00:00:00Z", "", "9999-12-31T23:00:00-05:00"])
def test_unusable_created_at_gives_no_date(stamp: str) -> None:
    assert "date" not in parse(None, created_at=stamp).fields


def test_a_date_answer_wins_over_created_at() -> None:
    body = form(Headline="h", Summary="s", Date="2020-09-01")
    assert parse(body, labels=("kind:other",), created_at="2020-09-14T00:00:00Z").fields["date"] == "2020-09-01"


# --- links ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "url"),
    [
        ("https://arxiv.org/abs/2009.03393v1", "https://arxiv.org/abs/2009.03393"),
        ("https://arxiv.org/abs//2009.03393", "https://arxiv.org/abs/2009.03393"),
        ("https://arxiv.org/pdf/2009.03393v2.pdf", "https://arxiv.org/abs/2009.03393"),
        ("http://www.arxiv.org/abs/hep-th/9901001v3", "https://arxiv.org/abs/hep-th/9901001"),
        ("[GPT-f](https://arxiv.org/abs/2009.03393)", "https://arxiv.org/abs/2009.03393"),
        ("<https://arxiv.org/abs/2009.03393>", "https://arxiv.org/abs/2009.03393"),
        ("arXiv:2009.03393", "https://arxiv.org/abs/2009.03393"),
        ("Paper: https://arxiv.org/abs/2009.03393.", "https://arxiv.org/abs/2009.03393"),
        ("(https://example.org/paper).", "https://example.org/paper"),
        ("see https://example.org/a, then", "https://example.org/a"),
        ("https://example.org/a;", "https://example.org/a"),
        ("論文：https://example.org/ronbun。", "https://example.org/ronbun"),
        ("https://example.org/x、https://example.org/y", "https://example.org/x"),
        ("https://en.wikipedia.org/wiki/Chess_(game)", "https://en.wikipedia.org/wiki/Chess_(game)"),
        ("[w](https://en.wikipedia.org/wiki/Chess_(game))", "https://en.wikipedia.org/wiki/Chess_(game)"),
        ("https://slideslive.com/icml-2020#!feed=popular", "https://slideslive.com/icml-2020#!feed=popular"),
    ],
)
def test_link_section(written: str, url: str) -> None:
    assert parse(f"# Paper URL\n\n{written}").fields["url"] == url


def test_the_link_section_wins_over_other_links() -> None:
    body = "# TL;DR\n\nBuilds on https://arxiv.org/abs/1706.03762.\n\n# Link\n\nhttps://example.org/paper"
    assert parse(body).fields["url"] == "https://example.org/paper"


def test_else_the_first_arxiv_link_anywhere() -> None:
    body = "# TL;DR\n\nBlog: https://example.org/post\n\n# Methods\n\nhttps://arxiv.org/abs/2009.03393v1"
    assert parse(body).fields["url"] == "https://arxiv.org/abs/2009.03393"


def test_else_the_first_link_anywhere_not_an_image() -> None:
    body = "# TL;DR\n\n![f](https://example.org/fig.png)\n\nSee https://example.org/post and https://example.org/b"
    assert parse(body).fields["url"] == "https://example.org/post"


@pytest.mark.parametrize("written", ["http://", "https:// example.org", "ftp://example.org/x", "N/A"])
def test_unusable_links_are_not_used(written: str) -> None:
    result = parse(f"# Link\n\n{written}", labels=("kind:article",))
    assert "url" not in result.fields
    assert result.fields["notes"] == {"Link": written}


def test_a_link_longer_than_the_schema_allows_is_not_used() -> None:
    long_url = "https://example.org/" + "a" * 2100
    assert "url" not in parse(f"# Link\n\n{long_url}", labels=("kind:article",)).fields


def test_the_title_link_comes_last() -> None:
    assert parse("# TL;DR\n\nx", "https://example.org/t").fields["url"] == "https://example.org/t"
    body = "# TL;DR\n\nsee https://example.org/body"
    assert parse(body, "https://example.org/t").fields["url"] == "https://example.org/body"


# --- field mapping and labels ------------------------------------------------------------------------


def test_title_comes_only_from_a_title_field() -> None:
    assert "title" not in parse("# TL;DR\n\nx", "A perfectly good sentence as a title").fields
    fields = parse("# Title\n\nFull Paper Title\n\n# TL;DR\n\nx", "Catchy").fields
    assert (fields["headline"], fields["title"]) == ("Catchy", "Full Paper Title")


@pytest.mark.parametrize(
    ("answer", "authors"),
    [
        ("Ada Lovelace\nAlan Turing", ["Ada Lovelace", "Alan Turing"]),
        ("Ada Lovelace, Alan Turing and Grace Hopper", ["Ada Lovelace", "Alan Turing and Grace Hopper"]),
        ("Ada Lovelace, and Alan Turing", ["Ada Lovelace", "Alan Turing"]),
        ("- Doe, J. (MIT)\n- Roe, R.", ["Doe, J. (MIT)", "Roe, R."]),
        ("1. A (X, Y), B", ["A (X, Y), B"]),
        ("山田太郎（東京大学, 理学部）、鈴木花子", ["山田太郎（東京大学, 理学部）", "鈴木花子"]),
        ("张三，李四；王五", ["张三", "李四", "王五"]),
    ],
)
def test_authors(answer: str, authors: list[str]) -> None:
    assert parse(f"## Authors\n\n{answer}").fields["authors"] == authors


def test_topics_from_labels_and_answer() -> None:
    body = form(Headline="h", Summary="s", Topics='vision, "a, b"、 c，d\n- e')
    fields = parse(
        body, labels=("kind:other", "NLP", "vision", "pick", "bug"), rules=LabelRules(ignore=frozenset({"BUG"}))
    ).fields
    assert fields["topics"] == ["vision", "a, b", "c", "d", "e", "NLP"]
    assert fields["pick"] is True


def test_a_topic_prefix_takes_only_prefixed_labels() -> None:
    rules = LabelRules(topic_prefix="topic:")
    fields = parse(None, labels=("topic: graph neural networks", "help wanted", "topic:"), rules=rules).fields
    assert fields["topics"] == ["graph neural networks"]


def test_overlong_topics_are_dropped() -> None:
    result = parse(None, labels=("x" * 101, "ok"))
    assert result.fields["topics"] == ["ok"]
    assert any("longer than 100" in problem for problem in result.problems)


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("kind:paper", "paper"),
        ("Kind:Article", "article"),
        ("kind:use case", "use_case"),
        ("kind:use-case", "use_case"),
        ("kind: use_case", "use_case"),
        ("kind:other", "other"),
        ("article", "article"),
        ("Use Case", "use_case"),
    ],
)
def test_kind_labels(label: str, kind: str) -> None:
    fields = parse(None, labels=(label,), default_kind="other" if kind == "paper" else "paper").fields
    assert fields["kind"] == kind
    assert "topics" not in fields


def test_default_kind_and_unknown_kind_labels() -> None:
    result = parse(None, labels=("kind:blog",), default_kind="article")
    assert result.fields["kind"] == "article"
    assert "label 'kind:blog' names no known kind; ignored" in result.problems


def test_week_labels() -> None:
    assert parse(None, labels=("week:2020-W38",)).fields["week"] == "2020-W38"
    assert parse(None, labels=("Week: 2020w5",)).fields["week"] == "2020-W05"
    result = parse(None, labels=("week:2020-W54", "week:next"))
    assert "week" not in result.fields
    assert sum("is not a week" in problem for problem in result.problems) == 2


def test_a_week_label_wins_over_the_week_answer() -> None:
    body = form(Headline="h", Summary="s", Week="2020-W37")
    assert parse(body, labels=("kind:other", "week:2020-W38")).fields["week"] == "2020-W38"
    assert parse(body, labels=("kind:other",)).fields["week"] == "2020-W37"


READY = "# TL;DR\n\nx\n\n# Link\n\nhttps://example.org/p"


def test_status_labels_and_ready_status() -> None:
    assert "status" not in parse(READY).fields
    assert parse(READY, labels=("status:published",)).fields["status"] == "published"
    assert parse(READY, labels=("status:selected",)).fields["status"] == "selected"
    assert parse(READY, ready_status="published").fields["status"] == "published"
    result = parse(READY, labels=("status:maybe",))
    assert "status" not in result.fields
    assert "label 'status:maybe' names no known status; ignored" in result.problems


@pytest.mark.parametrize("label", ["status:selected", "status:published"])
def test_missing_parts_make_an_inbox_entry_whatever_the_label(label: str) -> None:
    result = parse("# Link\n\nhttps://example.org/p", labels=(label,))
    assert result.fields["status"] == "inbox"
    assert result.problems == ("no summary",)


@pytest.mark.parametrize("label", ["status:skip", "skip"])
def test_skip_stays_skip(label: str) -> None:
    result = parse(None, "", labels=(label,))
    assert result.fields["status"] == "skip"
    assert len(result.problems) == 3


def test_an_article_needs_no_link_to_be_ready() -> None:
    result = parse("# TL;DR\n\nx", labels=("kind:other",))
    assert "status" not in result.fields
    assert result.problems == ()


def test_long_headlines_and_titles_are_cut_at_a_word() -> None:
    words = " ".join(["word"] * 200)
    result = parse(form(Headline=words, Title=words, Summary="s", Link="https://example.org"), labels=("kind:other",))
    headline, title = result.fields["headline"], result.fields["title"]
    assert len(headline) <= 300
    assert headline.endswith("word…")
    assert len(title) <= 500
    assert title.endswith("word…")
    assert "headline was longer than 300 characters and was shortened" in result.problems
    long_title = parse(None, "xy" * 200).fields["headline"]
    assert len(long_title) == 300


def test_section_and_link_card_answers() -> None:
    body = form(
        Headline="h",
        Summary="s",
        Section="use-cases",
        **{"Link card title": "Card", "Link card description": "Line one\nline two", "Link card site": "example.org"},
    )
    fields = parse(body, labels=("kind:article",)).fields
    assert fields["section"] == "use-cases"
    assert fields["link_card"] == {"title": "Card", "description": "Line one\nline two", "site": "example.org"}
    result = parse(form(Headline="h", Summary="s", Section="Not A Slug", **{"Link card site": "x.org"}))
    assert result.fields["notes"] == {"Section": "Not A Slug", "Link card site": "x.org"}
    assert len(result.problems) == 3  # section, link card without title, no link


def test_label_rules_refuse_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        LabelRules(kinds={"blog": "blog"})  # type: ignore[dict-item]


# --- the marker ------------------------------------------------------------------------------------


def test_the_marker_is_reported_and_removed() -> None:
    body = READY + "\n\n<!-- ghdigest:entry=0012-gpt-f -->\n"
    result = parse(body)
    assert result.marker == "0012-gpt-f"
    assert "notes" not in result.fields


def test_a_marker_in_code_is_not_a_marker() -> None:
    result = parse(READY + "\n\n```\n<!-- ghdigest:entry=x -->\n```")
    assert result.marker is None


def test_render_refuses_a_bad_marker() -> None:
    with pytest.raises(ValueError, match="not an entry key"):
        render_issue({"kind": "paper"}, marker="a -->")


# --- rendering ---------------------------------------------------------------------------------------


def test_render_writes_the_github_form_format() -> None:
    fields = {
        "kind": "other",
        "headline": "BYOL source code from DeepMind",
        "summary": "Code and models for *BYOL*.",
        "topics": ["self-supervised learning"],
        "week": "2020-W38",
        "pick": True,
    }
    rendered = render_issue(fields, marker="0012-byol")
    assert rendered.title == "BYOL source code from DeepMind"
    assert rendered.labels == ("kind:other", "week:2020-W38", "pick", "self-supervised learning")
    assert rendered.body == (
        "### Headline\n\nBYOL source code from DeepMind\n\n"
        "### Link\n\n_No response_\n\n"
        "### Summary\n\nCode and models for *BYOL*.\n\n"
        "### Link card title\n\n_No response_\n\n"
        "### Link card description\n\n_No response_\n\n"
        "### Link card site\n\n_No response_\n\n"
        "### Images\n\n_No response_\n\n"
        "### Topics\n\nself-supervised learning\n\n"
        "### Week\n\n2020-W38\n\n"
        f"### Editor's pick\n\n- [X] {PICK_OPTION}\n\n"
        "<!-- ghdigest:entry=0012-byol -->"
    )


def test_render_titles() -> None:
    assert render_issue({"kind": "paper", "title": "Only a title"}).title == "Only a title"
    assert render_issue({"kind": "paper"}).title == "Untitled"
    long = render_issue({"kind": "paper", "headline": " ".join(["word"] * 100)}).title
    assert len(long) <= 256
    assert long.endswith("…")


def test_render_labels_follow_the_rules() -> None:
    rules = LabelRules(kind_prefix="type/", week_prefix="w/", status_prefix="s/", topic_prefix="t/", pick="star")
    fields = {"kind": "use_case", "week": "2020-W01", "status": "published", "pick": True, "topics": ["A", "a"]}
    assert render_issue(fields, rules).labels == ("type/use-case", "w/2020-W01", "s/published", "star", "t/A")
    assert round_trip({**fields, "headline": "h", "summary": "s"}, rules) == {**fields, "headline": "h", "summary": "s"}


def test_topics_that_would_read_as_control_labels_stay_in_the_answer() -> None:
    topics = ["paper", "pick", "week:2020-W01", "status:x", "Use Case", "skip", "x" * 60, "ok"]
    fields = {"kind": "other", "headline": "h", "summary": "s", "topics": topics}
    rendered = render_issue(fields)
    assert rendered.labels == ("kind:other", "ok")
    assert round_trip(fields) == fields


def test_values_that_look_like_structure_read_back() -> None:
    fields = {
        "kind": "article",
        "headline": "### Summary",
        "title": NO_RESPONSE,
        "url": "https://example.org/a).",
        "summary": "### Link\n\n```\nunclosed fence\n### Headline",
        "authors": ["- dash", "Doe, J.", "1. one"],
        "topics": ['"quoted"', "a, b", "- x"],
        "notes": {"Summary": "### X\n\n_No response_", "Text": NO_RESPONSE, "C#": "", "Foo #": "### ###", "#": "x"},
    }
    assert round_trip(fields) == fields


def test_an_inbox_entry_renders_and_reads_as_inbox() -> None:
    fields = {"kind": "paper", "status": "inbox", "headline": "h", "url": "https://arxiv.org/abs/2009.03393"}
    assert round_trip(fields) == fields


# --- robustness -------------------------------------------------------------------------------------


def test_control_characters_are_dropped() -> None:
    body = "# TL;DR\x00\n\nA\x00B\x1b[31m\ufeff\n\n# Link\r\n\r\nhttps://example.org/p\r"
    fields = parse(body, "Ti\x00tan").fields
    assert fields["summary"] == "AB[31m"
    assert fields["headline"] == "Titan"
    assert fields["url"] == "https://example.org/p"


def test_lone_surrogates_are_dropped() -> None:
    fields = parse("# TL;DR\n\nbad \ud800 text", "ok \udfff title").fields
    assert fields["summary"] == "bad  text"
    assert fields["headline"] == "ok title"


MEGABYTE = 1_000_000
HUGE_BODIES = {
    "form": form(Headline="h", Summary="word " * (MEGABYTE // 5), Link="https://example.org"),
    "one line": "x" * MEGABYTE,
    "image openers": "![" * (MEGABYTE // 2),
    "image starts": "![a](" * (MEGABYTE // 5),
    "linked images": "[![a](b)" * (MEGABYTE // 8),
    "img tags": "<img src=x " * (MEGABYTE // 11),
    "urls": "https://" + "a" * MEGABYTE,
    "headings": "# a\n" * (MEGABYTE // 4),
    "form labels": "### Summary\n" * (MEGABYTE // 12),
    "fences": "```\n~~~\n" * (MEGABYTE // 8),
    "quotes in topics": form(Headline="h", Topics='"' * MEGABYTE),
    "dates": form(Submitted="2018/" * (MEGABYTE // 5)),
    "markers": "<!-- ghdigest:entry=" * (MEGABYTE // 20),
    "brackets": "[" * MEGABYTE,
    "long heading": "# " + "(" * MEGABYTE,
    "authors": "## Authors\n\n" + "(a, " * (MEGABYTE // 4),
}


@pytest.mark.parametrize("name", HUGE_BODIES)
def test_a_megabyte_body_of_hostile_text_still_becomes_a_valid_entry(name: str) -> None:
    # Worst cases for backtracking patterns: a quadratic parser would not finish this test.
    result = parse(HUGE_BODIES[name], "t" * MEGABYTE, labels=("kind:other",))
    assert schema.validate("entry", result.fields) == []


# --- properties ---------------------------------------------------------------------------------------

# clean_line / clean_block drop control characters, so texts made of them never read back as written.
_CHARS = st.characters(blacklist_categories=("Cc", "Cs"))


def _plain_text(text: str) -> bool:
    # Known limits of the round trip: image syntax moves to images, HTML comments may be markers.
    folded = text.casefold()
    return "![" not in text and "<img" not in folded and "<!--" not in text


LINES = st.text(_CHARS, min_size=1, max_size=30).map(clean_line).filter(bool).filter(_plain_text)
TRICKY_LINES = [
    "## Method",
    "### Something",
    "### Summary",
    "### Headline",
    "### Link:",
    "### Summary (ja)",
    "### Editor's pick",
    "###",
    "### ",
    " ### Title",
    "   ### Week",
    "    ### Images",
    "### Foo #",
    "```",
    "```python",
    "~~~",
    "````",
    "- [x] Editor's pick",
    "- [ ] nope",
    NO_RESPONSE,
    "_No response_<!---->",
    "    indented code",
    "",
    "> quote",
    "# Title",
    "#### deep",
    "https://example.com/x",
    "| a | b |",
    "\t### tab",
    "- item",
    "1. first",
    "thanks @alice and @org/ml-team",
    "&#64;bob, a `@code` span, mail a.b@example.org",
    "@\u200bcarol, written with a zero-width space",
    "[a post](https://medium.com/@author) ](@team)",
]
BLOCK_LINES = st.one_of(st.sampled_from(TRICKY_LINES), st.text(_CHARS, max_size=40).filter(_plain_text))
BLOCKS = st.lists(BLOCK_LINES, min_size=1, max_size=10).map(lambda lines: clean_block("\n".join(lines))).filter(bool)


def _normal_url(url: str) -> bool:
    found = arxiv_id(url)
    return found is None or url == f"https://arxiv.org/abs/{found}"


URLS = st.one_of(
    st.builds(
        "{}://{}/{}".format,
        st.sampled_from(["http", "https"]),
        st.from_regex(r"[a-z0-9]{1,10}\.[a-z]{2,6}", fullmatch=True),
        st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=30),
    ),
    st.sampled_from(
        [
            "https://arxiv.org/abs/2009.03393",
            "https://arxiv.org/abs/hep-th/9901001",
            "https://arxiv.org/abs/9999.99999",
            "https://en.wikipedia.org/wiki/Chess_(game)",
            "https://example.org/x.",
            "http://localhost",
        ]
    ),
).filter(_normal_url)
IMAGES = st.fixed_dictionaries(
    {"src": st.one_of(URLS, st.from_regex(r'[A-Za-z0-9_./()<>\\"-]{1,20}', fullmatch=True))},
    optional={"alt": LINES, "caption": LINES},
)
TOPICS = st.one_of(
    LINES.filter(lambda text: len(text) <= 100),
    st.sampled_from(["paper", "pick", "kind:x", "week:2020-W01", "skip", "Use Case", "a, b", '"q"', "- b", "x" * 70]),
)
NOTE_KEYS = st.one_of(
    LINES, st.sampled_from(["Summary", "Headline:", "Text", "C#", "Foo #", "#", "##", "Summary (ja)"])
)
LANGUAGES = st.sampled_from(["en", "ja", "zh", "zh-Hant", "fr-CA"])


@st.composite
def ready_entries(draw: st.DrawFn) -> dict[str, Any]:
    """Valid, ready entry documents in the normal form parse_issue returns.

    Normal form: texts as clean_line / clean_block leave them, no empty lists or maps (they mean the
    same as an absent field), arXiv links as https://arxiv.org/abs/<id>.
    """
    kind = draw(st.sampled_from(["paper", "article", "use_case", "other"]))
    doc: dict[str, Any] = {"kind": kind}
    optional = st.fixed_dictionaries(
        {},
        optional={
            "status": st.sampled_from(["selected", "published", "skip", "inbox"]),
            "title": LINES,
            "images": st.lists(IMAGES, min_size=1, max_size=3),
            "link_card": st.fixed_dictionaries({"title": LINES}, optional={"description": BLOCKS, "site": LINES}),
            "topics": st.lists(TOPICS, min_size=1, max_size=5, unique=True),
            "authors": st.lists(st.one_of(LINES, st.sampled_from(["Doe, J.", "- x", "1. y", "A (B, C)"])), min_size=1),
            "submitted": st.dates().map(lambda d: d.isoformat()),
            "date": st.dates().map(lambda d: d.isoformat()),
            "week": st.builds("{:04d}-W{:02d}".format, st.integers(0, 9999), st.integers(1, 53)),
            "section": st.from_regex(r"[a-z0-9][a-z0-9_-]{0,20}", fullmatch=True),
            "pick": st.booleans(),
            "notes": st.dictionaries(NOTE_KEYS, st.one_of(st.just(""), BLOCKS), min_size=1, max_size=4),
        },
    )
    doc.update(draw(optional))
    doc["headline"] = draw(st.one_of(LINES, st.sampled_from(["a", "TBD", "https://example.org", "### Link"])))
    doc["summary"] = draw(st.one_of(BLOCKS, st.dictionaries(LANGUAGES, BLOCKS, min_size=1, max_size=3)))
    if kind == "paper" or draw(st.booleans()):
        doc["url"] = draw(URLS)
    assert schema.validate("entry", doc) == [], doc
    return doc


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ready_entries())
def test_every_ready_entry_reads_back_unchanged(fields: dict[str, Any]) -> None:
    rendered = render_issue(fields, marker="0001-x")
    result = parse_issue(IssueInput(rendered.title, rendered.body, rendered.labels, created_at=None))
    assert result.fields == fields
    assert result.marker == "0001-x"
    assert result.problems == ()
    assert live_mentions(rendered.body) == [], "an issue ghdigest writes notifies no one"


STRUCTURE = st.sampled_from(
    [
        *TRICKY_LINES,
        "# TL;DR",
        "## 一言でいうと",
        "### 論文リンク",
        "# Paper URL",
        "# Submission Dates(yyyy/mm/dd)",
        "2018/1/18",
        "2018/02/30",
        "![a](https://example.org/a.png)",
        "<img src='x' alt=''>",
        "[![a](b)](c)",
        "<!-- ghdigest:entry=k -->",
        "https://arxiv.org/abs/2009.03393v1",
        "[x](https://arxiv.org/pdf/2009.03393.pdf)",
        '"a, b", c',
        "\x00",
        "\r",
        "\ud800",
    ]
)
ANY_BODY = st.one_of(
    st.none(),
    st.text(),
    st.lists(st.one_of(STRUCTURE, st.text(max_size=20)), max_size=30).map("\n".join),
)


@settings(max_examples=200, deadline=None)
@given(
    title=st.one_of(st.text(), STRUCTURE),
    body=ANY_BODY,
    labels=st.lists(st.one_of(st.text(), st.sampled_from(["kind:paper", "week:2020-W38", "pick", "status:skip"]))),
    created_at=st.one_of(st.none(), st.text(), st.just("2020-09-14T00:00:00Z")),
)
def test_any_issue_gives_a_valid_entry(title: str, body: str | None, labels: list[str], created_at: str | None) -> None:
    result = parse_issue(IssueInput(title, body, tuple(labels), created_at))
    assert schema.validate("entry", result.fields) == []
    assert not any(problem.startswith("could not read") for problem in result.problems)
    missing = [problem for problem in result.problems if problem.startswith("no ")]
    assert bool(missing) == (result.fields.get("status") == "inbox") or result.fields.get("status") == "skip"
    json.dumps(result.fields)  # JSON-ready


@settings(max_examples=200, deadline=None)
@given(title=st.one_of(st.text(), STRUCTURE), body=ANY_BODY)
def test_what_parse_returns_reads_back_unchanged(title: str, body: str | None) -> None:
    # Whatever an issue says, once read and ready, survives being written back and read again.
    body = "# TL;DR\n\nx\n\n# Link\n\nhttps://example.org\n\n" + (body or "")
    fields = parse_issue(IssueInput("Headline " + title, body)).fields
    assume(fields.get("status") != "inbox")  # two form labels in the noise make it a (half-empty) form
    assert round_trip(fields) == fields


def test_an_issue_opened_from_an_entry_is_not_dated_by_its_opening() -> None:
    """Reading back an entry ghdigest pushed gives the entry, not a date that would move it to this week."""
    fields = {"kind": "paper", "headline": "A paper", "url": "https://arxiv.org/abs/2009.04374", "week": "2020-W38"}
    rendered = render_issue(fields, marker="0001-a-paper")
    read = parse_issue(IssueInput(rendered.title, rendered.body, rendered.labels, "2026-11-24T10:00:00Z"), LabelRules())
    assert read.marker == "0001-a-paper"
    assert "date" not in read.fields
    written_by_a_person = parse_issue(
        IssueInput(rendered.title, rendered.body.split("<!--")[0], (), "2026-11-24T10:00:00Z")
    )
    assert written_by_a_person.fields["date"] == "2026-11-24"
