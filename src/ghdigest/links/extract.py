"""Finding links: in entries, digest files and settings, and in Markdown files, each with file and line.

Links in Markdown (summaries, intros, footers, whole files) come from a real Markdown parser,
so code blocks are skipped and autolinks, bare URLs and raw ``<a href>``/``<img src>`` count.
Each link gets a key, what is actually checked: a canonical URL (tracking parameters and
fragment dropped), ``arxiv:<id>``, ``doi:<doi>``, ``file:<path>#<fragment>`` for links into
local files, or ``offline:<link>`` for links decided without asking anyone.
"""

from __future__ import annotations

import functools
import os.path
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

from ghdigest import identifiers
from ghdigest.links.model import FoundLink, Outcome, Place, Verdict
from ghdigest.links.policy import HostPolicy, offline_outcome
from ghdigest.render.html import markdown_links
from ghdigest.yamlio import JsonPath, YamlDocument

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd"})


def display_key(key: str, root: Path | None = None) -> str:
    """What a key looks like to people: the URL asked for, or the local file."""
    kind, _, rest = key.partition(":")
    if kind == "arxiv":
        return f"https://arxiv.org/abs/{rest}"
    if kind == "doi":
        return f"https://doi.org/{rest}"
    if kind == "file":
        path, hash_sign, fragment = rest.partition("#")
        shown = Path(unquote(path))
        if root is not None and shown.is_relative_to(root):
            shown = shown.relative_to(root)
        return shown.as_posix() + hash_sign + fragment
    if kind == "offline":
        return rest
    return key


# What may follow an address that goes on: more of its characters, or a dot that is not a full stop.
_ADDRESS_GOES_ON = r"(?![A-Za-z0-9/_?#%&=~+@:-]|\.[A-Za-z0-9])"


class _Lines:
    """Line numbers of text offsets, and of the n-th time a string is written."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        self._seen: dict[str, int] = {}

    def line_of_next(self, needle: str) -> int | None:
        """Line of the next place ``needle`` is written whole (after the ones already asked for), or None.

        Whole: not the start of a longer address, such as ``…/repo`` inside ``…/repo/releases``.
        """
        pattern = re.compile(re.escape(needle) + _ADDRESS_GOES_ON)
        found = pattern.search(self.text, self._seen.get(needle, 0))
        if found is None:
            return None
        self._seen[needle] = found.end()
        return bisect_right(self._starts, found.start())


@dataclass(frozen=True)
class Resolution:
    """How a written link is checked: its key, and the outcome when it is decided right away."""

    key: str
    decided: Outcome | None = None


class LinkCollector:
    """Gathers links from many sources, merging places of the same link, in the order first met."""

    def __init__(
        self,
        *,
        policy: HostPolicy,
        exclude: Iterable[str] = (),
        content_base: str | None = None,
        file_base: str | None = None,
        doi_lookup: bool = True,
    ) -> None:
        self.policy = policy
        self.exclude = [re.compile(pattern) for pattern in exclude]
        self.content_base = content_base
        self.file_base = file_base
        self.doi_lookup = doi_lookup
        self.found: dict[tuple[str, str], FoundLink] = {}
        self.decided: dict[str, Outcome] = {}
        self.excluded: set[str] = set()

    # ── resolving one written link ────────────────────────────────────────────────────────────
    def _excluded(self, *texts: str) -> bool:
        return any(pattern.search(text) for pattern in self.exclude for text in texts)

    def _decide(self, written: str, outcome: Outcome) -> Resolution:
        return Resolution(f"offline:{written}", outcome)

    def _resolve_absolute(self, written: str, url: str) -> Resolution | None:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "arxiv":
            found = identifiers.arxiv_id(url)
            if found is None:
                return self._decide(written, Outcome(Verdict.BROKEN, f"{url!r} is not a valid arXiv id"))
            return Resolution(f"arxiv:{found}")
        if scheme == "doi":
            doi = identifiers.doi(url)
            if doi is None:
                return self._decide(written, Outcome(Verdict.BROKEN, f"{url!r} is not a valid DOI"))
            return Resolution(f"doi:{doi}") if self.doi_lookup else Resolution(f"https://doi.org/{doi}")
        if scheme not in ("http", "https"):
            outcome = offline_outcome(url)
            assert outcome is not None
            return self._decide(written, outcome)
        problem = identifiers.url_problem(url)
        if problem is not None:
            return self._decide(written, Outcome(Verdict.BROKEN, problem))
        host = (parts.hostname or "").lower()
        if self.policy.limits(host).exclude:
            return None
        if identifiers.looks_like_arxiv(url):
            found = identifiers.arxiv_id(url)
            if found is None:
                return self._decide(written, Outcome(Verdict.BROKEN, "not a valid arXiv id in an arXiv address"))
            return Resolution(f"arxiv:{found}")
        doi = identifiers.doi(url)
        if doi is not None and self.doi_lookup:
            return Resolution(f"doi:{doi}")
        key = identifiers.url_to_check(url)
        return None if self._excluded(key) else Resolution(key)

    def resolve(self, written: str, markdown_file: Path | None = None) -> Resolution | None:
        """How ``written`` is checked; ``markdown_file`` is the local file it is written in, if any; None: excluded."""
        url = written.strip()
        if self._excluded(url):
            return None
        try:
            parts = urlsplit(url)
        except ValueError as exc:
            return self._decide(written, Outcome(Verdict.BROKEN, f"malformed URL: {exc}"))
        if parts.scheme:
            return self._resolve_absolute(written, url)
        if url.startswith("//"):
            return self._resolve_absolute(written, f"https:{url}")
        base = self.file_base if markdown_file is not None else self.content_base
        if base is not None:
            return self._resolve_absolute(written, urljoin(base, url))
        if markdown_file is None:
            return self._decide(
                written,
                Outcome(
                    Verdict.UNKNOWN,
                    "relative link with nothing to resolve it against: "
                    "set links.base_url (or site_url) in ghdigest.yml",
                ),
            )
        path_part, _, fragment = url.partition("#")
        path_text = unquote(path_part.partition("?")[0])
        if path_text.startswith("/"):
            # GitHub reads "/docs/a.md" from the repository's top, not from the machine's root.
            top = repository_top(markdown_file.parent)
            if top is None:
                return self._decide(
                    written, Outcome(Verdict.UNKNOWN, "a path from the site's root, outside any Git repository")
                )
            target = top / path_text.lstrip("/")
        else:
            target = markdown_file.parent / path_text if path_text else markdown_file
        # The path is quoted in the key, so a file named "C#.md" is not cut at its "#".
        return Resolution(f"file:{quote(Path(_normalised(target)).as_posix())}#{unquote(fragment)}")

    def add(self, written: str, place: Place, markdown_file: Path | None = None) -> None:
        """Record ``written`` at ``place``."""
        resolution = self.resolve(written, markdown_file)
        if resolution is None:
            self.excluded.add(written)
            return
        link = self.found.get((written, resolution.key))
        if link is None:
            link = self.found[(written, resolution.key)] = FoundLink(written, resolution.key)
        if place not in link.places:
            link.places.append(place)
        if resolution.decided is not None:
            self.decided[resolution.key] = resolution.decided

    # ── sources ──────────────────────────────────────────────────────────────────────────────
    def add_markdown_file(self, path: Path, display: str, text: str) -> None:
        """Every link of a Markdown file; relative links point at files next to it (or at --base-url)."""
        for link in markdown_links(text):
            self.add(link.url, Place(display, link.line), path)

    def add_document(self, document: YamlDocument, kind: str, shown: str | None = None) -> None:
        """Every link of a parsed ``entry``, ``digest`` or ``config`` document; nothing for skipped entries.

        ``shown`` is the file's path as reports give it (default: the document's display path).
        """
        data = document.data
        if not isinstance(data, dict):
            return
        lines = _Lines(document.text)
        where = shown or document.display_path
        for path, value, markdown in _document_fields(kind, data):
            if not markdown:
                self._add_from_yaml(value, path, document, lines, 0, where)
                continue
            for link in markdown_links(value):
                self._add_from_yaml(link.url, path, document, lines, link.line, where)

    def _add_from_yaml(
        self, written: str, path: JsonPath, document: YamlDocument, lines: _Lines, markdown_line: int, shown: str
    ) -> None:
        line = lines.line_of_next(written)
        if line is None and "%" in written:
            line = lines.line_of_next(unquote(written))
        if line is None:  # written with YAML escapes: find the field instead (slower, rare)
            where = document.locate(list(path))
            line = where.line
            if markdown_line:
                text_lines = document.text.splitlines()
                value = text_lines[where.line - 1][where.column - 1 :] if where.line <= len(text_lines) else ""
                # A block scalar (| or >) starts on the line after its indicator; a quoted one on it.
                line += markdown_line if value[:1] in ("|", ">") else markdown_line - 1
        self.add(written, Place(shown, line))

    def links(self) -> list[FoundLink]:
        """The links found, in the order first met."""
        return list(self.found.values())


@functools.lru_cache(maxsize=256)
def repository_top(folder: Path) -> Path | None:
    """The top of the Git work tree holding ``folder`` (the nearest folder upward with a ``.git``), or None."""
    for candidate in (folder.absolute(), *folder.absolute().parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _normalised(path: Path) -> str:
    # normpath, not resolve(): "../x.md" is judged as written, whatever symbolic links say.
    return os.path.normpath(path.absolute())


def _markdown_texts(value: Any, path: list[str | int]) -> Iterable[tuple[JsonPath, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for language, text in value.items():
            if isinstance(text, str):
                yield [*path, language], text


def _document_fields(kind: str, data: dict[str, Any]) -> Iterable[tuple[JsonPath, str, bool]]:
    """``(path, text, is_markdown)`` for every field of a document that may hold links."""
    if kind == "entry":
        if data.get("status") == "skip":
            return
        if isinstance(data.get("url"), str):
            yield ["url"], data["url"], False
        for path, text in _markdown_texts(data.get("summary"), ["summary"]):
            yield path, text, True
        images = data.get("images")
        for index, image in enumerate(images if isinstance(images, list) else []):
            if isinstance(image, dict) and isinstance(image.get("src"), str):
                yield ["images", index, "src"], image["src"], False
    else:
        names = ("intro", "outro") if kind == "digest" else ("intro", "footer")
        for name in names:
            for path, text in _markdown_texts(data.get(name), [name]):
                yield path, text, True
