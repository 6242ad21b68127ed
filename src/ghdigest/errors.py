"""Diagnostics and the exception tree.

Exception hierarchy::

    GhdigestError                 every error ghdigest raises on purpose
    ├── ConfigError               ghdigest.yml is missing, unreadable or invalid (exit 2)
    ├── ContentError              content has errors; carries every diagnostic (exit 1)
    ├── NothingToBuild            the week asked for has no entries to show (exit 1)
    └── OutputError               an output folder cannot be written (exit 2)

Library code raises these; only the command line turns them into messages and exit codes.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: What a secret (the GitHub token) is replaced with wherever text may repeat it.
REDACTED = "***"
#: Shorter values are not hidden: no GitHub token is that short, and hiding "ab" would garble every message.
_MIN_SECRET_LENGTH = 8


class Severity(str, enum.Enum):
    """How serious a diagnostic is: errors block a build, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file: path relative to the content root, 1-based line and column."""

    path: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in one place, with a stable machine-readable code."""

    location: Location
    severity: Severity
    code: str
    message: str

    @property
    def is_error(self) -> bool:
        """True when the diagnostic is an error."""
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order by file, position, then code: the order diagnostics are reported in."""
        loc = self.location
        return (loc.path, loc.line, loc.column, self.code, self.message)

    def format(self, path: str | None = None) -> str:
        """Render as ``path:line:col: severity: message [code]`` on one line, ``path`` replacing the stored one."""
        loc = self.location
        where = f"{loc.path if path is None else path}:{loc.line}:{loc.column}"
        return f"{where}: {self.severity.value}: {one_line_message(self.message)} [{self.code}]"


def one_line_message(message: str) -> str:
    """A message with control characters shown as escapes, so user text cannot forge extra lines."""
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii") for ch in message
    )


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every occurrence of each secret, in any letter case (host names are lowered), as ``***``."""
    wanted = sorted({s for s in secrets if s and len(s) >= _MIN_SECRET_LENGTH}, key=len, reverse=True)
    if not wanted:
        return text
    return re.sub("|".join(re.escape(secret) for secret in wanted), REDACTED, text, flags=re.IGNORECASE)


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Return diagnostics in report order, without exact repeats."""
    return sorted(set(diagnostics), key=Diagnostic.sort_key)


class GhdigestError(Exception):
    """Base class of every error ghdigest raises on purpose."""


class ConfigError(GhdigestError):
    """The repository's settings cannot be used; ``diagnostics`` says where and why."""

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.diagnostics: list[Diagnostic] = sorted_diagnostics(diagnostics)


class ContentError(GhdigestError):
    """Content has errors; ``diagnostics`` holds every problem found, warnings included."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics: list[Diagnostic] = sorted_diagnostics(diagnostics)
        errors = sum(1 for d in self.diagnostics if d.is_error)
        super().__init__(f"{errors} error(s) in content")


class OutputError(GhdigestError):
    """An output cannot be written where it was asked for."""


class NothingToBuild(GhdigestError):
    """The week asked for has no entries to show."""
