"""The only PyGithub user: the few GitHub REST calls sync and release make, with errors people can act on.

Everything goes through PyGithub's ``Requester`` (authentication, connection reuse, waiting out
rate limits), but list pages are requested directly rather than through ``PaginatedList``:
conditional requests (``If-None-Match`` → 304) are what make a no-change sync nearly free, and
``PaginatedList`` turns a 304 into an empty list without saying so.

Retries: GET, PATCH and DELETE are retried on 5xx, 429 and secondary rate limits (they are
idempotent here; a repeated DELETE answers 404, which counts as done); POST never is, because a
create that failed on the way back may have happened. A POST whose outcome is unknown raises
:class:`WriteOutcomeUnknown` and the caller looks before it tries again.

Release assets are uploaded to the host and path that the release's ``upload_url`` template names
(``uploads.github.com`` on github.com, ``/api/uploads`` on GitHub Enterprise Server), over a
connection of this client's own: PyGithub's connection to another host would have no timeout.
"""

from __future__ import annotations

import io
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import quote, urlsplit

import requests
from github import Auth, Github, GithubException, GithubRetry
from github.Requester import HTTPRequestsConnectionClass, HTTPSRequestsConnectionClass

from ghdigest.errors import REDACTED, GhdigestError, redact

DEFAULT_API_URL = "https://api.github.com"
#: Longest wait for a rate limit to reset before giving up, in seconds.
DEFAULT_MAX_RATE_LIMIT_WAIT = 900
DEFAULT_TIMEOUT = 30
_RETRIED_METHODS = frozenset({"GET", "HEAD", "PATCH", "DELETE"})
_TRANSIENT_STATUSES = (429, 500, 502, 503, 504)
#: The loggers of the HTTP libraries underneath. They log addresses, status lines and answers that a
#: server chose, which may repeat the token; PyGithub prints its own (INFO and up) on stderr.
_LIBRARY_LOGGERS = (
    "github",
    "github.GithubRetry",
    "github.Requester",
    "urllib3.poolmanager",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.response",
    "urllib3.util.retry",
)


class GitHubError(GhdigestError):
    """A GitHub request failed, or GitHub cannot be reached; the message says what to do."""


class WriteOutcomeUnknown(GitHubError):
    """A create request failed in a way that does not tell whether GitHub carried it out."""


class ReleaseExists(GitHubError):
    """GitHub refused to create (or publish) a release because a published release already has the tag."""


class AssetExists(GitHubError):
    """GitHub refused an upload because the release already has an asset of that name (perhaps a half-uploaded one)."""


class RateLimited(GitHubError):
    """GitHub refused a write until later (secondary rate limit); ``wait`` is how long, in seconds."""

    def __init__(self, message: str, wait: float) -> None:
        super().__init__(message)
        self.wait = wait


@dataclass(frozen=True)
class ListPage:
    """One page of a list: its items, or ``not_modified`` when GitHub answered 304."""

    not_modified: bool
    items: list[dict[str, Any]]
    etag: str | None
    next_url: str | None
    last_page: int | None = None


@dataclass(frozen=True)
class IssueLookup:
    """What became of an issue: found, deleted (410), moved elsewhere (301), or missing (404)."""

    status: Literal["found", "deleted", "moved", "missing"]
    issue: dict[str, Any] | None = None


class GitHubApi(Protocol):
    """The calls sync needs; :class:`RestClient` talks to GitHub, tests may substitute their own."""

    repo: str

    def list_page(self, path_or_url: str, params: Mapping[str, str], etag: str | None = None) -> ListPage:
        """One page of a list endpoint (a path under the repository, or a ``Link`` next URL)."""
        ...

    def get_issue(self, number: int) -> IssueLookup:
        """The issue ``number`` now, or what became of it."""
        ...

    def create_issue(self, title: str, body: str, labels: list[str]) -> dict[str, Any]:
        """Open an issue; WriteOutcomeUnknown when it may or may not exist now."""
        ...

    def update_issue(self, number: int, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Change an issue's title, body, labels or state; the issue as it is afterwards."""
        ...


class ReleaseApi(Protocol):
    """The calls release needs; :class:`RestClient` talks to GitHub, tests may substitute their own."""

    repo: str

    def get_release_by_tag(self, tag: str) -> dict[str, Any] | None:
        """The published release with ``tag``, or None (GitHub's lookup by tag never finds drafts)."""
        ...

    def list_releases(self) -> list[dict[str, Any]]:
        """Every release of the repository, drafts included (for a token that may push), newest first."""
        ...

    def create_release(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Create a release; ReleaseExists when the tag is taken, WriteOutcomeUnknown when it may exist now."""
        ...

    def update_release(self, release_id: int, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Change a release's name, body or draft state; the release as it is afterwards."""
        ...

    def list_assets(self, release_id: int) -> list[dict[str, Any]]:
        """Every asset of the release, half-uploaded ones (state other than "uploaded") included."""
        ...

    def delete_asset(self, asset_id: int) -> None:
        """Delete an asset; one that is already gone counts as deleted."""
        ...

    def upload_asset(self, upload_url: str, name: str, data: bytes, content_type: str) -> dict[str, Any]:
        """Upload an asset; AssetExists when the name is taken, WriteOutcomeUnknown when it may be there now."""
        ...

    def rename_asset(self, asset_id: int, name: str) -> dict[str, Any]:
        """Give an asset another name; AssetExists when the release has another asset of that name."""
        ...


def api_url_from(option: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """The API base: the option, else GITHUB_API_URL (set by Actions and Enterprise), else api.github.com."""
    return (option or environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")


def token_from(environ: Mapping[str, str] = os.environ) -> str | None:
    """The token from GITHUB_TOKEN, else GH_TOKEN; None when neither is set."""
    return environ.get("GITHUB_TOKEN") or environ.get("GH_TOKEN") or None


def web_url_from(api_url: str) -> str:
    """The web address that goes with an API base: api.github.com → github.com, https://HOST/api/v3 → https://HOST."""
    parts = urlsplit(api_url.rstrip("/"))
    host = (parts.hostname or "").removeprefix("api.")
    port = f":{parts.port}" if parts.port else ""
    path = parts.path.removesuffix("/api/v3")
    return f"{parts.scheme}://{host}{port}{path}"


def _validation_errors(body: str) -> list[dict[str, Any]]:
    """The ``errors`` of a 422 Validation Failed body (resource, field, code, message)."""
    try:
        data = json.loads(body)
    except ValueError:
        return []
    errors = data.get("errors") if isinstance(data, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _refusal(body: str) -> str:
    """GitHub's message, with the reasons a 422 gives ("body is too long (maximum is 125000 characters)")."""
    reasons = [str(e.get("message") or f"{e.get('field')} {e.get('code')}")[:200] for e in _validation_errors(body)]
    message = _message(body)
    return f"{message}: {'; '.join(reasons)}" if reasons else message


def _unknown_or_limited(
    status: int, headers: Mapping[str, Any], message: str, what: str, secondary_wait: float = 60.0
) -> GitHubError | None:
    """For a write: RateLimited when GitHub asked to wait, WriteOutcomeUnknown when it may have acted, else None."""
    if status in (403, 429) and "retry-after" in headers:
        # Refused, not carried out: safe to send again once the wait is over.
        wait = float(headers["retry-after"]) if str(headers["retry-after"]).isdigit() else 60.0
        return RateLimited(f"GitHub asked to wait {wait:g} s before {what}", wait)
    if status == 429 or (status == 403 and "rate limit" in message.lower()):
        # A rate limit that names no wait is a refusal all the same, and sending again at once only
        # prolongs it: wait until x-ratelimit-reset when the budget shows spent, else as long as
        # GitHub asks for a secondary limit (a minute).
        reset = str(headers.get("x-ratelimit-reset", ""))
        if str(headers.get("x-ratelimit-remaining")) == "0" and reset.isdigit():
            wait = max(int(reset) - time.time(), 0.0)
        else:
            wait = secondary_wait
        return RateLimited(f"GitHub's rate limit asks to wait {wait:.0f} s before {what}", wait)
    if status >= 500:
        return WriteOutcomeUnknown(f"GitHub answered {status} to {what}")
    return None


def _created(text: str, what: str) -> dict[str, Any]:
    """The object a 201 answer holds; WriteOutcomeUnknown when the answer is cut off or not an object."""
    try:
        created = json.loads(text)
    except ValueError:
        raise WriteOutcomeUnknown(f"GitHub's answer to {what} was cut off") from None
    if not isinstance(created, dict):
        raise WriteOutcomeUnknown(f"GitHub's answer to {what} was not an object")
    return created


def _link_targets(header: str | None) -> dict[str, str]:
    """``rel → URL`` from a ``Link`` header."""
    targets: dict[str, str] = {}
    for part in (header or "").split(","):
        url_part, _, params = part.partition(";")
        url = url_part.strip().strip("<>")
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "rel" and url:
                targets[value.strip('"')] = url
    return targets


def _page_number(url: str | None) -> int | None:
    if url is None:
        return None
    for pair in urlsplit(url).query.split("&"):
        name, _, value = pair.partition("=")
        if name == "page" and value.isdigit():
            return int(value)
    return None


def _message(body: str) -> str:
    """GitHub's own explanation from an error body, without echoing anything else."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    return str(message)[:300] if message else ""


class _Redacting(logging.Filter):
    """Hides the token in the records of a library's logger, before any handler prints or keeps them."""

    def __init__(self, hide: Callable[[str], str]) -> None:
        super().__init__()
        self.hide = hide

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's to report, not a reason to fail a request
            return True
        hidden = self.hide(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True


@dataclass(repr=False)
class RestClient:
    """GitHub's REST API through PyGithub, for one repository.

    Nothing a server sends back reaches the rest of ghdigest with the token in it: answers, error
    messages and the libraries' log records are searched for it (a proxy or a broken server may
    repeat the Authorization header), and the client's repr shows neither the token nor a password
    written into the API address.
    """

    repo: str
    api_url: str = DEFAULT_API_URL
    token: str | None = field(default=None, repr=False)
    timeout: int = DEFAULT_TIMEOUT
    max_rate_limit_wait: int = DEFAULT_MAX_RATE_LIMIT_WAIT
    retries: int = 5
    #: Pause before a write that follows another write, in seconds (PyGithub's default is 1 s).
    seconds_between_writes: float = 0.2
    #: Wait after a secondary rate limit that names no time, in seconds (GitHub asks for at least a minute).
    secondary_rate_wait: float = 60.0
    requests_made: int = 0
    _github: Github = field(init=False, repr=False)
    _retry: GithubRetry = field(init=False, repr=False)
    _upload_connections: dict[tuple[str, str, int | None], Any] = field(init=False, repr=False, default_factory=dict)
    _log_filter: _Redacting | None = field(init=False, repr=False, default=None)

    def __repr__(self) -> str:
        try:
            api_url = self._shown_api
        except ValueError:  # an unreadable port: the address may hold anything, a password included
            api_url = "(malformed)"
        return f"RestClient(repo={self.repo!r}, api_url={api_url!r}, token={REDACTED if self.token else None})"

    def __post_init__(self) -> None:
        self._retry = retry = GithubRetry(
            total=self.retries,
            backoff_factor=1.0,
            backoff_max=30,
            status_forcelist=list(_TRANSIENT_STATUSES),
            allowed_methods=_RETRIED_METHODS,
            max_rate_limit_wait=self.max_rate_limit_wait,
            secondary_rate_wait=self.secondary_rate_wait,
        )
        self._github = Github(
            base_url=self.api_url,
            auth=Auth.Token(self.token) if self.token else None,
            timeout=self.timeout,
            per_page=100,
            retry=retry,
            lazy=True,
            # PyGithub sleeps 0.25 s before every request and 1 s before every write by default;
            # sync makes few requests and rate limits are honoured through the retry policy.
            seconds_between_requests=None,
            seconds_between_writes=self.seconds_between_writes or None,
        )
        if self._secrets:  # until close(): the filters go with the client
            self._log_filter = _Redacting(self._redact)
            for name in _LIBRARY_LOGGERS:
                logging.getLogger(name).addFilter(self._log_filter)

    def close(self) -> None:
        """Release the connections."""
        for connection in self._upload_connections.values():
            connection.close()
        self._upload_connections.clear()
        self._github.close()
        if self._log_filter is not None:
            for name in _LIBRARY_LOGGERS:
                logging.getLogger(name).removeFilter(self._log_filter)
            self._log_filter = None

    @property
    def _secrets(self) -> tuple[str, ...]:
        """The token, and a password written into the API address (PyGithub never sends it, but it is one)."""
        try:
            password = urlsplit(self.api_url).password
        except ValueError:
            password = None
        return tuple(secret for secret in (self.token, password) if secret)

    def _redact(self, text: str) -> str:
        return redact(text, self._secrets) if self._secrets else text

    @property
    def _base(self) -> str:
        return f"/repos/{self.repo}"

    def _request(
        self,
        verb: str,
        url: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> tuple[int, dict[str, Any], str]:
        self.requests_made += 1
        requester = self._github.requester
        try:
            status, answer_headers, answer = requester.requestJson(
                verb, url, dict(params) if params else None, dict(headers or {}), body
            )
        except GithubException as exc:  # rate limit that would take too long to wait out
            data = exc.data if isinstance(exc.data, dict) else {}
            raise GitHubError(self._explain(exc.status, str(data.get("message") or "")[:300], verb)) from None
        except requests.exceptions.RetryError:
            raise GitHubError(
                f"GitHub kept failing ({verb} {self._shown(url)}) after {self.retries} retries; try again later"
            ) from None
        except (requests.exceptions.RequestException, OSError) as exc:
            if verb == "POST":
                raise WriteOutcomeUnknown(f"no answer from GitHub to {verb} {self._shown(url)}") from None
            raise GitHubError(f"cannot reach GitHub at {self._shown_api}: {type(exc).__name__}") from None
        except RuntimeError as exc:  # PyGithub refuses redirects to another host or scheme
            raise GitHubError(
                self._redact(f"GitHub answered {verb} {self._shown(url)} with an unusable redirect: {exc}")
            ) from None
        if self._secrets:
            # An answer that repeats the token (a proxy echoing the request, a hostile server) must not
            # carry it into messages, the sync state (ETags) or the files written from it.
            answer = self._redact_json(self._redact(answer))
            answer_headers = {name: self._redact(str(value)) for name, value in answer_headers.items()}
        return status, answer_headers, answer

    def _redact_json(self, text: str) -> str:
        """``text`` without the token even where it is JSON that spells the token in \\u escapes."""
        if "\\u" not in text:
            return text
        try:
            data = json.loads(text)
        except ValueError:
            return text
        decoded = json.dumps(data, ensure_ascii=False)
        hidden = self._redact(decoded)
        return hidden if hidden != decoded else text  # the token spelt in escapes: only then rewritten

    @property
    def _shown_api(self) -> str:
        """The API base without any user name or password written into it."""
        parts = urlsplit(self.api_url)
        host = parts.hostname or ""
        return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"

    def _shown(self, url: str) -> str:
        return urlsplit(url).path or url

    def _explain(self, status: int, message: str, verb: str, permission: str = "issues: write") -> str:
        message = self._redact(message)
        said = f" ({message})" if message else ""
        if status == 401:
            return f"GitHub refused the token{said}: set GITHUB_TOKEN or GH_TOKEN to a valid token"
        if status == 403 and "rate limit" in message.lower():
            advice = "wait for it to reset" + ("" if self.token else ", or set GITHUB_TOKEN for a larger one")
            return f"GitHub's rate limit is used up{said}; {advice}"
        if status in (403, 404) and verb != "GET":
            return f"GitHub did not allow writing to {self.repo}{said}: the token needs the {permission} permission"
        if status == 404:
            return f"repository {self.repo} not found at {self._shown_api}, or the token cannot see it{said}"
        return f"GitHub answered {status}{said}"

    def _json(self, status: int, body: str, verb: str, url: str) -> Any:
        try:
            return json.loads(body)
        except ValueError:
            raise GitHubError(f"GitHub sent an unreadable answer ({status}) to {verb} {self._shown(url)}") from None

    def list_page(self, path_or_url: str, params: Mapping[str, str], etag: str | None = None) -> ListPage:
        """One page of a list endpoint (a path under the repository, or a ``Link`` next URL)."""
        url = path_or_url if "://" in path_or_url else f"{self._base}{path_or_url}"
        headers = {"If-None-Match": etag} if etag else {}
        for attempt in range(2):
            status, response_headers, body = self._request("GET", url, params, headers)
            if status == 304:
                return ListPage(True, [], etag, None)
            if status != 200:
                raise GitHubError(self._explain(status, _message(body), "GET"))
            try:
                items = json.loads(body)
            except ValueError:
                if attempt == 0:
                    continue  # a cut-off answer: GET is safe to repeat
                raise GitHubError(f"GitHub sent an unreadable list for {self._shown(url)}") from None
            if not isinstance(items, list):
                raise GitHubError(f"GitHub sent something other than a list for {self._shown(url)}")
            answered_for = {
                str(item.get("repository_url", "")).rsplit("/repos/", 1)[-1]
                for item in items
                if isinstance(item, dict) and "/repos/" in str(item.get("repository_url", ""))
            }
            moved = {name for name in answered_for if name.lower() != self.repo.lower()}
            if moved:
                # A renamed or transferred repository answers through a redirect that drops the
                # query (state, sort, page): refuse rather than mirror a wrong listing.
                raise GitHubError(
                    f"GitHub answers for {sorted(moved)[0]} when asked for {self.repo}: the repository was "
                    "renamed or moved; set 'repo' in ghdigest.yml (or --repo) to its new name"
                )
            links = _link_targets(response_headers.get("link"))
            return ListPage(
                False, items, response_headers.get("etag"), links.get("next"), _page_number(links.get("last"))
            )
        raise AssertionError("unreachable")

    def get_issue(self, number: int) -> IssueLookup:
        """The issue ``number`` now, or what became of it."""
        url = f"{self._base}/issues/{number}"
        status, _, body = self._request("GET", url)
        if status == 410:
            return IssueLookup("deleted")
        if status == 404:
            return IssueLookup("missing")
        if status == 301:
            return IssueLookup("moved")
        if status != 200:
            raise GitHubError(self._explain(status, _message(body), "GET"))
        issue = self._json(status, body, "GET", url)
        # PyGithub follows the 301 of a transferred issue on the same host: the answer is then
        # an issue of another repository.
        repository_url = str(issue.get("repository_url", ""))
        same_repository = repository_url.rstrip("/").lower().endswith(f"/repos/{self.repo}".lower())
        if not same_repository or issue.get("number") != number:
            return IssueLookup("moved", issue)
        return IssueLookup("found", issue)

    def create_issue(self, title: str, body: str, labels: list[str]) -> dict[str, Any]:
        """Open an issue; WriteOutcomeUnknown when it may or may not exist now."""
        url = f"{self._base}/issues"
        status, headers, text = self._request("POST", url, body={"title": title, "body": body, "labels": labels})
        if status == 201:
            return _created(text, "creating an issue")
        unknown = _unknown_or_limited(status, headers, _message(text), "creating issues", self.secondary_rate_wait)
        if unknown is not None:
            raise unknown
        raise GitHubError(self._explain(status, _message(text), "POST"))

    def update_issue(self, number: int, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Change an issue's title, body, labels or state; the issue as it is afterwards."""
        url = f"{self._base}/issues/{number}"
        status, _, text = self._request("PATCH", url, body=dict(changes))
        if status != 200:
            raise GitHubError(self._explain(status, _message(text), "PATCH"))
        updated = self._json(status, text, "PATCH", url)
        if not isinstance(updated, dict):
            raise GitHubError(f"GitHub sent something other than an issue for {self._shown(url)}")
        return updated

    # ----------------------------------------------------------------- releases

    def _get_json(self, url: str, what: str) -> tuple[int, Any]:
        """GET ``url``: (status, parsed body); a cut-off answer is asked for once more (GET is safe to repeat)."""
        for attempt in range(2):
            status, _, body = self._request("GET", url)
            if status != 200:
                return status, body
            try:
                return status, json.loads(body)
            except ValueError:
                if attempt == 1:
                    raise GitHubError(f"GitHub sent an unreadable answer for {what}") from None
        raise AssertionError("unreachable")

    def _list_all(self, path: str) -> list[dict[str, Any]]:
        """Every item of a list endpoint under the repository, page after page."""
        page = self.list_page(path, {"per_page": "100"})
        items = list(page.items)
        while page.next_url is not None:
            page = self.list_page(page.next_url, {})
            items.extend(page.items)
        return [item for item in items if isinstance(item, dict)]

    def _get_release(self, url: str, what: str) -> dict[str, Any] | None:
        status, data = self._get_json(url, what)
        if status == 404:
            return None
        if status != 200 or not isinstance(data, dict):
            raise GitHubError(self._explain(status, _message(data if isinstance(data, str) else ""), "GET"))
        return data

    def get_release_by_tag(self, tag: str) -> dict[str, Any] | None:
        """The published release with ``tag``, or None (GitHub's lookup by tag never finds drafts)."""
        return self._get_release(f"{self._base}/releases/tags/{quote(tag, safe='')}", f"release {tag}")

    def get_release(self, release_id: int) -> dict[str, Any] | None:
        """Release ``release_id`` as it is now, or None when it no longer exists."""
        return self._get_release(f"{self._base}/releases/{release_id}", f"release {release_id}")

    def list_releases(self) -> list[dict[str, Any]]:
        """Every release of the repository, drafts included (for a token that may push), newest first."""
        return self._list_all("/releases")

    def create_release(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Create a release; ReleaseExists when the tag is taken, WriteOutcomeUnknown when it may exist now."""
        url = f"{self._base}/releases"
        status, headers, text = self._request("POST", url, body=dict(fields))
        if status == 201:
            return _created(text, "creating a release")
        unknown = _unknown_or_limited(status, headers, _message(text), "creating a release", self.secondary_rate_wait)
        if unknown is not None:
            raise unknown
        if status == 422 and any(e.get("code") == "already_exists" for e in _validation_errors(text)):
            raise ReleaseExists(f"a release with the tag {fields.get('tag_name')!r} already exists")
        raise GitHubError(self._explain(status, _refusal(text), "POST", "contents: write"))

    def update_release(self, release_id: int, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Change a release's name, body or draft state; the release as it is afterwards."""
        url = f"{self._base}/releases/{release_id}"
        status, _, text = self._request("PATCH", url, body=dict(changes))
        if status == 422 and any(e.get("code") == "already_exists" for e in _validation_errors(text)):
            raise ReleaseExists("a published release already has this tag")
        if status == 404:
            raise GitHubError(
                f"release {release_id} of {self.repo} is gone, or the token lacks the contents: write permission"
            )
        if status != 200:
            raise GitHubError(self._explain(status, _refusal(text), "PATCH", "contents: write"))
        try:
            updated = json.loads(text)
        except ValueError:
            updated = None
        if isinstance(updated, dict):
            return updated
        # PATCH is idempotent and was carried out: read the result instead of guessing it.
        found = self.get_release(release_id)
        if found is None:
            raise GitHubError(f"release {release_id} of {self.repo} disappeared while it was being updated")
        return found

    def list_assets(self, release_id: int) -> list[dict[str, Any]]:
        """Every asset of the release, half-uploaded ones (state other than "uploaded") included."""
        return self._list_all(f"/releases/{release_id}/assets")

    def delete_asset(self, asset_id: int) -> None:
        """Delete an asset; one that is already gone counts as deleted."""
        status, _, text = self._request("DELETE", f"{self._base}/releases/assets/{asset_id}")
        if status not in (204, 404):
            raise GitHubError(self._explain(status, _message(text), "DELETE", "contents: write"))

    def rename_asset(self, asset_id: int, name: str) -> dict[str, Any]:
        """Give an asset another name; AssetExists when the release has another asset of that name."""
        url = f"{self._base}/releases/assets/{asset_id}"
        status, _, text = self._request("PATCH", url, body={"name": name})
        if status == 422 and any(e.get("code") == "already_exists" for e in _validation_errors(text)):
            raise AssetExists(f"the release already has an asset named {name}")
        if status != 200:
            raise GitHubError(self._explain(status, _refusal(text), "PATCH", "contents: write"))
        renamed = self._json(status, text, "PATCH", url)
        if not isinstance(renamed, dict):
            raise GitHubError(f"GitHub sent something other than an asset for {self._shown(url)}")
        return renamed

    def _upload_target(self, upload_url: str) -> str:
        """The upload address from a release's ``upload_url`` template, refused unless it is GitHub's own."""
        target = upload_url.split("{", 1)[0]
        api, upload = urlsplit(self.api_url), urlsplit(target)
        api_host, host = api.hostname or "", upload.hostname or ""
        domain = api_host.removeprefix("api.")
        same_host = host == api_host and upload.port == api.port
        sibling = host != api_host and (host == domain or host.endswith(f".{domain}"))
        # The token goes with the upload: only to the API's own host or a sibling of it (uploads.github.com).
        if upload.scheme not in ("http", "https") or (api.scheme == "https" and upload.scheme != "https"):
            raise GitHubError(f"GitHub gave an upload address this client will not send a token to ({upload.scheme})")
        if not (same_host or sibling):
            raise GitHubError(f"GitHub gave an upload address on another host ({host}); not uploading there")
        return target

    def _upload_connection(self, target: str) -> Any:
        """The connection for an upload to another host than the API's (None: the API's own connection).

        PyGithub opens one itself when given none, but without a timeout: a stalled upload would then
        hold a CI job until the job's own limit.
        """
        upload, api = urlsplit(target), urlsplit(self.api_url)
        key = (upload.scheme, upload.hostname or "", upload.port)
        if key == (api.scheme, api.hostname or "", api.port):
            return None
        if key not in self._upload_connections:
            kind = HTTPSRequestsConnectionClass if upload.scheme == "https" else HTTPRequestsConnectionClass
            self._upload_connections[key] = kind(key[1], key[2], timeout=self.timeout, retry=self._retry)
        return self._upload_connections[key]

    def upload_asset(self, upload_url: str, name: str, data: bytes, content_type: str) -> dict[str, Any]:
        """Upload an asset; AssetExists when the name is taken, WriteOutcomeUnknown when it may be there now."""
        target = self._upload_target(upload_url)
        self.requests_made += 1
        headers = {"Content-Type": content_type, "Content-Length": str(len(data))}
        try:
            _, created = self._github.requester.requestMemoryBlobAndCheck(
                "POST", target, {"name": name}, headers, io.BytesIO(data), self._upload_connection(target)
            )
        except GithubException as exc:
            status = exc.status
            body = json.dumps(exc.data) if isinstance(exc.data, dict) else ""
            response_headers = {str(k).lower(): v for k, v in (exc.headers or {}).items()}
            unknown = _unknown_or_limited(
                status, response_headers, _message(body), f"uploading {name}", self.secondary_rate_wait
            )
            if unknown is not None:
                raise unknown from None
            if status == 422 and any(e.get("code") == "already_exists" for e in _validation_errors(body)):
                raise AssetExists(f"the release already has an asset named {name}") from None
            raise GitHubError(self._explain(status, _refusal(body), "POST", "contents: write")) from None
        except ValueError:  # the answer was cut off: the asset may or may not be complete
            raise WriteOutcomeUnknown(f"GitHub's answer to uploading {name} was cut off") from None
        except (requests.exceptions.RequestException, OSError):
            raise WriteOutcomeUnknown(f"no answer from GitHub to uploading {name}") from None
        except (AssertionError, RuntimeError) as exc:  # PyGithub's own refusal of the address
            raise GitHubError(self._redact(f"cannot upload {name} to {self._shown(target)}: {exc}")) from None
        if not isinstance(created, dict):
            raise WriteOutcomeUnknown(f"GitHub's answer to uploading {name} was not an asset")
        if self._secrets:  # as _request does for every other answer
            redacted: dict[str, Any] = json.loads(self._redact(json.dumps(created)))
            return redacted
        return created
