"""Requests ``ghdigest sync`` spends, against the loopback GitHub stand-in, beside their floor.

Scenarios (1,000 issues with 3,000 comments, comments mirrored):

* first sync: the floor is one request per 100 listed issues plus one per 100 comments;
* a sync with nothing changed: the floor is 0 rate-limited requests (answers 304 are free);
* a sync after 10 issues were edited: the floor is one page of issues (the comments page 304).

Run from the repository root: ``python benchmarks/sync_requests.py [--issues N] [--comments N]``.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.github_stub import GitHubStub  # noqa: E402

from ghdigest.config import load_config  # noqa: E402
from ghdigest.github import RestClient  # noqa: E402
from ghdigest.sync import sync  # noqa: E402

BODY = """### Headline

{headline}

### Paper URL

https://arxiv.org/abs/2009.{number:05d}

### Summary

A method that {verb} the baseline on {task}; the authors release code.
"""


def _repository(folder: Path) -> Path:
    (folder / "issues").mkdir(parents=True)
    (folder / "ghdigest.yml").write_text(
        "title: Benchmark digest\nrepo: octo/papers\nsync:\n  comments: true\n", encoding="utf-8"
    )
    return folder


def _run(stub: GitHubStub, root: Path) -> tuple[int, int, float]:
    stub.clear_requests()
    client = RestClient("octo/papers", stub.base_url, "benchmark-token")
    started = time.perf_counter()
    try:
        sync(load_config(root), client)
    finally:
        client.close()
    elapsed = time.perf_counter() - started
    counted = sum(1 for request in stub.requests if request.counted)
    return len(stub.requests), counted, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=1000)
    parser.add_argument("--comments", type=int, default=3000)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ghdigest-bench-"))
    try:
        root = _repository(work / "digest")
        with GitHubStub(token="benchmark-token") as stub:
            repo = stub.add_repo("octo", "papers")
            numbers = []
            for i in range(args.issues):
                body = BODY.format(headline=f"Paper {i}", number=i + 1, verb="beats", task="ImageNet")
                numbers.append(repo.add_issue(f"Paper {i}", body, labels=["kind:paper", "vision"]))
            for i in range(args.comments):
                repo.add_comment(numbers[i % len(numbers)], f"Comment {i}")

            rows = []
            total, counted, elapsed = _run(stub, root)
            floor = math.ceil(args.issues / 100) + math.ceil(args.comments / 100)
            rows.append(("first sync", total, counted, floor, elapsed))
            total, counted, elapsed = _run(stub, root)
            rows.append(("nothing changed", total, counted, 0, elapsed))
            for number in numbers[:10]:
                repo.edit_issue(number, title=f"Paper {number} (revised)")
            total, counted, elapsed = _run(stub, root)
            rows.append(("after 10 edits", total, counted, 1, elapsed))
            if stub.validation_errors:
                print("stand-in served responses GitHub's description does not allow:", file=sys.stderr)
                for error in stub.validation_errors[:5]:
                    print(f"  {error}", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"{args.issues} issues, {args.comments} comments; floor = fewest rate-limited requests possible")
    print(f"{'scenario':<18} {'requests':>8} {'rate-limited':>12} {'floor':>6} {'ratio':>6} {'seconds':>8}")
    for name, total, counted, floor, elapsed in rows:
        ratio = f"{counted / floor:.2f}" if floor else ("ok" if counted == 0 else "over")
        print(f"{name:<18} {total:>8} {counted:>12} {floor:>6} {ratio:>6} {elapsed:>8.2f}")


if __name__ == "__main__":
    main()
