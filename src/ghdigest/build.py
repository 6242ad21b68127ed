"""Build: check the content, plan every week, render, then write the whole result."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ghdigest import output, parallel, schema
from ghdigest.buildcache import BuildCache, fingerprint, open_cache, stat_record, unchanged_files
from ghdigest.config import CONFIG_FILE, Config
from ghdigest.content import Content, check_content
from ghdigest.errors import ContentError, Diagnostic, Location, NothingToBuild, Severity
from ghdigest.models import Language
from ghdigest.plan import DigestPlan, WeekPlan, plan_digests
from ghdigest.render import api, feed, markdown
from ghdigest.render.locations import GITHUB_WEB_URL, Locations, ReleaseLocations, SiteLocations
from ghdigest.weeks import Week

if TYPE_CHECKING:
    import jinja2

INDEX_PAGE = "index.md"


class InvalidOutput(RuntimeError):
    """ghdigest made an API document that its own schema refuses: a bug in ghdigest; nothing is written."""


def _check_document(name: str, definition: str, document: dict[str, Any]) -> None:
    """Raise InvalidOutput unless ``document`` matches ``$defs/<definition>`` of schemas/api.schema.json."""
    problems = schema.definition_problems("api", definition, document)
    if problems:
        details = "; ".join(problems[:5])
        raise InvalidOutput(f"{name} does not match schemas/api.schema.json (a bug in ghdigest): {details}")


def _checked_json(documents: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, str]:
    """The JSON text of each API document, after checking it against its definition in schemas/api.schema.json."""
    for name, (definition, document) in sorted(documents.items()):
        _check_document(name, definition, document)
    return {name: api.dump_checked_json(document) for name, (_, document) in documents.items()}


@dataclass(frozen=True)
class BuildResult:
    """What a build produced: every file it renders, and the ones whose bytes changed on disk (relative names)."""

    out_dir: Path
    files: tuple[str, ...]
    changed: tuple[str, ...]
    weeks: tuple[str, ...]
    warnings: tuple[Diagnostic, ...]


def locations(
    config: Config, weeks: Iterable[Week], *, repo: str | None = None, web_url: str = GITHUB_WEB_URL
) -> Locations | None:
    """Where the output lives: ``site_url``'s site, else ``repo``'s GitHub Releases; None when neither is known.

    ``repo`` defaults to the ``repo`` setting; ``weeks`` are the weeks whose release tags links may need.
    """
    if config.site_base is not None:
        return SiteLocations(config.site_base)
    repo = repo or config.settings.repo
    if repo is None:
        return None
    return ReleaseLocations(repo, {week.id: config.release_tag(week) for week in weeks}, web_url)


def _feeds(plan: DigestPlan, weeks: Sequence[WeekPlan], pages: Mapping[str, str], where: Locations) -> dict[str, str]:
    info = feed.FeedInfo(plan.site_title, plan.language, where)
    return feed.render_feeds(info, feed.feed_items(weeks, pages, where))


def _week_files(
    env: jinja2.Environment, plan: WeekPlan, language: Language, ids: Mapping[str, str], where: Locations | None
) -> dict[str, str]:
    """The files of one week: its page, its API document and the documents of its entries."""
    context = markdown.week_context(plan, language)  # the page's anchors: made once for the page and the API
    page = markdown.render_week(env, plan, language, context)
    week_document = api.week_document(plan, language, page, ids, where, context)
    files = {markdown.page_name(plan.week.id): page}
    # Each entry document is the very object its week document holds: checked with it against
    # $defs/entry.
    _check_document(api.week_path(plan.week.id), "week", week_document)
    files[api.week_path(plan.week.id)] = api.dump_checked_json(week_document)
    for section in week_document["sections"]:
        for entry in section["entries"]:
            files[entry["path"]] = api.dump_checked_json(entry)
    return files


def _index_files(
    env: jinja2.Environment, full_plan: DigestPlan, ids: Mapping[str, str], where: Locations | None
) -> dict[str, str]:
    """``index.md`` and ``api/index.json``: every week and every entry."""
    files = {INDEX_PAGE: markdown.render_index(env, full_plan, list(full_plan.weeks))}
    feeds = feed.FEED_FILES if where is not None else None
    files.update(_checked_json({api.INDEX_PATH: ("index", api.index_document(full_plan, ids, where, feeds))}))
    return files


def _site_files(
    env: jinja2.Environment,
    full_plan: DigestPlan,
    ids: Mapping[str, str],
    where: Locations | None,
    pages: Callable[[WeekPlan], str],
) -> dict[str, str]:
    """The files about every week: ``index.md``, ``api/index.json`` and, with an address, the feeds."""
    files = _index_files(env, full_plan, ids, where)
    if where is not None:
        newest = feed.newest_weeks(full_plan.weeks)
        files.update(_feeds(full_plan, newest, {markdown.page_name(w.week.id): pages(w) for w in newest}, where))
    return files


def render_site(
    content: Content, only: Week | None = None, *, repo: str | None = None, web_url: str = GITHUB_WEB_URL
) -> dict[str, str]:
    """Every output file's name and text; just the week ``only`` (page and API documents) when given.

    Without ``only``: every week's page, ``index.md``, the API (``api/index.json``,
    ``api/weeks/<week>.json``, ``api/entries/<id>.json``) and the feeds, when the output has an
    address (``site_url``, else the GitHub Releases of ``repo``, see :func:`locations`), which
    the feeds and the API's ``*_url`` fields link to.
    """
    config = content.config
    full_plan = plan_digests(content)
    if only is not None and all(w.week != only for w in full_plan.weeks):
        available = ", ".join(w.week.id for w in full_plan.weeks) or "none"
        raise NothingToBuild(f"{only.id} has no selected entries (weeks with entries: {available})")
    env = markdown.environment(config.templates_dir)
    where = locations(config, content.weeks(), repo=repo, web_url=web_url)
    ids = api.api_ids(content.entries)  # from every week, so --week gives the ids a full build gives
    files: dict[str, str] = {}
    chosen = [plan for plan in full_plan.weeks if only is None or plan.week == only]
    for plan in chosen:
        files.update(_week_files(env, plan, full_plan.language, ids, where))
    if only is None:
        files.update(_site_files(env, full_plan, ids, where, lambda w: files[markdown.page_name(w.week.id)]))
    return files


def release_feeds(
    content: Content, until: Week, *, repo: str | None = None, web_url: str = GITHUB_WEB_URL
) -> dict[str, str]:
    """The feeds week ``until``'s release carries: it and earlier weeks only; {} unless feeds live in releases."""
    where = locations(content.config, content.weeks(), repo=repo, web_url=web_url)
    if where is None or not where.feeds_in_releases:
        return {}
    plan = plan_digests(content)
    # A feed attached to a week's release must not link to a release that does not exist yet:
    # no later week, and no "next" link from the last one kept.
    kept = [
        replace(w, next=None) if w.next is not None and w.next > until else w for w in plan.weeks if w.week <= until
    ]
    newest = feed.newest_weeks(kept)
    env = markdown.environment(content.config.templates_dir)
    pages = {markdown.page_name(w.week.id): markdown.render_week(env, w, plan.language) for w in newest}
    return _feeds(plan, newest, pages, where)


def _no_site_url(config: Config) -> Diagnostic:
    names = ", ".join(feed.FEED_FILES.values())
    return Diagnostic(
        Location(CONFIG_FILE),
        Severity.WARNING,
        "no-site-url",
        f"neither site_url nor repo is set, so the feeds ({names}) were not written: feeds need absolute links; "
        "set site_url to the address the output folder is published at, or repo (OWNER/NAME) to link them to "
        "the repository's GitHub Releases",
    )


def build(
    config: Config, out_dir: Path | None = None, week: Week | None = None, *, use_cache: bool = True
) -> BuildResult:
    """Check the content and write its digests to ``out_dir``; nothing is written when content has errors.

    With ``use_cache`` (the default), ``.ghdigest/build.json`` under ROOT spares a rebuild the
    files and weeks that have not changed since the last build into the same folder; the output
    is the same as without it, byte for byte. A build of one ``week`` does not use it.
    """
    cache = open_cache(config) if use_cache else None
    # The repository's own templates are checked as validate checks them: a broken one is an
    # error located in its file, reported with the content's, and nothing is written.
    template_problems = markdown.check_templates(config.templates_dir, config.settings.templates.strip("/"))
    try:
        content = check_content(config, cache)
        if any(problem.is_error for problem in template_problems):
            raise ContentError(content.diagnostics)
    except ContentError as exc:
        if cache is not None:
            cache.save()  # what was learnt about the files that are fine still holds
        raise ContentError([*exc.diagnostics, *template_problems]) from None
    target = out_dir if out_dir is not None else config.output_dir
    if week is not None:
        files = render_site(content, week)
        changed = [path.relative_to(target).as_posix() for path in output.write_tree(target, files)]
        names = sorted(files)
    else:
        names, changed = _write_site(content, target, cache)
    if cache is not None:
        cache.save()
    weeks = tuple(sorted(name.removesuffix(".md") for name in names if _is_week_page(name)))
    warnings = (*content.diagnostics, *template_problems)
    if week is None and locations(config, ()) is None:
        warnings = (*warnings, _no_site_url(config))
    return BuildResult(target, tuple(names), tuple(changed), weeks, warnings)


def _is_week_page(name: str) -> bool:
    return name.endswith(".md") and "/" not in name and name != INDEX_PAGE


_Writing = tuple[
    "jinja2.Environment",
    Sequence[WeekPlan],
    Language,
    Mapping[str, str],
    "Locations | None",
    output.OutputTree,
    frozenset[str],
    bool,
]
#: What a worker reports of each week it rendered: its id, its files' names, and its page if the feeds need it.
_WeekReport = tuple[str, list[str], "str | None"]
#: What a worker reports once it has written: the files that changed, and each file's stat record (for the cache).
_Written = tuple[list[str], dict[str, "list[int] | None"]]


def _render_week_slice(shared: _Writing, start: int, end: int) -> tuple[output.PreparedTree, list[_WeekReport]]:
    """Render weeks ``start:end`` and check where their files go; written only once every week is rendered."""
    env, plans, language, ids, where, tree, wanted, _ = shared
    files: dict[str, str] = {}
    reports: list[_WeekReport] = []
    for plan in plans[start:end]:
        week_files = _week_files(env, plan, language, ids, where)
        files.update(week_files)
        page = week_files[markdown.page_name(plan.week.id)] if plan.week.id in wanted else None
        reports.append((plan.week.id, list(week_files), page))
    return tree.prepare(files), reports


def _write_week_slice(shared: _Writing, prepared: output.PreparedTree) -> list[_Written]:
    changed = prepared.write()
    return [(changed, _files(prepared.folder, prepared.names, {}) if shared[-1] else {})]


def _write_site(content: Content, target: Path, cache: BuildCache | None) -> tuple[list[str], list[str]]:
    """Render every week, the index and the feeds, and write them into ``target``; every name, and the changed files.

    With a cache, only the weeks whose inputs or files changed since the last build into
    ``target`` are rendered: a week is rendered again unless its fingerprint (a hash of everything
    its files are made from) is the one recorded and each file recorded for it is still there as
    written. On a large archive the weeks are rendered and written by worker processes, which
    write nothing until every week is rendered and the index and feeds are too.
    """
    config = content.config
    full_plan = plan_digests(content)
    env = markdown.environment(config.templates_dir)
    where = locations(config, content.weeks())
    ids = api.api_ids(content.entries)
    before = cache.output_record(target) if cache is not None else {}
    before_weeks: dict[str, Any] = _mapping(before.get("weeks"))
    before_site: dict[str, Any] = _mapping(before.get("site"))
    # What every file may depend on besides its own week: the engine (code, settings, templates),
    # where the output lives (which names every week's release), and the list of weeks.
    engine = cache.engine if cache is not None else ""
    shared = fingerprint([engine, repr(where), [w.week.id for w in full_plan.weeks]])
    kept: dict[str, list[str]] = {}
    week_prints: dict[str, str] = {}
    digest_hashes: dict[str, str | None] = {}
    stale: list[WeekPlan] = []
    verified: dict[str, dict[str, Any]] = {}
    for plan in full_plan.weeks:
        week_id = plan.week.id
        digest = content.digests.get(week_id)
        digest_hashes[week_id] = digest.source_hash if digest is not None else None
        if cache is None:
            stale.append(plan)
            continue
        members = [(e.key, e.source_hash, ids[e.key]) for section in plan.sections for e in section.entries]
        neighbours = [w.id if w is not None else None for w in (plan.previous, plan.next)]
        week_prints[week_id] = fingerprint([shared, week_id, neighbours, digest_hashes[week_id], members])
        if _reusable(before_weeks.get(week_id), week_prints[week_id], target):
            kept[week_id] = list(before_weeks[week_id]["files"])
            verified[week_id] = before_weeks[week_id]["files"]  # stat'ed just now: still as written
        else:
            stale.append(plan)
    newest = feed.newest_weeks(full_plan.weeks) if where is not None else []
    wanted = frozenset(w.week.id for w in newest)
    pages: dict[str, str] = {}

    def page(plan: WeekPlan) -> str:
        found = pages.get(plan.week.id)
        return found if found is not None else markdown.render_week(env, plan, full_plan.language)

    # The index shows each week's title and counts and each entry's id, kind and heading, so an
    # edit to a summary leaves it alone; the feeds hold the newest weeks only, so an edit to an
    # older week leaves them alone.
    def listed() -> list[Any]:
        return [
            (w.week.id, digest_hashes[w.week.id], [(e.key, ids[e.key], e.kind, e.heading, e.section.id) for e in m])
            for w, m in ((w, [e for section in w.sections for e in section.entries]) for w in full_plan.weeks)
        ]

    site_parts: dict[str, tuple[str, Callable[[], dict[str, str]]]] = {
        "index": (
            fingerprint([shared, listed()]) if cache is not None else "",
            lambda: _index_files(env, full_plan, ids, where),
        ),
        "feeds": (
            fingerprint([shared, [week_prints[w.week.id] for w in newest]]) if cache is not None else "",
            lambda: (
                _feeds(full_plan, newest, {markdown.page_name(w.week.id): page(w) for w in newest}, where)
                if where is not None
                else {}
            ),
        ),
    }
    site: dict[str, Any] = {}
    site_files: dict[str, str] = {}
    tree = output.OutputTree(target)
    rendering: _Writing = (env, stale, full_plan.language, ids, where, tree, wanted, cache is not None)
    work = sum(len(section.entries) for plan in stale for section in plan.sections)
    stages = parallel.staged(_render_week_slice, partial(_write_week_slice, rendering), rendering, len(stale), work)
    try:
        with stages as weeks:
            # The index is rendered here while the workers render the weeks; the feeds need the
            # pages of the newest weeks, so they wait for the workers' reports.
            for part, (part_print, render) in site_parts.items():
                previous = _mapping(before_site.get(part))
                if cache is not None and _reusable(previous, part_print, target):
                    site[part] = {"print": part_print, "names": list(previous["files"])}
                    continue
                if part == "feeds":
                    pages.update((week_id, text) for week_id, _, text in weeks.reports() if text is not None)
                rendered = render()
                site_files.update(rendered)
                site[part] = {"print": part_print, "names": list(rendered)}
            for week_id, names, _ in weeks.reports():
                kept[week_id] = names
            site_tree = tree.prepare(site_files)  # all checked before anything is written
            written = weeks.finish()
            changed = site_tree.write()
        tree.commit()
    except BaseException:
        tree.abandon()  # a new output folder never shows half made
        raise
    for week_changed, _ in written:
        changed.extend(week_changed)
    changed.sort()
    site_names = [name for part in site.values() for name in part["names"]]
    names = sorted({*site_names, *(name for week_names in kept.values() for name in week_names)})
    if cache is None:
        return names, changed
    _remove_dropped(target, [*before_weeks.values(), *before_site.values()], set(names))
    stats: dict[str, list[int] | None] = {}
    for _, week_stats in written:
        stats.update(week_stats)
    record = {
        "weeks": {
            w: {"print": week_prints[w], "files": verified.get(w) or _files(target, kept[w], stats)} for w in kept
        },
        "site": {part: {"print": s["print"], "files": _files(target, s["names"], stats)} for part, s in site.items()},
    }
    cache.keep_output(target, record)
    return names, changed


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _reusable(record: Any, expected: str, target: Path) -> bool:
    return (
        isinstance(record, dict)
        and record.get("print") == expected
        and isinstance(record.get("files"), dict)
        and unchanged_files(target, record["files"])
    )


def _files(target: Path, names: Iterable[str], known: Mapping[str, list[int] | None]) -> dict[str, list[int] | None]:
    """The stat record of each of ``names``: from ``known`` (taken just after writing), else taken now."""
    folder = str(target)
    return {name: known[name] if name in known else stat_record(os.path.join(folder, name)) for name in names}


def _remove_dropped(target: Path, records: list[Any], current: set[str]) -> None:
    """Delete files an earlier build wrote into ``target`` that this one no longer makes (a deleted week's)."""
    written = {name for record in records if isinstance(record, dict) for name in record.get("files", {})}
    for name in written - current:
        path = target / name
        inside = not Path(name).is_absolute() and ".." not in Path(name).parts
        if inside and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
