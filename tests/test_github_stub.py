"""The GitHub stand-in behaves like GitHub wherever the sync client depends on it (and every answer fits the schema)."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import github
import pytest
import requests
from github import Auth, Github, GithubException, GithubRetry

from tests.conftest import TOKEN
from tests.github_stub import Fault, GitHubStub, StubRepo

AUTH = {"Authorization": f"token {TOKEN}"}
ODD_LABEL = "needs review / CV (2024)"


@pytest.fixture
def repo(stub: GitHubStub) -> StubRepo:
    """The repository ``octo/papers``."""
    return stub.add_repo("octo", "papers")


@pytest.fixture
def make_client(stub: GitHubStub) -> Iterator[Callable[..., Github]]:
    """Build PyGithub clients configured as the sync command configures them (options override); close them after."""
    made: list[Github] = []

    def make(**options: Any) -> Github:
        settings: dict[str, Any] = {"auth": Auth.Token(TOKEN), "per_page": 100, "lazy": True}
        settings.update(seconds_between_requests=0, seconds_between_writes=0)
        made.append(Github(base_url=stub.base_url, **{**settings, **options}))
        return made[-1]

    yield make
    for api in made:
        api.close()


@pytest.fixture
def gh(make_client: Callable[..., Github]) -> Github:
    """A PyGithub client that never retries, so each request is visible as exactly one request."""
    return make_client(retry=None)


def fast_retry(total: int = 3) -> GithubRetry:
    """PyGithub's own retry policy without the waiting."""
    return GithubRetry(total=total, backoff_factor=0, secondary_rate_wait=0)


def get(stub: GitHubStub, path: str, **headers: str) -> requests.Response:
    """A raw authenticated GET (redirects are not followed, so 301s stay visible)."""
    return requests.get(stub.base_url + path, headers={**AUTH, **headers}, timeout=5, allow_redirects=False)


def numbers(response: requests.Response) -> list[int]:
    """Issue numbers in a list response, in order."""
    return [item["number"] for item in response.json()]


# -- pagination --


def test_pygithub_follows_link_pages_through_repositories_id(stub: GitHubStub, repo: StubRepo, gh: Github) -> None:
    for index in range(250):
        repo.add_issue(f"Paper {index}", "body")

    issues = list(gh.get_repo("octo/papers").get_issues(state="all"))

    assert [issue.number for issue in issues] == list(range(250, 0, -1))
    assert [r.path for r in stub.requests] == ["/repos/octo/papers/issues"] + [f"/repositories/{repo.id}/issues"] * 2
    assert [r.query.get("page") for r in stub.requests] == [None, ["2"], ["3"]]
    assert all(r.query["state"] == ["all"] and r.query["per_page"] == ["100"] for r in stub.requests)


def test_link_header_rels_page_by_page(stub: GitHubStub, repo: StubRepo) -> None:
    for index in range(250):
        repo.add_issue(f"Paper {index}")
    base = f"{stub.base_url}/repositories/{repo.id}/issues?state=all&per_page=100"

    pages = [get(stub, f"/repos/octo/papers/issues?state=all&per_page=100&page={page}") for page in (1, 2, 3)]

    assert [len(page.json()) for page in pages] == [100, 100, 50]
    assert pages[0].headers["Link"] == f'<{base}&page=2>; rel="next", <{base}&page=3>; rel="last"'
    assert {rel: link["url"] for rel, link in pages[1].links.items()} == {
        "prev": f"{base}&page=1",
        "next": f"{base}&page=3",
        "last": f"{base}&page=3",
        "first": f"{base}&page=1",
    }
    assert {rel: link["url"] for rel, link in pages[2].links.items()} == {
        "prev": f"{base}&page=2",
        "first": f"{base}&page=1",
    }


def test_single_page_has_no_link_and_per_page_defaults_to_30_capped_at_100(stub: GitHubStub, repo: StubRepo) -> None:
    for index in range(120):
        repo.add_issue(f"Paper {index}")

    assert len(get(stub, "/repos/octo/papers/issues").json()) == 30
    assert len(get(stub, "/repos/octo/papers/issues?per_page=500").json()) == 100
    assert "Link" not in get(stub, "/repos/octo/papers/issues?labels=nothing-has-this").headers


def test_a_lowered_page_size_cap_pages_a_small_repository(stub: GitHubStub, repo: StubRepo, gh: Github) -> None:
    for index in range(12):
        repo.add_issue(f"Paper {index}")
    stub.world.max_per_page = 5

    first = get(stub, "/repos/octo/papers/issues?per_page=100")

    assert len(first.json()) == 5
    assert 'page=3>; rel="last"' in first.headers["Link"]
    assert len(list(gh.get_repo("octo/papers").get_issues())) == 12


def test_pygithub_total_count_reads_the_last_link(repo: StubRepo, gh: Github) -> None:
    for index in range(250):
        repo.add_issue(f"Paper {index}")

    assert gh.get_repo("octo/papers").get_issues(state="all").totalCount == 250


# -- listing: pull requests, labels, since, sort --


def test_pull_requests_are_mixed_in_and_marked(stub: GitHubStub, repo: StubRepo, gh: Github) -> None:
    first = repo.add_issue("An issue")
    pr = repo.add_pull_request("A PR title", "body")
    last = repo.add_issue("Another issue")

    raw = get(stub, "/repos/octo/papers/issues").json()
    issues = list(gh.get_repo("octo/papers").get_issues())

    assert (first, pr, last) == (1, 2, 3)
    assert [item["number"] for item in raw if "pull_request" in item] == [pr]
    assert set(raw[1]["pull_request"]) == {"url", "html_url", "diff_url", "patch_url", "merged_at"}
    assert [issue.pull_request is not None for issue in issues] == [False, True, False]


def test_label_filter_requires_every_label_and_decodes_odd_names(stub: GitHubStub, repo: StubRepo, gh: Github) -> None:
    both = repo.add_issue("Both", labels=[ODD_LABEL, "kind:paper"])
    repo.add_issue("Odd only", labels=[ODD_LABEL])
    repo.add_issue("Kind only", labels=["kind:paper"])

    found = list(gh.get_repo("octo/papers").get_issues(labels=[ODD_LABEL, "kind:paper"]))
    plus_encoded = requests.get(
        f"{stub.base_url}/repos/octo/papers/issues", params={"labels": ODD_LABEL}, headers=AUTH, timeout=5
    )
    percent_encoded = get(stub, "/repos/octo/papers/issues?labels=needs%20review%20%2F%20CV%20%282024%29")

    assert [issue.number for issue in found] == [both]
    assert numbers(plus_encoded) == numbers(percent_encoded) == [2, 1]
    assert stub.requests[0].query["labels"] == [f"{ODD_LABEL},kind:paper"]
    assert repo.labels[ODD_LABEL]["url"].endswith("/labels/needs%20review%20%2F%20CV%20%282024%29")


def test_since_filters_on_updated_at_and_sort_direction_order(stub: GitHubStub, repo: StubRepo, gh: Github) -> None:
    one, two, three = (repo.add_issue(f"Issue {n}") for n in range(3))
    repo.add_comment(two, "first")
    repo.add_comment(two, "second")
    repo.edit_issue(three, title="Renamed", state="closed")
    repo.edit_issue(one, body="edited")  # updated order is now two, three, one

    def listed(query: str) -> list[int]:
        return numbers(get(stub, f"/repos/octo/papers/issues?state=all&{query}"))

    assert listed("") == [three, two, one]
    assert listed("direction=asc") == [one, two, three]
    assert listed("sort=updated") == [one, three, two]
    assert listed("sort=updated&direction=asc") == [two, three, one]
    assert listed("since=" + repo.issues[three]["updated_at"]) == [three, one]
    assert listed("since=" + repo.issues[one]["updated_at"]) == [one]
    assert listed("sort=comments") == [two, three, one]
    assert numbers(get(stub, "/repos/octo/papers/issues")) == [two, one]
    since = datetime.strptime(repo.issues[three]["updated_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert [i.number for i in gh.get_repo("octo/papers").get_issues(state="all", since=since)] == [three, one]


def test_bad_query_values_get_422(stub: GitHubStub, repo: StubRepo) -> None:
    for query in ("state=bogus", "sort=size", "direction=up", "since=yesterday"):
        response = get(stub, f"/repos/octo/papers/issues?{query}")
        assert response.status_code == 422, query
        assert response.json()["message"] == "Validation Failed"


# -- comments --


def test_repository_comments_carry_issue_url_and_honour_since_and_sort(
    stub: GitHubStub, repo: StubRepo, gh: Github
) -> None:
    first, second = repo.add_issue("First"), repo.add_issue("Second")
    a = repo.add_comment(first, "a", user="bob")
    b = repo.add_comment(second, "b")
    c = repo.add_comment(first, "c")
    repo.edit_comment(a, "a, edited")

    def ids(query: str = "") -> list[int]:
        return [item["id"] for item in get(stub, f"/repos/octo/papers/issues/comments?{query}").json()]

    listed = get(stub, "/repos/octo/papers/issues/comments").json()
    assert [item["issue_url"].rsplit("/", 1)[1] for item in listed] == [str(first), str(second), str(first)]
    assert ids() == [a, b, c]
    assert ids("direction=desc") == [a, b, c]  # GitHub ignores direction without sort
    assert ids("sort=created&direction=desc") == [c, b, a]
    assert ids("sort=updated") == [b, c, a]
    assert ids("since=" + repo.comments[c]["updated_at"]) == [a, c]
    comments = gh.get_repo("octo/papers").get_issues_comments(sort="updated", direction="desc")
    assert [(comment.id, comment.body) for comment in comments] == [(a, "a, edited"), (c, "c"), (b, "b")]


def test_issue_comments_counts_and_pygithub_comment_creation(stub: GitHubStub, repo: StubRepo, gh: Github) -> None:
    number = repo.add_issue("Discussed")
    before = repo.issues[number]["updated_at"]
    kept = repo.add_comment(number, "kept", user="bob")
    dropped = repo.add_comment(number, "dropped")
    assert repo.issues[number]["comments"] == 2
    assert repo.issues[number]["updated_at"] > before

    repo.delete_comment(dropped)
    issue = gh.get_repo("octo/papers").get_issue(number)
    created = issue.create_comment("from the API")

    assert created.user.login == "stub-bot"
    assert [comment.id for comment in issue.get_comments()] == [kept, created.id]
    assert repo.issues[number]["comments"] == 2
    assert repo.comments[kept]["html_url"].startswith(f"{stub.base_url}/html/octo/papers/issues/{number}#")


# -- conditional requests and rate limit --


def test_etag_revalidation_answers_304_and_is_not_counted(stub: GitHubStub, repo: StubRepo, gh: Github) -> None:
    number = repo.add_issue("Cached")
    first = get(stub, "/repos/octo/papers/issues")
    etag, remaining = first.headers["ETag"], int(first.headers["x-ratelimit-remaining"])

    again = get(stub, "/repos/octo/papers/issues", **{"If-None-Match": etag})

    assert etag.startswith('W/"')
    assert "Last-Modified" in first.headers
    assert (again.status_code, again.content) == (304, b"")
    assert int(again.headers["x-ratelimit-remaining"]) == remaining
    assert (stub.requests[-1].status, stub.requests[-1].counted) == (304, False)
    repo.edit_issue(number, title="Changed")
    changed = get(stub, "/repos/octo/papers/issues", **{"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    issue = gh.get_repo("octo/papers").get_issue(number)
    assert issue.title == "Changed"
    assert issue.update() is False
    repo.edit_issue(number, body="new body")
    assert issue.update() is True
    assert issue.body == "new body"


def test_rate_limit_headers_count_down_and_exhaustion_answers_403(stub: GitHubStub, repo: StubRepo, gh: Github) -> None:
    first = get(stub, "/repos/octo/papers")
    second = get(stub, "/repos/octo/papers")
    budget = get(stub, "/rate_limit")
    assert int(first.headers["x-ratelimit-remaining"]) - int(second.headers["x-ratelimit-remaining"]) == 1
    assert int(second.headers["x-ratelimit-used"]) == 5000 - int(second.headers["x-ratelimit-remaining"])
    assert second.headers["x-ratelimit-resource"] == "core"
    assert second.headers["x-ratelimit-limit"] == "5000"
    assert budget.json()["resources"]["core"]["remaining"] == int(second.headers["x-ratelimit-remaining"])

    stub.rate_limit_remaining = 0
    refused = get(stub, "/repos/octo/papers")
    still_answers = get(stub, "/rate_limit")

    assert refused.status_code == 403
    assert refused.json()["message"].startswith("API rate limit exceeded for ")
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert time.time() < int(refused.headers["x-ratelimit-reset"]) <= time.time() + 5
    assert still_answers.status_code == 200
    with pytest.raises(github.RateLimitExceededException):
        gh.get_repo("octo/papers").get_issues().get_page(0)


# -- errors --


def test_deleted_issue_answers_410_and_leaves_lists(stub: GitHubStub, repo: StubRepo, gh: Github) -> None:
    number = repo.add_issue("Doomed")
    repo.add_comment(number, "gone too")
    repo.delete_issue(number)

    response = get(stub, f"/repos/octo/papers/issues/{number}")

    assert response.status_code == 410
    assert response.json() == {
        "message": "This issue was deleted",
        "documentation_url": "https://docs.github.com/rest",
        "status": "410",
    }
    assert get(stub, "/repos/octo/papers/issues?state=all").json() == []
    assert get(stub, "/repos/octo/papers/issues/comments").json() == []
    with pytest.raises(GithubException) as raised:
        gh.get_repo("octo/papers").get_issue(number).title  # noqa: B018 - lazy objects fetch on attribute access
    assert raised.value.status == 410


def test_transferred_issue_answers_301_and_pygithub_follows(stub: GitHubStub, repo: StubRepo, gh: Github) -> None:
    archive = stub.add_repo("octo", "archive")
    archive.add_issue("Already here", labels=["kind:paper"])
    number = repo.add_issue("Travelling", labels=["kind:paper", "local-only"])
    comment = repo.add_comment(number, "comes along")
    new_number = repo.transfer_issue(number, archive)

    response = get(stub, f"/repos/octo/papers/issues/{number}")
    followed = gh.get_repo("octo/papers").get_issue(number)

    location = f"{stub.base_url}/repos/octo/archive/issues/{new_number}"
    assert (response.status_code, response.headers["Location"]) == (301, location)
    assert response.json()["message"] == "Moved Permanently"
    assert response.json()["url"] == location
    # A lazy PyGithub Issue reports the number it was asked for until an attribute access fetches it: title first.
    assert (followed.title, followed.number, followed.repository_url) == ("Travelling", new_number, archive.api_url)
    assert [label.name for label in followed.labels] == ["kind:paper"]
    assert get(stub, "/repos/octo/papers/issues").json() == []
    assert numbers(get(stub, "/repos/octo/archive/issues")) == [new_number, 1]
    assert archive.comments[comment]["issue_url"] == f"{archive.api_url}/issues/{new_number}"


def test_not_found_bodies(stub: GitHubStub, repo: StubRepo, gh: Github) -> None:
    expected = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}

    assert get(stub, "/repos/octo/nope").json() == expected
    assert get(stub, "/repos/octo/nope/issues").status_code == 404
    assert get(stub, "/repositories/999/issues").status_code == 404
    assert get(stub, "/repos/octo/papers/issues/7").json() == expected
    with pytest.raises(github.UnknownObjectException):
        gh.get_repo("octo/nope").get_issues().get_page(0)


def test_create_without_title_is_422_and_creates_nothing(stub: GitHubStub, repo: StubRepo, gh: Github) -> None:
    response = requests.post(
        f"{stub.base_url}/repos/octo/papers/issues", json={"title": "  ", "body": "x"}, headers=AUTH, timeout=5
    )

    assert response.status_code == 422
    assert response.json() == {
        "message": "Validation Failed",
        "errors": [{"resource": "Issue", "code": "missing_field", "field": "title"}],
        "documentation_url": "https://docs.github.com/rest",
        "status": "422",
    }
    with pytest.raises(GithubException) as raised:
        gh.get_repo("octo/papers").create_issue("")
    assert raised.value.status == 422
    assert repo.issues == {}


def test_credentials_are_checked_when_a_token_is_set(
    stub: GitHubStub, repo: StubRepo, make_client: Callable[..., Github]
) -> None:
    anonymous = requests.get(f"{stub.base_url}/repos/octo/papers", timeout=5)
    bearer = requests.get(f"{stub.base_url}/repos/octo/papers", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)

    assert anonymous.status_code == 401
    assert anonymous.json() == {
        "message": "Bad credentials",
        "documentation_url": "https://docs.github.com/rest",
        "status": "401",
    }
    assert bearer.status_code == 200
    with pytest.raises(github.BadCredentialsException):
        make_client(auth=Auth.Token("wrong"), retry=None).get_repo("octo/papers").get_issues().get_page(0)


def test_no_token_accepts_any_or_no_credentials() -> None:
    with GitHubStub() as stub:
        stub.add_repo("octo", "papers")
        assert requests.get(f"{stub.base_url}/repos/octo/papers", timeout=5).status_code == 200
        assert get(stub, "/repos/octo/papers").status_code == 200
        assert stub.validation_errors == []


# -- writes through PyGithub, and the clock --


def test_create_and_edit_through_pygithub(stub: GitHubStub, repo: StubRepo, gh: Github) -> None:
    repo.add_issue("Existing", labels=["kind:paper"])
    api_repo = gh.get_repo("octo/papers")

    created = api_repo.create_issue("New paper", "Abstract", labels=["kind:paper", "brand new"])
    created.edit(title="Renamed", state="closed", state_reason="not_planned")
    closed = dict(repo.issues[created.number])
    created.edit(state="open")

    posts = [r for r in stub.requests if r.method != "GET"]
    assert [(r.method, r.status) for r in posts] == [("POST", 201), ("PATCH", 200), ("PATCH", 200)]
    assert json.loads(posts[0].body) == {
        "title": "New paper",
        "body": "Abstract",
        "labels": ["kind:paper", "brand new"],
    }
    assert sorted(repo.labels) == ["brand new", "kind:paper"]
    assert (closed["title"], closed["state"], closed["state_reason"]) == ("Renamed", "closed", "not_planned")
    assert closed["closed_at"] == closed["updated_at"]
    assert (created.state, created.state_reason) == ("open", "reopened")
    assert repo.issues[created.number]["closed_at"] is None
    assert created.user.login == "stub-bot"
    assert created.html_url.startswith(stub.base_url + "/html/")


def test_clock_starts_in_2020_and_every_mutation_ticks(stub: GitHubStub, repo: StubRepo, gh: Github) -> None:
    start = datetime(2020, 9, 13, tzinfo=timezone.utc)
    assert stub.now() == start + timedelta(seconds=1)  # add_repo is a mutation too
    first = repo.add_issue("One")
    second = repo.add_issue("Two")
    repo.edit_issue(first, labels=["x"])
    gh.get_repo("octo/papers").get_issue(second).edit(body="patched")
    repo.add_comment(second, "note")
    stub.advance(timedelta(days=2))
    third = repo.add_issue("Three")

    stamps = [repo.issues[n]["updated_at"] for n in (first, second, third)]
    assert repo.issues[first]["created_at"] == "2020-09-13T00:00:02Z"
    assert stamps == ["2020-09-13T00:00:04Z", "2020-09-13T00:00:06Z", "2020-09-15T00:00:07Z"]
    assert stub.now() == datetime(2020, 9, 15, 0, 0, 7, tzinfo=timezone.utc)


# -- repository, root, labels, protocol --


def test_repository_root_labels_and_rate_limit_endpoints(stub: GitHubStub, repo: StubRepo, gh: Github) -> None:
    repo.add_issue("Labelled", labels=["b", "a"])

    by_name = get(stub, "/repos/octo/papers").json()
    by_id = get(stub, f"/repositories/{repo.id}").json()

    assert by_name == by_id
    assert by_name["id"] == repo.id
    assert by_name["open_issues_count"] == 1
    assert gh.get_repo(repo.id).full_name == "octo/papers"
    assert [label["name"] for label in get(stub, "/repos/octo/papers/labels").json()] == ["b", "a"]
    assert get(stub, "/").json()["repository_url"] == f"{stub.base_url}/repos/{{owner}}/{{repo}}"
    before = stub.rate_limit_remaining
    assert gh.get_rate_limit().resources.core.remaining == before == stub.rate_limit_remaining
    assert all(urlsplit(value).hostname == "127.0.0.1" for value in by_name.values() if str(value).startswith("http"))


def test_keep_alive_serves_several_requests_on_one_connection(stub: GitHubStub, repo: StubRepo) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", urlsplit(stub.base_url).port, timeout=5)
    connection.connect()
    connection.auto_open = 0  # a closed connection now raises instead of silently reconnecting
    try:
        for path in ("/repos/octo/papers", "/repos/octo/papers/issues", "/repos/octo/papers/labels"):
            connection.request("GET", path, headers=AUTH)
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200
            assert response.getheader("Content-Type") == "application/json; charset=utf-8"
            assert int(response.getheader("Content-Length", "-1")) == len(body)
    finally:
        connection.close()


# -- faults --


def test_status_fault_fires_on_nth_match_for_times_requests(stub: GitHubStub, repo: StubRepo) -> None:
    fault = stub.inject(Fault(status=500, method="GET", path=r"^/repos/octo/papers/issues$", nth=2, times=2))

    get(stub, "/repos/octo/papers")  # does not match, so it does not count
    statuses = [get(stub, "/repos/octo/papers/issues").status_code for _ in range(4)]

    assert statuses == [200, 500, 500, 200]
    assert (fault.seen, fault.fired, stub.requests[2].status) == (4, 2, 500)


def test_pygithub_retries_through_a_502(stub: GitHubStub, repo: StubRepo, make_client: Callable[..., Github]) -> None:
    number = repo.add_issue("Flaky")
    stub.inject(Fault(status=502, method="GET", path=rf"^/repos/octo/papers/issues/{number}$"))

    issue = make_client(retry=fast_retry()).get_repo("octo/papers").get_issue(number)

    assert issue.title == "Flaky"
    assert [r.status for r in stub.requests] == [502, 200]


def test_secondary_rate_limit_faults(
    stub: GitHubStub, repo: StubRepo, gh: Github, make_client: Callable[..., Github]
) -> None:
    stub.inject(Fault(status=403, retry_after=1))
    stub.inject(Fault(status=429, nth=2))

    forbidden = get(stub, "/repos/octo/papers/issues")
    too_many = get(stub, "/repos/octo/papers/issues")

    assert (forbidden.status_code, forbidden.headers["retry-after"]) == (403, "1")
    assert forbidden.json()["message"] == too_many.json()["message"]
    assert too_many.json()["message"].startswith("You have exceeded a secondary rate limit")
    assert (too_many.status_code, "retry-after" in too_many.headers) == (429, False)
    stub.inject(Fault(status=403))
    with pytest.raises(github.RateLimitExceededException):
        gh.get_repo("octo/papers").get_issues().get_page(0)
    stub.inject(Fault(status=429, retry_after=0))
    assert make_client(retry=fast_retry()).get_repo("octo/papers").get_issues().get_page(0) == []


def test_drop_fault_closes_without_answering(stub: GitHubStub, repo: StubRepo) -> None:
    stub.inject(Fault(kind="drop"))

    with pytest.raises(requests.ConnectionError):
        get(stub, "/repos/octo/papers")

    assert (stub.requests[-1].status, stub.requests[-1].counted) == (0, False)
    assert get(stub, "/repos/octo/papers").status_code == 200


def test_slow_fault_delays_the_answer(stub: GitHubStub, repo: StubRepo) -> None:
    stub.inject(Fault(kind="slow", delay=0.3))
    with pytest.raises(requests.ReadTimeout):
        requests.get(f"{stub.base_url}/repos/octo/papers", headers=AUTH, timeout=0.05)

    stub.inject(Fault(kind="slow", delay=0.1))
    started = time.monotonic()
    response = get(stub, "/repos/octo/papers")

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.1


def test_timeout_fault_answers_nothing_and_acts_only_after(stub: GitHubStub, repo: StubRepo) -> None:
    number = repo.add_issue("Before")
    edit = {"url": f"{stub.base_url}/repos/octo/papers/issues/{number}", "headers": AUTH, "timeout": 0.1}
    stub.inject(Fault(kind="timeout", delay=0.3, method="PATCH"))
    with pytest.raises(requests.ReadTimeout):
        requests.patch(**edit, json={"title": "Never"})
    stub.inject(Fault(kind="timeout", delay=0.3, method="PATCH", after=True))
    with pytest.raises(requests.ReadTimeout):
        requests.patch(**edit, json={"title": "After"})

    assert repo.issues[number]["title"] == "After"
    assert [(r.method, r.status) for r in stub.requests] == [("PATCH", 0), ("PATCH", 0)]
    with pytest.raises(ValueError, match="delay"):
        Fault(kind="timeout")


def test_secondary_limit_fault_can_show_the_budget_spent_until_a_reset(stub: GitHubStub, repo: StubRepo) -> None:
    stub.inject(Fault(status=403, reset_after=30))

    refused = get(stub, "/repos/octo/papers")

    assert refused.json()["message"].startswith("You have exceeded a secondary rate limit")
    assert "retry-after" not in refused.headers
    assert (refused.headers["x-ratelimit-remaining"], refused.headers["x-ratelimit-used"]) == ("0", "5000")
    assert time.time() + 28 <= int(refused.headers["x-ratelimit-reset"]) <= time.time() + 30
    assert get(stub, "/repos/octo/papers").headers["x-ratelimit-remaining"] != "0"


def test_truncated_fault_sends_half_a_body(stub: GitHubStub, repo: StubRepo, gh: Github) -> None:
    number = repo.add_issue("Cut short")
    stub.inject(Fault(kind="truncated"))
    stub.inject(Fault(kind="truncated", nth=2))

    response = get(stub, f"/repos/octo/papers/issues/{number}")

    assert response.status_code == 200
    assert "ETag" in response.headers
    with pytest.raises(ValueError):  # noqa: PT011 - any JSON decoding error will do
        response.json()
    with pytest.raises(ValueError):  # noqa: PT011
        gh.get_repo("octo/papers").get_issue(number).title  # noqa: B018 - lazy objects fetch on attribute access


def test_after_fault_creates_the_issue_then_fails(stub: GitHubStub, repo: StubRepo, gh: Github) -> None:
    stub.inject(Fault(status=502, method="POST", path=r"/issues$", after=True))

    with pytest.raises(GithubException) as raised:
        gh.get_repo("octo/papers").create_issue("Created once")

    assert raised.value.status == 502
    assert [issue["title"] for issue in repo.issues.values()] == ["Created once"]


def test_after_fault_shows_pygithub_retrying_posts_into_duplicates(
    stub: GitHubStub, repo: StubRepo, make_client: Callable[..., Github]
) -> None:
    # GithubRetry retries POST on 5xx: a create that "failed" after succeeding runs twice. Clients must not rely on it.
    stub.inject(Fault(status=502, method="POST", after=True))

    make_client(retry=fast_retry()).get_repo("octo/papers").create_issue("Created twice")

    assert [issue["title"] for issue in repo.issues.values()] == ["Created twice", "Created twice"]


def test_after_drop_applies_the_edit_but_the_client_hears_nothing(stub: GitHubStub, repo: StubRepo, gh: Github) -> None:
    number = repo.add_issue("Before")
    stub.inject(Fault(kind="drop", method="PATCH", after=True))

    with pytest.raises(requests.ConnectionError):
        gh.get_repo("octo/papers").get_issue(number).edit(title="After")

    assert repo.issues[number]["title"] == "After"
    assert (stub.requests[-1].method, stub.requests[-1].status) == ("PATCH", 0)


def test_inject_at_faults_each_position_in_turn(stub: GitHubStub, repo: StubRepo) -> None:
    paths = ["/repos/octo/papers", "/repos/octo/papers/issues", "/repos/octo/papers/labels"]
    for index in range(len(paths)):
        stub.inject_at(index, Fault(status=503))
        statuses = [get(stub, path).status_code for path in paths]
        assert statuses == [503 if position == index else 200 for position in range(len(paths))]


# -- validation itself --


def test_validation_catches_malformed_and_undescribed_responses(stub: GitHubStub, repo: StubRepo) -> None:
    number = repo.add_issue("Fine")
    repo.issues[number]["number"] = "one"
    repo.issues[number]["created_at"] = "13/09/2020"

    get(stub, f"/repos/octo/papers/issues/{number}")
    get(stub, "/user")
    get(stub, "/repos/octo/papers/labels/bug")  # described, but the stub does not serve single labels

    errors = list(stub.validation_errors)
    stub.validation_errors.clear()  # the fixture checks that nothing else went wrong
    assert any(
        e.startswith(f"GET /repos/octo/papers/issues/{number} -> 200: 'one' is not of type 'integer' at $.number")
        for e in errors
    )
    assert any("'13/09/2020' is not a 'date-time' at $.created_at" in e for e in errors)
    assert "GET /user -> 404: operation not in the OpenAPI description" in errors
    assert any("/labels/bug" in e and "does not implement" in e for e in errors)
    assert len(errors) == 4
