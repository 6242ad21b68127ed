"""The only jsonschema user: the packaged JSON Schemas and validation against them.

Documents are checked with ``fastschema``'s compiled check first; jsonschema, imported only then,
explains the ones it refuses. Schemas live in the repository's top-level ``schemas/`` folder;
wheels carry a copy inside the package (``ghdigest/schemas``), so an installed ghdigest finds
them without the source tree.
"""

from __future__ import annotations

import difflib
import functools
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from ghdigest import fastschema

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError
    from referencing import Registry

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:  # Python 3.10
    from importlib.abc import Traversable

SchemaName = Literal["entry", "digest", "config"]
SCHEMA_NAMES: tuple[str, ...] = ("common", "entry", "digest", "config", "api")


def schema_dir() -> Traversable:
    """The folder holding the schema files: inside the package when installed, else the source tree."""
    packaged = resources.files("ghdigest") / "schemas"
    if packaged.is_dir():
        return packaged
    source_tree = Path(__file__).resolve().parents[2] / "schemas"
    if source_tree.is_dir():
        return source_tree
    raise FileNotFoundError("ghdigest's JSON Schemas are missing from this installation")


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    """The parsed JSON Schema ``<name>.schema.json``."""
    text = (schema_dir() / f"{name}.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def _compiled() -> fastschema.CompiledSchemas:
    return fastschema.CompiledSchemas({load_schema(n)["$id"]: load_schema(n) for n in SCHEMA_NAMES})


def conforms(name: str, document: Any, definition: str | None = None) -> bool:
    """True when ``document`` conforms to schema ``name`` (or its ``$defs/<definition>``): the fast check."""
    ref = load_schema(name)["$id"] + (f"#/$defs/{definition}" if definition else "")
    return _compiled().check(ref)(document)


@functools.cache
def _registry() -> Registry:
    # jsonschema takes a while to import, and clean content never needs it.
    from referencing import Registry, Resource

    resources_ = [(load_schema(n)["$id"], Resource.from_contents(load_schema(n))) for n in SCHEMA_NAMES]
    return Registry().with_resources(resources_)


@functools.cache
def _validator(name: SchemaName) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(
        load_schema(name), registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


@dataclass(frozen=True)
class SchemaIssue:
    """One schema violation: where (a JSON path; ``at_key`` when the key itself is wrong), what, and why."""

    path: tuple[str | int, ...]
    code: str
    message: str
    at_key: bool = False


def field_name(path: tuple[str | int, ...]) -> str:
    """A JSON path as messages show it: ``images[2].src``."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def _json_word(value: Any) -> str:
    """``value`` as a message shows it: null, true and false as the file spells them, anything else as repr."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    return repr(value)


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "text", list: "a list", dict: "a mapping"}
    return names.get(type(value), type(value).__name__)


_EXPECTED = {
    "string": "text",
    "object": "a mapping",
    "array": "a list",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}


def _describe(error: ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    description = schema.get("description")
    return f" ({description.rstrip('.')})" if description else ""


def _leaf_errors(error: ValidationError) -> list[ValidationError]:
    """For a failed oneOf/anyOf, the errors of the branch meant for the value's type."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    instance_is_object = isinstance(error.instance, dict)
    by_branch: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        by_branch.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    branches = error.validator_value if isinstance(error.validator_value, list) else []
    for index, subs in by_branch.items():
        branch = branches[index] if index < len(branches) else {}
        wants_object = isinstance(branch, dict) and branch.get("type") == "object"
        type_errors = [s for s in subs if s.validator == "type" and not s.relative_path]
        if wants_object == instance_is_object and not type_errors:
            return [leaf for sub in subs for leaf in _leaf_errors(sub)]
    return [error]


def _issues(error: ValidationError) -> Iterator[SchemaIssue]:
    path = tuple(error.absolute_path)
    name = field_name(path)
    prefix = f"{name}: " if name else ""
    # jsonschema types these as "maybe unset"; a raised error always has them set.
    kind, value, instance = str(error.validator), cast(Any, error.validator_value), cast(Any, error.instance)
    if kind == "required":
        missing = [key for key in value if isinstance(instance, dict) and key not in instance]
        for key in missing:
            where = f" in {name}" if name else ""
            yield SchemaIssue(path, "missing-field", f"missing required field '{key}'{where}")
    elif kind == "additionalProperties" and isinstance(instance, dict):
        known = list(error.schema.get("properties", {})) if isinstance(error.schema, dict) else []
        for key in instance:
            if key in known:
                continue
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; expected one of: {', '.join(known)}"
            yield SchemaIssue(
                (*path, key), "unknown-field", f"unknown field '{field_name((*path, key))}'{hint}", at_key=True
            )
    elif kind == "enum":
        choices = ", ".join(str(choice) for choice in value)
        code = "unknown-kind" if path and path[-1] == "kind" else "invalid-value"
        shown = _json_word(instance)
        yield SchemaIssue(path, code, f"{prefix}{shown} is not allowed; expected one of: {choices}")
    elif kind == "type":
        expected = " or ".join(_EXPECTED.get(t, t) for t in ([value] if isinstance(value, str) else value))
        yield SchemaIssue(path, "wrong-type", f"{prefix}expected {expected}, found {_type_name(instance)}")
    elif kind in ("oneOf", "anyOf"):
        yield SchemaIssue(
            path, "wrong-type", f"{prefix}expected text or a map from language to text, found {_type_name(instance)}"
        )
    elif kind == "pattern" and value == r"\S":
        yield SchemaIssue(path, "empty-value", f"{prefix}must not be blank")
    elif kind == "pattern" and "propertyNames" in error.absolute_schema_path:
        code = error.schema.get("x-error-code", "invalid-key") if isinstance(error.schema, dict) else "invalid-key"
        yield SchemaIssue((*path, instance), code, f"{prefix}key {instance!r} is not valid{_describe(error)}", True)
    elif kind == "pattern":
        # Stable codes come from the schema itself (x-error-code), never from its prose.
        code = (
            error.schema.get("x-error-code", "invalid-format") if isinstance(error.schema, dict) else "invalid-format"
        )
        yield SchemaIssue(path, code, f"{prefix}{instance!r} is not valid{_describe(error)}")
    elif kind == "format":
        yield SchemaIssue(
            path,
            f"invalid-{value}",
            f"{prefix}{instance!r} is not a valid {value} (YYYY-MM-DD)"
            if value == "date"
            else f"{prefix}{instance!r} is not a valid {value}",
        )
    elif kind == "minLength" and value == 1:
        yield SchemaIssue(path, "empty-value", f"{prefix}must not be empty")
    elif kind == "maxLength":
        yield SchemaIssue(path, "too-long", f"{prefix}is {len(instance)} characters long; the limit is {value}")
    elif kind in ("minItems", "minProperties"):
        yield SchemaIssue(path, "empty-value", f"{prefix}needs at least {value} item(s)")
    elif kind == "uniqueItems":
        yield SchemaIssue(path, "duplicate-item", f"{prefix}lists the same item more than once")
    else:
        yield SchemaIssue(path, f"schema-{kind}", f"{prefix}{error.message}")


def validate(name: SchemaName, document: Any) -> list[SchemaIssue]:
    """Every way ``document`` breaks schema ``name``, in document order; empty when it conforms."""
    if conforms(name, document):
        return []
    found: list[SchemaIssue] = []
    for error in _validator(name).iter_errors(document):
        for leaf in _leaf_errors(error):
            found.extend(_issues(leaf))
    return found


def is_valid(name: SchemaName, document: Any) -> bool:
    """True when jsonschema finds that ``document`` conforms to schema ``name``: the reference ``conforms`` matches."""
    return bool(_validator(name).is_valid(document))


@functools.cache
def _definition_validator(name: str, definition: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    reference = {"$ref": f"{load_schema(name)['$id']}#/$defs/{definition}"}
    return Draft202012Validator(reference, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def definition_problems(name: str, definition: str, document: Any) -> list[str]:
    """Every way ``document`` breaks ``$defs/<definition>`` of schema ``name`` ("path: message"); empty if none."""
    if conforms(name, document, definition):
        return []
    errors = sorted(_definition_validator(name, definition).iter_errors(document), key=lambda e: list(map(str, e.path)))
    return [f"{error.json_path}: {error.message}" for error in errors]
