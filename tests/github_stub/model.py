"""The stub's GitHub state: a clock, users, repositories, and issues/comments kept as the exact JSON GitHub serves."""

from __future__ import annotations

import base64
import enum
import hashlib
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

JSON = dict[str, Any]

START = datetime(2020, 9, 13, tzinfo=timezone.utc)
#: Where the stub takes release asset uploads: a path of its own host, as GitHub Enterprise Server does
#: (PyGithub sends a token only to its API host and port, or to a sibling host such as uploads.github.com).
UPLOADS_PREFIX = "/api/uploads"
#: GitHub refuses a longer release body.
RELEASE_BODY_LIMIT = 125_000
STATES = ("open", "closed")
STATE_REASONS = ("completed", "reopened", "not_planned", "duplicate", None)


class _Keep(enum.Enum):
    """Marker for "leave this field alone" where ``None`` is a meaningful value (a null body)."""

    KEEP = 0


KEEP = _Keep.KEEP


def iso(moment: datetime) -> str:
    """Format a datetime the way GitHub does: ``2020-09-13T00:00:01Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 timestamp (``Z``, an offset, or naive meaning UTC); raise ValueError when malformed."""
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        # datetime.fromisoformat only learned "Z" in Python 3.11; the project supports 3.10.
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def node_id(kind: str, number: int) -> str:
    """A stable opaque GraphQL node id shaped like GitHub's ``PREFIX_base64`` ids."""
    return f"{kind}_" + base64.urlsafe_b64encode(f"{kind}:{number}".encode()).decode().rstrip("=")


def label_color(name: str) -> str:
    """A deterministic six-digit hex colour for a label."""
    return hashlib.sha1(name.encode()).hexdigest()[:6]


def reactions(url: str) -> JSON:
    """An empty reaction rollup."""
    counts = dict.fromkeys(("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"), 0)
    return {"url": url, "total_count": 0, **counts}


class World:
    """Everything the stub knows, guarded by one re-entrant lock that the HTTP threads share."""

    def __init__(self, base_url: str, viewer: str) -> None:
        """Start the clock at 2020-09-13T00:00:00Z with no repositories."""
        self.lock = threading.RLock()
        self.base_url = base_url
        self.viewer = viewer
        self.repos: dict[int, StubRepo] = {}
        # GitHub's page-size cap is 100; lowered, a test reads several pages of a repository small enough to be fast.
        self.max_per_page = 100
        self._now = START
        self._users: dict[str, int] = {}
        self._counters = {
            "repo": 1296268,
            "issue": 1000,
            "comment": 5000,
            "label": 9000,
            "user": 0,
            "release": 30000,
            "asset": 70000,
        }

    def now(self) -> datetime:
        """The stub's current time (UTC)."""
        with self.lock:
            return self._now

    def tick(self, seconds: float = 1.0) -> datetime:
        """Advance the clock (at least one second per mutation keeps every ``updated_at`` distinct)."""
        with self.lock:
            self._now += timedelta(seconds=max(seconds, 1.0))
            return self._now

    def next_id(self, kind: str) -> int:
        """A fresh id from the ``kind`` sequence (ids are unique across repositories, as on GitHub)."""
        with self.lock:
            self._counters[kind] += 1
            return self._counters[kind]

    def user_id(self, login: str) -> int:
        """The stable id of ``login`` (users spring into existence when first mentioned)."""
        with self.lock:
            if login not in self._users:
                self._users[login] = self.next_id("user")
            return self._users[login]

    def user(self, login: str) -> JSON:
        """A simple-user object."""
        uid = self.user_id(login)
        url = f"{self.base_url}/users/{login}"
        return {
            "login": login,
            "id": uid,
            "node_id": node_id("U", uid),
            "avatar_url": f"{self.base_url}/avatars/u/{uid}?v=4",
            "gravatar_id": "",
            "url": url,
            "html_url": f"{self.base_url}/html/{login}",
            "followers_url": f"{url}/followers",
            "following_url": f"{url}/following{{/other_user}}",
            "gists_url": f"{url}/gists{{/gist_id}}",
            "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{url}/subscriptions",
            "organizations_url": f"{url}/orgs",
            "repos_url": f"{url}/repos",
            "events_url": f"{url}/events{{/privacy}}",
            "received_events_url": f"{url}/received_events",
            "type": "User",
            "user_view_type": "public",
            "site_admin": False,
        }

    def find_repo(self, owner: str, name: str) -> StubRepo | None:
        """The repository ``owner/name`` (case-insensitive, like GitHub), if it exists."""
        with self.lock:
            for repo in self.repos.values():
                if repo.owner.lower() == owner.lower() and repo.name.lower() == name.lower():
                    return repo
            return None

    def add_repo(self, owner: str, name: str) -> StubRepo:
        """Create an empty repository."""
        with self.lock:
            if self.find_repo(owner, name) is not None:
                raise ValueError(f"repository {owner}/{name} already exists")
            repo = StubRepo(self, owner, name, self.next_id("repo"))
            self.repos[repo.id] = repo
            return repo


class StubRepo:
    """One repository: its issues, pull requests, comments and labels, editable from tests and from the API."""

    def __init__(self, world: World, owner: str, name: str, repo_id: int) -> None:
        """An empty repository; use ``GitHubStub.add_repo`` rather than calling this."""
        self.world = world
        self.owner = owner
        self.name = name
        self.id = repo_id
        self.created_at = world.tick()
        # The served JSON itself is the state, so a test can corrupt a field and see it served (and caught).
        self.issues: dict[int, JSON] = {}
        self.comments: dict[int, JSON] = {}
        self.labels: dict[str, JSON] = {}
        self._next_number = 1
        self._deleted: set[int] = set()
        self._moved: dict[int, tuple[StubRepo, int]] = {}
        self._comment_issue: dict[int, int] = {}
        # Releases are kept without their "assets" list, which is assembled from ``assets`` when served.
        self.releases: dict[int, JSON] = {}
        self.assets: dict[int, JSON] = {}
        self.asset_data: dict[int, bytes] = {}
        self._asset_release: dict[int, int] = {}
        self._broken_uploads = 0
        self.latest_release: int | None = None  # what GET .../releases/latest answers ("make_latest")
        #: Where ``upload_url`` sends uploads: this stub's own /api/uploads, unless a test points it elsewhere.
        self.uploads_base: str | None = None

    @property
    def full_name(self) -> str:
        """``owner/name``."""
        return f"{self.owner}/{self.name}"

    @property
    def api_url(self) -> str:
        """The repository's API URL (``/repos/owner/name`` form, as GitHub's ``url`` fields use)."""
        return f"{self.world.base_url}/repos/{self.owner}/{self.name}"

    @property
    def html_url(self) -> str:
        """The repository's web URL (on the stub, never a real host)."""
        return f"{self.world.base_url}/html/{self.owner}/{self.name}"

    # -- fixtures: the calls tests make to arrange state --

    def add_issue(
        self,
        title: str,
        body: str | None = None,
        labels: Iterable[str] = (),
        state: str = "open",
        user: str | None = None,
        assignees: Iterable[str] = (),
    ) -> int:
        """Open (or directly close) an issue; return its number."""
        return int(self.create(title, body, list(labels), state=state, user=user, assignees=list(assignees))["number"])

    def add_pull_request(
        self,
        title: str,
        body: str | None = None,
        labels: Iterable[str] = (),
        state: str = "open",
        user: str | None = None,
    ) -> int:
        """Open a pull request (it shares the issue number sequence and shows up in issue lists); return its number."""
        return int(self.create(title, body, list(labels), state=state, user=user, pull_request=True)["number"])

    def edit_issue(
        self,
        number: int,
        *,
        title: str | _Keep = KEEP,
        body: str | _Keep | None = KEEP,
        labels: Iterable[str] | None = None,
        state: str | None = None,
        state_reason: str | _Keep | None = KEEP,
        assignees: Iterable[str] | None = None,
    ) -> JSON:
        """Change any subset of an issue's fields (bumps ``updated_at``); return the issue JSON."""
        changes: dict[str, Any] = {}
        if title is not KEEP:
            changes["title"] = title
        if body is not KEEP:
            changes["body"] = body
        if labels is not None:
            changes["labels"] = list(labels)
        if state is not None:
            changes["state"] = state
        if state_reason is not KEEP:
            changes["state_reason"] = state_reason
        if assignees is not None:
            changes["assignees"] = list(assignees)
        return self.update(number, changes)

    def delete_issue(self, number: int) -> None:
        """Delete an issue and its comments; the API answers 410 Gone for it afterwards."""
        with self.world.lock:
            self._existing(number)
            self.world.tick()
            del self.issues[number]
            self._deleted.add(number)
            for cid in [cid for cid, n in self._comment_issue.items() if n == number]:
                del self.comments[cid], self._comment_issue[cid]

    def transfer_issue(self, number: int, other: StubRepo) -> int:
        """Move an issue (with its comments) to ``other``; the old URL answers 301. Return the new number.

        As on GitHub, the id and node_id stay, ``created_at`` stays, and only labels that ``other`` already has
        (same name, any case) are kept.
        """
        with self.world.lock:
            issue = self._existing(number)
            if "pull_request" in issue:
                raise ValueError("pull requests cannot be transferred")
            if other is self:
                raise ValueError("cannot transfer an issue to its own repository")
            now = self.world.tick()
            new_number = other._take_number()
            del self.issues[number]
            self._moved[number] = (other, new_number)
            known = {name.lower(): label for name, label in other.labels.items()}
            issue["labels"] = [
                dict(known[lab["name"].lower()]) for lab in issue["labels"] if lab["name"].lower() in known
            ]
            issue.update(other._issue_urls(new_number, pull_request=False), number=new_number, updated_at=iso(now))
            other.issues[new_number] = issue
            for cid in [cid for cid, n in self._comment_issue.items() if n == number]:
                comment = self.comments.pop(cid)
                del self._comment_issue[cid]
                comment.update(other._comment_urls(cid, new_number))
                other.comments[cid] = comment
                other._comment_issue[cid] = new_number
            return new_number

    def add_comment(self, number: int, body: str, user: str | None = None) -> int:
        """Comment on an issue (bumps its ``updated_at`` and ``comments`` count); return the comment id."""
        return int(self.comment(number, body, user)["id"])

    def edit_comment(self, comment_id: int, body: str) -> JSON:
        """Change a comment's body (bumps the comment's ``updated_at``, not the issue's)."""
        with self.world.lock:
            comment = self.comments[comment_id]
            comment.update(body=body, updated_at=iso(self.world.tick()))
            return comment

    def delete_comment(self, comment_id: int) -> None:
        """Delete a comment (the issue's ``comments`` count drops and its ``updated_at`` moves)."""
        with self.world.lock:
            number = self._comment_issue.pop(comment_id)
            del self.comments[comment_id]
            issue = self.issues[number]
            issue.update(comments=issue["comments"] - 1, updated_at=iso(self.world.tick()))

    # -- operations shared by the fixtures and the HTTP API --

    def create(
        self,
        title: str,
        body: str | None,
        labels: list[str],
        *,
        state: str = "open",
        user: str | None = None,
        assignees: list[str] | None = None,
        pull_request: bool = False,
    ) -> JSON:
        """Create an issue or pull request and return its JSON (unknown labels are created)."""
        if state not in STATES:
            raise ValueError(f"state must be one of {STATES}, not {state!r}")
        with self.world.lock:
            now = iso(self.world.tick())
            number = self._take_number()
            issue_id = self.world.next_id("issue")
            author = user or self.owner
            people = [self.world.user(login) for login in assignees or []]
            issue: JSON = {
                **self._issue_urls(number, pull_request=pull_request),
                "id": issue_id,
                "node_id": node_id("PR" if pull_request else "I", issue_id),
                "number": number,
                "title": title,
                "user": self.world.user(author),
                "labels": [self.ensure_label(name) for name in dict.fromkeys(labels)],
                "state": state,
                "locked": False,
                "assignee": people[0] if people else None,
                "assignees": people,
                "milestone": None,
                "comments": 0,
                "created_at": now,
                "updated_at": now,
                "closed_at": now if state == "closed" else None,
                "author_association": self._association(author),
                "type": None,
                "active_lock_reason": None,
                "sub_issues_summary": {"total": 0, "completed": 0, "percent_completed": 0},
                "issue_dependencies_summary": {
                    "blocked_by": 0,
                    "blocking": 0,
                    "total_blocked_by": 0,
                    "total_blocking": 0,
                },
                "body": body,
                "performed_via_github_app": None,
                "state_reason": "completed" if state == "closed" else None,
            }
            if pull_request:
                issue["draft"] = False
            self.issues[number] = issue
            return issue

    def update(self, number: int, changes: dict[str, Any]) -> JSON:
        """Apply validated ``changes`` (title, body, state, state_reason, labels, assignees) and bump ``updated_at``."""
        with self.world.lock:
            issue = self._existing(number)
            now = iso(self.world.tick())
            if "title" in changes:
                issue["title"] = changes["title"]
            if "body" in changes:
                issue["body"] = changes["body"]
            if "labels" in changes:
                issue["labels"] = [self.ensure_label(name) for name in dict.fromkeys(changes["labels"])]
            if "assignees" in changes:
                people = [self.world.user(login) for login in changes["assignees"]]
                issue.update(assignees=people, assignee=people[0] if people else None)
            state = changes.get("state", issue["state"])
            if state not in STATES:
                raise ValueError(f"state must be one of {STATES}, not {state!r}")
            if state != issue["state"]:
                closing = state == "closed"
                reason = (changes.get("state_reason") or "completed") if closing else "reopened"
                issue.update(state=state, closed_at=now if closing else None, state_reason=reason)
            elif "state_reason" in changes:
                issue["state_reason"] = changes["state_reason"]
            issue["updated_at"] = now
            return issue

    def comment(self, number: int, body: str, user: str | None = None) -> JSON:
        """Add a comment to an existing issue and return its JSON."""
        with self.world.lock:
            issue = self._existing(number)
            now = iso(self.world.tick())
            cid = self.world.next_id("comment")
            author = user or self.owner
            comment: JSON = {
                **self._comment_urls(cid, number),
                "id": cid,
                "node_id": node_id("IC", cid),
                "user": self.world.user(author),
                "created_at": now,
                "updated_at": now,
                "author_association": self._association(author),
                "body": body,
                "performed_via_github_app": None,
            }
            self.comments[cid] = comment
            self._comment_issue[cid] = number
            issue.update(comments=issue["comments"] + 1, updated_at=now)
            return comment

    def ensure_label(self, name: str) -> JSON:
        """The label object for ``name`` (matched case-insensitively), created if the repository lacks it."""
        with self.world.lock:
            for label in self.labels.values():
                if label["name"].lower() == name.lower():
                    return dict(label)
            label_id = self.world.next_id("label")
            self.labels[name] = {
                "id": label_id,
                "node_id": node_id("LA", label_id),
                "url": f"{self.api_url}/labels/{quote(name, safe='')}",
                "name": name,
                "color": label_color(name),
                "default": False,
                "description": None,
            }
            return dict(self.labels[name])

    def comment_issue(self, comment_id: int) -> int:
        """The number of the issue a comment belongs to."""
        with self.world.lock:
            return self._comment_issue[comment_id]

    def fate(self, number: int) -> JSON | tuple[StubRepo, int] | str:
        """Issue ``number``'s JSON, the (repo, number) it was transferred to, ``"gone"`` or ``"missing"``."""
        with self.world.lock:
            if number in self.issues:
                return self.issues[number]
            if number in self._deleted:
                return "gone"
            if number in self._moved:
                repo, moved_to = self._moved[number]
                # Follow chains of transfers to the issue's current home, as GitHub's redirect does.
                found = repo.fate(moved_to)
                return (repo, moved_to) if isinstance(found, dict) else found
            return "missing"

    def to_json(self) -> JSON:
        """The full-repository object."""
        with self.world.lock:
            api, html = self.api_url, self.html_url
            created = iso(self.created_at)
            open_count = sum(1 for issue in self.issues.values() if issue["state"] == "open")
            owner = self.world.user(self.owner)
            return {
                "id": self.id,
                "node_id": node_id("R", self.id),
                "name": self.name,
                "full_name": self.full_name,
                "private": False,
                "owner": owner,
                "html_url": html,
                "description": None,
                "fork": False,
                "url": api,
                "forks_url": f"{api}/forks",
                "keys_url": f"{api}/keys{{/key_id}}",
                "collaborators_url": f"{api}/collaborators{{/collaborator}}",
                "teams_url": f"{api}/teams",
                "hooks_url": f"{api}/hooks",
                "issue_events_url": f"{api}/issues/events{{/number}}",
                "events_url": f"{api}/events",
                "assignees_url": f"{api}/assignees{{/user}}",
                "branches_url": f"{api}/branches{{/branch}}",
                "tags_url": f"{api}/tags",
                "blobs_url": f"{api}/git/blobs{{/sha}}",
                "git_tags_url": f"{api}/git/tags{{/sha}}",
                "git_refs_url": f"{api}/git/refs{{/sha}}",
                "trees_url": f"{api}/git/trees{{/sha}}",
                "statuses_url": f"{api}/statuses/{{sha}}",
                "languages_url": f"{api}/languages",
                "stargazers_url": f"{api}/stargazers",
                "contributors_url": f"{api}/contributors",
                "subscribers_url": f"{api}/subscribers",
                "subscription_url": f"{api}/subscription",
                "commits_url": f"{api}/commits{{/sha}}",
                "git_commits_url": f"{api}/git/commits{{/sha}}",
                "comments_url": f"{api}/comments{{/number}}",
                "issue_comment_url": f"{api}/issues/comments{{/number}}",
                "contents_url": f"{api}/contents/{{+path}}",
                "compare_url": f"{api}/compare/{{base}}...{{head}}",
                "merges_url": f"{api}/merges",
                "archive_url": f"{api}/{{archive_format}}{{/ref}}",
                "downloads_url": f"{api}/downloads",
                "issues_url": f"{api}/issues{{/number}}",
                "pulls_url": f"{api}/pulls{{/number}}",
                "milestones_url": f"{api}/milestones{{/number}}",
                "notifications_url": f"{api}/notifications{{?since,all,participating}}",
                "labels_url": f"{api}/labels{{/name}}",
                "releases_url": f"{api}/releases{{/id}}",
                "deployments_url": f"{api}/deployments",
                "created_at": created,
                "updated_at": created,
                "pushed_at": created,
                "git_url": f"{html}.git".replace("http://", "git://", 1),
                "ssh_url": f"git@127.0.0.1:{self.full_name}.git",
                "clone_url": f"{html}.git",
                "svn_url": html,
                "homepage": None,
                "size": 0,
                "stargazers_count": 0,
                "watchers_count": 0,
                "language": None,
                "has_issues": True,
                "has_projects": False,
                "has_downloads": False,
                "has_wiki": False,
                "has_pages": False,
                "has_discussions": False,
                "forks_count": 0,
                "mirror_url": None,
                "archived": False,
                "disabled": False,
                "open_issues_count": open_count,
                "license": None,
                "allow_forking": True,
                "is_template": False,
                "web_commit_signoff_required": False,
                "topics": [],
                "visibility": "public",
                "forks": 0,
                "open_issues": open_count,
                "watchers": 0,
                "default_branch": "main",
                "permissions": {"admin": True, "maintain": True, "push": True, "triage": True, "pull": True},
                "temp_clone_token": None,
                "network_count": 0,
                "subscribers_count": 0,
            }

    # -- releases and their assets --

    def add_release(
        self,
        tag: str,
        name: str | None = None,
        body: str | None = None,
        *,
        draft: bool = False,
        prerelease: bool = False,
        target: str = "main",
        make_latest: str = "true",
    ) -> JSON:
        """Create a release (no checks: a test may make two drafts with one tag, as GitHub allows); return its JSON.

        A published full release becomes the latest one unless ``make_latest`` is "false".
        """
        with self.world.lock:
            now = iso(self.world.tick())
            release_id = self.world.next_id("release")
            release: JSON = {
                "id": release_id,
                "node_id": node_id("RE", release_id),
                "author": self.world.user(self.world.viewer),
                "tag_name": tag,
                "target_commitish": target,
                "name": name,
                "body": body,
                "draft": draft,
                "prerelease": prerelease,
                "immutable": False,
                "created_at": now,
                "updated_at": now,
                "published_at": None if draft else now,
            }
            self.releases[release_id] = release
            if not draft and not prerelease and make_latest != "false":
                self.latest_release = release_id
            self._refresh_release(release_id)
            return self.release_json(release_id)

    def edit_release(self, release_id: int, changes: dict[str, Any]) -> JSON:
        """Apply validated ``changes`` (tag_name, target_commitish, name, body, draft, prerelease, make_latest).

        Publishing a draft makes it the latest release unless ``make_latest`` is "false"; "true" always does.
        """
        with self.world.lock:
            release = self.releases[release_id]
            now = iso(self.world.tick())
            was_draft = release["draft"]
            changes = dict(changes)
            make_latest = changes.pop("make_latest", None)
            release.update(changes, updated_at=now)
            if was_draft and not release["draft"]:
                release["published_at"] = now
            published = not release["draft"] and not release["prerelease"]
            if published and (make_latest == "true" or (was_draft and make_latest != "false")):
                self.latest_release = release_id
            if release["draft"]:
                release["published_at"] = None
            self._refresh_release(release_id)
            return self.release_json(release_id)

    def delete_release(self, release_id: int) -> None:
        """Delete a release and its assets."""
        with self.world.lock:
            del self.releases[release_id]
            if self.latest_release == release_id:
                self.latest_release = None
            for asset_id in [a for a, r in self._asset_release.items() if r == release_id]:
                self.delete_asset(asset_id)

    def release_json(self, release_id: int) -> JSON:
        """The release as GitHub serves it, its assets (half-uploaded ones too) included."""
        with self.world.lock:
            return {**self.releases[release_id], "assets": self.release_assets(release_id)}

    def release_assets(self, release_id: int) -> list[JSON]:
        """The assets of a release, oldest first."""
        with self.world.lock:
            return [self.assets[a] for a, r in sorted(self._asset_release.items()) if r == release_id]

    def published_release(self, tag: str) -> JSON | None:
        """The published release with ``tag`` (what GitHub's lookup by tag finds: never a draft)."""
        with self.world.lock:
            for release_id, release in self.releases.items():
                if release["tag_name"] == tag and not release["draft"]:
                    return self.release_json(release_id)
            return None

    def add_asset(
        self,
        release_id: int,
        name: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        *,
        label: str | None = None,
        state: str = "uploaded",
    ) -> JSON:
        """Attach a file to a release; ``state="starter"`` makes the half-uploaded asset a failed upload leaves."""
        with self.world.lock:
            now = iso(self.world.tick())
            asset_id = self.world.next_id("asset")
            complete = state == "uploaded"
            self.assets[asset_id] = {
                "url": f"{self.api_url}/releases/assets/{asset_id}",
                "browser_download_url": "",
                "id": asset_id,
                "node_id": node_id("RA", asset_id),
                "name": name,
                "label": label,
                "state": state,
                "content_type": content_type,
                "size": len(data) if complete else 0,
                "digest": "sha256:" + hashlib.sha256(data).hexdigest() if complete else None,
                "download_count": 0,
                "created_at": now,
                "updated_at": now,
                "uploader": self.world.user(self.world.viewer),
            }
            self.asset_data[asset_id] = data if complete else b""
            self._asset_release[asset_id] = release_id
            self._refresh_release(release_id)
            return self.assets[asset_id]

    def edit_asset(self, asset_id: int, changes: dict[str, Any]) -> JSON:
        """Apply validated ``changes`` (name, label) to an asset; return its JSON."""
        with self.world.lock:
            asset = self.assets[asset_id]
            asset.update(changes, updated_at=iso(self.world.tick()))
            self._refresh_release(self._asset_release[asset_id])
            return asset

    def asset_release(self, asset_id: int) -> int:
        """The id of the release an asset belongs to."""
        with self.world.lock:
            return self._asset_release[asset_id]

    def delete_asset(self, asset_id: int) -> None:
        """Remove an asset."""
        with self.world.lock:
            del self.assets[asset_id], self.asset_data[asset_id], self._asset_release[asset_id]

    def break_uploads(self, count: int = 1) -> None:
        """Make the next ``count`` uploads fail part-way: each leaves a half-uploaded asset (state "starter")."""
        with self.world.lock:
            self._broken_uploads += count

    def take_broken_upload(self) -> bool:
        """Whether this upload is one of those ``break_uploads`` asked for (and count it)."""
        with self.world.lock:
            if self._broken_uploads <= 0:
                return False
            self._broken_uploads -= 1
            return True

    def _refresh_release(self, release_id: int) -> None:
        """The URL fields of a release and its assets, which follow its tag and draft state."""
        release = self.releases[release_id]
        api, tag = self.api_url, quote(release["tag_name"], safe="")
        # A draft has no tag yet: GitHub shows it under a made-up "untagged-…" name.
        shown_tag = f"untagged-{hashlib.sha1(str(release_id).encode()).hexdigest()[:20]}" if release["draft"] else tag
        release.update(
            url=f"{api}/releases/{release_id}",
            assets_url=f"{api}/releases/{release_id}/assets",
            upload_url=f"{self.uploads_base or self.world.base_url + UPLOADS_PREFIX}/repos/{self.owner}/{self.name}"
            f"/releases/{release_id}/assets{{?name,label}}",
            html_url=f"{self.html_url}/releases/tag/{shown_tag}",
            tarball_url=None if release["draft"] else f"{api}/tarball/{tag}",
            zipball_url=None if release["draft"] else f"{api}/zipball/{tag}",
        )
        for asset_id, owner in self._asset_release.items():
            if owner == release_id:
                name = quote(self.assets[asset_id]["name"], safe="")
                self.assets[asset_id]["browser_download_url"] = f"{self.html_url}/releases/download/{shown_tag}/{name}"

    # -- internals --

    def _existing(self, number: int) -> JSON:
        """The live issue ``number``; KeyError when it does not exist here (never did, deleted or transferred)."""
        if number not in self.issues:
            raise KeyError(f"{self.full_name} has no issue #{number}")
        return self.issues[number]

    def _take_number(self) -> int:
        """The next issue/pull-request number."""
        with self.world.lock:
            number = self._next_number
            self._next_number += 1
            return number

    def _association(self, login: str) -> str:
        """``author_association`` for ``login`` in this repository."""
        if login.lower() == self.owner.lower():
            return "OWNER"
        return "COLLABORATOR" if login == self.world.viewer else "NONE"

    def _issue_urls(self, number: int, *, pull_request: bool) -> JSON:
        """The URL fields of issue ``number`` in this repository."""
        url = f"{self.api_url}/issues/{number}"
        html = f"{self.html_url}/{'pull' if pull_request else 'issues'}/{number}"
        urls: JSON = {
            "url": url,
            "repository_url": self.api_url,
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": html,
            "timeline_url": f"{url}/timeline",
            "reactions": reactions(f"{url}/reactions"),
        }
        if pull_request:
            urls["pull_request"] = {
                "url": f"{self.api_url}/pulls/{number}",
                "html_url": html,
                "diff_url": f"{html}.diff",
                "patch_url": f"{html}.patch",
                "merged_at": None,
            }
        return urls

    def _comment_urls(self, comment_id: int, number: int) -> JSON:
        """The URL fields of a comment on issue ``number`` in this repository."""
        return {
            "url": f"{self.api_url}/issues/comments/{comment_id}",
            "html_url": f"{self.html_url}/issues/{number}#issuecomment-{comment_id}",
            "issue_url": f"{self.api_url}/issues/{number}",
            "reactions": reactions(f"{self.api_url}/issues/comments/{comment_id}/reactions"),
        }
