"""JSON text made fast: the only orjson user.

orjson writes the same bytes as ``json.dumps`` for the data ghdigest writes (text keys, lists,
integers), five to ten times faster. Where it refuses (a lone surrogate, an integer past 64
bits) or would differ, the callers fall back to the standard library.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


class NotEncodable(ValueError):
    """orjson cannot encode this data (a lone surrogate, an integer past 64 bits, a non-text key, …)."""


def sorted_indented(document: Any) -> bytes:
    """UTF-8 of ``json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2)`` for data without fractions.

    Fractions are written orjson's way (1e-05 as 0.00001); NotEncodable where orjson refuses.
    """
    try:
        return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as exc:
        raise NotEncodable(str(exc)) from None


def compact(document: Any) -> bytes:
    """``document`` as compact JSON in UTF-8; any text, lone surrogates too (escaped), reads back as it was."""
    try:
        return orjson.dumps(document)
    except orjson.JSONEncodeError:
        # A file name that is not UTF-8 reaches here as text with lone surrogates: \udcXX escapes
        # carry them, where UTF-8 cannot.
        return json.dumps(document, separators=(",", ":")).encode("ascii")
