"""The fast YAML reader reads every file as ruamel.yaml does, or declines; it never reads a file differently.

Each case compares ``fastyaml.load`` with ``parse_document(..., exact=True)``, the ruamel.yaml
reading that content files are defined by.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ghdigest import fastyaml
from ghdigest.decapyaml import dump
from ghdigest.yamlio import DocumentError, parse_document

TESTS = Path(__file__).parent
REPOSITORY = TESTS.parent


def exact(text: str) -> Any:
    """ruamel.yaml's reading: the data, or the DocumentError class when it refuses the text."""
    try:
        return parse_document(text, "t.yml", exact=True).data
    except DocumentError:
        return DocumentError


def assert_agrees(text: str) -> Any:
    fast = fastyaml.load(text)
    if fast is None:
        return None
    reference = exact(text)
    assert reference is not DocumentError, f"fast reader accepted text ruamel.yaml refuses: {text!r}"
    assert fast[0] == reference, text
    # Equal is not enough: 1 == 1.0 == True in Python; the types must match too.
    assert repr(fast[0]) == repr(reference), text
    return fast[0]


def test_reads_canonical_entries_without_falling_back() -> None:
    """Entries as fmt and the CMS write them take the fast path, with values of every type."""
    entry = {
        "kind": "paper",
        "status": "selected",
        "headline": "3D-aware GANs: 2x faster",
        "url": "https://arxiv.org/abs/2009.03393",
        "week": "2020-W38",
        "date": "2020-09-14",
        "pick": True,
        "summary": {"en": "Line one.\n\nLine two: 12 models, 0.5 points.", "ja": "日本語の要約。"},
        "topics": ["3D", "10k", "2020"],
        "issue": {"number": 12, "url": "https://github.com/o/r/issues/12", "updated_at": "2020-09-14T01:02:03Z"},
        "score": 0.75,
        "none": None,
    }
    text = dump(entry)
    data = assert_agrees(text)
    assert data is not None, "the fast reader fell back on a plain entry"
    assert data == entry


def test_reads_hand_written_values_by_yaml_1_2() -> None:
    text = "a: 2020\nb: 0.5\nc: yes\nd: on\ne: ~\nf: 2020-09-14\ng: true\nh: 2020-W38\n"
    assert assert_agrees(text) == {
        "a": 2020, "b": 0.5, "c": "yes", "d": "on", "e": None, "f": "2020-09-14", "g": True, "h": "2020-W38"
    }  # fmt: skip


@pytest.mark.parametrize(
    "scalar",
    [
        "1", "-1", "+1", "0", "-0", "007", "0o17", "0x1F", "0b101", "1_000", "1e3", "1E-3", "1.", ".5", "1.5",
        "-0.0", "1.5e3", ".inf", "-.Inf", ".nan", "1:20", "1:20.5", "true", "True", "TRUE", "tRUE", "yes", "no",
        "on", "off", "y", "n", "~", "null", "Null", "NULL", "", "<<", "=", "2020-09-14", "2020-9-4 1:02:03",
        "2001-12-14t21:59:43.10-05:00", "2020-W38", "00092-explaining", "3D", "1e", "1-e5", "0x", "12 monkeys",
        "- a", "1.5x", "+.5", "0.", "1__0", "\uff11\uff12",  # fullwidth digits
    ],
)  # fmt: skip
def test_plain_scalars_agree(scalar: str) -> None:
    assert_agrees(f"key: {scalar}\n")
    assert_agrees(f"{scalar or 'x'}: value\n")
    assert_agrees(f"- {scalar}\n")


@pytest.mark.parametrize(
    "text",
    [
        "a: !!str 12\n",
        "a: !!int '12'\n",
        "a: !!binary aGVsbG8=\n",
        "a: !custom x\n",
        "a: ! 12\n",
        "a: !!set {x, y}\n",
        "a: !!omap [x: 1]\n",
        "a: &x [1]\nb: *x\n",
        "a: &x 1\nb: *x\n",
        "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n",
        "a: 1\na: 2\n",
        "1: a\n'1': b\n",
        "1: a\n1.0: b\n",
        "? [a, b]\n: c\n",
        "? {a: 1}\n: c\n",
        "%YAML 1.1\n---\na: yes\n",
        "# comment\n%YAML 1.1\n---\na: 0777\n",
        "%YAML 1.2\n---\na: 1\n",
        "a: 1\n---\nb: 2\n",
        "",
        "---\n",
        "# only a comment\n",
        "[1, 2]\n",
        "just text\n",
        'a: "\\ud800"\n',
        'a: "\\U0001F600 \\x41 \\t"\n',
        "a: 'it''s'\n",
        "a: |\n  block\n  text\n",
        "a: >-\n  folded\n  text\n",
        "a:\n\t- tab\n",
        "a: 'unclosed\n",
        "a: [1, 2\n",
        "a: b: c\n",
        "a: \x07bell\n",
        "a: x\x85y\n",
        "a: x\u2028y\n",
        "{a: 1, b: [2, {c: 3}]}\n",
        "a: [" * 40 + "]" * 40 + "\n",
        "a:" + "\n".join(f"{'  ' * i}- " for i in range(1, 40)) + "x\n",
        "...\n",
        "a: 1\n...\n",
        "\ufeffa: 1\n",
    ],
)
def test_documents_agree(text: str) -> None:
    assert_agrees(text)


_SCALARS = st.one_of(
    st.text(alphabet="0123456789-+._:eExXoObBinfatrulsyTZ <=~ ", max_size=12),
    st.sampled_from(["true", "yes", "null", ".inf", ".NaN", "0o7", "0x_1", "2020-01-01", "2020-01-01 10:00:00"]),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_SCALARS)
def test_random_plain_scalars_agree(scalar: str) -> None:
    if scalar != scalar.strip() or "  " in scalar or ": " in scalar or " #" in scalar:
        scalar = scalar.strip().replace("  ", " ").replace(": ", ":").replace(" #", "#")
    assert_agrees(f"key: {scalar}\n")
    assert_agrees(f"- {scalar}\n")


_FRAGMENTS = st.sampled_from(
    [
        "a", "b", "1", "0x1", "1e3", "true", "yes", "~", "&x ", "*x", "!!str ", "!t ", "<<", ": ", ":", "- ", "\n",
        "\n  ", "\n    ", "'", '"', "\\", "[", "]", "{", "}", ", ", "#", "? ", "|", ">", "---", "...", "%YAML 1.2",
        "\t", "2020-W38", "2020-09-14", "é", "日本", "\x00", "\ufeff",
    ]
)  # fmt: skip


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_FRAGMENTS, max_size=24).map("".join))
def test_random_documents_agree(text: str) -> None:
    assert_agrees(text)


def _repository_yaml() -> list[Path]:
    folders = [REPOSITORY / "issues", REPOSITORY / "src" / "ghdigest", TESTS]
    return sorted({p for folder in folders for suffix in ("*.yml", "*.yaml") for p in folder.rglob(suffix)})


def test_every_yaml_file_in_the_repository_agrees() -> None:
    """The example content, the bad-input cases and every fixture: read alike (or left to ruamel.yaml)."""
    paths = _repository_yaml()
    assert len(paths) > 100
    fast = 0
    for path in paths:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
        if assert_agrees(text) is not None:
            fast += 1
    assert fast > len(paths) // 2, "most files should take the fast path"
