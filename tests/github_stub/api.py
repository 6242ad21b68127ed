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

from .model import JSON, RELEASE_BODY_LIMIT, STATE_REASONS, STATES, UPLOADS_PREFIX, StubRepo, World, parse_iso

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
    headers: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The last value of query parameter ``name``."""
        values = self.query.get(name)
        return values[-1] if values else default

    def page_size(self) -> tuple[int, int]:
        """(per_page, page) with GitHub's defaults and clamping; garbage falls back to the defaults."""
        per_page = _int(self.arg("per_page"), DEFAULT_PER_PAGE)
        per_page = DEFAULT_PER_PAGE if per_page < 1 else min(per_page, MAX_PER_PAGE)
        return min(per_page, self.world.max_per_page), max(_int(self.arg("page"), 1), 1)

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


# -- releases and assets --

_TAG_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//|^/|/$|\.$|\.lock$|^@$")


def _release(call: Call) -> JSON | Reply:
    """The release named in the path, or 404."""
    release_id = int(call.params["release_id"])
    return call.repo.releases[release_id] if release_id in call.repo.releases else not_found()


def _release_fields(data: dict[str, Any], *, creating: bool) -> dict[str, Any] | Reply:
    """The release fields of a create or edit request, checked as GitHub checks them."""
    fields: dict[str, Any] = {}
    if creating and not isinstance(data.get("tag_name"), str):
        return invalid("Release", "tag_name", "missing_field" if "tag_name" not in data else "invalid")
    for name in ("tag_name", "target_commitish", "name", "body"):
        if name in data:
            nullable = name in ("name", "body")
            if not isinstance(data[name], str) and not (nullable and data[name] is None):
                return invalid("Release", name)
            fields[name] = data[name]
    for name in ("draft", "prerelease"):
        if name in data:
            if not isinstance(data[name], bool):
                return invalid("Release", name)
            fields[name] = data[name]
    if "make_latest" in data:
        if data["make_latest"] not in ("true", "false", "legacy"):
            return invalid("Release", "make_latest")
        fields["make_latest"] = data["make_latest"]
    tag = fields.get("tag_name")
    if tag is not None and (not tag or _TAG_FORBIDDEN.search(tag)):
        return invalid("Release", "tag_name")
    if len(fields.get("body") or "") > RELEASE_BODY_LIMIT:
        reply = invalid("Release", "body", "custom")
        reply.payload["errors"][0]["message"] = f"body is too long (maximum is {RELEASE_BODY_LIMIT} characters)"
        return reply
    return fields


def _tag_taken(repo: StubRepo, tag: str, other_than: int | None = None) -> bool:
    """Whether a published release already has ``tag`` (drafts do not hold a tag: two drafts may share one)."""
    return any(
        r["tag_name"] == tag and not r["draft"] and release_id != other_than for release_id, r in repo.releases.items()
    )


def list_releases(call: Call) -> Reply:
    """GET /repos/{owner}/{repo}/releases: newest first, drafts included (the stub's viewer may push)."""
    items = [call.repo.release_json(release_id) for release_id in call.repo.releases]
    items.sort(key=_sort_key("created_at"), reverse=True)
    return _paginate(call, items, "/releases")


def create_release(call: Call) -> Reply:
    """POST /repos/{owner}/{repo}/releases: 422 already_exists when a published release has the tag."""
    data = call.json_body()
    if isinstance(data, Reply):
        return data
    fields = _release_fields(data, creating=True)
    if isinstance(fields, Reply):
        return fields
    if _tag_taken(call.repo, fields["tag_name"]):
        return invalid("Release", "tag_name", "already_exists")
    release = call.repo.add_release(
        fields["tag_name"],
        fields.get("name"),
        fields.get("body"),
        draft=fields.get("draft", False),
        prerelease=fields.get("prerelease", False),
        target=fields.get("target_commitish", "main"),
        make_latest=fields.get("make_latest", "true"),
    )
    return Reply(201, release, {"Location": release["url"]}, last_modified=parse_iso(release["updated_at"]))


def get_release(call: Call) -> Reply:
    """GET /repos/{owner}/{repo}/releases/{release_id} (drafts too)."""
    found = _release(call)
    if isinstance(found, Reply):
        return found
    release = call.repo.release_json(found["id"])
    return Reply(200, release, last_modified=parse_iso(release["updated_at"]), single=True)


def get_release_by_tag(call: Call) -> Reply:
    """GET /repos/{owner}/{repo}/releases/tags/{tag}: published releases only, as on GitHub."""
    release = call.repo.published_release(call.params["tag"])
    if release is None:
        return not_found()
    return Reply(200, release, last_modified=parse_iso(release["updated_at"]), single=True)


def get_latest_release(call: Call) -> Reply:
    """GET /repos/{owner}/{repo}/releases/latest: the release last made latest, else the newest published one."""
    latest = call.repo.latest_release
    if latest is None:
        published = [r for r in call.repo.releases.values() if not r["draft"] and not r["prerelease"]]
        if not published:
            return not_found()
        latest = max(published, key=lambda r: (r["published_at"], r["id"]))["id"]
    release = call.repo.release_json(latest)
    return Reply(200, release, last_modified=parse_iso(release["updated_at"]), single=True)


def edit_release(call: Call) -> Reply:
    """PATCH /repos/{owner}/{repo}/releases/{release_id}: publishing a draft whose tag is taken is 422."""
    found = _release(call)
    if isinstance(found, Reply):
        return found
    data = call.json_body()
    if isinstance(data, Reply):
        return data
    fields = _release_fields(data, creating=False)
    if isinstance(fields, Reply):
        return fields
    tag = fields.get("tag_name", found["tag_name"])
    published = not fields.get("draft", found["draft"])
    if published and _tag_taken(call.repo, tag, other_than=found["id"]):
        return invalid("Release", "tag_name", "already_exists")
    release = call.repo.edit_release(found["id"], fields)
    return Reply(200, release, last_modified=parse_iso(release["updated_at"]))


def delete_release(call: Call) -> Reply:
    """DELETE /repos/{owner}/{repo}/releases/{release_id}."""
    found = _release(call)
    if isinstance(found, Reply):
        return found
    call.repo.delete_release(found["id"])
    return Reply(204)


def list_release_assets(call: Call) -> Reply:
    """GET /repos/{owner}/{repo}/releases/{release_id}/assets (half-uploaded ones too, oldest first)."""
    found = _release(call)
    if isinstance(found, Reply):
        return found
    return _paginate(call, call.repo.release_assets(found["id"]), f"/releases/{found['id']}/assets")


def get_release_asset(call: Call) -> Reply:
    """GET /repos/{owner}/{repo}/releases/assets/{asset_id} (the JSON; the stub serves no file download)."""
    asset = call.repo.assets.get(int(call.params["asset_id"]))
    if asset is None:
        return not_found()
    return Reply(200, asset, last_modified=parse_iso(asset["updated_at"]), single=True)


def edit_release_asset(call: Call) -> Reply:
    """PATCH /repos/{owner}/{repo}/releases/assets/{asset_id}: name and label; a name another asset has is 422."""
    asset_id = int(call.params["asset_id"])
    if asset_id not in call.repo.assets:
        return not_found()
    data = call.json_body()
    if isinstance(data, Reply):
        return data
    changes: dict[str, Any] = {}
    for name in ("name", "label"):
        if name in data:
            if not isinstance(data[name], str) or (name == "name" and not data[name]):
                return invalid("ReleaseAsset", name)
            changes[name] = data[name]
    siblings = call.repo.release_assets(call.repo.asset_release(asset_id))
    if any(a["name"] == changes.get("name") and a["id"] != asset_id for a in siblings):
        return invalid("ReleaseAsset", "name", "already_exists")
    asset = call.repo.edit_asset(asset_id, changes)
    return Reply(200, asset, last_modified=parse_iso(asset["updated_at"]))


def delete_release_asset(call: Call) -> Reply:
    """DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}."""
    asset_id = int(call.params["asset_id"])
    if asset_id not in call.repo.assets:
        return not_found()
    call.repo.delete_asset(asset_id)
    return Reply(204)


def upload_release_asset(call: Call) -> Reply:
    """POST <uploads>/repos/{owner}/{repo}/releases/{release_id}/assets?name=&label=: the file is the request body.

    A name already used on the release (by a complete or a half-uploaded asset) is 422 already_exists; an upload
    that ``break_uploads`` asked to fail leaves a "starter" asset and answers 502.
    """
    found = _release(call)
    if isinstance(found, Reply):
        return found
    name = call.arg("name")
    if not name:
        return invalid("ReleaseAsset", "name", "missing_field")
    content_type = call.headers.get("content-type")
    if not content_type:
        return invalid("ReleaseAsset", "content_type", "missing_field")
    if any(asset["name"] == name for asset in call.repo.release_assets(found["id"])):
        return invalid("ReleaseAsset", "name", "already_exists")
    if call.repo.take_broken_upload():
        call.repo.add_asset(found["id"], name, call.body, content_type, label=call.arg("label"), state="starter")
        return error(502, "Server Error")
    asset = call.repo.add_asset(found["id"], name, call.body, content_type, label=call.arg("label"))
    return Reply(201, asset, last_modified=parse_iso(asset["updated_at"]))


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
        ("GET", "/releases", list_releases),
        ("POST", "/releases", create_release),
        ("GET", "/releases/latest", get_latest_release),
        ("GET", "/releases/tags/(?P<tag>[^/]+)", get_release_by_tag),
        ("GET", r"/releases/assets/(?P<asset_id>\d+)", get_release_asset),
        ("PATCH", r"/releases/assets/(?P<asset_id>\d+)", edit_release_asset),
        ("DELETE", r"/releases/assets/(?P<asset_id>\d+)", delete_release_asset),
        ("GET", r"/releases/(?P<release_id>\d+)", get_release),
        ("PATCH", r"/releases/(?P<release_id>\d+)", edit_release),
        ("DELETE", r"/releases/(?P<release_id>\d+)", delete_release),
        ("GET", r"/releases/(?P<release_id>\d+)/assets", list_release_assets),
    ]
]
#: Served under UPLOADS_PREFIX only, as GitHub serves uploads on their own host.
UPLOAD_ROUTES: list[tuple[str, re.Pattern[str], Callable[[Call], Reply]]] = [
    ("POST", re.compile(f"^{REPO}" + r"/releases/(?P<release_id>\d+)/assets$"), upload_release_asset),
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


def dispatch(
    world: World, method: str, path: str, raw_query: str, body: bytes, headers: dict[str, str] | None = None
) -> Reply:
    """Route one request (``/rate_limit`` is answered by the server, which owns the counters)."""
    if method == "GET" and path in ("", "/"):
        return Reply(200, root(world), last_modified=world.now())
    trimmed = path.rstrip("/") or "/"
    routes = ROUTES
    if trimmed.startswith(f"{UPLOADS_PREFIX}/"):
        trimmed, routes = trimmed.removeprefix(UPLOADS_PREFIX), UPLOAD_ROUTES
    for route_method, pattern, handler in routes:
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
        return handler(Call(world, method, repo, params, query, raw_query, body, headers or {}))
    reply = not_found()
    reply.note = f"{method} {path}: the stub does not implement this endpoint"
    return reply
