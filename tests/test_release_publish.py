"""The publishing logic behind its small GitHub protocol, with an in-memory GitHub: waits, refusals, old servers."""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Mapping
from typing import Any

import pytest

from ghdigest.github import GitHubError, RateLimited, ReleaseApi, ReleaseExists, RestClient, WriteOutcomeUnknown
from ghdigest.publish import Asset, AssetStep, ReleaseContent, plan_assets, publish

CONTENT = ReleaseContent(
    week="2020-W38",
    tag="digest-2020-W38",
    name="Digest #Week 38, 2020",
    body="# Digest\n",
    assets=(Asset("2020-W38.md", b"# Digest\n", "text/markdown"), Asset("2020-W38.json", b"{}", "application/json")),
)


class MemoryGitHub:
    """Releases in a dict; ``script`` makes the next calls of a method raise instead of acting."""

    def __init__(self, *, digests: bool = True) -> None:
        self.repo = "octo/papers"
        self.releases: dict[int, dict[str, Any]] = {}
        self.assets: dict[int, dict[str, Any]] = {}
        self.data: dict[int, bytes] = {}
        self.calls: list[str] = []
        self.script: dict[str, list[Exception]] = {}
        self.digests = digests
        self._next = 1

    def _act(self, name: str) -> None:
        self.calls.append(name)
        if self.script.get(name):
            raise self.script[name].pop(0)

    def _id(self) -> int:
        self._next += 1
        return self._next

    def _full(self, release: dict[str, Any]) -> dict[str, Any]:
        return {**release, "assets": [a for a in self.assets.values() if a["release"] == release["id"]]}

    def get_release_by_tag(self, tag: str) -> dict[str, Any] | None:
        self._act("get_release_by_tag")
        found = [r for r in self.releases.values() if r["tag_name"] == tag and not r["draft"]]
        return self._full(found[0]) if found else None

    def list_releases(self) -> list[dict[str, Any]]:
        self._act("list_releases")
        return [self._full(r) for r in self.releases.values()]

    def create_release(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        self._act("create_release")
        release_id = self._id()
        self.releases[release_id] = {"id": release_id, "upload_url": f"u/{release_id}{{?name,label}}", **fields}
        return self._full(self.releases[release_id])

    def update_release(self, release_id: int, changes: Mapping[str, Any]) -> dict[str, Any]:
        self._act("update_release")
        self.releases[release_id].update(changes)
        return self._full(self.releases[release_id])

    def list_assets(self, release_id: int) -> list[dict[str, Any]]:
        self._act("list_assets")
        return [a for a in self.assets.values() if a["release"] == release_id]

    def delete_asset(self, asset_id: int) -> None:
        self._act("delete_asset")
        self.assets.pop(asset_id, None)

    def upload_asset(self, upload_url: str, name: str, data: bytes, content_type: str) -> dict[str, Any]:
        self._act("upload_asset")
        asset_id = self._id()
        digest = "sha256:" + hashlib.sha256(data).hexdigest() if self.digests else None
        release = int(upload_url.split("/")[1].split("{")[0])
        self.assets[asset_id] = {
            "id": asset_id,
            "name": name,
            "state": "uploaded",
            "size": len(data),
            "digest": digest,
            "release": release,
        }
        self.data[asset_id] = data
        return self.assets[asset_id]

    def rename_asset(self, asset_id: int, name: str) -> dict[str, Any]:
        self._act("rename_asset")
        self.assets[asset_id]["name"] = name
        return self.assets[asset_id]


def _writes(api: MemoryGitHub) -> list[str]:
    return [c for c in api.calls if not c.startswith(("get_", "list_"))]


@pytest.mark.parametrize("implementation", [MemoryGitHub, RestClient])
def test_what_publish_is_tested_with_and_what_it_runs_with_are_release_apis(implementation: type) -> None:
    """Every call of the protocol, with its parameters (mypy checks only src/, so this is where a drift shows)."""
    for name, method in inspect.getmembers(ReleaseApi, inspect.isfunction):
        if not name.startswith("_"):
            wanted = list(inspect.signature(method).parameters)
            assert list(inspect.signature(getattr(implementation, name)).parameters) == wanted, name


def test_a_wait_github_asks_for_is_slept_then_the_create_is_sent_again() -> None:
    api = MemoryGitHub()
    api.script["create_release"] = [RateLimited("wait", 7.0)]
    slept: list[float] = []
    report = publish(api, CONTENT, sleep=slept.append)
    assert slept == [7.0]
    assert report.action == "create"
    assert len(api.releases) == 1
    assert api.calls.count("create_release") == 2


def test_a_wait_longer_than_five_minutes_is_not_waited_out() -> None:
    api = MemoryGitHub()
    api.script["upload_asset"] = [RateLimited("wait", 3600.0)]
    slept: list[float] = []
    with pytest.raises(RateLimited):
        publish(api, CONTENT, sleep=slept.append)
    assert slept == []


def test_a_tag_github_says_is_taken_but_nobody_can_see_is_an_error_not_a_loop() -> None:
    api = MemoryGitHub()
    api.script["create_release"] = [ReleaseExists("taken")]
    with pytest.raises(GitHubError, match="cannot be seen; the token may lack the contents: write permission"):
        publish(api, CONTENT)
    assert api.calls.count("create_release") == 1


def test_lost_answers_to_every_create_give_up_after_three_looks() -> None:
    api = MemoryGitHub()
    api.script["create_release"] = [WriteOutcomeUnknown("502")] * 3
    with pytest.raises(GitHubError, match="run release again"):
        publish(api, CONTENT)
    assert api.calls.count("create_release") == 3
    assert api.calls.count("list_releases") == 4  # once before creating, once after each lost answer


def test_without_digests_files_are_replaced_each_run_and_a_lost_upload_is_judged_by_size() -> None:
    api = MemoryGitHub(digests=False)
    publish(api, CONTENT)
    api.calls.clear()
    report = publish(api, CONTENT)
    assert [a.action for a in report.assets] == ["replace", "replace"]
    assert _writes(api) == ["upload_asset", "delete_asset", "rename_asset"] * 2

    api.calls.clear()
    real_upload = api.upload_asset

    def upload_then_lose_the_answer(upload_url: str, name: str, data: bytes, content_type: str) -> dict[str, Any]:
        real_upload(upload_url, name, data, content_type)
        raise WriteOutcomeUnknown("dropped")

    api.upload_asset = upload_then_lose_the_answer  # type: ignore[method-assign]
    publish(api, CONTENT)
    assert sorted(a["name"] for a in api.assets.values()) == ["2020-W38.json", "2020-W38.md"]
    assert api.calls.count("upload_asset") == 2, "each file sent once, then found complete"


def test_dry_run_reads_and_writes_nothing() -> None:
    api = MemoryGitHub()
    report = publish(api, CONTENT, dry_run=True)
    assert report.action == "create"
    assert _writes(api) == []
    publish(api, CONTENT)
    api.calls.clear()
    changed = ReleaseContent(**{**CONTENT.__dict__, "body": "# Digest, revised\n"})
    report = publish(api, changed, dry_run=True)
    assert (report.action, report.changes) == ("update", ("body",))
    assert _writes(api) == []


def test_plan_assets_keeps_identical_files_and_replaces_every_same_name_one() -> None:
    md, data = CONTENT.assets
    existing = [
        {"id": 1, "name": md.name, "state": "uploaded", "size": len(md.data), "digest": md.digest},
        {"id": 2, "name": data.name, "state": "uploaded", "size": 2, "digest": "sha256:other"},
        {"id": 3, "name": data.name, "state": "starter", "size": 0, "digest": None},
        {"id": 4, "name": "notes.pdf", "state": "uploaded", "size": 9, "digest": None},
    ]
    assert plan_assets(existing, CONTENT.assets) == [
        AssetStep(md.name, "keep", len(md.data)),
        AssetStep(data.name, "replace", len(data.data), (2, 3), "half-uploaded (state starter)"),
    ]
    assert plan_assets([], CONTENT.assets) == [
        AssetStep(md.name, "upload", len(md.data)),
        AssetStep(data.name, "upload", len(data.data)),
    ]


def test_files_of_a_draft_are_replaced_in_place_as_nobody_sees_a_draft() -> None:
    api = MemoryGitHub()
    publish(api, CONTENT, draft=True)
    api.calls.clear()
    md, data = CONTENT.assets
    revised = Asset(md.name, b"# Digest, revised\n", md.content_type)
    changed = ReleaseContent(**{**CONTENT.__dict__, "assets": (revised, data)})
    publish(api, changed, draft=True)
    assert _writes(api) == ["delete_asset", "upload_asset"]
    assert sorted(a["name"] for a in api.assets.values()) == ["2020-W38.json", "2020-W38.md"]


def test_a_release_published_by_someone_else_meanwhile_stops_the_publish_with_what_to_do() -> None:
    api = MemoryGitHub()
    api.script["update_release"] = [ReleaseExists("taken")]
    with pytest.raises(GitHubError, match=r"another release with the tag digest-2020-W38 was published meanwhile"):
        publish(api, CONTENT)
    assert [r["draft"] for r in api.releases.values()] == [True], "the draft is left for a person to decide"
