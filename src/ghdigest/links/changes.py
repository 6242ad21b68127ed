"""The files as they were at a Git ref, so a pull request's check can skip links that were already there."""

from __future__ import annotations

import os.path
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ghdigest.errors import GhdigestError

CONTENT_FOLDER = "issues"
DIGESTS_FOLDER = "digests"
CONFIG_FILE = "ghdigest.yml"


class RefError(GhdigestError):
    """The ref cannot be read: not a Git repository, no such commit, git missing."""


@dataclass(frozen=True)
class OldFile:
    """A file's text at the ref, with what it is: ``entry``, ``digest``, ``config`` or ``markdown``."""

    kind: str
    path: Path
    """Where the file is now (relative links resolve from here)."""
    text: str


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    try:
        completed = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False, timeout=300)
    except FileNotFoundError:
        raise RefError("--changed-since needs git, and git is not installed") from None
    except subprocess.TimeoutExpired:
        raise RefError(f"git {args[0]} took too long") from None
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RefError(f"git {args[0]} failed: {message[-1] if message else 'exit ' + str(completed.returncode)}")
    return completed.stdout


def _commit(ref: str, cwd: Path) -> str:
    try:
        return _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], cwd).decode().strip()
    except RefError:
        raise RefError(
            f"--changed-since {ref}: no such commit here "
            f"(in a shallow CI checkout, fetch it first: git fetch origin {ref})"
        ) from None


def _read_blobs(commit: str, toplevel: Path, paths: list[str]) -> dict[str, bytes]:
    """The contents at ``commit`` of files given relative to the top of the work tree; missing ones left out."""
    if not paths:
        return {}
    request = "".join(f"{commit}:{path}\n" for path in paths).encode("utf-8")
    output = _git(["cat-file", "--batch"], toplevel, request)
    found: dict[str, bytes] = {}
    offset = 0
    for path in paths:
        header_end = output.index(b"\n", offset)
        header = output[offset:header_end].split()
        offset = header_end + 1
        if header[-1] == b"missing" or len(header) < 3:
            continue
        size = int(header[2])
        if header[1] == b"blob":
            found[path] = output[offset : offset + size]
        offset += size + 1  # the content is followed by a newline
    return found


def old_files(ref: str, root: Path | None, markdown_files: Iterable[Path]) -> list[OldFile]:
    """Content files under ``root`` (if given) and the Markdown files, as they were at ``ref``."""
    markdown_files = list(markdown_files)
    anchor = root if root is not None else (markdown_files[0].parent if markdown_files else Path.cwd())
    toplevel = Path(_git(["rev-parse", "--show-toplevel"], anchor).decode().strip())
    commit = _commit(ref, anchor)
    wanted: dict[str, tuple[str, Path]] = {}

    def relative(path: Path) -> str | None:
        full = os.path.realpath(path)
        top = os.path.realpath(toplevel)
        return PurePosixPath(Path(full).relative_to(top)).as_posix() if Path(full).is_relative_to(top) else None

    if root is not None:
        prefix = relative(root)
        base = f"{prefix}/" if prefix and prefix != "." else ""
        listing = _git(["ls-tree", "-r", "-z", "--name-only", commit, "--", f"{base}{CONTENT_FOLDER}"], toplevel)
        for name in filter(None, listing.decode("utf-8", "replace").split("\0")):
            inside = PurePosixPath(name).relative_to(f"{base}{CONTENT_FOLDER}")
            if inside.suffix.lower() not in (".yml", ".yaml") or inside.name.startswith("."):
                continue
            if len(inside.parts) == 1:
                wanted[name] = ("entry", toplevel / name)
            elif len(inside.parts) == 2 and inside.parts[0] == DIGESTS_FOLDER:
                wanted[name] = ("digest", toplevel / name)
        wanted[f"{base}{CONFIG_FILE}"] = ("config", toplevel / f"{base}{CONFIG_FILE}")
    for path in markdown_files:
        markdown_name = relative(path)
        if markdown_name is not None:
            wanted[markdown_name] = ("markdown", path)
    blobs = _read_blobs(commit, toplevel, list(wanted))
    return [OldFile(wanted[name][0], wanted[name][1], blob.decode("utf-8", "replace")) for name, blob in blobs.items()]
