"""The release text as pure functions: long bodies cut at an entry boundary, tags checked (mentions: test_mentions)."""

from __future__ import annotations

import pytest

from ghdigest.config import git_tag_problem
from ghdigest.github import web_url_from
from ghdigest.publish import BODY_LIMIT, cut_body, cut_notice, download_url, github_length

URL = "https://github.com/octo/papers/releases/download/digest-2020-W38/2020-W38.md"

# --------------------------------------------------------------------------- length and cut


def test_github_length_counts_characters_as_github_does() -> None:
    assert github_length("abc") == 3
    assert github_length("a\nb") == 3
    assert github_length("😀") == 1
    assert github_length("日本") == 2


def test_a_body_of_exactly_the_limit_in_characters_is_kept_whole() -> None:
    line = "### Entry 😀 日本\n" + "x" * 80 + "\n"
    text = (line * (BODY_LIMIT // len(line) + 1))[:BODY_LIMIT]
    assert len(text) == BODY_LIMIT
    assert cut_body(text, "2020-W38.md", URL) == text
    cut = cut_body(text + "y", "2020-W38.md", URL)
    assert len(cut) <= BODY_LIMIT
    assert cut.endswith(cut_notice("2020-W38.md", URL))


def _digest(entries: int, size: int) -> str:
    """A digest shaped like the built one: title, contents, sections, ### entries of ``size`` characters."""
    parts = ["# Digest #Week 38, 2020\n\nIntro.\n\n## Contents\n\n1. [Papers](#1-papers)\n2. [Articles](#2-articles)\n"]
    for section in ("1. Papers", "2. Articles"):
        parts.append(f"\n## {section}\n")
        for n in range(entries):
            parts.append(f"\n### Entry {section[0]}-{n}\n\n" + ("word " * (size // 5)).strip() + "\n")
    parts.append("\n---\n\nFooter.\n")
    return "".join(parts)


def test_a_body_that_fits_is_not_touched() -> None:
    text = _digest(3, 100)
    assert cut_body(text, "2020-W38.md", URL) == text


def test_a_long_body_is_cut_before_an_entry_and_links_the_full_digest() -> None:
    text = _digest(40, 2000)
    assert github_length(text) > BODY_LIMIT
    cut = cut_body(text, "2020-W38.md", URL)
    notice = cut_notice("2020-W38.md", URL)
    assert cut.endswith(notice)
    assert f"[2020-W38.md]({URL})" in cut
    assert github_length(cut) <= BODY_LIMIT
    kept = cut.removesuffix(notice)
    assert text.startswith(kept)
    following = text[len(kept) :].lstrip("\n")
    assert following.startswith("### Entry "), "the cut falls just before an entry"
    # As much as fits: one more entry would not.
    next_entry = text.find("\n### ", len(kept) + 2)
    assert github_length(text[:next_entry].rstrip() + notice) > BODY_LIMIT


def test_the_cut_never_leaves_a_section_heading_without_entries() -> None:
    text = _digest(40, 2000)
    for limit in range(20_000, 120_000, 7_919):
        kept = cut_body(text, "2020-W38.md", URL, limit=limit).removesuffix(cut_notice("2020-W38.md", URL))
        assert not kept.rstrip().splitlines()[-1].startswith("## "), limit


def test_headings_inside_code_are_not_boundaries() -> None:
    code = "```\n" + "### not a heading\nline\n" * 3000 + "```\n"
    text = "# T\n\n## Section\n\n### First\n\n" + code + "\n### Second\n\nshort\n"
    cut = cut_body(text, "w.md", URL, limit=40_000)
    kept = cut.removesuffix(cut_notice("w.md", URL))
    assert kept == "# T\n\n## Section\n\n### First", "cut before the code block, never inside it"


def test_one_enormous_entry_is_cut_at_a_paragraph_and_a_single_line_at_a_character() -> None:
    huge = "# T\n\n## S\n\n### One\n\n" + "\n\n".join("para " * 400 for _ in range(200)) + "\n"
    cut = cut_body(huge, "w.md", URL, limit=50_000)
    assert github_length(cut) <= 50_000
    assert huge.startswith(cut.removesuffix(cut_notice("w.md", URL)))
    line = "x" * 200_000
    cut = cut_body(line, "w.md", URL, limit=10_000)
    assert github_length(cut) <= 10_000
    assert cut.startswith("x" * 9_000)
    fenced = "```\n" + "y" * 200_000 + "\n```\n"
    cut = cut_body(fenced, "w.md", URL, limit=10_000)
    assert github_length(cut) <= 10_000
    assert cut.removesuffix(cut_notice("w.md", URL)).endswith("\n```"), "an open code block is closed"
    long_fence = "`" * 40
    cut = cut_body(long_fence + "\n" + "z" * 200_000 + "\n" + long_fence + "\n", "w.md", URL, limit=10_000)
    assert github_length(cut) <= 10_000
    assert cut.removesuffix(cut_notice("w.md", URL)).endswith("\n" + long_fence)


@pytest.mark.parametrize("language", ["en", "ja", "zh"])
def test_the_notice_speaks_the_digest_language(language: str) -> None:
    notice = cut_notice("2020-W38.md", URL, language)  # type: ignore[arg-type]
    assert f"[2020-W38.md]({URL})" in notice
    assert notice.startswith("\n\n---\n\n*")


# --------------------------------------------------------------------------- addresses and tags


def test_web_addresses_follow_the_api_base() -> None:
    assert web_url_from("https://api.github.com") == "https://github.com"
    assert web_url_from("https://ghe.example.com/api/v3/") == "https://ghe.example.com"
    assert web_url_from("https://api.acme.ghe.com") == "https://acme.ghe.com"
    assert web_url_from("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert download_url("https://github.com", "octo/papers", "digest-2020-W38", "2020-W38.md") == URL
    assert download_url("https://github.com", "o/r", "weekly/2020 38", "a b.md").endswith(
        "/weekly%2F2020%2038/a%20b.md"
    )


@pytest.mark.parametrize("tag", ["digest-2020-W38", "weekly/2020-W38", "v2020.38", "ダイジェスト-2020-W38"])
def test_valid_git_tags(tag: str) -> None:
    assert git_tag_problem(tag) is None


@pytest.mark.parametrize(
    "tag",
    ["", "@", "a b", "a..b", "a~1", "a^", "a:b", "a?", "a*", "a[b", "a\\b", "/a", "a/", "a//b", "a.", ".a", "a.lock"],
)
def test_invalid_git_tags(tag: str) -> None:
    assert git_tag_problem(tag) is not None
