"""The headless content API: JSON documents for the archive, each week and each entry (pure, no I/O).

Files, relative to the output folder (described by ``schemas/api.schema.json``)::

    api/index.json              every week (newest first) and every entry, with their paths
    api/weeks/<week>.json       one week: what a client needs to render it, and its Markdown
    api/entries/<file>.json     one entry; <file> is entry_file_stem(<entry id>)

An entry's id is its canonical id (``arxiv:2009.03393``, ``doi:…``, ``url:<hash>``,
``issue:<n>``, ``entry:<key>``), so it survives renaming the file and rewriting the link in
another spelling. Two shown entries with the same link (allowed for non-papers, with a
warning) would share it: the one that came first keeps it (earliest week, then lowest issue
number, then key; see ``_seniority``), so an entry added later to the same or a later week
never takes the id of one already published; the others get ``entry:<key>``, which no other
entry can have (keys are unique, and ``entry:`` ids are only given to entries without a link
or issue).
"""

from __future__ import annotations

import hashlib
import math
import re
import sys
from collections.abc import Iterable, Mapping
from json.encoder import encode_basestring as _encode_string  # JSON string syntax, without escaping non-ASCII
from typing import Any

from ghdigest import jsontext, mdtext
from ghdigest.content import StoredEntry
from ghdigest.models import Language, localized
from ghdigest.plan import DigestPlan, WeekPlan
from ghdigest.render import markdown
from ghdigest.render.html import markdown_to_html
from ghdigest.render.locations import LinkResolver, Locations
from ghdigest.weeks import Week

API_VERSION = 1
INDEX_PATH = "api/index.json"

# Kept as they are in entry file names; everything else is written as "~" and two hex digits
# per UTF-8 byte. Only lower-case letters are kept, so names never differ by case alone and
# stay distinct on case-insensitive file systems (macOS, Windows).
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_")
# Longer stems are cut and given a hash of the whole id. File systems allow 255 bytes per name,
# but Windows also limits a whole path to 260 characters unless long paths are enabled: with
# "api/entries/" and ".json", an entry's path stays within 137, which leaves 120 or more for the
# folders above the output folder (such as C:\Users\<name>\Documents\GitHub\<repo>\dist).
_MAX_STEM = 120
_CUT_STEM = 100


_LEADING_NUMBER = re.compile(r"[0-9]+")


def _seniority(stored: StoredEntry) -> tuple[Week, int, str]:
    """The order in which entries sharing a link claim its id: earliest week, lowest number, then key.

    The number is the mirrored issue's, else the one the file name starts with (``0012-gpt-f``):
    compared as numbers, issue 100 comes after issue 99, which the key ``100-…`` sorted as text
    would not. So an entry added later, to the same or a later week, never takes the id (and the
    document) of one that is already published.
    """
    assert stored.week is not None  # shown entries always have a week
    if stored.issue_number is not None:
        number = stored.issue_number
    else:
        match = _LEADING_NUMBER.match(stored.key)
        number = int(match.group()) if match else sys.maxsize
    return stored.week, number, stored.key


def api_ids(entries: Iterable[StoredEntry]) -> dict[str, str]:
    """Each shown entry's API id by key: its canonical id, or ``entry:<key>`` when an earlier entry has that id."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for stored in sorted((e for e in entries if e.shown), key=_seniority):
        api_id = stored.id if stored.id not in taken else f"entry:{stored.key}"
        taken.add(api_id)
        ids[stored.key] = api_id
    return ids


def entry_file_stem(api_id: str) -> str:
    """The file name (without ``.json``) of an entry id: ``arxiv:2009.03393`` → ``arxiv--2009.03393``.

    The scheme before the first ``:`` (letters only) is followed by ``--``; in the rest, ``a-z``,
    ``0-9``, ``.``, ``-`` and ``_`` are kept and every other character becomes ``~`` plus two
    lower-case hex digits per UTF-8 byte (``/`` → ``~2f``, ``A`` → ``~41``). The mapping is
    one-to-one, so two ids never share a file, and a name never starts with a dot. A stem
    longer than 120 characters keeps its first 100 and ends in ``~~`` and 16 hex digits of
    the id's SHA-256 (``~~`` never occurs otherwise).
    """
    scheme, _, rest = api_id.partition(":")
    encoded = "".join(ch if ch in _SAFE else "".join(f"~{byte:02x}" for byte in ch.encode("utf-8")) for ch in rest)
    stem = f"{scheme}--{encoded}"
    if len(stem) > _MAX_STEM:
        stem = f"{stem[:_CUT_STEM]}~~{hashlib.sha256(api_id.encode('utf-8')).hexdigest()[:16]}"
    return stem


def entry_path(api_id: str) -> str:
    """The path of an entry's document, relative to the output folder."""
    return f"api/entries/{entry_file_stem(api_id)}.json"


def week_path(week_id: str) -> str:
    """The path of a week's document, relative to the output folder."""
    return f"api/weeks/{week_id}.json"


def _indented_json(value: Any, level: int = 0) -> str:
    """``json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2)``, for JSON data, in less time.

    The standard library's indenting encoder is pure Python and general; this one, made for
    plain JSON data, takes about half its time.
    """
    if isinstance(value, str):
        return _encode_string(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = "\n" + "  " * (level + 1)
        members = [f"{_encode_string(key)}: {_indented_json(value[key], level + 1)}" for key in sorted(value)]
        return "{" + inner + ("," + inner).join(members) + "\n" + "  " * level + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        inner = "\n" + "  " * (level + 1)
        items = [_indented_json(item, level + 1) for item in value]
        return "[" + inner + ("," + inner).join(items) + "\n" + "  " * level + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float) and math.isfinite(value):
        return float.__repr__(value)
    raise TypeError(f"not JSON data: {value!r}")


# Outside strings JSON never holds these characters, so replacing them everywhere only re-spells
# string contents: "<script>" can never appear in the file, even when someone pastes it into an
# HTML page, and U+2028/U+2029 cannot end a JavaScript string.
_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))
_BYTE_ESCAPES = tuple((char.encode("utf-8"), escaped.encode("ascii")) for char, escaped in _ESCAPES)


def dump_json(document: Any) -> str:
    """``document`` as deterministic JSON text: sorted keys, UTF-8 as is, HTML-significant characters escaped.

    That is ``json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2)`` with ``<``,
    ``>``, ``&``, U+2028 and U+2029 written as ``\\uXXXX``, and a final newline; TypeError for
    anything that is not JSON data (NaN, a tuple, a key that is not text).
    """
    text = _indented_json(document)
    for char, escaped in _ESCAPES:
        text = text.replace(char, escaped)
    return text + "\n"


def dump_checked_json(document: Any) -> str:
    """:func:`dump_json`'s text for a document ``schemas/api.schema.json`` accepted, in a fraction of the time.

    Encoded by orjson, which writes what ``json.dumps`` writes for the API's documents: text
    keys, lists, and numbers that are ints (week numbers, counts). A float would be spelt its way
    (1e-05 as 0.00001), and the schema's ``integer`` accepts 2.0: the API's builders never make
    floats. What orjson refuses (an integer past 64 bits, a lone surrogate) goes to :func:`dump_json`.
    """
    try:
        data = jsontext.sorted_indented(document)
    except jsontext.NotEncodable:
        return dump_json(document)
    for raw, escaped in _BYTE_ESCAPES:  # on UTF-8 bytes: far faster than on text with non-ASCII in it
        data = data.replace(raw, escaped)
    return data.decode("utf-8") + "\n"


def _markdown_fields(name: str, text: str | None, resolve: LinkResolver | None) -> dict[str, str | None]:
    """``name`` as sanitised Markdown (raw HTML shown as text) and ``name_html``, both None when absent."""
    if text is None:
        return {name: None, f"{name}_html": None}
    safe = mdtext.sanitize_markdown(text)
    return {name: safe, f"{name}_html": markdown_to_html(safe, resolve)}


def _page_url(where: Locations | None, week_id: str) -> str | None:
    return where.page_url(week_id) if where is not None else None


def _resolver(where: Locations | None, week_id: str) -> LinkResolver | None:
    return where.resolver(week_id) if where is not None else None


def entry_object(
    stored: StoredEntry,
    anchor: str,
    api_id: str,
    language: Language,
    where: Locations | None,
) -> dict[str, Any]:
    """The JSON object of one shown entry: its fields in ``language``, where it sits, and its paths (and URLs)."""
    entry = stored.entry
    assert stored.week is not None  # shown entries always have a week
    page = markdown.page_name(stored.week.id)
    page_url = _page_url(where, stored.week.id)
    card = entry.link_card
    return {
        "id": api_id,
        "key": stored.key,
        "kind": entry.kind,
        "week": stored.week.id,
        "section": stored.section.id,
        "headline": entry.headline or entry.title or stored.key,
        "anchor": anchor,
        "title": entry.title,
        "url": entry.url,
        **_markdown_fields("summary", localized(entry.summary, language), _resolver(where, stored.week.id)),
        "images": [{"src": i.src, "alt": i.alt, "caption": i.caption} for i in entry.images],
        "link_card": {"title": card.title, "description": card.description, "site": card.site} if card else None,
        "topics": list(entry.topics),
        "authors": list(entry.authors),
        "submitted": entry.submitted.isoformat() if entry.submitted else None,
        "pick": entry.pick,
        "path": entry_path(api_id),
        "page": f"{page}#{anchor}",
        "page_url": f"{page_url}#{anchor}" if page_url else None,
    }


def week_document(
    plan: WeekPlan,
    language: Language,
    week_markdown: str,
    ids: Mapping[str, str],
    where: Locations | None,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The document of one week: title, dates, texts, sections with their entries, picks, neighbours, Markdown.

    ``context`` is the week's :func:`markdown.week_context` (the anchors its page gives each
    heading), when the page was rendered from it already.
    """
    if context is None:
        context = markdown.week_context(plan, language)
    page = markdown.page_name(plan.week.id)
    page_url = _page_url(where, plan.week.id)
    resolve = _resolver(where, plan.week.id)
    by_key = {stored.key: stored for section in plan.sections for stored in section.entries}
    sections = [
        {
            "id": section["id"],
            "number": section["number"],
            "title": section["title"],
            "anchor": section["anchor"],
            "entries": [
                entry_object(by_key[view.key], view.anchor, ids[view.key], language, where)
                for view in section["entries"]
            ],
        }
        for section in context["sections"]
    ]
    return {
        "id": plan.week.id,
        "year": plan.week.year,
        "number": plan.week.number,
        "scheme": plan.week.scheme,
        "start": plan.week.start.isoformat(),
        "end": plan.week.end.isoformat(),
        "language": language,
        "title": plan.title,
        **_markdown_fields("intro", plan.intro, resolve),
        **_markdown_fields("outro", plan.outro, resolve),
        **_markdown_fields("footer", plan.footer, resolve),
        "sections": sections,
        "picks": [ids[p.key] for p in plan.picks],
        "picks_anchor": context["picks_anchor"],
        "previous": plan.previous.id if plan.previous else None,
        "next": plan.next.id if plan.next else None,
        "markdown": week_markdown,
        "path": week_path(plan.week.id),
        "page": page,
        "page_url": page_url,
    }


def index_document(
    digest_plan: DigestPlan,
    ids: Mapping[str, str],
    where: Locations | None,
    feeds: Mapping[str, str] | None,
) -> dict[str, Any]:
    """The archive document: settings, sections, every week newest first, every entry, the feeds' paths."""
    weeks = sorted(digest_plan.weeks, key=lambda w: w.week, reverse=True)
    return {
        "api_version": API_VERSION,
        "title": digest_plan.site_title,
        "language": digest_plan.language,
        "site_url": where.site_url if where is not None else None,
        "sections": [{"id": s.id, "title": s.title} for s in digest_plan.sections],
        "weeks": [
            {
                "id": w.week.id,
                "title": w.title,
                "start": w.week.start.isoformat(),
                "end": w.week.end.isoformat(),
                "counts": {s.id: w.count(s.id) for s in digest_plan.sections},
                "path": week_path(w.week.id),
                "page": markdown.page_name(w.week.id),
                "page_url": _page_url(where, w.week.id),
            }
            for w in weeks
        ],
        "entries": [
            {
                "id": ids[stored.key],
                "week": w.week.id,
                "kind": stored.kind,
                "headline": stored.heading,
                "path": entry_path(ids[stored.key]),
            }
            for w in weeks
            for section in w.sections
            for stored in section.entries
        ],
        "feeds": dict(feeds) if feeds is not None else None,
    }
