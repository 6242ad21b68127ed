"""A link report as text for people, JSON for scripts, Markdown for a job summary, annotations for Actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ghdigest.errors import one_line_message
from ghdigest.links.extract import display_key
from ghdigest.links.model import CheckedLink, LinkReport, Verdict
from ghdigest.mdtext import escape_table_cell


def summary_line(report: LinkReport) -> str:
    """``N links: a ok, b broken, c unknown`` with what was skipped or taken from the cache."""
    total = len(report.links)
    parts = [
        f"{total} link{'s' * (total != 1)}: {report.count(Verdict.OK)} ok, "
        f"{report.count(Verdict.BROKEN)} broken, {report.count(Verdict.UNKNOWN)} unknown"
    ]
    if report.cached:
        parts.append(f"{report.cached} ok from the cache")
    if report.skipped_unchanged:
        parts.append(f"{report.skipped_unchanged} unchanged since the ref, not checked")
    if report.excluded:
        parts.append(f"{report.excluded} excluded by the settings")
    return "; ".join(parts)


def _where(checked: CheckedLink) -> str:
    first = checked.link.places[0]
    more = len(checked.link.places) - 1
    return f"{first.path}:{first.line}" + (f" (and {more} more place{'s' * (more != 1)})" if more else "")


def text_lines(report: LinkReport, *, verbose: bool = False) -> list[str]:
    """One line per broken or unknown link (every link when ``verbose``): ``path:line: verdict: url (reason)``."""
    order = {Verdict.BROKEN: 0, Verdict.UNKNOWN: 1, Verdict.OK: 2}
    lines = []
    for checked in sorted(report.links, key=lambda c: order[c.outcome.verdict]):
        outcome = checked.outcome
        if outcome.verdict is Verdict.OK and not verbose:
            continue
        detail = outcome.reason
        if outcome.final_url and outcome.final_url != checked.link.written:
            detail += f"; ends at {outcome.final_url}"
        if outcome.cached:
            detail += "; from the cache"
        # Reasons quote servers and addresses quote authors: one line each, so nothing can forge a
        # line of its own (a workflow command, under GitHub Actions).
        written = one_line_message(checked.link.written)
        lines.append(one_line_message(f"{_where(checked)}: {outcome.verdict.value}: {written} ({detail})"))
    return lines


def as_json(report: LinkReport, root: Path | None = None) -> dict[str, Any]:
    """The report as the JSON object scripts read; local files are shown relative to ``root`` when inside it."""
    links = []
    for checked in report.links:
        outcome = checked.outcome
        links.append(
            {
                "url": checked.link.written,
                "checked": display_key(checked.link.key, root),
                "final_url": outcome.final_url or display_key(checked.link.key, root),
                "verdict": outcome.verdict.value,
                "status": outcome.status,
                "reason": outcome.reason,
                "redirects": list(outcome.redirects),
                "cached": outcome.cached,
                "streak": outcome.streak,
                "locations": [{"path": place.path, "line": place.line} for place in checked.link.places],
            }
        )
    return {
        "summary": {
            "ok": report.count(Verdict.OK),
            "broken": report.count(Verdict.BROKEN),
            "unknown": report.count(Verdict.UNKNOWN),
            "cached": report.cached,
            "unchanged": report.skipped_unchanged,
            "excluded": report.excluded,
        },
        "notes": list(report.notes),
        "links": links,
    }


def markdown(report: LinkReport) -> str:
    """A Markdown section for ``$GITHUB_STEP_SUMMARY``: the totals, then a table of links to look at."""
    lines = ["## Link check", "", summary_line(report) + ".", ""]
    lines.extend(f"> {note}" for note in report.notes)
    look_at = [c for c in report.links if c.outcome.verdict is not Verdict.OK]
    look_at.sort(key=lambda c: c.outcome.verdict is not Verdict.BROKEN)
    if look_at:
        lines += ["| | Link | Where | Why |", "|---|---|---|---|"]
        for checked in look_at:
            mark = "❌ broken" if checked.outcome.verdict is Verdict.BROKEN else "❔ unknown"
            link = escape_table_cell(one_line_message(checked.link.written))
            lines.append(
                f"| {mark} | {link} | {escape_table_cell(_where(checked))} "
                f"| {escape_table_cell(one_line_message(checked.outcome.reason))} |"
            )
    else:
        lines.append("Every link is ok.")
    return "\n".join(lines) + "\n"


def _command_value(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _command_property(value: str) -> str:
    return _command_value(value).replace(":", "%3A").replace(",", "%2C")


def workflow_annotations(report: LinkReport) -> list[str]:
    """GitHub Actions ``::error`` commands putting each broken link on its file's line."""
    commands = []
    for checked in report.links:
        if checked.outcome.verdict is not Verdict.BROKEN:
            continue
        message = _command_value(f"{checked.link.written}: {checked.outcome.reason}")
        for place in checked.link.places:
            commands.append(
                f"::error file={_command_property(place.path)},line={place.line},title=Broken link::{message}"
            )
    return commands
