"""The REST endpoints the stub implements: routing, filtering, sorting, pagination and GitHub-shaped errors."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote

from .model import JSON, STATE_REASONS, STATES, StubRepo, World, parse_iso

DOCS = "https://docs.github.com/rest"
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100


@dataclass
class Reply:
    """A response before HTTP framing: status, JSON payload (``None`` = no body) and extra headers."""

    status: int
    payload: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    # Drives Last-Modified; If-Modified-Since is honoured only for single resources (a list can shrink silently).
    last_modified: datetime | None = None
    single: bool = False
    note: str | None = None  # a problem worth recording in validation_errors (e.g. an endpoint the stub lacks)


def error(status: int, message: str, **extra: Any) -> Reply:
    """GitHub's error shape: ``{"message", "documentation_url", "status"}``."""
    return Reply(
        status,
        {"message": message, "documentation_url": extra.pop("documentation_url", DOCS), **extra, "status": str(status)},
    )


def not_found() -> Reply:
    """404 as GitHub words it."""
    return error(404, "Not Found")


def invalid(resource: str, field_name: str, code: str = "invalid") -> Reply:
    """422 Validation Failed naming the offending field."""
    return error(422, "Validation Failed", errors=[{"resource": resource, "code": code, "field": field_name}])


@dataclass
class Call:
    """One routed request."""

    world: World
    method: str
    repo: StubRepo
    params: dict[str, str]
    query: dict[str, list[str]]
    raw_query: str
    body: bytes

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The last value of query parameter ``name``."""
        values = self.query.get(name)
        return values[-1] if values else default

    def page_size(self) -> tuple[int, int]:
        """(per_page, page) with GitHub's defaults and clamping; garbage falls back to the defaults."""
        per_page = _int(self.arg("per_page"), DEFAULT_PER_PAGE)
        per_page = DEFAULT_PER_PAGE if per_page < 1 else min(per_page, MAX_PER_PAGE)
        return per_page, max(_int(self.arg("page"), 1), 1)

    def json_body(self) -> dict[str, Any] | Reply:
        """The request body as a JSON object, or the 400 GitHub answers for anything else."""
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            return error(400, "Problems parsing JSON")
        return data if isinstance(data, dict) else error(400, "Problems parsing JSON")


def _int(text: str | None, default: int) -> int:
    """``int(text)`` or ``default``."""
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _since(call: Call) -> datetime | Reply | None:
    """The ``since`` parameter, or the 422 GitHub answers for a malformed one."""
    text = call.arg("since")
    if not text:
        return None
    try:
        return parse_iso(text)
    except ValueError:
        return invalid("Issue", "since")


def _paginate(call: Call, items: list[JSON], suffix: str) -> Reply:
    """One page of ``items`` with GitHub's Link header (next/last/first/prev point at ``/repositories/{id}``)."""
    per_page, page = call.page_size()
    last = max(math.ceil(len(items) / per_page), 1)
    chunk = items[(page - 1) * per_page : page * per_page]
    # Every other parameter is carried over byte for byte; only page changes, appended last as GitHub does.
    kept = [part for part in call.raw_query.split("&") if part and unquote(part.split("=", 1)[0]) != "page"]

    def link(number: int, rel: str) -> str:
        query = "&".join([*kept, f"page={number}"])
        return f'<{call.world.base_url}/repositories/{call.repo.id}{suffix}?{query}>; rel="{rel}"'

    links = []
    if page > 1:
        links.append(link(min(page - 1, last), "prev"))
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links.append(link(1, "first"))
    stamps = [parse_iso(item["updated_at"]) for item in chunk if isinstance(item.get("updated_at"), str)]
    modified = max(stamps, default=None)
    headers = {"Link": ", ".join(links)} if links else {}
    return Reply(200, chunk, headers, last_modified=modified or call.repo.created_at)


def _sort_key(field_name: str) -> Callable[[JSON], tuple[Any, int]]:
    """Sort by ``field_name``, ties broken by id so that pages stay stable."""
    return lambda item: (item[field_name], item["id"])


def _located(call: Call) -> JSON | Reply:
    """The issue named in the path, or GitHub's 404 / 410 / 301 for one that never existed, was deleted or moved."""
    number = int(call.params["number"])
    fate = call.repo.fate(number)
    if isinstance(fate, dict):
        return fate
    if fate == "gone":
        return error(410, "This issue was deleted")
    if isinstance(fate, tuple):
        target, moved_to = fate
        location = f"{target.api_url}/issues/{moved_to}"
        reply = error(
            301,
            "Moved Permanently",
            url=location,
            documentation_url=f"{DOCS}/guides/best-practices-for-using-the-rest-api#follow-redirects",
        )
        reply.headers["Location"] = location
        return reply
    return not_found()


# -- handlers --


def get_repo(call: Call) -> Reply:
    """GET /repos/{owner}/{repo}."""
    return Reply(200, call.repo.to_json(), last_modified=call.repo.created_at, single=True)


def list_issues(call: Call) -> Reply:
    """GET /repos/{owner}/{repo}/issues: state, labels (all required), since, creator, assignee, sort, direction."""
    state = call.arg("state", "open")
    sort = call.arg("sort", "created")
    direction = call.arg("direction", "desc")
    for name, value, allowed in (
        ("state", state, (*STATES, "all")),
        ("sort", sort, ("created", "updated", "comments")),
        ("direction", direction, ("asc", "desc")),
    ):
        if value not in allowed:
            return invalid("Issue", name)
    since = _since(call)
    if isinstance(since, Reply):
        return since
    wanted = {name.strip().lower() for name in (call.arg("labels") or "").split(",") if name.strip()}
    creator, assignee = call.arg("creator"), call.arg("assignee")
    items = []
    for issue in call.repo.issues.values():
        names = {label["name"].lower() for label in issue["labels"]}
        logins = {person["login"].lower() for person in issue["assignees"]}
        if state != "all" and issue["state"] != state:
            continue
        if not wanted <= names or (since is not None and parse_iso(issue["updated_at"]) < since):
            continue
        if creator and issue["user"]["login"].lower() != creator.lower():
            continue
        if (assignee == "none" and logins) or (assignee == "*" and not logins):
            continue
        if assignee not in (None, "none", "*") and assignee.lower() not in logins:
            continue
        items.append(issue)
    key = {"created": "created_at", "updated": "updated_at", "comments": "comments"}[str(sort)]
    items.sort(key=_sort_key(key), reverse=direction == "desc")
    return _paginate(call, items, "/issues")


def list_repo_comments(call: Call) -> Reply:
    """GET /repos/{owner}/{repo}/issues/comments: since, sort (created|updated), direction (only with sort)."""
    sort = call.arg("sort")
    direction = call.arg("direction", "asc")
    if sort not in (None, "created", "updated"):
        return invalid("IssueComment", "sort")
    if direction not in ("asc", "desc"):
        return invalid("IssueComment", "direction")
    since = _since(call)
    if isinstance(since, Reply):
        return since
    items = [c for c in call.repo.comments.values() if since is None or parse_iso(c["updated_at"]) >= since]
    # GitHub documents direction as "ignored without the sort parameter".
    reverse = sort is not None and direction == "desc"
    items.sort(key=_sort_key("updated_at" if sort == "updated" else "created_at"), reverse=reverse)
    return _paginate(call, items, "/issues/comments")


def get_issue(call: Call) -> Reply:
    """GET /repos/{owner}/{repo}/issues/{number}."""
    found = _located(call)
    if isinstance(found, Reply):
        return found
    return Reply(200, found, last_modified=parse_iso(found["updated_at"]), single=True)


def list_issue_comments(call: Call) -> Reply:
    """GET /repos/{owner}/{repo}/issues/{number}/comments (oldest first; ``since`` filters on updated_at)."""
    found = _located(call)
    if isinstance(found, Reply):
        return found
    since = _since(call)
    if isinstance(since, Reply):
        return since
    number = found["number"]
    items = [
        c
        for cid, c in call.repo.comments.items()
        if call.repo.comment_issue(cid) == number and (since is None or parse_iso(c["updated_at"]) >= since)
    ]
    items.sort(key=_sort_key("created_at"))
    return _paginate(call, items, f"/issues/{number}/comments")


def _label_names(value: Any) -> list[str] | None:
    """Label names from a request (strings or ``{"name": ...}`` objects); ``None`` when malformed."""
    if not isinstance(value, list):
        return None
    names: list[str] = []
    for item in value:
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str) or not name:
            return None
        names.append(name)
    return names


def _logins(data: dict[str, Any]) -> list[str] | Reply | None:
    """Assignee logins from ``assignees`` / ``assignee``; ``None`` when neither is present."""
    if "assignees" in data:
        value = data["assignees"]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return invalid("Issue", "assignees")
        return list(value)
    if "assignee" in data:
        if data["assignee"] is None:
            return []
        return [data["assignee"]] if isinstance(data["assignee"], str) else invalid("Issue", "assignee")
    return None


def create_issue(call: Call) -> Reply:
    """POST /repos/{owner}/{repo}/issues: title required; unknown labels are created."""
    data = call.json_body()
    if isinstance(data, Reply):
        return data
    title = data.get("title")
    if isinstance(title, int) and not isinstance(title, bool):
        title = str(title)  # GitHub accepts integer titles
    if title is None or (isinstance(title, str) and not title.strip()):
        return invalid("Issue", "title", "missing_field")
    if not isinstance(title, str):
        return invalid("Issue", "title")
    body = data.get("body")
    if body is not None and not isinstance(body, str):
        return invalid("Issue", "body")
    labels = _label_names(data.get("labels", []))
    if labels is None:
        return invalid("Issue", "labels")
    if data.get("milestone") is not None:
        return invalid("Issue", "milestone")  # the stub has no milestones
    logins = _logins(data)
    if isinstance(logins, Reply):
        return logins
    issue = call.repo.create(title, body, labels, user=call.world.viewer, assignees=logins or [])
    return Reply(201, issue, {"Location": issue["url"]}, last_modified=parse_iso(issue["updated_at"]))


def edit_issue(call: Call) -> Reply:
    """PATCH /repos/{owner}/{repo}/issues/{number}: any of title, body, state, state_reason, labels, assignees."""
    found = _located(call)
    if isinstance(found, Reply):
        return found
    data = call.json_body()
    if isinstance(data, Reply):
        return data
    changes: dict[str, Any] = {}
    if "title" in data:
        if not isinstance(data["title"], str) or not data["title"].strip():
            return invalid("Issue", "title", "missing_field" if not data["title"] else "invalid")
        changes["title"] = data["title"]
    if "body" in data:
        if data["body"] is not None and not isinstance(data["body"], str):
            return invalid("Issue", "body")
        changes["body"] = data["body"]
    if "state" in data:
        if data["state"] not in STATES:
            return invalid("Issue", "state")
        changes["state"] = data["state"]
    if "state_reason" in data:
        if data["state_reason"] not in STATE_REASONS:
            return invalid("Issue", "state_reason")
        changes["state_reason"] = data["state_reason"]
    if "labels" in data:
        labels = _label_names(data["labels"])
        if labels is None:
            return invalid("Issue", "labels")
        changes["labels"] = labels
    logins = _logins(data)
    if isinstance(logins, Reply):
        return logins
    if logins is not None:
        changes["assignees"] = logins
    issue = call.repo.update(found["number"], changes)
    return Reply(200, issue, last_modified=parse_iso(issue["updated_at"]))


def create_comment(call: Call) -> Reply:
    """POST /repos/{owner}/{repo}/issues/{number}/comments."""
    found = _located(call)
    if isinstance(found, Reply):
        return found
    data = call.json_body()
    if isinstance(data, Reply):
        return data
    body = data.get("body")
    if not isinstance(body, str) or not body.strip():
        return invalid("IssueComment", "body", "missing_field" if not body else "invalid")
    comment = call.repo.comment(found["number"], body, call.world.viewer)
    return Reply(201, comment, {"Location": comment["url"]}, last_modified=parse_iso(comment["updated_at"]))


def list_labels(call: Call) -> Reply:
    """GET /repos/{owner}/{repo}/labels (creation order)."""
    return _paginate(call, list(call.repo.labels.values()), "/labels")


REPO = r"/(?:repos/(?P<owner>[^/]+)/(?P<name>[^/]+)|repositories/(?P<repo_id>\d+))"
NUMBER = r"/issues/(?P<number>\d+)"
ROUTES: list[tuple[str, re.Pattern[str], Callable[[Call], Reply]]] = [
    (method, re.compile(f"^{REPO}{pattern}$"), handler)
    for method, pattern, handler in [
        ("GET", "", get_repo),
        ("GET", "/issues", list_issues),
        ("POST", "/issues", create_issue),
        ("GET", "/issues/comments", list_repo_comments),
        ("GET", NUMBER, get_issue),
        ("PATCH", NUMBER, edit_issue),
        ("GET", NUMBER + "/comments", list_issue_comments),
        ("POST", NUMBER + "/comments", create_comment),
        ("GET", "/labels", list_labels),
    ]
]


def root(world: World) -> JSON:
    """GET / — the hypermedia index."""
    b = world.base_url
    return {
        "current_user_url": f"{b}/user",
        "current_user_authorizations_html_url": f"{b}/html/settings/connections/applications{{/client_id}}",
        "authorizations_url": f"{b}/authorizations",
        "code_search_url": f"{b}/search/code?q={{query}}{{&page,per_page,sort,order}}",
        "commit_search_url": f"{b}/search/commits?q={{query}}{{&page,per_page,sort,order}}",
        "emails_url": f"{b}/user/emails",
        "emojis_url": f"{b}/emojis",
        "events_url": f"{b}/events",
        "feeds_url": f"{b}/feeds",
        "followers_url": f"{b}/user/followers",
        "following_url": f"{b}/user/following{{/target}}",
        "gists_url": f"{b}/gists{{/gist_id}}",
        "hub_url": f"{b}/hub",
        "issue_search_url": f"{b}/search/issues?q={{query}}{{&page,per_page,sort,order}}",
        "issues_url": f"{b}/issues",
        "keys_url": f"{b}/user/keys",
        "label_search_url": f"{b}/search/labels?q={{query}}&repository_id={{repository_id}}{{&page,per_page}}",
        "notifications_url": f"{b}/notifications",
        "organization_url": f"{b}/orgs/{{org}}",
        "organization_repositories_url": f"{b}/orgs/{{org}}/repos{{?type,page,per_page,sort}}",
        "organization_teams_url": f"{b}/orgs/{{org}}/teams",
        "public_gists_url": f"{b}/gists/public",
        "rate_limit_url": f"{b}/rate_limit",
        "repository_url": f"{b}/repos/{{owner}}/{{repo}}",
        "repository_search_url": f"{b}/search/repositories?q={{query}}{{&page,per_page,sort,order}}",
        "current_user_repositories_url": f"{b}/user/repos{{?type,page,per_page,sort}}",
        "starred_url": f"{b}/user/starred{{/owner}}{{/repo}}",
        "starred_gists_url": f"{b}/gists/starred",
        "topic_search_url": f"{b}/search/topics?q={{query}}{{&page,per_page}}",
        "user_url": f"{b}/users/{{user}}",
        "user_organizations_url": f"{b}/user/orgs",
        "user_repositories_url": f"{b}/users/{{user}}/repos{{?type,page,per_page,sort}}",
        "user_search_url": f"{b}/search/users?q={{query}}{{&page,per_page,sort,order}}",
    }


def dispatch(world: World, method: str, path: str, raw_query: str, body: bytes) -> Reply:
    """Route one request (``/rate_limit`` is answered by the server, which owns the counters)."""
    if method == "GET" and path in ("", "/"):
        return Reply(200, root(world), last_modified=world.now())
    trimmed = path.rstrip("/") or "/"
    for route_method, pattern, handler in ROUTES:
        match = pattern.match(trimmed)
        if match is None:
            continue
        groups = match.groupdict()
        if groups["repo_id"] is not None:
            repo = world.repos.get(int(groups["repo_id"]))
        else:
            repo = world.find_repo(unquote(groups["owner"]), unquote(groups["name"]))
        if repo is None:
            return not_found()
        if route_method != method:
            continue
        params = {k: unquote(v) for k, v in groups.items() if v is not None}
        query = parse_qs(raw_query, keep_blank_values=True)
        return handler(Call(world, method, repo, params, query, raw_query, body))
    reply = not_found()
    reply.note = f"{method} {path}: the stub does not implement this endpoint"
    return reply
