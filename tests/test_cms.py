"""The Decap CMS admin generated from the schemas, and the canonical form ``ghdigest fmt`` writes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

from ghdigest.cms import DECAP_CDN, DECAP_VERSION, decap_config
from ghdigest.config import load_config
from ghdigest.yamlio import load_document

from .conftest import PROJECT_ROOT

Cli = Callable[..., Result]
MakeRepo = Callable[..., Path]


def _fields(collection: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {field["name"]: field for field in collection["fields"]}


def test_one_collection_per_kind_and_one_of_weeks() -> None:
    document = decap_config(load_config(PROJECT_ROOT))
    collections = {c["name"]: c for c in document["collections"]}
    assert list(collections) == ["papers", "articles", "use_cases", "other", "weeks"]
    for name, kind in (("papers", "paper"), ("articles", "article"), ("use_cases", "use_case"), ("other", "other")):
        collection = collections[name]
        assert collection["folder"] == "issues"
        assert collection["filter"] == {"field": "kind", "value": kind}
        assert (collection["format"], collection["extension"], collection["create"]) == ("yml", "yml", True)
        assert _fields(collection)["kind"] == {"label": "Kind", "name": "kind", "widget": "hidden", "default": kind}
    assert collections["weeks"]["folder"] == "issues/digests"
    assert collections["weeks"]["create"] is False


def test_widgets_follow_the_entry_schema() -> None:
    papers = next(c for c in decap_config(load_config(PROJECT_ROOT))["collections"] if c["name"] == "papers")
    fields = _fields(papers)
    assert list(fields)[:6] == ["kind", "status", "headline", "title", "url", "summary"]
    assert "issue" not in fields  # kept in the files, not shown in the forms
    assert "notes" not in fields
    assert fields["status"]["widget"] == "select"
    assert fields["status"]["options"] == ["inbox", "selected", "published", "skip"]
    assert fields["status"]["default"] == "selected"
    assert fields["headline"]["required"] is True
    assert fields["headline"]["pattern"] == [r"\S", "must not be blank"]
    assert fields["title"]["required"] is False
    assert fields["title"]["hint"].startswith("The full title")
    assert fields["url"]["widget"] == "string"
    assert fields["url"]["pattern"][0].startswith("^https?://")
    assert fields["summary"]["widget"] == "markdown"
    assert fields["images"]["widget"] == "list"
    assert [f["name"] for f in fields["images"]["fields"]] == ["src", "alt", "caption"]
    assert fields["images"]["fields"][0]["required"] is True
    assert fields["link_card"]["widget"] == "object"
    # Decap checks an object's required fields even when it is left empty: nothing is required inside an
    # optional object, or no entry without a link card could be saved (validate still checks the title).
    assert [f["required"] for f in fields["link_card"]["fields"]] == [False, False, False]
    assert fields["topics"] == {
        **fields["topics"],
        "widget": "list",
        "field": {
            "label": "Item",
            "name": "item",
            "required": True,
            "widget": "string",
            "pattern": [r"\S", "must not be blank"],
        },
    }
    assert fields["submitted"]["widget"] == "datetime"
    assert (fields["submitted"]["format"], fields["submitted"]["time_format"]) == ("YYYY-MM-DD", False)
    assert fields["week"]["pattern"][0] == "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$"
    assert fields["pick"]["widget"] == "boolean"


def test_backends_come_from_the_settings(make_repo: MakeRepo) -> None:
    local = decap_config(load_config(make_repo(config="title: T\n", name="local")))
    assert local["backend"] == {"name": "git-gateway", "branch": "main"}
    assert local["local_backend"] is True
    assert "publish_mode" not in local
    github = decap_config(
        load_config(
            make_repo(
                config="title: T\nrepo: octo/papers\ncms:\n  branch: digest\n  editorial_workflow: true\n"
                "  auth_base_url: https://oauth.example.org\n  auth_endpoint: api/auth\n",
                name="github",
            )
        )
    )
    assert github["backend"] == {
        "name": "github",
        "repo": "octo/papers",
        "branch": "digest",
        "base_url": "https://oauth.example.org",
        "auth_endpoint": "api/auth",
    }
    assert github["publish_mode"] == "editorial_workflow"


def test_cms_decap_writes_the_same_admin_every_time(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo(config="title: Akira's <ML> News\n")
    first = cli("cms", "decap", str(root))
    assert first.exit_code == 0, first.stderr
    admin = root / "admin"
    assert sorted(p.name for p in admin.iterdir()) == ["config.yml", "index.html"]
    page = (admin / "index.html").read_text(encoding="utf-8")
    assert f'<script src="{DECAP_CDN}"></script>' in page
    assert "<title>Akira's &lt;ML&gt; News: content manager</title>" in page
    assert '<link href="config.yml" type="text/yaml" rel="cms-config-url">' in page
    before = {p.name: p.read_bytes() for p in admin.iterdir()}
    second = cli("cms", "decap", str(root), "--workflow")
    assert second.exit_code == 0
    assert "publish_mode: editorial_workflow" in (admin / "config.yml").read_text(encoding="utf-8")
    cli("cms", "decap", str(root), "--no-workflow")
    assert {p.name: p.read_bytes() for p in admin.iterdir()} == before
    data = load_document(admin / "config.yml", "config.yml").data
    assert data["collections"][0]["name"] == "papers"


def test_vendor_copies_decaps_bundle_from_npm_or_says_how_to_get_it(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo(config="title: T\n")
    missing = cli("cms", "decap", str(root), "--vendor")
    assert missing.exit_code == 2
    assert f"npm install decap-cms@{DECAP_VERSION}" in missing.stderr
    bundle = root / "node_modules" / "decap-cms" / "dist" / "decap-cms.js"
    bundle.parent.mkdir(parents=True)
    bundle.write_text("/* decap */\n", encoding="utf-8")
    result = cli("cms", "decap", str(root), "--vendor", "--out", str(root / "site" / "admin"))
    assert result.exit_code == 0, result.stderr
    out = root / "site" / "admin"
    assert (out / "decap-cms.js").read_text(encoding="utf-8") == "/* decap */\n"
    assert '<script src="decap-cms.js"></script>' in (out / "index.html").read_text(encoding="utf-8")


# --- fmt ---------------------------------------------------------------------------------------------

SCRAMBLED = """\
# a comment fmt drops
week: 2020-W38
summary: |-
  Two
  lines.
headline: H
images:
  - caption: C
    src: a.png
kind: paper
url: https://arxiv.org/abs/2009.03393
"""

CANONICAL = """\
kind: paper
headline: H
url: https://arxiv.org/abs/2009.03393
summary: |-
  Two
  lines.
images:
  - src: a.png
    caption: C
week: 2020-W38
"""


def test_fmt_writes_keys_in_the_forms_order_without_comments(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo({"0001-a.yml": SCRAMBLED, "0002-b.yml": CANONICAL}, config="title: T\n")
    check = cli("fmt", str(root), "--check")
    assert check.exit_code == 1
    assert [Path(line).name for line in check.stdout.splitlines()] == ["0001-a.yml"]
    assert (root / "issues" / "0001-a.yml").read_text(encoding="utf-8") == SCRAMBLED  # --check changes nothing
    fixed = cli("fmt", str(root))
    assert fixed.exit_code == 0, fixed.stderr
    assert (root / "issues" / "0001-a.yml").read_text(encoding="utf-8") == CANONICAL
    again = cli("fmt", str(root), "--check")
    assert again.exit_code == 0
    assert again.stdout == ""


def test_fmt_reports_a_file_it_cannot_read(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo({"0001-bad.yml": "kind: [paper\n"}, config="title: T\n")
    result = cli("fmt", str(root), "--check")
    assert result.exit_code == 1
    assert "0001-bad.yml:1" in result.stderr
