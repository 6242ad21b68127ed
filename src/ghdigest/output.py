"""Writing results to disk: whole files or nothing, never a half-written one."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from ghdigest.errors import OutputError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _file_mode() -> int:
    """The mode a plain new file gets under the current umask (mkstemp alone would give 0600)."""
    return 0o666 & ~_umask()


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
    A folder that does not exist yet appears whole, with every file in it, or not at all.
    """
    tree = OutputTree(out_dir)
    try:
        changed = tree.prepare(files).write()
        tree.commit()
    except BaseException:
        tree.abandon()
        raise
    return [out_dir / name for name in changed]


class OutputTree:
    """Where files are written under ``out_dir``: into it when it exists, else into a new folder renamed into place.

    A new output folder is made aside (a hidden sibling, ``.NAME.stage.XXXX.tmp``) and renamed to
    ``out_dir`` by :meth:`commit`: files in it can be written directly, with no temporary file and
    rename each, and a build stopped half-way leaves no output folder at all. Several processes
    may write prepared parts of one tree; one of them commits it, or abandons it on failure.
    """

    def __init__(self, out_dir: Path) -> None:
        if out_dir.exists() and not out_dir.is_dir():
            raise OutputError(f"cannot write to {out_dir}: it exists and is not a folder")
        self.out_dir = out_dir
        self.staged = not os.path.lexists(out_dir)
        self._lock: int | None = None
        _remove_abandoned_stages(out_dir)
        if not self.staged:
            self.folder = out_dir
            return
        try:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            # A name of its own, made by this run alone: never a folder another run left, nor a
            # link someone planted there.
            folder = tempfile.mkdtemp(dir=out_dir.parent, prefix=_stage_prefix(out_dir), suffix=_TEMPORARY_SUFFIX)
            os.chmod(folder, 0o777 & ~_umask())  # mkdtemp's 0700 would become the output folder's mode
            self._lock = _hold(folder)
        except OSError as exc:
            raise OutputError(f"cannot write to {out_dir}: {exc.strerror or exc}") from exc
        self.folder = Path(folder)

    def shown(self, path: str | None) -> str:
        """``path`` as the user knows it: under the output folder, not the folder it is made in."""
        if path is None:
            return str(self.out_dir)
        folder = str(self.folder)
        if self.staged and (path == folder or path.startswith(folder + os.sep)):
            return str(self.out_dir) + path[len(folder) :]
        return path

    def prepare(self, files: Mapping[str, str]) -> PreparedTree:
        """Check that every file can be written; OutputError if anything is in the way, before anything is written."""
        existing: dict[str, os.stat_result] = {}
        for name in [] if self.staged else sorted(files):  # nothing can be in the way in a new folder
            try:
                found = _existing_file(os.path.join(self.folder, name))
            except OSError as exc:
                raise OutputError(f"cannot write {self.out_dir / name}: {exc.strerror or exc}") from exc
            if found is not None and not stat.S_ISREG(found.st_mode):
                raise OutputError(f"cannot write {self.out_dir / name}: something other than a file is in the way")
            if found is not None:
                existing[name] = found
        return PreparedTree(self, files, existing)

    def commit(self) -> None:
        """Put a new folder in place (nothing to do when files were written into ``out_dir`` itself)."""
        if not self.staged:
            return
        try:
            os.rename(self.folder, self.out_dir)
        except OSError as exc:
            if not os.path.isdir(self.out_dir):
                raise OutputError(f"cannot write to {self.out_dir}: {exc.strerror or exc}") from exc
            self._move_into_place()  # made meanwhile by someone else: the files go in one by one
        finally:
            self._release()

    def _move_into_place(self) -> None:
        try:
            for path in sorted(self.folder.rglob("*")):
                if path.is_file():
                    target = self.out_dir / path.relative_to(self.folder)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(path, target)
        except OSError as exc:
            raise OutputError(f"cannot write {self.shown(exc.filename)}: {exc.strerror or exc}") from exc
        shutil.rmtree(self.folder, ignore_errors=True)

    def abandon(self) -> None:
        """Remove what was written aside for a new folder (nothing to do otherwise)."""
        if self.staged:
            shutil.rmtree(self.folder, ignore_errors=True)
            self._release()

    def _release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # and with it the lock, once no worker holds it either
            self._lock = None


def _stage_prefix(out_dir: Path) -> str:
    return f".{out_dir.name}.stage."


#: A folder made aside this recently is never taken for abandoned: its run may not have locked it yet.
_STAGE_GRACE_SECONDS = 60


def _hold(folder: str) -> int | None:
    """Lock ``folder`` for as long as this run (and its workers) may write in it; the descriptor that holds it."""
    if fcntl is None:  # no flock here: such folders are never cleaned up, only ever left
        return None
    handle = os.open(folder, os.O_RDONLY)
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return handle


def _remove_abandoned_stages(out_dir: Path) -> None:
    """Remove new folders for ``out_dir`` that no run is making any more (one was killed, say).

    A run holds a lock on the folder it makes while it, or any of its workers, lives; one that
    nobody holds, made more than a minute ago, is abandoned.
    """
    if fcntl is None:
        return
    prefix = _stage_prefix(out_dir)
    with contextlib.suppress(OSError):
        for entry in os.scandir(out_dir.parent):
            if not (entry.name.startswith(prefix) and entry.name.endswith(_TEMPORARY_SUFFIX)):
                continue
            if not entry.is_dir(follow_symlinks=False):
                continue
            if time.time() - entry.stat(follow_symlinks=False).st_mtime < _STAGE_GRACE_SECONDS:
                continue
            _remove_if_unheld(entry.path)


def _remove_if_unheld(folder: str) -> None:
    assert fcntl is not None
    try:
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # a run is making it
        os.close(handle)
        return
    try:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        os.close(handle)


class PreparedTree:
    """Files checked to be writable under an output folder (nothing in their way), ready to be written."""

    def __init__(self, tree: OutputTree, files: Mapping[str, str], existing: dict[str, os.stat_result]) -> None:
        self._tree, self._files, self._existing = tree, files, existing

    @property
    def folder(self) -> Path:
        """Where the files are written (the output folder, or the new folder that will become it)."""
        return self._tree.folder

    @property
    def names(self) -> list[str]:
        """The relative names of the files, sorted."""
        return sorted(self._files)

    def write(self) -> list[str]:
        """Write each file whole unless it holds its text already; the relative names of the files that changed."""
        folder = str(self._tree.folder)
        changed = []
        made: set[str] = set()
        process = os.getpid()
        try:
            for index, name in enumerate(self.names):
                target = os.path.join(folder, name)
                data = self._files[name].encode("utf-8")
                if self._tree.staged:
                    _write_new(target, data, made)
                else:
                    temporary = f".{os.path.basename(target)}.{process}.{index}{_TEMPORARY_SUFFIX}"
                    if not _replace(target, data, self._existing.get(name), temporary, made):
                        continue
                changed.append(name)
        except OSError as exc:
            raise OutputError(f"cannot write {self._tree.shown(exc.filename)}: {exc.strerror or exc}") from exc
        if not self._tree.staged:
            _remove_abandoned_temporaries({os.path.dirname(os.path.join(folder, name)) for name in self._files})
        return changed


#: The temporary files write() makes: ``.<name>.<process>.<n>.tmp``.
_OUR_TEMPORARY = re.compile(r"^\..+\.\d+\.\d+\.tmp$")


def _remove_abandoned_temporaries(folders: set[str]) -> None:
    """Delete the temporary files of runs killed while writing into ``folders``, once they are a minute old.

    A run writing into the same folder now has younger ones, which are left alone.
    """
    limit = time.time() - _STAGE_GRACE_SECONDS
    for folder in folders:
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                if entry.name.startswith(".") and _OUR_TEMPORARY.match(entry.name):
                    with contextlib.suppress(OSError):
                        if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < limit:
                            os.unlink(entry.path)


def _write_new(target: str, data: bytes, made: set[str]) -> None:
    """Write a file of a folder no one sees yet: directly, since it shows only once whole."""
    parent = os.path.dirname(target)
    if parent not in made:
        os.makedirs(parent, exist_ok=True)
        made.add(parent)
    handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view) :]
    finally:
        os.close(handle)


def _existing_file(path: str) -> os.stat_result | None:
    """The status of what is at ``path`` (a link followed, a link to nothing as it is); None when nothing is."""
    try:
        found = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISLNK(found.st_mode):
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            found = os.stat(path)
    return found


def _replace(target: str, data: bytes, existing: os.stat_result | None, temporary_name: str, made: set[str]) -> bool:
    """``write_text_atomic`` for many files of one folder tree, in fewer system calls; False when unchanged."""
    mode = None  # a new file gets the usual mode under the umask
    if existing is not None:
        try:
            if existing.st_size == len(data):
                with open(target, "rb") as stream:
                    if stream.read() == data:
                        return False
            mode = stat.S_IMODE(existing.st_mode)  # a file rewritten keeps its permissions
        except FileNotFoundError:
            pass
    parent = os.path.dirname(target)
    if parent not in made:
        os.makedirs(parent, exist_ok=True)
        made.add(parent)
    temporary = os.path.join(parent, temporary_name)
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:  # left by an earlier run that was killed: never written over, just not used
        write_text_atomic(Path(target), data.decode("utf-8"), durable=False)
        return True
    try:
        try:
            if mode is not None:
                os.fchmod(handle, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
        finally:
            os.close(handle)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True
