"""Build: check the content, plan every week, render, then write the whole result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ghdigest import output, schema
from ghdigest.config import CONFIG_FILE, Config
from ghdigest.content import Content, check_content
from ghdigest.errors import Diagnostic, Location, NothingToBuild, Severity
from ghdigest.plan import DigestPlan, WeekPlan, plan_digests
from ghdigest.render import api, feed, markdown
from ghdigest.render.locations import GITHUB_WEB_URL, Locations, ReleaseLocations, SiteLocations
from ghdigest.weeks import Week

INDEX_PAGE = "index.md"


class InvalidOutput(RuntimeError):
    """ghdigest made an API document that its own schema refuses: a bug in ghdigest; nothing is written."""


def _checked_json(documents: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, str]:
    """The JSON text of each API document, after checking it against its definition in schemas/api.schema.json."""
    for name, (definition, document) in sorted(documents.items()):
        problems = schema.definition_problems("api", definition, document)
        if problems:
            details = "; ".join(problems[:5])
            raise InvalidOutput(f"{name} does not match schemas/api.schema.json (a bug in ghdigest): {details}")
    return {name: api.dump_json(document) for name, (_, document) in documents.items()}


@dataclass(frozen=True)
class BuildResult:
    """What a build produced: every file it renders, and the ones whose bytes changed on disk."""

    out_dir: Path
    files: tuple[str, ...]
    changed: tuple[Path, ...]
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
    language = full_plan.language
    files = {
        markdown.page_name(w.week.id): markdown.render_week(env, w, language)
        for w in full_plan.weeks
        if only is None or w.week == only
    }
    where = locations(config, content.weeks(), repo=repo, web_url=web_url)
    ids = api.api_ids(content.entries)  # from every week, so --week gives the ids a full build gives
    documents: dict[str, tuple[str, dict[str, Any]]] = {}
    entry_documents: dict[str, dict[str, Any]] = {}
    for plan in full_plan.weeks:
        if only is not None and plan.week != only:
            continue
        page = files[markdown.page_name(plan.week.id)]
        week_document = api.week_document(plan, language, page, ids, where)
        documents[api.week_path(plan.week.id)] = ("week", week_document)
        for section in week_document["sections"]:
            for entry in section["entries"]:
                entry_documents[entry["path"]] = entry
    if only is None:
        files[INDEX_PAGE] = markdown.render_index(env, full_plan, list(full_plan.weeks))
        feeds = feed.FEED_FILES if where is not None else None
        documents[api.INDEX_PATH] = ("index", api.index_document(full_plan, ids, where, feeds))
        if where is not None:
            files.update(_feeds(full_plan, full_plan.weeks, files, where))
    files.update(_checked_json(documents))
    # Each entry document is the very object its week document holds, checked with it against
    # $defs/entry: checking it again would double the time a large archive's build takes.
    files.update({name: api.dump_json(document) for name, document in entry_documents.items()})
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


def build(config: Config, out_dir: Path | None = None, week: Week | None = None) -> BuildResult:
    """Check the content and write its digests to ``out_dir``; nothing is written when content has errors."""
    content = check_content(config)
    files = render_site(content, week)
    target = out_dir if out_dir is not None else config.output_dir
    changed = output.write_tree(target, files)
    weeks = tuple(sorted(name.removesuffix(".md") for name in files if name.endswith(".md") and name != INDEX_PAGE))
    warnings = content.diagnostics
    if week is None and locations(config, ()) is None:
        warnings = (*warnings, _no_site_url(config))
    return BuildResult(target, tuple(sorted(files)), tuple(changed), weeks, warnings)
