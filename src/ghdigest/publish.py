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
from collections.abc import Callable, Iterator
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
from ghdigest.mdtext import _code_spans  # sanitize_markdown's reading of code spans: CommonMark's, linear
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
_ZERO_WIDTH_SPACE = "\u200b"


# --------------------------------------------------------------------------- mentions


# A mention as GitHub finds one in the rendered text: "@" (or an entity that renders as "@") at the
# start of a text node or after a character that is not an ASCII word character, then a letter or
# digit (@user, @org/team). "_" counts as a boundary here because "_@user_" renders as emphasis,
# whose text starts with "@user". "name@example.com" is not a mention, and neither is an address
# GitHub links as an e-mail address (GFM: a local part of letters, digits and "._+-", then a domain
# with a dot that ends in a letter), such as "first_@example.com" or "a+@example.com".
_EMAIL_DOMAIN = r"@[A-Za-z0-9_-]*(?:\.[A-Za-z0-9][A-Za-z0-9_-]*)+(?<=[A-Za-z])(?![A-Za-z0-9_-]|\.[A-Za-z0-9])"
_MENTION = (
    r"(?<![A-Za-z0-9])(?:(?<![._+-])|(?!" + _EMAIL_DOMAIN + r"))"
    r"(?:@|&\#0*64;|&\#[xX]0*40;|&commat;)(?=[A-Za-z0-9])"
)
# Scanned left to right over text outside code; only the last alternative is changed, every other
# one is kept as it is. Every alternative consumes what it matches, so a scan is linear.
_INLINE = re.compile(
    r"""
      \\[!-?\[-`{-~]                                  # a backslash escape ("\@" is not one: it still renders "@")
    | <[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>         # an autolink
    | (?P<tag><[A-Za-z/!?][^<>\n]{0,500}>)            # perhaps an HTML tag (a template may write one): checked below
    | \]\(\s*(?:<[^<>\n]*>|(?:[^\s()\\]|\\.|\([^\s()]*\))*)  # a link destination, balanced parentheses and all
    | (?:https?://|www\.)[^\s<]*                      # a bare URL, which GitHub links as it is
    | (?P<mention>"""
    + _MENTION
    + r""")
    """,
    re.VERBOSE,
)
# What CommonMark reads as raw HTML: an open or closing tag, a comment, a processing instruction, a declaration.
_HTML_TAG = re.compile(
    r"""
      <[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?)*\s*/?>
    | </[A-Za-z][A-Za-z0-9-]*\s*>
    | <!--.*-->
    | <\?.*\?>
    | <![A-Za-z][^>]*>
    """,
    re.VERBOSE | re.DOTALL,
)
_PARAGRAPH_BREAK = re.compile(r"(\n[ \t]*\n)")
# Link reference definitions at the start of a paragraph ("[1]: https://medium.com/@x 'title'"): they render as nothing.
_DEFINITIONS = re.compile(
    r"""(?:[ ]{0,3}\[[^\]\n]{1,999}\]:[ \t]*(?:<[^<>\n]*>|[^\s<]\S*)"""
    r"""(?:[ \t]+(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\)))?[ \t]*(?:\n|$))+"""
)
# A backtick fence's info string has no backtick; a tilde fence's may.
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}(?![^`]*`)|~{3,})")
_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")


def _indent(line: str) -> int:
    """Columns of leading white space (a tab reaches the next multiple of four)."""
    return len(line[: len(line) - len(line.lstrip(" \t"))].expandtabs(4))


def _closes(line: str, fence: str) -> bool:
    """Whether ``line`` closes a code block opened by ``fence``."""
    found = _FENCE_CLOSE.match(line)
    return found is not None and found.group(1)[0] == fence[0] and len(found.group(1)) >= len(fence)


def _code_or_text(markdown: str) -> Iterator[tuple[bool, str]]:
    """``markdown`` in consecutive runs of ``(is_code, text)``: fenced or indented code blocks, and the rest."""
    run: list[str] = []
    run_is_code = False
    fence: str | None = None  # the fence of the code block we are in
    indented = False  # inside an indented code block
    previous_blank = True
    in_list = False  # the last block began with a list item: lines indented under it continue it
    for line in markdown.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        blank = not body.strip()
        opening = _FENCE_OPEN.match(body) if fence is None else None
        if fence is not None:
            is_code = True
            if _closes(body, fence):
                fence = None
        elif opening:
            fence, is_code, indented = opening.group(1), True, False
        elif indented and (blank or _indent(body) >= 4):
            is_code = True  # an indented code block goes on, across blank lines too
        elif not blank and _indent(body) >= 4 and previous_blank and not in_list:
            is_code = indented = True
        else:
            is_code = indented = False
            if not blank and _indent(body) < 4:
                in_list = _LIST_ITEM.match(body) is not None or (in_list and not previous_blank)
        if is_code != run_is_code and run:
            yield run_is_code, "".join(run)
            run = []
        run_is_code = is_code
        run.append(line)
        previous_blank = blank
    if run:
        yield run_is_code, "".join(run)


def _pieces(markdown: str) -> Iterator[tuple[bool, str]]:
    """``markdown`` in consecutive runs of ``(is_code, text)``, code being code blocks and code spans."""
    for is_code, text in _code_or_text(markdown):
        if is_code:
            yield True, text
            continue
        for paragraph in _PARAGRAPH_BREAK.split(text):  # a code span never runs across a blank line
            definitions = _DEFINITIONS.match(paragraph)
            if definitions:
                yield True, definitions.group()
                paragraph = paragraph[definitions.end() :]
            position = 0
            for start, end in _code_spans(paragraph):
                yield False, paragraph[position:start]
                yield True, paragraph[start:end]
                position = end
            yield False, paragraph[position:]


def _inline_replacement(match: re.Match[str]) -> str:
    if match.group("mention"):
        return match.group(0) + _ZERO_WIDTH_SPACE
    tag = match.group("tag")
    if tag and not _HTML_TAG.fullmatch(tag):
        return "<" + _neutralise_inline(tag[1:])  # "<Ann @ann>" is text, and so is the mention in it
    return match.group(0)


def _neutralise_inline(text: str) -> str:
    return _INLINE.sub(_inline_replacement, text)


def neutralise_mentions(markdown: str) -> str:
    """Markdown that renders as the same text but mentions no one: a zero-width space follows each "@" of a mention.

    ``@user`` and ``@org/team`` outside code get U+200B ZERO WIDTH SPACE after the "@": GitHub
    shows the text unchanged and neither links nor notifies anyone. Code spans and blocks, link
    destinations, autolinks, bare URLs and e-mail addresses are left as they are.
    """
    return "".join(text if is_code else _neutralise_inline(text) for is_code, text in _pieces(markdown))


def count_mentions(markdown: str) -> int:
    """How many mentions :func:`neutralise_mentions` neutralises in ``markdown``."""
    return neutralise_mentions(markdown).count(_ZERO_WIDTH_SPACE) - markdown.count(_ZERO_WIDTH_SPACE)


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
            opening = _FENCE_OPEN.match(line)
            fence = opening.group(1) if opening else None
        elif _closes(line, fence):
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
            if _closes(body, fence):
                fence = None
        else:
            if index > 0:
                starts.append(index)
                if not lines[index - 1].strip():
                    paragraphs.append(index)
                if _HEADING.match(body) and not after_heading:
                    headings.append(index)  # never right under a heading, which would be left empty
            opening = _FENCE_OPEN.match(body)
            fence = opening.group(1) if opening else None
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
