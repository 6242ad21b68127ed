"""Canonical ids for links: one id per paper or page whatever the spelling; URL sanity checks."""

from __future__ import annotations

import itertools

import pytest

from ghdigest.identifiers import arxiv_id, canonical_id, doi, looks_like_arxiv, url_problem

# --- arXiv ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "https://arxiv.org/abs/2009.03393",
        "http://arxiv.org/abs/2009.03393v1",
        "https://arxiv.org/abs/2009.03393v2",
        "https://arxiv.org/pdf/2009.03393.pdf",
        "https://arxiv.org/pdf/2009.03393v1.pdf",
        "https://arxiv.org/pdf/2009.03393",
        "https://arxiv.org/abs//2009.03393",
        "https://www.arxiv.org/abs/2009.03393",
        "https://export.arxiv.org/abs/2009.03393",
        "https://arxiv.org/abs/2009.03393/",
        "https://arxiv.org/abs/2009.03393#references",
        "HTTPS://ARXIV.ORG/abs/2009.03393",
        "arXiv:2009.03393",
        "arxiv:2009.03393v2",
        "2009.03393",
        "2009.03393v3",
    ],
)
def test_every_spelling_of_a_new_style_arxiv_paper_has_one_id(spelling: str) -> None:
    assert arxiv_id(spelling) == "2009.03393"
    assert canonical_id(spelling) == "arxiv:2009.03393"


@pytest.mark.parametrize(
    "spelling",
    [
        "2101.00001",
        "2101.00001v4",
        "arXiv:2101.00001",
        "https://arxiv.org/abs/2101.00001",
        "https://arxiv.org/abs/2101.00001v2",
        "https://arxiv.org/pdf/2101.00001v1.pdf",
    ],
)
def test_five_digit_arxiv_ids(spelling: str) -> None:
    assert arxiv_id(spelling) == "2101.00001"
    assert canonical_id(spelling) == "arxiv:2101.00001"


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("https://arxiv.org/abs/hep-th/9901001v2", "arxiv:hep-th/9901001"),
        ("https://arxiv.org/abs/hep-th/9901001", "arxiv:hep-th/9901001"),
        ("https://arxiv.org/pdf/hep-th/9901001v1.pdf", "arxiv:hep-th/9901001"),
        ("http://xxx.lanl.gov/abs/hep-th/9901001", "arxiv:hep-th/9901001"),
        ("hep-th/9901001", "arxiv:hep-th/9901001"),
        ("arXiv:hep-th/9901001v3", "arxiv:hep-th/9901001"),
        ("math.GT/0309136", "arxiv:math/0309136"),
        ("math.GT/0309136v1", "arxiv:math/0309136"),
        ("https://arxiv.org/abs/math.GT/0309136", "arxiv:math/0309136"),
        ("https://arxiv.org/abs/math/0309136", "arxiv:math/0309136"),
    ],
)
def test_old_style_arxiv_ids(spelling: str, expected: str) -> None:
    assert canonical_id(spelling) == expected
    assert arxiv_id(spelling) == expected.removeprefix("arxiv:")


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("https://doi.org/10.48550/arXiv.2009.03393", "arxiv:2009.03393"),  # arXiv's own DOI is the paper
        ("doi:10.48550/ARXIV.hep-th/9901001", "arxiv:hep-th/9901001"),
        ("https://doi.org/10.1000/ABC/", "doi:10.1000/abc"),
        ("https://dx.doi.org/10.1000/abc", "doi:10.1000/abc"),
    ],
)
def test_dois_of_one_paper(spelling: str, expected: str) -> None:
    assert canonical_id(spelling) == expected


def test_different_arxiv_papers_have_different_ids() -> None:
    papers = [
        "https://arxiv.org/abs/2009.03393",
        "https://arxiv.org/abs/2009.03394",
        "https://arxiv.org/abs/2101.00001",
        "https://arxiv.org/abs/2101.0001",
        "https://arxiv.org/abs/hep-th/9901001",
        "https://arxiv.org/abs/hep-ph/9901001",
        "https://arxiv.org/abs/math/0309136",  # the same paper as math.GT/0309136: numbers are per archive
        "https://arxiv.org/abs/math/0309137",
    ]
    assert len({canonical_id(paper) for paper in papers}) == len(papers)


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/abs/2009.03393",
        "https://arxiv.org/list/cs.LG/recent",
        "https://arxiv.org/",
        "https://arxiv.org/abs/",
        "https://arxiv.org/abs/not-an-id",
        "https://arxiv.org/abs/2009.3393",
        "https://arxiv.org/abs/2009.03393/extra",
        "https://arxiv.org.example.com/abs/2009.03393",
        "https://notarxiv.org/abs/2009.03393",
        "https://doi.org/10.1145/3292500.3330701",
        "2009.03393x",
        "see 2009.03393",
        "",
    ],
)
def test_arxiv_id_is_none_without_an_arxiv_paper(text: str) -> None:
    assert arxiv_id(text) is None
    assert not canonical_id(text).startswith("arxiv:")


# --- DOI --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "https://doi.org/10.1145/3292500.3330701",
        "http://doi.org/10.1145/3292500.3330701",
        "https://dx.doi.org/10.1145/3292500.3330701",
        "https://www.doi.org/10.1145/3292500.3330701",
        "doi:10.1145/3292500.3330701",
        "DOI:10.1145/3292500.3330701",
        "HTTPS://DOI.ORG/10.1145/3292500.3330701",
        "https://DX.DOI.ORG/10.1145/3292500.3330701",
    ],
)
def test_every_spelling_of_a_doi_has_one_id(spelling: str) -> None:
    assert doi(spelling) == "10.1145/3292500.3330701"
    assert canonical_id(spelling) == "doi:10.1145/3292500.3330701"


@pytest.mark.parametrize(
    "spelling",
    ["doi:10.1000/ABC.Def-1", "https://doi.org/10.1000/abc.def-1", "HTTPS://DX.DOI.ORG/10.1000/ABC.DEF-1"],
)
def test_dois_are_compared_without_case(spelling: str) -> None:
    # DOI names are case-insensitive, so every spelling maps to the lower-cased DOI.
    assert canonical_id(spelling) == "doi:10.1000/abc.def-1"


def test_different_dois_have_different_ids() -> None:
    dois = ["doi:10.1145/3292500.3330701", "doi:10.1145/3292500.3330702", "doi:10.1146/3292500.3330701"]
    assert len({canonical_id(text) for text in dois}) == len(dois)


@pytest.mark.parametrize(
    "text",
    ["https://example.com/10.1145/3292500.3330701", "https://doi.org/", "https://doi.org/about", "doi:not-a-doi"],
)
def test_doi_is_none_without_a_doi(text: str) -> None:
    assert doi(text) is None
    assert not canonical_id(text).startswith("doi:")


# --- other URLs -------------------------------------------------------------------------------

SAME_PAGE = [
    "https://example.com/blog/post?a=1&b=2",
    "http://example.com/blog/post?a=1&b=2",
    "https://www.example.com/blog/post?a=1&b=2",
    "https://example.com/blog/post/?a=1&b=2",
    "https://example.com/blog/post?a=1&b=2#comments",
    "https://example.com/blog/post?b=2&a=1",
    "https://example.com/blog/post?a=1&utm_source=twitter&b=2&utm_medium=social",
    "https://example.com/blog/post?fbclid=IwAR0abcdef&a=1&b=2",
    "https://Example.COM/blog/post?a=1&b=2",
    "http://www.example.com/blog/post/?utm_campaign=x&b=2&fbclid=y&a=1#top",
]

SAME_HOME_PAGE = [
    "https://example.com",
    "https://example.com/",
    "http://www.example.com/",
    "https://example.com/#section",
    "https://example.com/?utm_source=newsletter",
    "https://example.com/?fbclid=abc",
]

DIFFERENT_PAGES = [
    "https://example.com/blog/post?a=1&b=2",
    "https://example.com/blog/other?a=1&b=2",
    "https://example.com/blog?a=1&b=2",
    "https://example.com/Blog/post?a=1&b=2",
    "https://example.com/blog/post?a=1&b=3",
    "https://example.com/blog/post?a=1",
    "https://example.com/blog/post",
    "https://example.com/blog/post?a=1&b=2&c=3",
    "https://example.com/blog/post?a=2&b=1",
    "https://example.org/blog/post?a=1&b=2",
    "https://blog.example.com/post?a=1&b=2",
    "https://example.com:8080/blog/post?a=1&b=2",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com/watch?v=dQw4w9WgXcR",
    "https://example.com/",
]


@pytest.mark.parametrize("group", [SAME_PAGE, SAME_HOME_PAGE], ids=["post", "home"])
def test_spellings_of_one_page_have_one_id(group: list[str]) -> None:
    ids = {url: canonical_id(url) for url in group}
    assert len(set(ids.values())) == 1, ids


def test_different_pages_have_different_ids() -> None:
    ids = [canonical_id(url) for url in DIFFERENT_PAGES]
    for (url_a, id_a), (url_b, id_b) in itertools.combinations(zip(DIFFERENT_PAGES, ids, strict=True), 2):
        assert id_a != id_b, (url_a, url_b)


@pytest.mark.parametrize("url", SAME_PAGE + SAME_HOME_PAGE + DIFFERENT_PAGES)
def test_other_urls_get_url_ids(url: str) -> None:
    found = canonical_id(url)
    assert found.startswith("url:")
    assert len(found) > len("url:")


def test_url_ids_differ_from_paper_ids_of_similar_links() -> None:
    assert canonical_id("https://example.com/abs/2009.03393").startswith("url:")
    assert canonical_id("https://arxiv.org/list/cs.LG/recent").startswith("url:")


# --- looks_like_arxiv -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org/abs/2009.03393",
        "https://arxiv.org/pdf/2009.03393v1.pdf",
        "http://arxiv.org/abs//2009.03393",
        "https://www.arxiv.org/abs/2009.03393",
        "https://export.arxiv.org/pdf/2009.03393",
        "https://arxiv.org/abs/2009.3393",
        "https://arxiv.org/abs/not-an-id",
        "https://arxiv.org/pdf/12345",
        "https://arxiv.org/abs/2009.03393v1/extra",
    ],
)
def test_looks_like_arxiv_for_abstract_and_pdf_links(url: str) -> None:
    assert looks_like_arxiv(url) is True


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org/list/cs.LG/recent",
        "https://arxiv.org/",
        "https://arxiv.org/absolute/2009.03393",
        "https://example.com/abs/2009.03393",
        "https://arxiv.org.example.com/abs/2009.03393",
        "https://notarxiv.org/pdf/2009.03393",
        "https://doi.org/10.1145/3292500.3330701",
        "arXiv:2009.03393",
        "2009.03393",
        "",
    ],
)
def test_does_not_look_like_arxiv_otherwise(url: str) -> None:
    assert looks_like_arxiv(url) is False


@pytest.mark.parametrize(
    "url", ["https://arxiv.org/abs/2009.3393", "https://arxiv.org/abs/not-an-id", "https://arxiv.org/pdf/12345"]
)
def test_bad_arxiv_links_are_detectable(url: str) -> None:
    # The combination used to report an invalid arXiv id: it looks like arXiv but holds no id.
    assert looks_like_arxiv(url)
    assert arxiv_id(url) is None


# --- url_problem ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "http://example.com/",
        "https://example.com/path/to/page?q=1&r=two#frag",
        "https://sub.domain.example.co.uk/",
        "HTTPS://Example.COM/Path",
        "https://example.com:8443/x",
        "http://example.com:8080",
        "https://bücher.example/",
        "https://münchen.de/stadtplan",
        "https://xn--bcher-kva.example/",
        "http://127.0.0.1/",
        "http://192.168.1.10:8000/api",
        "http://localhost/",
        "http://localhost:5000/docs",
        "https://arxiv.org/abs/2009.03393",
        "https://my-site.example-host.org/",
    ],
)
def test_usable_urls_have_no_problem(url: str) -> None:
    assert url_problem(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://x.org",
        "javascript:alert(1)",
        "mailto:someone@example.com",
        "example.com/page",
        "//example.com/page",
        "",
        "https:///path",
        "https://",
        "https://exa mple.com",
        "https://example.com/a page",
        " https://example.com/",
        "https://-bad-.com/",
        "https://bad-.example.com/",
        "https://nodot/",
        "https://example.com:99999/",
        "https://example.com:0/",
        "https://a..b/",
        "https://[::1/",
    ],
)
def test_unusable_urls_get_a_message(url: str) -> None:
    message = url_problem(url)
    assert isinstance(message, str)
    assert repr(url) in message  # the message names the offending link


@pytest.mark.parametrize(
    "url",
    [
        "https://user:s3cret-pass@example.org/private",
        "http://user:s3cret-pass@host:bad/x",
        "ftp://user:s3cret-pass@example.org/",
        "http://user:s3cret-pass@ho st.org",
        "http://user:s3cret-pass@[::1",
        "https://user:s3cret-pass@exa_mple",
        "https://user:s3cret-pass@/x",
        "https://user:s3cret#pass@example.org/x",  # "#" in the password: urlsplit takes "s3cret" for the port
        "https://user:s3cret?pass@example.org/x",
    ],
)
def test_a_url_problem_never_repeats_the_password(url: str) -> None:
    problem = url_problem(url)
    assert problem is not None
    assert "s3cret" not in problem
    assert "***@" in problem
