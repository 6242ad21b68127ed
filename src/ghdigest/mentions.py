"""@mentions in Markdown: find them as GitHub does, and make text that mentions no one.

Text ghdigest writes to GitHub (release bodies, issues opened by ``sync --push``) comes from
contributors; a mention in it would notify people, or a whole team, with every write. GitHub
shows U+200B ZERO WIDTH SPACE as nothing, so "@\u200buser" reads as "@user" and pings no one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from ghdigest.mdtext import code_spans

_ZERO_WIDTH_SPACE = "\u200b"


# A mention as GitHub finds one in the rendered text: "@" (or an entity that renders as "@") at the
# start of a text node or after a character that is not an ASCII word character, then a letter or
# digit (@user, @org/team). "_" counts as a boundary here because "_@user_" renders as emphasis,
# whose text starts with "@user". "name@example.com" is not a mention, and neither is an address
# GitHub links as an e-mail address (GFM: a local part of letters, digits and "._+-", then a domain
# with a dot that ends in a letter), such as "first_@example.com" or "a+@example.com".
_EMAIL_DOMAIN = r"@[A-Za-z0-9_-]*(?:\.[A-Za-z0-9][A-Za-z0-9_-]*)+(?<=[A-Za-z])(?![A-Za-z0-9_-]|\.[A-Za-z0-9])"
# An "@", or an HTML entity that renders as one.
_AT = r"(?:@|&\#0*64;|&\#[xX]0*40;|&commat;)"
# After the "@", a letter or digit; also the four letters that case-insensitive matching takes for
# ASCII ones (U+0130, U+0131, U+017F, U+212A: "@\u212a" may be read as "@k").
_MENTION = (
    r"(?<![A-Za-z0-9])(?:(?<![._+-])|(?!" + _EMAIL_DOMAIN + r"))" + _AT + "(?=[A-Za-z0-9\u0130\u0131\u017f\u212a])"
)
# A link destination (CommonMark): in angle brackets, or characters that are neither space nor
# control, with backslash escapes and one level of balanced parentheses.
_DESTINATION = r"(?:<[^<>\n]*>|(?:[^\s()\\\x00-\x1f\x7f]|\\[^\s\x00-\x1f\x7f]|\([^\s()\x00-\x1f\x7f]*\))*)"
# Scanned left to right over text outside code; only the last alternative is changed, every other
# one is kept as it is. Every alternative consumes what it matches, so a scan is linear.
_INLINE = re.compile(
    r"""
      \\[!-?\[-`{-~]                                  # a backslash escape ("\@" is not one: it still renders "@")
    | (?P<autolink><[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>)  # an autolink
    | (?P<tag><[A-Za-z/!?][^<>\n]{0,500}>)            # perhaps an HTML tag (a template may write one): checked below
    | (?P<destination>\]\(\s*"""
    + _DESTINATION
    + r""")                                           # a link's, if brackets match: see _neutralise_inline
    | (?P<url>(?<![^\s*_~(])(?:https?://|www\.)[A-Za-z0-9][^\s<]*)  # a bare URL GitHub may link: likewise
    | (?P<mention>"""
    + _MENTION
    + r""")
    | (?P<after_word>(?<=[A-Za-z0-9])"""
    + _AT
    + r"""(?=[A-Za-z0-9\u0130\u0131\u017f\u212a]))                 # a mention if an e-mail address ends there
    """,
    re.VERBOSE,
)
# In a URL, an "@" after what may open emphasis ("http://x.io/*@team*") may end up in a text of its own.
_EMPHASIS_AT = re.compile("[*_~]" + _AT)
# The end of what GitHub may link as an e-mail address: "a@b.io@team" is a link to a@b.io, then
# "@team" starts a text of its own, and mentions the team.
_EMAIL_BEFORE = re.compile(r"@[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+$")
# What CommonMark reads as raw HTML: an open or closing tag, a comment, a processing instruction, a declaration.
_HTML_TAG = re.compile(
    r"""
      <[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?)*\s*/?>
    | </[A-Za-z][A-Za-z0-9-]*\s*>
    | <!--.*-->
    | <\?.*\?>
    | <![A-Za-z][^>]*>
    """,
    re.VERBOSE | re.DOTALL,
)
_PARAGRAPH_BREAK = re.compile(r"(\n[ \t]*\n)")
# Link reference definitions at the start of a paragraph ("[1]: https://medium.com/@x 'title'"): they render as nothing.
_DEFINITIONS = re.compile(
    r"""(?:[ ]{0,3}\[[^\]\n]{1,999}\]:[ \t]*(?:<[^<>\n]*>|[^\s<]\S*)"""
    r"""(?:[ \t]+(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\)))?[ \t]*(?:\n|$))+"""
)
# What may start an HTML block: a tag name (then a space, "/", ">" or the line's end), "<!" or "<?".
# An autolink such as <https://example.com/@x> does not.
_HTML_START = re.compile(r" {0,3}<(?:/?[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$)|[!?])")
# A backtick fence's info string has no backtick; a tilde fence's may.
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}(?![^`]*`)|~{3,})")
_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")


def _indent(line: str) -> int:
    """Columns of leading white space (a tab reaches the next multiple of four)."""
    return len(line[: len(line) - len(line.lstrip(" \t"))].expandtabs(4))


def fence_opening(line: str) -> str | None:
    """The fence (backticks or tildes) of the code block ``line`` opens, or None."""
    found = _FENCE_OPEN.match(line)
    return found.group(1) if found else None


def closes_fence(line: str, fence: str) -> bool:
    """Whether ``line`` closes a code block opened by ``fence``."""
    found = _FENCE_CLOSE.match(line)
    return found is not None and found.group(1)[0] == fence[0] and len(found.group(1)) >= len(fence)


# Lines as CommonMark ends them: at LF, CR or CRLF only (str.splitlines also ends them at form
# feeds, U+001C-U+001E, U+0085 and U+2028-9, which would make a fence of "\x1e```").
_LINES = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")


_Kind = Literal["code", "markdown", "html"]


def _blocks(markdown: str) -> Iterator[tuple[_Kind, str]]:
    """``markdown`` in consecutive runs of ``(kind, text)``: code blocks, HTML blocks, and the rest.

    A line that may be in an HTML block is not code (at worst a zero-width space lands in code).
    """
    run: list[str] = []
    run_kind: _Kind = "markdown"
    fence: str | None = None  # the fence of the code block we are in
    indented = False  # inside an indented code block
    previous_blank = True
    in_list = False  # the last block began with a list item: lines indented under it continue it
    html = False  # perhaps in an HTML block, which only a blank line surely ends: no code starts there
    for line in _LINES.findall(markdown):
        body = line.rstrip("\r\n")
        blank = not body.strip()
        html = not blank and (html or (fence is None and not indented and _HTML_START.match(body) is not None))
        opening = _FENCE_OPEN.match(body) if fence is None and not html else None
        if fence is not None:
            is_code = True
            if closes_fence(body, fence):
                fence = None
        elif opening:
            fence, is_code, indented = opening.group(1), True, False
        elif indented and (blank or _indent(body) >= 4):
            is_code = True  # an indented code block goes on, across blank lines too
        elif not blank and not html and _indent(body) >= 4 and previous_blank and not in_list:
            is_code = indented = True
        else:
            is_code = indented = False
            if not blank and _indent(body) < 4:
                in_list = _LIST_ITEM.match(body) is not None or (in_list and not previous_blank)
        kind: _Kind = "code" if is_code else "html" if html else "markdown"
        if kind != run_kind and run:
            yield run_kind, "".join(run)
            run = []
        run_kind = kind
        run.append(line)
        previous_blank = blank
    if run:
        yield run_kind, "".join(run)


# What follows the "]" of an inline link or image: "(", a destination, perhaps a title, ")".
_LINK_TAIL = re.compile(r"\(\s*" + _DESTINATION + r"""(?:\s+(?:"[^"]*"|'[^']*'|\([^()]*\)))?\s*\)""")


def _link_destinations(paragraph: str, spans: list[tuple[int, int]]) -> frozenset[int]:
    """Where, in ``paragraph``, the "]" of each inline link or image stands, as CommonMark matches brackets.

    A "](" is a link's destination only when an opening bracket matches it: "](@team)" alone is
    text, and GitHub would notify the team it names. Code spans (``spans``) hold no brackets.
    """
    found: set[int] = set()
    openers: list[list[bool]] = []  # [is an image, still active] for each "[" not yet matched
    ends = dict(spans)
    index, size = 0, len(paragraph)
    while index < size:
        if index in ends:
            index = ends[index]
            continue
        char = paragraph[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            openers.append([index > 0 and paragraph[index - 1] == "!", True])
        elif char == "]" and openers:
            is_image, active = openers.pop()
            tail = _LINK_TAIL.match(paragraph, index + 1) if active else None
            if tail:
                found.add(index)
                if not is_image:  # a link holds no other link: the brackets before it open none
                    for opener in openers:
                        opener[1] = opener[0]
                index = tail.end()
                continue
        index += 1
    return frozenset(found)


def _pieces(markdown: str) -> Iterator[tuple[_Kind, str, frozenset[int], bool]]:
    """``markdown`` in runs of ``(kind, text, link destinations, starts a paragraph)``; code: blocks and spans.

    Link destinations are the offsets in ``text`` of each "](" that starts a real link's destination.
    """
    for kind, text in _blocks(markdown):
        if kind != "markdown":
            yield kind, text, frozenset(), True
            continue
        for paragraph in _PARAGRAPH_BREAK.split(text):  # a code span never runs across a blank line
            definitions = _DEFINITIONS.match(paragraph)
            if definitions:
                yield "code", definitions.group(), frozenset(), True
                paragraph = paragraph[definitions.end() :]
            spans = code_spans(paragraph)
            destinations = _link_destinations(paragraph, spans)
            position = 0
            for start, end in spans:
                yield "markdown", paragraph[position:start], _shifted(destinations, position, start), position == 0
                yield "code", paragraph[start:end], frozenset(), False
                position = end
            yield "markdown", paragraph[position:], _shifted(destinations, position, len(paragraph)), position == 0


def _shifted(offsets: frozenset[int], start: int, end: int) -> frozenset[int]:
    """The offsets between ``start`` and ``end``, counted from ``start``."""
    return frozenset(offset - start for offset in offsets if start <= offset < end)


def _neutralise_inline(
    text: str, destinations: frozenset[int], starts_paragraph: bool, offset: int = 0, *, html: bool = False
) -> str:
    """``text`` with a zero-width space after each mention; ``destinations`` as from _pieces, ``text`` at ``offset``.

    GitHub links a bare URL only at the start of a paragraph or after a space, "*", "_", "~" or
    "(", only when a domain name follows "://" ("x http://@team" mentions the team), and an "@"
    right after "*", "_" or "~" may be in emphasis, out of the link. In an
    HTML block (``html``) nothing is linked: only tags are kept as they are.
    """
    out: list[str] = []
    position = 0
    while True:
        match = _INLINE.search(text, position)
        if match is None:
            break
        start = match.start()
        # A "](" no bracket opened is text; so is a URL GitHub does not link because of what precedes
        # it (a letter, or a code span when the text starts with it): read on from its next character.
        if (
            (match.group("destination") and offset + start not in destinations)
            or (
                match.group("url")
                and ((start == 0 and not starts_paragraph) or html or _EMPHASIS_AT.search(match.group()))
            )
            or (match.group("autolink") and html)
        ):
            out.append(text[position : start + 1])
            position = start + 1
            continue
        out.append(text[position:start])
        if match.group("mention") or (
            match.group("after_word") and _EMAIL_BEFORE.search(text, max(0, start - 300), start)
        ):
            out.append(match.group() + _ZERO_WIDTH_SPACE)
        elif match.group("tag") and not _HTML_TAG.fullmatch(match.group()):
            # "<Ann @ann>" is text, and so is the mention in it
            out.append("<" + _neutralise_inline(match.group()[1:], destinations, False, offset + start + 1, html=html))
        else:
            out.append(match.group())
        position = match.end()
    out.append(text[position:])
    return "".join(out)


def neutralise_mentions(markdown: str) -> str:
    """Markdown that renders as the same text but mentions no one: a zero-width space follows each "@" of a mention.

    ``@user`` and ``@org/team`` outside code get U+200B ZERO WIDTH SPACE after the "@": GitHub
    shows the text unchanged and neither links nor notifies anyone. Code spans and blocks, link
    destinations, autolinks, bare URLs and e-mail addresses are left as they are.

    Where code and links are is read line by line, and a reading of this kind can be fooled (a
    list item ending the paragraph a code span seemed to run across, a fence closed by a less
    indented one). So the result is read again as GitHub reads Markdown, and if a mention is still
    live there, every "@" before a letter or digit gets the space, in code and links too.
    """
    neutralised = "".join(
        text if kind == "code" else _neutralise_inline(text, destinations, first, html=kind == "html")
        for kind, text, destinations, first in _pieces(markdown)
    )
    return _every_at(markdown) if live_mentions_in(neutralised) else neutralised


# Any "@" GitHub could read as the start of a mention, in any context.
_ANY_AT = re.compile(_AT + "(?=[A-Za-z0-9\u0130\u0131\u017f\u212a])")
# A mention in a text as GitHub sees it: "@" not after a letter, digit or "_", then a letter or digit.
_LIVE = re.compile(r"(?<![A-Za-z0-9_])@(?=[A-Za-z0-9\u0130\u0131\u017f\u212a])")
# What GitHub links in text, so that an "@" in it mentions no one: bare URLs (after a space, "*", "_",
# "~", "(" or at the start of a text; html.AFTER_INLINE stands for anything else before it) and e-mail
# addresses (a domain with a dot, not ending in "-" or "_").
_TEXT_URL = re.compile(r"(?<![^\s*_~(])(?:https?://|www\.)[A-Za-z0-9][^\s<]*")
_TEXT_EMAIL = re.compile(r"[A-Za-z0-9._+-]+@[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+(?<![-_])(?![A-Za-z0-9_-])")


def _every_at(markdown: str) -> str:
    return _ANY_AT.sub(lambda found: found.group() + _ZERO_WIDTH_SPACE, markdown)


def live_mentions_in(markdown: str) -> bool:
    """Whether ``markdown``, read as GitHub reads it, mentions anyone: an "@name" in text outside code and links.

    The text inside raw HTML counts too (GitHub shows it): a mention there is live.
    """
    from ghdigest.render.html import visible_texts  # the markdown-it module

    for text in visible_texts(markdown):
        if "@" in text and _LIVE.search(_TEXT_EMAIL.sub(" ", _TEXT_URL.sub(" ", text))):
            return True
    return False


def count_mentions(markdown: str) -> int:
    """How many mentions :func:`neutralise_mentions` neutralises in ``markdown``."""
    return neutralise_mentions(markdown).count(_ZERO_WIDTH_SPACE) - markdown.count(_ZERO_WIDTH_SPACE)


# An "@" followed by the zero-width space that neutralises it.
_AT_THEN_SPACE = re.compile("(" + _AT + ")" + _ZERO_WIDTH_SPACE)


def encode_mentions(text: str, *, every_at: bool = False) -> str:
    """``text`` mentioning no one, in a form :func:`decode_mentions` turns back into exactly ``text``.

    An "@" that already has a zero-width space after it gets a second one, so that the decoder,
    which takes one zero-width space from after every "@", gives back what was written. With
    ``every_at``, every "@" before a letter or digit gets the space, wherever it stands.
    """
    escaped = _AT_THEN_SPACE.sub("\\g<0>" + _ZERO_WIDTH_SPACE, text)
    return _every_at(escaped) if every_at else neutralise_mentions(escaped)


def decode_mentions(text: str) -> str:
    """The text :func:`encode_mentions` was given: one zero-width space after each "@" taken away."""
    if _ZERO_WIDTH_SPACE not in text:
        return text
    return _AT_THEN_SPACE.sub("\\g<1>", text)
