"""Results of earlier link checks, kept in one JSON file between runs.

An ``ok`` result is reused until it is older than the time to live; anything else is asked again
on every run, and the number of runs in a row a link was broken is counted (its streak), so a
scheduled check can wait for a link to fail several times before flagging it. The file is
replaced whole through a rename, and rewritten under a lock after merging with what another
run may have written meanwhile; a torn or foreign file is set aside, never trusted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ghdigest.links.model import Outcome, Verdict
from ghdigest.output import write_text_atomic

try:  # POSIX. Windows has no fcntl: there two runs at once are not serialised, and the rename
    import fcntl  # still keeps the file whole (the last run's results win).
except ImportError:
    fcntl = None  # type: ignore[assignment]

CACHE_VERSION = 1
_SET_ASIDE = ".unreadable"
#: Entries not checked for this long are dropped, so the file does not grow without end.
FORGET_AFTER = dt.timedelta(days=180)


@dataclass(frozen=True)
class CachedResult:
    """What one earlier run found for a key, and when."""

    outcome: Outcome
    checked_at: dt.datetime


def _timestamp(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entry(result: CachedResult) -> dict[str, Any]:
    outcome = result.outcome
    data: dict[str, Any] = {
        "verdict": outcome.verdict.value,
        "reason": outcome.reason,
        "checked_at": _timestamp(result.checked_at),
        "streak": outcome.streak,
    }
    if outcome.status is not None:
        data["status"] = outcome.status
    if outcome.final_url is not None:
        data["final_url"] = outcome.final_url
    if outcome.redirects:
        data["redirects"] = list(outcome.redirects)
    return data


def _result(data: Any) -> CachedResult | None:
    """An entry read back, or None when it is not one this version wrote."""
    try:
        checked_at = dt.datetime.strptime(data["checked_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
        status = data.get("status")
        streak = data.get("streak", 0)
        final_url = data.get("final_url")
        redirects = data.get("redirects", [])
        if not (
            isinstance(data["reason"], str)
            and (status is None or type(status) is int)
            and type(streak) is int
            and streak >= 0
            and (final_url is None or isinstance(final_url, str))
            and isinstance(redirects, list)
            and all(isinstance(r, str) for r in redirects)
        ):
            return None
        outcome = Outcome(Verdict(data["verdict"]), data["reason"], status, final_url, tuple(redirects), streak=streak)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return CachedResult(outcome, checked_at)


def _parse(text: str) -> dict[str, CachedResult]:
    """Entries of a cache file; ValueError when the file is not one (torn, foreign, a newer version)."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION or not isinstance(data.get("links"), dict):
        raise ValueError("not a ghdigest link cache of this version")
    results = {}
    for key, value in data["links"].items():
        result = _result(value)
        if result is not None:
            results[key] = result
    return results


class LinkCache:
    """The cache file at ``path``: read once at the start, merged and replaced at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problem: str | None = None
        """Why the file could not be used (it is then started afresh), or None."""
        self.entries: dict[str, CachedResult] = self._read()

    def _read(self) -> dict[str, CachedResult]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as exc:
            self.problem = f"cannot read the link cache {self.path}: {exc}; starting afresh"
            return {}
        try:
            return _parse(text)
        except ValueError as exc:
            self.problem = (
                f"the link cache {self.path} is unreadable ({exc}); starting afresh "
                f"(the file is kept as {self.path.name}{_SET_ASIDE})"
            )
            return {}

    def fresh_ok(self, key: str, now: dt.datetime, ttl: dt.timedelta) -> Outcome | None:
        """The cached ``ok`` outcome of ``key`` when it is younger than ``ttl``, else None."""
        result = self.entries.get(key)
        if result is None or result.outcome.verdict is not Verdict.OK or now - result.checked_at >= ttl:
            return None
        return result.outcome

    def streak(self, key: str) -> int:
        """Runs in a row ``key`` was broken, as last recorded."""
        result = self.entries.get(key)
        return result.outcome.streak if result is not None else 0

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a+b") as lock:
            if fcntl is not None:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def save(self, results: Mapping[str, CachedResult], now: dt.datetime) -> None:
        """Merge ``results`` into the file as it is now (another run may have written it) and replace it."""
        with self._locked():
            try:
                current = _parse(self.path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                current = {}
            except (OSError, ValueError, UnicodeDecodeError):
                current = {}
                # Not ours, torn, or from a newer ghdigest: kept beside, never silently overwritten.
                with contextlib.suppress(OSError):
                    os.replace(self.path, self.path.with_name(self.path.name + _SET_ASIDE))
            for key, result in results.items():
                earlier = current.get(key)
                if earlier is None or earlier.checked_at <= result.checked_at:
                    current[key] = result
            kept = {key: result for key, result in current.items() if now - result.checked_at < FORGET_AFTER}
            payload = {
                "version": CACHE_VERSION,
                "links": {key: _entry(kept[key]) for key in sorted(kept)},
            }
            write_text_atomic(self.path, json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
        self.entries = kept


def default_cache_path(root: Path, setting: str) -> Path:
    """The cache file a setting names, relative to the repository root unless absolute."""
    path = Path(os.path.expanduser(setting))
    return path if path.is_absolute() else root / path


def user_cache_path() -> Path:
    """The cache of checks outside any repository: ``ghdigest/links.json`` in ``$XDG_CACHE_HOME`` or ``~/.cache``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ghdigest" / "links.json"
