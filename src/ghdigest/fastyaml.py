"""The only PyYAML user: a fast reader for the plain YAML content files hold, or a refusal to guess.

libyaml (through PyYAML's C parser) parses and composes each file; a small resolver and
converter here turn the nodes into data by YAML 1.2's core schema, the way ruamel.yaml's safe
loader reads the same text (``yamlio``'s reference reader). Anything outside the common ground
the two surely agree on (explicit tags, anchors and aliases, merge keys, duplicate keys,
numbers written in octal, hex, with underscores or exponents, deep nesting, escaped lone
surrogates, any parse error) makes :func:`load` return None, and the caller reads the file the
slow, exact way, which also explains what is wrong with it.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

try:
    from yaml._yaml import CParser

    _HAVE_LIBYAML = True
except ImportError:  # PyYAML built without libyaml: every file takes the exact path
    _HAVE_LIBYAML = False

#: Private tags the resolver gives implicitly typed nodes. An explicit tag (``!!str``, ``!x``)
#: never reaches the resolver, so a node with any other tag was tagged in the text: refused.
_STR = "tag:ghdigest,fast:str"
_NULL = "tag:ghdigest,fast:null"
_BOOL = "tag:ghdigest,fast:bool"
_INT = "tag:ghdigest,fast:int"
_FLOAT = "tag:ghdigest,fast:float"
_UNSURE = "tag:ghdigest,fast:unsure"
_SEQ = "tag:ghdigest,fast:seq"
_MAP = "tag:ghdigest,fast:map"

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_PLAIN_INT = re.compile(r"-?(?:0|[1-9][0-9]*)", re.ASCII)
_PLAIN_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+", re.ASCII)
#: Plain scalars that might be numbers, merge keys or values under some reading of YAML:
#: a generous net, since all a false alarm costs is one file read the slow way.
_MAYBE_SPECIAL = re.compile(r"[-+.0-9<=]", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
#: Digits, then a letter after a dash or one that no number has right after digits (not e, o, x
#: or b): 2020-W38, 00092-explaining, 3D, 10k.
_WORDY = re.compile(r"[-+]?[0-9]+(?:-[0-9]+)*(?:-[A-Za-z]|(?![eEoOxXbB])[A-Za-z])", re.ASCII)
#: Deeper than this is refused (the exact reader then says so): no content file needs it.
MAX_DEPTH = 32


class _Refused(Exception):
    """The text is outside what this reader is sure of."""


def _resolve_plain(value: str) -> str:
    if value in _NULLS:
        return _NULL
    if value in _BOOLS:
        return _BOOL
    if not _MAYBE_SPECIAL.match(value):
        return _STR
    if _PLAIN_INT.fullmatch(value):
        return _INT
    if _PLAIN_FLOAT.fullmatch(value):
        return _FLOAT
    if _DATE.fullmatch(value) or _WORDY.match(value):
        return _STR  # a date (kept as text, as written) or words such as 2020-W38 or 3D-printing
    if " " in value and not _DATE.match(value):
        return _STR  # numbers and timestamps have no spaces, apart from timestamps' date and time
    return _UNSURE


if _HAVE_LIBYAML:

    class _Loader(CParser):
        """libyaml's parser and composer, with this module's resolver."""

        def descend_resolver(self, parent: Any, index: Any) -> None:
            """The composer's hook for path-based resolvers: none here."""

        def ascend_resolver(self) -> None:
            """The composer's hook for path-based resolvers: none here."""

        def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
            if kind is _SCALAR:
                if not implicit[0]:
                    return _STR  # quoted, or a block scalar
                tag = _PLAIN_TAGS.get(value)
                if tag is None:
                    tag = _resolve_plain(value)
                    if len(_PLAIN_TAGS) < _PLAIN_TAGS_MAX:
                        _PLAIN_TAGS[value] = tag
                return tag
            return _SEQ if kind is yaml.SequenceNode else _MAP


#: Plain scalars resolved before: the same keys (kind, headline, url…) come up in every file.
_PLAIN_TAGS: dict[str, str] = {}
_PLAIN_TAGS_MAX = 10_000
_SCALAR = yaml.ScalarNode


def _convert(node: Any, seen: set[int], depth: int) -> Any:
    tag = node.tag
    if tag is _STR:  # the resolver hands out these very strings, so identity is enough
        value = node.value
        # Only an escape in double quotes (\ud800) can make a lone surrogate, which is not text.
        if node.style == '"' and not value.isascii() and not _encodable(value):
            raise _Refused
        return value
    if tag is _MAP or tag is _SEQ:
        if depth > MAX_DEPTH or id(node) in seen:  # too deep, or an alias of a node met before
            raise _Refused
        seen.add(id(node))
        if tag is _SEQ:
            return [_convert(item, seen, depth + 1) for item in node.value]
        mapping: dict[Any, Any] = {}
        plain_keys = True
        for key_node, value_node in node.value:
            if key_node.tag is _MAP or key_node.tag is _SEQ:
                raise _Refused
            key = _convert(key_node, seen, depth + 1)
            if key in mapping:
                raise _Refused
            plain_keys = plain_keys and type(key) is str
            mapping[key] = _convert(value_node, seen, depth + 1)
        if plain_keys:
            return mapping
        # Keys that differ before becoming text (1 and "1") collide after: the exact reader decides.
        plain = {str(key): value for key, value in mapping.items()}
        if len(plain) != len(mapping):
            raise _Refused
        return plain
    if tag is _NULL:
        return None
    if tag is _BOOL:
        return _BOOLS[node.value]
    if tag is _INT:
        return int(node.value)
    if tag is _FLOAT:
        return float(node.value)
    raise _Refused  # explicit tags, and scalars that might be numbers some other way


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def available() -> bool:
    """True when PyYAML's C parser is installed, so :func:`load` can read anything at all."""
    return _HAVE_LIBYAML


def load(text: str) -> tuple[Any] | None:
    """``(data,)`` for text holding one plain YAML document, with string keys; None when unsure or not one.

    None never means the text is wrong, only that this reader leaves it to the exact one.
    """
    if not _HAVE_LIBYAML or text.startswith("%") or "\n%" in text:
        return None  # a %YAML directive may ask for another version of YAML
    loader = _Loader(text)
    try:
        nodes = []
        while loader.check_node():
            nodes.append(loader.get_node())
            if len(nodes) > 1:
                return None
        if len(nodes) != 1:
            return None
        return (_convert(nodes[0], set(), 0),)
    except Exception:  # untrusted text: whatever goes wrong, the exact reader says what and where
        return None
    finally:
        loader.dispose()
