"""Build: check the content, plan every week, render, then write the whole result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ghdigest import output, schema
from ghdigest.config import CONFIG_FILE, Config
from ghdigest.content import Content, check_content
from ghdigest.errors import Diagnostic, GhdigestError, Location, Severity
from ghdigest.plan import plan_digests
from ghdigest.render import api, feed, markdown
from ghdigest.weeks import Week

INDEX_PAGE = "index.md"


class NothingToBuild(GhdigestError):
    """The week asked for has no entries to show."""


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


def render_site(content: Content, only: Week | None = None) -> dict[str, str]:
    """Every output file's name and text; just the week ``only`` (page and API documents) when given.

    Without ``only``: every week's page, ``index.md``, the API (``api/index.json``,
    ``api/weeks/<week>.json``, ``api/entries/<id>.json``) and, when ``site_url`` is set, the feeds.
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
    site_base = config.site_base
    ids = api.api_ids(content.entries)  # from every week, so --week gives the ids a full build gives
    documents: dict[str, tuple[str, dict[str, Any]]] = {}
    entry_documents: dict[str, dict[str, Any]] = {}
    for plan in full_plan.weeks:
        if only is not None and plan.week != only:
            continue
        page = files[markdown.page_name(plan.week.id)]
        week_document = api.week_document(plan, language, page, ids, site_base)
        documents[api.week_path(plan.week.id)] = ("week", week_document)
        for section in week_document["sections"]:
            for entry in section["entries"]:
                entry_documents[entry["path"]] = entry
    if only is None:
        files[INDEX_PAGE] = markdown.render_index(env, full_plan, list(full_plan.weeks))
        feeds = feed.FEED_FILES if site_base is not None else None
        documents[api.INDEX_PATH] = ("index", api.index_document(full_plan, ids, site_base, feeds))
        if site_base is not None:
            info = feed.FeedInfo(full_plan.site_title, language, site_base)
            files.update(feed.render_feeds(info, feed.feed_items(full_plan.weeks, files, site_base)))
    files.update(_checked_json(documents))
    # Each entry document is the very object its week document holds, checked with it against
    # $defs/entry: checking it again would double the time a large archive's build takes.
    files.update({name: api.dump_json(document) for name, document in entry_documents.items()})
    return files


def _no_site_url(config: Config) -> Diagnostic:
    names = ", ".join(feed.FEED_FILES.values())
    return Diagnostic(
        Location(CONFIG_FILE),
        Severity.WARNING,
        "no-site-url",
        f"site_url is not set, so the feeds ({names}) were not written: feeds need absolute links; "
        "set site_url to the address the output folder is published at",
    )


def build(config: Config, out_dir: Path | None = None, week: Week | None = None) -> BuildResult:
    """Check the content and write its digests to ``out_dir``; nothing is written when content has errors."""
    content = check_content(config)
    files = render_site(content, week)
    target = out_dir if out_dir is not None else config.output_dir
    changed = output.write_tree(target, files)
    weeks = tuple(sorted(name.removesuffix(".md") for name in files if name.endswith(".md") and name != INDEX_PAGE))
    warnings = content.diagnostics
    if week is None and config.site_base is None:
        warnings = (*warnings, _no_site_url(config))
    return BuildResult(target, tuple(sorted(files)), tuple(changed), weeks, warnings)
