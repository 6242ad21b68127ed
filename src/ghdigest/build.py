"""Build: check the content, plan every week, render, then write the whole result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ghdigest import output
from ghdigest.config import Config
from ghdigest.content import Content, check_content
from ghdigest.errors import Diagnostic, GhdigestError
from ghdigest.plan import plan_digests
from ghdigest.render import markdown
from ghdigest.weeks import Week

INDEX_PAGE = "index.md"


class NothingToBuild(GhdigestError):
    """The week asked for has no entries to show."""


@dataclass(frozen=True)
class BuildResult:
    """What a build produced: every file it renders, and the ones whose bytes changed on disk."""

    out_dir: Path
    files: tuple[str, ...]
    changed: tuple[Path, ...]
    weeks: tuple[str, ...]
    warnings: tuple[Diagnostic, ...]


def render_site(content: Content, only: Week | None = None) -> dict[str, str]:
    """Every output file's name and text; just the week ``only`` when given, else all weeks and the index."""
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
    if only is None:
        files[INDEX_PAGE] = markdown.render_index(env, full_plan, list(full_plan.weeks))
    return files


def build(config: Config, out_dir: Path | None = None, week: Week | None = None) -> BuildResult:
    """Check the content and write its digests to ``out_dir``; nothing is written when content has errors."""
    content = check_content(config)
    files = render_site(content, week)
    target = out_dir if out_dir is not None else config.output_dir
    changed = output.write_tree(target, files)
    weeks = tuple(sorted(name.removesuffix(".md") for name in files if name != INDEX_PAGE))
    return BuildResult(target, tuple(sorted(files)), tuple(changed), weeks, content.diagnostics)
