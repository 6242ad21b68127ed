"""A yes/no check of data against ghdigest's JSON Schemas, compiled once into plain Python functions.

jsonschema walks a schema afresh for every document and resolves each ``$ref`` as it goes, which
on a large archive costs more than reading the files. Here each schema is compiled once into
nested closures, with every ``$ref`` bound at compile time. The compiler knows the part of JSON
Schema 2020-12 ghdigest's schemas use, with jsonschema's exact semantics (``True`` is not ``1``,
``1.0`` is an integer, ``pattern`` searches, ``format: date`` is checked), and refuses a schema
using any other keyword, so a new keyword cannot be silently ignored. It only answers "valid?":
``schema`` asks jsonschema to explain a document this check refuses.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

#: Keywords that never change whether a document is valid.
_ANNOTATIONS = frozenset(
    {
        "$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples", "deprecated",
        "readOnly", "writeOnly", "contentMediaType", "contentEncoding", "x-error-code",
    }
)  # fmt: skip
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


class UnsupportedSchema(ValueError):
    """A schema uses a keyword (or a form of one) this compiler does not implement."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": lambda v: _is_number(v) and (isinstance(v, int) or v.is_integer()),
}


def _unbool(value: Any) -> Any:
    return ("bool", value) if isinstance(value, bool) else value


def equal(one: Any, two: Any) -> bool:
    """JSON equality: ``True`` differs from ``1``, lists and mappings compare item by item."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(equal(one[key], two[key]) for key in one)
    return bool(_unbool(one) == _unbool(two))


def _unique(items: list[Any]) -> bool:
    if all(isinstance(item, str) for item in items):
        return len(set(items)) == len(items)
    return not any(equal(items[i], items[j]) for i in range(len(items)) for j in range(i + 1, len(items)))


def _valid_date(value: str) -> bool:
    if not _DATE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _any(checks: list[Check]) -> Check:
    def check(value: Any) -> bool:
        for one in checks:  # noqa: SIM110  (a plain loop: any() over a generator is slower here)
            if one(value):
                return True
        return False

    return check


def _all(checks: list[Check]) -> Check:
    if not checks:
        return lambda _value: True
    if len(checks) == 1:
        return checks[0]

    def check(value: Any) -> bool:
        for one in checks:  # noqa: SIM110  (a plain loop: all() over a generator is slower here)
            if not one(value):
                return False
        return True

    return check


class _Compiler:
    def __init__(self, resources: Mapping[str, Mapping[str, Any]]) -> None:
        self.resources = resources
        self.compiled: dict[tuple[str, str], Check] = {}
        self.compiling: dict[tuple[str, str], list[Check]] = {}

    def reference(self, base: str, ref: str) -> Check:
        uri, _, pointer = ref.partition("#")
        target = uri or base
        if target not in self.resources or (pointer and not pointer.startswith("/")):
            raise UnsupportedSchema(f"$ref {ref!r} names no packaged schema or is not a JSON pointer")
        key = (target, pointer)
        if key in self.compiled:
            return self.compiled[key]
        if key in self.compiling:
            # A schema that refers to itself, met while compiling it: bound when it is compiled,
            # and followed at run time. Every other $ref is the referred check itself.
            cell = self.compiling[key]
            return lambda value: cell[0](value)
        self.compiling[key] = []
        node: Any = self.resources[target]
        for part in pointer.split("/")[1:]:
            node = node[part.replace("~1", "/").replace("~0", "~")]
        check = self.compile(node, target)
        self.compiling.pop(key).append(check)
        self.compiled[key] = check
        return check

    def compile(self, schema: Any, base: str) -> Check:
        if schema is True or schema == {}:
            return lambda _value: True
        if schema is False:
            return lambda _value: False
        if not isinstance(schema, dict):
            raise UnsupportedSchema(f"a schema must be a mapping or true/false, not {schema!r}")
        checks: list[Check] = []
        for keyword, value in schema.items():
            if keyword in _ANNOTATIONS or keyword in ("properties", "additionalProperties"):
                continue
            checks.append(self.keyword(keyword, value, schema, base))
        if "properties" in schema or "additionalProperties" in schema:
            checks.append(self.object_members(schema, base))
        return _all(checks)

    def object_members(self, schema: dict[str, Any], base: str) -> Check:
        properties = {name: self.compile(sub, base) for name, sub in schema.get("properties", {}).items()}
        other = schema.get("additionalProperties", True)
        other_check = None if other is True else self.compile(other, base)

        def check(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            for name, item in value.items():
                member = properties.get(name, other_check)
                if member is not None and not member(item):
                    return False
            return True

        return check

    def keyword(self, keyword: str, value: Any, schema: dict[str, Any], base: str) -> Check:
        if keyword == "$ref":
            return self.reference(base, value)
        if keyword == "type":
            names = [value] if isinstance(value, str) else list(value)
            tests = [_TYPES[name] for name in names]
            return tests[0] if len(tests) == 1 else _any(tests)
        if keyword == "enum":
            choices = list(value)
            if all(isinstance(choice, str) for choice in choices):
                allowed = frozenset(choices)
                return lambda v: isinstance(v, str) and v in allowed
            return lambda v: any(equal(v, choice) for choice in choices)
        if keyword == "const":
            return lambda v: equal(v, value)
        if keyword == "pattern":
            search = re.compile(value).search
            return lambda v: not isinstance(v, str) or search(v) is not None
        if keyword == "minLength":
            return lambda v: not isinstance(v, str) or len(v) >= value
        if keyword == "maxLength":
            return lambda v: not isinstance(v, str) or len(v) <= value
        if keyword == "format":
            if value != "date":
                raise UnsupportedSchema(f"format {value!r} is not implemented")
            return lambda v: not isinstance(v, str) or _valid_date(v)
        if keyword == "minimum":
            return lambda v: not _is_number(v) or v >= value
        if keyword == "maximum":
            return lambda v: not _is_number(v) or v <= value
        if keyword == "exclusiveMinimum":
            return lambda v: not _is_number(v) or v > value
        if keyword == "exclusiveMaximum":
            return lambda v: not _is_number(v) or v < value
        if keyword == "required":
            required = frozenset(value)
            return lambda v: not isinstance(v, dict) or v.keys() >= required
        if keyword == "minProperties":
            return lambda v: not isinstance(v, dict) or len(v) >= value
        if keyword == "propertyNames":
            name_check = self.compile(value, base)
            return lambda v: not isinstance(v, dict) or all(map(name_check, v))
        if keyword == "items":
            item_check = self.compile(value, base)
            return lambda v: not isinstance(v, list) or all(map(item_check, v))
        if keyword == "minItems":
            return lambda v: not isinstance(v, list) or len(v) >= value
        if keyword == "maxItems":
            return lambda v: not isinstance(v, list) or len(v) <= value
        if keyword == "uniqueItems":
            return (lambda v: not isinstance(v, list) or _unique(v)) if value else (lambda _v: True)
        if keyword in ("anyOf", "oneOf", "allOf"):
            branches = [self.compile(sub, base) for sub in value]
            if keyword == "anyOf":
                return _any(branches)
            if keyword == "allOf":
                return _all(branches)
            return lambda v: sum(1 for branch in branches if branch(v)) == 1
        if keyword == "not":
            negated = self.compile(value, base)
            return lambda v: not negated(v)
        raise UnsupportedSchema(f"keyword {keyword!r} is not implemented")


class CompiledSchemas:
    """Every schema of a set (by ``$id``), compiled on first use; ``check`` answers whether data conforms."""

    def __init__(self, resources: Mapping[str, Mapping[str, Any]]) -> None:
        self._compiler = _Compiler(resources)

    def check(self, ref: str) -> Check:
        """The compiled check of ``ref``: a schema's ``$id``, or ``$id#/json/pointer`` for a part of one."""
        base = ref.partition("#")[0]
        return self._compiler.reference(base, ref)
