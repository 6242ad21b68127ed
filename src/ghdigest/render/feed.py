"""Feeds: Atom 1.0, RSS 2.0 and JSON Feed 1.1, one item per week (pure, deterministic, no I/O).

Each item holds the whole digest as HTML (the week's Markdown through ``render.html``, raw HTML
shown as text), with every link made absolute by the ``Locations`` given: the published site
(``site_url``) or the repository's GitHub Releases (see ``render.locations``). Item ids are the
week's page address (``<site_url><week>.md``, or its release page), the same in all three feeds,
and the feeds' own addresses are the locations' ``feed_url``. Dates come
from the content, never the clock: an item is dated 00:00 UTC on the last day of its week,
and a feed by its newest item. Characters XML 1.0 forbids (most control characters,
U+FFFE, U+FFFF, lone surrogates) are removed from everything the feeds carry.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ghdigest.models import Language
from ghdigest.plan import WeekPlan
from ghdigest.render.api import dump_json
from ghdigest.render.html import markdown_to_html
from ghdigest.render.locations import Locations
from ghdigest.render.markdown import page_name

ATOM_FILE, RSS_FILE, JSON_FEED_FILE = "atom.xml", "rss.xml", "feed.json"
#: The feeds' file names in the output folder, by format.
FEED_FILES: Mapping[str, str] = {"atom": ATOM_FILE, "rss": RSS_FILE, "json": JSON_FEED_FILE}
#: Weeks in each feed, newest first. Readers poll feeds often; the JSON Feed specification asks
#: for a few hundred kilobytes at most, and one week of full HTML is about 15 kB.
FEED_WEEKS = 10

_ATOM = "http://www.w3.org/2005/Atom"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

# The RSS feed names the atom:link element with this prefix instead of ElementTree's "ns0".
ET.register_namespace("atom", _ATOM)


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 does not allow."""
    return _XML_INVALID.sub("", text)


@dataclass(frozen=True)
class FeedItem:
    """One week as the feeds show it: id and link (the week's page), title, date, HTML."""

    url: str
    title: str
    date: dt.datetime
    html: str


@dataclass(frozen=True)
class FeedInfo:
    """What the feeds say about themselves: title, language, and where they and the archive live."""

    title: str
    language: Language
    where: Locations

    @property
    def home_page(self) -> str:
        """The archive's address."""
        return self.where.home_page

    @property
    def feed_id(self) -> str:
        """The feeds' own id."""
        return self.where.feed_id

    def feed_url(self, name: str) -> str:
        """The address readers subscribe to for the feed file ``name``."""
        return self.where.feed_url(name)


def newest_weeks(weeks: Sequence[WeekPlan]) -> list[WeekPlan]:
    """The FEED_WEEKS newest of ``weeks``, newest first: the weeks the feeds hold."""
    return sorted(weeks, key=lambda w: w.week, reverse=True)[:FEED_WEEKS]


def feed_items(weeks: Sequence[WeekPlan], pages: Mapping[str, str], where: Locations) -> list[FeedItem]:
    """The items of the newest FEED_WEEKS ``weeks``, newest first; ``pages`` maps their page names to Markdown."""
    items = []
    for plan in newest_weeks(weeks):
        url = where.page_url(plan.week.id)
        last_day = plan.week.end
        items.append(
            FeedItem(
                url=xml_safe(url),
                title=xml_safe(plan.title),
                date=dt.datetime(last_day.year, last_day.month, last_day.day, tzinfo=dt.timezone.utc),
                html=xml_safe(markdown_to_html(pages[page_name(plan.week.id)], where.resolver(plan.week.id))),
            )
        )
    return items


def _rfc3339(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _rfc822(moment: dt.datetime) -> str:
    # email.utils writes English day and month names whatever the locale: "Sat, 19 Sep 2020 00:00:00 GMT".
    return email.utils.format_datetime(moment, usegmt=True)


def _updated(items: Sequence[FeedItem]) -> dt.datetime:
    # An empty feed (no week yet) carries a fixed date rather than the clock's.
    return max((item.date for item in items), default=dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc))


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_safe(v) for k, v in attributes.items()})
    if text is not None:
        element.text = xml_safe(text)
    return element


def _xml(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    return _DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


def atom_feed(info: FeedInfo, items: Sequence[FeedItem]) -> str:
    """The Atom 1.0 feed (RFC 4287): id, title, updated, author, links; entries with id, title, dates, link, content."""

    # Unprefixed Atom elements: ElementTree's default_namespace refuses unqualified attribute
    # names (type, rel, href), so the namespace is declared on the root element itself.
    feed = ET.Element("feed", {"xmlns": _ATOM, _XML_LANG: info.language})
    _sub(feed, "id", info.feed_id)
    _sub(feed, "title", info.title, type="text")
    _sub(feed, "updated", _rfc3339(_updated(items)))
    author = _sub(feed, "author")
    _sub(author, "name", info.title)  # ghdigest.yml names no person; the digest speaks for itself
    _sub(feed, "link", rel="self", type="application/atom+xml", href=info.feed_url(ATOM_FILE))
    _sub(feed, "link", rel="alternate", href=info.home_page)
    _sub(feed, "generator", "ghdigest")
    for item in items:
        entry = _sub(feed, "entry")
        _sub(entry, "id", item.url)
        _sub(entry, "title", item.title, type="text")
        _sub(entry, "updated", _rfc3339(item.date))
        _sub(entry, "published", _rfc3339(item.date))
        _sub(entry, "link", rel="alternate", href=item.url)
        # type="html": the HTML travels as escaped text, so no markup of it is XML markup.
        _sub(entry, "content", item.html, type="html")
    return _xml(feed)


def rss_feed(info: FeedInfo, items: Sequence[FeedItem]) -> str:
    """The RSS 2.0 feed: channel title, link, description, self link; items with title, link, guid, pubDate, HTML."""
    rss = ET.Element("rss", {"version": "2.0"})
    channel = _sub(rss, "channel")
    _sub(channel, "title", info.title)
    _sub(channel, "link", info.home_page)
    _sub(channel, "description", info.title)
    _sub(channel, "language", info.language)
    _sub(channel, "lastBuildDate", _rfc822(_updated(items)))
    _sub(channel, "generator", "ghdigest")
    _sub(channel, f"{{{_ATOM}}}link", rel="self", type="application/rss+xml", href=info.feed_url(RSS_FILE))
    for item in items:
        element = _sub(channel, "item")
        _sub(element, "title", item.title)
        _sub(element, "link", item.url)
        _sub(element, "guid", item.url, isPermaLink="true")
        _sub(element, "pubDate", _rfc822(item.date))
        _sub(element, "description", item.html)
    return _xml(rss)


def json_feed(info: FeedInfo, items: Sequence[FeedItem]) -> str:
    """The JSON Feed 1.1: version, title, home page, feed URL, authors; per item id, url, title, content_html, dates."""
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": xml_safe(info.title),
        "home_page_url": info.home_page,
        "feed_url": info.feed_url(JSON_FEED_FILE),
        "language": info.language,
        "authors": [{"name": xml_safe(info.title)}],
        "items": [
            {
                "id": item.url,
                "url": item.url,
                "title": item.title,
                "content_html": item.html,
                "date_published": _rfc3339(item.date),
                "date_modified": _rfc3339(item.date),
            }
            for item in items
        ],
    }
    return dump_json(document)


def render_feeds(info: FeedInfo, items: Sequence[FeedItem]) -> dict[str, str]:
    """Every feed file's name and text."""
    return {
        ATOM_FILE: atom_feed(info, items),
        RSS_FILE: rss_feed(info, items),
        JSON_FEED_FILE: json_feed(info, items),
    }
