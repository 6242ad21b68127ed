"""arXiv metadata: what the export API says about papers, read from its Atom answers and kept on disk.

Pure parsing and a small JSON store; the requests themselves are made by ``links.http``
(one request at a time, 3 s apart, batches of ids, retries on 503), so that the same paper is
never asked twice and ``--offline`` can work from the store alone.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ghdigest import identifiers
from ghdigest.errors import GhdigestError
from ghdigest.output import write_text_atomic

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
STORE_VERSION = 1
_WITHDRAWN = re.compile(r"\bwithdrawn\b", re.IGNORECASE)


class ArxivError(GhdigestError):
    """arXiv could not be asked (network, an error answer), or the store cannot be used."""


@dataclass(frozen=True)
class ArxivRecord:
    """One paper as arXiv describes it (its latest version unless a version was asked for)."""

    id: str
    """Versionless id, such as ``2009.03393`` or ``hep-th/9901001``."""
    version: int | None
    title: str
    authors: tuple[str, ...]
    submitted: str
    """Date of the first version, YYYY-MM-DD."""
    updated: str
    abstract: str
    categories: tuple[str, ...]
    """Primary category first."""
    withdrawn: bool


@dataclass(frozen=True)
class Feed:
    """What one answer of the export API holds: records by versionless id, or the error it reports."""

    records: dict[str, ArxivRecord]
    error: str | None = None


def _text(element: ElementTree.Element, tag: str) -> str:
    """The text of the child ``tag``, markup inside it included, on one line."""
    child = element.find(tag)
    return " ".join("".join(child.itertext()).split()) if child is not None else ""


def _date(text: str) -> str:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return ""


def query_id(identifier: str) -> str:
    """The id as arXiv's API knows it: old ids lose their subject class (``math.GT/0309136`` → ``math/0309136``)."""
    return re.sub(r"^([a-z-]+)\.[A-Z]{2}/", r"\1/", identifier)


def parse_feed(body: bytes) -> Feed:
    """The records of an export API answer; ValueError when it is not an Atom feed."""
    try:
        feed = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise ValueError(f"not an Atom feed: {exc}") from None
    records: dict[str, ArxivRecord] = {}
    error = None
    for entry in feed.iter(f"{_ATOM}entry"):
        link = _text(entry, f"{_ATOM}id")
        if "/api/errors" in link:  # the API refused the request as a whole (such as one malformed id)
            error = _text(entry, f"{_ATOM}summary") or "an error"
            continue
        identifier = identifiers.arxiv_id(link)
        if identifier is None:
            continue
        version = re.search(r"v([0-9]+)$", link)
        abstract = _text(entry, f"{_ATOM}summary")
        comment = _text(entry, f"{_ARXIV}comment")
        primary = entry.find(f"{_ARXIV}primary_category")
        categories = [c.get("term", "").strip() for c in entry.findall(f"{_ATOM}category")]
        if primary is not None:
            categories.insert(0, primary.get("term", "").strip())
        records[query_id(identifier)] = ArxivRecord(
            id=identifier,
            version=int(version.group(1)) if version else None,
            title=_text(entry, f"{_ATOM}title"),
            authors=tuple(name for name in (_text(a, f"{_ATOM}name") for a in entry.findall(f"{_ATOM}author")) if name),
            submitted=_date(_text(entry, f"{_ATOM}published")),
            updated=_date(_text(entry, f"{_ATOM}updated")),
            abstract=abstract,
            categories=tuple(dict.fromkeys(c for c in categories if c)),
            withdrawn=bool(_WITHDRAWN.search(comment)) or abstract.lower().startswith("this paper has been withdrawn"),
        )
    return Feed(records, error)


def _stored_record(value: Any) -> ArxivRecord | None:
    """A record read back from the store, or None when it is not one this version wrote."""
    if not isinstance(value, dict):
        return None
    texts = ("id", "title", "submitted", "updated", "abstract")
    lists = ("authors", "categories")
    if not (
        all(isinstance(value.get(name), str) for name in texts)
        and all(isinstance(value.get(name), list) and all(isinstance(i, str) for i in value[name]) for name in lists)
        and (value.get("version") is None or type(value.get("version")) is int)
        and isinstance(value.get("withdrawn"), bool)
    ):
        return None
    return ArxivRecord(
        id=value["id"],
        version=value.get("version"),
        title=value["title"],
        authors=tuple(value["authors"]),
        submitted=value["submitted"],
        updated=value["updated"],
        abstract=value["abstract"],
        categories=tuple(value["categories"]),
        withdrawn=value["withdrawn"],
    )


class ArxivStore:
    """Records already fetched, in one JSON file: a paper is never asked about twice.

    Ids arXiv did not know are not kept: a paper announced tomorrow must be found tomorrow. A
    file that cannot be read is noted (``problem``) and started afresh, as a cache should be.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: dict[str, ArxivRecord] = {}
        self.problem: str | None = None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            self.problem = f"the arXiv store {path} is unreadable ({exc}); starting afresh"
            return
        if (
            not isinstance(data, dict)
            or data.get("version") != STORE_VERSION
            or not isinstance(data.get("records"), dict)
        ):
            self.problem = f"{path} is not an arXiv store this ghdigest reads; starting afresh"
            return
        for key, value in data["records"].items():
            record = _stored_record(value)
            if record is not None:
                self.records[key] = record

    def save(self) -> None:
        """Write the store whole (temporary file, then rename)."""
        payload = {
            "version": STORE_VERSION,
            "records": {key: asdict(self.records[key]) for key in sorted(self.records)},
        }
        try:
            write_text_atomic(self.path, json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise ArxivError(f"cannot write the arXiv store {self.path}: {exc.strerror or exc}") from None


Fetch = Callable[[list[str], Callable[[Feed], None]], None]
"""Asks the export API about ids (in batches), handing each answer's Feed on as it comes; raises ArxivError."""


def lookup(ids: Iterable[str], store: ArxivStore, fetch: Fetch | None) -> Mapping[str, ArxivRecord | None]:
    """The record of each id (None: arXiv has no such paper); only ids the store lacks are fetched.

    ``fetch`` None works offline: ids the store lacks are left out of the answer.
    """
    given = list(dict.fromkeys(ids))
    unknown = list(dict.fromkeys(query_id(i) for i in given if query_id(i) not in store.records))
    asked: set[str] = set()
    if unknown and fetch is not None:

        def keep(feed: Feed) -> None:  # each answer is kept at once: a later failure loses none of it
            if feed.error is not None:
                raise ArxivError(f"arXiv refused the request: {feed.error}")
            store.records.update(feed.records)
            store.save()

        fetch(unknown, keep)
        asked = set(unknown)
    answer: dict[str, ArxivRecord | None] = {}
    for identifier in given:
        key = query_id(identifier)
        if key in store.records:
            answer[identifier] = store.records[key]
        elif key in asked:
            answer[identifier] = None
    return answer


def record_fields(record: ArxivRecord) -> dict[str, Any]:
    """Entry fields a record fills: title, url, authors, submitted, topics (the categories)."""
    fields: dict[str, Any] = {
        "title": record.title,
        "url": f"https://arxiv.org/abs/{record.id}",
        "authors": list(record.authors),
        "submitted": record.submitted,
        "topics": list(record.categories),
    }
    return {key: value for key, value in fields.items() if value}
