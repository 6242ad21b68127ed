"""Link checking: find every link, ask each host politely, give tri-state verdicts, remember results.

``check.check_links`` runs one check; ``extract`` finds links, ``http`` (the only HTTP client
for links) asks servers, ``cache`` keeps results between runs, ``changes`` reads files at a
Git ref, ``report`` formats the outcome.
"""

from __future__ import annotations

from ghdigest.links.check import InputError, LinkCheckRequest, check_links
from ghdigest.links.model import CheckedLink, FoundLink, LinkReport, Outcome, Place, Verdict

__all__ = [
    "CheckedLink",
    "FoundLink",
    "InputError",
    "LinkCheckRequest",
    "LinkReport",
    "Outcome",
    "Place",
    "Verdict",
    "check_links",
]
