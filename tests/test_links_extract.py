"""Finding links for ``check-links``: where they are written, what is checked, what is decided without asking."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from ghdigest.config import load_config
from ghdigest.links import LinkCheckRequest, LinkReport, Verdict, check_links
from ghdigest.links.check import gather
from ghdigest.links.extract import LinkCollector
from ghdigest.links.policy import HostPolicy
from ghdigest.models import HostRule

from .link_server import LinkServer, fast_settings, link_server_fixture  # noqa: F401 - a fixture

Cli = Callable[..., Result]
MakeRepo = Callable[..., Path]

CONFIG = """\
title: T
site_url: https://digest.example.org/news
intro: 'See [the site](https://intro.example.org/a).'
footer: |-
  Line one.

  Follow <https://footer.example.org/f> and www.footer-www.example.net/w
"""

ENTRY = """\
kind: paper
headline: A
url: https://arxiv.org/pdf/2009.03393v2.pdf
summary: |-
  First line with [a link](https://a.example.org/x).
  Second line `https://span.example.org/code` in a code span.
  Third line ![img](https://img.example.org/i.png) and <a href="https://raw.example.org/a">raw</a>.
  https://bare.example.org/b and www.bare-www.example.org/c <img src="https://raw.example.org/img.png">

  ```
  https://block.example.org/code
  ```

      https://indented.example.org/code
images:
  - src: https://images.example.org/pic.png
week: 2020-W38
"""

LANGUAGES = """\
kind: paper
headline: B
summary:
  en: English [en](https://en.example.org/e)
  ja: Japanese [ja](https://ja.example.org/j)
week: 2020-W38
"""

SKIPPED = """\
kind: paper
status: skip
headline: C
url: https://skipped-entry.example.org/
summary: '[x](https://skipped-entry.example.org/s)'
"""

DIGEST = """\
week: 2020-W38
intro: |-
  Hello.
  See https://digest-intro.example.org/i
outro: Bye [o](https://digest-outro.example.org/o)
"""


def _places(request: LinkCheckRequest) -> dict[str, list[tuple[str, int]]]:
    """Where each link is written, as seen from the repository's root (places are shown from the current folder)."""
    before = os.getcwd()
    if request.config is not None:
        os.chdir(request.config.root)
    try:
        collector, problems = gather(request)
    finally:
        os.chdir(before)
    assert problems == []
    return {link.written: [(place.path, place.line) for place in link.places] for link in collector.links()}


def _repo_request(root: Path) -> LinkCheckRequest:
    config = load_config(root)
    return LinkCheckRequest(settings=config.settings.links, config=config)


def _verdicts(report: LinkReport) -> dict[str, tuple[Verdict, str]]:
    return {checked.link.written: (checked.outcome.verdict, checked.outcome.reason) for checked in report.links}


def test_links_of_entries_digests_and_settings_each_at_its_file_and_line(make_repo: MakeRepo) -> None:
    root = make_repo(
        {"0001-a.yml": ENTRY, "0002-b.yml": LANGUAGES, "0003-skip.yml": SKIPPED, "digests/2020-W38.yml": DIGEST},
        config=CONFIG,
    )
    assert _places(_repo_request(root)) == {
        "https://arxiv.org/pdf/2009.03393v2.pdf": [("issues/0001-a.yml", 3)],
        "https://a.example.org/x": [("issues/0001-a.yml", 5)],
        "https://img.example.org/i.png": [("issues/0001-a.yml", 7)],  # the third line of the summary
        "https://raw.example.org/a": [("issues/0001-a.yml", 7)],
        "https://bare.example.org/b": [("issues/0001-a.yml", 8)],
        "http://www.bare-www.example.org/c": [("issues/0001-a.yml", 8)],
        "https://raw.example.org/img.png": [("issues/0001-a.yml", 8)],
        "https://images.example.org/pic.png": [("issues/0001-a.yml", 16)],
        "https://en.example.org/e": [("issues/0002-b.yml", 4)],
        "https://ja.example.org/j": [("issues/0002-b.yml", 5)],
        "https://digest-intro.example.org/i": [("issues/digests/2020-W38.yml", 4)],
        "https://digest-outro.example.org/o": [("issues/digests/2020-W38.yml", 5)],
        "https://intro.example.org/a": [("ghdigest.yml", 3)],
        "https://footer.example.org/f": [("ghdigest.yml", 7)],
        "http://www.footer-www.example.net/w": [("ghdigest.yml", 7)],
    }  # nothing from code spans, code blocks or the skipped entry


def test_a_link_is_placed_where_it_is_written_not_where_a_longer_address_holds_it(make_repo: MakeRepo) -> None:
    # The entry's own address is the code repository's release page; the summary links the repository.
    entry = """\
kind: paper
headline: Code release
url: https://code.example.org/org/repo/releases
summary: |-
  The code is at [the repository](https://code.example.org/org/repo).
week: 2020-W38
"""
    root = make_repo({"0001-code.yml": entry})
    places = _places(_repo_request(root))
    assert places["https://code.example.org/org/repo"] == [("issues/0001-code.yml", 5)]


def test_a_link_written_with_yaml_escapes_is_placed_on_its_line(make_repo: MakeRepo) -> None:
    entry = 'kind: paper\nheadline: Escaped\nsummary: "See [the caf\\u00e9](https://cafe.example.org/caf\\u00e9)."\n'
    root = make_repo({"0001-escaped.yml": entry})
    places = _places(_repo_request(root))
    assert places == {"https://cafe.example.org/caf%C3%A9": [("issues/0001-escaped.yml", 3)]}


MARKDOWN = """\
# My heading

A paragraph
on several lines
with [a link](https://para.example.org/) on the third.

| a | b |
|---|---|
| [cell](https://table.example.org/) | x |

<div>
<p>html block</p>
<img src="https://html-img.example.org/x.png">
</div>

`https://span.example.org/` and

```
https://fenced.example.org/
```

- <https://auto.example.org/> https://bare.example.org/ www.www.example.org
- ![image](https://image.example.org/i.png) <a href="https://inline-a.example.org/">a</a>
"""


def test_links_of_a_markdown_file_each_at_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "doc.md").write_text(MARKDOWN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert _places(LinkCheckRequest(settings=fast_settings(), files=(Path("doc.md"),))) == {
        "https://para.example.org/": [("doc.md", 5)],
        "https://table.example.org/": [("doc.md", 9)],
        "https://html-img.example.org/x.png": [("doc.md", 13)],
        "https://auto.example.org/": [("doc.md", 22)],
        "https://bare.example.org/": [("doc.md", 22)],
        "http://www.www.example.org": [("doc.md", 22)],
        "https://image.example.org/i.png": [("doc.md", 23)],
        "https://inline-a.example.org/": [("doc.md", 23)],
    }


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("https://news.example.org/a?utm_source=x&id=7&utm_medium=y&fbclid=abc", "https://news.example.org/a?id=7"),
        ("https://news.example.org/a#section-2", "https://news.example.org/a"),
        ("https://News.Example.org:443/a", "https://news.example.org/a"),
        ("http://news.example.org", "http://news.example.org/"),
        ("https://arxiv.org/pdf/2009.03393v2.pdf", "arxiv:2009.03393"),
        ("https://arxiv.org/abs/2009.03393", "arxiv:2009.03393"),
        ("http://export.arxiv.org/abs/2009.03393v1", "arxiv:2009.03393"),
        ("https://doi.org/10.1145/3292500.3330701", "doi:10.1145/3292500.3330701"),
        ("https://dx.doi.org/10.1145/ABC.def", "doi:10.1145/abc.def"),
    ],
)
def test_each_link_is_checked_under_one_canonical_key(written: str, key: str) -> None:
    collector = LinkCollector(policy=HostPolicy({}, 4, 0.0))
    resolution = collector.resolve(written)
    assert resolution is not None
    assert (resolution.key, resolution.decided) == (key, None)


def test_one_address_written_in_several_places_and_spellings_is_asked_once(
    tmp_path: Path, link_server: LinkServer
) -> None:
    page = link_server.url("/ok/shared")
    first = tmp_path / "first.md"
    first.write_text(f"[a]({page})\n\n[b]({page}?utm_source=feed#top)\n\n[c]({page})\n", encoding="utf-8")
    second = tmp_path / "second.md"
    second.write_text(f"Again: <{page}>\n", encoding="utf-8")
    report, _ = check_links(LinkCheckRequest(settings=fast_settings(), files=(first, second)))
    assert link_server.paths() == ["/ok/shared"]
    by_written = {checked.link.written: checked for checked in report.links}
    assert [(place.path.rsplit("/", 1)[-1], place.line) for place in by_written[page].link.places] == [
        ("first.md", 1),
        ("first.md", 5),
        ("second.md", 1),
    ]
    assert {checked.link.key for checked in report.links} == {page}
    assert all(checked.outcome.verdict is Verdict.OK for checked in report.links)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("title: T\nsite_url: https://digest.example.org/news\n", "https://digest.example.org/news/more/page.html"),
        (
            "title: T\nsite_url: https://digest.example.org/news\nlinks:\n  base_url: https://base.example.org/b/\n",
            "https://base.example.org/b/more/page.html",
        ),
    ],
)
def test_relative_links_in_content_resolve_against_the_sites_address(
    make_repo: MakeRepo, config: str, expected: str
) -> None:
    entry = "kind: paper\nheadline: R\nsummary: '[more](more/page.html)'\n"
    root = make_repo({"0001-r.yml": entry}, config=config)
    collector, _ = gather(_repo_request(root))
    assert [link.key for link in collector.links()] == [expected]


def test_relative_link_in_content_without_an_address_is_unknown(make_repo: MakeRepo) -> None:
    root = make_repo({"0001-r.yml": "kind: paper\nheadline: R\nsummary: '[more](more/page.html)'\n"})
    report, _ = check_links(_repo_request(root))
    verdict, reason = _verdicts(report)["more/page.html"]
    assert verdict is Verdict.UNKNOWN
    assert "base_url" in reason


def test_relative_links_in_a_markdown_file_point_at_files_and_headings_next_to_it(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "page.md").write_text("# Part Two\n\n## Part two\n", encoding="utf-8")
    (tmp_path / "other.txt").write_text("x\n", encoding="utf-8")
    doc = tmp_path / "doc.md"
    doc.write_text(
        "# My Heading\n\n"
        "[self](#my-heading) [wrong](#no-such-heading) [file](other.txt) [missing](missing.md)\n"
        "[there](sub/page.md#part-two) [second](sub/page.md#part-two-1) [absent](sub/page.md#part-three)\n",
        encoding="utf-8",
    )
    report, _ = check_links(LinkCheckRequest(settings=fast_settings(), files=(doc,)))
    verdicts = {written: verdict for written, (verdict, _) in _verdicts(report).items()}
    assert verdicts == {
        "#my-heading": Verdict.OK,
        "#no-such-heading": Verdict.BROKEN,
        "other.txt": Verdict.OK,
        "missing.md": Verdict.BROKEN,
        "sub/page.md#part-two": Verdict.OK,
        "sub/page.md#part-two-1": Verdict.OK,
        "sub/page.md#part-three": Verdict.BROKEN,
    }


def test_every_heading_link_of_a_built_week_is_ok_and_a_wrong_one_is_broken(
    cli: Cli, example_repo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    assert cli("build", "--out", str(out), cwd=example_repo).exit_code == 0
    week = out / "2020-W38.md"
    offline = fast_settings(exclude=["^https?://"])  # only the week's links to itself: no request leaves
    report, _ = check_links(LinkCheckRequest(settings=offline, files=(week,)))
    internal = [checked for checked in report.links if checked.link.written.startswith("#")]
    assert len(internal) == 4  # the table of contents
    assert [checked.outcome.verdict for checked in internal] == [Verdict.OK] * 4
    assert report.excluded > 0

    wrong = tmp_path / "wrong.md"
    wrong.write_text(week.read_text(encoding="utf-8") + "\n[back to the top](#no-such-section)\n", encoding="utf-8")
    report, _ = check_links(LinkCheckRequest(settings=offline, files=(wrong,)))
    assert _verdicts(report)["#no-such-section"][0] is Verdict.BROKEN
    assert report.count(Verdict.BROKEN) == 1


def test_links_decided_without_asking_anyone(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "[mail](mailto:someone@example.org) [bad mail](mailto:not-an-address)\n"
        "<a href=\"javascript:alert('hi')\">script</a>\n"
        "[phone](tel:+1-555-0100) [ftp](ftp://ftp.example.org/file.txt)\n",
        encoding="utf-8",
    )
    report, _ = check_links(LinkCheckRequest(settings=fast_settings(), files=(doc,)))
    verdicts = {written: verdict for written, (verdict, _) in _verdicts(report).items()}
    assert verdicts == {
        "mailto:someone@example.org": Verdict.OK,
        "mailto:not-an-address": Verdict.BROKEN,
        "javascript:alert('hi')": Verdict.BROKEN,
        "tel:+1-555-0100": Verdict.OK,
        "ftp://ftp.example.org/file.txt": Verdict.UNKNOWN,
    }


@pytest.mark.parametrize("written", ["javascript:alert(1)", "file:///etc/hosts"])
def test_a_markdown_link_readers_cannot_open_is_broken(tmp_path: Path, written: str) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(f"Click [here]({written}).\n", encoding="utf-8")
    report, _ = check_links(LinkCheckRequest(settings=fast_settings(), files=(doc,)))
    assert [(c.link.written, c.outcome.verdict) for c in report.links] == [(written, Verdict.BROKEN)]


def test_malformed_addresses_are_broken_without_any_request(tmp_path: Path, link_server: LinkServer) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        f"<{link_server.url('/ok/good')}>\n"
        "<http://127.0.0.1:99999/port-out-of-range> [no host](https:///path) [bad ipv6](http://[::1/x)\n"
        "[no domain](https://intranet/page) [bad label](https://-bad-.example.org/)\n",
        encoding="utf-8",
    )
    report, _ = check_links(LinkCheckRequest(settings=fast_settings(), files=(doc,)))
    assert link_server.paths() == ["/ok/good"]
    assert report.count(Verdict.OK) == 1
    assert report.count(Verdict.BROKEN) == 5
    assert len(report.links) == 6


def test_excluded_links_are_left_out_and_counted(make_repo: MakeRepo, link_server: LinkServer) -> None:
    config = (
        "title: T\n"
        "links:\n"
        "  exclude: ['/private/', 'nowhere\\.invalid']\n"
        "  hosts:\n"
        "    '*.skipped.example.org': {exclude: true}\n"
    )
    entry = (
        "kind: paper\nheadline: E\n"
        f"url: {link_server.url('/ok/public')}\n"
        "summary: |-\n"
        f"  [private]({link_server.url('/private/x')}) [gone](https://nowhere.invalid/)\n"
        "  [skipped](https://www.skipped.example.org/a) [also](https://skipped.example.org/b)\n"
    )
    root = make_repo({"0001-e.yml": entry}, config=config)
    config_loaded = load_config(root)
    settings = config_loaded.settings.links.model_copy(update={"host_spacing": 0.0})
    report, _ = check_links(LinkCheckRequest(settings=settings, config=config_loaded))
    assert [checked.link.written for checked in report.links] == [link_server.url("/ok/public")]
    assert report.excluded == 4
    assert link_server.paths() == ["/ok/public"]


def test_a_host_rule_is_found_by_exact_name_before_patterns() -> None:
    policy = HostPolicy({"*.example.org": HostRule(exclude=True), "keep.example.org": HostRule(accept=[403])}, 4, 0.0)
    collector = LinkCollector(policy=policy)
    assert collector.resolve("https://drop.example.org/x") is None
    assert collector.resolve("https://example.org/x") is None
    kept = collector.resolve("https://keep.example.org/x")
    assert kept is not None
    assert kept.key == "https://keep.example.org/x"
    assert policy.limits("keep.example.org").accept == frozenset({403})
