"""Validate the stub's responses against GitHub's own OpenAPI 3.0 description (the subset shipped next to this file)."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).with_name("api.github.com.subset.json")
#: The stub takes uploads under this path of its own host (as GitHub Enterprise Server does); the description
#: names the same path on the uploads host.
UPLOADS_PREFIX = "/api/uploads"
DOC_URI = "urn:ghdigest-tests:github-openapi"

# OpenAPI-only keywords: dropped so that jsonschema sees plain JSON Schema (``nullable`` is rewritten, not dropped).
_OPENAPI_ONLY = frozenset(
    {"nullable", "discriminator", "readOnly", "writeOnly", "xml", "externalDocs", "example", "deprecated"}
)
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_MAX_ERRORS_PER_RESPONSE = 5

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$")

# jsonschema only checks date-time and uri when optional packages are installed; these two checks need none.
FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    """RFC 3339 date-time, the format every GitHub timestamp uses."""
    return not isinstance(value, str) or bool(_RFC3339.match(value))


@FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    """An absolute URI: a scheme, then no whitespace."""
    return not isinstance(value, str) or bool(_URI.match(value))


def to_json_schema(schema: Any) -> Any:
    """Turn an OpenAPI 3.0 schema object into JSON Schema: ``nullable`` becomes a null type, OpenAPI keywords go."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _OPENAPI_ONLY or key.startswith("x-"):
            continue
        if key == "properties":
            # Property *names* may collide with keywords ("nullable", "example"), so only their values are converted.
            out[key] = {name: to_json_schema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = to_json_schema(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [to_json_schema(sub) for sub in value]
        else:
            out[key] = value
    if schema.get("nullable") is True:
        if "type" in out:
            kinds = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = [*kinds, "null"] if "null" not in kinds else kinds
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _amended(document: dict[str, Any]) -> dict[str, Any]:
    """The description with two gaps filled, each where GitHub is known to answer otherwise than it says.

    A failed upload leaves an asset in state "starter" (GitHub's REST documentation says so; the schema lists
    only "uploaded" and "open"). A refused upload (a name already taken) answers 422 with the usual Validation
    Failed body, which the description leaves out.
    """
    amended = json.loads(json.dumps(document))
    schemas = amended["components"]["schemas"]
    if "release-asset" in schemas:
        schemas["release-asset"]["properties"]["state"]["enum"].append("starter")
    upload = amended["paths"].get("/repos/{owner}/{repo}/releases/{release_id}/assets", {}).get("post")
    if upload is not None:
        upload["responses"]["422"] = {"$ref": "#/components/responses/validation_failed"}
    return amended


def _pointer(*segments: str) -> str:
    """A URI fragment holding a JSON pointer to ``segments``."""
    escaped = (segment.replace("~", "~0").replace("/", "~1") for segment in segments)
    return "#" + quote("/" + "/".join(escaped), safe="/~")


@dataclass(frozen=True)
class _Expectation:
    """What one (operation, status) may answer: a compiled validator, or ``None`` when the body must be empty."""

    validator: Draft202012Validator | None
    source: str


class OpenAPIDescription:
    """The parsed description: path templates, and validators compiled once per operation and status."""

    def __init__(self, document: dict[str, Any]) -> None:
        """Convert every schema and register the document so ``#/components/...`` references resolve."""
        document = _amended(document)
        self.document = document
        converted = json.loads(json.dumps(document))
        for name, schema in converted["components"]["schemas"].items():
            converted["components"]["schemas"][name] = to_json_schema(schema)

        responses = list(converted["components"].get("responses", {}).values())
        for item in converted["paths"].values():
            for method in _METHODS:
                if method in item:
                    responses.extend(item[method].get("responses", {}).values())
        for response in responses:
            for media in response.get("content", {}).values():
                if "schema" in media:
                    media["schema"] = to_json_schema(media["schema"])
        self._registry: Registry[Any] = Registry().with_resource(DOC_URI, DRAFT202012.create_resource(converted))
        # Literal segments beat parameters: /issues/comments must not be read as /issues/{issue_number}.
        templates = sorted(document["paths"], key=lambda template: (template.count("{"), template))
        self._templates: list[tuple[re.Pattern[str], str]] = [
            (re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(t)) + "$"), t) for t in templates
        ]
        self._cache: dict[tuple[str, str, int], _Expectation | str] = {}
        self._lock = threading.Lock()

    def template_for(self, path: str) -> str | None:
        """The OpenAPI path template that ``path`` instantiates; ``/repositories/{id}/...`` reads as ``/repos/...``.

        An upload (``/api/uploads/repos/...``) reads as the described path, which GitHub serves on its uploads host.
        """
        path = path.removeprefix(UPLOADS_PREFIX) if path.startswith(f"{UPLOADS_PREFIX}/") else path
        path = (
            re.sub(r"^/repositories/[^/]+", "/repos/{owner}/{repo}", path)
            if path.startswith("/repositories/")
            else path
        )
        for pattern, template in self._templates:
            if pattern.match(path):
                return template
        return None

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        """The (template, operation object) for ``method path``, or ``None`` when the description lacks it."""
        template = self.template_for(path)
        if template is None:
            return None
        op = self.document["paths"][template].get(method.lower())
        return (template, op) if isinstance(op, dict) else None

    def _expectation(self, template: str, method: str, status: int) -> _Expectation | str:
        """Compile (once) what ``status`` may carry for the operation; a string explains why nothing applies."""
        key = (template, method, status)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        op_path = ("paths", template, method.lower(), "responses")
        responses: dict[str, Any] = self.document["paths"][template][method.lower()].get("responses", {})
        where: tuple[str, ...] | None = None
        if str(status) in responses:
            where = (*op_path, str(status))
        elif "default" in responses:
            where = (*op_path, "default")
        expectation: _Expectation | str
        if where is not None:
            response = responses[where[-1]]
            source = f"{template} {where[-1]}"
            if "$ref" in response:
                name = response["$ref"].rsplit("/", 1)[-1]
                response = self.document["components"]["responses"][name]
                where = ("components", "responses", name)
            if "application/json" in response.get("content", {}):
                expectation = self._compile((*where, "content", "application/json", "schema"), source)
            else:
                expectation = _Expectation(None, source)
        elif status == 304:
            # Conditional requests are HTTP-level: GitHub answers 304 on any GET, documented or not; no body allowed.
            expectation = _Expectation(None, "HTTP 304")
        elif status >= 400:
            # Undocumented errors (401, 429, 5xx, ...) still carry GitHub's generic error shape.
            expectation = self._compile(("components", "schemas", "basic-error"), "basic-error (generic error)")
        else:
            expectation = f"status {status} is not documented for {method} {template}"
        with self._lock:
            self._cache[key] = expectation
        return expectation

    def _compile(self, segments: tuple[str, ...], source: str) -> _Expectation:
        """A validator for the schema at ``segments`` inside the registered document."""
        schema = {"$ref": DOC_URI + _pointer(*segments)}
        return _Expectation(Draft202012Validator(schema, registry=self._registry, format_checker=FORMATS), source)

    def check(self, method: str, url_path: str, status: int, body: bytes) -> list[str]:
        """Readable problems with one response (empty when it conforms to the description)."""
        path = urlsplit(url_path).path
        label = f"{method} {path} -> {status}"
        found = self.operation(method, path)
        if found is None:
            return [f"{label}: operation not in the OpenAPI description"]
        expectation = self._expectation(found[0], method.upper(), status)
        if isinstance(expectation, str):
            return [f"{label}: {expectation}"]
        if expectation.validator is None:
            return [] if not body else [f"{label}: {expectation.source} has no body, but {len(body)} bytes were sent"]
        try:
            instance = json.loads(body)
        except ValueError as error:
            return [f"{label}: body is not JSON ({error})"]
        errors = sorted(expectation.validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [_describe(label, expectation.source, error) for error in errors[:_MAX_ERRORS_PER_RESPONSE]]


def _describe(label: str, source: str, error: ValidationError) -> str:
    """One line per schema violation: where in the JSON, and jsonschema's own message (the most specific one)."""
    specific = best_match([error]) if error.context else error
    message = specific.message if len(specific.message) <= 300 else specific.message[:297] + "..."
    return f"{label}: {message} at {specific.json_path} (schema {source})"


@cache
def description() -> OpenAPIDescription:
    """The shared, lazily built description (validators are cached inside it, across stubs)."""
    return OpenAPIDescription(json.loads(SPEC_PATH.read_text(encoding="utf-8")))
