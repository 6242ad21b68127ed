"""The JSON content API: schema, stable ids, what a week document holds, --week, self-validation."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from markdown_it import MarkdownIt
from referencing import Registry, Resource

from ghdigest.build import render_site
from ghdigest.config import load_config
from ghdigest.content import check_content
from ghdigest.render import api

from .conftest import PROJECT_ROOT
from .test_build import entry

Cli = Callable[..., Result]
MakeRepo = Callable[..., Path]

SITE = "https://digest.example.org/ml/"
GOLDEN = Path(__file__).resolve().parent / "golden" / "seed-site"


def _schemas() -> dict[str, Any]:
    """Every published schema by $id, read from schemas/ as a user of the API would."""
    documents = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((PROJECT_ROOT / "schemas").glob("*.json"))]
    return {d["$id"]: d for d in documents}


SCHEMAS = _schemas()
REGISTRY = Registry().with_resources((uri, Resource.from_contents(d)) for uri, d in SCHEMAS.items())
API_SCHEMA = SCHEMAS["urn:ghdigest:schemas:api"]


def _validator(definition: str | None = None) -> Draft202012Validator:
    target = API_SCHEMA if definition is None else {"$ref": f"urn:ghdigest:schemas:api#/$defs/{definition}"}
    return Draft202012Validator(target, registry=REGISTRY, format_checker=Draft202012Validator.FORMAT_CHECKER)


def with_site(root: Path, site: str = SITE) -> Path:
    """``root`` with ``site_url`` added to its ghdigest.yml."""
    config = root / "ghdigest.yml"
    config.write_text(config.read_text(encoding="utf-8") + f"site_url: {site}\n", encoding="utf-8")
    return root


def built(cli: Cli, root: Path, *args: str) -> Path:
    """The output folder of a successful ``ghdigest build ROOT ARGS``."""
    result = cli("build", str(root), *args)
    assert result.exit_code == 0, result.stderr
    return root / "dist"


def _api_files(out: Path) -> dict[str, Any]:
    return {
        p.relative_to(out).as_posix(): json.loads(p.read_text("utf-8")) for p in sorted((out / "api").rglob("*.json"))
    }


def _kind(name: str) -> str:
    return "index" if name == "api/index.json" else "week" if name.startswith("api/weeks/") else "entry"


@pytest.fixture
def seed_out(cli: Cli, example_repo: Path) -> Path:
    return built(cli, with_site(example_repo))


# --- the published schema ---------------------------------------------------------------------------


def test_api_schema_is_a_draft_2020_12_schema_shipped_with_the_others() -> None:
    Draft202012Validator.check_schema(API_SCHEMA)
    assert API_SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(API_SCHEMA["$defs"]) >= {"index", "week", "entry"}


@pytest.mark.parametrize("site", [True, False])
def test_every_api_document_matches_the_published_schema(cli: Cli, example_repo: Path, site: bool) -> None:
    out = built(cli, with_site(example_repo) if site else example_repo)
    files = _api_files(out)
    assert len([n for n in files if n.startswith("api/entries/")]) == 14
    for name, document in files.items():
        assert list(_validator().iter_errors(document)) == [], name  # the schema's root: any API document
        assert list(_validator(_kind(name)).iter_errors(document)) == [], name


def test_the_schema_refuses_broken_documents(seed_out: Path) -> None:
    """A schema that accepts anything proves nothing: each broken copy must fail."""
    week = json.loads((seed_out / "api" / "weeks" / "2020-W38.json").read_text(encoding="utf-8"))
    first = week["sections"][0]["entries"][0]
    broken = [
        {k: v for k, v in week.items() if k != "title"},
        {**week, "extra": 1},
        {**week, "id": "2020-38"},
        {**week, "sections": []},
        {**week, "picks": ["not an id"]},
        {**week, "intro_html": "<p>x</p><script>alert(1)</script>"},
        {**week, "page_url": "digest/2020-W38.md"},
    ]
    validator = _validator("week")
    assert validator.is_valid(week)
    for document in broken:
        assert not validator.is_valid(document), {k: document[k] for k in document if document[k] != week.get(k)}
    entry_validator = _validator("entry")
    assert entry_validator.is_valid(first)
    for change in ({"path": "api/entries/Arxiv:2009.json"}, {"kind": "blog"}, {"headline": ""}, {"pick": "yes"}):
        assert not entry_validator.is_valid({**first, **change}), change


def test_seed_api_matches_golden_output(seed_out: Path, update_golden: bool) -> None:
    for name in ("api/index.json", "api/weeks/2020-W38.json"):
        golden = GOLDEN / name
        if update_golden:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_bytes((seed_out / name).read_bytes())
        assert (seed_out / name).read_bytes() == golden.read_bytes(), f"{name} differs from {golden}"


def test_json_is_deterministic_text(seed_out: Path) -> None:
    for path in (seed_out / "api").rglob("*.json"):
        text = path.read_text(encoding="utf-8")
        assert text.endswith("}\n")
        document = json.loads(text)
        redumped = json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2)
        for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
            redumped = redumped.replace(char, escaped)
        assert text == redumped + "\n", path  # sorted keys, two-space indent, nothing else
        assert "<" not in text
    week = (seed_out / "api" / "weeks" / "2020-W38.json").read_text(encoding="utf-8")
    assert "…" in week  # UTF-8 as is (ensure_ascii=False), not \u2026


# --- what a week document holds ---------------------------------------------------------------------


def test_week_document_holds_what_a_client_needs_to_render_the_week(cli: Cli, make_repo: MakeRepo) -> None:
    root = with_site(
        make_repo(
            {
                "0001-a.yml": entry(headline="Alpha", url="https://arxiv.org/abs/2009.03393", pick="true"),
                "0002-b.yml": entry(kind="article", headline="Beta", url="https://example.org/b")
                + "link_card:\n  title: Card\n  site: example.org\n",
                "0003-c.yml": entry(headline="Gamma", url="https://example.org/c", submitted="2020-09-01"),
                "0004-d.yml": entry(kind="other", headline="Delta", url="", pick="true"),
                "0005-e.yml": entry(headline="Earlier", week="2020-W37", url="https://example.org/e"),
                "0006-f.yml": entry(headline="Later", week="2020-W40", url="https://example.org/f"),
                "digests/2020-W38.yml": "title: A special week\nintro: Hello *readers*.\noutro: Bye.\n"
                "order:\n  - 0003-c\n",
            }
        )
    )
    out = built(cli, root)
    week = json.loads((out / "api" / "weeks" / "2020-W38.json").read_text(encoding="utf-8"))
    markdown_page = (out / "2020-W38.md").read_text(encoding="utf-8")
    assert week["id"] == "2020-W38"
    assert week["title"] == "A special week"
    assert (week["start"], week["end"]) == ("2020-09-13", "2020-09-19")
    assert (week["year"], week["number"], week["scheme"], week["language"]) == (2020, 38, "us", "en")
    assert week["intro"] == "Hello *readers*."
    assert week["intro_html"] == "<p>Hello <em>readers</em>.</p>\n"
    assert week["outro"] == "Bye."
    assert (week["previous"], week["next"]) == ("2020-W37", "2020-W40")
    assert week["markdown"] == markdown_page
    assert week["page_url"] == f"{SITE}2020-W38.md"

    # sections and entries in the order the Markdown shows them, with the anchors it gives them
    tokens = MarkdownIt("commonmark").parse(markdown_page)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h3"]
    shown = [e["headline"] for s in week["sections"] for e in s["entries"]]
    assert shown == headings == ["Gamma", "Alpha", "Beta", "Delta"]
    assert [(s["number"], s["id"], s["title"]) for s in week["sections"]] == [
        (1, "papers", "Machine Learning Papers"),
        (2, "articles", "Technical Articles"),
        (3, "other", "Other topics"),
    ]
    for section in week["sections"]:
        assert f"[{section['title']}](#{section['anchor']})" in markdown_page
    by_id = {e["id"]: e for s in week["sections"] for e in s["entries"]}
    assert [by_id[i]["headline"] for i in week["picks"]] == ["Alpha", "Delta"]
    for pick in week["picks"]:
        assert f"(#{by_id[pick]['anchor']})" in markdown_page
    alpha = by_id["arxiv:2009.03393"]
    assert alpha["url"] == "https://arxiv.org/abs/2009.03393"
    assert alpha["page_url"] == f"{SITE}2020-W38.md#alpha"
    assert alpha["summary_html"] == "<p>Summary.</p>\n"
    beta = next(e for e in by_id.values() if e["headline"] == "Beta")
    assert beta["link_card"] == {"title": "Card", "description": None, "site": "example.org"}
    gamma = next(e for e in by_id.values() if e["headline"] == "Gamma")
    assert gamma["submitted"] == "2020-09-01"
    assert by_id["entry:0004-d"]["url"] is None


def test_entry_documents_and_the_index_agree_with_the_week_documents(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "0001-a.yml": entry(headline="A", week="2020-W37", url="https://example.org/a"),
            "0002-b.yml": entry(headline="B", url="https://example.org/b"),
            "0003-c.yml": entry(kind="use_case", headline="C", url="https://example.org/c"),
            "0004-inbox.yml": entry(headline="Inbox", url="https://example.org/i", status="inbox"),
            "0005-skip.yml": entry(headline="Skipped", url="https://example.org/s", status="skip"),
        }
    )
    files = _api_files(built(cli, root))
    index = files["api/index.json"]
    assert [w["id"] for w in index["weeks"]] == ["2020-W38", "2020-W37"]
    assert index["weeks"][0]["counts"] == {"papers": 1, "articles": 0, "use-cases": 1, "other": 0}
    embedded = {
        e["id"]: e
        for name, doc in files.items()
        if name.startswith("api/weeks/")
        for s in doc["sections"]
        for e in s["entries"]
    }
    entry_files = {name: doc for name, doc in files.items() if name.startswith("api/entries/")}
    assert {doc["id"]: doc for doc in entry_files.values()} == embedded
    assert sorted(e["path"] for e in index["entries"]) == sorted(entry_files)  # each listed once, no stray file
    assert {doc["headline"] for doc in entry_files.values()} == {"A", "B", "C"}  # inbox and skip are not published
    for name, doc in entry_files.items():
        assert doc["path"] == name
        assert doc["url"] is None or doc["url"].startswith("https://example.org/")
        assert doc["page_url"] is None  # no site_url: only paths


def test_with_repo_and_no_site_url_the_url_fields_are_release_pages(cli: Cli, example_repo: Path) -> None:
    """The same addresses as the feeds': a week's page is its GitHub Release, an entry's is an anchor in it."""
    files = _api_files(built(cli, example_repo))  # the example sets repo and no site_url
    release = "https://github.com/AkiraTOSEI/ML_papers/releases/tag/digest-2020-W38"
    week = files["api/weeks/2020-W38.json"]
    assert week["page"] == "2020-W38.md"
    assert week["page_url"] == release
    entries = [e for s in week["sections"] for e in s["entries"]]
    assert entries
    assert all(e["page_url"] == f"{release}#{e['anchor']}" for e in entries)
    index = files["api/index.json"]
    assert [w["page_url"] for w in index["weeks"]] == [release]
    assert index["site_url"] is None


def test_user_markdown_is_sanitised_in_the_api(cli: Cli, make_repo: MakeRepo) -> None:
    summary = "'Read [this](notes/x.md), *really*. <b>bold</b> `<code>`'"
    root = with_site(make_repo({"0001-a.yml": entry(summary=summary)}))
    [document] = [d for n, d in _api_files(built(cli, root)).items() if n.startswith("api/entries/")]
    assert document["summary"] == "Read [this](notes/x.md), *really*. &lt;b>bold&lt;/b> `<code>`"
    assert document["summary_html"] == (
        f'<p>Read <a href="{SITE}notes/x.md">this</a>, <em>really</em>. '
        "&lt;b&gt;bold&lt;/b&gt; <code>&lt;code&gt;</code></p>\n"
    )


# --- ids ------------------------------------------------------------------------------------------


def _ids(files: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Entry key → (id, path) over every entry document."""
    return {d["key"]: (d["id"], d["path"]) for n, d in files.items() if n.startswith("api/entries/")}


def test_ids_are_stable_across_builds_new_entries_and_renamed_files(cli: Cli, example_repo: Path) -> None:
    first = _ids(_api_files(built(cli, example_repo)))
    assert len(set(first.values())) == 14
    assert first["0002-theorem-proving-with-language-modeling"] == (
        "arxiv:2009.03393",
        "api/entries/arxiv--2009.03393.json",
    )
    assert first["0012-byol-source-code-from-deepmind"][0] == "entry:0012-byol-source-code-from-deepmind"
    assert _ids(_api_files(built(cli, example_repo))) == first

    # a new entry whose key sorts first, in the same week, and one in a new week
    issues = example_repo / "issues"
    (issues / "0000-new.yml").write_text(entry(url="https://example.org/new"), encoding="utf-8")
    (issues / "0100-later.yml").write_text(entry(week="2020-W40", url="https://example.org/l"), encoding="utf-8")
    after = _ids(_api_files(built(cli, example_repo)))
    assert {k: v for k, v in after.items() if k in first} == first
    assert len(after) == 16

    # renaming a file (as sync does when an issue is retitled) keeps the id and the document's path
    old = issues / "0010-improving-arrival-time-prediction-with-gnns.yml"
    shutil.move(old, issues / "0010-arrival-times-from-graph-networks.yml")
    renamed = _ids(_api_files(built(cli, example_repo)))
    assert (
        renamed["0010-arrival-times-from-graph-networks"] == first["0010-improving-arrival-time-prediction-with-gnns"]
    )


def test_two_entries_with_one_link_get_distinct_ids(cli: Cli, make_repo: MakeRepo) -> None:
    same = "https://example.org/same"
    root = make_repo(
        {
            "0002-b.yml": entry(kind="article", headline="B", url=same),
            "0003-c.yml": entry(kind="use_case", headline="C", url=f"{same}?utm_source=x"),
        }
    )
    first = _ids(_api_files(built(cli, root)))
    assert first["0002-b"][0].startswith("url:")
    assert first["0003-c"] == ("entry:0003-c", "api/entries/entry--0003-c.json")
    (root / "issues" / "0004-d.yml").write_text(entry(kind="other", headline="D", url=same), encoding="utf-8")
    after = _ids(_api_files(built(cli, root)))
    assert {k: after[k] for k in first} == first
    assert after["0004-d"][0] == "entry:0004-d"


def test_an_entry_added_later_never_takes_the_id_of_a_published_one(cli: Cli, make_repo: MakeRepo) -> None:
    """Sharing a link, the entry that came first keeps the id: issue 99 before issue 100 (not "100-" < "99-"
    as text), an earlier week before a later one (whatever the file names)."""
    same, other = "https://example.org/same", "https://example.org/other"
    root = make_repo(
        {
            "99-old.yml": entry(kind="article", headline="Old", url=same),
            "zz-note.yml": entry(kind="other", headline="Note", url=other),
        }
    )
    published = _ids(_api_files(built(cli, root)))
    issues = root / "issues"
    (issues / "100-new.yml").write_text(entry(kind="use_case", headline="New", url=same), encoding="utf-8")
    (issues / "aa-follow-up.yml").write_text(
        entry(kind="article", headline="Follow-up", url=other, week="2020-W39"), encoding="utf-8"
    )
    files = _api_files(built(cli, root))
    after = _ids(files)
    assert {k: after[k] for k in published} == published
    assert after["100-new"] == ("entry:100-new", "api/entries/entry--100-new.json")
    assert after["aa-follow-up"][0] == "entry:aa-follow-up"
    # and the document at a published entry's path still holds that entry
    assert files[published["99-old"][1]]["headline"] == "Old"


@pytest.mark.parametrize(
    ("api_id", "stem"),
    [
        ("arxiv:2009.03393", "arxiv--2009.03393"),
        ("arxiv:hep-th/9901001", "arxiv--hep-th~2f9901001"),
        ("arxiv:math.AG/0101001", "arxiv--math.~41~47~2f0101001"),
        ("doi:10.1000/a(b)<c>", "doi--10.1000~2fa~28b~29~3cc~3e"),
        ("url:0123456789abcdef", "url--0123456789abcdef"),
        ("issue:12", "issue--12"),
        ("entry:0001-Über_x", "entry--0001-~c3~9cber_x"),
        ("entry:a~2f", "entry--a~7e2f"),
    ],
)
def test_entry_file_names(api_id: str, stem: str) -> None:
    assert api.entry_file_stem(api_id) == stem
    assert api.entry_path(api_id) == f"api/entries/{stem}.json"


_SCHEMES = st.sampled_from(["arxiv", "doi", "url", "issue", "entry"])
_RESTS = st.text(min_size=1, max_size=300)


@settings(deadline=None, max_examples=300)
@given(_SCHEMES, _RESTS, _SCHEMES, _RESTS)
def test_entry_file_names_are_one_to_one_and_safe_everywhere(s1: str, r1: str, s2: str, r2: str) -> None:
    a, b = api.entry_file_stem(f"{s1}:{r1}"), api.entry_file_stem(f"{s2}:{r2}")
    for stem in (a, b):
        assert re.fullmatch(r"[a-z]+--[a-z0-9._~-]+", stem)  # no '/', no upper case, never a leading dot
        assert len(f"{stem}.json".encode()) <= 255
        # Windows limits a whole path to 260 characters: leave 120 for the folders above the output folder.
        assert len(f"api/entries/{stem}.json") <= 140
    if (s1, r1) != (s2, r2):
        assert a.lower() != b.lower()  # distinct even on case-insensitive file systems


# --- --week and the release asset --------------------------------------------------------------------


def test_week_option_writes_that_weeks_page_and_documents_only(cli: Cli, make_repo: MakeRepo, tmp_path: Path) -> None:
    root = with_site(
        make_repo(
            {
                "0001-a.yml": entry(week="2020-W37", url="https://example.org/a"),
                "0002-b.yml": entry(week="2020-W38", url="https://example.org/b"),
                "0003-c.yml": entry(kind="other", week="2020-W38", url=""),
            }
        )
    )
    full = tmp_path / "full"
    assert cli("build", str(root), "--out", str(full)).exit_code == 0
    result = cli("build", str(root), "--week", "2020-W38")
    assert result.exit_code == 0
    assert "site_url" not in result.stderr
    out = root / "dist"
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    full_week = json.loads((full / "api" / "weeks" / "2020-W38.json").read_text(encoding="utf-8"))
    entry_paths = sorted(e["path"] for s in full_week["sections"] for e in s["entries"])
    assert written == sorted(["2020-W38.md", "api/weeks/2020-W38.json", *entry_paths])
    for name in written:  # the same bytes as a full build: ids and neighbours come from every week
        assert (out / name).read_bytes() == (full / name).read_bytes(), name


def test_render_site_gives_the_release_its_week_document(example_repo: Path) -> None:
    content = check_content(load_config(example_repo))
    [week] = content.weeks()
    one = render_site(content, week)
    assert sorted(n for n in one if not n.startswith("api/entries/")) == ["2020-W38.md", "api/weeks/2020-W38.json"]
    assert one["api/weeks/2020-W38.json"] == render_site(content)["api/weeks/2020-W38.json"]


# --- build checks its own output -------------------------------------------------------------------


def test_build_refuses_to_write_a_document_its_schema_refuses(
    cli: Cli, example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = api.week_document

    def without_title(*args: Any, **kwargs: Any) -> dict[str, Any]:
        document = real(*args, **kwargs)
        del document["title"]
        return document

    monkeypatch.setattr(api, "week_document", without_title)
    result = cli("build", str(example_repo))
    assert result.exit_code == 2
    assert "api/weeks/2020-W38.json does not match schemas/api.schema.json (a bug in ghdigest)" in result.stderr
    assert "'title' is a required property" in result.stderr
    assert not (example_repo / "dist").exists()


def test_build_refuses_to_write_an_entry_document_its_schema_refuses(
    cli: Cli, example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Entry documents are checked as part of their week's document, which holds the same objects.
    real = api.entry_object

    def blog(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return {**real(*args, **kwargs), "kind": "blog"}

    monkeypatch.setattr(api, "entry_object", blog)
    result = cli("build", str(example_repo), "--week", "2020-W38")
    assert result.exit_code == 2
    assert "does not match schemas/api.schema.json (a bug in ghdigest)" in result.stderr
    assert "'blog' is not one of" in result.stderr
    assert not (example_repo / "dist").exists()


_JSON_DATA = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(alphabet=st.characters(codec="utf-8")),
    ),
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(st.text(), children, max_size=5)),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None)
@given(_JSON_DATA)
def test_api_json_text_is_what_the_standard_encoder_writes(document: Any) -> None:
    """The build's own encoder writes exactly json.dumps(sort_keys, indent=2, UTF-8), then escapes <, > and &."""
    expected = json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028")):
        expected = expected.replace(char, escaped)
    assert api.dump_json(document) == expected.replace("\u2029", "\\u2029") + "\n"
    assert json.loads(api.dump_json(document)) == document


@pytest.mark.parametrize("value", [float("nan"), float("inf"), {1: "x"}, (1, 2), b"x"])
def test_api_json_refuses_what_is_not_json_data(value: Any) -> None:
    with pytest.raises(TypeError):
        api.dump_json(value)


_CHECKED_DATA = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(alphabet=st.characters(codec="utf-8"))),
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(st.text(), children, max_size=5)),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None)
@given(_CHECKED_DATA)
def test_documents_the_schema_accepts_are_written_the_same_by_the_fast_encoder(document: Any) -> None:
    """What the API schema accepts (integers, no fractions) comes out of orjson byte for byte as dump_json writes it."""
    assert api.dump_checked_json(document) == api.dump_json(document)


@pytest.mark.parametrize(
    "document",
    [
        {"big": 2**70, "negative": -(2**64)},  # past what orjson encodes
        {"text": "a lone \ud800 surrogate"},  # orjson refuses it; the exact encoder writes it as is
        {"<tag>": "&amp; \u2028\u2029 <script>", "nested": [{"é": "日本語 🙂"}, [], {}]},
    ],
)
def test_the_fast_encoder_gives_way_to_the_exact_one_where_it_must(document: Any) -> None:
    assert api.dump_checked_json(document) == api.dump_json(document)
    assert "<" not in api.dump_checked_json(document)
