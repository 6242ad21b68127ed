"""Hostile text in every field of an entry comes out as text in every output: Markdown, feeds, JSON.

Each example writes one entry whose texts are built from markup payloads (script and event
handlers, raw HTML, Markdown structure, CDATA and comment ends, entities), builds the whole site in
process, and reads every output as a reader's software would: Markdown rendered with raw HTML
allowed, the feeds parsed as XML and their HTML parsed again, the JSON parsed and its ``*_html``
fields parsed. No element or attribute that the templates do not write may appear, and a title
reads back as the very text written.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from ghdigest import schema
from ghdigest.build import render_site
from ghdigest.config import load_config
from ghdigest.content import load_content
from ghdigest.intake import clean_line
from ghdigest.yamlio import dump_document

from .conftest import write_files

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "<iframe src=//example.org>",
    '"><svg onload=alert(1)>',
    "'><b onmouseover=x>",
    "</title><script>",
    "]]><script>",
    "<![CDATA[",
    "<!--",
    "-->",
    "&lt;script&gt;",
    "&#60;script&#62;",
    "`<b>`",
    "\\`<img src=x onerror=alert(1)>\\``",
    "<style>",
    "</textarea>",
    "# heading",
    "### Next entry",
    "* [x](y)",
    "| a | b |",
    "---",
    "```",
    "\\",
    "*",
    "_",
    "<",
    ">",
    "&",
    '"',
    "'",
    "\n",
    "\n\n",
    "    ",
]
PIECES = st.one_of(st.sampled_from(PAYLOADS), st.text(st.characters(codec="utf-8"), max_size=4))
TEXT = st.lists(PIECES, max_size=8).map("".join)
LINE = TEXT.map(clean_line).filter(lambda text: bool(text.strip()))

# What the templates themselves write, and nothing else: tags, and the attributes each may carry.
ALLOWED = {
    "p": set(),
    "h1": set(),
    "h2": set(),
    "h3": set(),
    "h4": set(),
    "h5": set(),
    "h6": set(),
    "a": {"href", "title"},
    "em": set(),
    "strong": set(),
    "code": {"class"},  # a fence's language, as "language-…": an attribute value, escaped
    "pre": set(),
    "ul": set(),
    "ol": {"start"},
    "li": set(),
    "blockquote": set(),
    "hr": set(),
    "br": set(),
    "img": {"src", "alt", "title"},
    "table": set(),
    "thead": set(),
    "tbody": set(),
    "tr": set(),
    "th": {"style"},
    "td": {"style"},
    "s": set(),
    "del": set(),
}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_SAFE_SCHEME = re.compile(r"(?:https?|mailto):", re.IGNORECASE)


def _safe_address(value: str) -> bool:
    """A relative address, or an http(s) or mailto one: never javascript:, data: or vbscript:."""
    value = value.strip()
    return _SCHEME.match(value) is None or _SAFE_SCHEME.match(value) is not None


class _Elements(HTMLParser):
    """Every start tag of an HTML text, with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))

    handle_startendtag = handle_starttag


def unsafe_markup(html: str, where: str) -> list[str]:
    """What in ``html`` the templates never write: another tag, another attribute, a script address."""
    parser = _Elements()
    parser.feed(html)
    parser.close()
    problems = []
    for tag, attrs in parser.found:
        if tag not in ALLOWED:
            problems.append(f"{where}: <{tag}>")
            continue
        for name, value in attrs:
            if name not in ALLOWED[tag]:
                problems.append(f"{where}: <{tag} {name}=...>")
            elif name in ("href", "src") and not _safe_address(value or ""):
                problems.append(f"{where}: <{tag} {name}={value!r}>")
    return problems


_RENDERER = MarkdownIt("commonmark", {"html": True})  # a renderer that lets raw HTML through


def _html_fields(document: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(document, dict):
        for key, value in document.items():
            if isinstance(value, str) and key.endswith("_html"):
                yield f"{path}.{key}", value
            else:
                yield from _html_fields(value, f"{path}.{key}")
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from _html_fields(value, f"{path}[{index}]")


def problems_in(files: dict[str, str]) -> list[str]:
    """Markup in any output file that its template did not write."""
    problems: list[str] = []
    for name, text in files.items():
        if name.endswith(".md"):
            problems += unsafe_markup(_RENDERER.render(text), name)
        elif name.endswith(".json"):
            # JSON writes < and > as \\u003c and \\u003e: pasted into a page, a document opens no tag.
            assert "<" not in text, name
            assert ">" not in text, name
            for field, html in _html_fields(json.loads(text)):
                problems += unsafe_markup(html, name + field)
        elif name.endswith(".xml"):
            root = ET.fromstring(text)  # a feed that does not parse is a broken feed
            for element in root.iter():
                tag = element.tag.rpartition("}")[2]
                html_content = tag in ("description",) or (
                    tag in ("content", "summary") and element.get("type") == "html"
                )
                if html_content and element.text:
                    problems += unsafe_markup(element.text, f"{name} <{tag}>")
                elif tag == "title" and element.text:
                    assert "<script" not in element.text.lower() or "&" not in element.text
    return problems


def _heading_texts(markdown: str) -> list[str]:
    tokens = _RENDERER.parse(markdown)
    return [tokens[i + 1].content for i, token in enumerate(tokens) if token.type == "heading_open"]


def _rendered_text(markdown_inline: str) -> str:
    html = _RENDERER.renderInline(markdown_inline)
    parser = HTMLParser(convert_charrefs=True)
    pieces: list[str] = []
    parser.handle_data = pieces.append  # type: ignore[method-assign]
    parser.feed(html)
    parser.close()
    return "".join(pieces)


ROOT = Path(tempfile.mkdtemp(prefix="ghdigest-injection-"))


def _repo() -> Path:
    root = ROOT / "repo"
    if root.exists():
        shutil.rmtree(root)
    config = "title: Hostile Digest\nsite_url: https://example.org/digest/\nfooter: 'Footer <b>bold</b> text'\n"
    return write_files(root, {"ghdigest.yml": config, "issues/.keep": ""})


@settings(max_examples=150, deadline=None)
@given(headline=LINE, title=LINE, summary=TEXT, author=LINE, topic=LINE, alt=LINE, card=LINE, intro=TEXT)
@example(
    headline="<script>alert(1)</script> *bold* [x](javascript:alert(1)) # `code`",
    title="</title><script>",
    summary="`<img src=x onerror=alert(1)>\\``\n\n<iframe src=//example.org>",
    author="]]><script>",
    topic='"><svg onload=alert(1)>',
    alt="'><b onmouseover=x>",
    card="<!--",
    intro="-->\n<style>",
)
def test_hostile_text_in_any_field_comes_out_as_text_in_every_output(
    headline: str, title: str, summary: str, author: str, topic: str, alt: str, card: str, intro: str
) -> None:
    entry = {
        "kind": "paper",
        "headline": headline,
        "title": title,
        "url": "https://arxiv.org/abs/2009.03393",
        "summary": summary if summary.strip() else "A summary.",
        "images": [{"src": "https://example.org/figure.png", "alt": alt, "caption": card}],
        "link_card": {"title": card, "description": summary or "x"},
        "topics": [topic],
        "authors": [author],
        "week": "2020-W38",
    }
    if schema.validate("entry", entry):
        assume(False)  # not a valid entry: validate refuses it, and nothing is built from it
    root = _repo()
    write_files(root, {"issues/0001-hostile.yml": dump_document(entry)})
    if intro.strip():
        write_files(root, {"issues/digests/2020-W38.yml": dump_document({"intro": intro})})
    content = load_content(load_config(root))
    assert not content.errors, content.diagnostics
    files = render_site(content)

    assert problems_in(files) == []
    headings = _heading_texts(files["2020-W38.md"])
    assert clean_line(headline) in [clean_line(_rendered_text(text)) for text in headings], headings
