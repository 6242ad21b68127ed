"""Properties over wide inputs: weeks in both schemes, canonical ids, and the content loader on any bytes."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import warnings
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ghdigest import identifiers
from ghdigest.config import Config, load_config
from ghdigest.content import load_content
from ghdigest.weeks import Week, WeekError, weeks_in_year

from .conftest import MINIMAL_CONFIG, write_files

SCHEMES = st.sampled_from(["us", "iso"])
ONE_DAY = dt.timedelta(days=1)
SUNDAY, MONDAY, SATURDAY = 6, 0, 5  # date.weekday()
FIRST_YEAR, LAST_YEAR = 1000, 9998  # the years weeks.py documents as supported

# --- weeks: oracles derived from the definitions, not from weeks.py ------------------------------------------


def us_week(day: dt.date) -> tuple[int, int]:
    """(year, number) of ``day`` in US numbering, by strftime's %U (Excel's WEEKNUM(d, 1)).

    %U numbers Sunday-to-Saturday weeks and puts the days before the first Sunday in week 0;
    US numbering calls that partial week 1, and the days of late December whose Saturday is
    already in January belong to week 1 of the next year (the week holding its 1 January).
    """
    try:
        saturday = day + dt.timedelta(days=(SATURDAY - day.weekday()) % 7)
    except OverflowError:  # past date.max: the week of 9999's last days is week 1 of 10000
        return day.year + 1, 1
    if saturday.year != day.year:
        return saturday.year, 1
    starts_on_sunday = dt.date(day.year, 1, 1).strftime("%w") == "0"
    return day.year, int(day.strftime("%U")) + (0 if starts_on_sunday else 1)


def oracle_week(day: dt.date, scheme: str) -> tuple[int, int]:
    if scheme == "iso":
        iso = day.isocalendar()
        return iso[0], iso[1]
    return us_week(day)


def oracle_weeks_in_year(year: int, scheme: str) -> int:
    """US: one week per Saturday of the year; ISO: 53 exactly when 28 December is in week 53."""
    if scheme == "iso":
        return dt.date(year, 12, 28).isocalendar()[1]
    first = dt.date(year, 1, 1)
    first_saturday = first + dt.timedelta(days=(SATURDAY - first.weekday()) % 7)
    return (dt.date(year, 12, 31) - first_saturday).days // 7 + 1


# Days whose week lies inside the supported years in both schemes, with a week to spare at each end.
WIDE_DAYS = st.dates(min_value=dt.date(FIRST_YEAR + 1, 1, 1), max_value=dt.date(LAST_YEAR - 1, 12, 31))


@settings(max_examples=400, deadline=None)
@given(day=WIDE_DAYS, scheme=SCHEMES)
@example(day=dt.date(2020, 9, 13), scheme="us")  # the seed week
@example(day=dt.date(2020, 12, 27), scheme="us")  # US week 1 starting in December
@example(day=dt.date(2021, 1, 3), scheme="iso")  # ISO week 53 ending in January
def test_week_of_a_day_holds_it_and_reads_back_from_its_id(day: dt.date, scheme: str) -> None:
    """Week.of(day) is the calendar's week of ``day``: seven days from Sunday (us) or Monday (iso), id round-trips."""
    week = Week.of(day, scheme)  # type: ignore[arg-type]
    assert (week.year, week.number) == oracle_week(day, scheme)
    assert day in week
    assert week.start <= day <= week.end
    assert week.end - week.start == dt.timedelta(days=6)
    assert week.start.weekday() == (SUNDAY if scheme == "us" else MONDAY)
    assert re.fullmatch(r"[0-9]{4}-W[0-9]{2}", week.id)
    assert str(week) == week.id
    assert Week.parse(week.id, scheme) == week  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(day=WIDE_DAYS, scheme=SCHEMES)
def test_neighbouring_weeks_are_contiguous(day: dt.date, scheme: str) -> None:
    """next/previous are the adjacent weeks, with no gap or overlap; the next day is in this week or the next."""
    week = Week.of(day, scheme)  # type: ignore[arg-type]
    following, preceding = week.next(), week.previous()
    assert following.start == week.end + ONE_DAY
    assert preceding.end == week.start - ONE_DAY
    assert following.previous() == week == preceding.next()
    assert preceding < week < following
    tomorrow = Week.of(day + ONE_DAY, scheme)  # type: ignore[arg-type]
    assert tomorrow == (following if day == week.end else week)


@settings(max_examples=200, deadline=None)
@given(year=st.integers(FIRST_YEAR, LAST_YEAR - 1), scheme=SCHEMES)
@example(year=2020, scheme="us")
@example(year=2022, scheme="us")  # 53 weeks: starts on a Saturday
@example(year=2020, scheme="iso")  # 53 weeks: leap year starting on a Wednesday
def test_a_year_has_its_calendar_number_of_weeks(year: int, scheme: str) -> None:
    """weeks_in_year is the calendar's count; weeks 1..count exist, fill the year's span, and no others."""
    count = weeks_in_year(year, scheme)  # type: ignore[arg-type]
    assert count == oracle_weeks_in_year(year, scheme)
    first, last = Week(year, 1, scheme), Week(year, count, scheme)  # type: ignore[arg-type]
    assert (last.start - first.start).days == 7 * (count - 1)
    assert last.next() == Week(year + 1, 1, scheme)  # type: ignore[arg-type]
    # Week 1 holds 1 January (us) or the first Thursday (iso, so 4 January).
    assert dt.date(year, 1, 1 if scheme == "us" else 4) in first
    for number in (0, count + 1):
        with pytest.raises(WeekError):
            Week(year, number, scheme)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(day=st.dates(), scheme=SCHEMES)
@example(day=dt.date.min, scheme="us")
@example(day=dt.date.max, scheme="us")
@example(day=dt.date(1000, 1, 1), scheme="iso")  # in ISO week 999-W52
@example(day=dt.date(9998, 12, 31), scheme="us")  # in US week 9999-W01
def test_week_of_any_day_is_its_week_or_a_week_error(day: dt.date, scheme: str) -> None:
    """Week.of refuses with WeekError exactly the days whose week falls outside the supported years."""
    # %U and isocalendar both work for every date Python has.
    year, number = oracle_week(day, scheme)
    if FIRST_YEAR <= year <= LAST_YEAR:
        assert Week.of(day, scheme) == Week(year, number, scheme)  # type: ignore[arg-type]
    else:
        with pytest.raises(WeekError):
            Week.of(day, scheme)  # type: ignore[arg-type]


NEAR_MISS_IDS = st.builds(
    lambda sign, year, separator, number, pad, tail: f"{sign}{year:0{pad}d}{separator}{number:0{pad // 2}d}{tail}",
    st.sampled_from(["", "", "", "-", "+"]),
    st.one_of(st.integers(0, 10_000), st.sampled_from([FIRST_YEAR - 1, FIRST_YEAR, LAST_YEAR, LAST_YEAR + 1])),
    st.sampled_from(["-W", "-W", "-w", "W", "-", "--W", "-W-", " -W"]),
    st.one_of(st.integers(0, 100), st.sampled_from([0, 1, 52, 53, 54])),
    st.sampled_from([4, 4, 4, 2, 6]),
    st.sampled_from(["", "", "", "\n", " ", "\x00", "-1", "\u0663"]),
)


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(st.text(max_size=12), NEAR_MISS_IDS), scheme=SCHEMES)
@example(text="2020-W00", scheme="us")
@example(text="2020-W54", scheme="iso")
@example(text="-1-W01", scheme="us")
@example(text="2020-W٣٨", scheme="us")  # Arabic-Indic digits are digits to \d, not to a week id
@example(text="2020-W38\n", scheme="us")
def test_parse_accepts_exactly_the_existing_weeks_and_refuses_with_week_error(text: str, scheme: str) -> None:
    """Week.parse accepts YYYY-Www naming an existing week, and refuses anything else with WeekError only."""
    match = re.fullmatch(r"([0-9]{4})-W([0-9]{2})", text, re.ASCII)
    exists = (
        match is not None
        and FIRST_YEAR <= int(match[1]) <= LAST_YEAR
        and 1 <= int(match[2]) <= oracle_weeks_in_year(int(match[1]), scheme)
    )
    if exists:
        assert Week.parse(text, scheme).id == text  # type: ignore[arg-type]
    else:
        with pytest.raises(WeekError):
            Week.parse(text, scheme)  # type: ignore[arg-type]


# --- canonical ids -------------------------------------------------------------------------------------------

NEW_STYLE_ARXIV = st.builds(
    lambda year, month, number: f"{year:02d}{month:02d}.{number:0{4 if (year, month) <= (14, 12) else 5}d}",
    st.integers(7, 29),
    st.integers(1, 12),
    st.integers(1, 9999),
).filter(lambda i: i >= "0704")
OLD_STYLE_ARXIV = st.builds(
    lambda archive, subject, year, month, number: f"{archive}{subject}/{year:02d}{month:02d}{number:03d}",
    st.sampled_from(["hep-th", "math", "cond-mat", "astro-ph", "q-bio", "nlin"]),
    st.sampled_from(["", "", ".GT", ".AI"]),
    st.integers(91, 99),
    st.integers(1, 12),
    st.integers(1, 999),
)


@st.composite
def arxiv_spellings(draw: st.DrawFn) -> tuple[str, str]:
    """(a spelling of an arXiv paper, its expected id): links, ``arXiv:`` text and arXiv's own DOIs."""
    written = draw(st.one_of(NEW_STYLE_ARXIV, OLD_STYLE_ARXIV))
    expected = re.sub(r"\.[A-Z]{2}/", "/", written)  # arXiv files math.GT/0309136 as math/0309136
    version = draw(st.sampled_from(["", "v1", "v2", "v17"]))
    form = draw(st.sampled_from(["link", "link", "link", "text", "doi"]))
    if form == "text":
        prefix = draw(st.sampled_from(["", "arxiv:", "arXiv:", "ARXIV:"]))
        spelling = f"{prefix}{written}{version}"
    elif form == "doi":
        host = draw(st.sampled_from(["doi:", "DOI:", "https://doi.org/", "http://dx.doi.org/"]))
        spelling = f"{host}10.48550/{draw(st.sampled_from(['arXiv', 'ARXIV', 'arxiv']))}.{expected}"
    else:
        scheme = draw(st.sampled_from(["http", "https", "HTTPS"]))
        host = draw(st.sampled_from(["arxiv.org", "www.arxiv.org", "export.arxiv.org", "xxx.lanl.gov", "ArXiv.org"]))
        page = draw(st.sampled_from(["abs", "pdf", "html", "format"]))
        slashes = draw(st.sampled_from(["/", "/", "//"]))
        pdf = ".pdf" if page == "pdf" and draw(st.booleans()) else ""
        tail = draw(st.sampled_from(["", "/", "?context=cs", "#S2", "?utm_source=x#a"]))
        spelling = f"{scheme}://{host}{slashes}{page}{slashes}{written}{version}{pdf}{tail}"
    padding = draw(st.sampled_from(["", " ", "\n", "\t "]))
    return padding + spelling + padding, expected


@settings(max_examples=400, deadline=None)
@given(arxiv_spellings())
def test_every_spelling_of_an_arxiv_paper_gives_one_id_and_the_id_reads_back(case: tuple[str, str]) -> None:
    """Links, arXiv: text and DOIs of one paper give its versionless id, and the id and its forms give it again."""
    spelling, expected = case
    assert identifiers.arxiv_id(spelling) == expected
    assert identifiers.canonical_id(spelling) == f"arxiv:{expected}"
    # Idempotent: the id, its arxiv: form, its canonical id and its abstract page name the paper again.
    assert identifiers.arxiv_id(expected) == expected
    assert identifiers.arxiv_id(f"arxiv:{expected}") == expected
    assert identifiers.canonical_id(f"arxiv:{expected}") == f"arxiv:{expected}"
    assert identifiers.url_to_check(spelling) == f"https://arxiv.org/abs/{expected}"
    assert identifiers.arxiv_id(identifiers.url_to_check(spelling)) == expected


# A DOI's suffix may be almost any text; white space and lone surrogates are not text a DOI holds.
DOI_SUFFIXES = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=20).filter(
    lambda s: not re.search(r"\s", s) and not s.endswith("/")
)


@settings(max_examples=300, deadline=None)
@given(
    prefix=st.from_regex(r"10\.[0-9]{4,9}", fullmatch=True).filter(lambda p: p != "10.48550"),
    suffix=DOI_SUFFIXES,
    form=st.sampled_from(["doi:", "DOI:", "https://doi.org/", "http://dx.doi.org/", "https://www.doi.org/"]),
    slash=st.sampled_from(["", "/"]),
)
def test_a_doi_reads_back_from_its_text_and_its_link(prefix: str, suffix: str, form: str, slash: str) -> None:
    """doi: text and doi.org links (percent-encoded) give the lower-cased DOI; its doi: text and link give it again."""
    raw = f"{prefix}/{suffix}"
    spelling = f"{form}{raw if form.endswith(':') else quote(raw, safe='/')}{slash}"
    expected = raw.lower()
    assert identifiers.doi(spelling) == expected
    assert identifiers.canonical_id(spelling) == f"doi:{expected}"
    # Idempotent: the DOI's own doi: text and doi.org link give it back.
    assert identifiers.doi(f"doi:{expected}") == expected
    assert identifiers.doi(f"https://doi.org/{quote(expected, safe='/')}") == expected
    assert identifiers.canonical_id(f"doi:{expected}") == f"doi:{expected}"


def test_a_doi_link_ending_in_an_encoded_line_break_holds_no_doi() -> None:
    """Regression: doi.org/10.1000/x%0A once gave the DOI '10.1000/x\\n', which its doi: text did not read back as."""
    assert identifiers.doi("https://doi.org/10.1000/x%0A") is None
    assert identifiers.doi("https://doi.org/10.1000/x%0A/") is None
    assert identifiers.canonical_id("https://doi.org/10.1000/x%0A").startswith("url:")
    assert identifiers.doi("https://doi.org/10.1000/x") == "10.1000/x"  # the same link without it is one


_SAFE_PIECES = [*"%/;:@+!$'()*,=&.~", "%2F", "%20", "%zz", "%", "..", "//", "é", "日本", "\u202e", "\x7f", "a=b&a=c"]
#: Pieces that change how a link splits (? starts the query, # the fragment) or make it unusable (white space).
_SPLITTING_PIECES = ["?", "#", " ", "\t", "\u2028", "\x00"]
_HOST_LABELS = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?", fullmatch=True)
_HOSTS = st.one_of(
    st.builds(
        lambda labels, tld: ".".join([*labels, tld]),
        st.lists(_HOST_LABELS, min_size=1, max_size=3),
        st.sampled_from(["org", "COM", "de", "xn--p1ai", "рф", "Example"]),
    ),
    st.sampled_from(["localhost", "127.0.0.1", "[::1]", "[2001:db8::AB]", "münchen.de"]),
)
_TRACKING = st.sampled_from(["utm_source=t", "utm_medium=", "fbclid=abc", "gclid=1", "ref_src=x"])


@st.composite
def links(draw: st.DrawFn, splitting: bool) -> tuple[str, str]:
    """(a link, a respelling of the same page by normalized_url's rules); with pieces that split it if ``splitting``."""
    pieces = _SAFE_PIECES + (_SPLITTING_PIECES if splitting else [])
    segments = st.lists(
        st.one_of(st.from_regex(r"[A-Za-z0-9._~-]{1,6}", fullmatch=True), st.sampled_from(pieces)), max_size=4
    ).map("".join)
    host = draw(_HOSTS)
    path = draw(st.lists(segments, max_size=4).map(lambda s: "/" + "/".join(s) if s else ""))
    fields = draw(st.lists(st.one_of(st.builds("{}={}".format, segments, segments), _TRACKING), max_size=3))
    port = draw(st.sampled_from(["", "", ":8080", ":1"]))
    link = f"https://{host}{port}{path}" + ("?" + "&".join(fields) if fields else "")
    # Only one www. is dropped: www.www.example.org is not www.example.org.
    www = draw(st.sampled_from(["", "www.", "WWW."])) if not host.startswith(("[", "www.")) else ""
    shuffled = draw(st.permutations(fields + draw(st.lists(_TRACKING, max_size=2))))
    respelled = (
        f"{draw(st.sampled_from(['http', 'https', 'HTTP']))}://{www}{host.upper() if draw(st.booleans()) else host}"
        f"{port or draw(st.sampled_from(['', ':80', ':443']))}{path}{draw(st.sampled_from(['', '/', '//']))}"
        + ("?" + "&".join(shuffled) if shuffled else "")
        + draw(st.sampled_from(["", "#", "#frag", "#a?b=1"]))
    )
    return link, respelled


@settings(max_examples=400, deadline=None)
@given(links(splitting=True))
def test_a_usable_links_address_to_check_is_a_fixed_point_with_its_id(case: tuple[str, str]) -> None:
    """A usable link's address to check is usable, its own, keeps its ids; no fragment, tracking or default port."""
    for link in case:
        if identifiers.url_problem(link) is not None:
            continue  # white space, for one: the content check refuses it and the link checker never sees it
        checked = identifiers.url_to_check(link)
        assert identifiers.url_problem(checked) is None
        parts = urlsplit(checked)
        assert parts.fragment == ""
        assert parts.port != {"http": 80, "https": 443}[parts.scheme]
        assert not [field for field in parts.query.split("&") if re.match(r"utm_|fbclid=|gclid=|ref_src=", field)]
        assert identifiers.url_to_check(checked) == checked
        assert identifiers.canonical_id(checked) == identifiers.canonical_id(link)
        assert identifiers.normalized_url(checked) == identifiers.normalized_url(link)


@settings(max_examples=400, deadline=None)
@given(links(splitting=False))
def test_spellings_of_one_page_have_one_normal_form(case: tuple[str, str]) -> None:
    """Scheme, www., host case, default port, trailing slash, fragment, tracking and query order do not matter."""
    link, respelled = case
    assert identifiers.url_problem(link) is None
    assert identifiers.normalized_url(respelled) == identifiers.normalized_url(link)
    assert identifiers.canonical_id(respelled) == identifiers.canonical_id(link)


# Lone surrogates, which st.text() leaves out, reach canonical_id from JSON and command-line arguments.
ANY_TEXT = st.text(st.one_of(st.characters(), st.sampled_from(["\ud800", "\udcff", "\udfff"])))


@settings(max_examples=400, deadline=None)
@given(
    text=st.one_of(
        ANY_TEXT,
        st.builds(
            "{}{}".format,
            st.sampled_from(["https://arxiv.org/abs/", "doi:", "https://doi.org/10.1000/", "http://", "arxiv:"]),
            ANY_TEXT,
        ),
    )
)
@example(text="http://x/?q=\ud800")  # once a crash: a lone surrogate could not be hashed
@example(text="https://doi.org/10.1000/x%0A")  # once "doi:10.1000/x\n": an id with a line break
def test_any_text_gets_one_canonical_id_and_paper_ids_are_fixed_points(text: str) -> None:
    """canonical_id never fails: arxiv:/doi: without white space, which read back as themselves, or url:<16 hex>."""
    found = identifiers.canonical_id(text)
    assert re.fullmatch(r"(arxiv|doi):\S+|url:[0-9a-f]{16}", found), found
    if not found.startswith("url:"):
        assert identifiers.canonical_id(found) == found


@settings(max_examples=400, deadline=None)
@given(
    text=st.one_of(
        st.text(),
        st.lists(st.sampled_from(["../", "..", ".", "/", ".hidden", "ﬁ", "Ä", "İ", "😀", "a", "B2", " ", "-"])).map(
            "".join
        ),
    ),
    limit=st.integers(1, 80),
)
def test_slug_is_a_safe_idempotent_file_name_part(text: str, limit: int) -> None:
    """slug gives ASCII words joined by '-', within the limit, '' only without ASCII words; slug(slug) is slug."""
    made = identifiers.slug(text, limit)
    assert identifiers.slug(made, limit) == made
    assert len(made) <= limit
    # Only [a-z0-9-], never starting or ending with '-': no '/', no '..', no leading dot, no hidden file.
    assert made == "" or re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", made)
    # Compatibility forms count (ﬁ is f and i); letters with no ASCII form do not.
    assert (made != "") == bool(re.search(r"[A-Za-z0-9]", unicodedata.normalize("NFKD", text)))


# --- the content loader on any bytes -------------------------------------------------------------------------

ENTRY = "issues/x.yml"
#: What validate prints for one diagnostic: ``path:line:col: severity: message [code]``, on one line.
LOCATED = re.compile(rf"{re.escape(ENTRY)}:(\d+):(\d+): (?:error|warning): [^\n]+ \[[a-z0-9-]+\]")


@pytest.fixture(scope="module")
def content_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Config]:
    """One digest repository for every example: only issues/x.yml changes between them."""
    root = write_files(tmp_path_factory.mktemp("fuzz"), {"ghdigest.yml": MINIMAL_CONFIG, ENTRY: "kind: paper\n"})
    return root, load_config(root)


def line_lengths(raw: bytes) -> list[list[int]]:
    """The file's line lengths as an editor may count them: bytes between \\n, or characters between any newline."""
    counted = [[len(line) for line in raw.split(b"\n")]]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return counted
    # Editors end lines at a lone \r too; NEL, U+2028 and U+2029 they show inside a line, so a location
    # counted past them would point at the wrong line.
    counted.append([len(line) for line in re.split(r"\r\n|\r|\n", text)])
    return counted


def assert_loads_or_explains_where(root: Path, config: Config, raw: bytes) -> None:
    """Write ``raw`` as the entry file; it must load, or get only diagnostics located inside it, and no warning."""
    (root / ENTRY).write_bytes(raw)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        content = load_content(config)  # no cache: each example is read and checked afresh, as validate --no-cache
    # A Python warning would reach validate's output as an unlocated message with a library's source lines.
    assert [str(warning.message) for warning in caught] == []
    for diagnostic in content.diagnostics:
        shown = diagnostic.format()
        located = LOCATED.fullmatch(shown)
        assert located, shown
        line, column = int(located[1]), int(located[2])
        assert any(1 <= line <= len(lengths) and column <= lengths[line - 1] + 1 for lengths in line_lengths(raw)), (
            shown
        )
    if not content.errors:
        assert [entry.key for entry in content.entries] == ["x"]


_FIELD_NAMES = ["kind", "status", "title", "headline", "url", "week", "summary", "images", "topics", "pick"]
_YAML_FRAGMENTS = st.sampled_from(
    [
        *(f"{name}: " for name in _FIELD_NAMES), *_FIELD_NAMES, "paper", "article", "inbox", "selected",
        "2020-W38", "2020-W99", "2020-09-14", "2020-13-45", "https://arxiv.org/abs/2009.03393", "http://", "x",
        ":", ": ", "- ", "? ", "'", '"', "\\", "&a ", "*a", "<<: ", "!!str ", "!!python/object ", "!!binary ",
        "{", "}", "[", "]", ", ", "|", ">", "#", "---", "...", "%YAML 1.1\n", "\n", "\n  ", "\n    ", "\r\n",
        "\r", "\t", "\x00", "\ufeff", "\x85", "\u2028", "\u202e", "\ud800", '"\\ud800"', "é", "日本", "null",
        "~", "true", "yes", "0x1F", "0o17", "1e999", "-.inf", ".nan", "9" * 400, "src: ", "alt: ",
    ]
)  # fmt: skip
YAML_ISH = st.lists(_YAML_FRAGMENTS, max_size=30).map("".join)
A_VALID_ENTRY = (
    "kind: paper\nheadline: A paper\ntitle: Its title\nurl: https://arxiv.org/abs/2009.03393\n"
    "summary: Text.\nweek: 2020-W38\n"
)


@st.composite
def broken_entries(draw: st.DrawFn) -> str:
    """A valid entry with fragments written into it: errors deep in an otherwise sound file."""
    text = A_VALID_ENTRY
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(_YAML_FRAGMENTS) + text[at:]
    return text


def encoded(text: str, draw: st.DrawFn) -> bytes:
    """``text`` as UTF-8, perhaps with a BOM and CRLF line ends; lone surrogates as the invalid bytes they would be."""
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.encode("utf-8", "surrogatepass")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.binary(max_size=300))
@example(raw=b"kind: paper\n\xff")
@example(raw=b"\x00")
@example(raw=b"")
def test_any_bytes_load_or_get_located_diagnostics(content_repo: tuple[Path, Config], raw: bytes) -> None:
    """Any bytes in an entry file are loaded, or explained by diagnostics located at a line and column of the file."""
    assert_loads_or_explains_where(*content_repo, raw)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), text=st.one_of(ANY_TEXT, YAML_ISH, broken_entries()))
@example(data=None, text=A_VALID_ENTRY)
@example(data=None, text="kind: paper\ntitle: a\u2028b\nurl: [\n")  # U+2028 ends a line to ruamel, not to an editor
@example(data=None, text="a: 1\r\rb: [")  # lone CRs end lines too
@example(data=None, text="title: \x85\x85[\n")
@example(data=None, text="kind: paper\n" + "- " * 40 + "x\n")
@example(data=None, text="headline: &a x\ntitle: &a y\nsummary: !!str z\n")  # once warned: anchor reused
def test_any_text_loads_or_gets_located_diagnostics(
    content_repo: tuple[Path, Config], data: st.DataObject | None, text: str
) -> None:
    """Any text, YAML-like or not, in an entry file is loaded or explained by diagnostics located in the file."""
    raw = encoded(text, data.draw) if data is not None else text.encode()
    assert_loads_or_explains_where(*content_repo, raw)
