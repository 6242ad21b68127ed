"""Cases a review of the link checker found: each once gave a wrong verdict or stopped the run."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from ghdigest.identifiers import doi, url_problem
from ghdigest.links import CheckedLink, LinkCheckRequest, LinkReport, Verdict, check_links
from ghdigest.links.cache import LinkCache
from ghdigest.links.http import HostGate
from ghdigest.links.policy import offline_outcome, retry_after_seconds
from ghdigest.models import ArxivLookup, DoiLookup, LinkSettings
from ghdigest.render.html import markdown_links

from .link_server import (  # noqa: F401 - fixtures
    LinkServer,
    closed_port_fixture,
    fast_settings,
    link_server_fixture,
    no_proxy_fixture,
)

Cli = Callable[..., Result]


def _check(tmp_path: Path, links: list[str], settings: LinkSettings | None = None, **request: object) -> LinkReport:
    doc = tmp_path / "links.md"
    doc.write_text("".join(f"- <{link}>\n" for link in links), encoding="utf-8")
    report, _ = check_links(LinkCheckRequest(settings=settings or fast_settings(), files=(doc,), **request))  # type: ignore[arg-type]
    return report


def _one(tmp_path: Path, link: str, settings: LinkSettings | None = None, **request: object) -> CheckedLink:
    (checked,) = _check(tmp_path, [link], settings, **request).links
    return checked


# --- verdicts ---------------------------------------------------------------------------------


def test_a_proxy_written_without_a_scheme_is_used_and_no_link_is_called_malformed(
    tmp_path: Path, link_server: LinkServer, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"127.0.0.1:{closed_port}")  # as curl and pip accept it
    outcome = _one(tmp_path, link_server.url("/ok/through-proxy")).outcome
    assert outcome.verdict is Verdict.UNKNOWN  # the proxy refuses: the checker cannot tell
    assert "malformed" not in outcome.reason
    assert link_server.requests == []  # it went to the proxy, not around it


def test_a_redirect_loop_of_head_alone_is_asked_again_with_get(tmp_path: Path, link_server: LinkServer) -> None:
    outcome = _one(tmp_path, link_server.url("/head-loop/page")).outcome
    assert (outcome.verdict, outcome.status) == (Verdict.OK, 200)
    assert link_server.count("/head-loop/page", "GET") == 1


@pytest.mark.parametrize("which", ["huge", "superscript"])
def test_an_unreadable_retry_after_ends_unknown_and_the_run_goes_on(
    tmp_path: Path, link_server: LinkServer, which: str
) -> None:
    report = _check(tmp_path, [link_server.url(f"/bad-retry-after/{which}"), link_server.url("/ok/after")])
    verdicts = [checked.outcome.verdict for checked in report.links]
    assert verdicts == [Verdict.UNKNOWN, Verdict.OK]


def test_an_unusable_redirect_ends_unknown_and_the_run_goes_on(tmp_path: Path, link_server: LinkServer) -> None:
    report = _check(tmp_path, [link_server.url("/bad-location/x"), link_server.url("/ok/after")])
    assert [checked.outcome.verdict for checked in report.links] == [Verdict.UNKNOWN, Verdict.OK]


def test_an_arxiv_error_for_the_whole_batch_is_unknown_for_every_id(tmp_path: Path, link_server: LinkServer) -> None:
    link_server.arxiv_refused.add("2009.04765")
    settings = fast_settings(arxiv=ArxivLookup(lookup=True, api=link_server.url("/api/query")))
    report = _check(tmp_path, ["https://arxiv.org/abs/2009.03393", "https://arxiv.org/abs/2009.04765"], settings)
    assert [checked.outcome.verdict for checked in report.links] == [Verdict.UNKNOWN, Verdict.UNKNOWN]
    assert "incorrect id format" in report.links[0].outcome.reason


def test_an_old_arxiv_id_with_a_subject_class_is_asked_in_the_form_arxiv_knows(
    tmp_path: Path, link_server: LinkServer
) -> None:
    link_server.arxiv_known.add("math/0309136")
    settings = fast_settings(arxiv=ArxivLookup(lookup=True, api=link_server.url("/api/query")))
    outcome = _one(tmp_path, "https://arxiv.org/abs/math.GT/0309136", settings).outcome
    assert outcome.verdict is Verdict.OK
    assert "id_list=math/0309136&" in link_server.requests[0].path


def test_a_percent_encoded_doi_is_asked_decoded(tmp_path: Path, link_server: LinkServer) -> None:
    link_server.doi_known.add("10.1016/s0140-6736(20)30183-5")
    settings = fast_settings(doi=DoiLookup(lookup=True, api=link_server.url("/api/handles/")))
    outcome = _one(tmp_path, "https://doi.org/10.1016/S0140-6736%2820%2930183-5", settings).outcome
    assert outcome.verdict is Verdict.OK
    assert doi("https://doi.org/10.1016/S0140-6736%2820%2930183-5") == doi("doi:10.1016/S0140-6736(20)30183-5")


def test_no_such_host_is_unknown_when_no_server_answered_at_all(tmp_path: Path, no_proxy: None) -> None:
    report = _check(tmp_path, ["http://dead.example.org/a", "http://gone.invalid/b"], resolve={"dead.example.org": ""})
    verdicts = {checked.link.written: checked.outcome.verdict for checked in report.links}
    assert verdicts == {"http://dead.example.org/a": Verdict.UNKNOWN, "http://gone.invalid/b": Verdict.BROKEN}
    assert any("offline" in note for note in report.notes)


def test_no_such_host_is_broken_when_another_server_answered(tmp_path: Path, link_server: LinkServer) -> None:
    links = ["http://dead.example.org/a", link_server.url("/ok/alive")]
    report = _check(tmp_path, links, resolve={"dead.example.org": ""})
    assert [checked.outcome.verdict for checked in report.links] == [Verdict.BROKEN, Verdict.OK]
    assert report.notes == ()


@pytest.mark.parametrize(
    ("link", "verdict"),
    [
        ("mailto:?subject=Hello", Verdict.OK),
        ("mailto:user@bücher.de", Verdict.OK),
        ("tel:+1-555-123-4567;ext=89", Verdict.OK),
        ("mailto:nobody", Verdict.BROKEN),
        ("tel:call-me", Verdict.BROKEN),
    ],
)
def test_mail_and_phone_links_as_their_standards_allow(link: str, verdict: Verdict) -> None:
    outcome = offline_outcome(link)
    assert outcome is not None
    assert outcome.verdict is verdict


def test_a_host_name_with_an_underscore_is_not_malformed() -> None:
    assert url_problem("https://my_site.example.org/page") is None


def test_retry_after_reads_ascii_seconds_and_http_dates_only() -> None:
    import datetime as dt

    now = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.timezone.utc)
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds("Tue, 24 Nov 2026 12:00:30 GMT", now) == 30
    assert retry_after_seconds("9" * 400, now) == float("inf")
    assert retry_after_seconds("\u00b2", now) is None
    assert retry_after_seconds("soon", now) is None


# --- local files --------------------------------------------------------------------------------


def test_local_links_as_github_reads_them(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "docs").mkdir()
    (repo / "docs" / "guide.md").write_text("# Guide\n", encoding="utf-8")
    (repo / "C#.md").write_text("# C sharp\n", encoding="utf-8")
    page = repo / "notes" / "page.md"
    page.parent.mkdir()
    page.write_text(
        "# Page\n\n"
        "[root](/docs/guide.md) [missing](/docs/none.md) [top](#top) [line](../docs/guide.md?plain=1#L3)\n"
        "[sharp](../C%23.md#c-sharp) [heading](/docs/guide.md#guide) [wrong](/docs/guide.md#nope)\n",
        encoding="utf-8",
    )
    report, _ = check_links(LinkCheckRequest(settings=fast_settings(), files=(page,)))
    verdicts = {checked.link.written: checked.outcome.verdict for checked in report.links}
    assert verdicts == {
        "/docs/guide.md": Verdict.OK,
        "/docs/none.md": Verdict.BROKEN,
        "#top": Verdict.OK,
        "../docs/guide.md?plain=1#L3": Verdict.OK,
        "../C%23.md#c-sharp": Verdict.OK,
        "/docs/guide.md#guide": Verdict.OK,
        "/docs/guide.md#nope": Verdict.BROKEN,
    }


def test_a_link_after_a_code_span_across_lines_is_on_its_own_line() -> None:
    text = "A `code\nspan` then [a](https://a.example.org/1)\nand <b\n>x</b> [b](https://b.example.org/2)\n"
    assert [(link.url, link.line) for link in markdown_links(text)] == [
        ("https://a.example.org/1", 2),
        ("https://b.example.org/2", 4),
    ]


# --- cache ------------------------------------------------------------------------------------------


def test_a_cache_that_cannot_be_written_leaves_the_report_whole(tmp_path: Path, link_server: LinkServer) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache's folder should be", encoding="utf-8")
    report = _check(tmp_path, [link_server.url("/ok/a")], cache_path=blocker / "links.json")
    assert [checked.outcome.verdict for checked in report.links] == [Verdict.OK]
    assert any("could not write the link cache" in note for note in report.notes)


def test_a_file_that_is_not_a_cache_is_set_aside_not_overwritten(tmp_path: Path, link_server: LinkServer) -> None:
    data = tmp_path / "data.json"
    data.write_text('{"precious": true}\n', encoding="utf-8")
    report = _check(tmp_path, [link_server.url("/ok/a")], cache_path=data)
    assert any("unreadable" in note for note in report.notes)
    assert (tmp_path / "data.json.unreadable").read_text(encoding="utf-8") == '{"precious": true}\n'
    assert LinkCache(data).problem is None


# --- limits -------------------------------------------------------------------------------------------


def test_a_host_waiting_for_its_spacing_holds_no_global_slot() -> None:
    async def scenario() -> None:
        shared = asyncio.Semaphore(1)
        slow, quick = HostGate(2, spacing=3600), HostGate(2, spacing=0)
        async with slow.turn(shared):
            pass  # the slow host started once: its next start is an hour away
        waiting = asyncio.ensure_future(_enter(slow, shared))
        await asyncio.sleep(0)
        await asyncio.wait_for(_enter(quick, shared), timeout=30)  # would wait an hour if the slot were held
        assert not waiting.done()
        waiting.cancel()

    asyncio.run(scenario())


async def _enter(gate: HostGate, shared: asyncio.Semaphore) -> None:
    async with gate.turn(shared):
        pass


def test_a_cancelled_wait_for_a_slot_is_quiet() -> None:
    async def scenario() -> None:
        gate = HostGate(1, spacing=0)
        async with gate.turn():
            waiter = asyncio.ensure_future(_enter(gate, asyncio.Semaphore(1)))
            await asyncio.sleep(0)
            waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        await asyncio.wait_for(_enter(gate, asyncio.Semaphore(1)), timeout=30)  # the slot came back

    asyncio.run(scenario())


# --- command line --------------------------------------------------------------------------------------


def test_min_streak_in_the_settings_does_not_stop_a_run_without_cache(
    cli: Cli, make_repo: Callable[..., Path], link_server: LinkServer
) -> None:
    root = make_repo(
        {"0001-a.yml": f"kind: article\nheadline: A\nurl: {link_server.url('/ok/a')}\nweek: 2020-W38\n"},
        config="title: T\nlinks:\n  min_streak: 3\n  host_spacing: 0\n",
    )
    result = cli("check-links", str(root), "--no-cache", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["ok"] == 1


def test_file_places_are_shown_from_the_current_folder_also_beside_a_root(
    cli: Cli, make_repo: Callable[..., Path], link_server: LinkServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(
        {"0001-a.yml": f"kind: article\nheadline: A\nurl: {link_server.url('/status/404/a')}\nweek: 2020-W38\n"},
        config="title: T\nlinks:\n  host_spacing: 0\n",
    )
    (root / "docs").mkdir()
    (root / "docs" / "a.md").write_text(f"# A\n\n<{link_server.url('/status/404/b')}>\n", encoding="utf-8")
    monkeypatch.chdir(root.parent)
    result = cli("check-links", root.name, f"{root.name}/docs/a.md", "--no-cache", "--format", "json")
    assert result.exit_code == 1, result.stderr
    places = sorted(place["path"] for link in json.loads(result.stdout)["links"] for place in link["locations"])
    assert places == [f"{root.name}/docs/a.md", f"{root.name}/issues/0001-a.yml"]


def test_spacing_is_between_links_and_a_links_next_step_follows_at_once() -> None:
    clock = [0.0]
    starts: list[tuple[str, float]] = []

    async def sleep(seconds: float) -> None:
        clock[0] += seconds

    async def scenario() -> None:
        gate = HostGate(4, spacing=10, clock=lambda: clock[0], sleep=sleep)
        for name, urgent in (("first link", False), ("its GET", True), ("second link", False), ("its hop", True)):
            async with gate.turn(urgent=urgent):
                starts.append((name, clock[0]))

    asyncio.run(scenario())
    assert starts == [("first link", 0.0), ("its GET", 0.0), ("second link", 10.0), ("its hop", 10.0)]
