"""Writing results to disk: whole files or nothing, never a half-written one."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ghdigest.errors import OutputError


def _file_mode() -> int:
    """The mode a plain new file gets under the current umask (mkstemp alone would give 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_TEMPORARY_SUFFIX = ".tmp"


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete temporary files an interrupted write left in ``folder`` (never the files they were for)."""
    removed = []
    for path in folder.glob(f".*{_TEMPORARY_SUFFIX}"):
        if path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def write_text_atomic(path: Path, text: str, *, durable: bool = True) -> bool:
    """Write ``text`` to ``path`` through a temporary file and a rename; False when it already held it.

    ``durable`` also flushes the file to the disk before the rename, so even a power cut leaves the
    old or the new file; without it a crashed or killed process still does, which is enough for
    files that can be made again.
    """
    data = text.encode("utf-8")
    try:
        if path.is_file() and path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)  # a file rewritten keeps its permissions
    except OSError:
        mode = _file_mode()
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=_TEMPORARY_SUFFIX)
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def write_new_file(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` only if no file is there (even when another process races for it); False if one is.

    The text goes to a temporary file first, then is linked in place: the file appears whole or not at all.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=_TEMPORARY_SUFFIX)
    try:
        os.fchmod(handle, _file_mode())
        with os.fdopen(handle, "wb") as stream:
            stream.write(text.encode("utf-8"))
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.link(temporary, path)  # fails when the name is taken, unlike a rename
        except FileExistsError:
            return False
        return True
    finally:
        Path(temporary).unlink(missing_ok=True)


def write_tree(out_dir: Path, files: Mapping[str, str]) -> list[Path]:
    """Write every ``relative name → text`` under ``out_dir``; return the files that changed.

    Each file is replaced whole, but not flushed to the disk one by one: a build's output can be
    made again, and on a large archive ten thousand flushes would take longer than the build.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"cannot write to {out_dir}: it exists and is not a folder")
    blocked = [name for name in sorted(files) if (out_dir / name).exists() and not (out_dir / name).is_file()]
    if blocked:  # checked before writing anything, so a build never stops half-way
        raise OutputError(f"cannot write {out_dir / blocked[0]}: something other than a file is in the way")
    changed = []
    try:
        for name in sorted(files):
            target = out_dir / name
            if write_text_atomic(target, files[name], durable=False):
                changed.append(target)
    except OSError as exc:
        raise OutputError(f"cannot write {exc.filename or out_dir}: {exc.strerror or exc}") from exc
    return changed
