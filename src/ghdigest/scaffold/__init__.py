"""``ghdigest init``: the files of a new digest repository, and the GitHub Actions workflows.

The templates are package data under ``scaffold/data/``. The workflows come in two variants from the
same templates: what ``init`` writes installs ghdigest from a pinned requirement, and this project's
own ``.github/workflows/`` install the checkout being tested.

Where a runner installs ghdigest from is decided with care: the name ``ghdigest`` on PyPI belongs to
an unrelated project, so ``pip install ghdigest==<version>`` could install someone else's code in a
job that holds a write token. ``init`` writes workflows only for a requirement that names this
ghdigest exactly: one given with ``--install``, or the pinned Git commit or hashed archive this copy
was installed from.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Final, Literal

from ghdigest import __version__
from ghdigest.config import CONFIG_FILE, load_config
from ghdigest.errors import ConfigError, OutputError
from ghdigest.forms import issue_forms
from ghdigest.models import Settings, SyncSettings
from ghdigest.output import write_text_atomic
from ghdigest.schema import load_schema, schema_dir
from ghdigest.sync import label_rules
from ghdigest.yamlio import dump_document, parse_document

Variant = Literal["release", "source"]

WORKFLOWS_FOLDER: Final = ".github/workflows"
WORKFLOW_NAMES: Final = ("validate.yml", "sync.yml", "publish.yml")
FORMS_FOLDER: Final = ".github/ISSUE_TEMPLATE"
EXAMPLE_ENTRY: Final = "issues/example-theorem-proving.yml"

# The one place the two variants differ: what `pip install` is given.
_PACKAGE_MARKER: Final = "@GHDIGEST_PACKAGE@"
_VERSION_MARKER: Final = "@GHDIGEST_VERSION@"
_REQUIREMENT_MARKER: Final = "@GHDIGEST_REQUIREMENT@"
# The README's last paragraph names what the workflows install; without workflows it says how to add them.
_WORKFLOWS_INSTALL_PARAGRAPH: Final = f"The workflows install `{_REQUIREMENT_MARKER}`"
_NO_WORKFLOWS_PARAGRAPH: Final = (
    "`ghdigest init` wrote no workflows here: it could not tell a pinned source for GitHub's runners to\n"
    "install ghdigest from. Add them with\n"
    "`ghdigest init --install 'ghdigest @ git+https://github.com/OWNER/ghdigest@<full commit>'`.\n"
)
_HEADERS: Final[Mapping[Variant, str]] = {
    "release": (
        '# Written by `ghdigest init` (ghdigest {version}); yours to change. README.md, "The workflows",\n'
        "# says what it needs.\n"
    ),
    "source": (
        "# Generated from src/ghdigest/scaffold/data/workflows/{name} (variant: source): edit the\n"
        "# template, then run `pytest tests/test_workflows.py --update-golden`. `ghdigest init` writes\n"
        "# the same workflow installing a pinned ghdigest (init --install) instead of this checkout.\n"
    ),
}


def _data(name: str) -> str:
    return (resources.files(__name__) / "data" / name).read_text(encoding="utf-8")


class InstallError(ConfigError):
    """A requirement given to ``init --install`` that a workflow cannot safely install."""


# name, optional extras, then an exact version or a direct reference: nothing a shell or YAML would
# read specially (the requirement is written inside double quotes in a `run:` line).
_REQUIREMENT = re.compile(
    r"(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(?:\[[A-Za-z0-9._,-]+\])?"
    r"(?:==(?P<version>[A-Za-z0-9.+!_-]+)| @ (?P<url>[A-Za-z0-9+.-]+://[A-Za-z0-9._~:/?#@!&'()*+,;=%-]+))"
)
_COMMIT = re.compile(r"@[0-9a-f]{40}(?:#|$)")


def checked_requirement(requirement: str) -> str:
    """``requirement`` when it pins one version of one distribution (``name==X`` under a name other than
    ``ghdigest``, or ``name @ URL`` at a full commit or with a sha256); raises InstallError otherwise."""
    match = _REQUIREMENT.fullmatch(requirement.strip())
    if match is None or "'" in requirement:
        raise InstallError(
            f"--install {requirement!r} is not a pinned requirement such as "
            "'ghdigest @ git+https://github.com/OWNER/ghdigest@<full commit>' or 'NAME==VERSION'"
        )
    if match.group("version") is not None and re.sub(r"[-_.]+", "-", match.group("name")).lower() == "ghdigest":
        raise InstallError(
            f"--install {requirement!r}: 'ghdigest' on PyPI is an unrelated project; pin this ghdigest by "
            "'ghdigest @ git+https://github.com/OWNER/ghdigest@<full commit>' or a hashed archive"
        )
    url = match.group("url")
    if url is not None:
        if url.startswith("git+"):
            if _COMMIT.search(url) is None:
                raise InstallError(f"--install {requirement!r}: a Git requirement must end in @<full 40-hex commit>")
        elif not url.startswith("https://") or "#sha256=" not in url:
            raise InstallError(f"--install {requirement!r}: an archive requirement needs https:// and #sha256=<hash>")
    return match.group(0)


def requirement_from_install(name: str, version: str, direct_url: str | None) -> str | None:
    """A pinned requirement for the distribution as it was installed (PEP 610 ``direct_url.json``), or None.

    None for an editable or local-folder install, a local file, and an install by name from an index
    under the name ``ghdigest`` (which on PyPI is an unrelated project).
    """
    if direct_url is None:
        return None if name.lower() == "ghdigest" else f"{name}=={version}"
    try:
        origin = json.loads(direct_url)
    except ValueError:
        return None
    if not isinstance(origin, dict) or not isinstance(origin.get("url"), str):
        return None
    url = origin["url"]
    if not url.startswith("https://"):
        return None
    vcs = origin.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and isinstance(vcs.get("commit_id"), str):
        candidate = f"{name} @ git+{url}@{vcs['commit_id']}"
    else:
        archive = origin.get("archive_info")
        hashes = archive.get("hashes") if isinstance(archive, dict) else None
        sha256 = hashes.get("sha256") if isinstance(hashes, dict) else None
        if not isinstance(sha256, str):
            return None
        candidate = f"{name} @ {url.split('#', 1)[0]}#sha256={sha256}"
    try:
        return checked_requirement(candidate)
    except InstallError:
        return None


def installed_requirement() -> str | None:
    """A pinned requirement for the ghdigest that is running, when its installation tells one; else None."""
    try:
        distribution = metadata.distribution("ghdigest")
    except metadata.PackageNotFoundError:
        return None
    return requirement_from_install(
        distribution.metadata["Name"], distribution.version, distribution.read_text("direct_url.json")
    )


_INSTALL_LINE = re.compile(r'pip install --disable-pip-version-check "([^"\n]+)"')


def existing_requirement(root: Path) -> str | None:
    """The pinned requirement that the workflows ``init`` wrote into ``root`` install, or None."""
    for name in WORKFLOW_NAMES:
        text = _read_bytes(root / WORKFLOWS_FOLDER / name)
        match = _INSTALL_LINE.search(text.decode("utf-8", "replace")) if text is not None else None
        if match is not None:
            try:
                return checked_requirement(match.group(1))
            except InstallError:
                return None
    return None


def workflow_files(requirement: str | None) -> dict[str, str]:
    """``name.yml`` → text of each workflow, installing ``requirement`` (None: this checkout, ``.``)."""
    variant: Variant = "source" if requirement is None else "release"
    package = "." if requirement is None else f'"{checked_requirement(requirement)}"'
    files = {}
    for name in WORKFLOW_NAMES:
        template = _data(f"workflows/{name}")
        if _PACKAGE_MARKER not in template:  # a template that installs nothing would test nothing
            raise RuntimeError(f"workflow template {name} lacks {_PACKAGE_MARKER}")
        header = _HEADERS[variant].format(version=__version__, name=name)
        files[name] = header + template.replace(_PACKAGE_MARKER, package)
    return files


def _schema_files() -> dict[str, str]:
    # Every packaged schema, byte for byte: editors and other tools read the same contract.
    return {
        f"schemas/{item.name}": item.read_bytes().decode("utf-8")
        for item in sorted(schema_dir().iterdir(), key=lambda item: item.name)
        if item.name.endswith(".schema.json")
    }


def _form_files(sync_settings: SyncSettings) -> dict[str, str]:
    # As `ghdigest forms` writes them, so that `ghdigest forms --check` agrees with init.
    forms = issue_forms(load_schema("entry"), rules=label_rules(sync_settings), labels=sync_settings.labels)
    return {f"{FORMS_FOLDER}/{name}": dump_document(document) for name, document in forms.items()}


def scaffold_files(sync_settings: SyncSettings | None = None, requirement: str | None = None) -> dict[str, str]:
    """Relative path → text of every file ``init`` writes; the issue forms follow ``sync_settings``.

    The workflows, which install ghdigest on GitHub's runners, are included only with a ``requirement``.
    """
    readme = _data("README.md").replace(_VERSION_MARKER, __version__)
    if requirement is None:
        upgrade, _, _ = readme.partition(_WORKFLOWS_INSTALL_PARAGRAPH)
        readme = upgrade + _NO_WORKFLOWS_PARAGRAPH
        requirement_text = "<where you install ghdigest from>"
    else:
        requirement_text = requirement
    files = {
        CONFIG_FILE: _data("ghdigest.yml"),
        EXAMPLE_ENTRY: _data("example-entry.yml"),
        ".gitignore": _data("gitignore"),
        "README.md": readme.replace(_REQUIREMENT_MARKER, requirement_text),
    }
    files.update(_schema_files())
    files.update(_form_files(sync_settings or SyncSettings()))
    if requirement is not None:
        files.update({f"{WORKFLOWS_FOLDER}/{name}": text for name, text in workflow_files(requirement).items()})
    return dict(sorted(files.items()))


@dataclass(frozen=True)
class InitReport:
    """What ``init_repository`` did, by relative path: created, replaced (``force``), unchanged, kept."""

    root: Path
    created: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _blocked(root: Path, relative: str) -> Path | None:
    """The first path that is in the way of writing ``root/relative``: a file where a folder must be, or the reverse."""
    target = root / relative
    for folder in reversed(target.parents):
        if folder.is_relative_to(root) and folder != root and folder.exists() and not folder.is_dir():
            return folder
    if target.exists() and not target.is_file():
        return target
    return None


def _git_root_above(root: Path) -> Path | None:
    """The top of the Git repository ``root`` is inside of, unless ``root`` is that top (or in none)."""
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            return None if folder == root else folder
    return None


def _has_entries(issues: Path, example: Path) -> bool:
    if not issues.is_dir():
        return False
    return any(
        path.is_file()
        and path.suffix.lower() in {".yml", ".yaml"}
        and not path.name.startswith(".")
        and path != example
        for path in issues.iterdir()
    )


def _effective_sync_settings(root: Path, force: bool, notices: list[str]) -> SyncSettings:
    """The sync settings of the ghdigest.yml that will be in place: the user's when it is kept."""
    if force or not (root / CONFIG_FILE).exists():
        document = parse_document(_data("ghdigest.yml"), CONFIG_FILE)
        return Settings.model_validate(document.data).sync
    try:
        return load_config(root).settings.sync
    except ConfigError as exc:
        notices.append(f"{CONFIG_FILE} is kept but invalid ({exc}): the issue forms follow the default label settings")
        return SyncSettings()


def init_repository(directory: Path, *, force: bool = False, install: str | None = None) -> InitReport:
    """Write a digest repository into ``directory``; existing files that differ are kept unless ``force``.

    The workflows install ``install`` (a pinned requirement), else what this ghdigest was installed
    from when that is pinned, else what the workflows already in ``directory`` install (so that
    running init again keeps them and the README that names it); without any they are not written,
    and a notice says why.
    Idempotent: a second run writes nothing. Raises InstallError for an unpinned ``install`` and
    OutputError, before writing anything, when something that is not a file is in the way.
    """
    root = Path(os.path.abspath(directory))  # normalised, but a symbolic link stays as given
    if install is not None:
        requirement: str | None = checked_requirement(install)
    else:
        requirement = installed_requirement() or existing_requirement(root)
    if root.exists() and not root.is_dir():
        raise OutputError(f"cannot initialise {root}: it exists and is not a folder")
    notices: list[str] = []
    if requirement is None:
        notices.append(
            "no workflows written: this ghdigest was not installed from a pinned source a GitHub runner can "
            "install from (and 'ghdigest' on PyPI is another project); run init again with "
            "--install 'ghdigest @ git+https://github.com/OWNER/ghdigest@<full commit>'"
        )
    files = scaffold_files(_effective_sync_settings(root, force, notices), requirement)
    if _has_entries(root / "issues", root / EXAMPLE_ENTRY):
        # An example among the user's own entries would end up in one of their digests.
        del files[EXAMPLE_ENTRY]
        notices.append("issues/ already holds entries: no example entry added")
    blocked = [path for path in (_blocked(root, name) for name in files) if path is not None]
    if blocked:
        raise OutputError(
            f"cannot write into {root}: {blocked[0]} is in the way (a file where a folder must be, or the reverse)"
        )

    created: list[str] = []
    replaced: list[str] = []
    unchanged: list[str] = []
    kept: list[str] = []
    try:
        for name, text in files.items():
            target = root / name
            if not (target.exists() or target.is_symlink()):
                write_text_atomic(target, text)
                created.append(name)
            elif _read_bytes(target) == text.encode("utf-8"):  # an unreadable file counts as different
                unchanged.append(name)
            elif force:
                write_text_atomic(target, text)
                replaced.append(name)
            else:
                kept.append(name)
    except OSError as exc:
        raise OutputError(f"cannot write {exc.filename or root}: {exc.strerror or exc}") from exc

    git_root = _git_root_above(root)
    if git_root is not None:
        relative = root.relative_to(git_root).as_posix()
        notices.append(
            f"{root} is inside the Git repository {git_root}: GitHub reads workflows and issue forms only from "
            f"{git_root / '.github'}; move {relative}/.github there and run the workflows' steps with "
            f"working-directory: {relative}"
        )
    return InitReport(root, tuple(created), tuple(replaced), tuple(unchanged), tuple(kept), tuple(notices))
