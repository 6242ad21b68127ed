"""The GitHub stand-in's releases and assets behave as GitHub's do where ``ghdigest release`` depends on it."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from github import Auth, Github, GithubException

from tests.conftest import TOKEN
from tests.github_stub import GitHubStub, StubRepo

AUTH = {"Authorization": f"token {TOKEN}"}


@pytest.fixture
def gh(stub: GitHubStub) -> Iterator[Github]:
    client = Github(
        base_url=stub.base_url, auth=Auth.Token(TOKEN), retry=None, seconds_between_requests=0, seconds_between_writes=0
    )
    yield client
    client.close()


def call(stub: GitHubStub, method: str, path: str, headers: dict[str, str] | None = None, **options: Any) -> Any:
    """A raw authenticated request."""
    return requests.request(method, stub.base_url + path, headers={**AUTH, **(headers or {})}, timeout=5, **options)


def test_lookup_by_tag_never_finds_a_draft_but_the_list_does(stub: GitHubStub, papers: StubRepo) -> None:
    draft = papers.add_release("digest-2020-W38", "Draft", "text", draft=True)

    assert call(stub, "GET", "/repos/octo/papers/releases/tags/digest-2020-W38").status_code == 404
    listed = call(stub, "GET", "/repos/octo/papers/releases").json()
    assert [(r["id"], r["draft"], r["published_at"]) for r in listed] == [(draft["id"], True, None)]
    assert "/releases/tag/untagged-" in listed[0]["html_url"]
    assert call(stub, "GET", f"/repos/octo/papers/releases/{draft['id']}").json()["draft"] is True
    assert call(stub, "GET", "/repos/octo/papers/releases/latest").status_code == 404

    published = call(stub, "PATCH", f"/repos/octo/papers/releases/{draft['id']}", json={"draft": False}).json()
    assert published["html_url"].endswith("/releases/tag/digest-2020-W38")
    assert published["published_at"] is not None
    assert call(stub, "GET", "/repos/octo/papers/releases/tags/digest-2020-W38").json()["id"] == draft["id"]
    assert call(stub, "GET", "/repos/octo/papers/releases/latest").json()["id"] == draft["id"]


def test_make_latest_decides_which_release_is_the_latest(stub: GitHubStub, papers: StubRepo) -> None:
    path = "/repos/octo/papers/releases"
    first = call(stub, "POST", path, json={"tag_name": "v2"}).json()
    call(stub, "POST", path, json={"tag_name": "v1", "make_latest": "false"})
    draft = call(stub, "POST", path, json={"tag_name": "v0", "draft": True}).json()
    call(stub, "PATCH", f"{path}/{draft['id']}", json={"draft": False, "make_latest": "false"})
    assert call(stub, "GET", f"{path}/latest").json()["id"] == first["id"]
    bad = call(stub, "POST", path, json={"tag_name": "v3", "make_latest": True})
    assert bad.status_code == 422


def test_a_published_tag_is_taken_but_drafts_may_share_one(stub: GitHubStub, papers: StubRepo) -> None:
    path = "/repos/octo/papers/releases"
    first = call(stub, "POST", path, json={"tag_name": "v1", "draft": True})
    second = call(stub, "POST", path, json={"tag_name": "v1", "draft": True})
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.headers["Location"] == first.json()["url"]
    published = call(stub, "PATCH", f"{path}/{first.json()['id']}", json={"draft": False})
    assert published.status_code == 200

    again = call(stub, "POST", path, json={"tag_name": "v1"})
    also_draft = call(stub, "POST", path, json={"tag_name": "v1", "draft": True})
    publish_other = call(stub, "PATCH", f"{path}/{second.json()['id']}", json={"draft": False})

    for refused in (again, also_draft, publish_other):
        assert refused.status_code == 422
        assert refused.json()["errors"] == [{"resource": "Release", "code": "already_exists", "field": "tag_name"}]
    assert len(papers.releases) == 2


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "tag_name", "missing_field"),
        ({"tag_name": "has space"}, "tag_name", "invalid"),
        ({"tag_name": "a..b"}, "tag_name", "invalid"),
        ({"tag_name": "v1", "draft": "yes"}, "draft", "invalid"),
        ({"tag_name": "v1", "body": "x" * 125_001}, "body", "custom"),
    ],
)
def test_release_requests_github_refuses(
    stub: GitHubStub, papers: StubRepo, body: dict[str, Any], field: str, code: str
) -> None:
    answer = call(stub, "POST", "/repos/octo/papers/releases", json=body)
    assert answer.status_code == 422
    error = answer.json()["errors"][0]
    assert (error["field"], error["code"]) == (field, code)
    if code == "custom":
        assert error["message"] == "body is too long (maximum is 125000 characters)"
    assert papers.releases == {}


def test_a_body_of_exactly_the_limit_is_accepted(stub: GitHubStub, papers: StubRepo) -> None:
    answer = call(stub, "POST", "/repos/octo/papers/releases", json={"tag_name": "v1", "body": "é" * 125_000})
    assert answer.status_code == 201


def test_pygithub_uploads_to_the_upload_url_template_and_lists_assets(
    stub: GitHubStub, papers: StubRepo, gh: Github
) -> None:
    release = gh.get_repo("octo/papers").create_git_release("v1", "One", "text", draft=True)
    assert release.upload_url.endswith(f"/api/uploads/repos/octo/papers/releases/{release.id}/assets{{?name,label}}")

    asset = release.upload_asset_from_memory(io.BytesIO(b"# Week"), 6, "2020-W38.md", "text/markdown")

    assert asset.state == "uploaded"
    assert asset.size == 6
    assert asset.content_type == "text/markdown"
    assert [a.name for a in release.get_assets()] == ["2020-W38.md"]
    upload = next(r for r in stub.requests if r.method == "POST" and "/api/uploads/" in r.path)
    assert upload.query["name"] == ["2020-W38.md"]
    assert upload.body == b"# Week"
    served = call(stub, "GET", f"/repos/octo/papers/releases/assets/{asset.id}").json()
    assert served["digest"] == "sha256:" + hashlib.sha256(b"# Week").hexdigest()
    assert served["browser_download_url"].endswith("/2020-W38.md")

    with pytest.raises(GithubException) as twice:
        release.upload_asset_from_memory(io.BytesIO(b"again"), 5, "2020-W38.md", "text/markdown")
    assert twice.value.status == 422
    assert twice.value.data["errors"][0] == {"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}

    assert asset.delete_asset() is True
    assert call(stub, "DELETE", f"/repos/octo/papers/releases/assets/{asset.id}").status_code == 404
    assert list(release.get_assets()) == []


def test_a_broken_upload_leaves_a_starter_asset_that_blocks_the_name(
    stub: GitHubStub, papers: StubRepo, gh: Github
) -> None:
    release = gh.get_repo("octo/papers").create_git_release("v1", "One", "text")
    papers.break_uploads()

    with pytest.raises(GithubException) as broken:
        release.upload_asset_from_memory(io.BytesIO(b"data"), 4, "file.json", "application/json")
    assert broken.value.status == 502
    listed = call(stub, "GET", f"/repos/octo/papers/releases/{release.id}/assets").json()
    assert [(a["name"], a["state"], a["size"], a["digest"]) for a in listed] == [("file.json", "starter", 0, None)]
    with pytest.raises(GithubException) as blocked:
        release.upload_asset_from_memory(io.BytesIO(b"data"), 4, "file.json", "application/json")
    assert blocked.value.status == 422

    call(stub, "DELETE", f"/repos/octo/papers/releases/assets/{listed[0]['id']}")
    assert release.upload_asset_from_memory(io.BytesIO(b"data"), 4, "file.json", "application/json").state == (
        "uploaded"
    )


def test_uploads_are_taken_only_on_the_uploads_path(stub: GitHubStub, papers: StubRepo) -> None:
    release = papers.add_release("v1")
    wrong = call(
        stub,
        "POST",
        f"/repos/octo/papers/releases/{release['id']}/assets",
        params={"name": "a.md"},
        data=b"x",
        headers={"Content-Type": "text/markdown"},
    )
    assert wrong.status_code == 404
    errors = list(stub.validation_errors)
    stub.validation_errors.clear()
    assert any("does not implement" in e for e in errors)
    untyped = call(stub, "POST", f"/api/uploads/repos/octo/papers/releases/{release['id']}/assets?name=a.md", data=b"x")
    assert untyped.status_code == 422
    assert papers.release_assets(release["id"]) == []


def test_deleting_a_release_deletes_its_assets(stub: GitHubStub, papers: StubRepo) -> None:
    release = papers.add_release("v1")
    asset = papers.add_asset(release["id"], "a.md", b"x")
    assert call(stub, "DELETE", f"/repos/octo/papers/releases/{release['id']}").status_code == 204
    assert call(stub, "GET", f"/repos/octo/papers/releases/{release['id']}").status_code == 404
    assert asset["id"] not in papers.assets


def test_an_asset_can_be_renamed_but_not_to_a_name_the_release_has(stub: GitHubStub, papers: StubRepo) -> None:
    release = papers.add_release("v1")
    staged = papers.add_asset(release["id"], "a.md.new", b"new")
    old = papers.add_asset(release["id"], "a.md", b"old")

    clash = call(stub, "PATCH", f"/repos/octo/papers/releases/assets/{staged['id']}", json={"name": "a.md"})
    assert clash.status_code == 422
    assert clash.json()["errors"] == [{"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}]

    call(stub, "DELETE", f"/repos/octo/papers/releases/assets/{old['id']}")
    renamed = call(stub, "PATCH", f"/repos/octo/papers/releases/assets/{staged['id']}", json={"name": "a.md"})
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "a.md"
    assert renamed.json()["browser_download_url"].endswith("/releases/download/v1/a.md")
    again = call(stub, "PATCH", f"/repos/octo/papers/releases/assets/{staged['id']}", json={"name": "a.md"})
    assert again.status_code == 200, "renaming to its own name is no clash (a retried request does that)"
    assert [(a["name"], papers.asset_data[a["id"]]) for a in papers.release_assets(release["id"])] == [("a.md", b"new")]


def test_upload_url_names_the_uploads_base_a_test_sets(stub: GitHubStub, papers: StubRepo) -> None:
    papers.uploads_base = "https://uploads.example.test"
    release = papers.add_release("v1")
    assert release["upload_url"] == (
        f"https://uploads.example.test/repos/octo/papers/releases/{release['id']}/assets{{?name,label}}"
    )
