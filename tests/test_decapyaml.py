"""``ghdigest fmt`` writes YAML byte for byte as Decap CMS (the ``yaml`` npm package, 1.x) writes it.

The cases were written by that package (``tests/fixtures/decap_yaml/compare.py --write``, which
also checks a thousand fresh random documents with ``--check``; ``.ci/run`` runs that check).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ghdigest.cms import canonical_text
from ghdigest.decapyaml import dump
from ghdigest.yamlio import parse_document

from .conftest import FIXTURES

CASES: list[dict[str, Any]] = json.loads((FIXTURES / "decap_yaml" / "cases.json").read_text(encoding="utf-8"))


def test_there_are_cases_of_every_kind_of_text() -> None:
    texts = [case["yaml"] for case in CASES]
    assert len(CASES) >= 100
    assert any(": >" in text for text in texts)  # folded blocks
    assert any(": |" in text for text in texts)  # literal blocks
    assert any('"' in text for text in texts)  # double quotes
    assert any("\n  " in text.split(": ", 1)[-1] for text in texts)  # folded plain text


@pytest.mark.parametrize("case", CASES, ids=lambda case: str(abs(hash(json.dumps(case["data"]))) % 10**8))
def test_written_as_decap_writes_it(case: dict[str, Any]) -> None:
    assert dump(case["data"]) == case["yaml"]


def test_a_long_summary_is_folded_at_80_columns_and_reads_back_the_same() -> None:
    summary = "The authors introduce *GPT-f*, a Transformer-based system that proves theorems automatically. " * 2
    text = dump({"kind": "paper", "summary": summary.strip(), "submitted": "2020-09-07", "week": "2020-W38"})
    assert text.splitlines()[1] == "summary: The authors introduce *GPT-f*, a Transformer-based system that proves"
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "submitted: 2020-09-07\n" in text  # unquoted, as Decap writes it; read back as text
    assert parse_document(text, "x").data["summary"] == summary.strip()


def test_text_decaps_form_would_change_is_written_in_ghdigests_own_form() -> None:
    data = {"kind": "paper", "headline": "Line\u2028separator"}  # a plain U+2028 reads back as a line break
    text = canonical_text(data, "entry")
    assert parse_document(text, "x").data == data
