"""The ``ghdigest`` command line: parse options, call the library, report, exit with a code.

Exit codes: 0 success; 1 ran and found problems; 2 could not run (usage, configuration,
unwritable output, or an unexpected error).
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlsplit

import click

from ghdigest import __version__, identifiers, plan
from ghdigest.config import Config, find_root, load_config
from ghdigest.content import load_content
from ghdigest.errors import (
    ConfigError,
    ContentError,
    Diagnostic,
    GhdigestError,
    NothingToBuild,
    OutputError,
    Severity,
    one_line_message,
    redact,
    sorted_diagnostics,
)
from ghdigest.forms import issue_forms
from ghdigest.models import Kind, LinkSettings
from ghdigest.output import write_text_atomic, write_tree
from ghdigest.schema import load_schema
from ghdigest.weeks import WeekError
from ghdigest.yamlio import dump_document

if TYPE_CHECKING:
    from ghdigest.publish import ReleaseReport
    from ghdigest.sync import SyncReport

# Commands import what only they need (GitHub client, HTTP client, scaffolding) when they run:
# every command starts faster, and check-links runs on machines without the others' needs loaded.

EXIT_OK, EXIT_PROBLEMS, EXIT_CANNOT_RUN = 0, 1, 2

F = TypeVar("F", bound=Callable[..., Any])


class Reporter:
    """Turns diagnostics into text for people, JSON for scripts, annotations for GitHub Actions."""

    def __init__(self, root: Path | None) -> None:
        self.root = root

    def display_path(self, relative: str) -> str:
        """A diagnostic's path as the user should see it: relative to the current folder when inside it."""
        return relative if self.root is None else _shown(self.root / relative)

    def line(self, diagnostic: Diagnostic) -> str:
        """``path:line:col: severity: message [code]``."""
        return diagnostic.format(path=self.display_path(diagnostic.location.path))

    def annotation(self, diagnostic: Diagnostic) -> str:
        """A GitHub Actions workflow command that puts the diagnostic on the file's line."""

        def prop(value: str) -> str:
            return _escape_command(value).replace(":", "%3A").replace(",", "%2C")

        loc = diagnostic.location
        level = "error" if diagnostic.is_error else "warning"
        return (
            f"::{level} file={prop(self.display_path(loc.path))},line={loc.line},col={loc.column},"
            f"title={prop(diagnostic.code)}::{_escape_command(diagnostic.message)}"
        )

    def as_json(self, diagnostic: Diagnostic) -> dict[str, Any]:
        """The diagnostic as the JSON object scripts read."""
        loc = diagnostic.location
        return {
            "path": self.display_path(loc.path),
            "line": loc.line,
            "column": loc.column,
            "severity": diagnostic.severity.value,
            "code": diagnostic.code,
            "message": diagnostic.message,
        }

    def emit(self, diagnostics: Iterable[Diagnostic], *, err: bool) -> None:
        """Print diagnostics as text, with GitHub annotations when running in GitHub Actions."""
        in_actions = os.environ.get("GITHUB_ACTIONS") == "true"
        for diagnostic in diagnostics:
            click.echo(self.line(diagnostic), err=err)
            if in_actions:
                click.echo(self.annotation(diagnostic))


def _escape_command(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _summary(diagnostics: list[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    warnings = len(diagnostics) - errors
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def _fail(message: str, code: int) -> click.exceptions.Exit:
    click.echo(f"ghdigest: error: {_hide_token(message)}", err=True)
    return click.exceptions.Exit(code)


def _hide_token(text: str) -> str:
    """``text`` without the token of GITHUB_TOKEN or GH_TOKEN: the last guard for messages and tracebacks.

    Whatever an error says can come from anywhere (a library's message, a value a server sent back),
    and this is where it reaches a CI log.
    """
    return redact(text, (os.environ.get("GITHUB_TOKEN"), os.environ.get("GH_TOKEN")))


def handle_errors(command: F) -> F:
    """Map ghdigest's errors to messages and exit codes; never show a bare traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        try:
            return command(*args, **kwargs)
        except ConfigError as exc:
            reporter = Reporter(ctx.meta.get("ghdigest.root"))
            click.echo(f"ghdigest: error: {exc}", err=True)
            reporter.emit(exc.diagnostics, err=True)
            raise click.exceptions.Exit(EXIT_CANNOT_RUN) from None
        except ContentError as exc:
            reporter = Reporter(ctx.meta.get("ghdigest.root"))
            reporter.emit(exc.diagnostics, err=True)
            click.echo(f"ghdigest: {_summary(exc.diagnostics)}; nothing was written", err=True)
            raise click.exceptions.Exit(EXIT_PROBLEMS) from None
        except NothingToBuild as exc:
            raise _fail(str(exc), EXIT_PROBLEMS) from None
        except (OutputError, GhdigestError) as exc:
            raise _fail(str(exc), EXIT_CANNOT_RUN) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # the promise: a short message, never a bare traceback
            if ctx.find_root().params.get("debug"):
                click.echo(_hide_token(traceback.format_exc()), err=True, nl=False)
            raise _fail(
                f"unexpected {type(exc).__name__}: {exc} (rerun with --debug for details)", EXIT_CANNOT_RUN
            ) from None

    return wrapper  # type: ignore[return-value]  # wraps() keeps the signature click reads


def _config(root_arg: Path | None) -> Config:
    root = root_arg.resolve() if root_arg is not None else find_root(Path.cwd())
    click.get_current_context().meta["ghdigest.root"] = root
    return load_config(root)


ROOT_ARGUMENT = click.argument(
    "root", required=False, type=click.Path(file_okay=False, path_type=Path), metavar="[ROOT]"
)
API_URL_OPTION = click.option(
    "--api-url",
    metavar="URL",
    default=None,
    help="GitHub API base (default: $GITHUB_API_URL, else https://api.github.com).",
)


def _api_base(option: str | None) -> str:
    """The API base from ``--api-url``, else $GITHUB_API_URL, else GitHub's; a usage error unless it is http(s)."""
    from ghdigest.github import api_url_from

    url = api_url_from(option)
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # an unreadable port or IPv6 address
        usable = False
    if not usable:
        given = "--api-url" if option else "GITHUB_API_URL"
        shown = _hide_token(identifiers.without_user_info(url))  # the token may be anywhere in it
        raise click.UsageError(
            f"{given} must be an http or https address with a host, such as https://api.github.com; got {shown!r}"
        )
    return url


def format_option(text_help: str, json_help: str) -> Callable[[F], F]:
    """The ``--format text|json`` option (``output_format``), described for one command."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help=f"text: {text_help}; json: {json_help}.",
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="ghdigest")
@click.option("--debug", is_flag=True, help="Show a full traceback when something unexpected fails.")
def main(debug: bool) -> None:
    """Compile weekly paper digests from entries kept as GitHub issues or YAML files.

    ROOT is a digest repository: a folder holding ghdigest.yml and an issues/ folder of
    entries. It defaults to the nearest folder, from the current one upward, holding ghdigest.yml.

    Exit codes: 0 success, 1 problems found, 2 could not run.
    """


_NO_CACHE_OPTION = click.option(
    "--no-cache",
    is_flag=True,
    help="Do everything afresh, without .ghdigest/build.json (kept per machine, it spares reading files whose "
    "bytes are unchanged and, for build, rendering weeks whose inputs and files are unchanged).",
)


@main.command()
@ROOT_ARGUMENT
@format_option("one line per problem", '{"diagnostics": [...]} on stdout')
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@_NO_CACHE_OPTION
@handle_errors
def validate(root: Path | None, output_format: str, strict: bool, no_cache: bool) -> None:
    """Check every content file and report every problem, located as path:line:col.

    Checks the schema of each entry and digest file, then what a schema cannot: duplicate
    papers across the archive (one arXiv id however it is written), malformed links,
    papers without a link, unknown sections, impossible weeks. When GITHUB_ACTIONS=true,
    problems are also printed as workflow annotations.
    """
    _collect_garbage_rarely()
    from ghdigest.buildcache import open_cache
    from ghdigest.render.markdown import check_templates

    try:
        config = _config(root)
    except ConfigError as exc:
        if output_format != "json":
            raise
        reporter = Reporter(click.get_current_context().meta.get("ghdigest.root"))
        click.echo(json.dumps({"diagnostics": [reporter.as_json(d) for d in exc.diagnostics]}, ensure_ascii=False))
        click.echo(f"ghdigest: error: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_CANNOT_RUN) from None
    cache = None if no_cache else open_cache(config)
    content = load_content(config, cache)
    if cache is not None:
        cache.save()
    template_problems = check_templates(config.templates_dir, config.settings.templates.strip("/"))
    diagnostics = sorted_diagnostics([*content.diagnostics, *template_problems])
    reporter = Reporter(config.root)
    if output_format == "json":
        payload = {"diagnostics": [reporter.as_json(d) for d in diagnostics]}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        reporter.emit(diagnostics, err=False)
    click.echo(f"ghdigest: checked {content.files_read} content file(s): {_summary(diagnostics)}", err=True)
    failing = any(d.is_error or strict for d in diagnostics)
    sys.exit(EXIT_PROBLEMS if failing else EXIT_OK)


@main.command(name="build")
@ROOT_ARGUMENT
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write to (default: the 'output' setting, dist/ under ROOT).",
)
@click.option(
    "--week",
    "week_id",
    metavar="WEEK",
    default=None,
    help="Build only this week, such as 2020-W38 (the index is not rewritten).",
)
@_NO_CACHE_OPTION
@handle_errors
def build_command(root: Path | None, out_dir: Path | None, week_id: str | None, no_cache: bool) -> None:
    """Compile each week's digest into OUT/<week>.md, plus OUT/index.md, the archive.

    The content is checked first: on any error the problems are printed, the exit code
    is 1 and nothing is written. Output is the same, byte for byte, on every rebuild.

    A rebuild reads again only the files that changed and renders again only the weeks they
    touch, from .ghdigest/build.json under ROOT (files whose bytes are unchanged, weeks whose
    inputs and output files are unchanged); files an earlier build wrote for weeks or entries
    that are gone are removed. --no-cache does everything afresh.
    """
    _collect_garbage_rarely()
    from ghdigest.build import build

    config = _config(root)
    week = None
    if week_id is not None:
        try:
            week = config.parse_week(week_id)
        except WeekError as exc:
            raise click.BadParameter(str(exc), param_hint="--week") from None
    result = build(config, out_dir, week, use_cache=not no_cache)
    Reporter(config.root).emit(result.warnings, err=True)
    weeks = ", ".join(result.weeks) if len(result.weeks) <= 3 else f"{result.weeks[0]} … {result.weeks[-1]}"
    click.echo(
        f"ghdigest: built {len(result.weeks)} week(s) ({weeks}) into "
        f"{_shown(result.out_dir)}: {len(result.changed)} of {len(result.files)} file(s) changed",
        err=True,
    )
    # One folder shown once: showing each of ten thousand paths on its own costs seconds.
    shown_dir = _shown(result.out_dir)
    prefix = "" if shown_dir == "." else f"{shown_dir.rstrip('/')}/"
    if result.files:
        click.echo("\n".join(f"{prefix}{name}" for name in result.files))


def _collect_garbage_rarely() -> None:
    """Make the cyclic garbage collector run far less often, for a command that reads a whole archive.

    Reading and rendering allocate hundreds of thousands of small objects that make no cycles;
    collecting every 700 allocations, as Python does by default, costs a large archive's validate
    a fifth of its time. Garbage that is not a cycle is freed at once all the same.
    """
    gc.set_threshold(100_000, 50, 1000)


def _shown(path: Path) -> str:
    # abspath, not resolve(): a symbolic link is shown as itself, not as what it points to.
    full = Path(os.path.abspath(path))
    cwd = Path.cwd().resolve()
    return full.relative_to(cwd).as_posix() if full.is_relative_to(cwd) else str(full)


_REPO_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class _PageProgress:
    """A progress bar over list pages, on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled or not total or total < 3:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="reading issues", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@main.command(name="sync")
@ROOT_ARGUMENT
@click.option("--repo", metavar="OWNER/NAME", default=None, help="Repository of the issues (default: 'repo' setting).")
@click.option("--push", is_flag=True, help="Also open issues for new entries and write local edits back to issues.")
@click.option("--dry-run", is_flag=True, help="Read from GitHub and print what would change; write nothing.")
@click.option("--full", is_flag=True, help="Read every issue, not only those changed since the last sync.")
@API_URL_OPTION
@format_option("one line per changed file", "the whole report on stdout")
@handle_errors
def sync_command(
    root: Path | None, repo: str | None, push: bool, dry_run: bool, full: bool, api_url: str | None, output_format: str
) -> None:
    """Mirror the repository's issues into issues/<number>-<slug>.yml, one file per issue.

    Only issues changed since the last sync are read (the state is kept in
    issues/.sync-state.json; commit it with the entries), and when nothing changed the sync
    costs one conditional request. A file edited here whose issue also changed on GitHub is
    not overwritten: both versions are shown and the exit code is 1. Pull requests are never
    entries. The token comes from GITHUB_TOKEN or GH_TOKEN; --push needs one.

    Exit codes: 0 synced, 1 conflicts, 2 could not run.
    """
    from ghdigest.github import RestClient, token_from
    from ghdigest.sync import sync

    config = _config(root)
    repo = repo or config.settings.repo
    if not repo:
        raise click.UsageError("no repository: pass --repo OWNER/NAME or set 'repo' in ghdigest.yml")
    if not _REPO_PATTERN.match(repo):
        raise click.BadParameter(f"{repo!r} is not OWNER/NAME", param_hint="--repo")
    token = token_from()
    if push and not dry_run and token is None:
        raise _fail("--push writes issues and needs a token: set GITHUB_TOKEN or GH_TOKEN", EXIT_CANNOT_RUN)
    client = RestClient(repo, _api_base(api_url), token)
    progress = _PageProgress()
    try:
        report = sync(config, client, dry_run=dry_run, push=push, full=full, progress=progress)
    finally:
        progress.close()
        client.close()
    _print_sync_report(report, output_format)
    sys.exit(EXIT_PROBLEMS if report.conflicts else EXIT_OK)


def _print_sync_report(report: SyncReport, output_format: str) -> None:
    if output_format == "json":
        payload = {
            "repo": report.repo,
            "dry_run": report.dry_run,
            "not_modified": report.not_modified,
            "issues_read": report.issues_read,
            "pull_requests_skipped": report.pull_requests_skipped,
            "requests": report.requests,
            "changes": [
                {"action": c.action, "path": c.path, "old_path": c.old_path, "issue": c.number} for c in report.changes
            ],
            "pushed": [
                {"action": p.action, "path": p.path, "issue": p.number, "title": p.title} for p in report.pushed
            ],
            "conflicts": [
                {"issue": c.number, "path": c.path, "reason": c.reason, "diff": c.diff()} for c in report.conflicts
            ],
            "notices": report.notices,
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        would = "would " if report.dry_run else ""
        for change in report.changes:
            if change.action == "rename":
                click.echo(f"{would}rename {change.old_path} -> {change.path} (#{change.number})")
            else:
                verb = {"create": "create", "update": "update", "delete": "delete", "skip": "skip"}[change.action]
                click.echo(f"{would}{verb} {change.path} (#{change.number})")
        for pushed in report.pushed:
            target = f"#{pushed.number}" if pushed.number else "a new issue"
            verb = {"open": "open", "edit": "edit", "adopt": "link"}[pushed.action]
            click.echo(f"{would}{verb} {target} from {pushed.path}: {pushed.title}")
    for notice in report.notices:
        click.echo(f"ghdigest: {notice}", err=True)
    for conflict in report.conflicts:
        click.echo(f"ghdigest: conflict: {conflict.path} (#{conflict.number}): {conflict.reason}", err=True)
        if output_format != "json":
            click.echo(conflict.diff(), err=True, nl=False)
    if report.conflicts:
        click.echo(
            "ghdigest: conflicting files were left as they are; to take the issue's version, delete the file and "
            "sync again; to keep yours, copy your change into the issue on GitHub",
            err=True,
        )
    state = "unchanged (304)" if report.not_modified else f"{report.issues_read} issue(s) read"
    click.echo(
        f"ghdigest: {'dry run: ' if report.dry_run else ''}synced {report.repo}: {state}, "
        f"{len(report.changes)} file change(s), {len(report.pushed)} pushed, {len(report.conflicts)} conflict(s); "
        f"{report.requests} request(s)",
        err=True,
    )


@main.command(name="release")
@click.argument("week_text", metavar="WEEK")
@ROOT_ARGUMENT
@click.option("--repo", metavar="OWNER/NAME", default=None, help="Repository to release in (default: 'repo' setting).")
@click.option("--draft", is_flag=True, help="Make it a draft, visible only to the repository's writers.")
@click.option("--dry-run", is_flag=True, help="Read from GitHub and print what would change; write nothing.")
@API_URL_OPTION
@format_option("one line per step", "the whole report on stdout")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, hidden=True)
@handle_errors
def release_command(
    week_text: str,
    root: Path | None,
    repo: str | None,
    draft: bool,
    dry_run: bool,
    api_url: str | None,
    output_format: str,
    today: dt.datetime | None,
) -> None:
    """Publish WEEK as a GitHub Release, or update the release it already has.

    WEEK is a week id such as 2020-W38, or 'latest': the newest week with entries that has
    ended. The release is tagged by the 'release.tag' setting (digest-2020-W38 by default),
    named after the digest's title, and shows the week's Markdown; the week's .md and .json
    files are attached, and, without site_url, the feeds (atom.xml, rss.xml, feed.json) of that
    week and the ones before it, linked to the releases. @mentions are neutralised so that the
    release notifies no one, and a digest longer than a release can hold is cut at an entry
    boundary with a link to the .md file. Running it again changes only what differs: never a
    second release or file. A new release is published once its files are attached; --draft
    keeps it a draft (a published release stays published). The token (GITHUB_TOKEN or
    GH_TOKEN) needs contents: write.

    Exit codes: 0 released (or already up to date), 1 content problems, 2 could not run.
    """
    from ghdigest.github import RestClient, token_from, web_url_from
    from ghdigest.publish import release

    config = _config(root)
    repo = repo or config.settings.repo
    if not repo:
        raise click.UsageError("no repository: pass --repo OWNER/NAME or set 'repo' in ghdigest.yml")
    if not _REPO_PATTERN.match(repo):
        raise click.BadParameter(f"{repo!r} is not OWNER/NAME", param_hint="--repo")
    if week_text != plan.LATEST:
        try:
            config.parse_week(week_text)
        except WeekError as exc:
            raise click.BadParameter(f"{exc} (or 'latest')", param_hint="WEEK") from None
    token = token_from()
    if not dry_run and token is None:
        raise _fail("release writes to GitHub and needs a token: set GITHUB_TOKEN or GH_TOKEN", EXIT_CANNOT_RUN)
    base = _api_base(api_url)
    client = RestClient(repo, base, token)
    try:
        report = release(
            config,
            client,
            week_text,
            web_url=web_url_from(base),
            today=today.date() if today is not None else dt.date.today(),
            draft=draft,
            dry_run=dry_run,
        )
    finally:
        client.close()
    _print_release_report(report, output_format)


def _print_release_report(report: ReleaseReport, output_format: str) -> None:
    if output_format == "json":
        payload = {
            "repo": report.repo,
            "week": report.week,
            "tag": report.tag,
            "name": report.name,
            "dry_run": report.dry_run,
            "draft": report.draft,
            "action": report.action,
            "changes": list(report.changes),
            "assets": [{"name": a.name, "action": a.action, "size": a.size, "note": a.note} for a in report.assets],
            "release_id": report.release_id,
            "html_url": report.html_url,
            "body_length": report.body_length,
            "body_cut": report.body_cut,
            "mentions_neutralised": report.mentions,
            "notices": report.notices,
            "requests": report.requests,
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        would = "would " if report.dry_run else ""
        state = " (draft)" if report.draft else ""
        if report.action == "create":
            click.echo(f"{would}create release {report.tag}: {report.name}{state}")
        elif report.action == "update":
            changed = ", ".join("publish" if c == "draft" else c for c in report.changes)
            click.echo(f"{would}update release {report.tag} ({changed}){state}")
        else:
            click.echo(f"keep release {report.tag} (unchanged){state}")
        for asset in report.assets:
            verb = asset.action if asset.action == "keep" else f"{would}{asset.action}"
            note = f", {asset.note}" if asset.note else ""
            click.echo(f"{verb} {asset.name} ({asset.size:,} bytes{note})")
        if report.html_url and not report.dry_run:
            click.echo(report.html_url)
    if report.mentions:
        click.echo(f"ghdigest: {report.mentions} @mention(s) neutralised in the release text", err=True)
    for notice in report.notices:
        click.echo(f"ghdigest: {notice}", err=True)
    uploads = sum(a.action != "keep" for a in report.assets)
    done = {"create": "created", "update": "updated", "keep": "unchanged"}[report.action]
    if report.dry_run:
        done = done if report.action == "keep" else f"would be {done}"
        files, prefix = f"{uploads} file(s) to upload", "dry run: "
    else:
        files, prefix = f"{uploads} file(s) uploaded", ""
    click.echo(
        f"ghdigest: {prefix}{report.week} in {report.repo} as {report.tag}{' (draft)' if report.draft else ''}: "
        f"release {done}, {files}; {report.requests} request(s)",
        err=True,
    )


FORMS_FOLDER = ".github/ISSUE_TEMPLATE"


@main.command(name="forms")
@ROOT_ARGUMENT
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing the forms that differ from the schemas.")
@handle_errors
def forms_command(root: Path | None, check: bool) -> None:
    """Write the issue forms (paper, article, use case, other) into .github/ISSUE_TEMPLATE/.

    The forms are generated from the entry schema and the label settings of ghdigest.yml,
    and what a form collects reads back through 'ghdigest sync' as the same entry fields.
    Rerun it after upgrading ghdigest or changing the 'sync' settings; --check in CI
    catches forms that drifted. The kind labels the forms apply (kind:paper, ...) must exist
    in the repository: GitHub does not create labels for issue forms.
    """
    from ghdigest.sync import label_rules

    config = _config(root)
    folder = config.root / FORMS_FOLDER
    wanted = {
        name: dump_document(document)
        for name, document in issue_forms(
            load_schema("entry"), rules=label_rules(config.settings.sync), labels=config.settings.sync.labels
        ).items()
    }
    differing = [name for name, text in wanted.items() if _read_text(folder / name) != text]
    if check:
        for name in differing:
            click.echo(f"{FORMS_FOLDER}/{name}")
        if differing:
            raise _fail(f"{len(differing)} issue form(s) differ from the schemas; run 'ghdigest forms'", EXIT_PROBLEMS)
        click.echo(f"ghdigest: the {len(wanted)} issue form files are up to date", err=True)
        return
    changed = write_tree(folder, wanted)
    for path in changed:
        click.echo(_shown(path))
    click.echo(f"ghdigest: {len(changed)} of {len(wanted)} issue form file(s) written to {FORMS_FOLDER}", err=True)


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


@main.command(name="init")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path), metavar="[DIR]")
@click.option("--force", is_flag=True, help="Replace existing files that differ from ghdigest's (kept without it).")
@click.option(
    "--install",
    metavar="REQUIREMENT",
    default=None,
    help="What the workflows pip-install, pinned: 'ghdigest @ git+https://…@<full commit>' or 'NAME==VERSION' "
    "(default: the pinned source this ghdigest was installed from, else what DIR's workflows already install).",
)
@handle_errors
def init_command(directory: Path | None, force: bool, install: str | None) -> None:
    """Create a digest repository in DIR (default: the current folder), ready to validate and build.

    Writes ghdigest.yml (commented), an example entry under issues/, the JSON Schemas, the
    issue forms, the GitHub Actions workflows (validate, sync, publish), .gitignore and a
    README; DIR is then the ROOT of the other commands. A file that already exists is kept
    (listed on stderr) unless --force replaces it; running init again changes nothing.

    The workflows install ghdigest on GitHub's runners from a pinned requirement (--install, or
    the Git commit or hashed archive this ghdigest came from, or what DIR's workflows already
    install). Without one they are left out, with a notice: the name 'ghdigest' on PyPI belongs
    to another project.

    Exit codes: 0 done (keeping existing files is normal), 2 could not write or --install is not pinned.
    """
    from ghdigest.scaffold import init_repository

    report = init_repository(directory if directory is not None else Path.cwd(), force=force, install=install)
    for name in (*report.created, *report.replaced):
        click.echo(_shown(report.root / name))
    for name in report.kept:
        click.echo(f"ghdigest: kept {name}: it differs from ghdigest's version (--force replaces it)", err=True)
    for notice in report.notices:
        click.echo(f"ghdigest: {notice}", err=True)
    click.echo(
        f"ghdigest: initialised {_shown(report.root)}: {len(report.created)} file(s) created, "
        f"{len(report.replaced)} replaced, {len(report.unchanged)} unchanged, {len(report.kept)} kept",
        err=True,
    )
    if report.created:
        where = "" if report.root == Path.cwd().absolute() else f" {_shown(report.root)}"
        click.echo(f"ghdigest: next: ghdigest validate{where} && ghdigest build{where}; README.md says more", err=True)


class _CountProgress:
    """A progress bar over answered links, on stderr, only when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < 5:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _link_settings(config: Config | None, overrides: dict[str, Any]) -> LinkSettings:
    settings = config.settings.links if config is not None else LinkSettings()
    nested = {
        "arxiv": settings.arxiv.model_copy(update=overrides.pop("arxiv", {})),
        "doi": settings.doi.model_copy(update=overrides.pop("doi", {})),
    }
    return settings.model_copy(update={**{k: v for k, v in overrides.items() if v is not None}, **nested})


@main.command(name="check-links")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path), metavar="[ROOT|FILE…]")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text: a line per broken or unknown link; json: every link on stdout; markdown: a job summary.",
)
@click.option(
    "--cache",
    "cache_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Cache file (default: the 'links.cache' setting, .ghdigest/links.json under ROOT; "
    "outside a repository, ghdigest/links.json under $XDG_CACHE_HOME or ~/.cache).",
)
@click.option("--no-cache", is_flag=True, help="Ask about every link; keep no results and count no streaks.")
@click.option("--strict", is_flag=True, help="Exit 1 on unknown links too, not only on broken ones.")
@click.option(
    "--min-streak",
    type=click.IntRange(1, 1000),
    default=None,
    metavar="N",
    help="Report a link as broken only after N failing runs in a row (default: 'links.min_streak', 1).",
)
@click.option(
    "--week",
    "week_text",
    metavar="WEEK",
    default=None,
    help="Check only this week's entries, such as 2020-W38, or 'latest': the newest week that has ended.",
)
@click.option(
    "--changed-since",
    metavar="REF",
    default=None,
    help="Check only links that are not already there at this Git ref (a pull request's base).",
)
@click.option(
    "--base-url",
    metavar="URL",
    default=None,
    help="Resolve relative links against URL (default for content: 'links.base_url', else 'site_url'; "
    "files: links resolve to files next to them).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0, 600, min_open=True),
    default=None,
    metavar="SECONDS",
    help="Seconds to wait for one answer (default: 20).",
)
@click.option(
    "--max-concurrency",
    type=click.IntRange(1, 1024),
    default=None,
    metavar="N",
    help="Requests in flight at once, over all hosts (default: 64).",
)
@click.option(
    "--host-concurrency",
    type=click.IntRange(1, 256),
    default=None,
    metavar="N",
    help="Requests in flight at once to one host (default: 4).",
)
@click.option(
    "--host-spacing",
    type=click.FloatRange(0, 600),
    default=None,
    metavar="SECONDS",
    help="Seconds between starting two links on one host (default: 0.1); a link's own next step follows at once.",
)
@click.option(
    "--retry-wait",
    type=click.FloatRange(0, 3600),
    default=None,
    metavar="SECONDS",
    help="Longest Retry-After honoured on a 429 or 503 (default: 30).",
)
@click.option("--user-agent", default=None, metavar="TEXT", help="User-Agent header of every request.")
@click.option(
    "--public-only/--any-address",
    default=None,
    help="Ask only public addresses: links to loopback, private or link-local ones (127.0.0.1, 10.x, "
    "169.254.169.254) are 'unknown', not asked (default: 'links.public_only', off). For links from pull requests.",
)
@click.option(
    "--arxiv-api",
    metavar="URL",
    default=None,
    envvar="GHDIGEST_ARXIV_API_URL",
    help="Look arXiv ids up through this export API address ($GHDIGEST_ARXIV_API_URL); implies --arxiv-lookup.",
)
@click.option(
    "--arxiv-lookup/--no-arxiv-lookup",
    default=None,
    help="Look arXiv ids up in arXiv's export API, or only check their form (default: 'links.arxiv.lookup').",
)
@click.option(
    "--doi-api",
    metavar="URL",
    default=None,
    envvar="GHDIGEST_DOI_API_URL",
    help="DOI handle API address ($GHDIGEST_DOI_API_URL; default: https://doi.org/api/handles/).",
)
@click.option(
    "--summary-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="PATH",
    help='Also append the Markdown report to PATH (in a workflow: "$GITHUB_STEP_SUMMARY").',
)
@click.option("-v", "--verbose", is_flag=True, help="Text format: list ok links too.")
@handle_errors
def check_links_command(
    paths: tuple[Path, ...],
    output_format: str,
    cache_path: Path | None,
    no_cache: bool,
    strict: bool,
    min_streak: int | None,
    week_text: str | None,
    changed_since: str | None,
    base_url: str | None,
    timeout: float | None,
    max_concurrency: int | None,
    host_concurrency: int | None,
    host_spacing: float | None,
    retry_wait: float | None,
    user_agent: str | None,
    public_only: bool | None,
    arxiv_api: str | None,
    arxiv_lookup: bool | None,
    doi_api: str | None,
    summary_file: Path | None,
    verbose: bool,
) -> None:
    """Check every link of the content (or of the files given) and say which are broken.

    With no argument or a ROOT folder, checks each entry's URL, images and the links in its
    summary, and the links of digest files and ghdigest.yml. FILE arguments are Markdown files
    (such as a built week, dist/2020-W38.md: links to its own headings are checked against
    them) or entry files.

    Each link gets one verdict. ok: the page answers. broken: 404, 410, a host that does not
    exist, a malformed address, a redirect loop. unknown: the checker could not tell (401,
    403 and 429 from bot walls, 5xx, timeouts, TLS and connection failures): readers may well
    get through. Tracking parameters are dropped and each address is asked once, politely:
    limits per host, HEAD then GET, Retry-After honoured. arXiv ids are checked offline (or
    looked up in batches); DOIs through the DOI handle API. ok results are kept in a cache
    for a week; failures are asked again on every run.

    JSON: {"summary": {"ok", "broken", "unknown", ...}, "links": [{"url", "final_url",
    "verdict", "status", "reason", "locations": [{"path", "line"}], ...}]}.

    Exit codes: 0 nothing broken, 1 broken links (--strict: or unknown ones), 2 could not run.
    """
    from ghdigest.links import InputError, LinkCheckRequest, Verdict, check_links
    from ghdigest.links import report as link_report
    from ghdigest.links.cache import default_cache_path, user_cache_path
    from ghdigest.links.changes import RefError

    roots = [p for p in paths if p.is_dir()]
    files = tuple(p for p in paths if not p.is_dir())
    if len(roots) > 1:
        raise click.UsageError("give at most one ROOT folder")
    if no_cache and cache_path is not None:
        raise click.UsageError("--cache and --no-cache contradict each other")
    check_content = bool(roots) or not files
    config: Config | None
    if check_content:
        config = _config(roots[0] if roots else None)
    else:
        try:
            config = _config(None)  # the nearest repository's settings (hosts, cache) apply to files too
        except ConfigError as exc:
            if exc.diagnostics:
                raise
            config = None
    overrides: dict[str, Any] = {
        "timeout": timeout,
        "max_concurrency": max_concurrency,
        "host_concurrency": host_concurrency,
        "host_spacing": host_spacing,
        "retry_wait": retry_wait,
        "user_agent": user_agent,
        "public_only": public_only,
        "min_streak": min_streak,
        "arxiv": {
            k: v for k, v in {"api": arxiv_api, "lookup": True if arxiv_api else arxiv_lookup}.items() if v is not None
        },
        "doi": {"api": doi_api} if doi_api else {},
    }
    settings = _link_settings(config, overrides)
    for name, value in (("--base-url", base_url), ("--arxiv-api", arxiv_api), ("--doi-api", doi_api)):
        if value is not None and identifiers.url_problem(value):
            raise click.BadParameter(identifiers.url_problem(value) or "", param_hint=name)
    if no_cache:
        cache = None
    elif cache_path is not None:
        cache = cache_path
    elif config is not None:
        cache = default_cache_path(config.root, settings.cache)
    else:
        cache = user_cache_path()
    if cache is None and settings.min_streak > 1:
        if min_streak is not None:
            raise click.UsageError("--min-streak counts failures in the cache: it cannot be used without one")
        # links.min_streak is for scheduled runs that keep a cache; a run without one judges on its own.
        settings = settings.model_copy(update={"min_streak": 1})
    request = LinkCheckRequest(
        settings=settings,
        config=config if check_content else None,
        files=files,
        base_url=base_url,
        cache_path=cache,
        changed_since=changed_since,
        week=week_text,
    )
    if week_text is not None and not check_content:
        raise click.UsageError("--week picks entries of the repository: it cannot be used with FILE arguments")
    progress = _CountProgress("checking links")
    try:
        report, problems = check_links(request, progress)
    except (InputError, RefError) as exc:
        raise _fail(str(exc), EXIT_CANNOT_RUN) from None
    except WeekError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from None
    finally:
        progress.close()
    reporter = Reporter(config.root if config is not None else None)
    reporter.emit(problems, err=True)
    if problems:
        click.echo(
            f"ghdigest: {len(problems)} content file(s) could not be read; their links were not checked", err=True
        )
    for note in report.notes:
        click.echo(f"ghdigest: note: {note}", err=True)
    if output_format == "json":
        payload = link_report.as_json(report, root=Path.cwd())
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        click.echo(link_report.markdown(report), nl=False)
    else:
        for line in link_report.text_lines(report, verbose=verbose):
            click.echo(line)
        if os.environ.get("GITHUB_ACTIONS") == "true":
            for command in link_report.workflow_annotations(report):
                click.echo(command)
    if summary_file is not None:
        try:
            with summary_file.open("a", encoding="utf-8") as stream:
                stream.write(link_report.markdown(report))
        except OSError as exc:
            raise _fail(f"cannot write {summary_file}: {exc.strerror or exc}", EXIT_CANNOT_RUN) from None
    click.echo(f"ghdigest: {link_report.summary_line(report)}", err=True)
    failing = report.count(Verdict.BROKEN) > 0 or (strict and report.count(Verdict.UNKNOWN) > 0)
    sys.exit(EXIT_PROBLEMS if failing else EXIT_OK)


ARXIV_API_OPTION = click.option(
    "--arxiv-api",
    metavar="URL",
    default=None,
    envvar="GHDIGEST_ARXIV_API_URL",
    help="arXiv's export API address ($GHDIGEST_ARXIV_API_URL; default: the 'links.arxiv.api' setting).",
)
OFFLINE_OPTION = click.option(
    "--offline", is_flag=True, help="Ask arXiv nothing: use only what .ghdigest/arxiv.json already holds."
)


class _ArxivLookup:
    """arXiv ids → records, from the store under .ghdigest/ (opened when first needed) and, unless offline, the API."""

    def __init__(self, config: Config, arxiv_api: str | None, offline: bool) -> None:
        from ghdigest.links.check import default_user_agent

        if arxiv_api is not None and identifiers.url_problem(arxiv_api):
            raise click.BadParameter(identifiers.url_problem(arxiv_api) or "", param_hint="--arxiv-api")
        self.api = arxiv_api or config.settings.links.arxiv.api
        self.path = config.root / ".ghdigest" / "arxiv.json"
        self.agent = config.settings.links.user_agent or default_user_agent(config)
        self.offline = offline
        self.store: Any = None

    def __call__(self, ids: list[str]) -> Any:
        from ghdigest.arxiv import ArxivStore, lookup
        from ghdigest.links.http import fetch_arxiv_feeds

        if self.store is None:
            self.store = ArxivStore(self.path)

        def fetch(wanted: list[str], on_feed: Callable[[Any], None]) -> None:
            fetch_arxiv_feeds(wanted, on_feed, api=self.api, user_agent=self.agent)

        return lookup(ids, self.store, None if self.offline else fetch)

    def notes(self) -> list[str]:
        """What the curator should know about the store (unreadable, started afresh)."""
        return [self.store.problem] if self.store is not None and self.store.problem else []


@main.command(name="new")
@click.argument("kind", type=click.Choice(["paper", "article", "use_case", "other"]))
@ROOT_ARGUMENT
@click.option("--arxiv", "arxiv_text", metavar="ID", default=None, help="arXiv id or link, such as 2009.03393v2.")
@click.option("--url", metavar="URL", default=None, help="The address of the paper or page.")
@click.option(
    "--week", "week_id", metavar="WEEK", default=None, help="The week, such as 2020-W38 (default: this week)."
)
@click.option("--edit", is_flag=True, help="Open the new file in $EDITOR.")
@OFFLINE_OPTION
@ARXIV_API_OPTION
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, hidden=True)
@handle_errors
def new_command(
    kind: str,
    root: Path | None,
    arxiv_text: str | None,
    url: str | None,
    week_id: str | None,
    edit: bool,
    offline: bool,
    arxiv_api: str | None,
    today: dt.datetime | None,
) -> None:
    """Create the file of a new entry of KIND (paper, article, use_case or other), in this week.

    With --arxiv (or an arXiv --url), the title, authors, submitted date, categories (as topics)
    and abstract come from arXiv's export API, asked once and kept in .ghdigest/arxiv.json. A
    paper or page already in the archive, however its link is written (versions, abs or pdf,
    http or https, tracking parameters), is refused, naming the file that holds it. The entry
    starts with 'status: inbox'; add a headline and a summary, then select it.

    Exit codes: 0 created, 1 refused (already in the archive, no such paper), 2 could not run.
    """
    from ghdigest.curate import AlreadyInArchive, NoSuchPaper, new_entry

    if arxiv_text is not None and url is not None:
        raise click.UsageError("give --arxiv or --url, not both")
    config = _config(root)
    week = None
    if week_id is not None:
        try:
            week = config.parse_week(week_id)
        except WeekError as exc:
            raise click.BadParameter(str(exc), param_hint="--week") from None
    link = arxiv_text if arxiv_text is not None else url
    if arxiv_text is not None and identifiers.arxiv_id(arxiv_text) is None:
        raise click.BadParameter(f"{arxiv_text!r} is not an arXiv id or link", param_hint="--arxiv")
    lookup = _ArxivLookup(config, arxiv_api, offline)
    day = today.date() if today is not None else dt.date.today()
    try:
        created = new_entry(config, cast(Kind, kind), today=day, link=link, week=week, lookup=lookup)
    except AlreadyInArchive as exc:
        shown = Reporter(config.root).display_path(exc.where.path)
        raise _fail(f"{exc.canonical} is already in the archive: {shown}:{exc.where.line}", EXIT_PROBLEMS) from None
    except NoSuchPaper as exc:
        raise _fail(str(exc), EXIT_PROBLEMS) from None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--url") from None
    for note in [*lookup.notes(), *created.notes]:
        click.echo(f"ghdigest: note: {note}", err=True)
    title = created.fields.get("title")
    click.echo(f"ghdigest: created {_shown(created.path)}" + (f": {title}" if title else ""), err=True)
    click.echo(_shown(created.path))
    if edit:
        click.edit(filename=str(created.path))


@main.command(name="enrich")
@ROOT_ARGUMENT
@click.option("--dry-run", is_flag=True, help="Show what would be added; change no entry file.")
@OFFLINE_OPTION
@ARXIV_API_OPTION
@handle_errors
def enrich_command(root: Path | None, dry_run: bool, offline: bool, arxiv_api: str | None) -> None:
    """Fill in the missing title, authors and submitted date of entries that link to arXiv.

    Only fields an entry does not have are added, at the end of its file; nothing a person wrote
    changes, and running it again changes nothing. arXiv is asked in batches of 100 ids, at
    most one request every 3 seconds, and only about papers not already in .ghdigest/arxiv.json.
    """
    from ghdigest.curate import enrich

    config = _config(root)
    lookup = _ArxivLookup(config, arxiv_api, offline)
    report = enrich(config, lookup=lookup, dry_run=dry_run)
    reporter = Reporter(config.root)
    reporter.emit(report.problems, err=True)
    for note in lookup.notes():
        click.echo(f"ghdigest: note: {note}", err=True)
    for path, note in report.notes:
        click.echo(f"ghdigest: note: {reporter.display_path(path)}: {note}", err=True)
    for path, added in report.added.items():
        click.echo(f"{reporter.display_path(path)}: + {', '.join(added)}")
    verb = "would fill" if dry_run else "filled"
    click.echo(f"ghdigest: {verb} missing fields in {len(report.added)} entry file(s)", err=True)
    if any(problem.is_error for problem in report.problems):
        click.echo("ghdigest: some entry files could not be read; fix them (ghdigest validate) and run again", err=True)
        sys.exit(EXIT_PROBLEMS)


@main.command(name="status")
@ROOT_ARGUMENT
@click.option(
    "--week", "week_id", metavar="WEEK", default=None, help="The week, such as 2020-W38 (default: this week)."
)
@format_option("a table per section, then what is not ready", "the whole state on stdout")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, hidden=True)
@handle_errors
def status_command(root: Path | None, week_id: str | None, output_format: str, today: dt.datetime | None) -> None:
    """The week at a glance: entries per section, editor's picks, and what is not ready yet.

    Not ready: no headline, no summary, a paper without a link, or a link that the last
    check-links run did not find ok (or never checked). Skipped entries are only counted.
    """
    from ghdigest.curate import week_state
    from ghdigest.links.cache import default_cache_path
    from ghdigest.links.check import known_link_state

    config = _config(root)
    try:
        week = config.parse_week(week_id) if week_id else config.week_of((today or dt.datetime.now()).date())
    except WeekError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from None
    content = load_content(config)
    links = known_link_state(config, default_cache_path(config.root, config.settings.links.cache))
    state = week_state(content, week, links)
    reporter = Reporter(config.root)
    broken_files = sorted({d.location.path for d in content.errors})
    if broken_files:  # entries that do not load cannot be placed in a week: say so rather than leave them out
        click.echo(
            f"ghdigest: {len(broken_files)} content file(s) have errors and are not counted "
            f"(ghdigest validate shows them): {', '.join(reporter.display_path(p) for p in broken_files[:5])}",
            err=True,
        )
    entries = state.entries
    picks = sum(1 for entry in entries if entry.pick)
    not_ready = [entry for entry in entries if entry.missing]
    if output_format == "json":
        payload = {
            "week": week.id,
            "start": week.start.isoformat(),
            "end": week.end.isoformat(),
            "totals": {"entries": len(entries), "picks": picks, "not_ready": len(not_ready), "skipped": state.skipped},
            "sections": [
                {
                    "id": section.id,
                    "title": section.title,
                    "entries": [
                        {
                            "path": reporter.display_path(entry.path),
                            "kind": entry.kind,
                            "status": entry.status,
                            "headline": entry.headline,
                            "pick": entry.pick,
                            "missing": list(entry.missing),
                        }
                        for entry in section.entries
                    ],
                }
                for section in state.sections
            ],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    click.echo(
        f"{week.id} ({week.start.isoformat()} to {week.end.isoformat()}): "
        f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}, "
        f"{picks} pick{'s' * (picks != 1)}, {len(not_ready)} not ready"
        + (f", {state.skipped} skipped" if state.skipped else "")
    )
    width = max([len("section"), *(len(section.title) for section in state.sections)])
    click.echo("")
    click.echo(f"{'section':<{width}}  entries  picks  not ready")
    for section in state.sections:
        unready = sum(1 for entry in section.entries if entry.missing)
        section_picks = sum(1 for entry in section.entries if entry.pick)
        click.echo(f"{section.title:<{width}}  {len(section.entries):>7}  {section_picks:>5}  {unready:>9}")
    if not_ready:
        click.echo("")
        click.echo("not ready:")
        for entry in not_ready:
            name = one_line_message(entry.headline or "(no headline)")
            click.echo(f"  {reporter.display_path(entry.path)}  {name}: {', '.join(entry.missing)}")


@main.group(name="cms")
def cms_group() -> None:
    """Editors' admin pages for the content of a ROOT repository, generated from its schemas.

    'ghdigest cms decap' writes a Decap CMS admin.
    """


@cms_group.command(name="decap")
@ROOT_ARGUMENT
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write config.yml and index.html to (default: admin/ under ROOT).",
)
@click.option("--vendor", "source", flag_value="vendor", help="Copy Decap's bundle from node_modules next to the page.")
@click.option("--cdn", "source", flag_value="cdn", default=True, help="Load Decap from unpkg.com (the default).")
@click.option(
    "--workflow/--no-workflow",
    default=None,
    help="Every edit a pull request (Decap's editorial workflow); default: the 'cms.editorial_workflow' setting.",
)
@click.option(
    "--local-backend-url",
    metavar="URL",
    default=None,
    help="decap-server's API address, when not http://localhost:8081/api/v1.",
)
@handle_errors
def cms_decap_command(
    root: Path | None, out_dir: Path | None, source: str, workflow: bool | None, local_backend_url: str | None
) -> None:
    """Write admin/config.yml and admin/index.html: a Decap CMS admin for the entries and weeks.

    One collection per kind (papers, articles, use cases, other topics) over issues/, and one of
    the weeks' files; each form follows the entry schema: selects for choices, Markdown for
    summaries, lists, dates, patterns with their messages, hints from the descriptions. The admin
    works locally with decap-server (local_backend) and, with 'repo' set, on GitHub through an
    OAuth proxy (the 'cms' settings). The output is the same on every run.

    --vendor copies node_modules/decap-cms/dist/decap-cms.js (npm install decap-cms@VERSION, in
    ROOT or the current folder) next to the page, so it needs no CDN.
    """
    from ghdigest.cms import DECAP_CDN, DECAP_VERSION, config_text, index_html

    config = _config(root)
    out = out_dir if out_dir is not None else config.root / "admin"
    if local_backend_url is not None and identifiers.url_problem(local_backend_url):
        raise click.BadParameter(identifiers.url_problem(local_backend_url) or "", param_hint="--local-backend-url")
    files = {"config.yml": config_text(config, workflow=workflow, local_backend_url=local_backend_url)}
    script = DECAP_CDN
    if source == "vendor":
        bundle = next(
            (
                folder / "node_modules" / "decap-cms" / "dist" / "decap-cms.js"
                for folder in (config.root, Path.cwd())
                if (folder / "node_modules" / "decap-cms" / "dist" / "decap-cms.js").is_file()
            ),
            None,
        )
        if bundle is None:
            raise _fail(
                f"--vendor needs Decap from npm: run 'npm install decap-cms@{DECAP_VERSION}' in {_shown(config.root)}",
                EXIT_CANNOT_RUN,
            )
        files["decap-cms.js"] = bundle.read_text(encoding="utf-8")
        script = "decap-cms.js"
    files["index.html"] = index_html(config.settings.title, script)
    changed = write_tree(out, files)
    click.echo(f"ghdigest: wrote the Decap CMS admin to {_shown(out)} ({len(changed)} file(s) changed)", err=True)
    for name in sorted(files):
        click.echo(_shown(out / name))


@main.command(name="fmt")
@ROOT_ARGUMENT
@click.option("--check", is_flag=True, help="Change nothing; list the files that would change and exit 1 if any.")
@handle_errors
def fmt_command(root: Path | None, check: bool) -> None:
    """Write every entry and week file in one canonical form, as the CMS admin saves them.

    Keys in the order of the schema (and of the admin's forms), comments dropped, multi-line text
    as literal blocks: a save from the admin then changes only what the editor changed.

    Exit codes: 0 all files canonical (or made so), 1 --check found files to change or a file
    does not read, 2 could not run.
    """
    _collect_garbage_rarely()
    from ghdigest.cms import unformatted

    config = _config(root)
    changes, problems = unformatted(config)
    reporter = Reporter(config.root)
    reporter.emit(problems, err=True)
    for path in sorted(changes):
        click.echo(reporter.display_path(path))
        if not check:
            write_text_atomic((config.root / path).resolve(), changes[path])
    verb = "would be rewritten" if check else "rewritten"
    click.echo(f"ghdigest: {len(changes)} file(s) {verb}", err=True)
    if problems or (check and changes):
        sys.exit(EXIT_PROBLEMS)
