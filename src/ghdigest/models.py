"""Pydantic models mirroring the JSON Schemas in ``schemas/`` (entry, digest, config).

The schemas are the published contract; these models are the typed view the code works with.
``tests/test_schema_models.py`` proves that both accept and refuse the same documents.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

Kind = Literal["paper", "article", "use_case", "other"]
KINDS: tuple[Kind, ...] = ("paper", "article", "use_case", "other")
Status = Literal["inbox", "selected", "published", "skip"]
Language = Literal["en", "ja", "zh"]

WEEK_ID_PATTERN = r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$"
HTTP_URL_PATTERN = r"^https?://[^\s/?#]+([/?#][^\s]*)?$"
LANGUAGE_CODE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
RFC3339_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def _iso_date_text(value: Any) -> Any:
    """Accept only YYYY-MM-DD text (or a date), as the schema's ``format: date`` does."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        return dt.date.fromisoformat(value)
    raise ValueError("expected a date written YYYY-MM-DD")


def _whole_number(value: Any) -> Any:
    """Accept 12.0 as 12, as JSON Schema's ``integer`` does."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _no_duplicates(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("lists the same item more than once")
    return values


def _language_keys(value: str | dict[str, str]) -> str | dict[str, str]:
    if isinstance(value, dict):
        if not value:
            raise ValueError("needs at least one language")
        for key in value:
            if not re.match(LANGUAGE_CODE_PATTERN, key):
                raise ValueError(f"{key!r} is not a language tag")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text)]
WeekId = Annotated[str, StringConstraints(pattern=WEEK_ID_PATTERN)]
HttpUrl = Annotated[str, StringConstraints(max_length=2048, pattern=HTTP_URL_PATTERN)]
Slug = Annotated[str, StringConstraints(max_length=64, pattern=SLUG_PATTERN)]
NonEmpty = Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]
#: A JSON Schema ``integer``: 12.0 is 12, 12.5 and "12" are not.
WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
LocalizedText = Annotated[NonEmpty | dict[str, NonEmpty], AfterValidator(_language_keys)]
UniqueTexts = Annotated[
    list[Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"\S")]], AfterValidator(_no_duplicates)
]


class _Model(BaseModel):
    # strict: no coercion ("yes" is not true, "12" is not 12), as in the JSON Schemas.
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, regex_engine="python-re")

    @model_validator(mode="before")
    @classmethod
    def _no_null_fields(cls, data: Any) -> Any:
        """An absent field takes its default; a field written empty (null) is an error, as in the schemas."""
        if isinstance(data, dict):
            for name, value in data.items():
                if value is None:
                    raise ValueError(f"{name}: must not be empty (null)")
        return data


class Image(_Model):
    """A figure shown under an entry's summary."""

    src: Annotated[str, StringConstraints(min_length=1, max_length=2048, pattern=r"^[^\s]+$")]
    alt: str | None = None
    caption: NonEmpty | None = None


class LinkCard(_Model):
    """The preview card of a linked page: title, short description, site name."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=r"\S")]
    description: NonEmpty | None = None
    site: NonEmpty | None = None


Timestamp = Annotated[str, StringConstraints(pattern=RFC3339_PATTERN)]


class IssueComment(_Model):
    """A comment on a mirrored issue."""

    id: Annotated[WholeNumber, Field(ge=1)]
    author: Annotated[str, StringConstraints(min_length=1)] | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
    body: str


class IssueRef(_Model):
    """The GitHub issue an entry mirrors."""

    number: Annotated[WholeNumber, Field(ge=1)]
    url: HttpUrl | None = None
    state: Literal["open", "closed"] | None = None
    updated_at: Timestamp | None = None
    comments: list[IssueComment] = []


class Entry(_Model):
    """One digest item as stored in ``issues/<key>.yml``."""

    kind: Kind
    status: Status = "selected"
    headline: Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=r"\S")] | None = None
    title: Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=r"\S")] | None = None
    url: HttpUrl | None = None
    summary: LocalizedText | None = None
    images: list[Image] = []
    link_card: LinkCard | None = None
    topics: UniqueTexts = []
    authors: list[NonEmpty] = []
    submitted: IsoDate | None = None
    date: IsoDate | None = None
    week: WeekId | None = None
    section: Slug | None = None
    pick: bool = False
    notes: dict[str, str] = {}
    issue: IssueRef | None = None


class Digest(_Model):
    """Per-week settings stored in ``issues/digests/<week>.yml``."""

    week: WeekId | None = None
    title: Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=r"\S")] | None = None
    intro: LocalizedText | None = None
    outro: LocalizedText | None = None
    order: Annotated[list[NonEmpty], AfterValidator(_no_duplicates)] = []


class Section(_Model):
    """One section of a digest: an id, the kinds it takes, and its title."""

    id: Slug
    kinds: Annotated[list[Kind], AfterValidator(_no_duplicates)]
    title: LocalizedText | None = None


class SyncSettings(_Model):
    """How ``ghdigest sync`` mirrors issues, from the ``sync`` block of ``ghdigest.yml``."""

    labels: UniqueTexts = []
    state: Literal["open", "closed", "all"] = "all"
    comments: bool = False
    vanished: Literal["keep", "skip", "delete"] = "skip"
    default_kind: Kind = "paper"
    ready_status: Literal["inbox", "selected"] = "selected"
    kind_prefix: str = "kind:"
    week_prefix: Annotated[str, StringConstraints(min_length=1)] = "week:"
    status_prefix: Annotated[str, StringConstraints(min_length=1)] = "status:"
    topic_prefix: str = ""
    pick_label: NonEmpty = "pick"
    ignore_labels: Annotated[list[NonEmpty], AfterValidator(_no_duplicates)] = []


class ReleaseSettings(_Model):
    """How ``ghdigest release`` names a week's GitHub Release, from the ``release`` block of ``ghdigest.yml``."""

    tag: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"\S")] = "digest-{week_id}"


HostPattern = Annotated[
    str, StringConstraints(min_length=1, max_length=253, pattern=r"^([A-Za-z0-9*.-]+|\[[0-9A-Fa-f:.]+\])$")
]


class HostRule(_Model):
    """What the link checker does for one host, from ``links.hosts`` in ``ghdigest.yml``."""

    exclude: bool = False
    accept: Annotated[list[Annotated[WholeNumber, Field(ge=100, le=999)]], AfterValidator(_no_duplicates)] = []
    concurrency: Annotated[WholeNumber, Field(ge=1, le=256)] | None = None
    spacing: Annotated[float, Field(ge=0, le=600)] | None = None


class ArxivLookup(_Model):
    """Whether and where arXiv ids are looked up (arXiv's export API, batched)."""

    lookup: bool = False
    api: HttpUrl = "https://export.arxiv.org/api/query"


class DoiLookup(_Model):
    """Whether and where DOIs are looked up (the DOI handle API, not publisher pages)."""

    lookup: bool = True
    api: HttpUrl = "https://doi.org/api/handles/"


class LinkSettings(_Model):
    """How ``ghdigest check-links`` checks links, from the ``links`` block of ``ghdigest.yml``."""

    timeout: Annotated[float, Field(gt=0, le=600)] = 20
    max_concurrency: Annotated[WholeNumber, Field(ge=1, le=1024)] = 64
    host_concurrency: Annotated[WholeNumber, Field(ge=1, le=256)] = 4
    host_spacing: Annotated[float, Field(ge=0, le=600)] = 0.1
    max_redirects: Annotated[WholeNumber, Field(ge=0, le=50)] = 10
    retry_wait: Annotated[float, Field(ge=0, le=3600)] = 30
    public_only: bool = False
    user_agent: Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=r"^[ -~]+$")] | None = None
    base_url: HttpUrl | None = None
    cache: NonEmpty = ".ghdigest/links.json"
    cache_hours: Annotated[float, Field(ge=0, le=87600)] = 168
    min_streak: Annotated[WholeNumber, Field(ge=1, le=1000)] = 1
    exclude: Annotated[list[NonEmpty], AfterValidator(_no_duplicates)] = []
    hosts: dict[HostPattern, HostRule] = {}
    arxiv: ArxivLookup = ArxivLookup()
    doi: DoiLookup = DoiLookup()


class CmsSettings(_Model):
    """How the Decap CMS admin (``ghdigest cms decap``) saves, from the ``cms`` block of ``ghdigest.yml``."""

    branch: NonEmpty = "main"
    editorial_workflow: bool = False
    auth_base_url: HttpUrl | None = None
    auth_endpoint: NonEmpty | None = None
    media_folder: NonEmpty = "images"
    public_folder: NonEmpty = "images"


class Settings(_Model):
    """A digest repository's settings, from ``ghdigest.yml``."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"\S")]
    digest_title: Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=r"\S")] = (
        "{title} #Week {week}, {year}"
    )
    language: Language = "en"
    week_scheme: Literal["us", "iso"] = "us"
    intro: LocalizedText | None = None
    footer: LocalizedText | None = None
    sections: Annotated[list[Section], Field(min_length=1)] | None = None
    site_url: HttpUrl | None = None
    repo: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")] | None = None
    sync: SyncSettings = SyncSettings()
    release: ReleaseSettings = ReleaseSettings()
    links: LinkSettings = LinkSettings()
    cms: CmsSettings = CmsSettings()
    templates: NonEmpty = "templates"
    output: NonEmpty = "dist"
    max_file_bytes: Annotated[WholeNumber, Field(ge=1024, le=100_000_000)] = 1_000_000


def localized(text: str | dict[str, str] | None, language: str) -> str | None:
    """The text in ``language``, else English, else the first language given."""
    if text is None or isinstance(text, str):
        return text
    return text.get(language) or text.get("en") or next(iter(text.values()), None)
