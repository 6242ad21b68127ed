"""The Markdown renderer: Jinja2 templates a repository can override, GitHub-compatible anchors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from ghdigest import i18n, mdtext
from ghdigest.content import StoredEntry
from ghdigest.errors import Diagnostic, GhdigestError, Location, Severity
from ghdigest.models import Language, localized
from ghdigest.plan import DigestPlan, WeekPlan

TEMPLATE_NAMES = ("digest.md.j2", "entry.md.j2", "index.md.j2")


class TemplateFailure(GhdigestError):
    """A repository's template cannot be read, parsed or filled in."""


def check_templates(templates_dir: Path, display_prefix: str) -> list[Diagnostic]:
    """Problems in a repository's own templates: syntax errors, unreadable or unused files."""
    if not templates_dir.is_dir():
        return []
    env = environment(None)
    found = []
    for path in sorted(templates_dir.iterdir()):
        display = f"{display_prefix}/{path.name}"
        if path.name not in TEMPLATE_NAMES:
            found.append(
                Diagnostic(
                    Location(display),
                    Severity.WARNING,
                    "unused-template",
                    f"ghdigest only uses templates named {', '.join(TEMPLATE_NAMES)}",
                )
            )
            continue
        try:
            env.parse(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            found.append(Diagnostic(Location(display), Severity.ERROR, "invalid-utf8", f"template is not UTF-8: {exc}"))
        except jinja2.TemplateSyntaxError as exc:
            found.append(
                Diagnostic(
                    Location(display, exc.lineno or 1), Severity.ERROR, "template-syntax", exc.message or str(exc)
                )
            )
    return found


def _render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateFailure(f"template {exc.filename or name}, line {exc.lineno}: {exc.message}") from None
    except (jinja2.TemplateError, UnicodeDecodeError) as exc:
        raise TemplateFailure(f"template {name} failed: {exc}") from None


@dataclass(frozen=True)
class RenderedEntry:
    """What an entry template sees: the entry's text resolved for one language, plus its anchor."""

    key: str
    id: str
    kind: str
    headline: str
    anchor: str
    title: str | None
    url: str | None
    summary: str | None
    images: tuple[dict[str, str | None], ...]
    link_card: dict[str, str | None] | None
    topics: tuple[str, ...]
    pick: bool


def page_name(week_id: str) -> str:
    """File name of a week's digest in the output folder."""
    return f"{week_id}.md"


def environment(templates_dir: Path | None) -> jinja2.Environment:
    """A Jinja2 environment reading ``templates_dir`` first, then the built-in templates."""
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None and templates_dir.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(templates_dir)))
    loaders.append(jinja2.PackageLoader("ghdigest", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=False,  # Markdown, not HTML: user text goes through the md filters instead
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # one run renders from templates as they were when it started: no stat per page
    )
    env.filters["md"] = mdtext.escape
    env.filters["md_cell"] = mdtext.escape_table_cell
    env.filters["md_block"] = mdtext.sanitize_markdown
    env.filters["link"] = mdtext.link_destination
    env.globals["page_name"] = page_name
    return env


def _entry_view(stored: StoredEntry, book: mdtext.AnchorBook, language: Language) -> RenderedEntry:
    entry = stored.entry
    card = entry.link_card
    headline = entry.headline or entry.title or stored.key  # shown entries have a headline; inbox ones may not
    return RenderedEntry(
        key=stored.key,
        id=stored.id,
        kind=entry.kind,
        headline=headline,
        anchor=book.anchor(mdtext.one_line(headline)),
        title=entry.title,
        url=entry.url,
        summary=localized(entry.summary, language),
        images=tuple({"src": i.src, "alt": i.alt, "caption": i.caption} for i in entry.images),
        link_card={"title": card.title, "description": card.description, "site": card.site} if card else None,
        topics=tuple(entry.topics),
        pick=entry.pick,
    )


def _labels(language: Language) -> dict[str, str]:
    return {name: i18n.label(name, language) for name in i18n.LABELS}


def week_context(plan: WeekPlan, language: Language) -> dict[str, Any]:
    """The template context of one week, with anchors handed out in the built-in heading order."""
    labels = _labels(language)
    book = mdtext.AnchorBook()
    book.anchor(mdtext.one_line(plan.title))
    picks_anchor = book.anchor(labels["picks"]) if plan.picks else None
    book.anchor(labels["contents"])
    sections = []
    views: dict[str, RenderedEntry] = {}
    for section in plan.sections:
        section_anchor = book.anchor(mdtext.one_line(f"{section.number}. {section.spec.title}"))
        entries = []
        for stored in section.entries:
            view = _entry_view(stored, book, language)
            views[stored.key] = view
            entries.append(view)
        sections.append(
            {
                "number": section.number,
                "id": section.spec.id,
                "title": section.spec.title,
                "anchor": section_anchor,
                "entries": entries,
            }
        )
    return {
        "language": language,
        "labels": labels,
        "week": {
            "id": plan.week.id,
            "number": plan.week.number,
            "year": plan.week.year,
            "start": plan.week.start.isoformat(),
            "end": plan.week.end.isoformat(),
        },
        "title": plan.title,
        "intro": plan.intro,
        "outro": plan.outro,
        "footer": plan.footer,
        "picks": [views[p.key] for p in plan.picks],
        "picks_anchor": picks_anchor,
        "sections": sections,
        "previous": plan.previous.id if plan.previous else None,
        "next": plan.next.id if plan.next else None,
    }


def render_week(
    env: jinja2.Environment, plan: WeekPlan, language: Language, context: dict[str, Any] | None = None
) -> str:
    """The Markdown of one week's digest; ``context`` is its :func:`week_context`, when already made."""
    return _render(env, "digest.md.j2", context if context is not None else week_context(plan, language))


def render_index(env: jinja2.Environment, digest_plan: DigestPlan, all_weeks: list[WeekPlan]) -> str:
    """The Markdown archive page: every week, newest first, with its entry count per section."""
    rows = [
        {
            "id": w.week.id,
            "title": w.title,
            "start": w.week.start.isoformat(),
            "end": w.week.end.isoformat(),
            "counts": [w.count(spec.id) for spec in digest_plan.sections],
        }
        for w in sorted(all_weeks, key=lambda w: w.week, reverse=True)
    ]
    context = {
        "title": digest_plan.site_title,
        "labels": _labels(digest_plan.language),
        "sections": [{"id": s.id, "title": s.title} for s in digest_plan.sections],
        "weeks": rows,
    }
    return _render(env, "index.md.j2", context)
