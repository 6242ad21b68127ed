"""The JSON Schemas and the pydantic models accept and refuse exactly the same documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel, ValidationError

from ghdigest import schema
from ghdigest.models import Digest, Entry, Settings
from ghdigest.yamlio import load_document

from .conftest import FIXTURES, PROJECT_ROOT

MODELS: dict[str, type[BaseModel]] = {"entry": Entry, "digest": Digest, "config": Settings}
CASES = sorted((FIXTURES / "schema").glob("*/*/*.yml"))


def _load(path: Path) -> Any:
    return load_document(path, path.name).data


def _model_accepts(model: type[BaseModel], data: Any) -> bool:
    try:
        model.model_validate(data)
    except ValidationError:
        return False
    return True


def test_there_are_enough_cases_of_each_kind() -> None:
    for name in MODELS:
        valid = list((FIXTURES / "schema" / name / "valid").glob("*.yml"))
        invalid = list((FIXTURES / "schema" / name / "invalid").glob("*.yml"))
        assert len(valid) >= 2, name
        assert len(invalid) >= 4, name


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parts[-3]}/{p.parts[-2]}/{p.stem}")
def test_schema_and_model_agree(path: Path) -> None:
    name, verdict = path.parts[-3], path.parts[-2]
    data = _load(path)
    expected = verdict == "valid"
    assert schema.is_valid(name, data) is expected, schema.validate(name, data)
    assert _model_accepts(MODELS[name], data) is expected


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "issues").glob("*.yml")), ids=lambda p: p.stem)
def test_example_entries_pass_both(path: Path) -> None:
    data = _load(path)
    assert schema.is_valid("entry", data)
    assert _model_accepts(Entry, data)


def _object_schemas(node: Any, resolve: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        uri, _, pointer = node["$ref"].partition("#")
        target: Any = resolve[uri]
        for part in pointer.strip("/").split("/"):
            target = target[part]
        return _object_schemas(target, resolve)
    return dict(node)


@pytest.mark.parametrize(("name", "model"), MODELS.items())
def test_model_fields_are_the_schema_properties(name: str, model: type[BaseModel]) -> None:
    """A field added to one side only is caught even before a fixture exercises it."""
    resolve = {schema.load_schema(n)["$id"]: schema.load_schema(n) for n in schema.SCHEMA_NAMES}

    def compare(json_schema: dict[str, Any], pydantic_model: type[BaseModel], where: str) -> None:
        properties = json_schema["properties"]
        assert set(properties) == set(pydantic_model.model_fields), where
        required = {n for n, f in pydantic_model.model_fields.items() if f.is_required()}
        assert set(json_schema.get("required", [])) == required, where
        for field_name, field in pydantic_model.model_fields.items():
            sub = _object_schemas(properties[field_name], resolve)
            nested = [a for a in _model_args(field.annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
            if nested:
                if sub.get("type") == "array":
                    target = sub["items"]
                elif "properties" not in sub:  # a mapping of names to objects, such as links.hosts
                    target = sub["additionalProperties"]
                else:
                    target = sub
                compare(_object_schemas(target, resolve), nested[0], f"{where}.{field_name}")

    compare(schema.load_schema(name), model, name)


def _model_args(annotation: Any) -> list[Any]:
    found = [annotation]
    for arg in get_args(annotation):
        found.extend(_model_args(arg))
    return found


def test_schema_files_are_valid_draft_2020_12() -> None:
    from jsonschema import Draft202012Validator

    for name in schema.SCHEMA_NAMES:
        document = json.loads((PROJECT_ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(document)
        assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize(
    "path",
    [
        *sorted((FIXTURES / "schema" / "entry" / "valid").glob("*.yml")),
        *sorted((PROJECT_ROOT / "issues").glob("*.yml")),
    ],
    ids=lambda p: p.stem,
)
def test_the_fields_checks_read_are_what_the_model_holds(path: Path) -> None:
    """Checks and planning read entries without the model (EntryFields); they must see what it would."""
    from ghdigest.content import EntryFields

    data = _load(path)
    fields, entry = EntryFields.of(data), Entry.model_validate(data)
    assert (fields.kind, fields.status, fields.headline, fields.title, fields.url) == (
        entry.kind, entry.status, entry.headline, entry.title, entry.url
    )  # fmt: skip
    assert fields.has_summary is (entry.summary is not None)
    assert fields.image_sources == tuple(image.src for image in entry.images)
    assert (fields.section, fields.week, fields.date, fields.pick) == (
        entry.section,
        entry.week,
        entry.date,
        entry.pick,
    )
    assert fields.issue_number == (entry.issue.number if entry.issue else None)
