"""Mirror a repository's issues into ``issues/*.yml`` (pull), and local entries back to issues (push).

Pull: each issue becomes ``issues/<number>-<slug>.yml``, keyed by its number. Files are written
whole (temporary file, then rename), old names are removed only after new ones exist, and the
state file is written last, so an interrupted sync leaves every file old or new and a re-run
converges.

Incremental: issues are listed newest-updated first. The first page is requested with the
``ETag`` of the last sync, so an unchanged repository answers 304 (free of rate limit); otherwise
pages are read only until issues older than the last sync appear. The state lives in a small
committed file (``issues/.sync-state.json``), so a fresh clone syncs incrementally too.

Local edits: the state keeps a digest of every file as sync wrote it. A file edited here whose
issue also changed on GitHub is a conflict: it is reported with both versions and left alone.

Push: entries without an issue are opened as issues (with a hidden marker naming their file, so a
retried or interrupted push adopts the issue it already made instead of opening a second one);
local edits of mirrored entries are written back to their issues.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ghdigest import identifiers, schema
from ghdigest.config import Config
from ghdigest.content import YAML_SUFFIXES, load_content
from ghdigest.errors import Diagnostic, OutputError
from ghdigest.github import GitHubApi, GitHubError, RateLimited, WriteOutcomeUnknown
from ghdigest.intake import IssueInput, LabelRules, parse_issue, render_issue
from ghdigest.models import SyncSettings
from ghdigest.output import remove_stale_temporaries, write_text_atomic
from ghdigest.yamlio import DocumentError, dump_document, parse_document

STATE_FILE = ".sync-state.json"
STATE_VERSION = 1
_CREATE_ATTEMPTS = 3
#: Longest pause GitHub may ask for between creates before sync gives up, in seconds.
_MAX_WRITE_WAIT = 300.0

Progress = Callable[[int, "int | None"], None]


# --------------------------------------------------------------------------- state


@dataclass
class Tracked:
    """What sync last wrote for one issue: where, from which version, and a digest of the text."""

    path: str
    updated_at: str
    digest: str
    vanished: bool = False
    """The issue was gone (deleted, transferred, filtered out) when last looked for."""


@dataclass
class SyncState:
    """What the last sync saw; committed beside the content so any clone syncs incrementally."""

    repo: str
    query: str
    issues_etag: str | None = None
    comments_etag: str | None = None
    high_water: str | None = None
    comments_high_water: str | None = None
    tracked: dict[int, Tracked] = field(default_factory=dict)

    def to_json(self) -> str:
        """The state as stable, diff-friendly JSON."""
        data = {
            "version": STATE_VERSION,
            "repo": self.repo,
            "query": self.query,
            "issues_etag": self.issues_etag,
            "comments_etag": self.comments_etag,
            "high_water": self.high_water,
            "comments_high_water": self.comments_high_water,
            "issues": {
                str(number): [t.path, t.updated_at, t.digest, *(["vanished"] if t.vanished else [])]
                for number, t in sorted(self.tracked.items())
            },
        }
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def state_path(config: Config) -> Path:
    """Where the sync state of ``config``'s repository is kept."""
    return config.content_dir / STATE_FILE


def load_state(config: Config) -> SyncState | None:
    """The state of the last sync, or None when there is none or it cannot be used."""
    path = state_path(config)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != STATE_VERSION:
            return None
        tracked = {
            int(number): Tracked(str(entry[0]), str(entry[1]), str(entry[2]), entry[3:] == ["vanished"])
            for number, entry in data["issues"].items()
            # A state file arrives by pull request like any other: never let it point outside issues/.
            if _is_entry_path(str(entry[0]))
        }
        for mark in (
            data.get("high_water"),
            data.get("comments_high_water"),
            *(t.updated_at for t in tracked.values()),
        ):
            if mark is not None:
                _instant(str(mark))
        return SyncState(
            repo=str(data["repo"]),
            query=str(data["query"]),
            issues_etag=data.get("issues_etag"),
            comments_etag=data.get("comments_etag"),
            high_water=data.get("high_water"),
            comments_high_water=data.get("comments_high_water"),
            tracked=tracked,
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        # The state only saves requests: without it sync reads everything and rebuilds it.
        return None


_ENTRY_PATH = re.compile(r"^issues/[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$")


def _is_entry_path(path: str) -> bool:
    """Whether ``path`` names an entry file directly in issues/ (no folder, no '..')."""
    return _ENTRY_PATH.match(path) is not None and ".." not in path


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Change:
    """One file sync writes, renames or deletes."""

    action: Literal["create", "update", "rename", "delete", "skip"]
    path: str
    number: int | None
    text: str | None = None
    old_path: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Conflict:
    """A file edited here whose issue changed on GitHub too; neither side is overwritten."""

    number: int
    path: str
    local_text: str
    remote_text: str
    reason: str

    def diff(self) -> str:
        """Both versions as a unified diff: the local file against the issue's version."""
        lines = difflib.unified_diff(
            self.local_text.splitlines(keepends=True),
            self.remote_text.splitlines(keepends=True),
            fromfile=f"{self.path} (edited here)",
            tofile=f"issue #{self.number} (on GitHub)",
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass(frozen=True)
class Pushed:
    """An issue opened or edited from a local entry."""

    action: Literal["open", "edit", "adopt"]
    path: str
    number: int | None
    title: str


@dataclass
class SyncReport:
    """What a sync did (or, with ``dry_run``, would do)."""

    repo: str
    dry_run: bool
    changes: list[Change] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    pushed: list[Pushed] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    issues_read: int = 0
    pull_requests_skipped: int = 0
    not_modified: bool = False
    requests: int = 0


# --------------------------------------------------------------------------- helpers


def _instant(text: str | None) -> dt.datetime:
    if not text:
        return dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="surrogateescape")).hexdigest()[:32]


def entry_file_name(number: int, fields: dict[str, Any]) -> str:
    """``<number>-<slug>.yml`` from the entry's headline or title, or ``<number>.yml``."""
    name = identifiers.slug(str(fields.get("headline") or fields.get("title") or ""))
    return f"{number}-{name}.yml" if name else f"{number}.yml"


def _named_by_sync(path: str, number: int) -> bool:
    stem = Path(path).stem
    return stem == str(number) or stem.startswith(f"{number}-")


def label_rules(settings: SyncSettings) -> LabelRules:
    """The label conventions configured in ``ghdigest.yml``."""
    return LabelRules(
        kind_prefix=settings.kind_prefix,
        week_prefix=settings.week_prefix,
        status_prefix=settings.status_prefix,
        topic_prefix=settings.topic_prefix,
        pick=settings.pick_label,
        ignore=frozenset(label.lower() for label in settings.ignore_labels),
    )


def _query(settings: SyncSettings) -> str:
    """The listing's parameters; when they change, the next sync reads everything again."""
    return json.dumps(
        {"state": settings.state, "labels": sorted(settings.labels), "comments": settings.comments}, sort_keys=True
    )


def _comment_record(comment: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {"id": int(comment["id"])}
    user = comment.get("user") or {}
    if user.get("login"):
        record["author"] = str(user["login"])
    for key in ("created_at", "updated_at"):
        if comment.get(key):
            record[key] = str(comment[key])
    record["body"] = str(comment.get("body") or "")
    return record


def _issue_number(local: _LocalFile) -> int | None:
    issue = local.data.get("issue") if local.data is not None else None
    number = issue.get("number") if isinstance(issue, dict) else None
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def _same_entry(local: dict[str, Any], remote: dict[str, Any]) -> bool:
    """Whether two entry documents say the same, apart from the issue record and a default status."""

    def content(data: dict[str, Any]) -> dict[str, Any]:
        kept = {k: v for k, v in data.items() if k != "issue"}
        kept.setdefault("status", "selected")
        return kept

    return content(local) == content(remote)


def _issue_number_of_comment(comment: dict[str, Any]) -> int | None:
    tail = str(comment.get("issue_url", "")).rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


@dataclass
class _LocalFile:
    path: str
    text: str
    data: dict[str, Any] | None


class _Workspace:
    """The content folder as sync sees it: files by issue number, unlinked entries, reads cached."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._files: dict[str, _LocalFile | None] = {}
        self._by_number: dict[int, str] | None = None
        self._unlinked: dict[str, str] | None = None
        self._unusable: list[str] | None = None

    def relative(self, path: Path) -> str:
        return path.relative_to(self.config.root).as_posix()

    def read(self, relative: str) -> _LocalFile | None:
        if relative not in self._files:
            path = self.config.root / relative
            try:
                raw = path.read_bytes()
            except OSError:
                self._files[relative] = None
                return None
            data: Any = None
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                # Not UTF-8: someone's edit all the same. Its digest will not match, so it is kept.
                text = raw.decode("utf-8", errors="surrogateescape")
            else:
                # A checkout with CRLF line endings (git's autocrlf) or a BOM is not an edit.
                text = text.replace("\r\n", "\n")
                try:
                    data = parse_document(text, relative).data
                except DocumentError:
                    data = None
            self._files[relative] = _LocalFile(relative, text, data if isinstance(data, dict) else None)
        return self._files[relative]

    def _index(self) -> None:
        self._by_number, self._unlinked, self._unusable = {}, {}, []
        folder = self.config.content_dir
        found = folder.iterdir() if folder.is_dir() else iter(())
        paths = sorted(p for p in found if p.suffix.lower() in YAML_SUFFIXES and not p.name.startswith("."))
        for path in paths:
            relative = self.relative(path)
            local = self.read(relative)
            if local is None or local.data is None:
                self._unusable.append(relative)
                continue
            issue = local.data.get("issue")
            number = issue.get("number") if isinstance(issue, dict) else None
            if isinstance(number, int) and not isinstance(number, bool) and number >= 1:
                self._by_number.setdefault(number, relative)
            elif issue is None:
                self._unlinked[path.stem] = relative
            else:
                self._unusable.append(relative)  # an issue reference that names no issue

    def by_number(self) -> dict[int, str]:
        if self._by_number is None:
            self._index()
        assert self._by_number is not None
        return self._by_number

    def unusable(self) -> list[str]:
        """Entry files that are neither linked to an issue nor ready to be: unreadable, or with a broken ``issue``."""
        if self._unusable is None:
            self._index()
        assert self._unusable is not None
        return self._unusable

    def unlinked(self) -> dict[str, str]:
        """Entry files with no issue yet, by key."""
        if self._unlinked is None:
            self._index()
        assert self._unlinked is not None
        return self._unlinked

    def paper_ids(self) -> dict[str, tuple[int | None, str, str]]:
        """Canonical id → (issue number, path, kind) of every entry with a link that is not skipped."""
        found: dict[str, tuple[int | None, str, str]] = {}
        for relative in sorted({*self.by_number().values(), *self.unlinked().values()}):
            local = self.read(relative)
            if local is None or local.data is None:
                continue
            data = local.data
            url = data.get("url")
            if data.get("status") == "skip" or not isinstance(url, str):
                continue
            issue = data.get("issue")
            number = issue.get("number") if isinstance(issue, dict) else None
            found.setdefault(
                identifiers.canonical_id(url),
                (number if isinstance(number, int) else None, relative, str(data.get("kind"))),
            )
        return found


# --------------------------------------------------------------------------- sync


#: Problems validate reports that keep an entry from being pushed: published, its text would do harm
#: (a URL with a password in it, text that reads in another order than it is written), or its file
#: name could not mark the issue as the entry's.
_NOT_PUSHED = frozenset({"malformed-url", "bidi-control", "invalid-file-name", "reserved-file-name"})


def _not_pushed(path: str, errors: list[Diagnostic]) -> str:
    """The notice for an entry file that is not pushed, with the first of its located errors."""
    first = f": {errors[0].format()}" if errors else ""
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{path} is not pushed: it is not a valid entry{first}{more}; run ghdigest validate"


class _Sync:
    def __init__(
        self, config: Config, api: GitHubApi, *, dry_run: bool, push: bool, full: bool, progress: Progress | None
    ) -> None:
        self.config = config
        self.api = api
        self.settings = config.settings.sync
        self.rules = dataclasses.replace(label_rules(self.settings), week_scheme=config.settings.week_scheme)
        self.dry_run = dry_run
        self.push = push
        self.progress = progress
        self.workspace = _Workspace(config)
        self.report = SyncReport(repo=api.repo, dry_run=dry_run)
        query = _query(self.settings)
        old = load_state(config)
        if old is None or old.repo.lower() != api.repo.lower():
            # Digests of another repository's files say nothing about these; start over.
            self.state = SyncState(repo=api.repo, query=query)
        else:
            self.state = old
        self.fresh = full or old is None or old.repo.lower() != api.repo.lower() or old.query != query
        if self.fresh:
            self.state.query = query
        self.writes: dict[str, str] = {}
        self.deletes: set[str] = set()
        self.hold_back: list[str] = []  # updated_at of issues that must be read again next time
        self.seen: set[int] = set()
        self.markers: dict[str, dict[str, Any]] = {}
        self.duplicates: dict[str, tuple[int | None, str, str]] = {}
        self.complete_comments: set[int] = set()  # issues whose comments were all read in this run
        self._content_errors: dict[str, list[Diagnostic]] | None = None

    # ----------------------------------------------------------------- listing

    def _list_all(
        self, path: str, params: dict[str, str], etag: str | None, stop_before: str | None
    ) -> tuple[list[dict[str, Any]], str | None, bool, bool]:
        """Items newest-updated first: (items, first page's ETag, not modified, read to the end)."""
        page = self.api.list_page(path, params, etag)
        if page.not_modified:
            return [], etag, True, False
        first_etag = page.etag
        items: list[dict[str, Any]] = []
        done = 0
        stop = _instant(stop_before) if stop_before else None
        while True:
            items.extend(page.items)
            done += 1
            if self.progress:
                self.progress(done, page.last_page)
            reached_known = stop is not None and any(_instant(i.get("updated_at")) < stop for i in page.items)
            if page.next_url is None:
                return items, first_etag, False, True
            if reached_known:
                return items, first_etag, False, False
            page = self.api.list_page(page.next_url, {}, None)

    def _issue_params(self) -> dict[str, str]:
        params = {"state": self.settings.state, "sort": "updated", "direction": "desc", "per_page": "100"}
        if self.settings.labels:
            params["labels"] = ",".join(self.settings.labels)
        return params

    # ----------------------------------------------------------------- documents

    def _intake(self, issue: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        labels = tuple(str(label["name"] if isinstance(label, dict) else label) for label in issue.get("labels", []))
        intake = parse_issue(
            IssueInput(str(issue.get("title") or ""), issue.get("body"), labels, issue.get("created_at")),
            self.rules,
            default_kind=self.settings.default_kind,
            ready_status=self.settings.ready_status,
        )
        fields = dict(intake.fields)
        if schema.validate("entry", fields):
            # A reading the schema refuses is a bug of ours; the issue's text must still not be lost.
            self.report.notices.append(f"issue #{issue.get('number')} could not be read; kept as an inbox entry")
            fields = {"kind": self.settings.default_kind, "status": "inbox"}
            if issue.get("body"):
                fields["notes"] = {"Text": str(issue["body"])}
        return fields, intake.marker

    def _issue_ref(self, issue: dict[str, Any], comments: list[dict[str, Any]] | None) -> dict[str, Any]:
        ref: dict[str, Any] = {"number": int(issue["number"])}
        url = issue.get("html_url")
        if isinstance(url, str) and identifiers.url_problem(url) is None:
            ref["url"] = url
        if issue.get("state") in ("open", "closed"):
            ref["state"] = issue["state"]
        if issue.get("updated_at"):
            ref["updated_at"] = str(issue["updated_at"])
        if comments:
            ref["comments"] = comments
        return ref

    # ----------------------------------------------------------------- pull

    def run(self) -> SyncReport:
        items, etag, not_modified, read_to_end = self._list_all(
            "/issues",
            self._issue_params(),
            None if self.fresh else self.state.issues_etag,
            None if self.fresh else self.state.high_water,
        )
        self.report.not_modified = not_modified
        comments_by_issue: dict[int, list[dict[str, Any]]] = {}
        comment_items: list[dict[str, Any]] = []
        comments_etag = self.state.comments_etag
        if self.settings.comments:
            comment_items, comments_etag, _, _ = self._list_all(
                "/issues/comments",
                {"sort": "updated", "direction": "desc", "per_page": "100"},
                None if self.fresh else self.state.comments_etag,
                None if self.fresh else self.state.comments_high_water,
            )
            self.report.not_modified = self.report.not_modified and not comment_items
            for comment in comment_items:
                number = _issue_number_of_comment(comment)
                if number is not None:
                    comments_by_issue.setdefault(number, []).append(_comment_record(comment))

        issues = [i for i in items if "pull_request" not in i]
        self.report.pull_requests_skipped = len(items) - len(issues)
        self.report.issues_read = len(issues)
        newest: dict[int, dict[str, Any]] = {}
        for issue in issues:  # a page shift can list one issue twice; keep its newest version
            number = int(issue["number"])
            if number not in newest or _instant(issue.get("updated_at")) > _instant(newest[number].get("updated_at")):
                newest[number] = issue
        self.seen = set(newest)
        self.duplicates = self.workspace.paper_ids() if newest else {}
        if self.settings.comments:
            self._complete_comments(newest, comments_by_issue)
        for number in sorted(newest):
            self._pull_issue(newest[number], comments_by_issue.pop(number, None), self.duplicates)
        for number, comments in sorted(comments_by_issue.items()):
            self._pull_comments(number, comments)

        if not not_modified:
            oldest = min((_instant(i.get("updated_at")) for i in items), default=None)
            self._find_vanished(oldest, read_to_end)
        if self.push:
            self._push()

        # The new marks: what this run saw, held back to any issue that must be read again.
        new_high = max((str(i["updated_at"]) for i in items if i.get("updated_at")), key=_instant, default=None)
        if new_high is not None and (
            self.state.high_water is None or _instant(new_high) > _instant(self.state.high_water)
        ):
            self.state.high_water = new_high
        new_comments_high = max(
            (str(c["updated_at"]) for c in comment_items if c.get("updated_at")), key=_instant, default=None
        )
        if new_comments_high is not None and (
            self.state.comments_high_water is None
            or _instant(new_comments_high) > _instant(self.state.comments_high_water)
        ):
            self.state.comments_high_water = new_comments_high
        if self.hold_back:
            earliest = min(self.hold_back, key=_instant)
            if self.state.high_water is None or _instant(earliest) < _instant(self.state.high_water):
                self.state.high_water = earliest
            self.state.issues_etag = None
        else:
            self.state.issues_etag = etag
        self.state.comments_etag = comments_etag if self.settings.comments else None
        if self.report.conflicts and self.settings.comments:
            self.state.comments_etag = None
        self._apply()
        return self.report

    def _current_path(self, number: int, marker: str | None) -> str | None:
        tracked = self.state.tracked.get(number)
        if tracked and (self.config.root / tracked.path).is_file():
            return tracked.path
        found = self.workspace.by_number().get(number)
        if found:
            return found
        if marker and marker in self.workspace.unlinked():
            return self.workspace.unlinked()[marker]
        return None

    def _pull_issue(
        self,
        issue: dict[str, Any],
        new_comments: list[dict[str, Any]] | None,
        duplicates: dict[str, tuple[int | None, str, str]],
    ) -> None:
        number = int(issue["number"])
        fields, marker = self._intake(issue)
        if marker:
            self.markers[marker] = issue
        tracked = self.state.tracked.get(number)
        current = self._current_path(number, marker)
        local = self.workspace.read(current) if current else None
        old_comments = self._local_comments(local)
        comments = self._merged_comments(old_comments, new_comments, complete=number in self.complete_comments)

        if (
            local is not None
            and local.data is not None
            and "issue" not in local.data
            and marker == Path(current or "").stem
        ):
            # An issue this repository opened from the entry: an earlier push stopped before it
            # could record the issue in the file. Link them.
            self._adopt(number, current or "", local, issue, comments)
            return

        target = (
            current if current and not _named_by_sync(current, number) else f"issues/{entry_file_name(number, fields)}"
        )
        self._mark_duplicate(number, fields, duplicates, target)
        fields["issue"] = self._issue_ref(issue, comments)
        remote_text = dump_document(fields)
        updated_at = str(issue.get("updated_at", ""))
        if target != current and (target in self.writes or (self.config.root / target).exists()):
            other = self.workspace.read(target)
            if target not in self.writes and other is not None and _issue_number(other) == number:
                # This issue's own file under its new name: a rename cut short before the old
                # name was removed. Finish it.
                self._write(number, target, remote_text, updated_at, "update", old_path=current)
                return
            self.report.conflicts.append(
                Conflict(
                    number, target, other.text if other else "", remote_text, "another entry already has this file name"
                )
            )
            self.hold_back.append(updated_at)
            return
        if local is None:
            self._write(number, target, remote_text, updated_at, "create", old_path=None)
            return
        assert current is not None
        if local.text == remote_text or self._unedited(number, local, remote_text):
            self._write(number, target, remote_text, updated_at, "update", old_path=current)
            return
        changed_remotely = tracked is None or tracked.updated_at != updated_at or comments != (old_comments or None)
        if not changed_remotely:
            return  # edited here, unchanged on GitHub: kept (and written back by --push)
        if local.data is not None and _same_entry(local.data, fields):
            # GitHub already says what the file says (a push cut short, or the change copied into
            # the issue by hand): take the issue's version.
            self._write(number, target, remote_text, updated_at, "update", old_path=current)
            return
        self.report.conflicts.append(
            Conflict(number, current, local.text, remote_text, "edited here since the last sync, and changed on GitHub")
        )
        self.hold_back.append(updated_at)

    def _adopt(
        self, number: int, path: str, local: _LocalFile, issue: dict[str, Any], comments: list[dict[str, Any]] | None
    ) -> None:
        """Link an entry to the issue a cut-short push opened for it, as if that push had finished."""
        pulled = self._pulled_text(issue, comments)
        updated_at = str(issue.get("updated_at", ""))
        if self._reads_as(local, issue):
            # The issue says what the file says: write what the finished push would have written.
            self._write(number, path, pulled, updated_at, "adopt")
            return
        # Edited since that push: keep the text, linked, and count it as edited so the next
        # --push sends it (and a change on GitHub meanwhile is a conflict, not an overwrite).
        adopted = dict(local.data or {})
        adopted["issue"] = self._issue_ref(issue, comments)
        self._write(number, path, dump_document(adopted), updated_at, "adopt")
        self.state.tracked[number] = Tracked(path, updated_at, _digest(pulled))

    def _reads_as(self, local: _LocalFile, issue: dict[str, Any]) -> bool:
        """Whether pushing ``local`` now would give an issue that reads as ``issue`` does."""
        fields = self._pushable(local, quiet=True)
        if fields is None:
            return False
        try:
            rendered = render_issue(fields, self.rules, marker=Path(local.path).stem)
        except ValueError:
            return False
        as_pushed = {
            **issue,
            "title": rendered.title,
            "body": rendered.body,
            "labels": self._labels(rendered.labels, issue.get("labels", [])),
        }
        return self._intake(as_pushed) == self._intake(issue)

    def _pulled_text(self, issue: dict[str, Any], comments: list[dict[str, Any]] | None) -> str:
        """The file sync writes for ``issue``: what a pull of it writes, so a push and a pull agree."""
        fields, _ = self._intake(issue)
        fields["issue"] = self._issue_ref(issue, comments)
        return dump_document(fields)

    def _unedited(self, number: int, local: _LocalFile, remote_text: str) -> bool:
        """Whether the file is as sync last wrote it (so it may be replaced)."""
        tracked = self.state.tracked.get(number)
        if tracked is not None:
            return _digest(local.text) == tracked.digest
        # No record (state lost or never committed): the file counts as unedited only if it
        # already equals what sync writes for this version of the issue.
        return local.text == remote_text

    def _local_comments(self, local: _LocalFile | None) -> list[dict[str, Any]]:
        if local is None or local.data is None or not isinstance(local.data.get("issue"), dict):
            return []
        comments = local.data["issue"].get("comments")
        return (
            [c for c in comments if isinstance(c, dict) and isinstance(c.get("id"), int)]
            if isinstance(comments, list)
            else []
        )

    def _complete_comments(
        self, issues: dict[int, dict[str, Any]], comments_by_issue: dict[int, list[dict[str, Any]]]
    ) -> None:
        """Read again, in one repository-wide listing, the comments of issues whose count does not add up.

        The incremental comment listing misses comments older than the last sync (an issue that
        just entered the label filter, a file deleted to take the issue's version) and never shows
        deleted ones; GitHub's comment count on the issue tells which issues need a full list.
        """
        short = []
        for number, issue in issues.items():
            current = self._current_path(number, None)
            local = self.workspace.read(current) if current else None
            known = self._merged_comments(self._local_comments(local), comments_by_issue.get(number)) or []
            if isinstance(issue.get("comments"), int) and issue["comments"] != len(known):
                short.append(number)
        if not short:
            return
        since = min((str(issues[n].get("created_at") or "") for n in short), key=_instant)
        params = {"sort": "created", "direction": "asc", "per_page": "100"}
        if since:
            params["since"] = since
        items, _, _, _ = self._list_all("/issues/comments", params, None, None)
        complete: dict[int, list[dict[str, Any]]] = {n: [] for n in short}
        for comment in items:
            owner = _issue_number_of_comment(comment)
            if owner is not None and owner in complete:
                complete[owner].append(_comment_record(comment))
        for number, comments in complete.items():
            comments_by_issue[number] = comments
            self.complete_comments.add(number)

    def _merged_comments(
        self, old: list[dict[str, Any]], new: list[dict[str, Any]] | None, *, complete: bool = False
    ) -> list[dict[str, Any]] | None:
        if not self.settings.comments:
            return None
        merged = {} if complete else {int(c["id"]): c for c in old}
        for comment in new or []:
            merged[int(comment["id"])] = comment
        return [merged[key] for key in sorted(merged)] or None

    def _mark_duplicate(
        self, number: int, fields: dict[str, Any], known: dict[str, tuple[int | None, str, str]], path: str
    ) -> None:
        """Give a later copy of a paper (the same link as an earlier entry, one of them a paper) status skip."""
        url = fields.get("url")
        if fields.get("status") == "skip" or not isinstance(url, str):
            return
        paper = identifiers.canonical_id(url)
        kind = str(fields.get("kind"))
        other = known.get(paper)
        if other is None or other[0] == number:
            known[paper] = (number, path, kind)
            return
        other_number, other_path, other_kind = other
        if "paper" not in (kind, other_kind):
            return  # two articles with one link: validate warns, nothing is skipped
        if other_number is not None and other_number > number and other_path.startswith("issues/"):
            # This issue is the earlier one: it owns the paper now, and the later entry is the copy.
            known[paper] = (number, path, kind)
            if other_number not in self.seen:  # not listed this time, so not marked in its turn
                self._skip_copy(other_number, other_path, paper, path)
            return
        fields["status"] = "skip"
        self.report.notices.append(
            f"issue #{number} is the same paper ({paper}) as {other_path}; its entry is kept with status skip"
        )

    def _skip_copy(self, number: int, path: str, paper: str, original: str) -> None:
        tracked = self.state.tracked.get(number)
        local = self.workspace.read(path)
        if tracked is None or local is None or local.data is None or _digest(local.text) != tracked.digest:
            return  # edited here: left for validate to report
        data = dict(local.data)
        data["status"] = "skip"
        self.report.notices.append(
            f"issue #{number} is the same paper ({paper}) as {original}; its entry is kept with status skip"
        )
        self._write(number, path, dump_document(data), tracked.updated_at, "update", old_path=path)

    def _pull_comments(self, number: int, comments: list[dict[str, Any]]) -> None:
        """Comments changed on an issue that itself did not show up as changed."""
        tracked = self.state.tracked.get(number)
        if tracked is None:
            return  # not an entry (a pull request, or outside the label filter)
        local = self.workspace.read(tracked.path)
        if local is None or local.data is None or not isinstance(local.data.get("issue"), dict):
            return
        data = dict(local.data)
        ref = dict(data["issue"])
        merged = self._merged_comments(self._local_comments(local), comments)
        if merged:
            ref["comments"] = merged
        data["issue"] = ref
        text = dump_document(data)
        if text == local.text:
            return
        if _digest(local.text) != tracked.digest:
            self.report.conflicts.append(
                Conflict(number, tracked.path, local.text, text, "edited here since the last sync; comments changed")
            )
            self.hold_back.append(tracked.updated_at)
            return
        self._write(number, tracked.path, text, tracked.updated_at, "update", old_path=tracked.path)

    def _write(self, number: int, path: str, text: str, updated_at: str, how: str, old_path: str | None = None) -> None:
        local = self.workspace.read(path) if (self.config.root / path).exists() else None
        moved = old_path is not None and old_path != path
        if local is not None and local.text == text and not moved:
            self.state.tracked[number] = Tracked(path, updated_at, _digest(text))
            return
        if moved:
            assert old_path is not None
            self.report.changes.append(Change("rename", path, number, text, old_path=old_path))
            self.deletes.add(old_path)
        elif how == "create" and local is None:
            self.report.changes.append(Change("create", path, number, text))
        else:
            self.report.changes.append(Change("update", path, number, text, note=how if how == "adopt" else ""))
        self.writes[path] = text
        self.state.tracked[number] = Tracked(path, updated_at, _digest(text))

    # ----------------------------------------------------------------- vanished

    def _find_vanished(self, oldest_listed: dt.datetime | None, complete: bool) -> None:
        """Issues sync mirrors that the listing should have shown and did not."""
        candidates = []
        for number, tracked in sorted(self.state.tracked.items()):
            if number in self.seen or tracked.vanished:
                continue
            if complete or (oldest_listed is not None and _instant(tracked.updated_at) >= oldest_listed):
                candidates.append(number)
        for number in candidates:
            lookup = self.api.get_issue(number)
            if lookup.status == "found" and lookup.issue is not None and self._selected(lookup.issue):
                # Still an entry: missed by the listing because it changed while pages were read.
                self.seen.add(number)
                self._pull_issue(lookup.issue, None, self.duplicates)
                continue
            if lookup.status == "found":
                why = "no longer matches the sync label filter or state"
            else:
                why = {"deleted": "was deleted", "moved": "was transferred", "missing": "no longer exists"}[
                    lookup.status
                ]
            self._vanished(number, why)

    def _selected(self, issue: dict[str, Any]) -> bool:
        """Whether the listing's filter (state, labels) takes ``issue``."""
        if "pull_request" in issue:
            return False
        if self.settings.state != "all" and issue.get("state") != self.settings.state:
            return False
        names = {str(label.get("name", "")).lower() for label in issue.get("labels", []) if isinstance(label, dict)}
        return all(label.lower() in names for label in self.settings.labels)

    def _vanished(self, number: int, why: str) -> None:
        tracked = self.state.tracked[number]
        # Still tracked (marked vanished), so that if the issue comes back the file sync left is
        # known as sync's own and not taken for a local edit.
        self.state.tracked[number] = Tracked(tracked.path, tracked.updated_at, tracked.digest, vanished=True)
        local = self.workspace.read(tracked.path)
        how = self.settings.vanished
        if local is None:
            return
        if how == "keep" or local.data is None:
            self.report.notices.append(f"issue #{number} {why}; {tracked.path} is kept as it is")
        elif how == "delete" and _digest(local.text) == tracked.digest:
            self.report.notices.append(f"issue #{number} {why}; {tracked.path} is deleted")
            self.report.changes.append(Change("delete", tracked.path, number))
            self.deletes.add(tracked.path)
            del self.state.tracked[number]
        elif how == "delete":
            self.report.notices.append(f"issue #{number} {why}; {tracked.path} was edited here, so it is kept")
        elif local.data.get("status") != "skip":
            data = dict(local.data)
            data["status"] = "skip"
            text = dump_document(data)
            self.report.notices.append(f"issue #{number} {why}; {tracked.path} now has status skip")
            self.report.changes.append(Change("skip", tracked.path, number, text))
            self.writes[tracked.path] = text
            if _digest(local.text) == tracked.digest:
                self.state.tracked[number] = Tracked(tracked.path, tracked.updated_at, _digest(text), vanished=True)

    # ----------------------------------------------------------------- push

    def _push(self) -> None:
        for number, tracked in sorted(self.state.tracked.items()):
            if any(c.number == number for c in self.report.conflicts) or tracked.path in self.writes:
                continue
            local = self.workspace.read(tracked.path)
            if local is None or _digest(local.text) == tracked.digest:
                continue
            self._push_edit(number, tracked, local)
        for key, relative in sorted(self.workspace.unlinked().items()):
            if relative in self.writes:
                continue  # adopted during the pull
            local = self.workspace.read(relative)
            if local is not None:
                self._push_new(key, local)
        for relative in self.workspace.unusable():
            errors = self._errors_of(relative)
            if errors:  # say why, rather than leave it out without a word
                self.report.notices.append(_not_pushed(relative, errors))

    def _errors_of(self, path: str) -> list[Diagnostic]:
        """The errors validate finds in the file at ``path`` (relative to ROOT), the whole content read once."""
        if self._content_errors is None:
            self._content_errors = {}
            for diagnostic in load_content(self.config).errors:
                self._content_errors.setdefault(diagnostic.location.path, []).append(diagnostic)
        return self._content_errors.get(path, [])

    def _pushable(self, local: _LocalFile, *, quiet: bool = False) -> dict[str, Any] | None:
        data = local.data
        # An entry still in the works (no week yet, say) is pushed for people to see; one with a problem
        # of _NOT_PUSHED is not, nor one that is not an entry at all.
        errors = self._errors_of(local.path)
        harmful = [error for error in errors if error.code in _NOT_PUSHED]
        if data is None or harmful or schema.validate("entry", data):
            if not quiet:
                self.report.notices.append(_not_pushed(local.path, harmful or errors))
            return None
        fields = {k: v for k, v in data.items() if k != "issue"}
        if "status" not in fields and self.settings.ready_status != "selected":
            # Issues without a status label are read as ready_status; say what the file means.
            fields["status"] = "selected"
        return fields

    def _labels(self, rendered: list[str] | tuple[str, ...], current: list[Any] | None = None) -> list[str]:
        """Labels for a pushed issue: the rendered ones, the sync filter's, and control labels it has."""
        labels = list(rendered)
        wanted = {*(label.lower() for label in self.settings.labels), *self.rules.ignore}
        have = {label.lower() for label in labels}
        for label in self.settings.labels:
            if label.lower() not in have:
                labels.append(label)
                have.add(label.lower())
        for label in current or []:
            name = str(label.get("name", "")) if isinstance(label, dict) else str(label)
            if name.lower() in wanted and name.lower() not in have:
                labels.append(name)
                have.add(name.lower())
        return labels

    def _push_edit(self, number: int, tracked: Tracked, local: _LocalFile) -> None:
        fields = self._pushable(local)
        if fields is None:
            return
        rendered = render_issue(fields, self.rules)
        if self.dry_run:
            self.report.pushed.append(Pushed("edit", tracked.path, number, rendered.title))
            return
        lookup = self.api.get_issue(number)
        if lookup.status != "found" or lookup.issue is None:
            self.report.notices.append(f"issue #{number} cannot be edited: it {lookup.status}")
            return
        current = lookup.issue
        if str(current.get("updated_at")) != tracked.updated_at:
            remote_fields, _ = self._intake(current)
            remote_fields["issue"] = self._issue_ref(current, None)
            self.report.conflicts.append(
                Conflict(number, tracked.path, local.text, dump_document(remote_fields), "changed on GitHub meanwhile")
            )
            self.hold_back.append(str(current.get("updated_at")))
            return
        updated = self.api.update_issue(
            number,
            {
                "title": rendered.title,
                "body": rendered.body,
                "labels": self._labels(rendered.labels, current.get("labels", [])),
            },
        )
        self.report.pushed.append(Pushed("edit", tracked.path, number, rendered.title))
        pulled = self._pulled_text(updated, self._local_comments(local) or None)
        self._write(number, tracked.path, pulled, str(updated.get("updated_at", "")), "update")

    def _push_new(self, key: str, local: _LocalFile) -> None:
        fields = self._pushable(local)
        if fields is None:
            return
        try:
            rendered = render_issue(fields, self.rules, marker=key)
        except ValueError as exc:
            self.report.notices.append(f"{local.path} is not pushed: {exc}")
            return
        if self.dry_run:
            self.report.pushed.append(Pushed("open", local.path, None, rendered.title))
            return
        issue = self.markers.get(key)
        action: Literal["open", "adopt"] = "adopt"
        attempt = 0
        while issue is None:
            attempt += 1
            try:
                issue = self.api.create_issue(rendered.title, rendered.body, self._labels(rendered.labels))
                action = "open"
            except RateLimited as exc:
                # Asked to wait longer than sync waits: give up now, rather than ask again too early.
                if attempt >= _CREATE_ATTEMPTS or exc.wait > _MAX_WRITE_WAIT:
                    raise
                time.sleep(exc.wait)
            except WriteOutcomeUnknown:
                # Never create blindly a second time: look for the marker first.
                issue = self._find_marked(key)
                if issue is None and attempt >= _CREATE_ATTEMPTS:
                    raise GitHubError(
                        f"could not open an issue for {local.path}: GitHub did not answer; run sync --push again"
                    ) from None
        number = int(issue["number"])
        self.report.pushed.append(Pushed(action, local.path, number, rendered.title))
        self._write(number, local.path, self._pulled_text(issue, None), str(issue.get("updated_at", "")), "update")
        self.seen.add(number)

    def _find_marked(self, key: str) -> dict[str, Any] | None:
        params = {"state": "all", "sort": "created", "direction": "desc", "per_page": "100"}
        page = self.api.list_page("/issues", params, None)
        for issue in page.items:
            if "pull_request" in issue:
                continue
            _, marker = self._intake(issue)
            if marker is not None:
                self.markers[marker] = issue
        return self.markers.get(key)

    # ----------------------------------------------------------------- apply

    def _apply(self) -> None:
        if self.dry_run:
            return
        root = self.config.root
        try:
            remove_stale_temporaries(self.config.content_dir)  # left by a sync killed mid-write
            for relative in sorted(self.writes):
                write_text_atomic(root / relative, self.writes[relative])
            # Old names go only once the new files exist: an interruption leaves a copy, never a loss.
            for relative in sorted(self.deletes - set(self.writes)):
                (root / relative).unlink(missing_ok=True)
            write_text_atomic(state_path(self.config), self.state.to_json())
        except OSError as exc:
            raise OutputError(f"cannot write {exc.filename or root}: {exc.strerror or exc}") from exc


def sync(
    config: Config,
    api: GitHubApi,
    *,
    dry_run: bool = False,
    push: bool = False,
    full: bool = False,
    progress: Progress | None = None,
) -> SyncReport:
    """Mirror ``api``'s issues into the content folder (and, with ``push``, local entries back)."""
    report = _Sync(config, api, dry_run=dry_run, push=push, full=full, progress=progress).run()
    report.requests = getattr(api, "requests_made", 0)
    return report
