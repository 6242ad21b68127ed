"""Publish a week as a GitHub Release: prepare the texts, plan against what GitHub has, then apply.

One release per week, found by its tag (``release.tag`` in ``ghdigest.yml``); its name is the
digest's title, its body the week's Markdown, and the week's ``.md`` and ``.json`` (the week's
content API document) files are attached as assets. Running it again changes only what differs,
so a settled week costs reads and no write. A new release is created as a draft and published
once its assets are attached, so neither readers nor workflows triggered by "release published"
see it half made.

Never a second release or asset: GitHub's lookup by tag does not see drafts, so a release that
is not found by tag is looked for in the full list before one is created; a create or upload
whose outcome is unknown (a 5xx, a dropped connection, a cut-off answer) is followed by a look
at what GitHub now has before anything is sent again. GitHub refuses a second asset of one name,
so same-name assets go, half-uploaded ones (state "starter") included. In a published release a
changed file is first uploaded under a staging name (``<name>.new``); only then is the old one
deleted and the new one renamed, so readers never find the release without its file for longer
than that rename takes, and a failed upload leaves the old file in place.

When the feeds link to the repository's releases (``repo`` and no ``site_url``), the release also
carries them (``atom.xml``, ``rss.xml``, ``feed.json``), holding this week and earlier ones: the
release GitHub marks Latest serves them at ``…/releases/latest/download/<file>``.

The body is made safe first: ``@mentions`` are neutralised (a release pings no one) and a body
over GitHub's limit is cut at an entry boundary, with a link to the full ``.md`` asset.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

from ghdigest.build import release_feeds, render_site
from ghdigest.config import Config
from ghdigest.content import check_content
from ghdigest.github import (
    AssetExists,
    GitHubError,
    RateLimited,
    ReleaseApi,
    ReleaseExists,
    WriteOutcomeUnknown,
)
from ghdigest.mentions import closes_fence, count_mentions, fence_opening, neutralise_mentions
from ghdigest.models import Language
from ghdigest.plan import choose_week, plan_digests
from ghdigest.render.feed import ATOM_FILE, JSON_FEED_FILE, RSS_FILE
from ghdigest.render.markdown import page_name

#: GitHub refuses a release body longer than this ("body is too long (maximum is 125000 characters)").
BODY_LIMIT = 125_000
MARKDOWN_TYPE = "text/markdown; charset=utf-8"
JSON_TYPE = "application/json"
FEED_TYPES = {
    ATOM_FILE: "application/atom+xml",
    RSS_FILE: "application/rss+xml",
    JSON_FEED_FILE: "application/feed+json",
}
_ATTEMPTS = 3
#: Longest pause GitHub may ask for between writes before release gives up, in seconds.
_MAX_WRITE_WAIT = 300.0


# --------------------------------------------------------------------------- body length


def github_length(text: str) -> int:
    """The length of ``text`` as GitHub counts it against the limit: in characters (code points)."""
    return len(text)


_CUT_NOTICE: dict[Language, str] = {
    "en": "This digest is longer than a GitHub release can hold, so it stops here. The full digest: {link}",
    "ja": "このダイジェストは GitHub のリリースに収まらない長さのため、ここまでの掲載です。全文: {link}",
    "zh": "本期摘要超出了 GitHub 发布说明的长度上限，只显示到这里。全文: {link}",  # noqa: RUF001
}
_HEADING = re.compile(r"^ {0,3}#{1,3}(?:[ \t]|$)")


def cut_notice(asset_name: str, url: str, language: Language = "en") -> str:
    """The text that ends a cut body: a rule, then a sentence linking to the full digest."""
    link = f"[{asset_name}]({url})"
    return f"\n\n---\n\n*{_CUT_NOTICE[language].format(link=link)}*\n"


def _open_fence(markdown: str) -> str | None:
    """The fence of a code block that ``markdown`` leaves open, if any."""
    fence: str | None = None
    for line in markdown.splitlines():
        if fence is None:
            fence = fence_opening(line)
        elif closes_fence(line, fence):
            fence = None
    return fence


def cut_body(markdown: str, asset_name: str, url: str, language: Language = "en", limit: int = BODY_LIMIT) -> str:
    """``markdown`` if it fits in ``limit``, else its longest start ending at an entry boundary plus a link to ``url``.

    Entry boundaries are the starts of headings (``##`` sections, ``###`` entries) outside code
    that do not follow another heading. When even the first entry does not fit, the cut falls at
    the last paragraph, else line, that does.
    """
    if github_length(markdown) <= limit:
        return markdown
    notice = cut_notice(asset_name, url, language)
    room = limit - github_length(notice)
    lines = markdown.splitlines(keepends=True)
    headings: list[int] = []  # where an entry (or a section) starts: the line's index
    paragraphs: list[int] = []  # lines that follow a blank line
    starts: list[int] = []  # any line outside code
    lengths = [0]  # GitHub length of the lines before each index
    fence: str | None = None
    after_heading = False
    for index, line in enumerate(lines):
        body = line.rstrip("\r\n")
        if fence is not None:
            if closes_fence(body, fence):
                fence = None
        else:
            if index > 0:
                starts.append(index)
                if not lines[index - 1].strip():
                    paragraphs.append(index)
                if _HEADING.match(body) and not after_heading:
                    headings.append(index)  # never right under a heading, which would be left empty
            fence = fence_opening(body)
            if body.strip():
                after_heading = _HEADING.match(body) is not None
        lengths.append(lengths[-1] + github_length(line))
    for candidates in (headings, paragraphs, starts):
        fitting = [index for index in candidates if lengths[index] <= room]
        if fitting:
            return "".join(lines[: max(fitting)]).rstrip() + notice
    # Not even the first line fits: cut inside it, closing a code block left open.
    text = markdown[:room].rstrip()
    while True:
        fence = _open_fence(text)
        closed = text + (f"\n{fence}" if fence else "")
        if github_length(closed) <= room:
            return closed + notice
        text = text[: room - github_length(closed) + len(text)].rstrip()


# --------------------------------------------------------------------------- what to publish


@dataclass(frozen=True)
class Asset:
    """A file attached to the release."""

    name: str
    data: bytes
    content_type: str

    @property
    def digest(self) -> str:
        """The digest GitHub shows for the uploaded file: ``sha256:<hex>``."""
        return "sha256:" + hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class ReleaseContent:
    """Everything a week's release is made of, before GitHub is asked anything."""

    week: str
    tag: str
    name: str
    body: str
    assets: tuple[Asset, ...]
    body_cut: bool = False
    mentions: int = 0
    """Mentions neutralised in the body."""
    notices: tuple[str, ...] = ()
    newest: bool = True
    """No newer week with entries has ended: publishing makes this GitHub's "Latest" release."""


def download_url(web_url: str, repo: str, tag: str, name: str) -> str:
    """The address of a release asset: ``<web>/OWNER/NAME/releases/download/<tag>/<name>``."""
    return f"{web_url.rstrip('/')}/{repo}/releases/download/{quote(tag, safe='')}/{quote(name, safe='')}"


def prepare_release(config: Config, week_text: str, *, repo: str, web_url: str, today: dt.date) -> ReleaseContent:
    """The release of week ``week_text`` (an id or ``latest``); ContentError or NothingToBuild when there is none."""
    content = check_content(config)
    week = choose_week(content, week_text, today)
    files = render_site(content, week, repo=repo, web_url=web_url)
    markdown_name = page_name(week.id)
    markdown = files[markdown_name]
    title = next(w.title for w in plan_digests(content).weeks if w.week == week)
    tag = config.release_tag(week)
    feeds = release_feeds(content, week, repo=repo, web_url=web_url)
    assets = (
        Asset(markdown_name, markdown.encode("utf-8"), MARKDOWN_TYPE),
        Asset(f"{week.id}.json", files[f"api/weeks/{week.id}.json"].encode("utf-8"), JSON_TYPE),
        *(Asset(name, text.encode("utf-8"), FEED_TYPES[name]) for name, text in feeds.items()),
    )
    notices = []
    safe = neutralise_mentions(markdown)
    body = cut_body(safe, markdown_name, download_url(web_url, repo, tag, markdown_name), config.settings.language)
    if body != safe:
        notices.append(
            f"the digest is {github_length(safe):,} characters long, over GitHub's limit of {BODY_LIMIT:,}: "
            f"the release shows it up to an entry boundary and links to {markdown_name}"
        )
    return ReleaseContent(
        week=week.id,
        tag=tag,
        name=title,
        body=body,
        assets=assets,
        body_cut=body != safe,
        mentions=count_mentions(markdown),
        newest=not any(w > week and w.end < today for w in content.weeks()),
        notices=tuple(notices),
    )


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class AssetStep:
    """What happens to one asset: uploaded, replaced (same-name assets deleted) or kept."""

    name: str
    action: Literal["upload", "replace", "keep"]
    size: int
    stale: tuple[int, ...] = ()
    """Ids of same-name assets that the new file replaces."""
    note: str = ""
    leftovers: tuple[int, ...] = ()
    """Ids of assets under the staging name, left by a run that stopped part-way: deleted first."""


def staging_name(name: str) -> str:
    """The name a changed file is uploaded under in a published release, before it replaces ``name``."""
    return f"{name}.new"


@dataclass
class ReleaseReport:
    """What a release run did (or, with ``dry_run``, would do)."""

    repo: str
    week: str
    tag: str
    name: str
    dry_run: bool
    draft: bool
    """Whether the release is (or stays) a draft."""
    action: Literal["create", "update", "keep"] = "create"
    changes: tuple[str, ...] = ()
    """The fields an update changes (name, body, draft)."""
    assets: list[AssetStep] = field(default_factory=list)
    release_id: int | None = None
    html_url: str | None = None
    body_cut: bool = False
    body_length: int = 0
    mentions: int = 0
    notices: list[str] = field(default_factory=list)
    requests: int = 0


def _uploaded(asset: dict[str, Any]) -> bool:
    return asset.get("state") == "uploaded"


def _holds(remote: dict[str, Any], wanted: Asset) -> bool:
    """Whether a complete asset on GitHub has exactly ``wanted``'s bytes.

    Its ``digest`` decides; without one (older GitHub Enterprise) the asset cannot be compared and
    is replaced.
    """
    return _uploaded(remote) and remote.get("digest") == wanted.digest and remote.get("size") == len(wanted.data)


def _same_name(assets: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [a for a in assets if a.get("name") == name]


def plan_assets(existing: list[dict[str, Any]], wanted: tuple[Asset, ...]) -> list[AssetStep]:
    """For each wanted asset: keep the identical one GitHub has, else upload it in place of same-name ones."""
    steps = []
    for asset in wanted:
        same = _same_name(existing, asset.name)
        leftovers = tuple(int(a["id"]) for a in _same_name(existing, staging_name(asset.name)))
        if len(same) == 1 and _holds(same[0], asset):
            steps.append(AssetStep(asset.name, "keep", len(asset.data), leftovers=leftovers))
        elif same:
            partial = [a for a in same if not _uploaded(a)]
            note = f"half-uploaded (state {partial[0].get('state')})" if partial else "changed"
            stale = tuple(int(a["id"]) for a in same)
            steps.append(AssetStep(asset.name, "replace", len(asset.data), stale, note, leftovers))
        else:
            steps.append(AssetStep(asset.name, "upload", len(asset.data), leftovers=leftovers))
    return steps


# --------------------------------------------------------------------------- apply


class _Publisher:
    """One run: find the week's release, then create or settle it and its assets, looking before any repeat."""

    def __init__(
        self, api: ReleaseApi, content: ReleaseContent, *, draft: bool, dry_run: bool, sleep: Callable[[float], None]
    ) -> None:
        self.api = api
        self.content = content
        self.want_draft = draft
        self.dry_run = dry_run
        self.sleep = sleep
        self.report = ReleaseReport(
            repo=api.repo,
            week=content.week,
            tag=content.tag,
            name=content.name,
            dry_run=dry_run,
            draft=draft,
            body_cut=content.body_cut,
            body_length=github_length(content.body),
            mentions=content.mentions,
            notices=list(content.notices),
        )

    def find(self) -> dict[str, Any] | None:
        """The release with our tag: by tag (published ones), else in the full list (drafts too)."""
        found = self.api.get_release_by_tag(self.content.tag)
        if found is not None:
            return found
        matching = [r for r in self.api.list_releases() if r.get("tag_name") == self.content.tag]
        if not matching:
            return None
        # Published first, then the oldest: the one to keep when an earlier tool left several drafts.
        matching.sort(key=lambda r: (bool(r.get("draft")), int(r.get("id", 0))))
        if len(matching) > 1:
            others = ", ".join(str(r.get("id")) for r in matching[1:])
            self.report.notices.append(
                f"{len(matching)} releases have the tag {self.content.tag}; using {matching[0].get('id')} and "
                f"leaving {others} alone"
            )
        return matching[0]

    def _with_waits(self, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """``call()``, waiting as long as GitHub asks (within reason) when it refuses for now."""
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                return call()
            except RateLimited as exc:
                if attempt == _ATTEMPTS or exc.wait > _MAX_WRITE_WAIT:
                    raise
                self.sleep(exc.wait)
        raise AssertionError("unreachable")

    def create(self) -> dict[str, Any]:
        """Create the release as a draft; after an unknown outcome, take the one GitHub made instead of another."""
        fields = {"tag_name": self.content.tag, "name": self.content.name, "body": self.content.body, "draft": True}
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                return self._with_waits(lambda: self.api.create_release(fields))
            except (WriteOutcomeUnknown, ReleaseExists) as exc:
                found = self.find()
                if found is not None:
                    return found
                if isinstance(exc, ReleaseExists):
                    raise GitHubError(
                        f"GitHub says a release with the tag {self.content.tag} exists, but it cannot be seen; "
                        "the token may lack the contents: write permission"
                    ) from None
                if attempt == _ATTEMPTS:
                    raise GitHubError(
                        f"could not create the release {self.content.tag}: GitHub did not answer; run release again"
                    ) from None
        raise AssertionError("unreachable")

    def text_changes(self, release: dict[str, Any]) -> dict[str, str]:
        """The name and body the release must be given."""
        wanted = {"name": self.content.name, "body": self.content.body}
        return {key: value for key, value in wanted.items() if (release.get(key) or "") != value}

    def update(self, release: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        """Send ``changes`` to the release; the release as it is afterwards."""
        release_id = int(release["id"])
        return self._with_waits(lambda: self.api.update_release(release_id, changes))

    def upload(self, release: dict[str, Any], asset: Asset, name: str) -> int:
        """Upload ``asset`` as ``name``, and return its id; after an unknown outcome or a name clash, look first."""
        release_id, upload_url = int(release["id"]), str(release["upload_url"])
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                uploaded = self._with_waits(
                    lambda: self.api.upload_asset(upload_url, name, asset.data, asset.content_type)
                )
                return int(uploaded["id"])
            except (WriteOutcomeUnknown, AssetExists):
                same = _same_name(self.api.list_assets(release_id), name)
                if len(same) == 1 and _arrived(same[0], asset):
                    return int(same[0]["id"])  # the upload went through; only its answer was lost
                for stale in same:  # half-uploaded ("starter"), or not ours: GitHub wants it gone first
                    self.api.delete_asset(int(stale["id"]))
                if attempt == _ATTEMPTS:
                    raise GitHubError(
                        f"could not upload {name} to release {self.content.tag}: GitHub did not answer; "
                        "run release again"
                    ) from None
        raise AssertionError("unreachable")

    def settle_asset(self, release: dict[str, Any], step: AssetStep, asset: Asset) -> None:
        """Carry out ``step``: in a published release, the new file is in place before the old one goes."""
        for leftover in step.leftovers:
            self.api.delete_asset(leftover)
        if step.action == "keep":
            return
        if step.action == "replace" and not release.get("draft"):
            staged = self.upload(release, asset, staging_name(asset.name))
            for stale in step.stale:
                self.api.delete_asset(stale)
            self.api.rename_asset(staged, asset.name)
            return
        for stale in step.stale:  # nobody sees a draft: no need to stage
            self.api.delete_asset(stale)
        self.upload(release, asset, asset.name)

    def run(self) -> ReleaseReport:
        report = self.report
        existing = self.find()
        if existing is not None and not existing.get("draft") and self.want_draft:
            # Readers may have seen and linked it: --draft never takes a published release back.
            report.notices.append(f"release {self.content.tag} is already published; --draft leaves it published")
        published = not self.want_draft
        if existing is None:
            report.action, report.draft = "create", not published
            report.assets = plan_assets([], self.content.assets)
            if self.dry_run:
                return report
            # Created as a draft and published once its assets are there: readers, and workflows that
            # run on "release published", never see it half made.
            release = self.create()
        else:
            release = existing
            publishing = bool(existing.get("draft")) and published
            changed = [*self.text_changes(existing), *(["draft"] if publishing else [])]
            report.action = "update" if changed else "keep"
            report.changes = tuple(changed)
            report.draft = bool(existing.get("draft")) and not published
            report.assets = plan_assets(list(existing.get("assets") or []), self.content.assets)
            self._describe(existing)
            if self.dry_run:
                return report
        # A create whose answer was lost may have found a release with other texts: settle those too.
        changes = self.text_changes(release)
        if changes:
            release = self.update(release, changes)
        self._describe(release)
        report.assets = plan_assets(list(release.get("assets") or []), self.content.assets)
        for step, asset in zip(report.assets, self.content.assets, strict=True):
            self.settle_asset(release, step, asset)
        if release.get("draft") and published:
            # An older week published late (a backfill) must not become the "Latest" release.
            latest = "true" if self.content.newest else "false"
            try:
                release = self.update(release, {"draft": False, "make_latest": latest})
            except ReleaseExists:
                raise GitHubError(
                    f"another release with the tag {self.content.tag} was published meanwhile, so draft "
                    f"{release['id']} cannot be; delete one of the two on GitHub, then run release again"
                ) from None
            self._describe(release)
        report.draft = bool(release.get("draft"))
        return report

    def _describe(self, release: dict[str, Any]) -> None:
        self.report.release_id = int(release["id"]) if "id" in release else None
        self.report.html_url = str(release.get("html_url") or "") or None


def _arrived(remote: dict[str, Any], asset: Asset) -> bool:
    """Whether ``remote`` is ``asset`` complete on GitHub, judged after an upload whose answer was lost."""
    if remote.get("digest") is None:
        # Without a digest to compare, a complete asset of the right size is the one just sent.
        return _uploaded(remote) and remote.get("size") == len(asset.data)
    return _holds(remote, asset)


def publish(
    api: ReleaseApi,
    content: ReleaseContent,
    *,
    draft: bool = False,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> ReleaseReport:
    """Create or update ``content``'s release through ``api`` (with ``dry_run``: only read, and report the plan)."""
    report = _Publisher(api, content, draft=draft, dry_run=dry_run, sleep=sleep).run()
    report.requests = getattr(api, "requests_made", 0)
    return report


def release(
    config: Config,
    api: ReleaseApi,
    week_text: str,
    *,
    web_url: str,
    today: dt.date,
    draft: bool = False,
    dry_run: bool = False,
) -> ReleaseReport:
    """Build the week ``week_text`` (an id or ``latest``) and create or update its release."""
    content = prepare_release(config, week_text, repo=api.repo, web_url=web_url, today=today)
    return publish(api, content, draft=draft, dry_run=dry_run)
