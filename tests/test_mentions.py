"""@mentions: what GitHub would notify, neutralised in every text ghdigest writes there, and read back unchanged."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from ghdigest.intake import IssueInput, parse_issue, render_issue
from ghdigest.mentions import count_mentions, decode_mentions, encode_mentions, neutralise_mentions

ZWSP = "\u200b"

# GitHub's own patterns (html-pipeline's MentionFilter and TeamMentionFilter), applied to each text node of the
# rendered HTML outside links and code; \W is ASCII, as in Ruby.
_USER_MENTION = re.compile(r"(?:^|[^A-Za-z0-9_])@[a-z0-9][a-z0-9-]*", re.IGNORECASE)


# GFM's extended autolinks: "http://", "https://" or "www." at the start of a text or after a space,
# "*", "_", "~" or "(", then a domain name. GitHub links them, so the text in them mentions no one.
_AUTOLINK = re.compile(r"(?<![^\s*_~(])(?:https?://|www\.)[A-Za-z0-9_-][^\s<]*")
# And e-mail addresses: a local part of letters, digits and "._+-", "@", then a domain with a dot
# that does not end in "-" or "_".
_EMAIL = re.compile(r"[A-Za-z0-9._+-]+@[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+(?<![-_])(?![A-Za-z0-9_-])")
_AFTER_CODE = "\x00"  # stands for the code span before a text node: no autolink starts right after one


def _mentions_in(text: str) -> list[str]:
    return [m.group().lstrip() for m in _USER_MENTION.finditer(_EMAIL.sub(" ", _AUTOLINK.sub(" ", text)))]


def live_mentions(markdown: str) -> list[str]:
    """The mentions GitHub would notify for ``markdown``: text nodes outside links and code, as rendered."""
    found: list[str] = []
    for token in MarkdownIt("commonmark").parse(markdown):
        if token.type == "html_block":  # raw HTML: GitHub shows the text between its tags
            found += _mentions_in(re.sub(r"<[^<>]*>", " ", token.content))
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
            found += _mentions_in(text)
            text = _AFTER_CODE if child.type == "code_inline" else ""
        found += _mentions_in(text)
    return found


def rendered_text(markdown: str) -> str:
    """What a reader sees: the rendered HTML with tags removed and zero-width spaces dropped."""
    html = MarkdownIt("commonmark").render(markdown)
    return re.sub(r"<[^>]+>", "", html).replace(ZWSP, "")


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
    ("a ](@team) b", "a ](@\u200bteam) b"),  # no "[" opens it: not a link
    ("[a] b](@team)", "[a] b](@\u200bteam)"),  # "[a]" is closed already
    ("](@team", "](@\u200bteam"),
    ("x http://@team and http://@team", "x http://@\u200bteam and http://@\u200bteam"),  # no domain: no link
    ("xhttps://example.com/@team", "xhttps://example.com/@\u200bteam"),  # a letter before it: no link
    ("`x`https://example.com/@team", "`x`https://example.com/@\u200bteam"),  # right after code: no link
    ("[a [b](/@c) d](/@team)", "[a [b](/@c) d](/@\u200bteam)"),  # a link holds no link: the outer one is text
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
    "[inner](/@a) and ![image](/@c 'title') and ![an [inner](/@d) image](/@e)",
    "[a `code]` b](https://medium.com/@author)",
    "(https://medium.com/@author) *https://medium.com/@author*",
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


# ------------------------------------------------------------------- issues: neutralised and read back

# Text rich in what matters here: at-signs in every form, zero-width spaces, code and link syntax.
_PIECES = st.sampled_from(
    [
        "@",
        "&#64;",
        "&#x40;",
        "&commat;",
        ZWSP,
        "a",
        "Z",
        "9",
        "-",
        "_",
        ".",
        "/",
        " ",
        "\n",
        "`",
        "```\n",
        "    ",
        "[",
        "](",
        ")",
        "<",
        ">",
        "http://",
        "e@x.io",
        "\\",
        "\n> ",
        "\n- ",
        "\n  ",
        "\n<div>\n",
        "\n\n",
        "~~~",
        "www.",
    ]
)
_AT_RICH_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=30).map("".join)


@settings(max_examples=500, deadline=None)
@given(_AT_RICH_TEXT)
@example("@\u200balice")
@example("&#64;\u200b\u200bbob and @carol")
@example("```\n@decorator\n```\n@dave")
@example("](@a")
@example("http://@a")
@example("[](@a\x08)")
@example("`@a\\``")
@example("\x1e```\n@a")
@example(">```\n@a```\n")
@example("@```\n>@a```\n")
@example("www.@www.www.")
@example("e@x.ioe@x")
@example("- a\n  ```\n@b\n```")
@example("<div>\n```\n@a\n```")
@example("@\u0130stanbul")
@example("http://_@a_ https://x.io/*@b*")
@example("a `\n_` @user `")
@example("  ```\n```\n@user\n  ```")
@example("<?x\n\n```\n> @user\n```")
@example("[a[b]: @user")
@example("[1]: @user)")
@example("[1]: (@user")
@example("`a\n- `b\n2. `@user`")
def test_encoded_text_mentions_no_one_and_decodes_to_exactly_what_was_written(text: str) -> None:
    encoded = encode_mentions(text)
    assert decode_mentions(encoded) == text
    assert live_mentions(encoded) == []
    assert rendered_text(encoded) == rendered_text(text)


def test_text_without_mentions_is_encoded_as_it_is() -> None:
    text = "mail alice@example.com, see https://medium.com/@author/post and `@code`"
    assert encode_mentions(text) == text
    assert decode_mentions(text) == text


def test_a_fence_line_inside_an_html_block_starts_no_code() -> None:
    # GitHub renders the block as HTML, and "@alice" is a text node of it: a mention.
    source = "<div>\n```\n@alice\n```\n</div>"
    assert neutralise_mentions(source) == source.replace("@", "@" + ZWSP)


@pytest.mark.parametrize("key", ["```x @user", "~~~ @user", "[1]: <x> '@user'", "<?x @user"])
def test_a_note_heading_mentions_no_one_and_reads_back(key: str) -> None:
    fields = {"kind": "paper", "status": "inbox", "headline": "A paper", "notes": {key: "Text."}}
    rendered = render_issue(fields)
    assert live_mentions(rendered.body) == []
    assert parse_issue(IssueInput(rendered.title, rendered.body, rendered.labels, created_at=None)).fields["notes"] == {
        key: "Text."
    }


def test_answers_read_together_mention_no_one() -> None:
    # An HTML block opened in one answer ("<?x", which runs past blank lines) makes raw HTML of the next.
    fields = {
        "kind": "paper",
        "status": "inbox",
        "headline": "A paper",
        "summary": "<?x",
        "notes": {"N": "```\n> @user\n```"},
    }
    rendered = render_issue(fields)
    assert live_mentions(rendered.body) == []
    read = parse_issue(IssueInput(rendered.title, rendered.body, rendered.labels, created_at=None)).fields
    assert (read["summary"], read["notes"]) == ("<?x", {"N": "```\n> @user\n```"})
