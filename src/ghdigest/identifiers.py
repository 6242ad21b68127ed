"""Canonical ids for links: one id per paper or page, whatever the spelling.

* arXiv: ``arxiv:2009.03393`` or ``arxiv:hep-th/9901001`` (no version, no ``abs/``/``pdf/``,
  no ``.pdf``, scheme and host spelling ignored);
* DOI: ``doi:10.1000/xyz`` (lower case, from doi.org or dx.doi.org links or ``doi:`` text);
* any other URL: ``url:`` and a short hash of the URL without scheme, ``www.``, trailing
  slash, fragment or tracking parameters.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

# New-style ids (since 2007): YYMM.NNNN or YYMM.NNNNN; old-style: archive(.SUBJ)/YYMMNNN. The
# subject class is not part of an old id (arXiv knows math.GT/0309136 as math/0309136): dropped.
_ARXIV_NEW = r"\d{4}\.\d{4,5}"
_ARXIV_OLD = r"[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}"
_SUBJECT_CLASS = re.compile(r"^([a-z-]+)\.[A-Z]{2}/")
#: arXiv's own DOIs (since 2022): 10.48550/arXiv.<id>.
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(?P<id>.+)$", re.IGNORECASE)
ARXIV_ID = re.compile(rf"^(?P<id>{_ARXIV_NEW}|{_ARXIV_OLD})(?:v(?P<version>\d+))?$")
_ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org", "xxx.lanl.gov"}
_ARXIV_PATH = re.compile(rf"^/+(?:abs|pdf|html|format)/+(?P<id>{_ARXIV_NEW}|{_ARXIV_OLD})(?:v\d+)?(?:\.pdf)?/*$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_HOSTS = {"doi.org", "dx.doi.org", "www.doi.org"}
_TRACKING_PARAMS = re.compile(r"^(utm_.*|fbclid|gclid|mc_cid|mc_eid|igshid|ref_src)$")


def _plausible_arxiv_id(identifier: str) -> bool:
    """Whether a new-style id could exist: YYMM from 0704 on, 4 digits until 1412 and 5 after."""
    if "/" in identifier:
        return True  # old-style archive/YYMMNNN ids: the pattern already says what it can
    yymm, _, number = identifier.partition(".")
    year, month = int(yymm[:2]), int(yymm[2:])
    if not 1 <= month <= 12 or (year, month) < (7, 4):
        return False
    return len(number) == (4 if (year, month) <= (14, 12) else 5)


def arxiv_id(url_or_id: str) -> str | None:
    """The versionless arXiv id in an arXiv URL or id text, or None when it holds no valid one."""
    text = url_or_id.strip()
    if text.lower().startswith("arxiv:"):
        text = text[len("arxiv:") :]
    match = ARXIV_ID.match(text)
    if match is None:
        try:
            parts = urlsplit(text)
        except ValueError:
            return None
        if parts.scheme.lower() in ("http", "https") and (parts.hostname or "") in _ARXIV_HOSTS:
            match = _ARXIV_PATH.match(parts.path)
    if match is None:
        found = doi(text)
        arxiv_doi = _ARXIV_DOI.match(found) if found else None
        return arxiv_id(arxiv_doi.group("id")) if arxiv_doi else None
    if not _plausible_arxiv_id(match.group("id")):
        return None
    return _SUBJECT_CLASS.sub(r"\1/", match.group("id"))


def looks_like_arxiv(url: str) -> bool:
    """True when ``url`` points at an arXiv abstract or PDF page (valid id or not)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (parts.hostname or "") in _ARXIV_HOSTS and re.match(r"^/+(abs|pdf)/", parts.path) is not None


def doi(url_or_id: str) -> str | None:
    """The lower-cased DOI in a doi.org URL or ``doi:`` text, or None."""
    text = url_or_id.strip()
    if text.lower().startswith("doi:"):
        candidate = text[4:]
    else:
        try:
            parts = urlsplit(text)
        except ValueError:
            return None
        if parts.scheme.lower() not in ("http", "https") or (parts.hostname or "") not in _DOI_HOSTS:
            return None
        # doi.org links percent-encode DOIs such as 10.1016/S0140-6736(20)30183-5; the DOI is the decoded text.
        candidate = unquote(parts.path).lstrip("/")
    candidate = candidate.rstrip("/")  # a trailing slash is the link's, not the DOI's
    # fullmatch, not match: ``$`` also matches before a final line break, and a link ending in
    # %0A would give a DOI (and an id) ending in one, which ``doi:`` text of it does not read back as.
    return candidate.lower() if _DOI.fullmatch(candidate) else None


def normalized_url(url: str) -> str:
    """The URL as compared for duplicates: no scheme, ``www.``, fragment, tracking or trailing ``/``."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMS.match(k))
    )
    path = parts.path.rstrip("/")
    return f"{host}{port}{path}" + (f"?{query}" if query else "")


def canonical_id(url: str) -> str:
    """The canonical id of a link: ``arxiv:…``, ``doi:…`` or ``url:<hash>``."""
    found = arxiv_id(url)
    if found:
        return f"arxiv:{found}"
    found = doi(url)
    if found:
        return f"doi:{found}"
    try:
        comparable = normalized_url(url)
    except ValueError:  # not a parsable URL (url_problem reports it); hash it as written
        comparable = url.strip()
    # surrogatepass: text from a command-line argument or JSON may hold a lone surrogate
    # (\ud800), which strict UTF-8 cannot encode; it still gets an id rather than a crash.
    digest = hashlib.sha256(comparable.encode("utf-8", "surrogatepass")).hexdigest()
    return f"url:{digest[:16]}"


# Letters, digits and inner hyphens, and underscores, which DNS names may hold and browsers open.
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_WHITE_SPACE = re.compile(r"\s")  # for text, \s is exactly what str.isspace calls white space
# In a URL that cannot be read, anything from after "//" to its last "@".
_UNREADABLE_USER_INFO = re.compile(r"^((?:[A-Za-z][A-Za-z0-9+.-]*:)?//).*@", re.DOTALL)
# The user name and password of a URL: from after "//" to the last "@" before the path. Without
# "//" there is none ("mailto:someone@example.com").
_USER_INFO = re.compile(r"^((?:[A-Za-z][A-Za-z0-9+.-]*:)?//)[^/?#]*@")


def without_user_info(url: str) -> str:
    """``url`` with its user name and password, if any, shown as ``***``; even a URL urlsplit refuses."""
    return _USER_INFO.sub(r"\1***@", url, count=1)


@functools.lru_cache(maxsize=4096)  # content checks ask about each link more than once
def url_problem(url: str) -> str | None:
    """Why ``url`` is not a usable absolute http(s) link, or None when it is; a password is never repeated."""
    # A password is not repeated in a log for everyone to read, whatever else is wrong with the URL.
    shown = without_user_info(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        # Unreadable, perhaps because a password holds "#", "?" or "/" (then taken for the port):
        # neither the URL up to its last "@" nor urlsplit's message, which quotes the port, is shown.
        unreadable = _UNREADABLE_USER_INFO.sub(r"\1***@", url, count=1)
        return f"malformed URL {unreadable!r}: cannot read its host and port"
    if parts.scheme not in ("http", "https"):
        return f"URL {shown!r} must start with http:// or https://"
    if _WHITE_SPACE.search(url):
        return f"URL {shown!r} contains white space"
    if parts.username is not None or parts.password is not None:
        return f"URL {shown!r} holds a user name or password, which the digest would publish; remove them"
    host = parts.hostname or ""
    if not host:
        return f"URL {shown!r} has no host"
    if port == 0:
        return f"URL {shown!r} has port 0"
    if host.startswith("[") or ":" in host:
        return None  # IPv6 literal, already checked by urlsplit
    try:
        # The label checks below refuse whatever the idna codec would refuse in an ASCII name.
        ascii_host = host if host.isascii() else host.encode("idna").decode("ascii")
    except UnicodeError:
        return f"URL {shown!r} has an invalid host name {host!r}"
    labels = ascii_host.rstrip(".").split(".")
    if len(ascii_host) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
        return f"URL {shown!r} has an invalid host name {host!r}"
    if len(labels) < 2 and ascii_host != "localhost":
        return f"URL {shown!r} has a host name without a domain: {host!r}"
    return None


def url_to_check(url: str) -> str:
    """The address a link checker asks for ``url``: tracking parameters, fragment and default port dropped.

    arXiv pages become their versionless abstract page, so ``pdf/2009.03393v2.pdf`` and
    ``abs/2009.03393`` are one link. Raises ValueError for text urlsplit cannot read.
    """
    found = arxiv_id(url)
    if found:
        return f"https://arxiv.org/abs/{found}"
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    default_port = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port is None or port == default_port else f"{host}:{port}"
    if parts.username is not None or parts.password is not None:
        netloc = f"{parts.netloc.rpartition('@')[0]}@{netloc}"
    kept = [field for field in parts.query.split("&") if field and not _TRACKING_PARAMS.match(field.partition("=")[0])]
    query = "&".join(kept)
    path = parts.path or "/"
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def slug(text: str, limit: int = 60) -> str:
    """A file-name part from a headline or title: lower-case ASCII words joined by '-', '' when none."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            break
        out = candidate
    return out or (words[0][:limit] if words else "")
