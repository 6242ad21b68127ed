"""The ``ghdigest`` command line: parse options, call the library, report, exit with a code.

Exit codes: 0 success; 1 ran and found problems; 2 could not run (usage, configuration,
unwritable output, or an unexpected error).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable, Iterable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from ghdigest import __version__
from ghdigest.build import NothingToBuild, build
from ghdigest.config import Config, find_root, load_config
from ghdigest.content import load_content
from ghdigest.errors import (
    ConfigError,
    ContentError,
    Diagnostic,
    GhdigestError,
    OutputError,
    Severity,
    sorted_diagnostics,
)
from ghdigest.render.markdown import check_templates
from ghdigest.weeks import WeekError

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
    click.echo(f"ghdigest: error: {message}", err=True)
    return click.exceptions.Exit(code)


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
                traceback.print_exc()
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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="ghdigest")
@click.option("--debug", is_flag=True, help="Show a full traceback when something unexpected fails.")
def main(debug: bool) -> None:
    """Compile weekly paper digests from entries kept as GitHub issues or YAML files.

    ROOT is a digest repository: a folder holding ghdigest.yml and an issues/ folder of
    entries. It defaults to the nearest folder, from the current one upward, holding ghdigest.yml.

    Exit codes: 0 success, 1 problems found, 2 could not run.
    """


@main.command()
@ROOT_ARGUMENT
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help='text: one line per problem; json: {"diagnostics": [...]} on stdout.',
)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@handle_errors
def validate(root: Path | None, output_format: str, strict: bool) -> None:
    """Check every content file and report every problem, located as path:line:col.

    Checks the schema of each entry and digest file, then what a schema cannot: duplicate
    papers across the archive (one arXiv id however it is written), malformed links,
    papers without a link, unknown sections, impossible weeks. When GITHUB_ACTIONS=true,
    problems are also printed as workflow annotations.
    """
    try:
        config = _config(root)
    except ConfigError as exc:
        if output_format != "json":
            raise
        reporter = Reporter(click.get_current_context().meta.get("ghdigest.root"))
        click.echo(json.dumps({"diagnostics": [reporter.as_json(d) for d in exc.diagnostics]}, ensure_ascii=False))
        click.echo(f"ghdigest: error: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_CANNOT_RUN) from None
    content = load_content(config)
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
@handle_errors
def build_command(root: Path | None, out_dir: Path | None, week_id: str | None) -> None:
    """Compile each week's digest into OUT/<week>.md, plus OUT/index.md, the archive.

    The content is checked first: on any error the problems are printed, the exit code
    is 1 and nothing is written. Output is the same, byte for byte, on every rebuild.
    """
    config = _config(root)
    week = None
    if week_id is not None:
        try:
            week = config.parse_week(week_id)
        except WeekError as exc:
            raise click.BadParameter(str(exc), param_hint="--week") from None
    result = build(config, out_dir, week)
    Reporter(config.root).emit(result.warnings, err=True)
    weeks = ", ".join(result.weeks) if len(result.weeks) <= 3 else f"{result.weeks[0]} … {result.weeks[-1]}"
    click.echo(
        f"ghdigest: built {len(result.weeks)} week(s) ({weeks}) into "
        f"{_shown(result.out_dir)}: {len(result.changed)} of {len(result.files)} file(s) changed",
        err=True,
    )
    for name in result.files:
        click.echo(_shown(result.out_dir / name))


def _shown(path: Path) -> str:
    # abspath, not resolve(): a symbolic link is shown as itself, not as what it points to.
    full = Path(os.path.abspath(path))
    cwd = Path.cwd().resolve()
    return full.relative_to(cwd).as_posix() if full.is_relative_to(cwd) else str(full)
