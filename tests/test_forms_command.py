"""``ghdigest forms``: the committed issue forms are generated from the schemas and cannot drift."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from ghdigest.yamlio import parse_document
from tests.conftest import PROJECT_ROOT

FORM_FILES = ["article.yml", "config.yml", "other.yml", "paper.yml", "use-case.yml"]


def test_this_repositorys_forms_are_the_generated_ones(cli: Callable[..., Result]) -> None:
    result = cli("forms", str(PROJECT_ROOT), "--check")
    assert result.exit_code == 0, result.output + result.stderr
    assert sorted(p.name for p in (PROJECT_ROOT / ".github" / "ISSUE_TEMPLATE").glob("*.yml")) == FORM_FILES


def test_forms_are_written_then_a_hand_edit_is_caught(
    cli: Callable[..., Result], make_repo: Callable[..., Path]
) -> None:
    root = make_repo(config="title: T\nsync:\n  kind_prefix: 'type/'\n")
    result = cli("forms", str(root))
    assert result.exit_code == 0, result.stderr
    folder = root / ".github" / "ISSUE_TEMPLATE"
    assert sorted(p.name for p in folder.iterdir()) == FORM_FILES
    paper = parse_document((folder / "paper.yml").read_text(encoding="utf-8"), "paper.yml").data
    assert paper["labels"] == ["type/paper"], "the kind label follows the configured prefix"
    assert cli("forms", str(root), "--check").exit_code == 0

    (folder / "paper.yml").write_text("name: Paper\n", encoding="utf-8")
    check = cli("forms", str(root), "--check")
    assert check.exit_code == 1
    assert check.stdout.splitlines() == [".github/ISSUE_TEMPLATE/paper.yml"]
    assert (folder / "paper.yml").read_text(encoding="utf-8") == "name: Paper\n", "--check writes nothing"
    assert cli("forms", str(root)).stdout.strip().endswith("paper.yml")
    assert cli("forms", str(root), "--check").exit_code == 0
