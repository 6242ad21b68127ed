"""Load a digest repository's content: discover, parse, validate, type, cross-check.

Every file is read and every problem gathered before anything is decided, so one run reports
all of them. ``load_content`` returns content with its diagnostics; ``check_content`` raises one
ContentError holding them all when any is an error.
"""

from __future__ import annotations

import datetime as dt
import functools
import marshal
import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ghdigest import buildcache, identifiers, parallel, schema
from ghdigest.config import Config, SectionSpec
from ghdigest.errors import ContentError, Diagnostic, Location, Severity
from ghdigest.models import Digest, Entry, Kind, Status
from ghdigest.weeks import Week, WeekError, WeekScheme
from ghdigest.yamlio import DocumentError, YamlDocument, parse_bytes, read_limited

DIGESTS_FOLDER = "digests"
YAML_SUFFIXES = (".yml", ".yaml")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
#: Device names Windows reserves, with any extension: no file there can have them.
_RESERVED_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10))}
)
#: Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): they make text
#: show in another order than it is stored, so a title can read as something it is not.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_BIDI_CONTROL_BYTES = re.compile(b"\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")


def _report_bidi_controls(value: Any, path: list[str | int], out: _Collector) -> None:
    """An error at each text of ``value`` (an entry's or a week's data) holding a bidirectional control character."""
    if isinstance(value, str):
        found = _BIDI_CONTROLS.search(value)
        if found:
            out.error(
                path,
                "bidi-control",
                f"{schema.field_name(tuple(path))}: holds the bidirectional control character "
                f"U+{ord(found.group()):04X}, which shows text in another order than it is written; remove it "
                "(right-to-left letters need no control characters)",
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _report_bidi_controls(item, [*path, str(key)], out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _report_bidi_controls(item, [*path, index], out)


#: Statuses whose entries appear in a digest.
SHOWN_STATUSES = frozenset({"selected", "published"})


@dataclass(frozen=True)
class EntryFields:
    """The fields of an entry's data that checks and planning read, with the model's defaults.

    Made from data the entry schema accepts, without the pydantic model: typing ten thousand
    entries costs more than checking them, and only the entries a build renders need it.
    """

    kind: Kind
    status: Status
    headline: str | None
    title: str | None
    url: str | None
    has_summary: bool
    image_sources: tuple[str, ...]
    section: str | None
    week: str | None
    date: dt.date | None
    pick: bool
    issue_number: int | None

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> EntryFields:
        """The fields of ``data``, which conforms to the entry schema."""
        issue = data.get("issue")
        date = data.get("date")
        return cls(
            kind=data["kind"],
            status=data.get("status", "selected"),
            headline=data.get("headline"),
            title=data.get("title"),
            url=data.get("url"),
            has_summary="summary" in data,
            image_sources=tuple(image["src"] for image in data.get("images", ())),
            section=data.get("section"),
            week=data.get("week"),
            date=dt.date.fromisoformat(date) if date is not None else None,
            pick=data.get("pick", False),
            issue_number=int(issue["number"]) if issue is not None else None,
        )


@dataclass(frozen=True, eq=False)
class StoredEntry:
    """An entry with what its file and the settings say about it.

    The fields that planning a digest needs are kept apart from the whole ``entry``, which is
    typed only when asked for: a rebuild from the cache types just the entries it renders.
    """

    key: str
    """File name without extension; what digest files refer to."""
    path: str
    """Path of the file, relative to the repository root."""
    id: str
    """Canonical id: ``arxiv:…``, ``doi:…``, ``url:<hash>``, ``issue:<n>`` or ``entry:<key>``."""
    week: Week | None
    section: SectionSpec
    status: Status
    kind: Kind
    url: str | None
    pick: bool
    issue_number: int | None
    """The number of the GitHub issue the entry mirrors, if any."""
    heading: str
    """What lists show: the headline, else the title, else the key."""
    source_hash: str
    """Hash of the file's bytes: equal hashes, equal entries."""
    raw: bytes = field(repr=False)
    """The file's bytes."""

    @functools.cached_property
    def data(self) -> Mapping[str, Any]:
        """The file's data, which conforms to the entry schema (parsed again only if it was not kept)."""
        packed = self.__dict__.pop("_packed", None)  # as a worker sent it: unpacked where it is used
        if packed is not None:
            return _unpacked(packed)  # type: ignore[no-any-return]
        data: Mapping[str, Any] = parse_bytes(self.raw, self.path).data
        return data

    @functools.cached_property
    def entry(self) -> Entry:
        """The typed entry."""
        try:
            return Entry.model_validate(self.data)
        except ValidationError as exc:  # the schema accepted the data: the two must agree
            raise RuntimeError(f"{self.path}: the entry schema and ghdigest's model disagree (a bug): {exc}") from exc

    @classmethod
    def of(
        cls,
        key: str,
        fields: EntryFields,
        ids: tuple[str, Week | None, SectionSpec],
        document: YamlDocument,
        raw: bytes,
        digest: str,
    ) -> StoredEntry:
        """A stored entry from its ``fields``, its ``(id, week, section)`` and the file it was read from."""
        entry_id, week, section = ids
        heading = fields.headline or fields.title or key
        stored = cls(
            key, document.display_path, entry_id, week, section, fields.status, fields.kind, fields.url, fields.pick,
            fields.issue_number, heading, digest, raw,
        )  # fmt: skip
        stored.__dict__["data"] = document.data  # known already: cached_property's slot
        return stored

    @property
    def shown(self) -> bool:
        """True when the entry goes into its week's digest."""
        return self.status in SHOWN_STATUSES and self.week is not None


@dataclass(frozen=True)
class StoredDigest:
    """Per-week settings with the week they belong to."""

    week: Week
    path: str
    digest: Digest
    source_hash: str
    """Hash of the file's bytes."""


@dataclass(frozen=True)
class Content:
    """Everything under ``issues/``, typed, with the diagnostics found while loading it."""

    config: Config
    entries: tuple[StoredEntry, ...]
    digests: dict[str, StoredDigest]
    diagnostics: tuple[Diagnostic, ...]
    files_read: int
    """Number of content files found, whether or not they loaded."""

    @property
    def errors(self) -> list[Diagnostic]:
        """The diagnostics that are errors."""
        return [d for d in self.diagnostics if d.is_error]

    def weeks(self) -> list[Week]:
        """Weeks with at least one shown entry, oldest first."""
        return sorted({e.week for e in self.entries if e.shown and e.week is not None})


class _Collector:
    """Gathers diagnostics for one file, locating them only when one is made."""

    def __init__(self, document: YamlDocument, sink: list[Diagnostic]) -> None:
        self.document = document
        self.sink = sink

    def add(
        self, path: Iterable[str | int], severity: Severity, code: str, message: str, *, at_key: bool = False
    ) -> None:
        location = self.document.locate(list(path), key=at_key)
        self.sink.append(Diagnostic(location, severity, code, message))

    def error(self, path: Iterable[str | int], code: str, message: str, *, at_key: bool = False) -> None:
        self.add(path, Severity.ERROR, code, message, at_key=at_key)

    def warning(self, path: Iterable[str | int], code: str, message: str) -> None:
        self.add(path, Severity.WARNING, code, message)


def _discover(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    # By name, not by Path: the same order on every system, and far fewer comparisons' worth of work.
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(YAML_SUFFIXES) and not n.startswith("."))
    return [folder / name for name in names]


def _discover_unique(paths: list[Path], config: Config, sink: list[Diagnostic]) -> list[Path]:
    """``paths`` (one folder's YAML files), reporting a second file with the same name before the extension."""
    first: dict[str, Path] = {}
    unique = []
    for path in paths:
        earlier = first.setdefault(path.stem, path)
        if earlier is path:
            unique.append(path)
        else:
            message = f"{_display(earlier, config.root)} has the same name before the extension; keep one"
            sink.append(Diagnostic(Location(_display(path, config.root)), Severity.ERROR, "duplicate-file", message))
    return unique


def _display(path: Path, root: Path) -> str:
    return _printable_name(path.relative_to(root).as_posix())


def _printable_name(name: str) -> str:
    """``name`` as text that can be printed and saved: bytes of a name that are not UTF-8 as ``\\xNN``."""
    if name.isascii():
        return name
    # Such bytes reach Python as lone surrogates, which no UTF-8 output can hold.
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _read_raw(path: Path, display: str, config: Config, sink: list[Diagnostic]) -> bytes | None:
    """The bytes of a content file, unless it is a link out of the repository, not a file, or unreadable."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        mode = 0
    if stat.S_ISLNK(mode):
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            sink.append(Diagnostic(Location(display), Severity.ERROR, "broken-link", "symbolic link leads nowhere"))
            return None
        if not target.is_relative_to(config.root.resolve()):
            sink.append(
                Diagnostic(
                    Location(display),
                    Severity.ERROR,
                    "outside-root",
                    "file is a symbolic link to a place outside the repository",
                )
            )
            return None
        try:
            mode = target.stat().st_mode
        except OSError:
            mode = 0
    if not stat.S_ISREG(mode):
        sink.append(Diagnostic(Location(display), Severity.ERROR, "not-a-file", "not a regular file"))
        return None
    try:
        return read_limited(path, display, config.settings.max_file_bytes)
    except DocumentError as exc:
        sink.append(exc.diagnostic)
        return None


def _parse(raw: bytes, display: str, sink: list[Diagnostic]) -> YamlDocument | None:
    """The parsed file, if it holds one YAML mapping."""
    try:
        document = parse_bytes(raw, display)
    except DocumentError as exc:
        sink.append(exc.diagnostic)
        return None
    if not isinstance(document.data, dict):
        found = "a list" if isinstance(document.data, list) else "a single value"
        sink.append(
            Diagnostic(
                Location(display), Severity.ERROR, "not-a-mapping", f"file must hold a mapping of fields, found {found}"
            )
        )
        return None
    return document


def _read(path: Path, config: Config, sink: list[Diagnostic]) -> YamlDocument | None:
    display = _display(path, config.root)
    raw = _read_raw(path, display, config, sink)
    return _parse(raw, display, sink) if raw is not None else None


def _typed(name: schema.SchemaName, model: type[BaseModel], document: YamlDocument, out: _Collector) -> Any:
    """Schema-check then type ``document``; None (with diagnostics) when it does not conform."""
    issues = schema.validate(name, document.data)
    for issue in issues:
        out.error(issue.path, issue.code, issue.message, at_key=issue.at_key)
    if issues:
        return None
    try:
        return model.model_validate(document.data)
    except ValidationError as exc:  # schema and model disagree; still report where
        for err in exc.errors():
            out.error(list(err["loc"]), "invalid-value", f"{'.'.join(map(str, err['loc']))}: {err['msg']}")
        return None


def _entry_week(entry: EntryFields, config: Config, out: _Collector) -> Week | None:
    if entry.week is not None:
        try:
            return config.parse_week(entry.week)
        except WeekError as exc:
            out.error(["week"], "invalid-week", f"week: {exc}")
            return None
    if entry.date is not None:
        try:
            return config.week_of(entry.date)
        except WeekError as exc:
            out.error(["date"], "invalid-week", f"date: {exc}")
    return None


def _entry_id(entry: EntryFields, key: str) -> str:
    if entry.url and identifiers.url_problem(entry.url) is None:
        return identifiers.canonical_id(entry.url)
    if entry.issue_number is not None:
        return f"issue:{entry.issue_number}"
    return f"entry:{key}"


def _check_entry(entry: EntryFields, week: Week | None, config: Config, out: _Collector) -> SectionSpec:
    if entry.url:
        problem = identifiers.url_problem(entry.url)
        if problem:
            out.error(["url"], "malformed-url", f"url: {problem}")
        elif identifiers.looks_like_arxiv(entry.url) and not identifiers.arxiv_id(entry.url):
            out.error(["url"], "invalid-arxiv-id", f"url: {entry.url!r} is an arXiv link without a valid arXiv id")
    for index, src in enumerate(entry.image_sources):
        if "://" in src or src.lower().startswith(("javascript:", "data:")):
            problem = identifiers.url_problem(src)
            if problem:
                out.error(["images", index, "src"], "malformed-url", f"images[{index}].src: {problem}")
    section = config.section_for(entry.kind)
    if entry.section is not None:
        chosen = next((s for s in config.sections if s.id == entry.section), None)
        if chosen is None:
            known = ", ".join(s.id for s in config.sections)
            out.error(
                ["section"],
                "unknown-section",
                f"section: unknown section '{entry.section}'; configured sections: {known}",
            )
        else:
            section = chosen
    missing = []
    if entry.headline is None:
        missing.append("headline")
    if not entry.has_summary:
        missing.append("summary")
    if entry.kind == "paper" and entry.url is None:
        missing.append("url")
    if entry.status in SHOWN_STATUSES:
        for field in missing:
            if field == "url":
                out.error(
                    [],
                    "paper-without-link",
                    "paper has no link: add 'url' with the paper's address (its arXiv page if it has one)",
                )
            else:
                out.error(
                    [],
                    f"missing-{field}",
                    f"entry is {entry.status} but has no {field}; add one or set 'status: inbox'",
                )
        if week is None and entry.week is None and entry.date is None:
            out.error(
                [],
                "no-week",
                f"entry is {entry.status} but has no week: add 'week' (such as 2020-W38) or 'date' (YYYY-MM-DD)",
            )
    elif entry.status == "inbox" and missing:
        out.warning([], "not-ready", f"entry is not ready for a digest: no {', '.join(missing)}")
    return section


def read_documents(config: Config) -> tuple[list[tuple[str, YamlDocument]], list[Diagnostic]]:
    """Every entry and digest file parsed but not validated, as ``(kind, document)``; problems of unreadable ones."""
    sink: list[Diagnostic] = []
    documents = []
    for kind, folder in (("entry", config.content_dir), ("digest", config.content_dir / DIGESTS_FOLDER)):
        for path in _discover_unique(_discover(folder), config, sink):
            document = _read(path, config, sink)
            if document is not None:
                documents.append((kind, document))
    return documents, sink


def _load_entry(
    key: str, raw: bytes, digest: str, display: str, config: Config, sink: list[Diagnostic]
) -> tuple[StoredEntry, YamlDocument] | None:
    """Parse and check one entry file (against the schema, then what a schema cannot check)."""
    document = _parse(raw, display, sink)
    if document is None:
        return None
    out = _Collector(document, sink)
    if not _KEY.match(key):
        out.error(
            [],
            "invalid-file-name",
            f"file name '{_printable_name(key)}{Path(display).suffix}' must start with a letter or digit "
            "and hold only letters, digits, '.', '-' and '_'",
        )
    elif key.split(".", 1)[0].upper() in _RESERVED_NAMES:
        out.error(
            [],
            "reserved-file-name",
            f"file name '{key}{Path(display).suffix}' is reserved on Windows ({key.split('.', 1)[0].upper()} is a "
            "device there): a checkout on Windows cannot create it; rename the file",
        )
    if _BIDI_CONTROL_BYTES.search(raw):
        _report_bidi_controls(document.data, [], out)
    issues = schema.validate("entry", document.data)
    for issue in issues:
        out.error(issue.path, issue.code, issue.message, at_key=issue.at_key)
    if issues:
        return None
    fields = EntryFields.of(document.data)
    week = _entry_week(fields, config, out)
    section = _check_entry(fields, week, config, out)
    ids = (_entry_id(fields, key), week, section)
    return StoredEntry.of(key, fields, ids, document, raw, digest), document


#: What the cache keeps of an entry, and what a worker process sends back: the fields planning needs.
_Planned = list[Any]  # [id, week id, section id, status, kind, url, pick, issue number, heading]


def _planned(stored: StoredEntry) -> _Planned:
    week = stored.week.id if stored.week is not None else None
    return [stored.id, week, stored.section.id, stored.status, stored.kind, stored.url, stored.pick,
            stored.issue_number, stored.heading]  # fmt: skip


def _stored(
    key: str, raw: bytes, digest: str, display: str, planned: _Planned, data: Any, config: Config
) -> tuple[StoredEntry, YamlDocument]:
    """A stored entry from its planned fields; ``data`` None when it is to be parsed again only if used."""
    entry_id, week_id, section_id, status, kind, url, pick, number, heading = planned
    week = _parse_week(config, week_id) if week_id is not None else None
    section = next(s for s in config.sections if s.id == section_id)
    stored = StoredEntry(key, display, entry_id, week, section, status, kind, url, pick, number, heading, digest, raw)
    if isinstance(data, bytes):
        # Packed by a worker: unpacked only if the entry is rendered, by the process rendering it.
        stored.__dict__["_packed"] = data
    elif data is not None:
        stored.__dict__["data"] = data  # known already: cached_property's slot
    # Only a duplicate link needs the document, to locate its url: parsed then, from the text.
    return stored, YamlDocument(display, raw.decode("utf-8-sig"), None)


_Miss = tuple[str, bytes, str, str]  # key, bytes, hash, display path
_Read = tuple[list[Diagnostic], "_Planned | None", Any]  # diagnostics, planned fields, data


def _read_misses(misses: list[_Miss], config: Config) -> list[_Read]:
    """Parse and check the files the cache did not know, in worker processes when there are many."""
    return parallel.map_slices(_read_slice, (config, misses), len(misses))


def _read_slice(shared: tuple[Config, list[_Miss]], start: int, end: int) -> list[_Read]:
    config, misses = shared
    reads = [_read_one(miss, config) for miss in misses[start:end]]
    return [_packed(read) for read in reads] if parallel.in_worker() else reads


def _packed(read: _Read) -> _Read:
    """``read`` with its data as marshal bytes when it is plain JSON-like data: what a worker sends back.

    The parent unpacks ten thousand documents from marshal in a third of the time pickle takes,
    and it does so alone while the workers wait. Data marshal cannot hold (any type but the
    built-in ones) is sent as it is. An entry's data is a mapping, never bytes, so bytes always
    mean "packed".
    """
    diagnostics, planned, data = read
    if data is None:
        return read
    try:
        return diagnostics, planned, marshal.dumps(data)
    except ValueError:
        return read


def _unpacked(data: Any) -> Any:
    return marshal.loads(data) if isinstance(data, bytes) else data


def _read_one(miss: _Miss, config: Config) -> _Read:
    key, raw, digest, display = miss
    found: list[Diagnostic] = []
    result = _load_entry(key, raw, digest, display, config, found)
    if result is None:
        return found, None, None
    stored, document = result
    return found, _planned(stored), document.data


def _parse_week(config: Config, week_id: str) -> Week:
    """``config.parse_week``, once per week id and scheme: twenty entries share each week."""
    return _parsed_week(week_id, config.settings.week_scheme)


@functools.lru_cache(maxsize=4096)
def _parsed_week(week_id: str, scheme: WeekScheme) -> Week:
    return Week.parse(week_id, scheme)


def _load_entries(
    paths: list[Path], config: Config, sink: list[Diagnostic], cache: buildcache.BuildCache | None
) -> list[tuple[StoredEntry, YamlDocument]]:
    folder = _display(config.content_dir, config.root) if paths else "."
    prefix = "" if folder == "." else f"{folder}/"
    known: dict[int, tuple[list[Diagnostic], _Planned | None, Any]] = {}
    files: list[_Miss] = []
    misses: list[int] = []
    for path in _discover_unique(paths, config, sink):
        display = prefix + _printable_name(path.name)  # what _display gives, without a Path operation per file
        raw = _read_raw(path, display, config, sink)
        if raw is None:
            continue
        digest = buildcache.source_hash(raw)
        record = cache.file_record(display, digest) if cache is not None else None
        if record is not None:
            diagnostics = [buildcache.diagnostic_from(display, d) for d in record["diagnostics"]]
            known[len(files)] = (diagnostics, record["entry"], None)
        else:
            misses.append(len(files))
        files.append((path.stem, raw, digest, display))
    for index, read in zip(misses, _read_misses([files[i] for i in misses], config), strict=True):
        known[index] = read
        if cache is not None:
            diagnostics, planned, _ = read
            cache.keep_file(
                files[index][3],
                files[index][2],
                {"diagnostics": [buildcache.diagnostic_record(d) for d in diagnostics], "entry": planned},
            )
    loaded = []
    for index, (key, raw, digest, display) in enumerate(files):
        diagnostics, planned, data = known[index]
        sink.extend(diagnostics)
        if planned is not None:
            loaded.append(_stored(key, raw, digest, display, planned, data, config))
    return loaded


def _check_duplicates(loaded: list[tuple[StoredEntry, YamlDocument]], sink: list[Diagnostic]) -> None:
    first: dict[str, tuple[StoredEntry, YamlDocument]] = {}
    for stored, document in loaded:
        if stored.url is None or stored.status == "skip":
            continue
        earlier = first.setdefault(stored.id, (stored, document))
        if earlier[0] is stored:
            continue
        other, other_document = earlier
        where = other_document.locate(["url"])
        out = _Collector(document, sink)
        if "paper" in (stored.kind, other.kind):
            out.error(
                ["url"], "duplicate-paper", f"the same paper ({stored.id}) is already in {where}; keep one of the two"
            )
        else:
            out.warning(["url"], "duplicate-link", f"the same link is already in {where}")


def _load_digests(
    paths: list[Path], config: Config, entries: list[StoredEntry], unloadable: set[str], sink: list[Diagnostic]
) -> dict[str, StoredDigest]:
    by_ref: dict[str, StoredEntry] = {}
    for stored in entries:
        by_ref.setdefault(stored.id, stored)
        by_ref[stored.key] = stored
    weeks_shown = {e.week for e in entries if e.shown}
    digests: dict[str, StoredDigest] = {}
    for path in _discover_unique(paths, config, sink):
        display = _display(path, config.root)
        raw = _read_raw(path, display, config, sink)
        document = _parse(raw, display, sink) if raw is not None else None
        if raw is None or document is None:
            continue
        out = _Collector(document, sink)
        if _BIDI_CONTROL_BYTES.search(raw):  # a week's intro is shown as prominently as a title
            _report_bidi_controls(document.data, [], out)
        try:
            week = config.parse_week(path.stem)
        except WeekError as exc:
            out.error([], "invalid-file-name", f"a digest file is named after its week, such as 2020-W38.yml: {exc}")
            continue
        digest = _typed("digest", Digest, document, out)
        if digest is None:
            continue
        if digest.week is not None and digest.week != week.id:
            out.error(["week"], "week-mismatch", f"week: '{digest.week}' differs from the file name's week {week.id}")
        for index, ref in enumerate(digest.order):
            target = by_ref.get(ref)
            if target is None and ref in unloadable:
                continue  # the entry's own file already has an error; do not pile on
            if target is None:
                out.error(["order", index], "unknown-entry", f"order: no entry has the key or id '{ref}'")
            elif target.week != week:
                other = target.week.id if target.week else "no week"
                out.error(["order", index], "wrong-week", f"order: entry '{ref}' belongs to {other}, not {week.id}")
        if week not in weeks_shown:
            out.warning([], "empty-week", f"no entry of {week.id} is selected, so this digest is not built")
        digests[week.id] = StoredDigest(week, document.display_path, digest, buildcache.source_hash(raw))
    return digests


def _stray_files(config: Config, sink: list[Diagnostic]) -> None:
    """Warn about YAML files in folders that are not read, so nothing is silently left out."""
    folder = config.content_dir
    if not folder.is_dir():
        sink.append(
            Diagnostic(
                Location("issues"),
                Severity.WARNING,
                "no-content",
                "there is no issues/ folder, so there is nothing to check or build",
            )
        )
        return
    for path in _unread_yaml(folder):
        sink.append(
            Diagnostic(
                Location(_display(path, config.root)),
                Severity.WARNING,
                "ignored-file",
                "files in this folder are not read: entries belong directly in issues/, "
                "per-week files in issues/digests/",
            )
        )


def _unread_yaml(folder: Path) -> list[Path]:
    """YAML files in the subfolders of ``folder`` (but for digests/ itself), and theirs, which are never read."""
    found: list[Path] = []
    visited: set[tuple[int, int]] = set()

    def walk(directory: str, top: bool, depth: int) -> None:
        info = os.stat(directory)
        if (info.st_dev, info.st_ino) in visited or depth > 64:  # a link back up the tree
            return
        visited.add((info.st_dev, info.st_ino))
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir():
                    walk(entry.path, False, depth + 1)
                elif not top and entry.name.lower().endswith(YAML_SUFFIXES) and entry.is_file():
                    found.append(Path(entry.path))

    # Only subfolders are walked: listing the ten thousand entries of issues/ again would be waste.
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir():
                walk(entry.path, entry.name == DIGESTS_FOLDER, 1)
    return sorted(found)


def load_content(config: Config, cache: buildcache.BuildCache | None = None) -> Content:
    """Read every content file under ``issues/``; problems are returned, not raised.

    With a ``cache``, files read before (same path, same bytes) are not parsed again, and what
    is read anew is added to it.
    """
    sink: list[Diagnostic] = []
    _stray_files(config, sink)
    entry_paths = _discover(config.content_dir)
    digest_paths = _discover(config.content_dir / DIGESTS_FOLDER)
    loaded = _load_entries(entry_paths, config, sink, cache)
    _check_duplicates(loaded, sink)
    entries = [stored for stored, _ in loaded]
    unloadable = {p.stem for p in entry_paths} - {e.key for e in entries}
    digests = _load_digests(digest_paths, config, entries, unloadable, sink)
    files_read = len(entry_paths) + len(digest_paths)
    diagnostics = tuple(sorted(set(sink), key=Diagnostic.sort_key))
    return Content(config, tuple(entries), digests, diagnostics, files_read)


def check_content(config: Config, cache: buildcache.BuildCache | None = None) -> Content:
    """Like load_content, but raise ContentError, holding every diagnostic, when any is an error."""
    content = load_content(config, cache)
    if content.errors:
        raise ContentError(content.diagnostics)
    return content
