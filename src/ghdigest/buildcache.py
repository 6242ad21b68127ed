"""What earlier runs learnt, kept in ``.ghdigest/build.json`` so that a rebuild redoes only what changed.

Two kinds of records, both found by what they were made from, never by time stamps:

* per content file: the result of reading and checking it (its diagnostics, and the fields that
  planning and the index need), under the SHA-256 of the file's bytes and its path;
* per output folder: each week's fingerprint (a hash of everything its files are made from) and
  the size, modification time and inode of each file written for it, so a week whose inputs and
  files are unchanged is not rendered again; the same for the index and for the feeds.

Every record also depends on ``engine``: a hash of this ghdigest's code, schemas and templates,
the versions of the libraries that shape the output, and the settings. When any of those
change, the whole cache is dropped. So a record can be missing, but never out of date.

The file is signed with a key kept outside the repository (``$XDG_CACHE_HOME/ghdigest/build-key``):
a cache file that came with a checkout, from someone else's machine, fails the check and is
ignored, so nobody can slip content past the checks by committing a forged cache.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ghdigest import __version__, jsontext
from ghdigest.errors import Diagnostic, Location, Severity
from ghdigest.output import write_text_atomic

if TYPE_CHECKING:
    from ghdigest.config import Config

CACHE_FOLDER = ".ghdigest"
CACHE_FILE = "build.json"
FORMAT = 1
#: Distributions whose behaviour shapes what is read or written.
_LIBRARIES = (
    "jinja2", "markdown-it-py", "linkify-it-py", "orjson", "pydantic", "pydantic-core", "PyYAML", "ruamel.yaml"
)  # fmt: skip


def source_hash(raw: bytes) -> str:
    """The hash a content file's record is kept under."""
    return hashlib.sha256(raw).hexdigest()


def _library_versions() -> list[str]:
    from importlib import metadata

    found = []
    for distribution in _LIBRARIES:
        try:
            found.append(f"{distribution}=={metadata.version(distribution)}")
        except metadata.PackageNotFoundError:
            found.append(f"{distribution} missing")
    return found


@functools.cache
def _code_hash() -> str:
    """A hash of ghdigest's own files (code, schemas, templates): an edited install is a new engine."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"{__version__}\0{sys.version}\0".encode())
    for line in _library_versions():
        digest.update(line.encode() + b"\0")
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".json", ".j2", ".yml", ".md") and path.is_file():
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    from ghdigest import schema

    schemas = schema.schema_dir()
    for name in schema.SCHEMA_NAMES:
        digest.update((schemas / f"{name}.schema.json").read_bytes())
    return digest.hexdigest()


def engine_hash(settings_json: str, templates: Path | None) -> str:
    """The hash every record depends on: this ghdigest, its libraries, the settings and any templates of ROOT."""
    digest = hashlib.sha256(_code_hash().encode() + b"\0" + settings_json.encode())
    if templates is not None and templates.is_dir():
        for path in sorted(templates.rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(templates).as_posix().encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _key_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ghdigest" / "build-key"


def _signing_key() -> bytes | None:
    """This machine's key for signing caches, made on first use; None when it can be neither read nor made."""
    path = _key_path()
    with contextlib.suppress(OSError):
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another run made it first
        with contextlib.suppress(OSError):
            key = path.read_bytes()
            return key if len(key) >= 32 else None
        return None
    except OSError:
        return None
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as stream:
        stream.write(key)
    return key


def diagnostic_record(diagnostic: Diagnostic) -> list[Any]:
    """A diagnostic as JSON (its path is the record's)."""
    location = diagnostic.location
    return [location.line, location.column, diagnostic.severity.value, diagnostic.code, diagnostic.message]


def diagnostic_from(path: str, record: list[Any]) -> Diagnostic:
    """The diagnostic ``diagnostic_record`` wrote, located in ``path``."""
    line, column, severity, code, message = record
    return Diagnostic(Location(path, line, column), Severity(severity), code, message)


def open_cache(config: Config) -> BuildCache:
    """The cache of ``config``'s repository, for this ghdigest, its settings and its templates."""
    engine = engine_hash(config.settings.model_dump_json(), config.templates_dir)
    return BuildCache.open(config.root, engine)


class BuildCache:
    """The records of one repository, for one engine; changes are kept in memory until ``save``."""

    def __init__(self, path: Path, engine: str, data: Mapping[str, Any] | None = None) -> None:
        self.path = path
        self.engine = engine
        data = data or {}
        self._files: dict[str, Any] = dict(data.get("files", {}))
        self._outputs: dict[str, Any] = dict(data.get("outputs", {}))
        self._seen: set[str] = set()
        self.changed = False

    @classmethod
    def open(cls, root: Path, engine: str) -> BuildCache:
        """The cache of ROOT; empty when there is none, or it is unreadable, foreign, or for another engine."""
        path = root / CACHE_FOLDER / CACHE_FILE
        key = _signing_key()
        data = None
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            raw = path.read_bytes() if key is not None else b""
            signature, _, body = raw.partition(b"\n")
            if key is not None and hmac.compare_digest(signature, hmac.new(key, body, "sha256").hexdigest().encode()):
                loaded = json.loads(body)
                if loaded.get("format") == FORMAT and loaded.get("engine") == engine:
                    data = loaded
        return cls(path, engine, data)

    def file_record(self, path: str, digest: str) -> Any | None:
        """What reading ``path`` gave when its bytes hashed to ``digest``; None if not known."""
        self._seen.add(path)
        record = self._files.get(path)
        if record is not None and record.get("hash") == digest:
            return record["result"]
        return None

    def keep_file(self, path: str, digest: str, result: Any) -> None:
        """Remember what reading ``path`` (hashed to ``digest``) gave: JSON data."""
        self._seen.add(path)
        self._files[path] = {"hash": digest, "result": result}
        self.changed = True

    def output_record(self, out_dir: Path) -> dict[str, Any]:
        """The weeks and files recorded for the output folder ``out_dir`` ({} if none)."""
        return dict(self._outputs.get(str(out_dir.resolve()), {}))

    def keep_output(self, out_dir: Path, record: dict[str, Any]) -> None:
        """Replace the record of the output folder ``out_dir``."""
        key = str(out_dir.resolve())
        if self._outputs.get(key) != record:
            self._outputs[key] = record
            self.changed = True

    def save(self) -> None:
        """Write the cache if anything changed, dropping files not seen this run; never fails the run."""
        stale = set(self._files) - self._seen
        for path in stale:
            del self._files[path]
        if not (self.changed or stale):
            return
        key = _signing_key()
        if key is None:
            return
        body = jsontext.compact(
            {"format": FORMAT, "engine": self.engine, "files": self._files, "outputs": self._outputs}
        )
        signature = hmac.new(key, body, "sha256").hexdigest().encode()
        with contextlib.suppress(OSError):
            write_text_atomic(self.path, (signature + b"\n" + body).decode("utf-8"), durable=False)
        self.changed = False


def stat_record(path: str) -> list[int] | None:
    """Size, modification time and inode of a written file: what shows it is still the file written."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ino]


def unchanged_files(out_dir: Path, files: Mapping[str, Any]) -> bool:
    """True when every file recorded in ``files`` (name → stat record) is still there, as written."""
    folder = str(out_dir)
    return all(stat_record(os.path.join(folder, name)) == record for name, record in files.items())


def fingerprint(parts: Any) -> str:
    """A hash of ``parts``: text, numbers, None, and tuples, lists and dicts of them."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()
