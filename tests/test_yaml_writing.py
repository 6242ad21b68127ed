"""Writing YAML: what sync writes must read back as exactly the same data, and read well."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ghdigest.yamlio import dump_document, parse_document

# Any text a YAML file can hold: no NUL, no lone surrogates.
TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=60)
KEYS = st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=8)
LEAVES = st.one_of(TEXT, st.integers(), st.booleans())
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_written_yaml_reads_back_as_the_same_data(data: dict[str, Any]) -> None:
    text = dump_document(data)
    assert parse_document(text, "x.yml").data == data


def test_text_that_looks_like_other_types_stays_text() -> None:
    data = {"a": "true", "b": "12", "c": "2020-09-13", "d": "null", "e": "", "f": "#x: y", "g": "- item"}
    assert parse_document(dump_document(data), "x.yml").data == data


def test_multi_line_text_is_written_as_a_literal_block_and_keys_keep_their_order() -> None:
    data = {"kind": "paper", "summary": "First line.\n\n```\ncode\n```\n", "topics": ["a/b (c)"]}
    text = dump_document(data)
    assert text == "kind: paper\nsummary: |\n  First line.\n\n  ```\n  code\n  ```\ntopics:\n  - a/b (c)\n"


def test_long_text_stays_on_one_line() -> None:
    long = "word " * 100
    assert dump_document({"summary": long.strip()}).count("\n") == 1


def test_unicode_line_separators_survive() -> None:
    data = {"a": "x\x85y", "b": "x\u2028y", "c": "\x85"}
    assert parse_document(dump_document(data), "x.yml").data == data
