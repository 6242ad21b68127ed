"""Fast JSON text: the bytes the standard library writes, and every text kept, even what UTF-8 cannot hold."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghdigest import jsontext

_DATA = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(-(2**63), 2**64 - 1), st.text(st.characters(exclude_categories=()))
    ),
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(st.text(), children, max_size=5)),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_DATA)
def test_compact_text_reads_back_as_the_data_it_was_made_from(document: Any) -> None:
    """Any text, lone surrogates (a file name that is not UTF-8) included, survives the round trip."""
    assert json.loads(jsontext.compact(document)) == document


def test_compact_text_is_what_the_standard_library_writes() -> None:
    document = {"files": {"issues/é.yml": {"hash": "ab", "result": [1, None, True]}}, "format": 1}
    expected = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert jsontext.compact(document) == expected
    assert jsontext.compact({"name": "caf\udce9.yml"}) == b'{"name":"caf\\udce9.yml"}'


@pytest.mark.parametrize("document", [{"text": "\ud800"}, {"big": 2**70}, {1: "a key that is not text"}])
def test_what_orjson_refuses_is_said_so(document: Any) -> None:
    with pytest.raises(jsontext.NotEncodable):
        jsontext.sorted_indented(document)
