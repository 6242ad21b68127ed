"""Where the published output lives, for absolute links in the feeds and the content API (pure, no I/O).

Two places, one interface (:class:`Locations`):

- :class:`SiteLocations`: the output folder is published at ``site_url``, so every file is
  ``<site_url><path>``; relative links resolve against the week's page, as a browser would.
- :class:`ReleaseLocations`: no site, but the repository is known. Each week lives on its GitHub
  Release page (``<web>/OWNER/NAME/releases/tag/<tag>``), the archive is the releases list, and
  the feeds are assets of the release marked Latest
  (``<web>/OWNER/NAME/releases/latest/download/<file>``, which GitHub redirects to that asset).
  Relative links in a week's page name files of the output folder, which is not published:
  a week's page (``2020-W37.md``) becomes that week's release page, ``index.md`` the releases
  list, and any other path (an image kept in the repository) the file at that path from the
  repository's root on its default branch (``blob/HEAD/…`` for links, ``raw/HEAD/…`` for
  images, which serves the file itself). ``#anchor`` links point into the week's release page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote, urljoin, urlsplit

from ghdigest.render.markdown import page_name

#: A week's link resolver: ``(link or image address as written, is_image) → absolute address``.
LinkResolver = Callable[[str, bool], str]
#: The web address of github.com; GitHub Enterprise Server has its own.
GITHUB_WEB_URL = "https://github.com"
HOME_PAGE = "index.md"
# A base that only serves to let urljoin normalise a relative path ("./", "../", "/"):
# RFC 3986 drops ".." segments above the root, so a path never climbs out of the repository.
_ROOT = "https://root.invalid/"


class Locations(Protocol):
    """Where a week's page, the archive and the feeds are found, and how a week's relative links resolve."""

    @property
    def site_url(self) -> str | None:
        """The address the output folder is published at (``site_url``, ending in ``/``), or None."""

    @property
    def feeds_in_releases(self) -> bool:
        """Whether the feeds are attached to the releases (rather than published with the output folder)."""

    @property
    def home_page(self) -> str:
        """The archive's address: the feeds' home page."""

    @property
    def feed_id(self) -> str:
        """The feeds' own id: stable for as long as the settings do not change."""

    def page_url(self, week_id: str) -> str:
        """The address of week ``week_id``'s page: the feed item's id and link."""

    def feed_url(self, name: str) -> str:
        """The address readers subscribe to for the feed file ``name``."""

    def resolver(self, week_id: str) -> LinkResolver:
        """How links and images in week ``week_id``'s HTML are made absolute."""


@dataclass(frozen=True)
class SiteLocations:
    """The output folder published at ``base`` (``site_url`` ending in ``/``): every file at ``<base><path>``."""

    base: str

    @property
    def site_url(self) -> str | None:
        """``base``."""
        return self.base

    @property
    def feeds_in_releases(self) -> bool:
        """False: the feeds are published with the output folder."""
        return False

    @property
    def home_page(self) -> str:
        """``<base>index.md``."""
        return f"{self.base}{HOME_PAGE}"

    @property
    def feed_id(self) -> str:
        """``base``."""
        return self.base

    def page_url(self, week_id: str) -> str:
        """``<base><week>.md``."""
        return f"{self.base}{page_name(week_id)}"

    def feed_url(self, name: str) -> str:
        """``<base><name>``."""
        return f"{self.base}{name}"

    def resolver(self, week_id: str) -> LinkResolver:
        """Relative to the week's page, as a browser resolves them."""
        page = self.page_url(week_id)
        return lambda value, image: urljoin(page, value)


@dataclass(frozen=True)
class ReleaseLocations:
    """Weeks on the GitHub Releases of ``repo`` (OWNER/NAME) at ``web_url``; ``tags`` maps week ids to release tags."""

    repo: str
    tags: Mapping[str, str]
    web_url: str = GITHUB_WEB_URL

    @property
    def _repository(self) -> str:
        return f"{self.web_url.rstrip('/')}/{self.repo}"

    @functools.cached_property
    def _pages(self) -> dict[str, str]:
        """Week ids by page name; made once, not once per entry."""
        return {page_name(week): week for week in self.tags}

    @property
    def site_url(self) -> str | None:
        """None: nothing publishes the output folder."""
        return None

    @property
    def feeds_in_releases(self) -> bool:
        """True: each week's release carries the feeds, and the one marked Latest serves them."""
        return True

    @property
    def home_page(self) -> str:
        """The repository's releases list."""
        return f"{self._repository}/releases"

    @property
    def feed_id(self) -> str:
        """The releases list, as the home page."""
        return self.home_page

    def page_url(self, week_id: str) -> str:
        """The week's release page, ``…/releases/tag/<tag>``."""
        # "/" stays as it is: GitHub's own html_url writes a tag such as "digest/2020-W38" that way.
        return f"{self._repository}/releases/tag/{quote(self.tags[week_id], safe='/')}"

    def feed_url(self, name: str) -> str:
        """``…/releases/latest/download/<name>``: the asset of the release marked Latest."""
        return f"{self._repository}/releases/latest/download/{quote(name, safe='')}"

    def resolver(self, week_id: str) -> LinkResolver:
        """Anchors into the release page, week pages to their releases, other paths to the repository's files."""
        page = self.page_url(week_id)
        pages = self._pages

        def resolve(value: str, image: bool) -> str:
            parts = urlsplit(value)
            if parts.scheme or parts.netloc or not parts.path:
                return urljoin(page, value)  # absolute already, or "#anchor" (and "?query") on the page itself
            normal = urlsplit(urljoin(_ROOT, value))
            path = normal.path.lstrip("/")
            fragment = f"#{normal.fragment}" if normal.fragment else ""
            if path in pages:
                return self.page_url(pages[path]) + fragment
            if path == HOME_PAGE:
                return self.home_page + fragment
            if not path:
                return self._repository
            query = f"?{normal.query}" if normal.query else ""
            return f"{self._repository}/{'raw' if image else 'blob'}/HEAD/{path}{query}{fragment}"

        return resolve
