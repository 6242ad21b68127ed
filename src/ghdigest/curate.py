"""Curator tools: a new entry with what arXiv knows, missing fields filled in, refusing papers already kept.

``new_entry`` and ``enrich`` take a ``Lookup`` (arXiv ids → records) so that the network stays at
the edge: the command line passes one backed by ``links.http`` and a store under ``.ghdigest/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ghdigest import decapyaml, identifiers, schema
from ghdigest.arxiv import ArxivError, ArxivRecord, record_fields
from ghdigest.cms import canonical_text
from ghdigest.config import Config
from ghdigest.content import Content, read_documents
from ghdigest.errors import Diagnostic, GhdigestError, Location
from ghdigest.models import Kind
from ghdigest.output import write_new_file, write_text_atomic
from ghdigest.weeks import Week
from ghdigest.yamlio import with_fields_added

Lookup = Callable[[list[str]], Mapping[str, ArxivRecord | None]]
"""arXiv ids → their records (None: arXiv has no such paper; left out: not known offline)."""

#: The fields ``enrich`` fills, when an entry lacks them; never any other, never over a person's text.
ENRICHED_FIELDS = ("title", "authors", "submitted")


class AlreadyInArchive(GhdigestError):
    """The paper or page is in the archive already, under some spelling; ``where`` says where."""

    def __init__(self, canonical: str, where: Location) -> None:
        super().__init__(f"{canonical} is already in the archive: {where}")
        self.canonical = canonical
        self.where = where


class NoSuchPaper(GhdigestError):
    """arXiv says it has no paper with this id."""


@dataclass(frozen=True)
class NewEntry:
    """The file ``new`` wrote, its fields, and what the curator should know."""

    path: Path
    fields: dict[str, Any]
    notes: tuple[str, ...] = ()


def _existing(config: Config, canonical: str) -> Location | None:
    """Where the archive holds the paper or page with this canonical id (any entry file that reads as YAML)."""
    documents, _ = read_documents(config)
    for kind, document in documents:
        url = document.data.get("url") if kind == "entry" and isinstance(document.data, dict) else None
        if isinstance(url, str) and identifiers.url_problem(url) is None and identifiers.canonical_id(url) == canonical:
            return document.locate(["url"])
    return None


def _claim(folder: Path, stem: str, text: str) -> Path:
    """Write ``text`` to a new file ``stem.yml`` (or ``stem-2.yml``…), never over one that exists, even in a race."""
    number = 1
    while True:
        candidate = folder / (f"{stem}.yml" if number == 1 else f"{stem}-{number}.yml")
        if not candidate.with_suffix(".yaml").exists() and write_new_file(candidate, text):
            return candidate
        number += 1


def _fitting(fields: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """``fields`` without those the entry schema refuses (a note says which), so one odd value loses only itself."""
    problems = schema.validate("entry", fields)
    refused = {str(problem.path[0]) for problem in problems if problem.path}
    if problems and not refused:
        refused = set(fields) - {"kind", "status", "url", "week"}
    if refused:
        notes.append(f"left out what does not fit an entry: {', '.join(sorted(refused))}")
    return {key: value for key, value in fields.items() if key not in refused}


def new_entry(
    config: Config,
    kind: Kind,
    *,
    today: dt.date,
    link: str | None = None,
    week: Week | None = None,
    lookup: Lookup | None = None,
) -> NewEntry:
    """Write a new entry of ``kind`` for ``link`` (an arXiv id or any URL) in ``week`` (default: today's).

    Raises AlreadyInArchive when the archive holds the same paper or page under any spelling,
    NoSuchPaper when arXiv does not know the id, ValueError when ``link`` is neither.
    """
    week = week or config.week_of(today)
    fields: dict[str, Any] = {"kind": kind, "status": "inbox"}
    notes: list[str] = []
    arxiv = identifiers.arxiv_id(link) if link else None
    if link and arxiv is None:
        problem = identifiers.url_problem(link)
        if problem:
            raise ValueError(problem)
        if identifiers.looks_like_arxiv(link):
            raise ValueError(f"{link!r} is an arXiv link without a valid arXiv id")
    canonical = f"arxiv:{arxiv}" if arxiv else identifiers.canonical_id(link) if link else None
    if canonical is not None:
        where = _existing(config, canonical)
        if where is not None:
            raise AlreadyInArchive(canonical, where)
    if arxiv is not None:
        fields["url"] = f"https://arxiv.org/abs/{arxiv}"
        failed = False
        try:
            records = lookup([arxiv]) if lookup is not None else {}
        except ArxivError as exc:  # the entry is still worth having: its link is known
            notes.append(f"{exc}; only the link is filled in (ghdigest enrich adds the rest later)")
            records, failed = {}, True
        if arxiv in records:
            record = records[arxiv]
            if record is None:
                raise NoSuchPaper(f"arXiv has no paper {arxiv}")
            fields.update({k: v for k, v in record_fields(record).items() if k != "url"})
            if record.abstract:
                fields["notes"] = {"abstract": record.abstract}
            if record.withdrawn:
                notes.append(f"arXiv marks {arxiv} as withdrawn")
        elif not failed:
            notes.append(f"{arxiv} is not known offline: only its link is filled in (ghdigest enrich adds the rest)")
    elif link:
        fields["url"] = link
    fields["week"] = week.id
    order = ("kind", "status", "title", "url", "authors", "submitted", "topics", "week", "notes")
    fields = {name: fields[name] for name in order if name in fields}
    fields = _fitting(fields, notes)
    fallback = f"arxiv-{arxiv.replace('/', '-')}" if arxiv else f"{week.id}-{kind}"
    stem = identifiers.slug(str(fields.get("title") or "")) or fallback
    path = _claim(config.content_dir, stem, canonical_text(fields, "entry"))  # as the CMS admin would save it
    return NewEntry(path, fields, tuple(notes))


@dataclass
class EnrichReport:
    """What ``enrich`` added (or would add), per file, and what it could not do."""

    added: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Path (relative to the root) → the fields added."""
    problems: list[Diagnostic] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    """(path relative to the root, what happened to that file)."""


def enrich(config: Config, *, lookup: Lookup, dry_run: bool = False) -> EnrichReport:
    """Fill the missing title, authors and submitted date of arXiv entries; nothing a person wrote changes."""
    report = EnrichReport()
    documents, report.problems = read_documents(config)
    wanting: list[tuple[Any, str, list[str]]] = []
    for kind, document in documents:
        data = document.data
        if kind != "entry" or not isinstance(data, dict) or not isinstance(data.get("url"), str):
            continue
        arxiv = identifiers.arxiv_id(data["url"])
        missing = [name for name in ENRICHED_FIELDS if name not in data]
        if arxiv and missing:
            wanting.append((document, arxiv, missing))
    records = lookup([arxiv for _, arxiv, _ in wanting]) if wanting else {}
    for document, arxiv, missing in wanting:
        path = document.display_path
        record = records.get(arxiv)
        if record is None:
            report.notes.append(
                (path, f"{arxiv}: {'arXiv has no such paper' if arxiv in records else 'not known offline'}")
            )
            continue
        known = record_fields(record)
        notes: list[str] = []
        additions = _fitting({"kind": "paper", **{n: known[n] for n in missing if n in known}}, notes)
        additions.pop("kind", None)
        report.notes.extend((path, note) for note in notes)
        if not additions:
            continue
        try:  # the file as it is on disk, byte order mark and line ends included
            raw = (config.root / path).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            raw = document.text
        text = with_fields_added(raw, additions, decapyaml.dump)
        if text is None:
            report.notes.append(
                (path, f"cannot add {', '.join(additions)} without rewriting the file: add them by hand")
            )
            continue
        report.added[path] = additions
        if not dry_run:
            # Through a symbolic link to the file it names; keeping its mode (write_text_atomic does).
            write_text_atomic((config.root / path).resolve(), text)
    return report


@dataclass(frozen=True)
class EntryState:
    """One entry of a week as the status shows it: where, what, and what it still lacks."""

    path: str
    kind: str
    status: str
    headline: str | None
    pick: bool
    missing: tuple[str, ...]
    """What keeps it from being ready: no headline, no summary, no link, and how its link fared."""


@dataclass(frozen=True)
class SectionState:
    """A section of the week with its entries in file order."""

    id: str
    title: str
    entries: tuple[EntryState, ...]


@dataclass(frozen=True)
class WeekState:
    """The week at a glance: its sections, and the entries of it that are skipped."""

    week: Week
    sections: tuple[SectionState, ...]
    skipped: int

    @property
    def entries(self) -> list[EntryState]:
        """Every entry of the week, section by section."""
        return [entry for section in self.sections for entry in section.entries]


LinkState = Callable[[str], str | None]
"""A link → what is known of it: None when it was found ok, else a short phrase ("link not checked")."""


def week_state(content: Content, week: Week, link_state: LinkState) -> WeekState:
    """Entries of ``week`` per section (skipped ones only counted), each with what it still lacks."""
    by_section: dict[str, list[EntryState]] = {section.id: [] for section in content.config.sections}
    skipped = 0
    for stored in content.entries:
        if stored.week != week:
            continue
        entry = stored.entry
        if entry.status == "skip":
            skipped += 1
            continue
        missing = [f"no {name}" for name in ("headline", "summary") if getattr(entry, name) is None]
        if entry.url is None:
            if entry.kind == "paper":
                missing.append("no link")
        else:
            state = link_state(entry.url)
            if state is not None:
                missing.append(state)
        by_section.setdefault(stored.section.id, []).append(
            EntryState(stored.path, entry.kind, entry.status, entry.headline, entry.pick, tuple(missing))
        )
    sections = tuple(
        SectionState(section.id, section.title, tuple(by_section.get(section.id, [])))
        for section in content.config.sections
    )
    return WeekState(week, sections, skipped)
