"""Markdown to HTML for the feeds and the content API, links and anchors for the link checker.

The only markdown-it-py user.

The Markdown given here is ghdigest's own output (or user Markdown already passed through
``mdtext.sanitize_markdown``), so user text is escaped before it arrives. Raw HTML is still
switched off in the parser: anything that looks like a tag comes out as text, whoever wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ghdigest.mdtext import AnchorBook

# CommonMark with the two GitHub extensions the digests may use; raw HTML off (shown as text).
# markdown-it also refuses javascript:, vbscript:, file: and non-image data: links by itself.
_PARSER = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def _tokens(tokens: Iterable[Token]) -> Iterable[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _tokens(token.children)


# How GitHub reads user Markdown: CommonMark with its tables and strikethrough, raw HTML on.
_GITHUB_READER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def raw_html_in(markdown: str) -> bool:
    """Whether ``markdown``, read as GitHub reads it (CommonMark, tables), holds raw HTML anywhere."""
    return any(token.type in ("html_block", "html_inline") for token in _tokens(_GITHUB_READER.parse(markdown)))


#: Put before a text that follows code or a link: GitHub links no bare URL right after those.
AFTER_INLINE = "\x00"
_TEXT_TOKENS = ("text", "softbreak", "hardbreak")
_TAG = re.compile(r"<[^<>]*>")
_DELIMITERS = ("em_open", "em_close", "strong_open", "strong_close", "s_open", "s_close")


def visible_texts(markdown: str) -> list[str]:
    """The texts of ``markdown`` outside code, links and images, read as GitHub reads it, raw HTML's too.

    Adjacent text is one string, as one text node of the page. A text that follows code or a link
    starts with :data:`AFTER_INLINE`; one after emphasis does not (a bare URL may start there).
    """
    texts: list[str] = []
    for token in _GITHUB_READER.parse(markdown):
        if token.type == "html_block":
            texts.append(_TAG.sub(" ", token.content))  # the text between its tags; attributes are no text
        if token.type != "inline" or not token.children:
            continue
        text, in_link = "", 0
        for child in token.children:
            if child.type == "link_open":
                in_link += 1
            elif child.type == "link_close":
                in_link -= 1
            if in_link:
                continue
            if child.type in _TEXT_TOKENS:
                text += "\n" if child.type != "text" else child.content
            elif child.type in _DELIMITERS:
                texts.append(text)
                text = ""
            else:  # code, an image, a raw HTML tag, the end of a link
                texts.append(text)
                text = AFTER_INLINE
        texts.append(text)
    return [text for text in texts if text.strip(AFTER_INLINE)]


def markdown_to_html(text: str, resolve: Callable[[str, bool], str] | None = None) -> str:
    """HTML of Markdown ``text`` (raw HTML shown as text); each link or image address through ``resolve`` if given."""
    env: dict[str, object] = {}
    tokens = _PARSER.parse(text, env)
    if resolve is not None:
        # Feed readers resolve relative links inconsistently (or not at all): resolve them here,
        # including "#anchor" links, which then point into the week's page.
        for token in _tokens(tokens):
            attribute = "href" if token.type == "link_open" else "src" if token.type == "image" else None
            value = token.attrGet(attribute) if attribute else None
            if attribute and isinstance(value, str):
                token.attrSet(attribute, resolve(value, token.type == "image"))
    html: str = _PARSER.renderer.render(tokens, _PARSER.options, env)
    return html


# What GitHub shows as links: CommonMark links, images and <autolinks>, bare URLs (linkify), and
# raw HTML <a href> and <img src>. Raw HTML is parsed here only to find those attributes.
_LINK_PARSER = MarkdownIt("commonmark", {"html": True, "linkify": True}).enable(["table", "strikethrough", "linkify"])
# GitHub links bare text only when it has a scheme or starts with "www.", not any word with a dot.
# Links markdown-it would drop as unsafe (javascript:, file:, data:) are found all the same: the
# link checker reports them, and the renderer above never shows them anyway.
_LINK_PARSER.validateLink = lambda url: True  # type: ignore[method-assign]
_GITHUB_AUTOLINK = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|www\.)", re.IGNORECASE)


@dataclass(frozen=True)
class MarkdownLink:
    """A link or image address in Markdown text, with its 1-based line in that text."""

    url: str
    line: int
    image: bool


class _HtmlLinks(HTMLParser):
    """The href and src attributes of raw HTML, and the ids and names it gives anchors."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, int, bool]] = []
        self.anchors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        for name, value in attrs:
            if value is None:
                continue
            if (tag == "a" and name == "href") or (tag in ("img", "source") and name == "src"):
                self.found.append((value.strip(), line, tag != "a"))
            elif name == "id" or (tag == "a" and name == "name"):
                self.anchors.append(value)


def _html_links(html: str) -> _HtmlLinks:
    parser = _HtmlLinks()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # a malformed tag in someone's text: keep what was found before it
        pass
    return parser


class _BlockSource:
    """A block's source lines, to find on which of them each link is written."""

    def __init__(self, source_lines: list[str], block: Token) -> None:
        self.first = block.map[0] + 1 if block.map else 1
        self.text = "".join(source_lines[block.map[0] : block.map[1]]) if block.map else ""
        self.cursor = 0

    def line_of(self, address: str, counted: int) -> int:
        """The line ``address`` is written on, searched from the last one found; ``counted`` when not found."""
        for spelling in dict.fromkeys((address, unquote(address))):
            index = self.text.find(spelling, self.cursor)
            if index >= 0:
                self.cursor = index + len(spelling)
                return self.first + self.text.count("\n", 0, index)
        return counted


def markdown_links(text: str) -> list[MarkdownLink]:
    """Every link and image address in Markdown ``text``, in order, with the line each is on."""
    found: list[MarkdownLink] = []
    source_lines = text.splitlines(keepends=True)
    for block in _LINK_PARSER.parse(text):
        first_line = block.map[0] + 1 if block.map else 1
        if block.type == "html_block":
            for url, line, image in _html_links(block.content).found:
                found.append(MarkdownLink(url, first_line + line - 1, image))
            continue
        if block.type != "inline" or not block.children:
            continue
        # Line breaks inside code spans and tags leave no token behind: counting breaks alone can
        # fall short, so each address is looked for in the block's own lines first.
        source = _BlockSource(source_lines, block)
        line = first_line
        children = block.children
        for index, token in enumerate(children):
            if token.type in ("softbreak", "hardbreak"):
                line += 1
            elif token.type == "link_open":
                href = token.attrGet("href")
                if token.markup == "linkify":
                    shown = children[index + 1].content if index + 1 < len(children) else ""
                    if not _GITHUB_AUTOLINK.match(shown):
                        continue
                if isinstance(href, str) and href:
                    found.append(MarkdownLink(href, source.line_of(href, line), False))
            elif token.type == "image":
                src = token.attrGet("src")
                if isinstance(src, str) and src:
                    found.append(MarkdownLink(src, source.line_of(src, line), True))
            elif token.type == "html_inline":
                found.extend(
                    MarkdownLink(url, source.line_of(url, line), image)
                    for url, _, image in _html_links(token.content).found
                )
    return found


def markdown_anchors(text: str) -> set[str]:
    """The fragment ids a page made of Markdown ``text`` has on GitHub: headings, and raw HTML ids and names."""
    book = AnchorBook()
    anchors: set[str] = set()
    tokens = _LINK_PARSER.parse(text)
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and index + 1 < len(tokens):
            inline = tokens[index + 1]
            words = "".join(child.content for child in inline.children or () if child.type in ("text", "code_inline"))
            anchors.add(book.anchor(words))
        if token.type in ("html_block", "html_inline", "inline"):
            sources = (
                [token] if token.type != "inline" else [c for c in token.children or () if c.type == "html_inline"]
            )
            for source in sources:
                anchors.update(_html_links(source.content).anchors)
    return anchors
