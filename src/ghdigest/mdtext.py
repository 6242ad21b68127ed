"""Markdown text helpers: escaping user text, sanitising user Markdown, GitHub heading anchors."""

from __future__ import annotations

import functools
import re
import unicodedata
from urllib.parse import quote

# Characters that start or end inline syntax anywhere in a line.
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]<>~|])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# Text at the start of a line that would make it a heading, quote, list item or rule.
_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")
_TRAILING_HASHES = re.compile(r"(#+)(\s*)$")
# A fence: a backtick fence's info string holds no backtick ("````<b>`" is a paragraph, and its tag raw HTML).
_FENCE = re.compile(r"^ {0,3}(`{3,}(?![^`]*`)|~{3,})")
_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")
# A heading marker, also inside block quotes and list items ("> # x", "- # x").
_ATX_HEADING = re.compile(r"^((?: {0,3}(?:>|[-+*]|\d{1,9}[.)]) ?)*\s{0,3})(#{1,6})(?=\s|$)")
# A line that would turn the paragraph above it into a heading (setext underline).
_SETEXT_UNDERLINE = re.compile(r"^( {0,3}(?:> ?)*)(=+|-+)\s*$")
_AUTOLINK = re.compile(r"<(?:https?://|mailto:)[^<>\s]*>", re.IGNORECASE)
# A "<" that may start raw HTML (a tag, a closing tag, a comment, a declaration, an instruction).
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_BACKTICKS = re.compile(r"`+")


def escape(text: str) -> str:
    """Plain text made safe to place inline in Markdown: it renders as exactly this text, on one line."""
    text = one_line(text)
    text = _INLINE_SPECIALS.sub(r"\\\1", text)
    text = _ENTITY.sub("&amp;", text)
    # Trailing hashes first: they would be read as a heading's closing sequence.
    text = _TRAILING_HASHES.sub(lambda m: "\\#" * len(m.group(1)) + m.group(2), text)
    return _BLOCK_START.sub(lambda m: f"{m.group(1)}{m.group(2)[:-1]}\\{m.group(2)[-1]}", text, count=1)


def one_line(text: str) -> str:
    """Text on one line with single spaces: what a heading made of it shows."""
    return " ".join(text.split())


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


def code_spans(paragraph: str) -> list[tuple[int, int]]:
    """Start and end of each code span, as CommonMark finds them, in linear time.

    Left to right, a run of n backticks opens a span that the next run of exactly n closes;
    a run with no such closer is literal text. Outside a span a backslash escapes the backtick
    after it; inside one it is literal, so "`a\\``" holds no span (its closer would be two backticks).
    """
    runs = [(match.start(), len(match.group())) for match in _BACKTICKS.finditer(paragraph)]
    by_length: dict[int, list[int]] = {}
    for index, (_, length) in enumerate(runs):
        by_length.setdefault(length, []).append(index)
    cursor = dict.fromkeys(by_length, 0)  # per length: the first candidate closer not yet passed
    spans: list[tuple[int, int]] = []
    position = 0
    for index, (start, length) in enumerate(runs):
        if start < position:
            continue  # inside the previous span
        before = paragraph[position:start]
        backslashes = len(before) - len(before.rstrip("\\"))
        if backslashes % 2:
            start, length = start + 1, length - 1  # an escaped backtick is text; the rest may open a span
        candidates = by_length.get(length)
        if not candidates:
            continue
        while cursor[length] < len(candidates) and candidates[cursor[length]] <= index:
            cursor[length] += 1
        if cursor[length] < len(candidates):
            close_start, _ = runs[candidates[cursor[length]]]
            spans.append((start, close_start + length))
            position = close_start + length
    return spans


def _sanitize_paragraph(paragraph: str, trust_code: bool) -> str:
    if not trust_code:
        return _escape_html(paragraph)
    pieces, position = [], 0
    for start, end in code_spans(paragraph):
        pieces.append(_escape_html(paragraph[position:start]))
        pieces.append(paragraph[start:end])
        position = end
    pieces.append(_escape_html(paragraph[position:]))
    return "".join(pieces)


# A summary is sanitised for its week's page and again for the API: the second time is a look-up.
@functools.lru_cache(maxsize=1024)
def sanitize_markdown(text: str) -> str:
    """User Markdown kept as written except raw HTML (shown as text), headings (made text), open fences (closed).

    A "<" that may start a tag is kept only inside code. Where code is is read line by line,
    and a reading of this kind can be fooled (a list item or an HTML block ending a paragraph a
    code span seemed to run across, a table cell ending one); so when any such "<" is kept, the
    result is read again as GitHub reads Markdown (CommonMark, tables), and if raw HTML appears
    there, every "<" is escaped, inside code too: then ``&lt;`` may show in code, never a tag.
    """
    sanitized = _sanitize(text, trust_code=True)
    if _TAG_START.search(_AUTOLINK.sub("", sanitized)):
        from ghdigest.render.html import raw_html_in  # the markdown-it module, which imports this one

        if raw_html_in(sanitized):
            return _sanitize(text, trust_code=False)
    return sanitized


def _sanitize(text: str, *, trust_code: bool) -> str:
    out: list[str] = []
    fence: str | None = None
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            out.extend(_sanitize_paragraph("\n".join(paragraph), trust_code).split("\n"))
            paragraph.clear()

    for line in text.strip("\n").splitlines():
        if fence is not None:
            out.append(line if trust_code else _escape_html(line))
            closing = _FENCE_CLOSE.match(line)
            if closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence):
                fence = None
            continue
        opening = _FENCE.match(line)
        if opening:
            flush()
            fence = opening.group(1)
            out.append(line if trust_code else _escape_html(line))
            continue
        if not line.strip():
            flush()
            out.append(line)
            continue
        underline = _SETEXT_UNDERLINE.match(line)
        if underline and paragraph:
            line = f"{underline.group(1)}\\{line[len(underline.group(1)) :]}"
        paragraph.append(_ATX_HEADING.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", line))
    flush()
    if fence is not None:
        out.append(fence)  # an unclosed fence would swallow the rest of the digest
    return "\n".join(out)


def link_destination(url: str) -> str:
    """A URL written so Markdown reads all of it as a link destination."""
    return quote(url, safe="/:?#[]@!$&'*+,;=%~-._")


_NOT_ASCII_SLUG = re.compile(r"[^a-z0-9_ -]")


def github_slug(text: str) -> str:
    """The anchor GitHub gives a heading with this text (lower case, punctuation dropped, '-' for spaces)."""
    text = unicodedata.normalize("NFC", text).strip().lower()
    if text.isascii():  # the common case: of ASCII, the letters and digits are what categories L, N and M hold
        return _NOT_ASCII_SLUG.sub("", text).replace(" ", "-")
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
