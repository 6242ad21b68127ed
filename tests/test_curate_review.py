"""Cases a review of the curator tools found: each once lost data, duplicated a paper or stopped a run."""

from __future__ import annotations

import datetime as dt
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from ghdigest.config import load_config
from ghdigest.curate import new_entry
from ghdigest.yamlio import load_document, with_fields_added

from .arxiv_stub import ArxivStub, Paper, arxiv_stub_fixture  # noqa: F401 - a fixture

Cli = Callable[..., Result]
MakeRepo = Callable[..., Path]
CONFIG = "title: T\n"
TODAY = "2020-09-16"


def _names(root: Path) -> list[str]:
    return sorted(path.name for path in (root / "issues").glob("*.yml"))


def test_an_old_id_with_a_subject_class_is_filled_and_is_one_paper(
    cli: Cli, make_repo: MakeRepo, arxiv_stub: ArxivStub
) -> None:
    arxiv_stub.papers["math/0309136"] = Paper(
        "math/0309136", 1, "Knots, old style", ("C. Topologist",), "2003-09-08T00:00:00Z", "2003-09-08T00:00:00Z",
        "Knots.", "math.GT", ("math.GT",),
    )  # fmt: skip
    root = make_repo(config=CONFIG)
    first = cli("new", "paper", str(root), "--arxiv", "math.GT/0309136", "--today", TODAY)
    assert first.exit_code == 0, first.stderr
    assert "not known" not in first.stderr
    assert _names(root) == ["knots-old-style.yml"]
    again = cli("new", "paper", str(root), "--url", "https://arxiv.org/abs/math/0309136v1", "--today", TODAY)
    assert again.exit_code == 1
    assert "arxiv:math/0309136 is already in the archive" in again.stderr


def test_arxivs_own_doi_is_the_same_paper(cli: Cli, make_repo: MakeRepo, arxiv_stub: ArxivStub) -> None:
    root = make_repo(config=CONFIG)
    assert cli("new", "paper", str(root), "--arxiv", "2009.03393", "--today", TODAY).exit_code == 0
    doi = cli("new", "paper", str(root), "--url", "https://doi.org/10.48550/arXiv.2009.03393", "--today", TODAY)
    assert doi.exit_code == 1
    assert "arxiv:2009.03393 is already in the archive" in doi.stderr


def test_an_entry_with_a_schema_error_still_holds_its_paper(cli: Cli, make_repo: MakeRepo) -> None:
    typo = "kind: paper\nheadline: H\nurl: https://arxiv.org/abs/2009.03393\nsumary: typo\nweek: 2020-W38\n"
    root = make_repo({"0001-typo.yml": typo}, config=CONFIG)
    result = cli("new", "paper", str(root), "--url", "https://arxiv.org/pdf/2009.03393v1.pdf", "--offline")
    assert result.exit_code == 1
    assert "0001-typo.yml:3" in result.stderr
    status = cli("status", str(root), "--week", "2020-W38")
    assert status.exit_code == 0
    assert "1 content file(s) have errors and are not counted" in status.stderr
    assert "0001-typo.yml" in status.stderr


def test_new_entries_written_at_once_never_take_each_others_file(make_repo: MakeRepo) -> None:
    root = make_repo(config=CONFIG)
    config = load_config(root)
    start = threading.Barrier(12)
    written: list[Path] = []

    def write() -> None:
        start.wait()
        written.append(new_entry(config, "other", today=dt.date(2020, 9, 16)).path)

    threads = [threading.Thread(target=write) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(written)) == 12
    assert len(_names(root)) == 12
    assert not [p for p in (root / "issues").iterdir() if p.name.startswith(".")]  # no temporary file left


def test_a_title_too_long_for_an_entry_loses_only_the_title(
    cli: Cli, make_repo: MakeRepo, arxiv_stub: ArxivStub
) -> None:
    arxiv_stub.papers["2009.01325"] = Paper(
        "2009.01325", 1, "Long " * 150, ("Nisan Stiennon",), "2020-09-02T00:00:00Z", "2020-09-02T00:00:00Z",
        "A.", "cs.CL", ("cs.CL", " "),
    )  # fmt: skip
    root = make_repo(config=CONFIG)
    result = cli("new", "paper", str(root), "--arxiv", "2009.01325", "--today", TODAY)
    assert result.exit_code == 0, result.stderr
    assert "left out what does not fit an entry: title" in result.stderr
    (path,) = (root / "issues").glob("*.yml")
    data = load_document(path, path.name).data
    assert data["authors"] == ["Nisan Stiennon"]
    assert data["topics"] == ["cs.CL"]
    assert "title" not in data
    assert cli("validate", str(root)).exit_code == 0


def test_a_busy_arxiv_is_asked_again_at_most_three_times(cli: Cli, make_repo: MakeRepo, arxiv_stub: ArxivStub) -> None:
    arxiv_stub.fail_next, arxiv_stub.retry_after = 100, "0"
    root = make_repo(config=CONFIG)
    result = cli("new", "paper", str(root), "--arxiv", "2009.03393", "--today", TODAY)
    assert result.exit_code == 0, result.stderr
    assert len(arxiv_stub.requests) == 4


def test_an_unreadable_store_is_noted_and_started_afresh(cli: Cli, make_repo: MakeRepo, arxiv_stub: ArxivStub) -> None:
    root = make_repo(config=CONFIG)
    (root / ".ghdigest").mkdir()
    (root / ".ghdigest" / "arxiv.json").write_text('{"version": 1, "records": []}', encoding="utf-8")
    result = cli("new", "paper", str(root), "--arxiv", "2009.03393", "--today", TODAY)
    assert result.exit_code == 0, result.stderr
    assert "not an arXiv store" in result.stderr
    assert "Generative Language Modeling" in next(iter((root / "issues").glob("*.yml"))).read_text(encoding="utf-8")
    article = cli("new", "article", str(root), "--url", "https://example.org/a")  # never needs the store
    assert article.exit_code == 0, article.stderr


# --- adding fields to files as people wrote them --------------------------------------------------------


def test_added_fields_keep_comments_end_marker_crlf_and_bom() -> None:
    text = "\ufeffkind: paper\r\nurl: https://arxiv.org/abs/2009.03393\r\n# kept\r\n...\r\n# after the end\r\n"
    result = with_fields_added(text, {"title": "T"})
    assert result == (
        "\ufeffkind: paper\r\nurl: https://arxiv.org/abs/2009.03393\r\n# kept\r\ntitle: T\r\n...\r\n# after the end\r\n"
    )


def test_a_mapping_in_flow_style_is_not_rewritten() -> None:
    assert with_fields_added("{kind: paper, url: 'https://arxiv.org/abs/2009.03393'}\n", {"title": "T"}) is None


def test_enrich_keeps_modes_follows_symbolic_links_and_skips_what_it_cannot_append_to(
    cli: Cli, make_repo: MakeRepo, arxiv_stub: ArxivStub
) -> None:
    root = make_repo(
        {
            "0001-private.yml": "kind: paper\nurl: https://arxiv.org/abs/2009.03393\n",
            "0002-flow.yml": "{kind: paper, url: 'https://arxiv.org/abs/2009.01325'}\n",
        },
        config=CONFIG,
    )
    private = root / "issues" / "0001-private.yml"
    private.chmod(0o600)
    shared = root / "shared"
    shared.mkdir()
    (shared / "linked.yml").write_text("kind: paper\nurl: https://arxiv.org/abs/hep-th/9901001\n", encoding="utf-8")
    os.symlink("../shared/linked.yml", root / "issues" / "0003-linked.yml")
    flow_before = (root / "issues" / "0002-flow.yml").read_text(encoding="utf-8")

    result = cli("enrich", str(root))
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert "title: Generative Language Modeling" in private.read_text(encoding="utf-8")
    assert (root / "issues" / "0003-linked.yml").is_symlink()
    assert "title: An old-style paper on strings" in (shared / "linked.yml").read_text(encoding="utf-8")
    assert (root / "issues" / "0002-flow.yml").read_text(encoding="utf-8") == flow_before
    assert "0002-flow.yml: cannot add title, authors, submitted without rewriting the file" in result.stderr


def test_enrich_fails_when_an_entry_file_cannot_be_read(cli: Cli, make_repo: MakeRepo, arxiv_stub: ArxivStub) -> None:
    root = make_repo({"0001-bad.yml": "kind: [paper\n"}, config=CONFIG)
    result = cli("enrich", str(root))
    assert result.exit_code == 1
    assert "0001-bad.yml:1" in result.stderr
