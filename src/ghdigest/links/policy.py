"""Pure rules of link checking: status codes to verdicts, Retry-After, per-host rules, offline checks."""

from __future__ import annotations

import datetime as dt
import email.utils
import fnmatch
import re
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import unquote, urlsplit

from ghdigest.links.model import Outcome, Verdict
from ghdigest.models import HostRule

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: Statuses that say a page is gone for everyone: anything else may be a bot wall or a bad moment.
GONE_STATUSES = frozenset({404, 410})


def status_text(status: int) -> str:
    """``404 Not Found``, or the bare number for a status with no standard name."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def verdict_for_status(status: int, accepted: frozenset[int] = frozenset()) -> tuple[Verdict, str]:
    """The verdict for a final status (after redirects) and why; ``accepted`` codes count as ok."""
    text = status_text(status)
    if 200 <= status < 300 or status in accepted:
        return Verdict.OK, text
    if status in GONE_STATUSES:
        return Verdict.BROKEN, text
    if status in (401, 403):
        return Verdict.UNKNOWN, f"{text} (the site turns the checker away; readers may get through)"
    if status == 429:
        return Verdict.UNKNOWN, f"{text} (rate limited)"
    if status >= 500:
        return Verdict.UNKNOWN, f"{text} (server error; may be temporary)"
    if status in REDIRECT_STATUSES:
        return Verdict.UNKNOWN, f"{text} without a Location to follow"
    return Verdict.UNKNOWN, text


def retry_after_seconds(value: str | None, now: dt.datetime) -> float | None:
    """Seconds a ``Retry-After`` value asks to wait (delta-seconds or an HTTP date), or None when unreadable."""
    if value is None:
        return None
    value = value.strip()
    if re.fullmatch(r"[0-9]{1,9}", value):  # ASCII digits only; longer is "never" for any budget
        return float(int(value))
    if re.fullmatch(r"[0-9]+", value):
        return float("inf")
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class HostLimits:
    """The rule that applies to one host: skip it, extra ok codes, and its limits."""

    exclude: bool
    accept: frozenset[int]
    concurrency: int
    spacing: float


class HostPolicy:
    """Finds the rule for a host: an exact name first, then ``*.`` patterns in the order written."""

    def __init__(self, rules: dict[str, HostRule], concurrency: int, spacing: float) -> None:
        self._exact = {name.lower(): rule for name, rule in rules.items() if "*" not in name}
        self._patterns = [(name.lower(), rule) for name, rule in rules.items() if "*" in name]
        self._default = HostLimits(False, frozenset(), concurrency, spacing)
        self._memo: dict[str, HostLimits] = {}

    def _rule(self, host: str) -> HostRule | None:
        if host in self._exact:
            return self._exact[host]
        for pattern, rule in self._patterns:
            # "*.example.com" also covers example.com itself: people mean the site.
            if fnmatch.fnmatchcase(host, pattern) or (pattern.startswith("*.") and host == pattern[2:]):
                return rule
        return None

    def limits(self, host: str) -> HostLimits:
        """The limits for the host name ``host`` (no port: limits are per machine, whatever the port)."""
        host = host.lower()
        if host not in self._memo:
            rule = self._rule(host)
            default = self._default
            self._memo[host] = (
                default
                if rule is None
                else HostLimits(
                    rule.exclude,
                    frozenset(rule.accept),
                    rule.concurrency or default.concurrency,
                    default.spacing if rule.spacing is None else rule.spacing,
                )
            )
        return self._memo[host]


_MAIL_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
_PHONE = re.compile(r"^\+?[0-9()./ -]{3,}$")


def _ascii_mail(address: str) -> str:
    """The address with an internationalised domain in its ASCII form (``bücher.de`` → ``xn--bcher-kva.de``)."""
    local, at, domain = address.rpartition("@")
    try:
        return f"{local}{at}{domain.encode('idna').decode('ascii')}" if at else address
    except UnicodeError:
        return address


#: Schemes a reader's browser refuses in links from a page, or that run code.
UNSAFE_SCHEMES = frozenset({"javascript", "vbscript", "data", "file"})


def offline_outcome(url: str) -> Outcome | None:
    """The outcome of a link that needs no request (mail and phone links, unsafe or other schemes), else None."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return Outcome(Verdict.BROKEN, f"malformed URL: {exc}")
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        return None
    if scheme == "mailto":
        addresses = [a.strip() for a in unquote(parts.path).split(",") if a.strip()]
        if not addresses:  # RFC 6068: "mailto:?subject=…" opens a new mail for the reader to address
            return Outcome(Verdict.OK, "opens a new mail")
        if all(_MAIL_ADDRESS.match(_ascii_mail(a)) for a in addresses):
            return Outcome(Verdict.OK, "mail address is well-formed (mail is not sent)")
        return Outcome(Verdict.BROKEN, f"malformed mail address {unquote(parts.path)!r}")
    if scheme == "tel":
        number = unquote(parts.path).split(";", 1)[0]  # RFC 3966 parameters, such as ;ext=89
        if _PHONE.match(number):
            return Outcome(Verdict.OK, "phone number is well-formed")
        return Outcome(Verdict.BROKEN, f"malformed phone number {unquote(parts.path)!r}")
    if scheme in UNSAFE_SCHEMES:
        return Outcome(Verdict.BROKEN, f"{scheme}: links do not open for readers (and may run code)")
    return Outcome(Verdict.UNKNOWN, f"{scheme}: links are not checked")
