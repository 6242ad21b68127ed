"""Markdown text helpers: escaping user text, sanitising user Markdown, GitHub heading anchors."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

# Characters that start or end inline syntax anywhere in a line.
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]<>~|])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# Text at the start of a line that would make it a heading, quote, list item or rule.
_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")
_TRAILING_HASHES = re.compile(r"(#+)(\s*)$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=\s|$)")
_CODE_SPAN = re.compile(r"(`+)(?:.*?[^`])?\1(?!`)", re.DOTALL)
_AUTOLINK = re.compile(r"<(?:https?://|mailto:)[^<>\s]*>", re.IGNORECASE)


def escape(text: str) -> str:
    """Plain text made safe to place inline in Markdown: it renders as exactly this text, on one line."""
    text = " ".join(text.split())
    text = _INLINE_SPECIALS.sub(r"\\\1", text)
    text = _ENTITY.sub("&amp;", text)
    text = _BLOCK_START.sub(lambda m: f"{m.group(1)}{m.group(2)[:-1]}\\{m.group(2)[-1]}", text, count=1)
    return _TRAILING_HASHES.sub(lambda m: "\\#" * len(m.group(1)) + m.group(2), text)


def escape_table_cell(text: str) -> str:
    """Plain text made safe for one cell of a Markdown table."""
    return escape(text).replace("\\|", "&#124;").replace("|", "&#124;")


def _escape_html(segment: str) -> str:
    """Turn ``<`` that would start raw HTML into ``&lt;``, keeping autolinks."""
    out = []
    position = 0
    for match in _AUTOLINK.finditer(segment):
        out.append(segment[position : match.start()].replace("<", "&lt;"))
        out.append(match.group(0))
        position = match.end()
    out.append(segment[position:].replace("<", "&lt;"))
    return "".join(out)


def sanitize_markdown(text: str) -> str:
    """User Markdown kept as written except raw HTML (shown as text) and headings (made plain text)."""
    lines = text.strip("\n").splitlines()
    out: list[str] = []
    fence: str | None = None
    prose: list[str] = []

    def flush() -> None:
        if not prose:
            return
        paragraph = "\n".join(prose)
        pieces, position = [], 0
        for match in _CODE_SPAN.finditer(paragraph):
            pieces.append(_escape_html(paragraph[position : match.start()]))
            pieces.append(match.group(0))
            position = match.end()
        pieces.append(_escape_html(paragraph[position:]))
        out.extend("".join(pieces).split("\n"))
        prose.clear()

    for line in lines:
        if fence is not None:
            out.append(line)
            if line.strip().startswith(fence) and set(line.strip()) == {fence[0]}:
                fence = None
            continue
        opening = _FENCE.match(line)
        if opening:
            flush()
            fence = opening.group(1)
            out.append(line)
            continue
        prose.append(_ATX_HEADING.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", line))
    flush()
    return "\n".join(line.rstrip() for line in out)


def link_destination(url: str) -> str:
    """A URL written so Markdown reads all of it as a link destination."""
    return quote(url, safe="/:?#[]@!$&'*+,;=%~-._")


def github_slug(text: str) -> str:
    """The anchor GitHub gives a heading with this text (lower case, punctuation dropped, '-' for spaces)."""
    text = unicodedata.normalize("NFC", text).strip().lower()
    kept = "".join(ch for ch in text if ch in "-_ " or unicodedata.category(ch)[0] in "LNM")
    return kept.replace(" ", "-")


class AnchorBook:
    """Hands out unique heading anchors in document order, as GitHub numbers repeats (-1, -2, …)."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def anchor(self, heading: str) -> str:
        """The anchor of the next heading with text ``heading``."""
        base = github_slug(heading)
        slug, count = base, self._seen.get(base, 0)
        while slug in self._seen:
            count += 1
            slug = f"{base}-{count}"
        self._seen[base] = count
        self._seen[slug] = 0
        return slug
