"""Translate between a GitHub issue's text and an entry's fields, in both directions; pure, no I/O.

``parse_issue`` reads:

* GitHub issue-form bodies, as GitHub writes them: ``### Label`` blocks, ``_No response_`` for an
  empty answer, ``- [X] option`` checkboxes (the forms of ``ghdigest.forms`` and ``render_issue``);
  an answer may hold Markdown headings and code fences of its own;
* free-form templates, headings of level 1-3 with or without trailing colons: ML_papers (``# TL;DR``,
  ``# Paper URL``, ``# Submission Dates(yyyy/mm/dd)``, ``# Authors and institutions``, ...), arXivTimes
  (``## 一言でいうと``, ``### 論文リンク``, ``### 著者/所属機関``, ``### 投稿日付(yyyy/MM/dd)``, ...), the
  "Ochiai" questions (``## どんなもの`` and the rest, with full-width question marks), Chinese and
  Korean equivalents (``## 一句话总结``, ``## 论文链接``, ``## 한줄 요약``, ``## 논문 링크``, ...), also
  numbered, decorated or glossed (``## 1. どんなもの? (Summary)``, ``## 【論文リンク】``); the summary is
  the Summary section, else the TL;DR, else an Abstract (``## 概要``, ``## 摘要``); sections it does not
  map are kept in ``notes``, without the ``<br/><br/>`` lines some templates put between them;
* degenerate issues: a bare URL as the body, a URL or a placeholder ("a", "あ", "TBD") as the title,
  an empty body, an arXiv page title ("[2009.03393] Generative ...") as the title;
* arXiv links in any spelling (``abs``/``pdf``/``html``, versions, ``.pdf``, ``http``, ``www.``,
  ``export.``, no scheme at all, ``arXiv:2009.03393``, old-style ``hep-th/9901001``), with text, an
  invisible mark or a percent-encoded full stop stuck to them; an arXiv link whose id cannot exist
  (a typo) is reported and never taken, nor replaced by the next link in the text;
* images as Markdown (``![alt](src "caption")``) or HTML (``<img src=... alt=...>``);
* dates written 2018/1/18, 2018-01-18, 2018.1.18, 20180118 or 2018年1月18日;
* labels: kind, week, status, editor's pick and topics (see ``LabelRules``; with its ``week_scheme``,
  a week that the calendar lacks, such as 2020-W53 in US weeks, is reported and ignored);
* a hidden ``<!-- ghdigest:entry=<key> -->`` marker.

``render_issue`` writes an entry as an issue-form body that ``parse_issue`` reads back unchanged.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal
from urllib.parse import unquote

from ghdigest.identifiers import arxiv_id, looks_like_arxiv
from ghdigest.mentions import decode_mentions, encode_mentions, live_mentions_in
from ghdigest.models import (
    HTTP_URL_PATTERN,
    KINDS,
    LANGUAGE_CODE_PATTERN,
    SLUG_PATTERN,
    WEEK_ID_PATTERN,
    Kind,
    Status,
)
from ghdigest.weeks import Week, WeekError, WeekScheme

NO_RESPONSE: Final = "_No response_"
"""What GitHub writes for a form field left empty."""
PREAMBLE_KEY: Final = "Text"
"""The notes key of text that stands before the first heading (or under an empty one)."""
PICK_OPTION: Final = "Show this entry among the editor's picks"
"""The option of the editor's-pick checkbox field."""
UNTITLED: Final = "Untitled"
"""The issue title of an entry with neither headline nor title (read back as a placeholder)."""
GITHUB_TITLE_LIMIT: Final = 256
GITHUB_LABEL_LIMIT: Final = 50

FieldType = Literal["input", "textarea", "checkboxes"]


@dataclass(frozen=True)
class FormField:
    """One field of the issue forms: the entry field it fills, its form id, its heading label and its type."""

    name: str
    """Entry field, dotted for nested ones: ``headline``, ``link_card.title``, ..."""
    id: str
    label: str
    type: FieldType
    placeholder: str = ""


#: Every form field, in the order forms ask for them and ``render_issue`` writes them. The editor's
#: pick comes last on purpose: an unknown ``### Heading`` after a one-line or checkbox answer starts
#: a note, so rendered notes follow it.
FORM_FIELDS: Final[tuple[FormField, ...]] = (
    FormField(
        "headline", "headline", "Headline", "input", "A short, catchy heading, such as: Retiming people in videos"
    ),
    FormField("title", "title", "Title", "input", "Generative Language Modeling for Automated Theorem Proving"),
    FormField("url", "url", "Link", "input", "https://arxiv.org/abs/2009.03393, or the address of the page"),
    FormField("summary", "summary", "Summary", "textarea", "What it does, how, and why it matters, in Markdown."),
    FormField("authors", "authors", "Authors", "textarea", "One author per line, or all on one line with commas"),
    FormField("submitted", "submitted", "Submitted", "input", "2020-09-07"),
    FormField("link_card.title", "link-card-title", "Link card title", "input", "Title of the linked page"),
    FormField(
        "link_card.description",
        "link-card-description",
        "Link card description",
        "textarea",
        "A sentence or two from the linked page",
    ),
    FormField("link_card.site", "link-card-site", "Link card site", "input", "medium.com"),
    FormField("images", "images", "Images", "textarea", "One image per line, Markdown or URL: ![Figure 1](https://…)"),
    FormField("topics", "topics", "Topics", "input", "theorem proving, language models"),
    FormField("week", "week", "Week", "input", "2020-W38"),
    FormField("date", "date", "Date", "input", "2020-09-14"),
    FormField("section", "section", "Section", "input", "papers"),
    FormField("pick", "pick", "Editor's pick", "checkboxes"),
)
FIELDS_BY_NAME: Final[Mapping[str, FormField]] = MappingProxyType({f.name: f for f in FORM_FIELDS})

_LINKED_PAGE_FIELDS = (
    "headline",
    "url",
    "summary",
    "link_card.title",
    "link_card.description",
    "link_card.site",
    "images",
    "topics",
    "week",
    "pick",
)
#: Which fields each kind's issue form asks for (in ``FORM_FIELDS`` order).
KIND_FORM_FIELDS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "paper": ("headline", "title", "url", "summary", "authors", "submitted", "images", "topics", "week", "pick"),
        "article": _LINKED_PAGE_FIELDS,
        "use_case": _LINKED_PAGE_FIELDS,
        "other": _LINKED_PAGE_FIELDS,
    }
)

#: Label values (case-insensitive) naming a kind; the first one of each kind is the one written.
DEFAULT_KIND_LABELS: Final[Mapping[str, Kind]] = MappingProxyType(
    {
        "paper": "paper",
        "article": "article",
        "use-case": "use_case",
        "use case": "use_case",
        "use_case": "use_case",
        "other": "other",
    }
)
_STATUSES: Final[tuple[Status, ...]] = ("inbox", "selected", "published", "skip")


@dataclass(frozen=True)
class LabelRules:
    """How labels map to entry fields; configurable in ghdigest.yml (the lead wires the config)."""

    kind_prefix: str = "kind:"
    week_prefix: str = "week:"
    status_prefix: str = "status:"
    topic_prefix: str = ""
    """"" makes every other label a topic; "topic:" takes only labels with that prefix (prefix removed)."""
    pick: str = "pick"
    """The label that marks an editor's pick."""
    ignore: frozenset[str] = frozenset()
    """Control labels (case-insensitive): never topics, never rendered."""
    kinds: Mapping[str, Kind] = field(default_factory=lambda: DEFAULT_KIND_LABELS)
    """Label value (case-insensitive) -> kind; bare labels such as "paper" count as kind labels too."""
    week_scheme: WeekScheme | None = None
    """When set, a week (label or answer) that does not exist in this scheme, such as 2020-W53 in US
    weeks, is reported and ignored; None takes any well-formed week id."""

    def __post_init__(self) -> None:
        unknown = [value for value in self.kinds.values() if value not in KINDS]
        if unknown:
            raise ValueError(f"label rules: unknown kind(s) {', '.join(map(repr, unknown))}")

    def kind_label(self, kind: str) -> str:
        """The label ``render_issue`` puts on an entry of ``kind``, such as ``kind:paper``."""
        value = next((name for name, target in self.kinds.items() if target == kind), kind)
        return f"{self.kind_prefix}{value}"


@dataclass(frozen=True)
class IssueInput:
    """The parts of a GitHub issue that decide an entry."""

    title: str
    body: str | None
    labels: tuple[str, ...] = ()
    created_at: str | None = None
    """RFC 3339 from GitHub; its UTC date becomes ``date`` unless the body gives one."""


@dataclass(frozen=True)
class Intake:
    """What an issue says as entry fields, the marker found in it, and what keeps it from being ready."""

    fields: dict[str, Any]
    """JSON-ready entry document, valid against schemas/entry.schema.json; never holds ``issue``."""
    marker: str | None
    """The entry key of a ``<!-- ghdigest:entry=<key> -->`` comment in the body, if any."""
    problems: tuple[str, ...]
    """Why the entry is inbox ("no summary", ...) and what was dropped or shortened; empty when all is well."""


@dataclass(frozen=True)
class RenderedIssue:
    """An entry written as a GitHub issue."""

    title: str
    body: str
    labels: tuple[str, ...]


# --- text normal forms -------------------------------------------------------------------------

# C0/C1 controls (not tab or newline), lone surrogates and the BOM: nothing a reader can see, and
# trouble for YAML and JSON writers.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufeff]")


def _plain(text: str) -> str:
    """Text with LF line endings and without control characters."""
    return _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def clean_line(text: str) -> str:
    """Text on one line with single spaces and no control characters: how one-line fields are read."""
    return " ".join(_plain(text).split())


def clean_block(text: str) -> str:
    """Markdown with LF line endings, no control characters, no leading blank lines, no trailing space."""
    return _trim_block(_plain(text))


def _trim_block(text: str) -> str:
    """Text (already plain) without leading blank lines and trailing white space."""
    text = text.rstrip()
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0 or text[start:end].strip():
            break
        start = end + 1
    return text[start:]


# --- Markdown structure: fences and ATX headings ---------------------------------------------------

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
_ATX = re.compile(r"( {0,3})(#{1,6})(?=[ \t]|$)")
_MAX_LABEL = 200  # no label or alias is longer; longer headings skip the (regex) label lookups


def _fence_opening(line: str) -> tuple[str, int] | None:
    match = _FENCE.match(line)
    if match is None:
        return None
    run = match.group(1)
    if run[0] == "`" and "`" in match.group(2):
        return None  # a backtick fence's info string holds no backtick (CommonMark)
    return run[0], len(run)


def _fence_closes(line: str, char: str, length: int) -> bool:
    rest = line.lstrip(" ")
    if len(line) - len(rest) > 3:
        return False
    run = len(rest) - len(rest.lstrip(char))
    return run >= length and not rest[run:].strip(" \t")


def _scan_fences(lines: list[str]) -> tuple[list[bool], tuple[str, int] | None]:
    """For each line, whether it belongs to a fenced code block; and the fence still open at the end."""
    joined = "\n".join(lines)
    if "```" not in joined and "~~~" not in joined:
        return [False] * len(lines), None  # the usual case, without a pass in Python
    flags: list[bool] = []
    fence: tuple[str, int] | None = None
    for line in lines:
        if fence is None:
            fence = _fence_opening(line)
            flags.append(fence is not None)
        else:
            flags.append(True)
            if _fence_closes(line, *fence):
                fence = None
    return flags, fence


def _atx(line: str) -> tuple[int, int, str] | None:
    """Indentation, level and raw text (closing sequence kept) of an ATX heading line, or None."""
    match = _ATX.match(line)
    if match is None:
        return None
    return len(match.group(1)), len(match.group(2)), line[match.end() :].strip(" \t")


def _without_closing(raw: str) -> str:
    """A heading's text without its optional closing ``#`` sequence, as CommonMark reads it."""
    body = raw.rstrip("#")
    if len(body) == len(raw):
        return raw
    if not body:
        return ""
    if body[-1] in " \t":
        return body.rstrip(" \t")
    return raw


# --- labels of form fields and free-form template headings --------------------------------------


def _label_key(text: str) -> str:
    """A heading or label as compared: NFKC, case-folded, no emphasis, no trailing colon or question mark."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'").replace("\u2018", "'")
    text = text.strip().strip("*_").strip().rstrip(":?!.").rstrip()
    return " ".join(text.split())


_SUMMARY_LANGUAGE = re.compile(r"summary\s*\(\s*([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\s*\)", re.IGNORECASE)
_LANGUAGE = re.compile(LANGUAGE_CODE_PATTERN)
_TRAILING_PARENTHESES = re.compile(r"\s*\([^()]*\)$")


def _summary_language(raw: str) -> str | None:
    """The language tag of a "Summary (ja)" heading, or None."""
    text = unicodedata.normalize("NFKC", raw).strip().rstrip(":").rstrip()
    match = _SUMMARY_LANGUAGE.fullmatch(text)
    if match is None:
        return None
    primary, dash, rest = match.group(1).partition("-")
    tag = primary.lower() + dash + rest
    return tag if _LANGUAGE.match(tag) else None


_FORM_NAMES: Final = {_label_key(f.label): f.name for f in FORM_FIELDS}


@functools.lru_cache(maxsize=4096)
def _form_field_name(raw: str) -> str | None:
    """The field a ``### raw`` form heading stands for; a heading with a closing sequence never does."""
    if len(raw) > _MAX_LABEL or _without_closing(raw) != raw:
        return None
    language = _summary_language(raw) if "(" in raw or "（" in raw else None  # noqa: RUF001
    if language is not None:
        return f"summary:{language}"
    return _FORM_NAMES.get(_label_key(raw))


_ALIAS_TABLE: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("headline", ("headline", "見出し")),
    (
        "title",
        ("title", "paper title", "論文タイトル", "タイトル", "題名", "论文标题", "标题", "논문 제목", "제목"),
    ),
    (
        "url",
        (
            "link",
            "url",
            "paper url",
            "paper link",
            "paper",
            "arxiv",
            "arxiv id",
            "arxiv link",
            "arxiv url",
            "pdf",
            "論文",
            "論文リンク",
            "論文へのリンク",
            "論文url",
            "リンク",
            "论文",
            "论文链接",
            "论文地址",
            "链接",
            "논문",
            "논문 링크",
            "논문 주소",
            "링크",
        ),
    ),
    ("summary", ("summary", "要約", "요약")),
    # "first one found" of these becomes the summary when no Summary section exists
    (
        "tldr",
        (
            "tl;dr",
            "tldr",
            "tl; dr",
            "tl dr",
            "一言でいうと",
            "一言で言うと",
            "どんなもの",
            "一句话总结",
            "一句话概括",
            "한줄 요약",
            "한 줄 요약",
            "세줄 요약",
            "세 줄 요약",
        ),
    ),
    # and these when neither a Summary nor a TL;DR section exists (else they stay in notes)
    ("abstract", ("abstract", "概要", "アブストラクト", "摘要", "概述", "개요", "초록")),
    (
        "authors",
        (
            "authors",
            "author",
            "authors and institutions",
            "authors & institutions",
            "authors and affiliations",
            "著者",
            "著者/所属機関",
            "著者・所属機関",
            "著者/所属",
            "作者",
            "作者/机构",
            "作者和机构",
            "作者与机构",
            "저자",
            "저자/소속",
            "저자 및 소속",
        ),
    ),
    (
        "submitted",
        (
            "submitted",
            "submitted on",
            "submission date",
            "submission dates",
            "date submitted",
            "投稿日付",
            "投稿日",
            "提交日期",
            "发表日期",
            "제출일",
            "투고일",
            "게재일",
        ),
    ),
    ("images", ("images", "image", "figures", "figure", "画像", "图片", "이미지", "그림")),
    ("topics", ("topics", "tags", "トピック", "タグ", "标签", "主题", "태그", "주제")),
    ("week", ("week",)),
    ("pick", ("editor's pick", "editors pick", "editors' pick", "pick")),
    ("link_card.title", ("link card title",)),
    ("link_card.description", ("link card description",)),
    ("link_card.site", ("link card site",)),
)
_ALIASES: Final = {_label_key(alias): name for name, aliases in _ALIAS_TABLE for alias in aliases}


@functools.lru_cache(maxsize=4096)
def _alias_name(content: str) -> str | None:
    """The field a free-form heading stands for, or None for a section kept in notes."""
    if len(content) > _MAX_LABEL:
        return None
    language = _summary_language(content) if "(" in content or "（" in content else None  # noqa: RUF001
    if language is not None:
        return f"summary:{language}"
    key = _label_key(content)
    name = _ALIASES.get(key)
    if name is None and key.endswith(")"):  # "Submission Dates(yyyy/mm/dd)", "投稿日付(yyyy/MM/dd)"
        name = _ALIASES.get(_TRAILING_PARENTHESES.sub("", key))
    if name is None:
        # Numbered, decorated or glossed headings: "1. どんなもの? (Summary)", "【論文リンク】", "■ TL;DR".
        bare = _bare_heading(key)
        name = _ALIASES.get(bare)
        gloss = _GLOSS.fullmatch(bare)
        if name is None and gloss is not None:
            name = _ALIASES.get(_bare_heading(gloss.group(1)))
            if name is None and not gloss.group(1).isascii():  # a Japanese heading, its English gloss
                name = _ALIASES.get(_bare_heading(gloss.group(2)))
    return name


# "1.", "2)", "(3)", "4:", "5、" and "6 " (NFKC has already made "①" and full-width digits plain)
_ENUMERATION = re.compile(r"(?:\(\d{1,2}\)|\d{1,2}[.):、]|\d{1,2}(?=[ \t]))[ \t]*")
_DECORATION = "■□●○◆◇▶▷►▸・※★☆#*_-–—~ \t"  # noqa: RUF001
_BRACKETS = ("【】", "[]", "「」", "『』", "〔〕", "<>")  # noqa: RUF001
_GLOSS = re.compile(r"(.+?)\s*\(([^()]+)\)")


def _bare_heading(key: str) -> str:
    """A heading key without its number, decoration, brackets and trailing punctuation."""
    text = key.strip(_DECORATION)
    match = _ENUMERATION.match(text)
    if match is not None:
        text = text[match.end() :].strip(_DECORATION)
    for pair in _BRACKETS:
        if len(text) > 2 and text[0] == pair[0] and text[-1] == pair[1]:
            text = text[1:-1].strip(_DECORATION)
    return text.rstrip(":?!.").rstrip()


# --- escaping values so that they read back unchanged ----------------------------------------------
#
# A rendered answer must not end its own section: a line that would start a section is indented by
# one space (it renders the same), a fence left open is closed before a hidden comment, and an answer
# that is literally "_No response_" gets an empty comment. Reading undoes exactly these steps.

_OPEN_FENCE_NOTE: Final = "<!-- ghdigest:open-fence -->"
_EMPTY_COMMENT: Final = "<!---->"
_NO_RESPONSE_ESCAPED = re.compile(re.escape(NO_RESPONSE) + f"(?:{re.escape(_EMPTY_COMMENT)})*")


def _starts_section(line: str, any_heading: bool) -> bool:
    """Whether ``line`` starts a section in a form body, after an answer of the given kind."""
    heading = _atx(line)
    if heading is None or heading[0] != 0 or heading[1] != 3:
        return False
    return any_heading or _form_field_name(heading[2]) is not None


def _encode(value: str, any_heading: bool, every_at: bool = False) -> str:
    # An issue ghdigest opens or edits must not notify whoever an entry's text names.
    lines = encode_mentions(value, every_at=every_at).split("\n")
    flags, fence = _scan_fences(lines)
    for index, line in enumerate(lines):
        if not flags[index] and _starts_section(line.lstrip(" "), any_heading):
            lines[index] = " " + line
    text = "\n".join(lines)
    if fence is not None:
        text += "\n" + fence[0] * fence[1] + "\n" + _OPEN_FENCE_NOTE
    if _NO_RESPONSE_ESCAPED.fullmatch(text):
        text += _EMPTY_COMMENT
    return text


_ESCAPED_HEADING = re.compile(r"^ +###", re.MULTILINE)


def _decode(block: str, any_heading: bool) -> str | None:
    """An answer (plain text) as written, or None when it is empty or ``_No response_``."""
    answer = _decode_structure(block, any_heading)
    return None if answer is None else decode_mentions(answer)


def _decode_structure(block: str, any_heading: bool) -> str | None:
    text = _trim_block(block)
    if not text or text == NO_RESPONSE:
        return None
    if _NO_RESPONSE_ESCAPED.fullmatch(text):
        return text[: -len(_EMPTY_COMMENT)]
    lines = text.split("\n")
    if len(lines) >= 3 and lines[-1] == _OPEN_FENCE_NOTE:
        _, fence = _scan_fences(lines[:-2])
        if fence is not None and _fence_closes(lines[-2], *fence):
            lines = lines[:-2]
    if _ESCAPED_HEADING.search(text) is None:
        return "\n".join(lines)
    flags, _ = _scan_fences(lines)
    for index, line in enumerate(lines):
        if not flags[index] and line.startswith(" ") and _starts_section(line.lstrip(" "), any_heading):
            lines[index] = line[1:]
    return "\n".join(lines)


_BREAKS_ONLY = re.compile(r"[ \t]*(?:<br[ \t]*/?>[ \t]*)+", re.IGNORECASE)


def _without_edge_breaks(text: str) -> str | None:
    """Free-form text without the ``<br/><br/>`` lines templates put between sections, or None if that is all."""
    lines = text.split("\n")
    while lines and (not lines[-1].strip() or _BREAKS_ONLY.fullmatch(lines[-1])):
        lines.pop()
    while lines and (not lines[0].strip() or _BREAKS_ONLY.fullmatch(lines[0])):
        lines.pop(0)
    return "\n".join(lines) or None


def _heading_line(key: str, every_at: bool = False) -> str:
    """A ``### key`` heading that reads back as a note called ``key``."""
    key = encode_mentions("### " + key, every_at=every_at)[4:]  # heading text, not a document of its own
    if _without_closing(key) != key or _form_field_name(key) is not None:
        return f"### {key} #"  # a closing sequence: CommonMark drops it, and it is never a form label
    return f"### {key}"


# --- links, images, dates ------------------------------------------------------------------------

_HTTP_URL = re.compile(HTTP_URL_PATTERN)
# A URL in prose ends at white space, at ASCII delimiters, at CJK punctuation and at the invisible
# marks copy-paste leaves behind (zero-width space, word joiner); other non-ASCII letters stay, as
# GitHub's autolinker keeps them (IRIs such as Japanese Wikipedia pages).
_CJK_PUNCTUATION = "、。，．；：！？「」『』（）［］【】〈〉《》〔〕｛｝＜＞“”‘’…"  # noqa: RUF001
_URL_CHAR = rf"[^\s<>\"'`\[\]{{}}|\\^\x7f-\x9f\u200b\u2060\ufeff{_CJK_PUNCTUATION}]"
_ARXIV_OLD_ID = r"[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?"
_ARXIV_NEW_ID = r"\d{4}\.\d{4,5}(?:v\d+)?"
# Links in prose, in the order written: http(s) URLs; arXiv links without a scheme
# ("arxiv.org/abs/2009.03393", "www.arxiv.org/pdf/…"); and ids written "arXiv:2009.03393".
_LINK_IN_TEXT = re.compile(
    rf"(?P<http>https?://{_URL_CHAR}+)"
    rf"|(?<![A-Za-z0-9_@./:-])(?P<bare>(?:(?i:www|export)\.)?(?i:arxiv\.org)/{_URL_CHAR}+)"
    rf"|(?<![A-Za-z0-9_./])(?i:arxiv:)[ \t]{{0,3}}(?P<id>{_ARXIV_OLD_ID}|{_ARXIV_NEW_ID})(?![A-Za-z0-9_])"
)
_ASCII_RUN = re.compile(r"[!-~]+")
_TRAILING_PUNCTUATION = ".,;:!?*_~'\">)]}"
_MARKDOWN_LINK = re.compile(r"\[[^\[\]\n]{0,2000}\]\(\s{0,10}<?([^\s<>]{1,2100}?)>?\s{0,10}\)")
# New-style ids anywhere; old-style ones (hep-th/9901001) only after "arXiv:", as they look like paths.
# The borders are ASCII: "論文はarXiv:2009.03393です" holds an id.
_BARE_ARXIV = re.compile(
    rf"(?<![A-Za-z0-9_./])(?:(?i:arxiv:)\s{{0,3}}({_ARXIV_OLD_ID})|(?:(?i:arxiv:)\s{{0,3}})?({_ARXIV_NEW_ID}))"
    r"(?![A-Za-z0-9_])"
)
# "[2009.03393] Generative Language Modeling for …": how arXiv titles its pages, pasted as an issue title.
_BRACKETED_ARXIV = re.compile(r"\[(\d{4}\.\d{4,5}(?:v\d+)?)\]")
_ARXIV_HINT = re.compile(r"arxiv", re.IGNORECASE)


def _usable_url(url: str) -> bool:
    return len(url) <= 2048 and _HTTP_URL.match(url) is not None


def _arxiv_abs(url: str) -> str | None:
    found = arxiv_id(url)
    return f"https://arxiv.org/abs/{found}" if found else None


def _arxiv_link(url: str) -> str | None:
    """The abstract page of an arXiv link, also when text or an escaped punctuation mark clings to it.

    "https://arxiv.org/abs/2009.03393v2を読んだ" and "https://arxiv.org/abs/2009.03393%E3%80%82" (a
    full stop, percent-encoded by the address bar) both give https://arxiv.org/abs/2009.03393.
    """
    normal = _arxiv_abs(url)
    if normal is not None or not looks_like_arxiv(url):
        return normal
    for variant in (url, unquote(url)):
        ascii_part = _ASCII_RUN.match(variant)
        normal = _arxiv_abs(_trim_url(ascii_part.group())) if ascii_part else None
        if normal is not None:
            return normal
    return None


def _broken_arxiv(url: str) -> bool:
    """Whether ``url`` is an arXiv abstract or PDF link without a valid id (a typo: 2009.1234, 2013.01234)."""
    return looks_like_arxiv(url) and _arxiv_link(url) is None


def _trim_url(url: str) -> str:
    """A URL found in prose without the punctuation that ends the sentence around it."""
    while url and url[-1] in _TRAILING_PUNCTUATION:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break  # balanced: part of the URL, as in Wikipedia links
        url = url[:-1]
    return url


def _link_of(match: re.Match[str]) -> str:
    """The URL a ``_LINK_IN_TEXT`` match stands for."""
    if match.group("id") is not None:
        return f"https://arxiv.org/abs/{match.group('id')}"
    if match.group("bare") is not None:
        return "https://" + _trim_url(match.group("bare"))
    return _trim_url(match.group("http"))


def _urls_in(text: str) -> Iterable[str]:
    for match in _LINK_IN_TEXT.finditer(text):
        url = _link_of(match)
        if _usable_url(url):
            yield url


def _first_link(text: str, *, arxiv_only: bool) -> str | None:
    """The first arXiv link in ``text`` (normalised), or with ``arxiv_only`` False the first usable link.

    arXiv links without a valid id are passed over: they would make an entry that cannot validate.
    """
    for url in _urls_in(text):
        normal = _arxiv_link(url)
        if normal is not None:
            return normal
        if not arxiv_only and not _broken_arxiv(url):
            return url
    return None


def _as_link(token: str) -> str | None:
    """A URL written alone (bare, ``<url>`` or ``[text](url)``), normalised, or None.

    A bare URL loses the punctuation that ends a sentence; one in angle brackets is taken verbatim,
    which is how ``render_issue`` writes a URL that ends in such punctuation (or that is an arXiv
    link this reader would not take).
    """
    if token.startswith("<") and token.endswith(">") and len(token) > 2:
        candidate = token[1:-1]
        normal = _arxiv_abs(candidate)
    else:
        found = _LINK_IN_TEXT.match(token)
        if found is None:
            return None
        candidate = _link_of(found)
        normal = _arxiv_link(candidate)
        if normal is None and _broken_arxiv(candidate):
            return None
    if normal is not None:
        return normal
    return candidate if _usable_url(candidate) else None


def _link_in_section(text: str) -> str | None:
    """The link a link section gives: the whole answer, a Markdown link, any URL in it, or an arXiv id."""
    text = text.strip()
    if not text:
        return None
    whole = _MARKDOWN_LINK.fullmatch(text)
    if whole is not None:
        found = _as_link(whole.group(1))
        if found:
            return found
    if not any(ch.isspace() for ch in text):
        found = _as_link(text)
        if found:
            return found
    found = _first_link(text, arxiv_only=True) or _first_link(text, arxiv_only=False)
    if found:
        return found
    if _ARXIV_HINT.search(text) or len(text) <= 40:
        for match in _BARE_ARXIV.finditer(text):
            normal = _arxiv_abs(match.group(1) or match.group(2))
            if normal:
                return normal
    return None


def _broken_arxiv_in(text: str) -> str | None:
    """The first arXiv link in ``text`` without a valid id, if any."""
    return next((url for url in _urls_in(text) if _broken_arxiv(url)), None)


def _holds_broken_arxiv(text: str) -> bool:
    """Whether ``text`` holds an arXiv link without a valid id."""
    return _broken_arxiv_in(text) is not None


def _md_image_pattern(prefix: str) -> str:
    return (
        rf"!\[(?P<{prefix}alt>(?:[^\[\]\\\n]|\\.){{0,1000}})\][(][ \t]{{0,10}}"
        rf"(?:<(?P<{prefix}pt>(?:[^<>\\\n]|\\.){{0,2100}})>|(?P<{prefix}pl>[^\s()<>]{{1,2100}}))"
        rf"(?:[ \t]{{1,10}}(?:\"(?P<{prefix}dq>(?:[^\"\\\n]|\\.){{0,1000}})\""
        rf"|'(?P<{prefix}sq>(?:[^'\\\n]|\\.){{0,1000}})'))?[ \t]{{0,10}}[)]"
    )


# A linked image ``[![alt](src)](href)`` first, so that the whole link goes; then plain Markdown
# images, then HTML <img> tags. Every repetition is bounded and its alternatives are disjoint, so
# matching stays linear.
_IMAGE = re.compile(
    rf"\[{_md_image_pattern('l')}\]\([^()\s]{{0,2100}}\)|{_md_image_pattern('p')}|<img\b(?P<h>[^<>]{{0,4000}})>",
    re.IGNORECASE,
)
_HTML_ATTRIBUTE = re.compile(r"([A-Za-z_:][-A-Za-z0-9_:.]*)[ \t\n]*=[ \t\n]*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+))")
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_IMAGE_SUFFIX = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|avif|bmp)(?:[?#]\S*)?$", re.IGNORECASE)


def _unescape(text: str) -> str:
    return _BACKSLASH_ESCAPE.sub(r"\1", text)


def _image(src: str, alt: str, caption: str) -> dict[str, str] | None:
    src = src.strip()
    if not src or len(src) > 2048 or any(ch.isspace() for ch in src):
        return None
    image = {"src": src}
    alt, caption = clean_line(alt), clean_line(caption)
    if alt:
        image["alt"] = alt
    if caption:
        image["caption"] = caption
    return image


def _image_of(match: re.Match[str]) -> dict[str, str] | None:
    attributes = match.group("h")
    if attributes is not None:
        found: dict[str, str] = {}
        for attribute in _HTML_ATTRIBUTE.finditer(attributes):
            value = next(v for v in attribute.groups()[1:] if v is not None)
            found.setdefault(attribute.group(1).lower(), html.unescape(value))
        return _image(found.get("src", ""), found.get("alt", ""), found.get("title", ""))
    prefix = "l" if match.group("lalt") is not None else "p"
    src = match.group(f"{prefix}pt")
    if src is None:
        src = match.group(f"{prefix}pl")
    caption = match.group(f"{prefix}dq")
    if caption is None:
        caption = match.group(f"{prefix}sq") or ""
    return _image(_unescape(src or ""), _unescape(match.group(f"{prefix}alt")), _unescape(caption))


MAX_IMAGES: Final = 100
"""Images taken from one text; more image syntax stays in the text (and keeps huge bodies fast)."""


def _take_images(text: str) -> tuple[str, list[dict[str, str]]]:
    """Text without its images (outside code), and the images in order (at most ``MAX_IMAGES``)."""
    if "![" not in text and "<img" not in text.lower():
        return text, []
    lines = text.split("\n")
    flags, _ = _scan_fences(lines)
    kept: list[str] = []
    images: list[dict[str, str]] = []
    squeeze = False  # after a dropped image line, skip the blank lines that would double up
    for line, in_code in zip(lines, flags, strict=True):
        if not in_code and ("![" in line or "<img" in line.lower()):

            def take(match: re.Match[str]) -> str:
                image = _image_of(match) if len(images) < MAX_IMAGES else None
                if image is None:
                    return match.group()
                images.append(image)
                return ""

            rest = _IMAGE.sub(take, line)
            if rest != line and not rest.strip():
                squeeze = squeeze or not kept or not kept[-1].strip()
                continue
            line = rest
        if squeeze and not line.strip():
            continue
        squeeze = False
        kept.append(line)
    return "\n".join(kept), images


def _images_answer(text: str) -> tuple[list[dict[str, str]], str]:
    """The images of an Images answer (Markdown, HTML, or one URL or path per line) and any other text."""
    rest, images = _take_images(text)
    others: list[str] = []
    for line in rest.split("\n"):
        token = line.strip()
        if not token:
            continue
        bare = token[1:-1] if token.startswith("<") and token.endswith(">") else token
        is_path = "/" in bare or _IMAGE_SUFFIX.search(bare) is not None
        if not any(ch.isspace() for ch in bare) and (_usable_url(bare) or is_path):
            image = _image(bare, "", "")
            if image is not None:
                images.append(image)
                continue
        others.append(line)
    return images, clean_block("\n".join(others))


def _escape_chars(text: str, chars: str) -> str:
    return "".join(f"\\{ch}" if ch in chars else ch for ch in text)


def _markdown_image(image: Mapping[str, Any]) -> str:
    src = str(image.get("src", ""))
    alt = clean_line(str(image.get("alt", "")))
    caption = clean_line(str(image.get("caption", "")))
    destination = f"<{_escape_chars(src, '<>' + chr(92))}>" if any(ch in src for ch in "()<>\\") else src
    title = f' "{_escape_chars(caption, chr(34) + chr(92))}"' if caption else ""
    return f"![{_escape_chars(alt, '[]' + chr(92))}]({destination}{title})"


_DATE = re.compile(
    r"(?<!\d)(\d{4})[ \t]{0,3}(?:[-/.]|年)[ \t]{0,3}(\d{1,2})[ \t]{0,3}(?:[-/.]|月)[ \t]{0,3}(\d{1,2})(?!\d)"
    r"|(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"
)


def _dates(text: str) -> tuple[str | None, bool]:
    """The first real date written in ``text`` (YYYY-MM-DD), and whether any date-like text was seen."""
    seen = False
    for match in _DATE.finditer(text):
        seen = True
        parts = match.groups()
        year, month, day = parts[0:3] if parts[0] is not None else parts[3:6]
        try:
            return dt.date(int(year or 0), int(month or 0), int(day or 0)).isoformat(), True
        except ValueError:
            continue
    return None, seen


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?\s{0,3}([Zz]|[+-]\d{2}:?\d{2})?"
)


def _utc_date(stamp: str) -> str | None:
    """The UTC date of an RFC 3339 time stamp, or None when it is not one."""
    match = _RFC3339.fullmatch(stamp.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    zone = match.group(7) or "Z"
    offset = dt.timedelta(0)
    if zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    try:
        moment = dt.datetime(year, month, day, hour, minute, min(second, 59), tzinfo=dt.timezone(offset))
        return moment.astimezone(dt.timezone.utc).date().isoformat()
    except (ValueError, OverflowError):
        return None


_WEEK = re.compile(r"(\d{4})\s{0,3}-?\s{0,3}[Ww]\s{0,3}(\d{1,2})")
_WEEK_ID = re.compile(WEEK_ID_PATTERN)
_SLUG = re.compile(SLUG_PATTERN)


def _week(text: str) -> str | None:
    match = _WEEK.fullmatch(text.strip())
    if match is None:
        return None
    week = f"{match.group(1)}-W{int(match.group(2)):02d}"
    return week if _WEEK_ID.match(week) else None


def _week_exists(week: str, scheme: WeekScheme) -> bool:
    try:
        Week.parse(week, scheme)
    except WeekError:
        return False
    return True


# --- lists: authors and topics ----------------------------------------------------------------------

_BULLET = re.compile(r"[ \t]{0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+")
# Full-width forms on purpose: Japanese and Chinese author lists use them.
_NAME_SEPARATORS = frozenset(",;，、；")  # noqa: RUF001
_OPENERS, _CLOSERS = "([（【", ")]）】"  # noqa: RUF001


def _split_names(line: str) -> list[str]:
    """Names separated by commas or semicolons, not splitting inside parentheses."""
    names: list[str] = []
    depth = 0
    start = 0
    for index, ch in enumerate(line):
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth = max(0, depth - 1)
        elif ch in _NAME_SEPARATORS and depth == 0:
            names.append(line[start:index])
            start = index + 1
    names.append(line[start:])
    out = []
    for name in names:
        name = clean_line(name)
        for joiner in ("and ", "& ", "＆"):  # noqa: RUF001
            if name.lower().startswith(joiner):
                name = name[len(joiner) :].strip()
        if name:
            out.append(name)
    return out


def _authors(text: str) -> list[str]:
    """Authors, one per list item or line, or separated by commas on a plain line."""
    authors: list[str] = []
    for line in text.split("\n"):
        bullet = _BULLET.match(line)
        if bullet is not None:
            name = clean_line(line[bullet.end() :])
            if name:
                authors.append(name)
        elif line.strip():
            authors.extend(_split_names(line))
    return authors


_TOPIC_TOKEN = re.compile(r'"((?:[^"]|"")*)"|[,、，\n]|[^",、，\n]+|"')  # noqa: RUF001
_TOPIC_NEEDS_QUOTES = re.compile(r'[",、，]|^(?:[-*+]|\d{1,9}[.)])\s')  # noqa: RUF001


def _topics_answer(text: str) -> list[str]:
    """Topics separated by commas or lines; an item in double quotes may hold commas (``""`` is a quote)."""
    topics: list[str] = []
    pieces: list[str] = []

    def finish() -> None:
        item = clean_line("".join(pieces))
        pieces.clear()
        if item:
            topics.append(item)

    for token in _TOPIC_TOKEN.finditer(text):
        quoted = token.group(1)
        if quoted is not None:
            pieces.append(quoted.replace('""', '"'))
        elif token.group() in (",", "、", "，", "\n"):  # noqa: RUF001
            finish()
        else:
            piece = token.group()
            if not "".join(pieces).strip():
                bullet = _BULLET.match(piece)
                piece = piece[bullet.end() :] if bullet is not None else piece
            pieces.append(piece)
    finish()
    return topics


def _topics_text(topics: Iterable[str]) -> str:
    quoted = []
    for topic in topics:
        needs = _TOPIC_NEEDS_QUOTES.search(topic) is not None
        quoted.append('"' + topic.replace('"', '""') + '"' if needs else topic)
    return ", ".join(quoted)


# --- titles --------------------------------------------------------------------------------------

_PLACEHOLDERS: Final = frozenset(
    _label_key(word)
    for word in (
        "a",
        "aa",
        "あ",
        "test",
        "testing",
        "tbd",
        "tba",
        "todo",
        "wip",
        "untitled",
        "no title",
        "title",
        "new issue",
        "issue",
        "draft",
        "tmp",
        "temp",
        "paper",
        "memo",
        "xxx",
        "無題",
        "タイトル",
        "テスト",
        "未定",
        "メモ",
        "論文",
        "无标题",
        "标题",
        "测试",
        "待定",
        "论文",
    )
)


def _placeholder(text: str) -> bool:
    """Whether a title says nothing: empty, one character, one repeated character, only symbols, or "TBD"."""
    key = _label_key(text)
    compact = key.replace(" ", "")
    return len(compact) <= 1 or len(set(compact)) == 1 or key in _PLACEHOLDERS or not any(ch.isalnum() for ch in key)


def _truncate(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


# --- labels --------------------------------------------------------------------------------------

LabelMeaning = Literal["ignore", "pick", "kind", "week", "status", "topic", "other"]


def _has_prefix(text: str, prefix: str) -> bool:
    return bool(prefix) and text[: len(prefix)].casefold() == prefix.casefold()


def classify_label(label: str, rules: LabelRules) -> tuple[LabelMeaning, str]:
    """What a label means under ``rules``, and its value (a kind's label value, a week, a topic, ...)."""
    text = clean_line(label)
    folded = text.casefold()
    if not text or folded in {name.casefold() for name in rules.ignore}:
        return "ignore", text
    if rules.pick and folded == rules.pick.casefold():
        return "pick", text
    if _has_prefix(text, rules.kind_prefix):
        return "kind", text[len(rules.kind_prefix) :].strip()
    if folded in {name.casefold() for name in rules.kinds}:
        return "kind", text
    if _has_prefix(text, rules.week_prefix):
        return "week", text[len(rules.week_prefix) :].strip()
    if _has_prefix(text, rules.status_prefix):
        return "status", text[len(rules.status_prefix) :].strip()
    if folded == "skip":
        return "status", "skip"
    if not rules.topic_prefix:
        return "topic", text
    if _has_prefix(text, rules.topic_prefix):
        topic = text[len(rules.topic_prefix) :].strip()
        return ("topic", topic) if topic else ("other", text)
    return "other", text


# --- reading an issue --------------------------------------------------------------------------


MAX_SECTIONS: Final = 1000
"""Headings that start sections; later ones stay in the last section (a bound for huge bodies)."""


@dataclass(slots=True)
class _Section:
    heading: str | None
    """Heading text as written (closing sequence dropped); None for text before the first heading."""
    name: str | None
    """The field the heading stands for, or None for a note."""
    multiline: bool
    """A form textarea: an unknown ``### Heading`` inside it belongs to the answer."""
    lines: list[str] = field(default_factory=list)
    note: bool = False
    """Set when the section ends up in notes."""
    value: str | None = None
    """The decoded answer, once read."""
    split: tuple[str, list[dict[str, str]]] | None = None

    def without_images(self) -> tuple[str, list[dict[str, str]]]:
        """The decoded answer without its images, and the images (worked out once)."""
        if self.split is None:
            self.split = _take_images(self.value or "")
        return self.split

    @property
    def key(self) -> str:
        """The notes key: the heading, or PREAMBLE_KEY for text under no (or an empty) heading."""
        return decode_mentions(self.heading) if self.heading else PREAMBLE_KEY


_MARKER_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
_MARKER_LINE = re.compile(
    r"[ \t]{0,3}<!--[ \t]{0,10}ghdigest:entry=([A-Za-z0-9][A-Za-z0-9._-]{0,199})[ \t]{0,10}-->\s*"
)
_CHECKBOX = re.compile(r"[ \t]{0,3}[-*+][ \t]+\[([ xX])\][ \t]*(.*)")
_PICK_KEYS: Final = frozenset(_label_key(alias) for alias in (*dict(_ALIAS_TABLE)["pick"], PICK_OPTION))


def _checked_pick(sections: list[_Section]) -> bool:
    """Whether a free-form body holds a checked "Editor's pick" checkbox."""
    for section in sections:
        for line in (section.value or "").split("\n"):
            box = _CHECKBOX.fullmatch(line) if "[" in line else None
            if box is not None and box.group(1) in "xX" and _label_key(box.group(2)[:_MAX_LABEL]) in _PICK_KEYS:
                return True
    return False


def _is_form(lines: list[str], flags: list[bool], has_marker: bool) -> bool:
    """Whether a body is an issue form: two form labels, or one with ``_No response_`` or a marker."""
    names: set[str] = set()
    no_response = False
    for line, in_code in zip(lines, flags, strict=True):
        if in_code or not line.startswith(("###", "_No")):
            continue
        if line.strip() == NO_RESPONSE:
            no_response = True
            continue
        heading = _atx(line)
        if heading is not None and heading[0] == 0 and heading[1] == 3:
            name = _form_field_name(heading[2])
            if name is not None:
                names.add(name)
                if len(names) >= 2:
                    return True
    return bool(names) and (no_response or has_marker)


def _split(lines: list[str], flags: list[bool], form: bool) -> list[_Section]:
    current = _Section(None, None, False)
    sections = [current]
    for line, in_code in zip(lines, flags, strict=True):
        # Inlined heading test: this loop runs once per line of bodies up to megabytes long.
        match = None if in_code or not line.startswith(("#", " ")) else _ATX.match(line)
        if match is None or len(sections) >= MAX_SECTIONS:
            current.lines.append(line)
            continue
        indent, level = len(match.group(1)), len(match.group(2))
        raw = line[match.end() :].strip(" \t")
        content = " ".join(_without_closing(raw).split())
        if form:
            # A form body: only "### Label" starts a field; an unknown "### X" starts a note unless
            # it stands inside a free-text answer, where it is part of that answer.
            if indent == 0 and level == 3:
                name = _form_field_name(raw)
                if name is not None or not current.multiline:
                    multiline = name is not None and (
                        name.startswith("summary") or FIELDS_BY_NAME[name].type == "textarea"
                    )
                    current = _Section(content, name, multiline)
                    sections.append(current)
                    continue
        elif level <= 3:
            current = _Section(content, _alias_name(content), False)
            sections.append(current)
            continue
        current.lines.append(line)
    return sections


class _Reader:
    """One parse: the issue, the rules, and what has been found so far."""

    def __init__(self, issue: IssueInput, rules: LabelRules, default_kind: Kind, ready_status: Status) -> None:
        self.issue = issue
        self.rules = rules
        self.default_kind = default_kind
        self.ready_status = ready_status
        self.problems: list[str] = []
        self.fields: dict[str, Any] = {}
        self.marked = False

    def problem(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)

    def read(self) -> Intake:
        lines = _plain(self.issue.body or "").split("\n")
        flags, _ = _scan_fences(lines)
        marker = None
        body_lines: list[str] = []
        body_flags: list[bool] = []
        for line, in_code in zip(lines, flags, strict=True):
            found = None if in_code or "ghdigest:entry=" not in line else _MARKER_LINE.fullmatch(line)
            if found is not None:
                marker = found.group(1)
                continue
            body_lines.append(line)
            body_flags.append(in_code)
        self.marked = marker is not None
        form = _is_form(body_lines, body_flags, marker is not None)
        sections = _split(body_lines, body_flags, form)
        labels = self.read_labels()
        self.read_sections(sections, form, labels)
        return Intake(_ordered(self.fields), marker, tuple(self.problems))

    # labels -------------------------------------------------------------------------------------

    def read_labels(self) -> dict[str, Any]:
        found: dict[str, Any] = {"topics": []}
        kinds = {name.casefold(): kind for name, kind in self.rules.kinds.items()}
        for label in self.issue.labels:
            meaning, value = classify_label(label, self.rules)
            if meaning == "pick":
                found["pick"] = True
            elif meaning == "kind":
                kind = kinds.get(value.casefold())
                if kind is None:
                    self.problem(f"label '{clean_line(label)}' names no known kind; ignored")
                else:
                    found.setdefault("kind", kind)
            elif meaning == "week":
                week = self.week(value, f"label '{clean_line(label)}'")
                if week is not None:
                    found.setdefault("week", week)
            elif meaning == "status":
                status = value.casefold()
                if status in _STATUSES:
                    found.setdefault("status", status)
                else:
                    self.problem(f"label '{clean_line(label)}' names no known status; ignored")
            elif meaning == "topic":
                if len(value) > 100:
                    self.problem(f"topic label '{value[:40]}…' is longer than 100 characters; dropped")
                elif value not in found["topics"]:
                    found["topics"].append(value)
        return found

    def week(self, text: str, what: str) -> str | None:
        """The week ``text`` names, or None (with a problem) when it is malformed or not in the scheme."""
        week = _week(text)
        if week is None:
            self.problem(f"{what} is not a week such as 2020-W38; ignored")
        elif self.rules.week_scheme is not None and not _week_exists(week, self.rules.week_scheme):
            self.problem(f"{what}: {week} does not exist in {self.rules.week_scheme} weeks; ignored")
            week = None
        return week

    # sections -----------------------------------------------------------------------------------

    def read_sections(self, sections: list[_Section], form: bool, labels: dict[str, Any]) -> None:
        claimed: dict[str, _Section] = {}
        for section in sections:
            if section.name is None or section.name in claimed:
                section.note = section.heading is not None or bool("\n".join(section.lines).strip())
            else:
                claimed[section.name] = section
            # Outside forms every section reads like a note; in forms, one-line answers and notes
            # escape any "### " line, free-text answers only form labels.
            section.value = _decode("\n".join(section.lines), not section.multiline)
            if not form and section.value is not None and "<br" in section.value.lower():
                section.value = _without_edge_breaks(section.value)

        fields = self.fields
        fields["kind"] = labels.get("kind", self.default_kind)
        images: list[dict[str, str]] = []
        self.read_one_liners(claimed)
        self.read_summary(claimed, images)
        preamble = sections[0]
        if preamble.note and preamble.value is not None:
            rest, found = preamble.without_images()
            preamble.value = _trim_block(rest)
            images[:0] = found
        self.read_lists(claimed, labels, images)
        self.read_dates(claimed)
        url = self.read_url(claimed, sections, form)
        if preamble.note and url and _link_only(preamble.value or "") and _link_in_section(preamble.value or "") == url:
            preamble.note = False  # a bare link as the whole text: it is the entry's url, nothing more
        if not form and "pick" not in claimed and _checked_pick(sections):
            fields["pick"] = True
        if not images and not form:
            # Free-form issues often put their figure under Methods or Results: show it, keep the note.
            for section in sections:
                if section.note and section.value:
                    images.extend(section.without_images()[1])
        if images:
            fields["images"] = images
        if labels.get("pick") or fields.get("pick"):
            fields["pick"] = True
        notes: dict[str, str] = {}
        counters: dict[str, int] = {}
        for section in sections:
            if section.note:
                _add_note(notes, counters, section.key, section.value or "")
        if notes:
            fields["notes"] = notes
        self.read_status(labels)

    def read_one_liners(self, claimed: dict[str, _Section]) -> None:
        for name, limit in (("headline", 300), ("title", 500)):
            section = claimed.get(name)
            text = clean_line(section.value or "") if section else ""
            if text:
                if len(text) > limit:
                    self.problem(f"{name} was longer than {limit} characters and was shortened")
                self.fields[name] = _truncate(text, limit)
        if "headline" not in self.fields:
            headline = self.headline_from_title()
            if headline:
                self.fields["headline"] = headline
        section_field = claimed.get("section")
        if section_field is not None and section_field.value is not None:
            slug = clean_line(section_field.value)
            if _SLUG.match(slug) and len(slug) <= 64:
                self.fields["section"] = slug
            else:
                self.problem(f"section '{slug[:40]}' is not a section id such as papers; kept in notes")
                section_field.note = True
        card: dict[str, str] = {}
        for part in ("title", "description", "site"):
            section = claimed.get(f"link_card.{part}")
            if section is None or section.value is None:
                continue
            text = section.value if part == "description" else clean_line(section.value)
            if part == "title" and len(text) > 500:
                self.problem("link card title was longer than 500 characters and was shortened")
                text = _truncate(text, 500)
            if text.strip():
                card[part] = text
        if card and "title" not in card:
            self.problem("link card has no title; its other parts are kept in notes")
            for part in card:
                claimed[f"link_card.{part}"].note = True
        elif card:
            self.fields["link_card"] = card

    def headline_from_title(self) -> str | None:
        """The issue title without the links in it, unless what is left is a placeholder."""
        text = " ".join(word for word in clean_line(self.issue.title or "").split(" ") if not _link_word(word))
        if not text or _placeholder(text):
            return None
        if len(text) > 300:
            self.problem("headline was longer than 300 characters and was shortened")
        return _truncate(text, 300)

    def read_summary(self, claimed: dict[str, _Section], images: list[dict[str, str]]) -> None:
        def text_of(section: _Section | None) -> str | None:
            if section is None or section.value is None:
                return None
            rest, found = section.without_images()
            images.extend(found)
            return _trim_block(rest) or None

        # Summary, else TL;DR, else Abstract: the first one with text is the summary, the rest are notes.
        source = None
        plain = None
        for name in ("summary", "tldr", "abstract"):
            section = claimed.get(name)
            if plain is None:
                source = section
                plain = text_of(section)
            elif section is not None:
                section.note = True
        languages: dict[str, str] = {}
        for name, section in claimed.items():
            if name.startswith("summary:"):
                text = text_of(section)
                if text is not None:
                    languages[name.partition(":")[2]] = text
        if languages:
            self.fields["summary"] = languages
            if plain is not None:
                self.problem("both a plain and a per-language summary were given; the plain one is kept in notes")
                if source is not None:
                    source.note = True
        elif plain is not None:
            self.fields["summary"] = plain

    def read_lists(self, claimed: dict[str, _Section], labels: dict[str, Any], images: list[dict[str, str]]) -> None:
        section = claimed.get("images")
        if section is not None and section.value is not None:
            found, others = _images_answer(section.value)
            images[:0] = found
            if others:
                section.value = others
                section.note = True
        section = claimed.get("authors")
        if section is not None and section.value is not None:
            authors = _authors(section.value)
            if authors:
                self.fields["authors"] = authors
        topics: list[str] = []
        section = claimed.get("topics")
        if section is not None and section.value is not None:
            for topic in _topics_answer(section.value):
                if len(topic) > 100:
                    self.problem(f"topic '{topic[:40]}…' is longer than 100 characters; dropped")
                elif topic not in topics:
                    topics.append(topic)
        topics.extend(topic for topic in labels["topics"] if topic not in topics)
        if topics:
            self.fields["topics"] = topics
        # A week label wins over the form's Week answer: moving an entry is a label change on GitHub.
        week = labels.get("week")
        section = claimed.get("week")
        if week is None and section is not None and section.value is not None:
            week = self.week(clean_line(section.value), f"week '{clean_line(section.value)[:40]}'")
        if week is not None:
            self.fields["week"] = week
        section = claimed.get("pick")
        if section is not None and section.value is not None:
            boxes = [m for m in map(_CHECKBOX.fullmatch, section.value.split("\n")) if m is not None]
            if boxes:
                self.fields["pick"] = any(box.group(1) in "xX" for box in boxes)

    def read_dates(self, claimed: dict[str, _Section]) -> None:
        for name in ("submitted", "date"):
            section = claimed.get(name)
            if section is None or section.value is None:
                continue
            date, seen = _dates(section.value)
            if date is not None:
                self.fields[name] = date
            else:
                what = "is not a real date" if seen else "holds no date"
                self.problem(f"{name}: '{clean_line(section.value)[:40]}' {what}; kept in notes")
                section.note = True
        # A person's issue is dated by when it was opened. An issue ghdigest opened from an entry
        # file says all the entry says: a date it lacks, the entry lacks, and reading it back must
        # give the entry unchanged (a date would move an entry listed by a digest file).
        if "date" not in self.fields and self.issue.created_at and not self.marked:
            date = _utc_date(self.issue.created_at)
            if date is not None:
                self.fields["date"] = date

    def read_url(self, claimed: dict[str, _Section], sections: list[_Section], form: bool) -> str | None:
        section = claimed.get("url")
        url = None
        broken = False
        if section is not None and section.value is not None:
            url = _link_in_section(section.value)
            broken = url is None and _holds_broken_arxiv(section.value)
            if broken:
                self.problem(f"link '{clean_line(section.value)[:60]}' has no valid arXiv id; kept in notes")
                section.note = True
            elif url is None:
                self.problem(f"link '{clean_line(section.value)[:60]}' is not an http(s) URL; kept in notes")
                section.note = True
        # In a form, an empty Link answer means "no link": guessing one from the summary or the title
        # would add a url the entry never had. A mistyped arXiv link is no licence to guess either: the
        # first other arXiv link is most likely related work.
        if url is None and not broken and not (form and section is not None):
            texts = [s.without_images()[0] for s in sections if s.value and s.name != "images"]
            url = next(filter(None, (_first_link(t, arxiv_only=True) for t in texts)), None)
            mistyped = None if url else next(filter(None, map(_broken_arxiv_in, texts)), None)
            if mistyped is not None:
                # The paper's own link, mistyped: the next link in the text is a blog or the code.
                self.problem(f"link '{mistyped[:60]}' has no valid arXiv id; no link was taken")
            else:
                url = url or next(filter(None, (_first_link(t, arxiv_only=False) for t in texts)), None)
            url = url or self.url_from_title()
        if url is not None:
            self.fields["url"] = url
        return url

    def url_from_title(self) -> str | None:
        for word in clean_line(self.issue.title or "").split(" "):
            if _link_word(word):
                found = _link_in_section(word)
                if found is not None:
                    return found
        return None

    def read_status(self, labels: dict[str, Any]) -> None:
        fields = self.fields
        missing = [name for name in ("headline", "summary") if name not in fields]
        if fields["kind"] == "paper" and "url" not in fields:
            missing.append("url")
        reasons = {
            "headline": "no headline: the issue title is a link or a placeholder and no Headline is given",
            "summary": "no summary",
            "url": "no link: a paper needs its URL (its arXiv page if it has one)",
        }
        if "headline" in missing and not clean_line(self.issue.title or ""):
            reasons["headline"] = "no headline: the issue has no title and no Headline is given"
        for name in missing:
            self.problem(reasons[name])
        labelled = labels.get("status")
        if labelled == "skip":
            fields["status"] = "skip"
        elif missing:
            fields["status"] = "inbox"
        elif labelled is not None:
            fields["status"] = labelled
        elif self.ready_status != "selected":
            fields["status"] = self.ready_status  # "selected" is the schema's default: written only when asked


def _link_word(word: str) -> bool:
    """Whether a word of a title is a link (or an arXiv id) rather than words."""
    lowered = word.lower()
    return (
        lowered.startswith(("http://", "https://", "<http", "arxiv:", "[http"))
        or lowered.startswith(("arxiv.org/", "www.arxiv.org/", "export.arxiv.org/"))
        or (lowered.startswith("[") and "](http" in lowered)
        or _BRACKETED_ARXIV.fullmatch(word) is not None
    )


def _link_only(text: str) -> bool:
    """Whether ``text`` is nothing but one link."""
    text = text.strip()
    return bool(text) and (not any(ch.isspace() for ch in text) or _MARKDOWN_LINK.fullmatch(text) is not None)


def _add_note(notes: dict[str, str], counters: dict[str, int], key: str, value: str) -> None:
    """Add a note under ``key``, or ``key (2)``, ``key (3)``, ... when taken (linear over many repeats)."""
    candidate = key
    while candidate in notes:
        counters[key] = counters.get(key, 1) + 1
        candidate = f"{key} ({counters[key]})"
    notes[candidate] = value


_FIELD_ORDER: Final = (
    "kind",
    "status",
    "headline",
    "title",
    "url",
    "summary",
    "images",
    "link_card",
    "topics",
    "authors",
    "submitted",
    "date",
    "week",
    "section",
    "pick",
    "notes",
)


def _ordered(fields: dict[str, Any]) -> dict[str, Any]:
    """Fields in the schema's order, the order entry files are written in."""
    return {name: fields[name] for name in _FIELD_ORDER if name in fields}


def parse_issue(
    issue: IssueInput,
    rules: LabelRules = LabelRules(),
    *,
    default_kind: Kind = "paper",
    ready_status: Status = "selected",
) -> Intake:
    """The entry an issue describes; never raises, and the fields always conform to the entry schema."""
    try:
        return _Reader(issue, rules, default_kind, ready_status).read()
    except Exception as exc:  # a last resort: one odd issue must not stop a sync of hundreds
        problem = f"could not read the issue ({type(exc).__name__}); it needs a look"
        return Intake({"kind": default_kind, "status": "inbox"}, None, (problem,))


# --- writing an issue --------------------------------------------------------------------------


def _text(value: Any, block: bool = False) -> str | None:
    if not isinstance(value, str):
        return None
    text = clean_block(value) if block else clean_line(value)
    return text or None


def _answer(fields: Mapping[str, Any], name: str) -> str | bool | None:
    """The answer ``render_issue`` writes for a form field, or None when the entry has none."""
    if name.startswith("link_card."):
        card = fields.get("link_card")
        part = name.partition(".")[2]
        return _text(card.get(part), block=part == "description") if isinstance(card, Mapping) else None
    value = fields.get(name)
    if name == "url" and isinstance(value, str):
        url = clean_line(value)
        return url if _as_link(url) == url else f"<{url}>"  # angle brackets: read verbatim
    if name == "pick":
        return value if isinstance(value, bool) else None
    if name == "authors":
        names = [text for text in map(_text, value) if text] if isinstance(value, list) else []
        return "\n".join(f"- {text}" for text in names) or None
    if name == "images":
        images = [image for image in value if isinstance(image, Mapping)] if isinstance(value, list) else []
        return "\n".join(_markdown_image(image) for image in images) or None
    if name == "topics":
        topics = [text for text in map(_text, value) if text] if isinstance(value, list) else []
        return _topics_text(topics) or None
    return _text(value)


def _section_text(label: str, answer: str | None, any_heading: bool, every_at: bool) -> str:
    return f"{label}\n\n{_encode(answer, any_heading, every_at) if answer else NO_RESPONSE}"


def render_issue(
    fields: Mapping[str, Any],
    rules: LabelRules = LabelRules(),
    *,
    marker: str | None = None,
) -> RenderedIssue:
    """An entry as an issue-form body, title and labels that ``parse_issue`` reads back unchanged."""
    if marker is not None and not _MARKER_KEY.fullmatch(marker):
        raise ValueError(f"marker {marker!r} is not an entry key (letters, digits, '.', '-', '_')")
    kind = str(fields.get("kind", "paper"))
    body = _body(fields, kind, marker, every_at=False)
    if live_mentions_in(body):
        # One answer can change how GitHub reads the next (an HTML block left open, say): read as a
        # whole, the body still mentions someone. Every "@" gets the space then; it reads back the same.
        body = _body(fields, kind, marker, every_at=True)
    return RenderedIssue(_issue_title(fields), body, _labels(fields, kind, rules))


def _body(fields: Mapping[str, Any], kind: str, marker: str | None, *, every_at: bool) -> str:
    asked = KIND_FORM_FIELDS.get(kind, KIND_FORM_FIELDS["other"])
    parts: list[str] = []
    for form_field in FORM_FIELDS:
        name = form_field.name
        if name == "summary":
            summary = fields.get("summary")
            if isinstance(summary, Mapping) and summary:
                for language, text in summary.items():
                    parts.append(_section_text(f"### Summary ({language})", _text(text, block=True), False, every_at))
                continue
            answer: str | bool | None = _text(summary, block=True)
        else:
            answer = _answer(fields, name)
        if answer is None and name not in asked:
            continue
        if isinstance(answer, bool):
            answer = f"- [{'X' if answer else ' '}] {PICK_OPTION}"
        parts.append(_section_text(f"### {form_field.label}", answer, form_field.type != "textarea", every_at))
    notes = fields.get("notes")
    if isinstance(notes, Mapping):
        for key, value in notes.items():
            heading = clean_line(str(key)) or PREAMBLE_KEY
            parts.append(_section_text(_heading_line(heading, every_at), _text(value, block=True), True, every_at))
    if marker is not None:
        parts.append(f"<!-- ghdigest:entry={marker} -->")
    return "\n\n".join(parts)


def _issue_title(fields: Mapping[str, Any]) -> str:
    title = _text(fields.get("headline")) or _text(fields.get("title")) or UNTITLED
    return _truncate(title, GITHUB_TITLE_LIMIT)


def _labels(fields: Mapping[str, Any], kind: str, rules: LabelRules) -> tuple[str, ...]:
    labels = [rules.kind_label(kind)]
    week = fields.get("week")
    if isinstance(week, str) and rules.week_prefix:
        labels.append(f"{rules.week_prefix}{week}")
    status = fields.get("status")
    if isinstance(status, str) and rules.status_prefix:
        # Written whenever the entry states one, "selected" included, so that it reads back the same.
        labels.append(f"{rules.status_prefix}{status}")
    if fields.get("pick") is True and rules.pick:
        labels.append(rules.pick)
    # Topics also travel in the Topics answer (GitHub keeps no label order and caps names at 50
    # characters); a label is added only when it reads back as that very topic.
    topics = fields.get("topics")
    for topic in topics if isinstance(topics, list) else []:
        text = _text(topic)
        if not text:
            continue
        label = f"{rules.topic_prefix}{text}"
        if len(label) <= GITHUB_LABEL_LIMIT and classify_label(label, rules) == ("topic", text):
            labels.append(label)
    unique: dict[str, str] = {}
    for label in labels:
        unique.setdefault(label.casefold(), label)  # GitHub label names are case-insensitive
    return tuple(unique.values())
