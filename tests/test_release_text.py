"""The release text as pure functions: mentions neutralised, long bodies cut at an entry boundary, tags checked."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from ghdigest.config import git_tag_problem
from ghdigest.github import web_url_from
from ghdigest.publish import (
    BODY_LIMIT,
    count_mentions,
    cut_body,
    cut_notice,
    download_url,
    github_length,
    neutralise_mentions,
)

ZWSP = "\u200b"
URL = "https://github.com/octo/papers/releases/download/digest-2020-W38/2020-W38.md"

# GitHub's own patterns (html-pipeline's MentionFilter and TeamMentionFilter), applied to each text node of the
# rendered HTML outside links and code; \W is ASCII, as in Ruby.
_USER_MENTION = re.compile(r"(?:^|[^A-Za-z0-9_])@[a-z0-9][a-z0-9-]*", re.IGNORECASE)


def live_mentions(markdown: str) -> list[str]:
    """The mentions GitHub would notify for ``markdown``: text nodes outside links and code, as rendered."""
    found: list[str] = []
    for token in MarkdownIt("commonmark").parse(markdown):
        if token.type != "inline" or not token.children:
            continue
        in_link, text = 0, ""
        for child in token.children:
            if child.type == "link_open":
                in_link += 1
            elif child.type == "link_close":
                in_link -= 1
            if child.type == "text" and not in_link:
                text += child.content  # adjacent text tokens are one text node in the HTML
                continue
            if child.type == "softbreak" and not in_link:
                text += "\n"
                continue
            found += [m.group().lstrip() for m in _USER_MENTION.finditer(text)]
            text = ""
        found += [m.group().lstrip() for m in _USER_MENTION.finditer(text)]
    return found


def rendered_text(markdown: str) -> str:
    """What a reader sees: the rendered HTML with tags removed and zero-width spaces dropped."""
    html = MarkdownIt("commonmark").render(markdown)
    return re.sub(r"<[^>]+>", "", html).replace(ZWSP, "")


# --------------------------------------------------------------------------- mentions

MENTIONS = [
    ("@alice found it", "@\u200balice found it"),
    ("thanks to @org/ml-team.", "thanks to @\u200borg/ml-team."),
    ("(@bob)", "(@\u200bbob)"),
    ("**@carol**", "**@\u200bcarol**"),
    ("_@dave_ wrote", "_@\u200bdave_ wrote"),
    ("a`x`@erin", "a`x`@\u200berin"),
    ("\\@frank", "\\@\u200bfrank"),
    ("&#64;grace and &#x40;heidi", "&#64;\u200bgrace and &#x40;\u200bheidi"),
    ("line one\n@ivan on line two", "line one\n@\u200bivan on line two"),
    ("Found by <Judy @judy>", "Found by <Judy @\u200bjudy>"),  # not an HTML tag: "@judy" is no attribute name
    ("a <b and @mallory>c", "a <b and @\u200bmallory>c"),
    ("a.@niaj, a+@olivia, x_@peggy.co1", "a.@\u200bniaj, a+@\u200bolivia, x_@\u200bpeggy.co1"),  # no e-mail domain
    ("日本語@rupert です", "日本語@\u200brupert です"),  # ASCII word characters only keep an "@" inert
    ("Text\n[r]: /x/@sybil", "Text\n[r]: /x/@\u200bsybil"),  # not a definition: it cannot interrupt a paragraph
]
KEPT = [
    "mail alice@example.com or first.last+tag@example.org",
    "`@inline code`",
    "``a ` @double``",
    "```\n@fenced\n```",
    "~~~python\n@decorator\ndef f(): ...\n~~~",
    "Text.\n\n    @indented_code\n",
    "[a post](https://medium.com/@author/post-123)",
    "<https://twitter.com/@handle>",
    "see https://medium.com/@author/post and www.example.com/@x",
    "an @ alone, @-dash, @_under, 2@3",
    "e-mail addresses GitHub links: first_@example.com, a+@example.org, x-@mail.example.net, a.@b.io.",
    "[a page](https://en.wikipedia.org/wiki/Foo_(bar)/@baz)",
    "[r]: /users/@me\n",
    "<a href='https://medium.com/@x' title=\"@y\">post</a>",
    "~~~ info`with`backticks\n@decorator\n~~~",
]


@pytest.mark.parametrize(("source", "expected"), MENTIONS)
def test_mentions_get_a_zero_width_space_after_the_at_sign(source: str, expected: str) -> None:
    assert neutralise_mentions(source) == expected
    assert live_mentions(source), "the case must be a live mention to begin with"
    assert live_mentions(neutralise_mentions(source)) == []
    assert rendered_text(neutralise_mentions(source)) == rendered_text(source)
    assert count_mentions(source) == expected.count(ZWSP)


@pytest.mark.parametrize("source", KEPT)
def test_code_links_urls_and_email_addresses_are_left_alone(source: str) -> None:
    assert neutralise_mentions(source) == source
    assert count_mentions(source) == 0


def test_list_continuation_is_text_but_indented_code_is_code() -> None:
    source = "- item\n\n    @alice continues the item\n\nParagraph.\n\n    @code stays\n"
    result = neutralise_mentions(source)
    assert "@\u200balice" in result
    assert "    @code stays" in result
    assert live_mentions(result) == []


def test_a_code_span_never_runs_across_a_blank_line() -> None:
    source = "an open ` tick\n\n@alice after it ` closed"
    assert live_mentions(neutralise_mentions(source)) == []


def test_hostile_backticks_are_read_as_commonmark_does() -> None:
    runs = " ".join("`" * n for n in range(1, 3000))  # no run closes another: all of it is text
    assert neutralise_mentions(runs + " @alice") == runs + " @\u200balice"
    assert neutralise_mentions("`` @a ` @b ``") == "`` @a ` @b ``"


def test_neutralising_twice_changes_nothing_more() -> None:
    once = neutralise_mentions("@a @b/c `@d` e@f")
    assert neutralise_mentions(once) == once


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
