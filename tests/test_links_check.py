"""Checking links over loopback HTTP: verdicts, redirects, politeness, identifier APIs."""

from __future__ import annotations

import asyncio
import itertools
import math
from pathlib import Path

import pytest

from ghdigest.links import CheckedLink, LinkCheckRequest, LinkReport, Verdict, check_links
from ghdigest.links import http as links_http
from ghdigest.links.http import HostGate
from ghdigest.models import ArxivLookup, DoiLookup, HostRule, LinkSettings

from .link_server import (  # noqa: F401 - fixtures
    InFlight,
    LinkServer,
    closed_port_fixture,
    fast_settings,
    link_server_fixture,
    no_proxy_fixture,
    running,
)


def _check(tmp_path: Path, links: list[str], settings: LinkSettings | None = None, **request: object) -> LinkReport:
    """Check ``links``, written one per line in a Markdown file."""
    doc = tmp_path / "links.md"
    doc.write_text("".join(f"- <{link}>\n" for link in links), encoding="utf-8")
    report, problems = check_links(LinkCheckRequest(settings=settings or fast_settings(), files=(doc,), **request))  # type: ignore[arg-type]
    assert problems == []
    return report


def _one(tmp_path: Path, link: str, settings: LinkSettings | None = None, **request: object) -> CheckedLink:
    report = _check(tmp_path, [link], settings, **request)
    assert len(report.links) == 1
    return report.links[0]


@pytest.mark.parametrize(
    ("path", "verdict", "status"),
    [
        ("/ok/page", Verdict.OK, 200),
        ("/status/404/gone", Verdict.BROKEN, 404),
        ("/status/410/gone", Verdict.BROKEN, 410),
        ("/status/403/wall", Verdict.UNKNOWN, 403),
        ("/status/401/login", Verdict.UNKNOWN, 401),
        ("/status/503/down", Verdict.UNKNOWN, 503),
        ("/status/500/error", Verdict.UNKNOWN, 500),
        ("/head-405/page", Verdict.OK, 200),
        ("/head-404/page", Verdict.OK, 200),
    ],
)
def test_verdict_of_each_answer(
    tmp_path: Path, link_server: LinkServer, path: str, verdict: Verdict, status: int
) -> None:
    checked = _one(tmp_path, link_server.url(path))
    assert (checked.outcome.verdict, checked.outcome.status) == (verdict, status)


def test_a_page_refusing_head_is_asked_with_get(tmp_path: Path, link_server: LinkServer) -> None:
    _one(tmp_path, link_server.url("/head-405/page"))
    assert link_server.per_path() == {("HEAD", "/head-405/page"): 1, ("GET", "/head-405/page"): 1}


def test_a_redirect_chain_gives_the_final_address_and_each_hop(tmp_path: Path, link_server: LinkServer) -> None:
    outcome = _one(tmp_path, link_server.url("/chain/3")).outcome
    assert (outcome.verdict, outcome.status) == (Verdict.OK, 200)
    assert outcome.final_url == link_server.url("/chain/0")
    assert outcome.redirects == tuple(link_server.url(f"/chain/{n}") for n in (2, 1, 0))


def test_a_relative_redirect_is_followed_from_the_page_that_gave_it(tmp_path: Path, link_server: LinkServer) -> None:
    outcome = _one(tmp_path, link_server.url("/relative/here")).outcome
    assert outcome.verdict is Verdict.OK
    assert outcome.final_url == link_server.url("/ok/from-relative")


def test_a_redirect_loop_is_broken(tmp_path: Path, link_server: LinkServer) -> None:
    outcome = _one(tmp_path, link_server.url("/loop/a")).outcome
    assert outcome.verdict is Verdict.BROKEN
    assert "loop" in outcome.reason


def test_a_host_that_does_not_exist_is_broken(tmp_path: Path, no_proxy: None) -> None:
    outcome = _one(tmp_path, "https://no-such-host.invalid/page").outcome
    assert outcome.verdict is Verdict.BROKEN
    assert "does not exist" in outcome.reason


def test_a_refused_connection_is_unknown(tmp_path: Path, closed_port: int, no_proxy: None) -> None:
    assert _one(tmp_path, f"http://127.0.0.1:{closed_port}/page").outcome.verdict is Verdict.UNKNOWN


def test_a_reset_connection_is_unknown(tmp_path: Path, link_server: LinkServer) -> None:
    assert _one(tmp_path, link_server.url("/reset/page")).outcome.verdict is Verdict.UNKNOWN


def test_no_answer_within_the_timeout_is_unknown(tmp_path: Path, link_server: LinkServer) -> None:
    outcome = _one(tmp_path, link_server.url("/slow/page"), fast_settings(timeout=0.3)).outcome
    assert outcome.verdict is Verdict.UNKNOWN
    assert "timeout" in outcome.reason


def test_a_short_retry_after_is_waited_for_and_asked_again(tmp_path: Path, link_server: LinkServer) -> None:
    outcome = _one(tmp_path, link_server.url("/retry-once/page")).outcome
    assert (outcome.verdict, outcome.status) == (Verdict.OK, 200)
    assert link_server.count("/retry-once/page") == 2


def test_a_retry_after_beyond_the_wait_allowed_is_unknown_at_once(tmp_path: Path, link_server: LinkServer) -> None:
    outcome = _one(tmp_path, link_server.url("/retry-long/page"), fast_settings(retry_wait=30)).outcome
    assert (outcome.verdict, outcome.status) == (Verdict.UNKNOWN, 429)
    assert link_server.count("/retry-long/page") == 1


def test_an_accepted_status_of_a_host_is_ok(tmp_path: Path, link_server: LinkServer) -> None:
    settings = fast_settings(hosts={"127.0.0.1": HostRule(accept=[403])})
    assert _one(tmp_path, link_server.url("/status/403/wall"), settings).outcome.verdict is Verdict.OK
    other = fast_settings(hosts={"127.0.0.9": HostRule(accept=[403])})
    assert _one(tmp_path, link_server.url("/status/403/wall"), other).outcome.verdict is Verdict.UNKNOWN


def test_the_user_agent_setting_is_sent(tmp_path: Path, link_server: LinkServer) -> None:
    _one(tmp_path, link_server.url("/ok/ua"), fast_settings(user_agent="digest-bot/2.0 (+mailto:me@example.org)"))
    assert [seen.headers.get("User-Agent") for seen in link_server.requests] == [
        "digest-bot/2.0 (+mailto:me@example.org)"
    ]


def test_the_default_user_agent_says_who_is_asking(tmp_path: Path, link_server: LinkServer) -> None:
    _one(tmp_path, link_server.url("/ok/ua"))
    assert link_server.requests[0].headers.get("User-Agent", "").startswith("ghdigest/")


def test_requests_to_one_host_stay_within_its_concurrency(tmp_path: Path, link_server: LinkServer) -> None:
    links = [link_server.url(f"/hold/{n}") for n in range(30)]
    report = _check(tmp_path, links, fast_settings(host_concurrency=2))
    assert report.count(Verdict.OK) == 30
    assert link_server.in_flight.max == 2


def test_requests_over_all_hosts_stay_within_the_global_concurrency(tmp_path: Path, no_proxy: None) -> None:
    shared = InFlight()
    with (
        running(LinkServer(host="127.0.0.1", shared=shared)) as one,
        running(LinkServer(host="127.0.0.2", shared=shared)) as two,
    ):
        links = [server.url(f"/hold/{n}") for n in range(15) for server in (one, two)]
        report = _check(tmp_path, links, fast_settings(max_concurrency=3, host_concurrency=4))
    assert report.count(Verdict.OK) == 30
    assert shared.max == 3
    assert (len(one.requests), len(two.requests)) == (15, 15)


# --- arXiv and DOI ----------------------------------------------------------------------------


@pytest.fixture
def lookups(link_server: LinkServer) -> LinkSettings:
    return fast_settings(
        arxiv=ArxivLookup(lookup=True, api=link_server.url("/api/query")),
        doi=DoiLookup(lookup=True, api=link_server.url("/api/handles/")),
    )


def test_arxiv_ids_are_looked_up_in_the_export_api(
    tmp_path: Path, link_server: LinkServer, lookups: LinkSettings
) -> None:
    report = _check(
        tmp_path,
        [
            "https://arxiv.org/abs/2009.03393",
            "https://arxiv.org/pdf/2009.04765v1.pdf",
            "https://arxiv.org/abs/2009.99999",
        ],
        lookups,
    )
    verdicts = {checked.link.key: checked.outcome.verdict for checked in report.links}
    assert verdicts == {
        "arxiv:2009.03393": Verdict.OK,
        "arxiv:2009.04765": Verdict.OK,
        "arxiv:2009.99999": Verdict.BROKEN,
    }
    assert [path.partition("?")[0] for path in link_server.paths()] == ["/api/query"]


@pytest.mark.parametrize("count", [1, 100, 101, 250])
def test_arxiv_ids_are_asked_a_hundred_at_a_time(
    tmp_path: Path, link_server: LinkServer, lookups: LinkSettings, monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    monkeypatch.setattr(links_http, "ARXIV_SPACING", 0.0)  # the 3 s between batches is not what is tested here
    ids = [f"2009.{n:05d}" for n in range(1, count + 1)]
    link_server.arxiv_known.update(ids[::2])
    report = _check(tmp_path, [f"https://arxiv.org/abs/{identifier}" for identifier in ids], lookups)
    assert len(link_server.requests) == math.ceil(count / 100)
    asked = [
        identifier
        for seen in link_server.requests
        for identifier in seen.path.partition("id_list=")[2].partition("&")[0].split(",")
    ]
    assert sorted(asked) == ids
    assert report.count(Verdict.OK) == len(ids[::2])
    assert report.count(Verdict.BROKEN) == len(ids[1::2])


def test_dois_are_looked_up_in_the_handle_api(tmp_path: Path, link_server: LinkServer, lookups: LinkSettings) -> None:
    report = _check(tmp_path, ["https://doi.org/10.1234/KNOWN.5678", "https://doi.org/10.1234/unknown.0000"], lookups)
    verdicts = {checked.link.key: checked.outcome.verdict for checked in report.links}
    assert verdicts == {"doi:10.1234/known.5678": Verdict.OK, "doi:10.1234/unknown.0000": Verdict.BROKEN}
    assert sorted(path.partition("?")[0] for path in link_server.paths()) == [
        "/api/handles/10.1234/known.5678",
        "/api/handles/10.1234/unknown.0000",
    ]


def test_without_doi_lookup_a_doi_link_is_checked_as_a_plain_link(
    tmp_path: Path, link_server: LinkServer, lookups: LinkSettings
) -> None:
    link = f"http://doi.org:{link_server.port}/10.1234/unknown.0000"
    settings = lookups.model_copy(update={"doi": DoiLookup(lookup=False, api=link_server.url("/api/handles/"))})
    outcome = _one(tmp_path, link, settings, resolve={"doi.org": "127.0.0.1"}).outcome
    assert outcome.verdict is Verdict.OK
    assert outcome.final_url == f"http://doi.org:{link_server.port}/ok/doi-landing"
    assert not any(path.startswith("/api/") for path in link_server.paths())


# --- HostGate, in fake time -------------------------------------------------------------------


class FakeTime:
    """A clock that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 100.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def _through_gate(gate: HostGate, fake_time: FakeTime, requests: int) -> tuple[list[float], int]:
    """When each of ``requests`` requests through ``gate`` started, and the most in flight at once."""
    starts: list[float] = []
    in_flight = [0, 0]  # now, most

    async def request() -> None:
        async with gate.turn():
            starts.append(fake_time.now)
            in_flight[0] += 1
            in_flight[1] = max(in_flight)
            for _ in range(3):
                await asyncio.sleep(0)
            in_flight[0] -= 1

    async def main() -> None:
        await asyncio.gather(*(request() for _ in range(requests)))

    asyncio.run(main())
    return starts, in_flight[1]


def test_host_gate_spaces_the_starts_of_requests(fake_time: FakeTime) -> None:
    starts, _ = _through_gate(HostGate(6, 1.5, clock=fake_time.clock, sleep=fake_time.sleep), fake_time, 6)
    assert len(starts) == 6
    assert all(later - earlier >= 1.5 for earlier, later in itertools.pairwise(starts))


def test_host_gate_limits_requests_in_flight(fake_time: FakeTime) -> None:
    starts, most = _through_gate(HostGate(2, 0.0, clock=fake_time.clock, sleep=fake_time.sleep), fake_time, 6)
    assert len(starts) == 6
    assert most == 2


def test_host_gate_pause_holds_the_next_start(fake_time: FakeTime) -> None:
    starts: list[float] = []

    async def main() -> None:
        gate = HostGate(4, 0.0, clock=fake_time.clock, sleep=fake_time.sleep)
        async with gate.turn():
            starts.append(fake_time.now)
        gate.pause(30.0)
        async with gate.turn():
            starts.append(fake_time.now)
        async with gate.turn():
            starts.append(fake_time.now)

    asyncio.run(main())
    assert starts[0] == 100.0
    assert starts[1] >= 130.0
    assert starts[2] == starts[1]  # the pause is over; no spacing was asked for


# --- public addresses only --------------------------------------------------------------------


def test_public_only_asks_no_private_address_by_name_or_number(tmp_path: Path, link_server: LinkServer) -> None:
    # "intranet.example" resolves to the server's loopback address, as a stranger's DNS name could.
    links = [link_server.url("/ok/by-number"), f"http://intranet.example:{link_server.port}/ok/by-name"]
    report = _check(tmp_path, links, fast_settings(public_only=True), resolve={"intranet.example": "127.0.0.1"})
    reasons = {checked.link.written: checked.outcome.reason for checked in report.links}
    assert [checked.outcome.verdict for checked in report.links] == [Verdict.UNKNOWN, Verdict.UNKNOWN]
    assert reasons[links[0]] == "not asked: 127.0.0.1 is not a public address (public addresses only)"
    assert reasons[links[1]].startswith("not asked: intranet.example leads only to addresses that are not public")
    assert link_server.requests == [], "nothing reached the private address"
    # Without the setting the same links are asked as usual.
    report = _check(tmp_path, links, resolve={"intranet.example": "127.0.0.1"})
    assert report.count(Verdict.OK) == 2


def test_public_only_refuses_a_link_to_the_proxys_own_host(
    tmp_path: Path, link_server: LinkServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The proxy's host is asked whatever its address, as the proxy; a link to it (another port,
    # NO_PROXY sending it straight there) would reach into the machine's network.
    monkeypatch.setenv("HTTP_PROXY", "127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    checked = _one(tmp_path, link_server.url("/ok/secret"), fast_settings(public_only=True))
    assert checked.outcome.verdict is Verdict.UNKNOWN
    assert checked.outcome.reason == "not asked: 127.0.0.1 is the proxy's host (public addresses only)"
    assert link_server.requests == []


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.251", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:8.8.8.8", True),
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("64:ff9b:1::1", False),
        ("2002:a9fe:a9fe::1", False),  # 6to4 of 169.254.169.254
        ("2002:808:808::1", True),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo of 192.0.2.45
        ("::7f00:1", False),  # IPv4-compatible 127.0.0.1
        ("::ffff:0:7f00:1", False),  # IPv4-translated 127.0.0.1
        ("fec0::1", False),  # site-local
        ("not an address", False),
    ],
)
def test_which_addresses_are_public(address: str, public: bool) -> None:
    assert links_http._public(address) is public
