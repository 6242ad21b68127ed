"""The issue forms: GitHub's structure rules, and answers that read back as entry fields."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from ghdigest import schema
from ghdigest.forms import REQUIRED, issue_forms
from ghdigest.intake import NO_RESPONSE, PICK_OPTION, IssueInput, LabelRules, parse_issue

ENTRY_SCHEMA = schema.load_schema("entry")
FORMS = issue_forms(ENTRY_SCHEMA)
KIND_OF = {"paper.yml": "paper", "article.yml": "article", "use-case.yml": "use_case", "other.yml": "other"}
FORM_FILES = list(KIND_OF)


def fields_of(form: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in form["body"] if item["type"] != "markdown"]


def submit(form: dict[str, Any], answers: dict[str, str], pick: bool | None = None) -> str:
    """The issue body GitHub writes when ``form`` is submitted with ``answers`` (by field id)."""
    parts = []
    for item in fields_of(form):
        label = item["attributes"]["label"]
        if item["type"] == "checkboxes":
            options = item["attributes"]["options"]
            value = "\n".join(f"- [{'X' if pick else ' '}] {option['label']}" for option in options)
        else:
            value = answers.get(item["id"]) or NO_RESPONSE
        parts.append(f"### {label}\n\n{value}")
    return "\n\n".join(parts)


def test_one_form_per_kind_and_a_config() -> None:
    assert list(FORMS) == [*FORM_FILES, "config.yml"]
    assert FORMS["config.yml"] == {"blank_issues_enabled": True}


def test_the_output_is_deterministic_and_plain_data() -> None:
    again = issue_forms(ENTRY_SCHEMA)
    assert json.dumps(again, ensure_ascii=False) == json.dumps(FORMS, ensure_ascii=False)
    assert json.loads(json.dumps(FORMS)) == FORMS


@pytest.mark.parametrize("name", FORM_FILES)
def test_github_form_rules(name: str) -> None:
    form = FORMS[name]
    assert list(form) == ["name", "description", "labels", "body"]
    assert form["name"].strip()
    assert form["description"].strip()
    assert form["labels"] == [LabelRules().kind_label(KIND_OF[name])]
    assert form["body"][0]["type"] == "markdown"
    assert form["body"][0]["attributes"]["value"].strip()
    items = fields_of(form)
    assert items, "a form needs at least one field that is not Markdown"
    ids = [item["id"] for item in items]
    labels = [item["attributes"]["label"] for item in items]
    assert len(set(ids)) == len(ids)
    assert len({label.casefold() for label in labels}) == len(labels)
    for item in form["body"]:
        assert item["type"] in ("markdown", "input", "textarea", "checkboxes")
        if item["type"] == "markdown":
            assert "id" not in item
            assert "validations" not in item
            continue
        assert re.fullmatch(r"[a-zA-Z0-9_-]+", item["id"])
        attributes = item["attributes"]
        assert attributes["label"].strip()
        assert attributes["description"].strip()
        if item["type"] == "checkboxes":
            assert attributes["options"] == [{"label": PICK_OPTION}]
            assert "validations" not in item
            assert "placeholder" not in attributes
        else:
            assert isinstance(item["validations"]["required"], bool)
            assert attributes["placeholder"].strip()


LINKED_PAGE = [
    "headline",
    "url",
    "summary",
    "link-card-title",
    "link-card-description",
    "link-card-site",
    "images",
    "topics",
    "week",
    "pick",
]
ASKED = {
    "paper.yml": ["headline", "title", "url", "summary", "authors", "submitted", "images", "topics", "week", "pick"],
    "article.yml": LINKED_PAGE,
    "use-case.yml": LINKED_PAGE,
    "other.yml": LINKED_PAGE,
}


@pytest.mark.parametrize("name", FORM_FILES)
def test_what_each_form_asks_for(name: str) -> None:
    items = fields_of(FORMS[name])
    assert [item["id"] for item in items] == ASKED[name]
    types = {item["id"]: item["type"] for item in items}
    assert types["summary"] == "textarea"
    assert types["images"] == "textarea"
    assert types["topics"] == "input"
    assert types["pick"] == "checkboxes"
    required = {item["id"] for item in items if item.get("validations", {}).get("required")}
    assert required == set(REQUIRED[KIND_OF[name]])


def test_descriptions_come_from_the_schema() -> None:
    items = {item["id"]: item for item in fields_of(FORMS["article.yml"])}
    properties = ENTRY_SCHEMA["properties"]
    assert items["headline"]["attributes"]["description"] == properties["headline"]["description"]
    assert items["pick"]["attributes"]["description"] == properties["pick"]["description"]
    card = properties["link_card"]["properties"]
    assert items["link-card-site"]["attributes"]["description"] == card["site"]["description"]


def test_a_schema_without_descriptions_gives_forms_without_them() -> None:
    forms = issue_forms({"properties": {}})
    assert all("description" not in item["attributes"] for item in fields_of(forms["paper.yml"]))


def test_labels_follow_the_rules() -> None:
    forms = issue_forms(ENTRY_SCHEMA, rules=LabelRules(kind_prefix="type: "))
    assert [forms[name]["labels"] for name in FORM_FILES] == [
        ["type: paper"],
        ["type: article"],
        ["type: use-case"],
        ["type: other"],
    ]


ANSWERS = {
    "headline": "Theorem proving with language modeling",
    "title": "Generative Language Modeling for Automated Theorem Proving",
    "url": "https://arxiv.org/abs/2009.03393v1",
    "summary": "A Transformer writes proofs.\n\n### Not a field\n\n```\n### Link\n```",
    "authors": "Stanislas Polu, Ilya Sutskever",
    "submitted": "2020/9/7",
    "link-card-title": "Traffic prediction with advanced Graph Neural Networks",
    "link-card-description": "By partnering with Google, DeepMind…",
    "link-card-site": "deepmind.com",
    "images": "![Figure 1](https://github.com/user-attachments/assets/abc)\nhttps://example.org/2.png",
    "topics": "theorem proving, language models",
    "week": "2020-W38",
}
EXPECTED = {
    "headline": ANSWERS["headline"],
    "title": ANSWERS["title"],
    "url": "https://arxiv.org/abs/2009.03393",
    "summary": ANSWERS["summary"],
    "authors": ["Stanislas Polu", "Ilya Sutskever"],
    "submitted": "2020-09-07",
    "link_card": {
        "title": ANSWERS["link-card-title"],
        "description": ANSWERS["link-card-description"],
        "site": ANSWERS["link-card-site"],
    },
    "images": [
        {"src": "https://github.com/user-attachments/assets/abc", "alt": "Figure 1"},
        {"src": "https://example.org/2.png"},
    ],
    "topics": ["theorem proving", "language models"],
    "week": "2020-W38",
}


@pytest.mark.parametrize("name", FORM_FILES)
@pytest.mark.parametrize("pick", [True, False])
def test_a_filled_form_reads_back(name: str, pick: bool) -> None:
    form = FORMS[name]
    body = submit(form, ANSWERS, pick=pick)
    result = parse_issue(IssueInput("Issue title", body, tuple(form["labels"])))
    asked = {item["id"] for item in fields_of(form)}
    expected: dict[str, Any] = {"kind": KIND_OF[name]}
    for key, value in EXPECTED.items():
        form_id = "link-card-title" if key == "link_card" else key
        if form_id in asked:
            expected[key] = value
    expected["pick"] = pick
    assert result.fields == expected
    assert result.problems == ()
    assert schema.validate("entry", result.fields) == []


@pytest.mark.parametrize("name", FORM_FILES)
def test_a_form_with_only_the_required_answers(name: str) -> None:
    form = FORMS[name]
    required = {item["id"] for item in fields_of(form) if item.get("validations", {}).get("required")}
    body = submit(form, {key: value for key, value in ANSWERS.items() if key in required})
    result = parse_issue(IssueInput("Issue title", body, tuple(form["labels"])))
    assert result.problems == ()
    assert "status" not in result.fields
    assert result.fields["pick"] is False


@pytest.mark.parametrize("name", FORM_FILES)
def test_an_empty_form_stays_in_the_inbox(name: str) -> None:
    form = FORMS[name]
    result = parse_issue(IssueInput("TBD", submit(form, {}), tuple(form["labels"])))
    assert result.fields["status"] == "inbox"
    assert result.fields["kind"] == KIND_OF[name]
    assert "notes" not in result.fields
