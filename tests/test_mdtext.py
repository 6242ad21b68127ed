"""Markdown helpers, checked by parsing their output with a real CommonMark parser (markdown-it-py)."""

from __future__ import annotations

import html
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from ghdigest.mdtext import AnchorBook, escape, escape_table_cell, github_slug, sanitize_markdown

from .test_injection import unsafe_markup

PARSER = MarkdownIt("commonmark").enable(["strikethrough", "table"])

NASTY = [
    "plain words",
    "*not emphasis*",
    "_not emphasis_ and __not strong__",
    "snake_case_name and a*b*c",
    "[not a link](https://example.org)",
    "![not an image](x.png)",
    "<script>alert(1)</script>",
    "<b>bold?</b> & <i>",
    "# not a heading",
    "## also not",
    "ends with hashes ##",
    "> not a quote",
    "- not a list",
    "+ not a list",
    "1. not a list",
    "2020) not a list",
    "`not code`",
    "~~not struck~~",
    "back\\slash \\* stays",
    "AT&T &copy; &#169; &amp;",
    "pipes | in | text",
    "emoji 🧠 and right-to-left עברית",
    "日本語の見出し",
    "=== not a setext underline",
    "https://example.org/a_b_c",
]


def _rendered(markdown: str) -> str:
    return PARSER.render(markdown)


@pytest.mark.parametrize("text", NASTY)
def test_escaped_text_renders_as_exactly_that_text(text: str) -> None:
    expected = "<p>" + html.escape(text, quote=False).replace('"', "&quot;") + "</p>\n"
    assert _rendered(escape(text)) == expected


@pytest.mark.parametrize("text", NASTY)
def test_escaped_text_is_exactly_the_heading_when_used_as_one(text: str) -> None:
    expected = "<h3>" + html.escape(text, quote=False).replace('"', "&quot;") + "</h3>\n"
    assert _rendered("### " + escape(text)) == expected


def test_escape_joins_lines() -> None:
    assert escape("two\nlines\tand  spaces") == "two lines and spaces"


def test_table_cell_keeps_the_table_shape() -> None:
    row = "| " + escape_table_cell("a | b") + " | c |"
    rendered = _rendered("| h1 | h2 |\n|---|---|\n" + row + "\n")
    assert rendered.count("<td>") == 2
    assert "a | b" in html.unescape(rendered)


def test_sanitize_keeps_markdown_but_not_html() -> None:
    source = "Some *emphasis*, a [link](https://example.org), <b>raw</b> and <https://example.org/auto>."
    rendered = _rendered(sanitize_markdown(source))
    assert "<em>emphasis</em>" in rendered
    assert '<a href="https://example.org">link</a>' in rendered
    assert "&lt;b&gt;raw&lt;/b&gt;" in rendered
    assert '<a href="https://example.org/auto">' in rendered
    assert "<b>" not in rendered


def test_sanitize_leaves_code_alone() -> None:
    source = "Use `a<b>` inline.\n\n```python\nif a < b:\n    print('<x>')\n```\n\nAfter <img src=x onerror=alert(1)>"
    out = sanitize_markdown(source)
    rendered = _rendered(out)
    assert "<code>a&lt;b&gt;</code>" in rendered
    assert "if a &lt; b:" in rendered  # code block content shown verbatim (escaped by the HTML renderer)
    assert "&amp;lt;" not in rendered  # and not double-escaped
    assert "<img" not in rendered


def test_sanitize_turns_headings_into_text_and_strips_blank_edges() -> None:
    out = sanitize_markdown("\n\n# TL;DR\nbody\n\n")
    tokens = PARSER.parse(out)
    assert "heading_open" not in [t.type for t in tokens]
    assert out == "\\# TL;DR\nbody"


def test_sanitize_html_block_is_text() -> None:
    rendered = _rendered(sanitize_markdown("<div>\n<script>x()</script>\n</div>"))
    assert "<script>" not in rendered
    assert "<div>" not in rendered


@pytest.mark.parametrize(
    ("heading", "slug"),
    [  # anchors as GitHub gives them
        ("Hello World", "hello-world"),
        ("1. Machine Learning Papers", "1-machine-learning-papers"),
        ("Examples of Machine Learning use cases", "examples-of-machine-learning-use-cases"),
        ("Foo & Bar", "foo--bar"),
        ("C++ rocks!", "c-rocks"),
        ("snake_case", "snake_case"),
        ("1. 机器学习论文", "1-机器学习论文"),
        ("Über Café", "über-café"),
        ("Editor's pickup", "editors-pickup"),
        ("How Do the Hearts of Deep Fakes Beat?", "how-do-the-hearts-of-deep-fakes-beat"),
        ("emoji 🧠 brain", "emoji--brain"),
    ],
)
def test_github_slug(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug


def test_anchor_book_numbers_repeats_like_github() -> None:
    book = AnchorBook()
    assert [book.anchor(h) for h in ["Intro", "Intro", "Intro-1", "Intro"]] == [
        "intro",
        "intro-1",
        "intro-1-1",
        "intro-2",
    ]


def test_unclosed_fence_is_closed_so_it_cannot_swallow_what_follows() -> None:
    out = sanitize_markdown("```python\nprint(1)")
    rendered = _rendered(out + "\n\n## Next section\n")
    assert "<h2>Next section</h2>" in rendered


def test_backticks_do_not_pair_across_paragraphs() -> None:
    rendered = _rendered(sanitize_markdown("a ` b\n\n<img src=x onerror=alert(1)>\n\nc ` d"))
    assert "<img" not in rendered


def test_escaped_backticks_are_not_code() -> None:
    rendered = _rendered(sanitize_markdown("\\`<b>x</b>\\`"))
    assert "<b>" not in rendered


def test_a_backslash_inside_code_escapes_nothing_so_html_after_it_is_still_escaped() -> None:
    # "\``" closes no one-backtick span (inside code a backslash is literal; the run is two long), so
    # the opening backtick is text and the tag is raw HTML, which must not reach the page.
    rendered = _rendered(sanitize_markdown("`<img src=x onerror=alert(1)>\\``"))
    assert "<img" not in rendered
    assert _rendered(sanitize_markdown("`<b>\\`")) == "<p><code>&lt;b&gt;\\</code></p>\n"


@pytest.mark.parametrize(
    "source", ["Setext heading\n---", "Setext heading\n===", "> # quoted", "- # listed", "1. # numbered"]
)
def test_no_heading_survives_in_user_markdown(source: str) -> None:
    tokens = PARSER.parse(sanitize_markdown(source))
    assert "heading_open" not in [t.type for t in tokens]


def test_hard_line_breaks_are_kept() -> None:
    assert "<br />" in _rendered(sanitize_markdown("line one  \nline two"))


@pytest.mark.parametrize("text", ["#", "##", "# ##"])
def test_text_of_hashes_is_escaped_once(text: str) -> None:
    assert _rendered(escape(text)) == f"<p>{text}</p>\n"


def _slug_by_categories(text: str) -> str:
    """GitHub's rule spelled out: lower case; keep letters, marks, numbers, '-', '_' and spaces; spaces become '-'."""
    text = unicodedata.normalize("NFC", text).strip().lower()
    return "".join(ch for ch in text if ch in "-_ " or unicodedata.category(ch)[0] in "LNM").replace(" ", "-")


@settings(max_examples=500)
@given(st.one_of(st.text(alphabet=st.characters(max_codepoint=127)), st.text()))
def test_github_slug_follows_the_rule_for_any_text(heading: str) -> None:
    assert github_slug(heading) == _slug_by_categories(heading)


@pytest.mark.parametrize(
    "source",
    [
        "`a\n<div onmouseover=alert(1)>`",  # an HTML block ends the paragraph: no code span runs across it
        "> `a\n<div onmouseover=alert(1)>`",
        "- `a\n<div onmouseover=alert(1)>`",
        "- a\n  ```\n<img src=x onerror=alert(1)>\n```",  # the fence ends with its list item
        "````<b onmouseover=alert(1)>`",  # a backtick in the info string: no fence
        "a `\n_` <img src=x onerror=alert(1)> `",  # "_" starts no block: the paragraph goes on
        "a `\n2. x` <img src=x onerror=alert(1)> `",  # "2." interrupts no paragraph
        "  ```\n```\n<img src=x onerror=alert(1)>\n  ```",  # the unindented fence closes the indented one
        "| a | b |\n|---|---|\n| `x | <img src=x onerror=y> | z` | q |",  # a table cell ends a code span
        "`a\n- `b\n2. `<img src=x onerror=y>`",
    ],
)
def test_raw_html_never_passes_as_code_where_commonmark_sees_none(source: str) -> None:
    """Whatever a line-by-line reading makes of code, no tag reaches a renderer that allows raw HTML."""
    rendered = MarkdownIt("commonmark", {"html": True}).render(sanitize_markdown(source))
    assert unsafe_markup(rendered, source) == []


_MARKUP_PIECES = st.sampled_from(
    [
        "<div onmouseover=x>",
        "<img src=x onerror=y>",
        "<b>",
        "</b>",
        "<!--",
        "<?",
        "<![CDATA[",
        "`",
        "``",
        "```",
        "~~~",
        "\\",
        "\n",
        "\n\n",
        "> ",
        "- ",
        "1. ",
        "  ",
        "    ",
        "_",
        "2. ",
        "| ",
        "\n|---|---|\n",
        "# ",
        "---",
        "===",
        "[",
        "](",
        ")",
        "<",
        "&lt;",
    ]
)
_MARKUP = st.lists(st.one_of(_MARKUP_PIECES, st.text(max_size=3)), max_size=25).map("".join)


@settings(max_examples=400, deadline=None)
@given(_MARKUP)
def test_sanitized_markdown_renders_no_tag_of_its_own(text: str) -> None:
    # Tables on too: a table cell ends a code span, as on GitHub.
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(sanitize_markdown(text))
    assert unsafe_markup(rendered, "summary") == []


@pytest.mark.parametrize(
    "source",
    ["Uses `List<int>` and `<eos>` tokens.", "- The model uses `HashMap<K,\n  V>` here.", "```\n<b>code</b>\n```"],
)
def test_tags_in_code_stay_as_written(source: str) -> None:
    assert sanitize_markdown(source) == source
