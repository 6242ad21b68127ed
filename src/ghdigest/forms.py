"""GitHub issue forms for entries (``.github/ISSUE_TEMPLATE/``), built from the entry schema; pure.

Field ids, labels and types come from ``ghdigest.intake.FORM_FIELDS``, the table ``parse_issue`` and
``render_issue`` use, so whatever a form collects reads back as entry fields. Descriptions come from
the entry schema, so the forms say what the schema says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from ghdigest.intake import FIELDS_BY_NAME, KIND_FORM_FIELDS, PICK_OPTION, FormField, LabelRules

# (kind, file name, form name, form description), in the order GitHub lists the forms.
_FORMS: Final = (
    ("paper", "paper.yml", "Paper", "Propose a machine-learning paper for a weekly digest."),
    ("article", "article.yml", "Technical article", "Propose a blog post, tutorial or other technical article."),
    ("use_case", "use-case.yml", "Use case", "Propose an example of machine learning used in practice."),
    ("other", "other.yml", "Other topic", "Propose news, a code release, a course or another topic."),
)
#: Fields a form insists on, per kind: what an entry needs to leave the inbox (a paper needs its link;
#: an article or use case is about a page; other topics, such as a code release, may have no link).
REQUIRED: Final[Mapping[str, frozenset[str]]] = {
    "paper": frozenset({"headline", "url", "summary"}),
    "article": frozenset({"headline", "url", "summary"}),
    "use_case": frozenset({"headline", "url", "summary"}),
    "other": frozenset({"headline", "summary"}),
}
INTRO: Final = (
    "Fill in what you know. An entry without a headline, a summary or (for a paper) a link waits "
    "in the inbox until someone completes it. Markdown works in the longer answers."
)


def _description(entry_schema: Mapping[str, Any], name: str) -> str:
    """The schema's description of a (possibly nested, dotted) entry field, or ""."""
    node: Any = entry_schema
    for part in name.split("."):
        properties = node.get("properties") if isinstance(node, Mapping) else None
        node = properties.get(part) if isinstance(properties, Mapping) else None
    description = node.get("description") if isinstance(node, Mapping) else None
    return description if isinstance(description, str) else ""


def _item(form_field: FormField, entry_schema: Mapping[str, Any], required: bool) -> dict[str, Any]:
    attributes: dict[str, Any] = {"label": form_field.label}
    description = _description(entry_schema, form_field.name)
    if description:
        attributes["description"] = description
    item: dict[str, Any] = {"type": form_field.type, "id": form_field.id, "attributes": attributes}
    if form_field.type == "checkboxes":
        # GitHub ignores field-level validations on checkboxes; the option is never required.
        attributes["options"] = [{"label": PICK_OPTION}]
        return item
    if form_field.placeholder:
        attributes["placeholder"] = form_field.placeholder
    item["validations"] = {"required": required}
    return item


def issue_forms(
    entry_schema: Mapping[str, Any], *, rules: LabelRules | None = None, labels: Sequence[str] = ()
) -> dict[str, dict[str, Any]]:
    """File name -> document for ``.github/ISSUE_TEMPLATE/``: one form per kind, and ``config.yml``.

    ``labels`` are added to every form: the labels sync selects issues by, so that an issue
    opened through a form is one sync mirrors.
    """
    rules = rules or LabelRules()
    forms: dict[str, dict[str, Any]] = {}
    for kind, file_name, name, description in _FORMS:
        body: list[dict[str, Any]] = [{"type": "markdown", "attributes": {"value": INTRO}}]
        for field_name in KIND_FORM_FIELDS[kind]:
            body.append(_item(FIELDS_BY_NAME[field_name], entry_schema, field_name in REQUIRED[kind]))
        forms[file_name] = {
            "name": name,
            "description": description,
            "labels": [rules.kind_label(kind), *(label for label in labels if label != rules.kind_label(kind))],
            "body": body,
        }
    forms["config.yml"] = {"blank_issues_enabled": True}
    return forms
