"""A Decap CMS admin generated from the JSON Schemas, and the one canonical form of content files.

``decap_config`` maps the entry and digest schemas to Decap collections and widgets; the same
schemas give ``canonical_text``, the form ``ghdigest fmt`` writes (keys in the order the admin
lists its fields, no comments), so a save from the admin and a file written by hand look alike.
Pure: files are read and written by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ghdigest import decapyaml, schema
from ghdigest.config import Config
from ghdigest.content import read_documents
from ghdigest.errors import Diagnostic
from ghdigest.yamlio import DocumentError, dump_document, parse_document

#: The Decap CMS release the admin page loads (from the CDN, or vendored from npm).
DECAP_VERSION = "3.16.3"
DECAP_CDN = f"https://unpkg.com/decap-cms@{DECAP_VERSION}/dist/decap-cms.js"
#: Folder collections, one per kind: editors see papers, articles… as separate lists.
KIND_COLLECTIONS = (
    ("papers", "paper", "Papers", "Paper"),
    ("articles", "article", "Technical articles", "Article"),
    ("use_cases", "use_case", "Use cases", "Use case"),
    ("other", "other", "Other topics", "Other topic"),
)
#: Fields kept out of the forms: written by sync (issue) or kept from the source issue (notes).
#: Decap keeps the fields of a file that its form does not show, so they survive a save.
NOT_IN_FORMS = frozenset({"issue", "notes"})
#: Fields whose text is Markdown.
MARKDOWN_FIELDS = frozenset({"summary", "intro", "outro"})
_TRIVIAL_PATTERNS = {r"\S": "must not be blank"}


def _resolve(node: Mapping[str, Any]) -> dict[str, Any]:
    """``node`` with a ``$ref`` to the common schema replaced by its target (and its own keys on top)."""
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return dict(node)
    uri, _, pointer = ref.partition("#")
    # urn:ghdigest:schemas:<name>; a bare "#/…" is inside common, the only schema others point into.
    target: Any = schema.load_schema(uri.rsplit(":", 1)[-1] if uri else "common")
    for part in pointer.strip("/").split("/"):
        target = target[part]
    return {**_resolve(target), **{k: v for k, v in node.items() if k != "$ref"}}


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _pattern_message(pattern: str, description: str) -> str:
    if pattern in _TRIVIAL_PATTERNS:
        return _TRIVIAL_PATTERNS[pattern]
    return f"does not look right: {description.rstrip('.')}" if description else "does not look right"


def field_for(name: str, node: Mapping[str, Any], required: bool) -> dict[str, Any]:
    """The Decap field for the schema property ``name``: widget, options, pattern, hint, required."""
    node = _resolve(node)
    description = str(node.get("description", ""))
    field: dict[str, Any] = {"label": _label(name), "name": name, "required": required}
    if description:
        field["hint"] = description
    if "enum" in node:
        field["widget"] = "select"
        field["options"] = list(node["enum"])
    elif "oneOf" in node or "anyOf" in node or name in MARKDOWN_FIELDS:
        # Text in one language or a map of languages: the form edits the one-language form.
        field["widget"] = "markdown"
    elif node.get("type") == "boolean":
        field["widget"] = "boolean"
    elif node.get("type") in ("integer", "number"):
        field["widget"] = "number"
        field["value_type"] = "int" if node["type"] == "integer" else "float"
    elif node.get("type") == "string" and node.get("format") == "date":
        field.update(
            widget="datetime", format="YYYY-MM-DD", date_format="YYYY-MM-DD", time_format=False, picker_utc=True
        )
    elif node.get("type") == "array":
        items = _resolve(node.get("items", {}))
        field["widget"] = "list"
        if items.get("type") == "object" and "properties" in items:
            field["fields"] = _object_fields(items)
        else:
            field["field"] = {k: v for k, v in field_for("item", items, True).items() if k not in ("hint",)}
    elif node.get("type") == "object" and "properties" in node:
        field["widget"] = "object"
        # Decap checks the required fields of an object even when the object is left empty, and then
        # refuses the save: inside an optional object nothing is required (validate still checks).
        field["fields"] = _object_fields(node, optional=not required)
    else:
        field["widget"] = "string"
    pattern = node.get("pattern")
    if isinstance(pattern, str) and field["widget"] in ("string", "markdown"):
        field["pattern"] = [pattern, _pattern_message(pattern, description)]
    if "default" in node and field["widget"] in ("select", "boolean", "number", "string"):
        field["default"] = node["default"]
    return field


def _object_fields(node: Mapping[str, Any], *, optional: bool = False) -> list[dict[str, Any]]:
    required = set() if optional else set(node.get("required", []))
    return [
        field_for(name, child, name in required)
        for name, child in node["properties"].items()
        if name not in NOT_IN_FORMS
    ]


def entry_fields(kind: str) -> list[dict[str, Any]]:
    """The form of an entry of ``kind``: its kind fixed (hidden), a headline required to name the file."""
    fields = []
    for field in _object_fields(schema.load_schema("entry")):
        if field["name"] == "kind":
            field = {"label": "Kind", "name": "kind", "widget": "hidden", "default": kind}
        elif field["name"] == "headline":
            field = {**field, "required": True}  # Decap names the file after it
        fields.append(field)
    return fields


def decap_config(
    config: Config, *, workflow: bool | None = None, local_backend_url: str | None = None
) -> dict[str, Any]:
    """The ``admin/config.yml`` of the repository: backend, media folders and one collection per kind, and weeks."""
    settings = config.settings.cms
    backend: dict[str, Any]
    if config.settings.repo:
        backend = {"name": "github", "repo": config.settings.repo, "branch": settings.branch}
        if settings.auth_base_url:
            backend["base_url"] = settings.auth_base_url
        if settings.auth_endpoint:
            backend["auth_endpoint"] = settings.auth_endpoint
    else:
        backend = {"name": "git-gateway", "branch": settings.branch}
    # decap-server's address: http://localhost:8081/api/v1 unless given.
    local: bool | dict[str, str] = {"url": local_backend_url} if local_backend_url else True
    document: dict[str, Any] = {"backend": backend, "local_backend": local}
    if settings.editorial_workflow if workflow is None else workflow:
        document["publish_mode"] = "editorial_workflow"
    document["media_folder"] = settings.media_folder
    document["public_folder"] = settings.public_folder
    collections = []
    for name, kind, label, singular in KIND_COLLECTIONS:
        collections.append(
            {
                "name": name,
                "label": label,
                "label_singular": singular,
                "folder": "issues",
                "extension": "yml",
                "format": "yml",
                "create": True,
                "filter": {"field": "kind", "value": kind},
                "identifier_field": "headline",
                "slug": "{{slug}}",
                "summary": "{{headline}} ({{week}}, {{status}})",
                "sortable_fields": ["headline", "week"],
                "fields": entry_fields(kind),
            }
        )
    collections.append(
        {
            "name": "weeks",
            "label": "Weeks",
            "label_singular": "Week",
            "folder": "issues/digests",
            "extension": "yml",
            "format": "yml",
            # A week's file is named after the week (2020-W38.yml): create it with the week's id by hand.
            "create": False,
            "identifier_field": "week",
            "summary": "{{week}} {{title}}",
            "fields": _object_fields(schema.load_schema("digest")),
        }
    )
    document["collections"] = collections
    return document


def config_text(config: Config, *, workflow: bool | None = None, local_backend_url: str | None = None) -> str:
    """``admin/config.yml`` as text, the same bytes on every run."""
    header = "# Written by `ghdigest cms decap` from the JSON Schemas: edit those (or ghdigest.yml), not this file.\n"
    return header + dump_document(decap_config(config, workflow=workflow, local_backend_url=local_backend_url))


def index_html(title: str, script: str) -> str:
    """``admin/index.html``: the page that loads Decap (from ``script``) with ``config.yml`` next to it."""
    escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return (
        "<!doctype html>\n"
        '<html lang="en">\n'
        "<head>\n"
        '  <meta charset="utf-8">\n'
        '  <meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '  <meta name="robots" content="noindex">\n'
        f"  <title>{escaped}: content manager</title>\n"
        '  <link href="config.yml" type="text/yaml" rel="cms-config-url">\n'
        "</head>\n"
        "<body>\n"
        f'  <script src="{script}"></script>\n'
        "</body>\n"
        "</html>\n"
    )


def _ordered(value: Any, node: Mapping[str, Any]) -> Any:
    """``value`` with its mapping keys in the schema's property order (others after, as written)."""
    node = _resolve(node)
    if isinstance(value, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            known = [name for name in properties if name in value]
            rest = [name for name in value if name not in properties]
            return {name: _ordered(value[name], properties.get(name, {})) for name in [*known, *rest]}
        extra = node.get("additionalProperties")
        child = extra if isinstance(extra, dict) else {}
        return {name: _ordered(item, child) for name, item in value.items()}
    if isinstance(value, list):
        items = node.get("items", {})
        return [_ordered(item, items if isinstance(items, dict) else {}) for item in value]
    return value


def canonical_text(data: Mapping[str, Any], kind: str, current: str | None = None) -> str:
    """The canonical form of an ``entry`` or ``digest`` document: as Decap CMS writes it, keys in the schema's order.

    Should Decap's form of some text not read back the same (a U+2028 in plain text, say), the
    data wins: the file is written in ghdigest's own form instead. ``current``, the text ``data``
    was read from, spares reading Decap's form back when the two are the same text.
    """
    ordered = _ordered(dict(data), schema.load_schema(kind))
    text = decapyaml.dump(ordered)
    if text == current:
        return text  # it is the very text the data was read from: it reads back the same
    try:
        if parse_document(text, "").data == ordered:
            return text
    except DocumentError:
        pass
    return dump_document(ordered)


def unformatted(config: Config) -> tuple[dict[str, str], list[Diagnostic]]:
    """Content files not in canonical form, with the text they should hold; problems of files that do not read."""
    documents, problems = read_documents(config)
    changes = {}
    for kind, document in documents:
        if not isinstance(document.data, dict):
            continue
        try:
            current = (config.root / document.display_path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            current = document.text
        text = canonical_text(document.data, kind, current)
        if current != text:
            changes[document.display_path] = text
    return changes, problems
