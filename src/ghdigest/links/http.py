"""Asking servers about links, politely: the only aiohttp user (and ghdigest's only HTTP client for links).

Every request waits for its host's turn: at most ``concurrency`` requests in flight per host, and
``spacing`` seconds between starting two links there (the next step of a link under way follows
at once, as a browser's would). A ``Retry-After`` is waited out before the link is asked
again, and pauses the whole host once it answered 429 three times in a row. HEAD comes first,
GET when HEAD is refused or answered oddly. Redirects are followed one by one, so loops
are seen and the final address is known. arXiv ids go to arXiv's export API in batches, at
most one request every 3 seconds; DOIs go to the DOI handle API.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import errno
import ipaddress
import json
import socket
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote, urljoin, urlsplit

import aiohttp
import aiohttp.abc
import aiohttp.resolver
from yarl import URL

from ghdigest import arxiv
from ghdigest.errors import one_line_message
from ghdigest.links.model import Outcome, Verdict
from ghdigest.links.policy import (
    REDIRECT_STATUSES,
    HostPolicy,
    retry_after_seconds,
    status_text,
    verdict_for_status,
)

#: arXiv asks API users for at most one request every three seconds, over one connection.
ARXIV_SPACING = 3.0
#: Ids per export API request: long enough to save requests, short enough for any proxy's URL limit.
ARXIV_BATCH = 100
#: A GET body is read (so the connection can be reused) only when it is at most this long.
_DRAIN_LIMIT = 256 * 1024
#: A body that is parsed (arXiv's Atom, the handle API's JSON) may be at most this long.
_BODY_LIMIT = 8 * 1024 * 1024
#: Transient failures (a reset connection) are tried once more; nothing else is repeated blindly.
_RESETS_RETRIED = 1
#: How many times one request may wait for a Retry-After.
_RETRY_AFTER_ROUNDS = 2
#: A URL seen this many times in one redirect chain is a loop (twice is allowed: cookie handshakes).
_LOOP_VISITS = 3


@dataclass(frozen=True)
class RemoteSettings:
    """Everything the remote checker needs: limits, identity, where the identifier APIs are."""

    policy: HostPolicy
    timeout: float
    max_concurrency: int
    max_redirects: int
    retry_wait: float
    user_agent: str
    arxiv_api: str | None = None
    """The export API's query address; None checks arXiv ids offline only."""
    doi_api: str | None = None
    """The handle API's address (the DOI is appended); None checks DOI links as plain links."""
    resolve: Mapping[str, str] = field(default_factory=dict)
    """Host name → IP address, used instead of DNS for those names (tests, benchmarks); "" for no such host."""
    public_only: bool = False
    """Ask only public addresses: a link to a loopback, private or link-local one is 'unknown', not asked."""


class _NoSuchHost(OSError):
    """The host name does not exist (NXDOMAIN), as opposed to DNS being unreachable."""


class _NotPublic(OSError):
    """The host name leads only to addresses that are not public, and only public ones may be asked."""


# IPv6 addresses that carry an IPv4 address in their last 32 bits, and reach it: NAT64 (RFC 6052),
# IPv4-compatible (deprecated) and IPv4-translated (SIIT). 64:ff9b:1::/48 is local NAT64 (RFC 8215).
_EMBEDDING_IPV4 = tuple(ipaddress.ip_network(n) for n in ("64:ff9b::/96", "::/96", "::ffff:0:0:0/96"))
_NOT_PUBLIC_V6 = tuple(ipaddress.ip_network(n) for n in ("64:ff9b:1::/48", "fec0::/10"))


def _public(address: str) -> bool:
    """Whether ``address`` (an IP address, perhaps with an IPv6 zone) is on the public Internet.

    An IPv6 address that leads to an IPv4 one (mapped, NAT64, 6to4, Teredo, compatible or
    translated) is as public as that IPv4 address: 64:ff9b::a9fe:a9fe is 169.254.169.254.
    """
    try:
        ip = ipaddress.ip_address(address.partition("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in network for network in _NOT_PUBLIC_V6):
            return False
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and any(ip in network for network in _EMBEDDING_IPV4):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return _public(str(embedded))
    return ip.is_global and not ip.is_multicast


class _Resolver(aiohttp.resolver.ThreadedResolver):
    """The system resolver, with fixed answers for some names and NXDOMAIN told apart.

    With ``public_only``, only public addresses are handed to the connector, so a name that a
    stranger points at 127.0.0.1 or a cloud's metadata address is never connected to: the check
    is on the very addresses used, not on an earlier lookup a name could answer differently.
    Names in ``trusted`` (the proxies) are exempt.
    """

    _MISSING = frozenset(
        code for code in (getattr(socket, "EAI_NONAME", None), getattr(socket, "EAI_NODATA", None)) if code is not None
    )

    def __init__(
        self, overrides: Mapping[str, str], *, public_only: bool = False, trusted: frozenset[str] = frozenset()
    ) -> None:
        super().__init__()
        self._overrides = {name.lower(): address for name, address in overrides.items()}
        self._public_only = public_only
        self._trusted = trusted

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[aiohttp.abc.ResolveResult]:
        target = self._overrides.get(host.lower(), host)
        if not target or target.lower().rstrip(".").endswith(".invalid") or target.lower() == "invalid":
            # RFC 6761: resolvers answer "no such name" for .invalid at once, without asking anyone.
            raise _NoSuchHost(getattr(socket, "EAI_NONAME", -2), f"no such host {host!r}")
        try:
            results = await super().resolve(target, port, family)
        except socket.gaierror as exc:
            if exc.errno in self._MISSING:
                raise _NoSuchHost(exc.errno, f"no such host {host!r}") from None
            raise
        if self._public_only and host.lower() not in self._trusted:
            public = [result for result in results if _public(result["host"])]
            if not public:
                addresses = ", ".join(sorted({result["host"] for result in results}))
                raise _NotPublic(errno.EACCES, f"{host} leads only to addresses that are not public ({addresses})")
            results = public
        return [{**result, "hostname": host} for result in results]


class _Slots:
    """A counting semaphore whose urgent waiters go first (follow-ups of links already under way)."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiters: tuple[collections.deque[asyncio.Future[None]], ...] = (collections.deque(), collections.deque())

    async def acquire(self, urgent: bool) -> None:
        if self._free > 0 and not any(self._waiters):
            self._free -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[0 if urgent else 1].append(future)
        try:
            await future  # release() handed its slot over to this waiter
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # the slot arrived just as the wait was cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):  # release() may have dropped it already
                    self._waiters[0 if urgent else 1].remove(future)
            raise

    def release(self) -> None:
        for queue in self._waiters:
            while queue:
                future = queue.popleft()
                if not future.done():
                    future.set_result(None)
                    return
        self._free += 1


class HostGate:
    """One host's turn-taking: a limit on requests in flight, spacing between starts, pauses.

    Follow-up requests (the GET after a refused HEAD, the next hop of a redirect, a retry after
    Retry-After) go before links not started yet, so a link, once begun, finishes soon.
    """

    def __init__(
        self,
        concurrency: int,
        spacing: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._slots = _Slots(concurrency)
        self._spacing = spacing
        self._clock = clock
        self._sleep = sleep
        self._next_start = float("-inf")
        self._paused_until = float("-inf")
        self._refusals_in_a_row = 0

    def note_answer(self, status: int) -> None:
        """Count 429 answers in a row: one may be about one page, several mean the host limits us."""
        self._refusals_in_a_row = self._refusals_in_a_row + 1 if status == 429 else 0

    @property
    def rate_limited(self) -> bool:
        """True after three 429 answers in a row from this host (a single page may answer 429 alone)."""
        return self._refusals_in_a_row >= 3

    def _earliest_start(self, urgent: bool) -> float:
        # Spacing is between links: the next step of a link under way (a redirect hop, the GET
        # after a refused HEAD, a retry) follows at once, as a browser's would; pauses hold all.
        return self._paused_until if urgent else max(self._next_start + self._spacing, self._paused_until)

    def pause(self, seconds: float) -> None:
        """Hold every request to this host for ``seconds`` from now (a Retry-After)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    @contextlib.asynccontextmanager
    async def turn(self, also: asyncio.Semaphore | None = None, *, urgent: bool = False) -> AsyncIterator[None]:
        """Wait for a slot on this host (then for ``also``, the global limit) and for the spacing to pass."""
        await self._slots.acquire(urgent)
        try:
            while True:
                # Spacing and pauses are waited out holding no global slot, so a slow or paused host
                # never keeps other hosts waiting; the start is taken once every limit is held.
                wait = self._earliest_start(urgent) - self._clock()
                if wait > 0:
                    await self._sleep(wait)
                    continue
                if also is None:
                    break
                await also.acquire()
                if self._earliest_start(urgent) <= self._clock():
                    break
                also.release()  # another link started (or a pause came) meanwhile: wait again
            if not urgent:
                self._next_start = self._clock()
            try:
                yield
            finally:
                if also is not None:
                    also.release()
        finally:
            self._slots.release()


@dataclass(frozen=True)
class _Answer:
    status: int
    location: str | None
    retry_after: str | None
    body: bytes | None = None


@dataclass(frozen=True)
class _Failure:
    outcome: Outcome
    retryable: bool = False


def _failure_outcome(exc: BaseException, timeout: float) -> _Failure:
    """Translate a client exception into an outcome; only a host that does not exist is broken."""
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return _Failure(Outcome(Verdict.UNKNOWN, f"no answer within {timeout:g} s (timeout)"))
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        if isinstance(exc.os_error, _NotPublic):
            return _Failure(Outcome(Verdict.UNKNOWN, f"not asked: {exc.os_error.strerror} (public addresses only)"))
        if isinstance(exc.os_error, _NoSuchHost):
            host = exc.host
            return _Failure(Outcome(Verdict.BROKEN, f"host {host!r} does not exist", dns_failure=True))
        return _Failure(Outcome(Verdict.UNKNOWN, f"could not look up the host name: {exc.os_error}"))
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return _Failure(Outcome(Verdict.UNKNOWN, f"TLS certificate problem: {exc.certificate_error}"))
    if isinstance(exc, aiohttp.ClientSSLError):
        return _Failure(Outcome(Verdict.UNKNOWN, f"TLS failure: {exc.os_error}"))
    if isinstance(exc, aiohttp.ClientConnectorError):
        return _Failure(Outcome(Verdict.UNKNOWN, f"cannot connect: {exc.os_error.strerror or exc.os_error}"))
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError, aiohttp.ClientPayloadError)):
        return _Failure(Outcome(Verdict.UNKNOWN, "the connection was closed or reset before an answer"), True)
    if isinstance(exc, aiohttp.ClientResponseError):
        return _Failure(Outcome(Verdict.UNKNOWN, f"unreadable answer: {exc.message}"))
    return _Failure(Outcome(Verdict.UNKNOWN, f"request failed: {type(exc).__name__}: {exc}"))


async def _read_body(response: aiohttp.ClientResponse) -> bytes:
    """The whole body, or its first ``_BODY_LIMIT`` bytes (read() alone may stop at any chunk)."""
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size >= _BODY_LIMIT:
            break
    return b"".join(chunks)[:_BODY_LIMIT]


class RemoteChecker:
    """Checks URLs, arXiv ids and DOIs over one HTTP session; use inside ``async with``."""

    def __init__(self, settings: RemoteSettings) -> None:
        self.settings = settings
        self._gates: dict[str, HostGate] = {}
        self._global = asyncio.Semaphore(settings.max_concurrency)
        self._session: aiohttp.ClientSession | None = None
        # "127.0.0.1:3128" without a scheme is common (curl and pip take it): it means http://.
        self._proxies = {
            scheme: proxy if "://" in proxy else f"http://{proxy}"
            for scheme, proxy in urllib.request.getproxies_environment().items()
        }
        self._proxy_for: dict[tuple[str, str], str | None] = {}
        self._trusted = self._trusted_hosts()

    async def __aenter__(self) -> RemoteChecker:
        connector = aiohttp.TCPConnector(
            limit=self.settings.max_concurrency,
            limit_per_host=0,  # the host gates do this, with spacing and pauses besides
            resolver=_Resolver(self.settings.resolve, public_only=self.settings.public_only, trusted=self._trusted),
            ttl_dns_cache=600,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={
                "User-Agent": self.settings.user_agent,
                "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            },
            timeout=aiohttp.ClientTimeout(total=self.settings.timeout),
            # Not trust_env: it reads ~/.netrc (credentials have no business in a link check) and
            # costs two thread hops per request. Proxies from the environment are honoured below.
            trust_env=False,
        )
        return self

    def _trusted_hosts(self) -> frozenset[str]:
        """The proxies' hosts, which the machine's environment names: asked whatever their address.

        Not the arXiv and DOI APIs: ghdigest.yml names those, and a pull request can change it.
        """
        hosts = set()
        for proxy in self._proxies.values():
            with contextlib.suppress(ValueError):
                hosts.add((urlsplit(proxy).hostname or "").lower())
        return frozenset(hosts - {""})

    def _not_public(self, target: URL) -> str | None:
        """Why ``target`` may not be asked: a non-public IP address, or the proxy's host (names: see _Resolver)."""
        host = (target.host or "").strip("[]")
        if not self.settings.public_only:
            return None
        if host.lower() in self._trusted:
            # The proxy's own host is exempt only as the proxy: as a link's host it is the machine's network.
            return f"not asked: {host} is the proxy's host (public addresses only)"
        # An address is refused even through a proxy: the proxy would ask it on its own network.
        try:
            ipaddress.ip_address(host.partition("%")[0])
        except ValueError:
            return None  # a name: _Resolver checks the addresses it leads to
        return None if _public(host) else f"not asked: {host} is not a public address (public addresses only)"

    def _proxy(self, url: URL) -> str | None:
        """The proxy ``HTTP(S)_PROXY`` names for ``url``, unless ``NO_PROXY`` exempts its host."""
        key = (url.scheme, url.host or "")
        if key not in self._proxy_for:
            proxy = self._proxies.get(url.scheme)
            if proxy and urllib.request.proxy_bypass(url.host or ""):
                proxy = None
            self._proxy_for[key] = proxy
        return self._proxy_for[key]

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()

    def _gate(self, host: str) -> HostGate:
        gate = self._gates.get(host)
        if gate is None:
            limits = self.settings.policy.limits(host)
            gate = self._gates[host] = HostGate(limits.concurrency, limits.spacing)
        return gate

    async def _request(
        self, method: str, url: str, *, want_body: bool = False, gate: HostGate, urgent: bool = False
    ) -> _Answer | _Failure:
        assert self._session is not None
        try:
            target = URL(url)
        except (ValueError, TypeError) as exc:
            return _Failure(Outcome(Verdict.BROKEN, f"malformed URL: {exc}"))
        refused = self._not_public(target)
        if refused is not None:
            return _Failure(Outcome(Verdict.UNKNOWN, refused))
        async with gate.turn(self._global, urgent=urgent):
            try:
                async with self._session.request(
                    method, target, allow_redirects=False, proxy=self._proxy(target)
                ) as response:
                    body = None
                    length = response.content_length
                    if want_body:
                        body = await _read_body(response)
                    elif method == "GET" and length is not None and length <= _DRAIN_LIMIT:
                        await response.read()  # lets the connection be reused
                    else:
                        response.close()  # a large or endless body: drop the connection instead
                    return _Answer(
                        response.status, response.headers.get("Location"), response.headers.get("Retry-After"), body
                    )
            except Exception as exc:  # every client failure becomes an outcome, never an error of the run
                return _failure_outcome(exc, self.settings.timeout)

    async def _ask(
        self,
        method: str,
        url: str,
        *,
        want_body: bool = False,
        gate: HostGate | None = None,
        follow_up: bool = False,
    ) -> _Answer | _Failure:
        """One request, repeated after a Retry-After the budget allows, or once after a reset connection.

        ``follow_up``: the request continues a link already under way, so it goes before new links.
        """
        host = (urlsplit(url).hostname or "").lower()
        gate = gate or self._gate(host)
        resets, rounds = 0, 0
        while True:
            urgent = follow_up or resets > 0 or rounds > 0
            answer = await self._request(method, url, want_body=want_body, gate=gate, urgent=urgent)
            if isinstance(answer, _Failure):
                if answer.retryable and resets < _RESETS_RETRIED:
                    resets += 1
                    continue
                return answer
            gate.note_answer(answer.status)
            if answer.status in (429, 503) and rounds < _RETRY_AFTER_ROUNDS:
                wait = retry_after_seconds(answer.retry_after, dt.datetime.now(dt.timezone.utc))
                if wait is not None and wait <= self.settings.retry_wait:
                    rounds += 1
                    if gate.rate_limited:
                        gate.pause(wait)  # the host limits us as a whole: every request waits
                    await asyncio.sleep(wait)  # this request waits in any case, holding no slot
                    continue
            return answer

    async def check_url(self, url: str) -> Outcome:
        """Follow ``url`` to its final page and judge the status found there; never raises."""
        try:
            outcome = await self._follow(url, "HEAD")
            if outcome.status in REDIRECT_STATUSES and outcome.verdict is not Verdict.OK:
                # A loop or an endless chain seen with HEAD may be HEAD's alone: ask as readers do.
                outcome = await self._follow(url, "GET")
            return outcome
        except Exception as exc:  # a stranger's server must never stop the whole run
            return Outcome(Verdict.UNKNOWN, f"could not be checked: {type(exc).__name__}: {exc}")

    async def _follow(self, url: str, method: str) -> Outcome:
        """Ask ``url`` with ``method`` (HEAD falls back to GET), following redirects one by one."""
        current = url
        chain: list[str] = []
        visits = {url: 1}
        while True:
            host = (urlsplit(current).hostname or "").lower()
            limits = self.settings.policy.limits(host)
            answer = await self._ask(method, current, follow_up=bool(chain) or method == "GET")
            if isinstance(answer, _Failure):
                outcome = answer.outcome
                return Outcome(
                    outcome.verdict,
                    outcome.reason + (f" (after redirects to {current})" if chain else ""),
                    final_url=current if chain else None,
                    redirects=tuple(chain),
                    dns_failure=outcome.dns_failure,
                )
            status = answer.status
            if status in REDIRECT_STATUSES and answer.location:
                following = urljoin(current, answer.location.strip()).partition("#")[0]
                visits[following] = visits.get(following, 0) + 1
                if visits[following] >= _LOOP_VISITS:
                    loop = " → ".join([*chain[-3:], following])
                    return Outcome(Verdict.BROKEN, f"redirect loop: {loop}", status, following, (*chain, following))
                if len(chain) >= self.settings.max_redirects:
                    return Outcome(
                        Verdict.UNKNOWN,
                        f"more than {self.settings.max_redirects} redirects",
                        status,
                        following,
                        tuple(chain),
                    )
                if urlsplit(following).scheme not in ("http", "https"):
                    return Outcome(
                        Verdict.UNKNOWN, f"redirects to a non-web address {following}", status, following, tuple(chain)
                    )
                chain.append(following)
                current = following
                continue
            ok = 200 <= status < 300 or status in limits.accept
            if method == "HEAD" and not ok and status != 429:
                # Many servers refuse or mishandle HEAD (405, 403, even 404): the GET is what readers get.
                method = "GET"
                continue
            verdict, reason = verdict_for_status(status, limits.accept)
            if chain:
                reason = f"{reason} after {len(chain)} redirect{'s' * (len(chain) != 1)}"
            return Outcome(verdict, reason, status, current if chain else None, tuple(chain))

    async def check_dois(self, dois: Iterable[str], done: Callable[[str, Outcome], None]) -> None:
        """Look each DOI up in the handle API; report each with ``done(doi, outcome)``."""
        api = self.settings.doi_api
        assert api is not None

        async def one(doi: str) -> None:
            # The DOI handbook's encoding for URLs: '/' stays, '%', '"', '#', '?', space and friends are escaped.
            url = f"{api}{quote(doi, safe='/;:@&=$,!()*')}?type=URL"
            answer = await self._ask("GET", url, want_body=True)
            done(doi, _doi_outcome(doi, answer))

        await asyncio.gather(*(one(doi) for doi in dois))

    def _arxiv_gate(self, api: str) -> HostGate:
        """A gate of its own for the export API: one request at a time, 3 s apart, whatever else the host serves."""
        host = (urlsplit(api).hostname or "").lower()
        return self._gates.setdefault(
            f"{host} (arXiv API)", HostGate(1, max(ARXIV_SPACING, self.settings.policy.limits(host).spacing))
        )

    async def fetch_arxiv(
        self, ids: list[str], on_feed: Callable[[arxiv.Feed], None], retries: int, backoff: float
    ) -> None:
        """Ask the export API about ``ids``, a batch per request, handing each answer to ``on_feed``.

        A 503, 5xx or 429 (or a dropped connection) is asked again up to ``retries`` times, after
        ``backoff`` seconds doubled each time, or the Retry-After when longer. Raises ArxivError
        when arXiv cannot be asked or answers something other than a feed.
        """
        api = self.settings.arxiv_api
        assert api is not None
        shown_api = _without_credentials(api)
        gate = self._arxiv_gate(api)
        separator = "&" if "?" in api else "?"
        for start in range(0, len(ids), ARXIV_BATCH):
            batch = list(dict.fromkeys(arxiv.query_id(i) for i in ids[start : start + ARXIV_BATCH]))
            url = f"{api}{separator}id_list={','.join(batch)}&max_results={len(batch)}"
            for attempt in range(retries + 1):
                answer = await self._request("GET", url, want_body=True, gate=gate)
                if isinstance(answer, _Answer) and answer.status == 200:
                    try:
                        feed = arxiv.parse_feed(answer.body or b"")
                    except ValueError as exc:
                        raise arxiv.ArxivError(f"arXiv's answer is unreadable: {exc}") from None
                    on_feed(feed)
                    break
                wait = backoff * 2**attempt  # arXiv asks clients to back off when it is busy
                if isinstance(answer, _Failure):
                    problem, transient = answer.outcome.reason, answer.outcome.verdict is Verdict.UNKNOWN
                else:
                    problem, transient = status_text(answer.status), answer.status in (429, 500, 502, 503, 504)
                    asked_wait = retry_after_seconds(answer.retry_after, dt.datetime.now(dt.timezone.utc))
                    if asked_wait is not None and asked_wait > self.settings.retry_wait:
                        transient = False  # longer than anyone should wait
                    elif asked_wait is not None:
                        wait = max(wait, asked_wait)
                if not transient or attempt == retries:
                    raise arxiv.ArxivError(f"arXiv's API at {shown_api} could not be asked: {problem}")
                await asyncio.sleep(wait)

    async def check_arxiv(self, ids: list[str], done: Callable[[str, Outcome], None]) -> None:
        """Look arXiv ids up in batches through the export API; report each with ``done(id, outcome)``."""
        api = self.settings.arxiv_api
        assert api is not None
        gate = self._arxiv_gate(api)
        for start in range(0, len(ids), ARXIV_BATCH):
            batch = ids[start : start + ARXIV_BATCH]
            separator = "&" if "?" in api else "?"
            asked = ",".join(dict.fromkeys(arxiv.query_id(identifier) for identifier in batch))
            url = f"{api}{separator}id_list={asked}&max_results={len(batch)}"
            answer = await self._ask("GET", url, want_body=True, gate=gate)
            for identifier, outcome in _arxiv_outcomes(batch, answer).items():
                done(identifier, outcome)


def _doi_outcome(doi: str, answer: _Answer | _Failure) -> Outcome:
    if isinstance(answer, _Failure):
        return answer.outcome
    code = None
    with contextlib.suppress(ValueError, TypeError, AttributeError):
        code = json.loads(answer.body or b"").get("responseCode")
    where = f"https://doi.org/{doi}"
    if answer.status == 200 and code in (1, 200):
        return Outcome(Verdict.OK, "DOI is registered (handle API)", 200, where)
    if answer.status == 404 or code == 100:
        return Outcome(Verdict.BROKEN, "DOI is not registered (handle API: not found)", answer.status)
    verdict, reason = verdict_for_status(answer.status)
    if verdict is Verdict.OK:  # a 2xx without a readable answer: say so rather than guess
        return Outcome(Verdict.UNKNOWN, f"handle API answered {status_text(answer.status)} without a result")
    return Outcome(Verdict.UNKNOWN, f"handle API: {reason}", answer.status)


def _arxiv_outcomes(batch: list[str], answer: _Answer | _Failure) -> dict[str, Outcome]:
    if isinstance(answer, _Failure):
        return dict.fromkeys(batch, answer.outcome)
    if answer.status != 200:
        _, reason = verdict_for_status(answer.status)
        return dict.fromkeys(batch, Outcome(Verdict.UNKNOWN, f"arXiv API: {reason}", answer.status))
    try:
        feed = arxiv.parse_feed(answer.body or b"")
    except ValueError as exc:
        return dict.fromkeys(batch, Outcome(Verdict.UNKNOWN, f"arXiv API: unreadable answer ({exc})"))
    outcomes = {}
    for identifier in batch:
        if arxiv.query_id(identifier) in feed.records:
            outcomes[identifier] = Outcome(
                Verdict.OK, "paper found (arXiv API)", 200, f"https://arxiv.org/abs/{identifier}"
            )
        elif feed.error is not None:
            outcomes[identifier] = Outcome(Verdict.UNKNOWN, f"arXiv API: {one_line_message(feed.error)[:200]}", 200)
        else:
            outcomes[identifier] = Outcome(Verdict.BROKEN, "no such paper (arXiv API)", 200)
    return outcomes


Progress = Callable[[str, Outcome], None]
T = TypeVar("T")


def _run_loop(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` on uvloop where it is installed (a faster event loop for many connections), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(work)
    return uvloop.run(work)


async def _check_all(
    urls: list[str], arxiv_ids: list[str], dois: list[str], settings: RemoteSettings, progress: Progress
) -> dict[str, Outcome]:
    results: dict[str, Outcome] = {}

    def done(key: str, outcome: Outcome) -> None:
        results[key] = outcome
        progress(key, outcome)

    async with RemoteChecker(settings) as checker:

        async def url_task(url: str) -> None:
            done(url, await checker.check_url(url))

        jobs: list[Awaitable[Any]] = [url_task(url) for url in urls]
        if arxiv_ids:
            jobs.append(checker.check_arxiv(arxiv_ids, lambda i, o: done(f"arxiv:{i}", o)))
        if dois:
            jobs.append(checker.check_dois(dois, lambda d, o: done(f"doi:{d}", o)))
        await asyncio.gather(*jobs)
    return results


def check_remote(
    urls: list[str],
    arxiv_ids: list[str],
    dois: list[str],
    settings: RemoteSettings,
    progress: Progress = lambda key, outcome: None,
) -> dict[str, Outcome]:
    """Check every URL, arXiv id and DOI; outcomes keyed by URL, ``arxiv:<id>`` and ``doi:<doi>``."""
    if not (urls or arxiv_ids or dois):
        return {}
    return _run_loop(_check_all(urls, arxiv_ids, dois, settings, progress))


def _without_credentials(url: str) -> str:
    """``url`` with any user name and password taken out, fit to be shown."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def fetch_arxiv_feeds(
    ids: list[str],
    on_feed: Callable[[arxiv.Feed], None],
    *,
    api: str,
    user_agent: str,
    timeout: float = 30,
    retries: int = 3,
    backoff: float | None = None,
    resolve: Mapping[str, str] | None = None,
) -> None:
    """Ask arXiv's export API about ``ids`` (batched, one request at a time, 3 s apart); ArxivError on failure.

    Each answer goes to ``on_feed`` as it comes. A busy arXiv (503) or a dropped connection is
    asked again up to ``retries`` times, ``backoff`` seconds later and twice as long each time
    (default: the 3 s arXiv asks for between requests), or after the Retry-After when longer.
    """
    settings = RemoteSettings(
        policy=HostPolicy({}, 1, ARXIV_SPACING),
        timeout=timeout,
        max_concurrency=1,
        max_redirects=5,
        retry_wait=60,
        user_agent=user_agent,
        arxiv_api=api,
        resolve=resolve or {},
    )

    async def run() -> None:
        async with RemoteChecker(settings) as checker:
            await checker.fetch_arxiv(ids, on_feed, retries, ARXIV_SPACING if backoff is None else backoff)

    if ids:
        _run_loop(run())
