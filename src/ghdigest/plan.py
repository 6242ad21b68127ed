"""Decide what each week's digest holds: pure, deterministic, no I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ghdigest import i18n
from ghdigest.config import SectionSpec
from ghdigest.content import Content, StoredEntry
from ghdigest.errors import NothingToBuild
from ghdigest.models import Language, localized
from ghdigest.weeks import Week

#: The week argument that means "the newest week with entries that has ended".
LATEST = "latest"


@dataclass(frozen=True)
class PlannedSection:
    """A non-empty section of one week, numbered from 1 in display order."""

    number: int
    spec: SectionSpec
    entries: tuple[StoredEntry, ...]


@dataclass(frozen=True)
class WeekPlan:
    """One week's digest: title, texts, sections in order, picks and neighbours."""

    week: Week
    title: str
    intro: str
    outro: str | None
    footer: str | None
    sections: tuple[PlannedSection, ...]
    picks: tuple[StoredEntry, ...]
    previous: Week | None
    next: Week | None

    def count(self, section_id: str) -> int:
        """Number of entries in the section ``section_id`` (0 when it is empty)."""
        return next((len(s.entries) for s in self.sections if s.spec.id == section_id), 0)


@dataclass(frozen=True)
class DigestPlan:
    """Every week to build, oldest first, with the settings they share."""

    site_title: str
    language: Language
    sections: tuple[SectionSpec, ...]
    weeks: tuple[WeekPlan, ...]


def _ordered(entries: list[StoredEntry], order: list[str]) -> list[StoredEntry]:
    """Entries listed in ``order`` (by key or id) first, in that order; then the rest by key."""
    rank = {ref: index for index, ref in enumerate(order)}

    def sort_key(stored: StoredEntry) -> tuple[int, str]:
        position = min(rank.get(stored.key, len(order)), rank.get(stored.id, len(order)))
        return (position, stored.key)

    return sorted(entries, key=sort_key)


def plan_week(content: Content, week: Week, neighbours: tuple[Week | None, Week | None]) -> WeekPlan:
    """The digest of ``week`` from the shown entries of that week."""
    return _plan_week(content, week, neighbours, [e for e in content.entries if e.shown and e.week == week])


def _plan_week(
    content: Content, week: Week, neighbours: tuple[Week | None, Week | None], shown: list[StoredEntry]
) -> WeekPlan:
    config = content.config
    settings = config.settings
    language = settings.language
    digest = content.digests.get(week.id)
    order = list(digest.digest.order) if digest else []
    members = _ordered(shown, order)
    sections: list[PlannedSection] = []
    for spec in config.sections:
        chosen = tuple(e for e in members if e.section == spec)
        if chosen:
            sections.append(PlannedSection(len(sections) + 1, spec, chosen))
    in_display_order = [e for section in sections for e in section.entries]
    fields = config.pattern_fields(week)
    title = (digest.digest.title if digest and digest.digest.title else None) or settings.digest_title.format(**fields)
    intro_pattern = localized(settings.intro, language) or i18n.INTRO[language]
    intro = localized(digest.digest.intro, language) if digest and digest.digest.intro else None
    return WeekPlan(
        week=week,
        title=title,
        intro=intro if intro is not None else intro_pattern.format(**fields),
        outro=localized(digest.digest.outro, language) if digest else None,
        footer=localized(settings.footer, language),
        sections=tuple(sections),
        picks=tuple(e for e in in_display_order if e.pick),
        previous=neighbours[0],
        next=neighbours[1],
    )


def plan_digests(content: Content) -> DigestPlan:
    """Plan every week that has shown entries, with prev/next links between them."""
    by_week: dict[Week, list[StoredEntry]] = {}
    for stored in content.entries:  # one pass: asking every week to look at every entry is quadratic
        if stored.shown and stored.week is not None:
            by_week.setdefault(stored.week, []).append(stored)
    weeks = sorted(by_week)
    plans = []
    for index, week in enumerate(weeks):
        previous = weeks[index - 1] if index > 0 else None
        following = weeks[index + 1] if index + 1 < len(weeks) else None
        plans.append(_plan_week(content, week, (previous, following), by_week[week]))
    settings = content.config.settings
    return DigestPlan(settings.title, settings.language, content.config.sections, tuple(plans))


def choose_week(content: Content, text: str, today: dt.date) -> Week:
    """The week ``text`` names: a week id, or ``latest``: the newest week with entries that ended before ``today``."""
    config = content.config
    if text != LATEST:
        return config.parse_week(text)
    # A week still running is not "latest": a weekly job would otherwise release a few days of the
    # new week and never the week that just ended. Its own id releases it early.
    ended = [week for week in content.weeks() if week.end < today]
    if not ended:
        available = ", ".join(w.id for w in content.weeks()) or "none"
        raise NothingToBuild(f"no week with entries has ended by {today.isoformat()} (weeks with entries: {available})")
    return ended[-1]
