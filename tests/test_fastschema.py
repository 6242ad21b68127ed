"""The compiled schema check says "valid" exactly when jsonschema does, on every schema ghdigest ships."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from ghdigest import fastschema, schema
from ghdigest.yamlio import load_document

from .conftest import FIXTURES, PROJECT_ROOT

RESOURCES = {schema.load_schema(n)["$id"]: schema.load_schema(n) for n in schema.SCHEMA_NAMES}
DOCUMENT_SCHEMAS = ("entry", "digest", "config")


def reference_valid(target: dict[str, Any], document: Any) -> bool:
    """jsonschema's verdict for ``document`` against ``target`` (which may $ref the packaged schemas)."""
    from referencing import Registry, Resource

    registry = Registry().with_resources([(uri, Resource.from_contents(s)) for uri, s in RESOURCES.items()])
    validator = Draft202012Validator(target, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return bool(validator.is_valid(document))


def compiled_valid(target: dict[str, Any], document: Any) -> bool:
    resources = {**RESOURCES, "urn:test": target}
    return fastschema.CompiledSchemas(resources).check("urn:test")(document)


JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 3),
        st.sampled_from([0.0, 1.0, 1.5, -2.0, 1e300]),
        st.sampled_from(["", " ", "a", "A b", "2020-09-14", "2020-02-30", "2020-W38", "x\n", "<script>", "en", "ja"]),
        st.text(max_size=4),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=3), children, max_size=4)
    ),
    max_leaves=8,
)

#: One small schema per keyword (and the forms of it ghdigest's schemas use).
KEYWORD_SCHEMAS = [
    {"type": "integer"},
    {"type": "number"},
    {"type": "boolean"},
    {"type": "null"},
    {"type": ["string", "null"]},
    {"type": "object"},
    {"type": "array"},
    {"enum": ["a", "en", ""]},
    {"enum": [1, True, None, [1], {"a": 1}]},
    {"const": 1},
    {"const": True},
    {"const": [1, {"a": False}]},
    {"pattern": r"\S"},
    {"pattern": r"^[a-z]+$"},
    {"minLength": 1},
    {"maxLength": 2},
    {"format": "date"},
    {"minimum": 0},
    {"maximum": 1.5},
    {"exclusiveMinimum": 0},
    {"required": ["a", "en"]},
    {"minProperties": 1},
    {"propertyNames": {"pattern": "^[a-z]{2}$"}},
    {"items": {"type": "string"}},
    {"minItems": 1},
    {"uniqueItems": True},
    {"properties": {"a": {"type": "string"}}},
    {"properties": {"a": {"type": "string"}}, "additionalProperties": False},
    {"additionalProperties": {"type": "integer"}},
    {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    {"oneOf": [{"type": "number"}, {"type": "integer"}]},
    {"allOf": [{"type": "string"}, {"pattern": "a"}]},
    {"not": {"type": "string"}},
    {"$ref": "urn:ghdigest:schemas:common#/$defs/localizedText"},
    {"type": "string", "contentMediaType": "text/html", "description": "annotations do not count"},
]


@pytest.mark.parametrize("target", KEYWORD_SCHEMAS, ids=lambda s: json.dumps(s)[:60])
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors]
)
@given(document=JSON)
def test_each_keyword_agrees_with_jsonschema(target: dict[str, Any], document: Any) -> None:
    assert compiled_valid(target, document) is reference_valid(target, document), document


@pytest.mark.parametrize("keyword", [{"if": {}}, {"patternProperties": {}}, {"format": "email"}, {"$ref": "#nope"}])
def test_a_keyword_it_does_not_know_is_refused_at_compile_time(keyword: dict[str, Any]) -> None:
    with pytest.raises(fastschema.UnsupportedSchema):
        compiled_valid(keyword, "x")


def test_every_shipped_schema_and_definition_compiles() -> None:
    compiled = fastschema.CompiledSchemas(RESOURCES)
    for uri, resource in RESOURCES.items():
        compiled.check(uri)
        for definition in resource.get("$defs", {}):
            compiled.check(f"{uri}#/$defs/{definition}")


def _fixture_documents() -> list[tuple[str, Any]]:
    found = []
    for name in DOCUMENT_SCHEMAS:
        for path in sorted((FIXTURES / "schema" / name).glob("*/*.yml")):
            found.append((name, load_document(path, path.name).data))
    for path in sorted((PROJECT_ROOT / "issues").glob("*.yml")):
        found.append(("entry", load_document(path, path.name).data))
    return found


FIXTURE_DOCUMENTS = _fixture_documents()


def test_fixtures_get_the_same_verdicts() -> None:
    assert len(FIXTURE_DOCUMENTS) > 50
    verdicts = set()
    for name, document in FIXTURE_DOCUMENTS:
        verdict = schema.is_valid(name, document)  # type: ignore[arg-type]
        assert schema.conforms(name, document) is verdict, (name, document)
        verdicts.add(verdict)
    assert verdicts == {True, False}


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*prefix, index)))
    return found


def _mutated(document: Any, path: tuple[Any, ...], new: Any, key: str | None) -> Any:
    if not path:
        return new
    copied = copy.deepcopy(document)
    parent = copied
    for step in path[:-1]:
        parent = parent[step]
    if key is not None and isinstance(parent, dict):
        parent[key] = new  # a new (possibly unknown) field beside the chosen one
    else:
        parent[path[-1]] = new
    return copied


FIELD_NAMES = st.sampled_from(["kind", "url", "summary", "en", "zz", "week", "date", "order", "status", "extra"])


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_documents_get_the_same_verdicts(data: st.DataObject) -> None:
    """Valid and invalid fixtures with one value replaced or one field added: still the same verdicts."""
    name, document = data.draw(st.sampled_from(FIXTURE_DOCUMENTS))
    path = data.draw(st.sampled_from(_paths(document)))
    key = data.draw(st.one_of(st.none(), FIELD_NAMES))
    mutated = _mutated(document, path, data.draw(JSON), key)
    assert schema.conforms(name, mutated) is schema.is_valid(name, mutated), mutated  # type: ignore[arg-type]


def _api_documents() -> list[tuple[str, Any]]:
    """The example week's content API, as the build writes it (reviewed golden output)."""
    folder = PROJECT_ROOT / "tests" / "golden" / "seed-site" / "api"
    found = [("index", json.loads((folder / "index.json").read_text(encoding="utf-8")))]
    weeks = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((folder / "weeks").glob("*.json"))]
    found += [("week", week) for week in weeks]
    # An entry's own document is the object its week document holds.
    found += [("entry", e) for week in weeks for section in week["sections"] for e in section["entries"]]
    return found


API_DOCUMENTS = _api_documents()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_api_documents_get_the_same_verdicts(data: st.DataObject) -> None:
    """The build checks its own API output with the compiled check: it agrees with jsonschema there too."""
    definition, document = data.draw(st.sampled_from(API_DOCUMENTS))
    if data.draw(st.booleans()):
        path = data.draw(st.sampled_from(_paths(document)))
        document = _mutated(document, path, data.draw(JSON), data.draw(st.one_of(st.none(), FIELD_NAMES)))
    target = {"$ref": f"urn:ghdigest:schemas:api#/$defs/{definition}"}
    assert schema.conforms("api", document, definition) is reference_valid(target, document), document


def test_the_example_api_documents_are_there_and_valid() -> None:
    assert {definition for definition, _ in API_DOCUMENTS} == {"index", "week", "entry"}
    for definition, document in API_DOCUMENTS:
        assert schema.conforms("api", document, definition), definition


_TREE = {
    "$id": "urn:test",
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "children": {"type": "array", "items": {"$ref": "#"}},
        "parent": {"$ref": "#/$defs/node"},
    },
    "$defs": {"node": {"anyOf": [{"type": "null"}, {"$ref": "#"}]}},
}


@pytest.mark.parametrize(
    "document",
    [
        {"name": "a"},
        {"name": "a", "children": [{"name": "b", "children": [{"name": "c"}]}]},
        {"name": "a", "children": [{"name": "b", "children": [{"name": ""}]}]},  # invalid three levels down
        {"name": "a", "children": [{"name": "b", "children": [{"nom": "c"}]}]},
        {"name": "a", "parent": None},
        {"name": "a", "parent": {"name": "p", "parent": {"name": "q", "children": []}}},
        {"name": "a", "parent": {"name": "p", "parent": {"name": 3}}},
    ],
)
def test_a_schema_that_refers_to_itself_is_followed_as_deep_as_the_document_goes(document: Any) -> None:
    assert compiled_valid(_TREE, document) is reference_valid(_TREE, document)
