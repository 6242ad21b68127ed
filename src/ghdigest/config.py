"""Repository settings: find the root, read ``ghdigest.yml``, report every problem at once."""

from __future__ import annotations

import datetime as dt
import re
import string
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import ValidationError

from ghdigest import i18n, schema
from ghdigest.errors import ConfigError, Diagnostic, Location, Severity
from ghdigest.models import KINDS, Kind, Settings, localized
from ghdigest.weeks import Week
from ghdigest.yamlio import DocumentError, YamlDocument, load_document

CONFIG_FILE = "ghdigest.yml"

#: Fields a title or intro pattern may use, with sample values to try the pattern on.
PATTERN_FIELDS: dict[str, Any] = {
    "title": "Digest",
    "week": 38,
    "year": 2020,
    "week_id": "2020-W38",
    "start": dt.date(2020, 9, 13),
    "end": dt.date(2020, 9, 19),
    "start_text": "Sep 13",
}


@dataclass(frozen=True)
class SectionSpec:
    """A section as the digest shows it: id, kinds taken, title in the configured language."""

    id: str
    kinds: tuple[Kind, ...]
    title: str


@dataclass(frozen=True)
class Config:
    """Settings of one digest repository, resolved against its root folder."""

    root: Path
    settings: Settings
    sections: tuple[SectionSpec, ...]

    @property
    def content_dir(self) -> Path:
        """The folder holding entry files."""
        return self.root / "issues"

    @property
    def templates_dir(self) -> Path:
        """The folder whose templates override the built-in ones."""
        return self.root / self.settings.templates

    @property
    def output_dir(self) -> Path:
        """The default folder build writes to."""
        return self.root / self.settings.output

    @property
    def site_base(self) -> str | None:
        """``site_url`` ending in ``/``: the address output files are published under; None when not set."""
        url = self.settings.site_url
        if url is None:
            return None
        return url if url.endswith("/") else f"{url}/"

    def section_for(self, kind: Kind) -> SectionSpec:
        """The section that takes entries of ``kind`` (every kind has one; see load_config)."""
        return next(section for section in self.sections if kind in section.kinds)

    def week_of(self, day: dt.date) -> Week:
        """The week holding ``day`` in the configured scheme."""
        return Week.of(day, self.settings.week_scheme)

    def parse_week(self, text: str) -> Week:
        """A week id in the configured scheme; raises WeekError."""
        return Week.parse(text, self.settings.week_scheme)

    def release_tag(self, week: Week) -> str:
        """The tag of ``week``'s GitHub Release, from the ``release.tag`` pattern."""
        return self.settings.release.tag.format(**self.pattern_fields(week))

    def pattern_fields(self, week: Week) -> dict[str, Any]:
        """Values of the fields title and intro patterns may use, for ``week``."""
        return {
            "title": self.settings.title,
            "week": week.number,
            "year": week.year,
            "week_id": week.id,
            "start": week.start,
            "end": week.end,
            "start_text": i18n.short_date(week.start, self.settings.language),
        }


def find_root(start: Path) -> Path:
    """The nearest folder from ``start`` upward holding ghdigest.yml; ConfigError when none does."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise ConfigError(
        f"no {CONFIG_FILE} found in {start} or any folder above it; "
        "run ghdigest inside a digest repository or pass its folder"
    )


def _pattern_problem(pattern: str) -> str | None:
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]
    except ValueError as exc:
        return f"is not a valid pattern ({exc}); write literal braces as {{{{ and }}}}"
    unknown = sorted({name for name in names if name not in PATTERN_FIELDS})
    if unknown:
        return (
            f"uses unknown field(s) {', '.join('{' + n + '}' for n in unknown)}; "
            f"available: {', '.join('{' + n + '}' for n in PATTERN_FIELDS)}"
        )
    try:
        pattern.format(**PATTERN_FIELDS)
    except (ValueError, KeyError, IndexError, AttributeError) as exc:
        return f"cannot be filled in ({exc})"
    return None


_TAG_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


def git_tag_problem(tag: str) -> str | None:
    """Why ``tag`` is not a valid Git tag name (git check-ref-format's rules), or None when it is."""
    if not tag or tag == "@":
        return "it is empty" if not tag else "'@' alone is not allowed"
    found = _TAG_FORBIDDEN.search(tag)
    if found:
        return f"it holds {found.group()!r} (no spaces, control characters or any of ~^:?*[\\)"
    if "//" in tag or tag.startswith("/") or tag.endswith("/"):
        return "'/' must separate non-empty parts"
    if ".." in tag or "@{" in tag or tag.endswith("."):
        return "it holds '..' or '@{', or ends with '.'"
    if any(part.startswith(".") or part.endswith(".lock") for part in tag.split("/")):
        return "a part starts with '.' or ends with '.lock'"
    return None


def _tag_pattern_problem(pattern: str, title: str) -> str | None:
    """What is wrong with the ``release.tag`` pattern: invalid, a bad Git tag, or one tag for several weeks."""
    problem = _pattern_problem(pattern)
    if problem:
        return problem
    # Three weeks that differ in number, in year, or in both: each must get a tag of its own.
    samples = [
        {**PATTERN_FIELDS, "title": title},
        {**PATTERN_FIELDS, "title": title, "week": 39, "week_id": "2020-W39", "start": dt.date(2020, 9, 20)},
        {**PATTERN_FIELDS, "title": title, "year": 2021, "week_id": "2021-W38", "start": dt.date(2021, 9, 12)},
    ]
    tags = [pattern.format(**sample) for sample in samples]
    if len(set(tags)) < len(tags):
        return "gives several weeks the same tag; use {week_id} (or {year} and {week})"
    for tag in tags:
        bad = git_tag_problem(tag)
        if bad:
            return f"gives {tag!r}, which is not a valid Git tag name: {bad}"
    return None


def _relative_folder_problem(value: str) -> str | None:
    path = PurePosixPath(value.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or ":" in value:
        return f"{value!r} must be a folder inside the repository (a relative path without '..')"
    return None


def _semantic_diagnostics(document: YamlDocument, settings: Settings) -> list[Diagnostic]:
    found: list[Diagnostic] = []

    def error(path: list[str | int], code: str, message: str) -> None:
        found.append(Diagnostic(document.locate(path), Severity.ERROR, code, message))

    patterns: list[tuple[list[str | int], str]] = [(["digest_title"], settings.digest_title)]
    if isinstance(settings.intro, str):
        patterns.append((["intro"], settings.intro))
    elif settings.intro:
        patterns.extend((["intro", lang], text) for lang, text in settings.intro.items())
    for path, pattern in patterns:
        problem = _pattern_problem(pattern)
        if problem:
            error(path, "invalid-pattern", f"{'.'.join(map(str, path))} {problem}")
    tag_problem = _tag_pattern_problem(settings.release.tag, settings.title)
    if tag_problem:
        error(["release", "tag"], "invalid-pattern", f"release.tag {tag_problem}")
    for key in ("templates", "output"):
        problem = _relative_folder_problem(getattr(settings, key))
        if problem:
            error([key], "invalid-path", f"{key}: {problem}")
    if settings.site_url is not None and ("?" in settings.site_url or "#" in settings.site_url):
        # Feed and page links are site_url + file name: a query or fragment would end up in the middle.
        error(["site_url"], "invalid-site-url", "site_url: must be a plain address, without '?' or '#'")
    for index, pattern in enumerate(settings.links.exclude):
        try:
            re.compile(pattern)
        except re.error as exc:
            error(
                ["links", "exclude", index],
                "invalid-pattern",
                f"links.exclude: {pattern!r} is not a regular expression: {exc}",
            )
    if settings.sections:
        seen_ids: set[str] = set()
        owner: dict[str, str] = {}
        for index, section in enumerate(settings.sections):
            if section.id in seen_ids:
                error(["sections", index, "id"], "duplicate-section", f"section id '{section.id}' is used twice")
            seen_ids.add(section.id)
            for kind in section.kinds:
                if kind in owner:
                    error(
                        ["sections", index, "kinds"],
                        "duplicate-section",
                        f"kind '{kind}' is already taken by section '{owner[kind]}'",
                    )
                owner.setdefault(kind, section.id)
        missing = [kind for kind in KINDS if kind not in owner]
        if missing:
            error(
                ["sections"],
                "missing-section",
                f"no section takes entries of kind {', '.join(repr(k) for k in missing)}",
            )
    return found


def _sections(settings: Settings) -> tuple[SectionSpec, ...]:
    language = settings.language
    if not settings.sections:
        return tuple(
            SectionSpec(i18n.SECTION_IDS[kind], (kind,), i18n.SECTION_TITLES[kind][language]) for kind in KINDS
        )
    specs = []
    for section in settings.sections:
        default = i18n.SECTION_TITLES[section.kinds[0]][language] if section.kinds else section.id
        specs.append(SectionSpec(section.id, tuple(section.kinds), localized(section.title, language) or default))
    return tuple(specs)


def load_config(root: Path) -> Config:
    """Read and check ``ROOT/ghdigest.yml``; ConfigError lists every problem found."""
    path = root / CONFIG_FILE
    if not path.is_file():
        raise ConfigError(f"{path} does not exist; a digest repository needs a {CONFIG_FILE}")
    try:
        document = load_document(path, CONFIG_FILE)
    except DocumentError as exc:
        raise ConfigError(f"cannot read {CONFIG_FILE}", [exc.diagnostic]) from None
    if not isinstance(document.data, dict):
        diagnostic = Diagnostic(
            Location(CONFIG_FILE), Severity.ERROR, "not-a-mapping", f"{CONFIG_FILE} must hold a mapping of settings"
        )
        raise ConfigError(f"invalid {CONFIG_FILE}", [diagnostic])
    issues = schema.validate("config", document.data)
    if issues:
        diagnostics = [
            Diagnostic(document.locate(issue.path, key=issue.at_key), Severity.ERROR, issue.code, issue.message)
            for issue in issues
        ]
        raise ConfigError(f"invalid {CONFIG_FILE}", diagnostics)
    try:
        settings = Settings.model_validate(document.data)
    except ValidationError as exc:  # the schema and the model disagree: a bug, but still say where
        diagnostics = [
            Diagnostic(document.locate(list(err["loc"])), Severity.ERROR, "invalid-value", err["msg"])
            for err in exc.errors()
        ]
        raise ConfigError(f"invalid {CONFIG_FILE}", diagnostics) from None
    problems = _semantic_diagnostics(document, settings)
    if problems:
        raise ConfigError(f"invalid {CONFIG_FILE}", problems)
    return Config(root=root, settings=settings, sections=_sections(settings))
