"""A stand-in for the GitHub REST API, served over real HTTP on 127.0.0.1 for the test suite.

Usage::

    with GitHubStub(token="secret-token") as stub:
        repo = stub.add_repo("octo", "papers")
        repo.add_issue("Title", "body", labels=["kind:paper"])
        gh = github.Github(base_url=stub.base_url, auth=github.Auth.Token("secret-token"))
        ...
        assert stub.validation_errors == []

Every response is validated against GitHub's own OpenAPI description (``api.github.com.subset.json``, from
github/rest-api-description via octokit; see ``LICENSE.octokit-openapi``).
"""

from .model import StubRepo
from .server import Fault, GitHubStub, RecordedRequest

__all__ = ["Fault", "GitHubStub", "RecordedRequest", "StubRepo"]
