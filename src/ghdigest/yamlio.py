"""The only ruamel.yaml user: load YAML files as plain data, locate paths in them, write them.

Reading goes to ``fastyaml`` first, which reads plain content files several times faster and
leaves anything it is unsure of to ruamel.yaml's safe loader here: the reference for what a file
means, and the one that explains what is wrong with it. The slower round-trip loader, which keeps
line and column numbers, runs only when a diagnostic needs a location, so clean content pays
nothing for it.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLFutureWarning, YAMLWarning
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from ghdigest import fastyaml
from ghdigest.errors import Diagnostic, Location, Severity

JsonPath = Sequence["str | int"]

#: Files larger than this are refused before parsing.
DEFAULT_MAX_BYTES = 1_000_000


class DocumentError(Exception):
    """A file cannot be read as one YAML document; ``diagnostic`` says where and why."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.format())
        self.diagnostic = diagnostic


_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class _SafeConstructor(SafeConstructor):
    """Keeps dates as the text written, so the schema checks them and reports where."""


class _RoundTripConstructor(RoundTripConstructor):
    """Keeps dates as text, so locating a diagnostic never fails on an impossible date."""


_SafeConstructor.add_constructor(_TIMESTAMP_TAG, SafeConstructor.construct_yaml_str)
_RoundTripConstructor.add_constructor(_TIMESTAMP_TAG, RoundTripConstructor.construct_yaml_str)


def _yaml(typ: str, *, pure: bool = False) -> YAML:
    yaml = YAML(typ=typ, pure=pure)
    yaml.Constructor = _SafeConstructor if typ == "safe" else _RoundTripConstructor
    yaml.allow_duplicate_keys = False
    return yaml


@contextlib.contextmanager
def _without_ruamel_warnings() -> Iterator[None]:
    """Silence ruamel.yaml's warnings while it reads a file.

    It warns about legal but odd YAML (an anchor name used twice), and Python prints that on
    stderr with ruamel's own source lines: a file is accepted or gets a located diagnostic instead.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", YAMLWarning)
        warnings.simplefilter("ignore", YAMLFutureWarning)
        yield


#: Deeper nesting than this is refused: no content file needs it, and it guards the recursion.
MAX_DEPTH = 32


class _Unusable(Exception):
    """Loaded data that content files may not hold; the message says why."""


def _plain(value: Any, seen: set[int], depth: int = 0) -> Any:
    """Turn loaded YAML into JSON-like data: string keys, no shared (aliased) lists or mappings."""
    if isinstance(value, (dict, list)):
        if depth > MAX_DEPTH:
            raise _Unusable(f"data is nested more than {MAX_DEPTH} levels deep")
        if id(value) in seen:
            # An alias: expanding aliases of aliases can blow a small file up to gigabytes.
            raise _Unusable("anchors and aliases (&name, *name) are not allowed in content files")
        seen.add(id(value))
        if isinstance(value, dict):
            return {str(k): _plain(v, seen, depth + 1) for k, v in value.items()}
        return [_plain(v, seen, depth + 1) for v in value]
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _Unusable(
                "text holds an escaped lone surrogate (such as \\ud800), which is not a character"
            ) from None
    elif not isinstance(value, (int, float, bool)) and value is not None:
        raise _Unusable(f"values of type {type(value).__name__} are not allowed (only text, numbers, true/false)")
    return value


@dataclass
class YamlDocument:
    """One parsed YAML file: its plain data, and positions found on demand."""

    display_path: str
    text: str
    data: Any
    _tree: Any = field(default=None, repr=False)

    def _round_trip_tree(self) -> Any:
        if self._tree is None:
            try:
                with _without_ruamel_warnings():
                    self._tree = _yaml("rt", pure=True).load(self.text)
            except Exception:  # positions are a courtesy: a file the fast parser read may still puzzle this one
                self._tree = {}
        return self._tree

    def locate(self, path: JsonPath, *, key: bool = False) -> Location:
        """Line and column of the value at ``path`` (of its key when ``key``), or of its nearest parent."""
        if not path:
            return Location(self.display_path, 1, 1)  # the whole file: no need to parse it again
        line, column = 0, 0
        # Merge keys (<<) leave gaps in ruamel's position table; fall back to the file's start.
        with contextlib.suppress(KeyError, IndexError, TypeError, AttributeError):
            line, column = self._position(path, key)
        return Location(self.display_path, line + 1, column + 1)

    def _position(self, path: JsonPath, key: bool) -> tuple[int, int]:
        node = self._round_trip_tree()
        line, column = 0, 0
        for depth, step in enumerate(path):
            last = depth == len(path) - 1
            lc = getattr(node, "lc", None)
            if isinstance(node, dict) and lc is not None:
                match = next((k for k in node if str(k) == str(step)), None)
                if match is None:
                    break
                line, column = lc.key(match) if (key and last) else lc.value(match)
                node = node[match]
            elif isinstance(node, list) and lc is not None and isinstance(step, int) and step < len(node):
                line, column = lc.item(step)
                node = node[step]
            else:
                break
        return line, column


def _diagnostic(display_path: str, line: int, column: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(Location(display_path, line, column), Severity.ERROR, code, message)


def _decode(raw: bytes, display_path: str) -> str:
    if b"\x00" in raw:
        offset = raw.index(b"\x00")
        line = raw.count(b"\n", 0, offset) + 1
        column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
        raise DocumentError(
            _diagnostic(
                display_path, line, column, "binary-file", "file holds a NUL byte; content files must be UTF-8 text"
            )
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DocumentError(
            _diagnostic(
                display_path, line, column, "invalid-utf8", f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})"
            )
        ) from None


def parse_document(text: str, display_path: str, *, exact: bool = False) -> YamlDocument:
    """Parse YAML text holding exactly one document; raise DocumentError otherwise.

    ``exact`` skips the fast reader and reads with ruamel.yaml alone, the reference both agree with.
    """
    fast = None if exact else fastyaml.load(text)
    if fast is not None:
        return YamlDocument(display_path, text, fast[0])
    try:
        with _without_ruamel_warnings():
            try:
                documents = list(_yaml("safe").load_all(text))
            except MarkedYAMLError:
                # Describe the error with the pure-Python parser: the C parser's messages and marks
                # differ, and a diagnostic should read the same on every installation.
                documents = list(_yaml("safe", pure=True).load_all(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and (
            "end of stream" in (exc.problem or "") or "<stream end>" in (exc.problem or "")
        ):
            mark = exc.context_mark  # where the unclosed quote or bracket began
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        code = "duplicate-key" if "duplicate key" in what else "yaml-syntax"
        if code == "duplicate-key":
            what = what.replace("while constructing a mapping ", "")
        raise DocumentError(_diagnostic(display_path, line, column, code, f"invalid YAML: {what}".rstrip())) from None
    except RecursionError:
        raise DocumentError(_diagnostic(display_path, 1, 1, "yaml-syntax", "invalid YAML: nested too deeply")) from None
    except Exception as exc:  # the parser reads untrusted text: any failure is the file's, not ours
        raise DocumentError(_diagnostic(display_path, 1, 1, "yaml-syntax", f"invalid YAML: {exc}")) from None
    if len(documents) != 1:
        message = "file is empty" if not documents else "file holds more than one YAML document"
        raise DocumentError(_diagnostic(display_path, 1, 1, "yaml-documents", message))
    try:
        data = _plain(documents[0], set())
    except _Unusable as exc:
        raise DocumentError(_diagnostic(display_path, 1, 1, "unsupported-yaml", str(exc))) from None
    return YamlDocument(display_path, text, data)


def _read_at_most(path: Path, limit: int) -> bytes:
    """The first ``limit`` bytes of a file (all of it when shorter), in as few system calls as it takes."""
    # os.open and os.read rather than open(): no buffer object, no isatty or seek per file, and a
    # read sized by the file (a read of ``limit`` would set aside a megabyte for each small file),
    # which over ten thousand files costs more than reading them.
    handle = os.open(path, os.O_RDONLY)
    try:
        info = os.fstat(handle)
        regular = stat.S_ISREG(info.st_mode)
        wanted = min(info.st_size + 1, limit) if regular else limit  # one byte more: did it grow?
        chunks = []
        size = 0
        while size < limit:
            asked = wanted - size if size < wanted else limit - size
            chunk = os.read(handle, asked)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if regular and len(chunk) < asked and size >= info.st_size:  # its end, as its size said
                break
    finally:
        os.close(handle)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_limited(path: Path, display_path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of a file of at most ``max_bytes``; DocumentError when it cannot be read or is larger."""
    try:
        raw = _read_at_most(path, max_bytes + 1)
    except OSError as exc:
        raise DocumentError(
            _diagnostic(display_path, 1, 1, "unreadable", f"cannot read file: {exc.strerror or exc}")
        ) from None
    if len(raw) > max_bytes:
        raise DocumentError(
            _diagnostic(display_path, 1, 1, "file-too-large", f"file is larger than {max_bytes:,} bytes")
        )
    return raw


def parse_bytes(raw: bytes, display_path: str) -> YamlDocument:
    """Decode (UTF-8, an optional BOM) and parse one YAML document; DocumentError with a located diagnostic."""
    return parse_document(_decode(raw, display_path), display_path)


def load_document(path: Path, display_path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> YamlDocument:
    """Read and parse one YAML file; raise DocumentError with a located diagnostic on failure."""
    return parse_bytes(read_limited(path, display_path, max_bytes), display_path)


_UNICODE_BREAKS = re.compile("[\x85\u2028\u2029]")


def _for_writing(value: Any) -> Any:
    """Plain data with multi-line text marked for literal blocks, the form people read and diff best."""
    if isinstance(value, Mapping):
        return {str(key): _for_writing(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_for_writing(item) for item in value]
    if isinstance(value, str) and "\n" in value.rstrip("\n") and value.replace("\n", "").isprintable():
        # The emitter falls back to a quoted scalar by itself when a literal block cannot hold the text.
        return LiteralScalarString(value)
    if isinstance(value, str) and _UNICODE_BREAKS.search(value):
        # Plain and single-quoted scalars fold these line breaks on reading; double quotes escape them.
        return DoubleQuotedScalarString(value)
    return value


def dump_document(data: Mapping[str, Any]) -> str:
    """YAML text for plain data, keys in the order given; parse_document gives the same data back."""
    yaml = YAML(typ="rt")
    yaml.width = 4096  # one line per value: long text is never folded, so diffs stay line-for-line
    yaml.indent(mapping=2, sequence=4, offset=2)
    stream = io.StringIO()
    yaml.dump(_for_writing(data), stream)
    return stream.getvalue()


def with_fields_added(
    text: str, fields: Mapping[str, Any], dump: Callable[[Mapping[str, Any]], str] | None = None
) -> str | None:
    """``text`` (one YAML mapping) with ``fields`` added after its last key, all else kept byte for byte.

    A byte order mark, CRLF line ends and a final ``...`` are kept. None when appending cannot
    give the right data (a mapping written in flow style, say): the file would have to be
    written anew, losing its comments, and that is the caller's call. ``dump`` writes the added
    fields (default: ``dump_document``). Raises DocumentError for text that is not YAML.
    """
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    before = parse_document(body, "").data
    if not isinstance(before, dict):
        return None
    newline = "\r\n" if "\r\n" in body else "\n"
    lines = body.splitlines(keepends=True)
    cut = len(lines)
    for index in range(len(lines) - 1, -1, -1):  # before a final "..." and the comments around it
        stripped = lines[index].strip()
        if stripped == "...":
            cut = index
            break
        if stripped and not stripped.startswith("#"):
            break
    head, tail = "".join(lines[:cut]), "".join(lines[cut:])
    if head and not head.endswith("\n"):
        head += newline
    candidate = head + (dump or dump_document)(dict(fields)).replace("\n", newline) + tail
    try:
        if parse_document(candidate, "").data == {**before, **fields}:
            return bom + candidate
    except DocumentError:
        pass
    return None
