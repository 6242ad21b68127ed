"""Curator tools against a stand-in for arXiv's export API: new, enrich, status, and one id per paper."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st

from ghdigest import identifiers
from ghdigest.yamlio import load_document

from .arxiv_stub import ArxivStub, arxiv_stub_fixture  # noqa: F401 - a fixture

Cli = Callable[..., Result]
MakeRepo = Callable[..., Path]

CONFIG = "title: T\nweek_scheme: us\n"
TODAY = "2020-09-16"  # in 2020-W38


def _entries(root: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted((root / "issues").glob("*.yml"))}


# --- new ------------------------------------------------------------------------------------------


def test_new_paper_from_arxiv_fills_what_arxiv_knows_with_one_request(
    cli: Cli, make_repo: MakeRepo, arxiv_stub: ArxivStub
) -> None:
    root = make_repo(config=CONFIG)
    result = cli("new", "paper", str(root), "--arxiv", "2009.03393v2", "--today", TODAY)
    assert result.exit_code == 0, result.stderr
    path = Path(result.stdout.strip())  # the file written, as the curator's shell sees it
    data = load_document(path, path.name).data
    assert data == {
        "kind": "paper",
        "status": "inbox",
        "title": "Generative Language Modeling for Automated Theorem Proving",
        "url": "https://arxiv.org/abs/2009.03393",
        "authors": ["Stanislas Polu", "Ilya Sutskever"],
        "submitted": "2020-09-07",
        "topics": ["cs.LG", "cs.AI", "cs.CL", "stat.ML"],
        "week": "2020-W38",
        "notes": {
            "abstract": "We explore the application of transformer-based language models to automated theorem proving."
        },
    }
    assert path.name == "generative-language-modeling-for-automated-theorem-proving.yml"
    assert arxiv_stub.asked() == [["2009.03393"]]
    assert cli("validate", str(root)).exit_code == 0
    assert cli("fmt", str(root), "--check").exit_code == 0  # written as the CMS admin would save it


def test_a_paper_already_in_the_archive_is_refused_under_any_spelling(
    cli: Cli, make_repo: MakeRepo, arxiv_stub: ArxivStub
) -> None:
    root = make_repo(config=CONFIG)
    first = cli("new", "paper", str(root), "--arxiv", "2009.03393v2", "--today", TODAY)
    assert first.exit_code == 0, first.stderr
    before = _entries(root)
    for spelling in ("https://arxiv.org/pdf/2009.03393.pdf", "http://www.arxiv.org/abs/2009.03393v1?utm_source=x"):
        again = cli("new", "paper", str(root), "--url", spelling, "--today", TODAY)
        assert again.exit_code == 1
        assert "arxiv:2009.03393 is already in the archive" in again.stderr
        assert "generative-language-modeling-for-automated-theorem-proving.yml:4" in again.stderr
    assert _entries(root) == before
    assert len(arxiv_stub.requests) == 1  # refused before arXiv was asked


def test_a_page_already_in_the_archive_is_refused(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo(
        {"0001-post.yml": "kind: article\nheadline: A post\nurl: https://blog.example.org/post/\nweek: 2020-W38\n"},
        config=CONFIG,
    )
    result = cli("new", "article", str(root), "--url", "http://blog.example.org/post?utm_medium=x#top")
    assert result.exit_code == 1
    assert "issues/0001-post.yml:3" in result.stderr


def test_an_id_arxiv_does_not_know_is_refused_and_nothing_is_written(
    cli: Cli, make_repo: MakeRepo, arxiv_stub: ArxivStub
) -> None:
    root = make_repo(config=CONFIG)
    result = cli("new", "paper", str(root), "--arxiv", "2009.99999", "--today", TODAY)
    assert result.exit_code == 1
    assert "arXiv has no paper 2009.99999" in result.stderr
    assert _entries(root) == {}


def test_the_same_paper_is_never_fetched_twice(cli: Cli, make_repo: MakeRepo, arxiv_stub: ArxivStub) -> None:
    root = make_repo(config=CONFIG)
    first = cli("new", "paper", str(root), "--arxiv", "2009.03393", "--today", TODAY)
    assert first.exit_code == 0, first.stderr
    for path in (root / "issues").glob("*.yml"):
        path.unlink()
    again = cli("new", "paper", str(root), "--arxiv", "2009.03393", "--today", TODAY, "--offline")
    assert again.exit_code == 0, again.stderr
    assert "Generative Language Modeling" in next(iter(_entries(root).values()))
    assert len(arxiv_stub.requests) == 1


def test_offline_with_nothing_stored_writes_the_link_only(cli: Cli, make_repo: MakeRepo, arxiv_stub: ArxivStub) -> None:
    root = make_repo(config=CONFIG)
    result = cli("new", "paper", str(root), "--arxiv", "2009.01325", "--offline", "--today", TODAY)
    assert result.exit_code == 0, result.stderr
    assert "not known offline" in result.stderr
    (text,) = _entries(root).values()
    assert "url: https://arxiv.org/abs/2009.01325" in text
    assert "title:" not in text
    assert arxiv_stub.requests == []
    assert list(_entries(root)) == ["arxiv-2009.01325.yml"]  # named after the id until it has a title


def test_a_503_is_retried_after_a_pause(cli: Cli, make_repo: MakeRepo, arxiv_stub: ArxivStub) -> None:
    arxiv_stub.fail_next = 2
    root = make_repo(config=CONFIG)
    result = cli("new", "paper", str(root), "--arxiv", "2009.01325", "--today", TODAY)
    assert result.exit_code == 0, result.stderr
    assert "Learning to summarize from human feedback" in next(iter(_entries(root).values()))
    assert len(arxiv_stub.requests) == 3


def test_when_arxiv_cannot_be_asked_the_entry_keeps_its_link(
    cli: Cli, make_repo: MakeRepo, arxiv_stub: ArxivStub
) -> None:
    arxiv_stub.fail_next = 100
    root = make_repo(config=CONFIG)
    result = cli("new", "paper", str(root), "--arxiv", "2009.01325", "--today", TODAY)
    assert result.exit_code == 0, result.stderr
    assert "503" in result.stderr
    assert "url: https://arxiv.org/abs/2009.01325" in next(iter(_entries(root).values()))
    assert len(arxiv_stub.requests) == 4  # the first try and three more, each after a longer pause


def test_old_style_and_withdrawn_papers(cli: Cli, make_repo: MakeRepo, arxiv_stub: ArxivStub) -> None:
    root = make_repo(config=CONFIG)
    old = cli("new", "paper", str(root), "--arxiv", "hep-th/9901001v1", "--today", TODAY)
    assert old.exit_code == 0, old.stderr
    withdrawn = cli("new", "paper", str(root), "--arxiv", "2010.00001", "--today", TODAY)
    assert withdrawn.exit_code == 0, withdrawn.stderr
    assert "withdrawn" in withdrawn.stderr
    texts = _entries(root)
    assert "url: https://arxiv.org/abs/hep-th/9901001" in texts["an-old-style-paper-on-strings.yml"]
    assert "submitted: 1999-01-01\n" in texts["an-old-style-paper-on-strings.yml"]  # as the CMS admin writes it
    assert cli("validate", str(root)).exit_code == 0


def test_week_option_and_kinds_without_a_link(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo(config=CONFIG)
    result = cli("new", "other", str(root), "--week", "2020-W40")
    assert result.exit_code == 0, result.stderr
    assert _entries(root) == {"2020-W40-other.yml": "kind: other\nstatus: inbox\nweek: 2020-W40\n"}
    bad = cli("new", "paper", str(root), "--week", "2020-W99")
    assert bad.exit_code == 2


# --- enrich ------------------------------------------------------------------------------------------

SPARSE = """\
# A curator's note stays where it is.
kind: paper
headline: Summaries from feedback
url: https://arxiv.org/pdf/2009.01325v3.pdf
summary: Written by a person.
week: 2020-W38
"""

PERSONAL_TITLE = """\
kind: paper
headline: GPT-f
title: My own title for it
url: https://arxiv.org/abs/2009.03393
summary: Written by a person.
week: 2020-W38
"""


def test_enrich_fills_only_what_is_missing_and_a_second_run_changes_nothing(
    cli: Cli, make_repo: MakeRepo, arxiv_stub: ArxivStub
) -> None:
    root = make_repo({"0001-sparse.yml": SPARSE, "0002-titled.yml": PERSONAL_TITLE}, config=CONFIG)
    dry = cli("enrich", str(root), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert _entries(root) == {"0001-sparse.yml": SPARSE, "0002-titled.yml": PERSONAL_TITLE}
    assert "0001-sparse.yml: + title, authors, submitted" in dry.stdout

    first = cli("enrich", str(root))
    assert first.exit_code == 0, first.stderr
    texts = _entries(root)
    assert texts["0001-sparse.yml"].startswith(SPARSE)  # what was written stays, byte for byte
    sparse = load_document(root / "issues" / "0001-sparse.yml", "x").data
    assert sparse["title"] == "Learning to summarize from human feedback"
    assert sparse["authors"] == ["Nisan Stiennon", "Long Ouyang", "Jeff Wu"]
    assert sparse["submitted"] == "2020-09-02"
    titled = load_document(root / "issues" / "0002-titled.yml", "x").data
    assert titled["title"] == "My own title for it"
    assert titled["authors"] == ["Stanislas Polu", "Ilya Sutskever"]
    assert len(arxiv_stub.requests) == 1  # both papers in one batch; the dry run's answers were kept

    assert "submitted: 2020-09-02\n" in texts["0001-sparse.yml"]  # the added fields as the CMS admin writes them
    second = cli("enrich", str(root))
    assert second.exit_code == 0, second.stderr
    assert _entries(root) == texts
    assert second.stdout == ""
    assert len(arxiv_stub.requests) == 1
    assert cli("validate", str(root)).exit_code == 0


# --- status ----------------------------------------------------------------------------------------------

WEEK_ENTRIES = {
    "0001-ready.yml": "kind: paper\nheadline: Ready\nurl: https://arxiv.org/abs/2009.03393\nsummary: S\npick: true\n"
    "week: 2020-W38\n",
    "0002-bare.yml": "kind: paper\nstatus: inbox\ntitle: Bare\nweek: 2020-W38\n",
    "0003-article.yml": "kind: article\nheadline: Post\nurl: https://blog.example.org/p\nsummary: S\nweek: 2020-W38\n",
    "0004-skipped.yml": "kind: other\nstatus: skip\nheadline: No\nweek: 2020-W38\n",
    "0005-other-week.yml": "kind: other\nheadline: Later\nsummary: S\nweek: 2020-W39\n",
}


def test_status_shows_the_week_per_section_and_what_is_not_ready(cli: Cli, make_repo: MakeRepo) -> None:
    root = make_repo(WEEK_ENTRIES, config=CONFIG)
    result = cli("status", str(root), "--week", "2020-W38", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["totals"] == {"entries": 3, "picks": 1, "not_ready": 2, "skipped": 1}
    missing = {entry["path"].rpartition("/")[2]: entry["missing"] for s in data["sections"] for entry in s["entries"]}
    assert missing == {
        "0001-ready.yml": [],
        "0002-bare.yml": ["no headline", "no summary", "no link"],
        "0003-article.yml": ["link not checked"],
    }
    text = cli("status", str(root), "--week", "2020-W38")
    assert text.exit_code == 0
    assert text.stdout.startswith("2020-W38 (2020-09-13 to 2020-09-19): 3 entries, 1 pick, 2 not ready, 1 skipped")
    assert "0002-bare.yml  (no headline): no headline, no summary, no link" in text.stdout


# --- one id per paper --------------------------------------------------------------------------------------

new_style = st.builds(
    lambda year, month, number: f"{year:02d}{month:02d}.{number:05d}",
    st.integers(15, 29),
    st.integers(1, 12),
    st.integers(1, 99999),
)
old_style = st.builds(
    lambda archive, year, month, number: f"{archive}/{year:02d}{month:02d}{number:03d}",
    st.sampled_from(["hep-th", "math", "cond-mat", "quant-ph", "astro-ph"]),
    st.integers(91, 99),
    st.integers(1, 12),
    st.integers(1, 999),
)


def _spellings(identifier: str) -> st.SearchStrategy[str]:
    return st.builds(
        lambda scheme, www, page, version, pdf, slash, tracking, fragment: (
            f"{scheme}://{www}arxiv.org/{page}/{identifier}{version}"
            + (".pdf" if pdf and page == "pdf" else "")
            + slash
            + tracking
            + fragment
        ),
        st.sampled_from(["http", "https"]),
        st.sampled_from(["", "www."]),
        st.sampled_from(["abs", "pdf"]),
        st.sampled_from(["", "v1", "v2", "v13"]),
        st.booleans(),
        st.sampled_from(["", "/"]),
        st.sampled_from(["", "?utm_source=twitter", "?fbclid=abc"]),
        st.sampled_from(["", "#section"]),
    )


@settings(max_examples=300, deadline=None)
@given(st.one_of(new_style, old_style).flatmap(lambda i: st.tuples(st.just(i), _spellings(i), _spellings(i))))
def test_every_spelling_of_a_paper_has_one_canonical_id(case: tuple[str, str, str]) -> None:
    identifier, one, other = case
    expected = f"arxiv:{identifier}"
    assert identifiers.canonical_id(one) == identifiers.canonical_id(other) == expected
    assert identifiers.canonical_id(f"arXiv:{identifier}v3") == expected
    # Idempotent: the canonical address of a paper has the paper's id.
    assert identifiers.canonical_id(identifiers.url_to_check(one)) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"10\.[0-9]{4,6}/[A-Za-z0-9._-]{1,20}", fullmatch=True),
    st.sampled_from(["https://doi.org/", "http://dx.doi.org/", "doi:", "https://www.doi.org/"]),
)
def test_a_doi_has_one_canonical_id_whatever_its_case_and_host(doi: str, prefix: str) -> None:
    expected = identifiers.canonical_id(f"doi:{doi}")
    assert identifiers.canonical_id(f"{prefix}{doi.upper()}") == expected
    assert identifiers.canonical_id(f"{prefix}{doi.lower()}") == expected


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"[a-z]{1,10}\.(org|com|net)", fullmatch=True),
    st.lists(st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True), max_size=3),
    st.sampled_from(["http", "https"]),
    st.sampled_from(["", "www."]),
    st.sampled_from(["", "/"]),
    st.sampled_from(["", "?utm_campaign=x", "#frag"]),
)
def test_a_page_has_one_canonical_id_whatever_its_spelling(
    host: str, path: list[str], scheme: str, www: str, slash: str, extra: str
) -> None:
    plain = f"https://{host}/" + "/".join(path)
    spelled = f"{scheme}://{www}{host}/" + "/".join(path) + slash + extra
    assert identifiers.canonical_id(spelled) == identifiers.canonical_id(plain)
    assert identifiers.canonical_id(identifiers.url_to_check(spelled)) == identifiers.canonical_id(plain)
