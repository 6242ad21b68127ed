"""The link cache: ok results reused for a while, failures asked again, streaks, torn and concurrent files."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from ghdigest.links import LinkCheckRequest, LinkReport, Outcome, Verdict, check_links
from ghdigest.links.cache import CachedResult, LinkCache
from ghdigest.models import LinkSettings

from .link_server import LinkServer, fast_settings, link_server_fixture  # noqa: F401 - a fixture

Cli = Callable[..., Result]
START = dt.datetime(2024, 3, 4, 12, 0, tzinfo=dt.timezone.utc)


def _run(
    doc: Path, cache: Path, now: dt.datetime = START, settings: LinkSettings | None = None
) -> dict[str, tuple[Verdict, bool, int]]:
    """One check of ``doc`` with ``cache``: ``written → (verdict, cached, streak)``."""
    report, _ = check_links(
        LinkCheckRequest(settings=settings or fast_settings(), files=(doc,), cache_path=cache, now=now)
    )
    return _outcomes(report)


def _outcomes(report: LinkReport) -> dict[str, tuple[Verdict, bool, int]]:
    return {c.link.written: (c.outcome.verdict, c.outcome.cached, c.outcome.streak) for c in report.links}


def _doc(tmp_path: Path, links: list[str]) -> Path:
    doc = tmp_path / "links.md"
    doc.write_text("".join(f"- <{link}>\n" for link in links), encoding="utf-8")
    return doc


def test_ok_links_are_taken_from_the_cache_and_failures_asked_again(
    cli: Cli, tmp_path: Path, link_server: LinkServer
) -> None:
    ok, gone, down = link_server.url("/ok/a"), link_server.url("/status/404/b"), link_server.url("/status/503/c")
    doc = _doc(tmp_path, [ok, gone, down])
    cache = tmp_path / "cache.json"
    first = cli("check-links", str(doc), "--cache", str(cache), "--format", "json", "--host-spacing", "0", cwd=tmp_path)
    assert first.exit_code == 1, first.stderr
    asked_once = link_server.per_path()

    second = cli(
        "check-links", str(doc), "--cache", str(cache), "--format", "json", "--host-spacing", "0", cwd=tmp_path
    )
    assert second.exit_code == 1, second.stderr
    links = {link["url"]: link for link in json.loads(second.stdout)["links"]}
    assert (links[ok]["verdict"], links[ok]["cached"]) == ("ok", True)
    assert (links[gone]["verdict"], links[gone]["cached"]) == ("broken", False)
    assert (links[down]["verdict"], links[down]["cached"]) == ("unknown", False)
    assert json.loads(second.stdout)["summary"]["cached"] == 1
    asked_twice = link_server.per_path()
    assert asked_twice[("HEAD", "/ok/a")] == asked_once[("HEAD", "/ok/a")] == 1
    for path in ("/status/404/b", "/status/503/c"):
        assert asked_twice[("HEAD", path)] == 2 * asked_once[("HEAD", path)] > 0


def test_ok_results_older_than_the_time_to_live_are_asked_again(tmp_path: Path, link_server: LinkServer) -> None:
    doc = _doc(tmp_path, [link_server.url("/ok/a")])
    cache = tmp_path / "cache.json"
    settings = fast_settings(cache_hours=24)
    assert _run(doc, cache, START, settings)[link_server.url("/ok/a")] == (Verdict.OK, False, 0)
    later = START + dt.timedelta(hours=23)
    assert _run(doc, cache, later, settings)[link_server.url("/ok/a")] == (Verdict.OK, True, 0)
    assert link_server.count("/ok/a") == 1
    expired = START + dt.timedelta(hours=24, minutes=1)
    assert _run(doc, cache, expired, settings)[link_server.url("/ok/a")] == (Verdict.OK, False, 0)
    assert link_server.count("/ok/a") == 2


def test_streaks_count_broken_runs_in_a_row_and_reset_when_ok(tmp_path: Path, link_server: LinkServer) -> None:
    link = link_server.url("/switch/page")
    doc = _doc(tmp_path, [link])
    cache = tmp_path / "cache.json"
    hour = dt.timedelta(hours=1)
    assert [_run(doc, cache, START + n * hour)[link] for n in range(3)] == [
        (Verdict.BROKEN, False, n) for n in (1, 2, 3)
    ]
    link_server.statuses["page"] = 503  # no evidence either way: the streak is kept
    assert _run(doc, cache, START + 3 * hour)[link] == (Verdict.UNKNOWN, False, 3)
    link_server.statuses["page"] = 200
    assert _run(doc, cache, START + 4 * hour)[link] == (Verdict.OK, False, 0)
    link_server.statuses["page"] = 404
    assert _run(doc, cache, START + 5 * hour, fast_settings(cache_hours=0))[link] == (Verdict.BROKEN, False, 1)


def test_with_a_minimum_streak_a_broken_link_is_unknown_until_it_failed_often_enough(
    tmp_path: Path, link_server: LinkServer
) -> None:
    link = link_server.url("/status/404/flaky")
    doc = _doc(tmp_path, [link])
    cache = tmp_path / "cache.json"
    settings = fast_settings(min_streak=3)
    runs = [_run(doc, cache, START + dt.timedelta(hours=n), settings)[link] for n in range(3)]
    assert runs == [(Verdict.UNKNOWN, False, 1), (Verdict.UNKNOWN, False, 2), (Verdict.BROKEN, False, 3)]


def test_a_torn_cache_file_gives_a_note_and_is_rewritten(tmp_path: Path, link_server: LinkServer) -> None:
    link = link_server.url("/ok/a")
    doc = _doc(tmp_path, [link])
    cache = tmp_path / "cache.json"
    _run(doc, cache)
    cache.write_text(cache.read_text(encoding="utf-8")[:40], encoding="utf-8")  # torn mid-write

    report, _ = check_links(LinkCheckRequest(settings=fast_settings(), files=(doc,), cache_path=cache, now=START))
    assert _outcomes(report)[link] == (Verdict.OK, False, 0)
    assert len(report.notes) == 1
    assert "cache" in report.notes[0]
    data = json.loads(cache.read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert data["links"][link]["verdict"] == "ok"
    assert _run(doc, cache)[link] == (Verdict.OK, True, 0)


def test_runs_saving_at_once_keep_every_runs_results(tmp_path: Path) -> None:
    cache_path = tmp_path / "state" / "links.json"
    runs = 8
    start = threading.Barrier(runs)
    errors: list[BaseException] = []

    def save(run: int) -> None:
        cache = LinkCache(cache_path)  # each run read the file before any of them wrote it
        start.wait()
        try:
            results = {
                f"https://run{run}.example.org/{n}": CachedResult(Outcome(Verdict.OK, "200 OK", 200), START)
                for n in range(20)
            }
            cache.save(results, START)
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(run,)) for run in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    data = json.loads(cache_path.read_text(encoding="utf-8"))
    assert set(data["links"]) == {f"https://run{run}.example.org/{n}" for run in range(runs) for n in range(20)}
    assert {path.name for path in cache_path.parent.iterdir()} <= {"links.json", "links.json.lock"}
    reread = LinkCache(cache_path)
    assert reread.problem is None
    assert reread.fresh_ok("https://run0.example.org/0", START, dt.timedelta(hours=1)) is not None
