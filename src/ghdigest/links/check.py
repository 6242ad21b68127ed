"""One link check from start to end: gather links, skip what is known, ask the rest, keep the results."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os.path
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ghdigest import __version__
from ghdigest.config import Config
from ghdigest.content import load_content, read_documents
from ghdigest.errors import Diagnostic, GhdigestError
from ghdigest.links import changes
from ghdigest.links.cache import CachedResult, LinkCache
from ghdigest.links.extract import MARKDOWN_SUFFIXES, LinkCollector
from ghdigest.links.http import RemoteSettings, check_remote
from ghdigest.links.model import CheckedLink, FoundLink, LinkReport, Outcome, Verdict
from ghdigest.links.policy import HostPolicy
from ghdigest.models import LinkSettings
from ghdigest.plan import choose_week
from ghdigest.render.html import markdown_anchors
from ghdigest.yamlio import DocumentError, load_document, parse_document

_LINE_ANCHOR = re.compile(r"^L[0-9]+(-L[0-9]+)?$")


class InputError(GhdigestError):
    """A file given on the command line cannot be read."""


@dataclass(frozen=True)
class LinkCheckRequest:
    """What to check and how: the repository's content and/or files, the settings, the cache."""

    settings: LinkSettings
    config: Config | None = None
    """The repository whose entries, digests and settings are checked; None checks only ``files``."""
    files: tuple[Path, ...] = ()
    """Markdown files (and entry files) given by name."""
    base_url: str | None = None
    """What relative links resolve against, overriding ``links.base_url``, for files too."""
    cache_path: Path | None = None
    """None: no cache (every link is asked, streaks are not counted)."""
    changed_since: str | None = None
    """A Git ref: only links not already there at that ref are checked."""
    week: str | None = None
    """A week id or ``latest``: only that week's entries (and the digest's own texts) are checked."""
    resolve: Mapping[str, str] = field(default_factory=dict)
    """Host name → IP address, used instead of DNS (tests and benchmarks); "" for a name that does not exist."""
    now: dt.datetime | None = None
    """The time the run counts as (cache ages, the latest week); the clock when None."""


def default_user_agent(config: Config | None) -> str:
    """``ghdigest/<version> (link check; +https://github.com/OWNER/NAME)``: who is asking, and where to complain."""
    repo = config.settings.repo if config is not None else None
    contact = f"; +https://github.com/{repo}" if repo else ""
    return f"ghdigest/{__version__} (link check{contact})"


def _content_base(request: LinkCheckRequest) -> str | None:
    if request.base_url is not None:
        return request.base_url
    if request.settings.base_url is not None:
        return request.settings.base_url
    return request.config.site_base if request.config is not None else None


def _collector(request: LinkCheckRequest) -> LinkCollector:
    settings = request.settings
    return LinkCollector(
        policy=HostPolicy(settings.hosts, settings.host_concurrency, settings.host_spacing),
        exclude=settings.exclude,
        content_base=_content_base(request),
        file_base=request.base_url,
        doi_lookup=settings.doi.lookup,
    )


def _display(path: Path) -> str:
    full = os.path.abspath(path)
    cwd = os.getcwd()
    return os.path.relpath(full, cwd) if Path(full).is_relative_to(cwd) else full


def _add_file(collector: LinkCollector, path: Path) -> None:
    display = _display(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {display}: {exc.strerror or exc}") from None
    if path.suffix.lower() in (".yml", ".yaml"):
        try:
            document = load_document(path, display)
        except DocumentError as exc:
            raise InputError(exc.diagnostic.format()) from None
        if path.name == changes.CONFIG_FILE:
            kind = "config"
        elif path.parent.name == changes.DIGESTS_FOLDER:
            kind = "digest"
        else:
            kind = "entry"
        collector.add_document(document, kind)
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{display} is not UTF-8 text") from None
    collector.add_markdown_file(path, display, text)


def _week_files(config: Config, week_text: str, today: dt.date) -> set[str]:
    """Paths of the entry files shown in the week ``week_text`` names (or ``latest``), and of its digest file."""
    content = load_content(config)
    week = choose_week(content, week_text, today)
    paths = {stored.path for stored in content.entries if stored.shown and stored.week == week}
    digest = content.digests.get(week.id)
    if digest is not None:
        paths.add(digest.path)
    return paths


def gather(request: LinkCheckRequest) -> tuple[LinkCollector, list[Diagnostic]]:
    """Every link of the request's content and files; diagnostics of content files that could not be read."""
    collector = _collector(request)
    problems: list[Diagnostic] = []
    config = request.config
    if config is not None:
        documents, problems = read_documents(config)
        config_path = config.root / changes.CONFIG_FILE
        try:
            documents.append(("config", load_document(config_path, changes.CONFIG_FILE)))
        except DocumentError as exc:  # load_config read it a moment ago; only a race gets here
            problems.append(exc.diagnostic)
        if request.week is not None:
            shown = _week_files(config, request.week, (request.now or dt.datetime.now(dt.timezone.utc)).date())
            documents = [(kind, d) for kind, d in documents if kind == "config" or d.display_path in shown]
        for kind, document in documents:
            collector.add_document(document, kind, _display(config.root / document.display_path))
    for path in request.files:
        _add_file(collector, path)
    return collector, problems


def _keys_at(request: LinkCheckRequest) -> set[str]:
    """Keys of the links the same sources held at ``request.changed_since``."""
    assert request.changed_since is not None
    config = request.config
    old = changes.old_files(request.changed_since, config.root if config else None, request.files)
    collector = _collector(request)
    for item in old:
        if item.kind == "markdown":
            collector.add_markdown_file(item.path, str(item.path), item.text)
            continue
        try:
            document = parse_document(item.text, str(item.path))
        except DocumentError:
            continue  # a file that did not parse then held no links anyone could check
        collector.add_document(document, item.kind)
    return {link.key for link in collector.links()}


def _local_outcome(key: str, anchors: dict[str, set[str] | None]) -> Outcome:
    """Whether a ``file:`` key's file exists and, for a Markdown file, has the fragment's anchor."""
    quoted, _, fragment = key.removeprefix("file:").partition("#")
    path_text = unquote(quoted)
    path = Path(path_text)
    if not path.exists():
        return Outcome(Verdict.BROKEN, "no such file")
    if not fragment:
        return Outcome(Verdict.OK, "file exists")
    if fragment.lower() == "top":  # every page has it: browsers scroll to the top
        return Outcome(Verdict.OK, "#top: the start of the page")
    if _LINE_ANCHOR.match(fragment):  # GitHub's line anchors, #L3 or #L3-L5
        return Outcome(Verdict.OK, f"file exists (#{fragment} is a line anchor)")
    if path.suffix.lower() not in MARKDOWN_SUFFIXES or not path.is_file():
        return Outcome(Verdict.UNKNOWN, "file exists; anchors are checked only in Markdown files")
    if path_text not in anchors:
        try:
            anchors[path_text] = markdown_anchors(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError):
            anchors[path_text] = None
    found = anchors[path_text]
    if found is None:
        return Outcome(Verdict.UNKNOWN, "file exists but cannot be read for its anchors")
    # GitHub matches fragments without regard to case, and links may percent-encode them.
    if fragment in found or fragment.lower() in found or fragment.lower().removeprefix("user-content-") in found:
        return Outcome(Verdict.OK, f"anchor #{fragment} exists")
    return Outcome(Verdict.BROKEN, f"no heading or anchor #{fragment} in the file")


def _nobody_answered(outcomes: Mapping[str, Outcome]) -> bool:
    """True when host names failed to resolve and no server answered at all in this run.

    On a machine without network every name fails as if it did not exist: "no such host" is
    then no evidence against the link. Names under .invalid never exist anywhere (RFC 6761).
    """
    if not any(outcome.dns_failure for outcome in outcomes.values()):
        return False
    return not any(outcome.status is not None for outcome in outcomes.values())


def _never_exists(key: str) -> bool:
    host = (urlsplit(key).hostname or "").rstrip(".")
    return host == "invalid" or host.endswith(".invalid")


@dataclass
class _Run:
    request: LinkCheckRequest
    now: dt.datetime
    cache: LinkCache | None
    notes: list[str] = field(default_factory=list)

    def remote_settings(self) -> RemoteSettings:
        settings = self.request.settings
        return RemoteSettings(
            policy=HostPolicy(settings.hosts, settings.host_concurrency, settings.host_spacing),
            timeout=settings.timeout,
            max_concurrency=settings.max_concurrency,
            max_redirects=settings.max_redirects,
            retry_wait=settings.retry_wait,
            user_agent=settings.user_agent or default_user_agent(self.request.config),
            arxiv_api=settings.arxiv.api if settings.arxiv.lookup else None,
            doi_api=settings.doi.api if settings.doi.lookup else None,
            resolve=self.request.resolve,
            public_only=settings.public_only,
        )

    def with_streak(self, key: str, outcome: Outcome) -> Outcome:
        """The outcome with its streak; a broken link below ``min_streak`` is reported unknown for now."""
        before = self.cache.streak(key) if self.cache is not None else 0
        if outcome.verdict is Verdict.OK:
            streak = 0
        elif outcome.verdict is Verdict.BROKEN:
            streak = before + 1
        else:
            streak = before  # no evidence either way: the count neither grows nor resets
        outcome = dataclasses.replace(outcome, streak=streak)
        needed = self.request.settings.min_streak
        if outcome.verdict is Verdict.BROKEN and streak < needed:
            return dataclasses.replace(
                outcome,
                verdict=Verdict.UNKNOWN,
                reason=f"{outcome.reason}; broken {streak} run{'s' * (streak != 1)} in a row, "
                f"reported as broken from {needed}",
            )
        return outcome


def check_links(
    request: LinkCheckRequest, progress: Callable[[int, int], None] | None = None
) -> tuple[LinkReport, list[Diagnostic]]:
    """Check every link the request names; the report, and diagnostics of content files that could not be read.

    ``progress(done, total)`` is called as links are answered. Raises InputError for an unreadable
    file given by name and changes.RefError for a ``changed_since`` ref that cannot be read.
    """
    now = request.now or dt.datetime.now(dt.timezone.utc)
    collector, problems = gather(request)
    found: Sequence[FoundLink] = collector.links()
    skipped = 0
    if request.changed_since is not None:
        before = _keys_at(request)
        kept = [link for link in found if link.key not in before]
        skipped, found = len(found) - len(kept), kept
    cache = LinkCache(request.cache_path) if request.cache_path is not None else None
    run = _Run(request, now, cache)
    if cache is not None and cache.problem:
        run.notes.append(cache.problem)

    outcomes: dict[str, Outcome] = {}
    anchors: dict[str, set[str] | None] = {}
    ttl = dt.timedelta(hours=request.settings.cache_hours)
    urls, arxiv_ids, dois = [], [], []
    for key in dict.fromkeys(link.key for link in found):
        if key in collector.decided:
            outcomes[key] = collector.decided[key]
            continue
        if key.startswith("file:"):
            outcomes[key] = _local_outcome(key, anchors)
            continue
        if key.startswith("arxiv:") and not request.settings.arxiv.lookup:
            outcomes[key] = Outcome(
                Verdict.OK, "arXiv id is well-formed (not looked up: set links.arxiv.lookup to ask arXiv)"
            )
            continue
        cached = cache.fresh_ok(key, now, ttl) if cache is not None else None
        if cached is not None:
            outcomes[key] = dataclasses.replace(cached, cached=True)
            continue
        if key.startswith("arxiv:"):
            arxiv_ids.append(key.removeprefix("arxiv:"))
        elif key.startswith("doi:"):
            dois.append(key.removeprefix("doi:"))
        else:
            urls.append(key)

    total = len(urls) + len(arxiv_ids) + len(dois)
    done = 0

    def answered(key: str, outcome: Outcome) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    fresh = check_remote(urls, arxiv_ids, dois, run.remote_settings(), answered)
    if _nobody_answered(fresh):
        run.notes.append(
            "host names could not be looked up and no server answered: is this machine offline? "
            "Those links are reported unknown, not broken"
        )
        fresh = {
            key: dataclasses.replace(
                o,
                verdict=Verdict.UNKNOWN,
                reason="the host name could not be looked up, and no server answered in this run: "
                "is this machine offline?",
            )
            if o.dns_failure and not _never_exists(key)
            else o
            for key, o in fresh.items()
        }
    for key, outcome in fresh.items():
        outcomes[key] = run.with_streak(key, outcome)
    if cache is not None and fresh:
        try:
            cache.save({key: CachedResult(outcomes[key], now) for key in fresh}, now)
        except OSError as exc:  # the results stand; only remembering them failed
            run.notes.append(f"could not write the link cache {cache.path}: {exc.strerror or exc}")

    checked = tuple(CheckedLink(link, outcomes[link.key]) for link in found)
    report = LinkReport(checked, skipped_unchanged=skipped, excluded=len(collector.excluded), notes=tuple(run.notes))
    return report, problems


def known_link_state(config: Config, cache_path: Path) -> Callable[[str], str | None]:
    """What the last checks found for a link, from the cache: None when ok, else a short phrase."""
    request = LinkCheckRequest(settings=config.settings.links, config=config, cache_path=cache_path)
    collector = _collector(request)
    cache = LinkCache(cache_path)

    def state(url: str) -> str | None:
        resolution = collector.resolve(url)
        if resolution is None:
            return None  # excluded from checks by the settings
        if resolution.decided is not None:
            verdict = resolution.decided.verdict
            return None if verdict is Verdict.OK else f"link {verdict.value}"
        if resolution.key.startswith("arxiv:") and not config.settings.links.arxiv.lookup:
            return None  # arXiv ids are checked offline, and this one is well-formed
        cached = cache.entries.get(resolution.key)
        if cached is None:
            return "link not checked"
        return None if cached.outcome.verdict is Verdict.OK else f"link {cached.outcome.verdict.value}"

    return state
