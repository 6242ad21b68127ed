"""What the link checker works with: links found, how each is checked, what came of it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Verdict(str, enum.Enum):
    """The three answers a link check gives: only ``broken`` is a failure people must fix."""

    OK = "ok"
    BROKEN = "broken"
    """Certainly gone: 404, 410, a host that does not exist, a malformed address, a redirect loop."""
    UNKNOWN = "unknown"
    """Could not tell: 401/403/429, 5xx, timeouts, TLS and connection failures, bot walls."""


@dataclass(frozen=True, order=True)
class Place:
    """Where a link is written: a path relative to the repository (or as given) and a 1-based line."""

    path: str
    line: int


@dataclass
class FoundLink:
    """A link as written, every place it is written, and what the checker should ask about it."""

    written: str
    key: str
    """What is checked: an absolute URL without fragment or tracking parameters, ``arxiv:…``,
    ``doi:…``, ``file:…`` or ``offline:…`` (links decided without asking anyone)."""
    places: list[Place] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    """The answer for one checked key."""

    verdict: Verdict
    reason: str
    status: int | None = None
    final_url: str | None = None
    redirects: tuple[str, ...] = ()
    cached: bool = False
    streak: int = 0
    """Runs in a row this key was broken, this run included (0 when it was not broken)."""
    dns_failure: bool = False
    """The host name did not resolve (kept to tell an offline machine from a dead host)."""


@dataclass(frozen=True)
class CheckedLink:
    """A link as written, where it is, and the outcome of checking it."""

    link: FoundLink
    outcome: Outcome


@dataclass(frozen=True)
class LinkReport:
    """Every link checked in one run, in the order first written, with totals."""

    links: tuple[CheckedLink, ...]
    skipped_unchanged: int = 0
    """Links left out because they were already there at the ``--changed-since`` ref."""
    excluded: int = 0
    """Links left out by ``links.exclude`` or a host rule."""
    notes: tuple[str, ...] = ()
    """Things the reader should know about the run as a whole (cache unreadable, offline…)."""

    def count(self, verdict: Verdict) -> int:
        """How many links got ``verdict``."""
        return sum(1 for checked in self.links if checked.outcome.verdict is verdict)

    @property
    def cached(self) -> int:
        """How many links were answered from the cache."""
        return sum(1 for checked in self.links if checked.outcome.cached)
