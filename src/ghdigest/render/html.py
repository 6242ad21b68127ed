"""Markdown to HTML for the feeds and the content API: the only markdown-it-py user.

The Markdown given here is ghdigest's own output (or user Markdown already passed through
``mdtext.sanitize_markdown``), so user text is escaped before it arrives. Raw HTML is still
switched off in the parser: anything that looks like a tag comes out as text, whoever wrote it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from markdown_it import MarkdownIt
from markdown_it.token import Token

# CommonMark with the two GitHub extensions the digests may use; raw HTML off (shown as text).
# markdown-it also refuses javascript:, vbscript:, file: and non-image data: links by itself.
_PARSER = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def _tokens(tokens: Iterable[Token]) -> Iterable[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _tokens(token.children)


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
