"""Feeds: Atom 1.0, RSS 2.0 and JSON Feed 1.1 — required elements, ids, dates, links, safety."""

from __future__ import annotations

import ast
import datetime as dt
import email.utils
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import Result
from jsonschema import Draft202012Validator

from ghdigest.render.feed import FEED_WEEKS
from ghdigest.weeks import Week

from .conftest import PROJECT_ROOT, write_files
from .test_api_output import SITE, built, with_site
from .test_build import entry

Cli = Callable[..., Result]
MakeRepo = Callable[..., Path]

FEEDS = ("atom.xml", "rss.xml", "feed.json")
ATOM = "{http://www.w3.org/2005/Atom}"
JSON_FEED_SCHEMA = json.loads(
    (Path(__file__).resolve().parent / "schemas" / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8")
)
# XML 1.0 section 2.2, production [2] Char: what may appear in a document at all.
XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture
def seed_out(cli: Cli, example_repo: Path) -> Path:
    """The example content built with a site_url."""
    return built(cli, with_site(example_repo))


class _Tags(HTMLParser):
    """Every start tag of an HTML fragment with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _html(fragment: str) -> _Tags:
    parser = _Tags()
    parser.feed(fragment)
    parser.close()
    return parser


def _xml_contents(out: Path) -> dict[str, list[str]]:
    """The HTML each XML feed carries, read with the standard XML parser (not feedparser, which sanitises)."""
    atom = ET.fromstring((out / "atom.xml").read_bytes())
    rss = ET.fromstring((out / "rss.xml").read_bytes())
    return {
        "atom.xml": [c.text or "" for c in atom.iter(f"{ATOM}content")],
        "rss.xml": [d.text or "" for d in rss.iter("description") if d is not rss.find("channel/description")],
    }


# --- Atom 1.0 (RFC 4287) -------------------------------------------------------------------------


def test_atom_has_every_required_element(seed_out: Path) -> None:
    parsed = feedparser.parse((seed_out / "atom.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    feed = parsed.feed
    assert feed.id == SITE
    assert feed.title == "Akira's ML News"
    assert feed.title_detail.type == "text/plain"
    assert feed.updated == "2020-09-19T00:00:00Z"
    assert feed.author == "Akira's ML News"  # RFC 4287 4.1.1: an author unless every entry has one
    links = {link.rel: link.href for link in feed.links}
    assert links == {"self": f"{SITE}atom.xml", "alternate": f"{SITE}index.md"}
    [item] = parsed.entries
    assert item.id == f"{SITE}2020-W38.md"
    assert item.title == "Akira's ML News #Week 38, 2020"
    assert item.updated == "2020-09-19T00:00:00Z"
    assert item.published == "2020-09-19T00:00:00Z"
    assert item.link == f"{SITE}2020-W38.md"
    [content] = item.content
    assert content.type == "text/html"
    assert "<h3>Theorem proving with language modeling</h3>" in content.value

    # "exactly one" rules of RFC 4287 (4.1.1, 4.1.2), which feedparser does not report
    root = ET.fromstring((seed_out / "atom.xml").read_bytes())
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{name}")) == 1
    for element in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated", "content"):
            assert len(element.findall(f"{ATOM}{name}")) == 1
        assert RFC3339.match(element.findtext(f"{ATOM}updated") or "")


# --- RSS 2.0 -------------------------------------------------------------------------------------


def test_rss_has_every_required_element(seed_out: Path) -> None:
    parsed = feedparser.parse((seed_out / "rss.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    channel = parsed.feed
    # RSS 2.0 "Required channel elements": title, link, description
    assert channel.title == "Akira's ML News"
    assert channel.link == f"{SITE}index.md"
    assert channel.description == "Akira's ML News"
    assert channel.language == "en"
    self_links = [link.href for link in channel.links if link.rel == "self"]
    assert self_links == [f"{SITE}rss.xml"]
    [item] = parsed.entries
    assert item.title == "Akira's ML News #Week 38, 2020"
    assert item.link == f"{SITE}2020-W38.md"
    assert item.id == f"{SITE}2020-W38.md"
    assert "<h3>Theorem proving with language modeling</h3>" in item.description

    root = ET.fromstring((seed_out / "rss.xml").read_bytes())
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    assert [g.get("isPermaLink") for g in root.iter("guid")] == ["true"]
    # Dates in RFC 822 as RSS 2.0 asks, with English names whatever the locale
    pub_date = root.findtext("channel/item/pubDate") or ""
    assert pub_date == "Sat, 19 Sep 2020 00:00:00 GMT"
    assert email.utils.parsedate_to_datetime(pub_date) == dt.datetime(2020, 9, 19, tzinfo=dt.timezone.utc)
    assert root.findtext("channel/lastBuildDate") == pub_date


# --- JSON Feed 1.1 -------------------------------------------------------------------------------


def test_json_feed_follows_the_specification(seed_out: Path) -> None:
    document = json.loads((seed_out / "feed.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(JSON_FEED_SCHEMA)
    errors = [e.message for e in Draft202012Validator(JSON_FEED_SCHEMA).iter_errors(document)]
    assert errors == []
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["title"] == "Akira's ML News"
    assert document["home_page_url"] == f"{SITE}index.md"
    assert document["feed_url"] == f"{SITE}feed.json"
    assert document["language"] == "en"
    [item] = document["items"]
    assert item["id"] == item["url"] == f"{SITE}2020-W38.md"
    assert item["title"] == "Akira's ML News #Week 38, 2020"
    assert item["date_published"] == "2020-09-19T00:00:00Z"
    assert dt.datetime.fromisoformat(item["date_published"].replace("Z", "+00:00")).tzinfo is not None
    assert "<h3>Theorem proving with language modeling</h3>" in item["content_html"]


def test_json_feed_schema_refuses_what_the_specification_refuses() -> None:
    """The schema is only worth something if it fails: one broken copy per rule."""
    good = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "T",
        "items": [{"id": "1", "content_html": "<p>x</p>", "date_published": "2020-09-19T00:00:00Z"}],
    }
    validator = Draft202012Validator(JSON_FEED_SCHEMA)
    assert validator.is_valid(good)
    broken: list[dict[str, Any]] = [
        {k: v for k, v in good.items() if k != "version"},
        {k: v for k, v in good.items() if k != "title"},
        {k: v for k, v in good.items() if k != "items"},
        {**good, "version": "https://jsonfeed.org/version/1"},
        {**good, "items": [{"content_html": "x"}]},
        {**good, "items": [{"id": "1"}]},
        {**good, "items": [{"id": "1", "content_text": "x", "date_published": "19 Sep 2020"}]},
        {**good, "authors": [{}]},
        {**good, "home_page_url": "index.md"},
        {**good, "titel": "typo"},
    ]
    for document in broken:
        assert not validator.is_valid(document), document
    assert validator.is_valid({**good, "_ext": {"about": "x"}})


# --- what the three feeds share ---------------------------------------------------------------------


def test_the_three_feeds_agree_on_ids_titles_and_dates(cli: Cli, make_repo: MakeRepo) -> None:
    root = with_site(
        make_repo(
            {
                "0001-a.yml": entry(week="2020-W36", url="https://example.org/a"),
                "0002-b.yml": entry(week="2020-W38", url="https://example.org/b"),
                "0003-c.yml": entry(week="2021-W01", url="https://example.org/c"),
            }
        )
    )
    out = built(cli, root)
    atom = feedparser.parse((out / "atom.xml").read_bytes()).entries
    rss = feedparser.parse((out / "rss.xml").read_bytes()).entries
    items = json.loads((out / "feed.json").read_text(encoding="utf-8"))["items"]
    weeks = ["2021-W01", "2020-W38", "2020-W36"]  # newest first
    ids = [f"{SITE}{week}.md" for week in weeks]
    assert [e.id for e in atom] == [e.id for e in rss] == [i["id"] for i in items] == ids
    assert [e.title for e in atom] == [e.title for e in rss] == [i["title"] for i in items]
    # each item is dated by its week's last day (US weeks: a Saturday), never by the clock
    assert [i["date_published"] for i in items] == [
        "2021-01-02T00:00:00Z",
        "2020-09-19T00:00:00Z",
        "2020-09-05T00:00:00Z",
    ]
    assert [e.updated for e in atom] == [i["date_published"] for i in items]
    assert [e.published_parsed[:3] for e in rss] == [(2021, 1, 2), (2020, 9, 19), (2020, 9, 5)]


def test_feeds_hold_the_newest_weeks_only(cli: Cli, make_repo: MakeRepo) -> None:
    weeks = [f"2020-W{n:02d}" for n in range(1, FEED_WEEKS + 3)]
    root = with_site(
        make_repo({f"{i:04d}-x.yml": entry(week=w, url=f"https://example.org/{i}") for i, w in enumerate(weeks)})
    )
    out = built(cli, root)
    expected = [f"{SITE}{w}.md" for w in reversed(weeks)][:FEED_WEEKS]
    assert [e.id for e in feedparser.parse((out / "atom.xml").read_bytes()).entries] == expected
    assert [e.id for e in feedparser.parse((out / "rss.xml").read_bytes()).entries] == expected
    assert [i["id"] for i in json.loads((out / "feed.json").read_text(encoding="utf-8"))["items"]] == expected
    newest_end = f"{Week.parse(weeks[-1]).end.isoformat()}T00:00:00Z"
    assert feedparser.parse((out / "atom.xml").read_bytes()).feed.updated == newest_end


def test_every_link_in_the_feeds_is_absolute(cli: Cli, make_repo: MakeRepo) -> None:
    root = with_site(
        make_repo(
            {
                "0001-a.yml": entry(headline="A", week="2020-W37", url="https://example.org/a"),
                "0002-b.yml": entry(
                    headline="B",
                    url="https://example.org/b",
                    pick="true",
                    summary="'See [the notes](notes/b.md) and [below](#a).'",
                )
                + "images:\n  - src: img/fig(1).png\n    alt: Figure\n",
            }
        ),
        site="https://digest.example.org/ml",  # no trailing slash: ghdigest adds it
    )
    out = built(cli, root)
    contents = _xml_contents(out)
    contents["feed.json"] = [i["content_html"] for i in json.loads((out / "feed.json").read_text("utf-8"))["items"]]
    week = f"{SITE}2020-W38.md"
    for name, htmls in contents.items():
        links = [
            value
            for html in htmls
            for _, attrs in _html(html).tags
            for key, value in attrs.items()
            if key in ("href", "src")
        ]
        assert links, name
        assert all(link and link.startswith("https://") for link in links), (name, links)
        assert f"{SITE}notes/b.md" in links
        assert f"{SITE}img/fig%281%29.png" in links
        assert f"{week}#b" in links  # the pick links into the week's page
        assert f"{SITE}2020-W37.md" in links  # previous week


# --- site_url, --week, determinism -----------------------------------------------------------------


def test_without_site_url_or_repo_no_feed_is_written_and_build_says_so_once(cli: Cli, example_repo: Path) -> None:
    config = example_repo / "ghdigest.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("repo: AkiraTOSEI/ML_papers\n", ""), "utf-8")
    result = cli("build", str(example_repo))
    assert result.exit_code == 0
    assert not any((example_repo / "dist" / name).exists() for name in FEEDS)
    assert result.stderr.count("neither site_url nor repo is set") == 1
    assert (
        "ghdigest.yml:1:1: warning: neither site_url nor repo is set, so the feeds (atom.xml, rss.xml, feed.json) "
        "were not written" in result.stderr
    )
    assert "or repo (OWNER/NAME) to link them to the repository's GitHub Releases [no-site-url]" in result.stderr
    index = json.loads((example_repo / "dist" / "api" / "index.json").read_text(encoding="utf-8"))
    assert index["feeds"] is None
    assert index["site_url"] is None


# --- release-linked feeds: repo set, no site_url ---------------------------------------------------------

RELEASES = "https://github.com/AkiraTOSEI/ML_papers/releases"
SEED_RELEASE = f"{RELEASES}/tag/digest-2020-W38"


def test_with_repo_and_no_site_url_the_feeds_link_to_github_releases(cli: Cli, example_repo: Path) -> None:
    result = cli("build", str(example_repo))
    assert result.exit_code == 0, result.stderr
    assert "no-site-url" not in result.stderr
    out = example_repo / "dist"

    atom = feedparser.parse((out / "atom.xml").read_bytes())
    assert not atom.bozo, atom.get("bozo_exception")
    assert atom.version == "atom10"
    assert atom.feed.id == RELEASES
    assert {link.rel: link.href for link in atom.feed.links} == {
        "self": f"{RELEASES}/latest/download/atom.xml",  # GitHub redirects it to the Latest release's file
        "alternate": RELEASES,
    }
    [item] = atom.entries
    assert item.id == item.link == SEED_RELEASE

    rss = feedparser.parse((out / "rss.xml").read_bytes())
    assert not rss.bozo, rss.get("bozo_exception")
    assert rss.version == "rss20"
    assert rss.feed.link == RELEASES
    assert [link.href for link in rss.feed.links if link.rel == "self"] == [f"{RELEASES}/latest/download/rss.xml"]
    [item] = rss.entries
    assert item.id == item.link == SEED_RELEASE
    assert [g.get("isPermaLink") for g in ET.fromstring((out / "rss.xml").read_bytes()).iter("guid")] == ["true"]

    document = json.loads((out / "feed.json").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(JSON_FEED_SCHEMA).iter_errors(document)) == []
    assert document["home_page_url"] == RELEASES
    assert document["feed_url"] == f"{RELEASES}/latest/download/feed.json"
    assert [(i["id"], i["url"]) for i in document["items"]] == [(SEED_RELEASE, SEED_RELEASE)]

    index = json.loads((out / "api" / "index.json").read_text(encoding="utf-8"))
    assert index["feeds"] == {"atom": "atom.xml", "rss": "rss.xml", "json": "feed.json"}
    assert index["site_url"] is None  # nothing publishes the output folder


def test_release_linked_html_links_go_to_releases_and_repository_files(cli: Cli, make_repo: MakeRepo) -> None:
    config = 'title: T\nrepo: octo/papers\nrelease:\n  tag: "news/{week_id}"\n'
    summary = (
        "'[notes](notes/b.md), [below](#a), [top](/docs/top.md), [up](../../x.md?v=1#s), "
        "[archive](index.md), [site](https://example.org/z), [mail](mailto:a@example.org)'"
    )
    root = make_repo(
        {
            "0001-a.yml": entry(headline="A", week="2020-W37", url="https://example.org/a"),
            "0002-b.yml": entry(headline="B", url="https://example.org/b", pick="true", summary=summary)
            + "images:\n  - src: img/fig(1).png\n    alt: Figure\n",
        },
        config=config,
    )
    out = built(cli, root)
    repository = "https://github.com/octo/papers"
    week_38, week_37 = f"{repository}/releases/tag/news/2020-W38", f"{repository}/releases/tag/news/2020-W37"
    items = json.loads((out / "feed.json").read_text("utf-8"))["items"]
    assert [i["id"] for i in items] == [week_38, week_37]
    contents = _xml_contents(out)
    contents["feed.json"] = [i["content_html"] for i in items]
    for name, htmls in contents.items():
        links = [value for _, attrs in _html(htmls[0]).tags for key, value in attrs.items() if key in ("href", "src")]
        assert all(link and (link.startswith("https://") or link.startswith("mailto:")) for link in links), links
        assert f"{repository}/blob/HEAD/notes/b.md" in links, name  # a path in the repository, on its default branch
        assert f"{repository}/raw/HEAD/img/fig%281%29.png" in links  # an image: the file itself
        assert f"{repository}/blob/HEAD/docs/top.md" in links
        assert f"{repository}/blob/HEAD/x.md?v=1#s" in links  # never above the repository's root
        assert f"{repository}/releases" in links  # index.md: the archive is the releases list
        assert f"{week_38}#a" in links
        assert f"{week_38}#b" in links
        assert week_37 in links  # the previous week's page is its release
        assert "https://example.org/z" in links
        assert "mailto:a@example.org" in links
        next_links = [value for _, attrs in _html(htmls[1]).tags for key, value in attrs.items() if key == "href"]
        assert week_38 in next_links  # week 37's "next" link


def test_site_url_with_a_query_or_fragment_is_refused(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo({"0001-a.yml": entry()}, config="title: T\nsite_url: https://example.org/?page=1\n")
    result = cli("build", str(root))
    assert result.exit_code == 2
    assert "ghdigest.yml:2:11: error: site_url: must be a plain address, without '?' or '#' [invalid-site-url]" in (
        result.stderr
    )


def test_week_option_writes_no_feed(cli: Cli, example_repo: Path) -> None:
    out = built(cli, with_site(example_repo), "--week", "2020-W38")
    assert not any((out / name).exists() for name in FEEDS)


def test_feeds_are_byte_identical_on_rebuild(cli: Cli, example_repo: Path, tmp_path: Path) -> None:
    with_site(example_repo)
    first, second = tmp_path / "one", tmp_path / "two"
    assert cli("build", str(example_repo), "--out", str(first)).exit_code == 0
    assert cli("build", str(example_repo), "--out", str(second)).exit_code == 0
    for name in FEEDS:
        assert (first / name).read_bytes() == (second / name).read_bytes()
        assert (first / name).read_bytes().endswith(b"\n")


def test_seed_feeds_match_golden_output(seed_out: Path, update_golden: bool) -> None:
    golden = Path(__file__).resolve().parent / "golden" / "seed-site"
    for name in FEEDS:
        if update_golden:
            golden.mkdir(parents=True, exist_ok=True)
            (golden / name).write_bytes((seed_out / name).read_bytes())
        assert (seed_out / name).read_bytes() == (golden / name).read_bytes(), f"{name} differs from {golden / name}"


# --- safety -------------------------------------------------------------------------------------

HOSTILE_CONFIG = f'title: "Evil <script>alert(0)</script> & Co\\v\\x01"\nsite_url: {SITE}\n'
HOSTILE_ENTRY = """\
kind: paper
headline: "<script>alert(1)</script> & <img src=x onerror=alert(2)> \\v\\x0b tab"
title: "T <b>bold</b> & \\x01 <iframe src=x></iframe>"
url: https://arxiv.org/abs/2009.03393
summary: "S <script>alert(3)</script> <img src=x onerror=alert(4)> & \\x0b <a href='javascript:alert(5)'>x</a>"
week: 2020-W38
pick: true
topics: ["<script>t</script>"]
images:
  - src: img/a.png
    alt: "<script>alert(6)</script>"
    caption: "<img src=x onerror=alert(7)>"
link_card:
  title: "<script>alert(8)</script>"
"""
HOSTILE_DIGEST = 'title: "Week <script>alert(9)</script> & \\v"\nintro: "Intro <img src=x onerror=alert(10)> \\x0b"\n'
HOSTILE_ARTICLE = """\
kind: article
headline: "Card & <script>alert(11)</script>"
url: https://example.org/evil?a=1&b=<2>
summary: "[click](javascript:alert(12)) ![x](javascript:alert(13))"
week: 2020-W38
link_card:
  title: "</description><script>alert(14)</script>"
  description: "]]><script>alert(15)</script>"
  site: "\\u2028\\u2029 &amp;"
"""


@pytest.fixture
def hostile_out(cli: Cli, tmp_path: Path) -> Path:
    root = write_files(
        tmp_path / "hostile",
        {
            "ghdigest.yml": HOSTILE_CONFIG,
            "issues/0001-x.yml": HOSTILE_ENTRY,
            "issues/0002-y.yml": HOSTILE_ARTICLE,
            "issues/digests/2020-W38.yml": HOSTILE_DIGEST,
        },
    )
    return built(cli, root)


def _json_strings(value: Any, key: str = "") -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(key, value)]
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _json_strings(v, k)]
    if isinstance(value, list):
        return [pair for v in value for pair in _json_strings(v, key)]
    return []


def test_user_html_never_comes_out_as_markup(hostile_out: Path) -> None:
    files = [p for p in hostile_out.rglob("*") if p.is_file() and p.suffix in (".xml", ".json")]
    assert {p.name for p in files} >= {"atom.xml", "rss.xml", "feed.json", "index.json", "2020-W38.json"}
    for path in files:
        raw = path.read_text(encoding="utf-8").lower()
        # not in the bytes at all: no tag, however a consumer reads the file (text such as
        # "onerror=alert" may remain, escaped, as the words the user wrote)
        for needle in ("<script", "<img src=x", "<iframe", "<b>"):
            assert needle not in raw, (path, needle)

    # the HTML the feeds and the API carry: parsed as HTML, only ghdigest's own tags
    htmls = [html for name, values in _xml_contents(hostile_out).items() for html in values]
    for path in files:
        if path.suffix == ".json":
            strings = _json_strings(json.loads(path.read_text(encoding="utf-8")))
            htmls += [text for key, text in strings if key.endswith("_html")]
    assert len(htmls) >= 8
    allowed = {"h1", "h2", "h3", "p", "a", "em", "strong", "ul", "ol", "li", "br", "img", "hr", "blockquote", "code"}
    for html in htmls:
        for tag, attrs in _html(html).tags:
            assert tag in allowed, (tag, html)
            assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
            for name in ("href", "src"):
                assert not (attrs.get(name) or "").lower().startswith("javascript:"), attrs
    shown = "".join(t for html in htmls for t in _html(html).text)
    assert "<script>alert(1)</script> & <img src=x onerror=alert(2)>" in shown  # shown as the text it was


def test_plain_text_fields_keep_the_text_exactly(hostile_out: Path) -> None:
    """Plain text is escaped by whoever shows it: nothing double-escaped, only XML-invalid characters dropped."""
    week = json.loads((hostile_out / "api" / "weeks" / "2020-W38.json").read_text(encoding="utf-8"))
    first = week["sections"][0]["entries"][0]
    assert first["headline"] == "<script>alert(1)</script> & <img src=x onerror=alert(2)> \x0b\x0b tab"
    assert first["topics"] == ["<script>t</script>"]
    atom = feedparser.parse((hostile_out / "atom.xml").read_bytes())
    assert atom.feed.title == "Evil <script>alert(0)</script> & Co"  # \v and \x01 removed
    assert atom.feed.title_detail.type == "text/plain"
    assert atom.entries[0].title == "Week <script>alert(9)</script> &"
    rss = feedparser.parse((hostile_out / "rss.xml").read_bytes())
    assert rss.entries[0].title == "Week <script>alert(9)</script> &"
    assert rss.entries[0].title_detail.type == "text/plain"


def test_feeds_are_well_formed_and_free_of_xml_invalid_characters(hostile_out: Path) -> None:
    for name in ("atom.xml", "rss.xml"):
        raw = (hostile_out / name).read_bytes()
        assert raw.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n')
        ET.fromstring(raw)  # expat refuses any document that is not well-formed
        assert not XML_INVALID.search(raw.decode("utf-8")), name
        assert not feedparser.parse(raw).bozo
    for name in ("feed.json",):
        document = json.loads((hostile_out / name).read_text(encoding="utf-8"))
        assert not any(XML_INVALID.search(text) for _, text in _json_strings(document))
        assert not list(Draft202012Validator(JSON_FEED_SCHEMA).iter_errors(document))


# --- structure ------------------------------------------------------------------------------------


def test_markdown_it_is_imported_by_one_module_only() -> None:
    importers = []
    for path in sorted((PROJECT_ROOT / "src" / "ghdigest").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name.split(".")[0] == "markdown_it" for name in names):
                importers.append(path.relative_to(PROJECT_ROOT).as_posix())
    assert sorted(set(importers)) == ["src/ghdigest/render/html.py"]
