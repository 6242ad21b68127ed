"""End to end: the admin of ``ghdigest cms decap --vendor`` in headless Chromium, saving through decap-server.

A copy of this repository's example content becomes a git repository; decap-server (git mode) serves
it on 127.0.0.1 and the admin page, served on 127.0.0.1 too, is driven with Playwright: log in,
list the papers, create one through the form, edit another. Each save must be a commit of the
entry's file alone, and the repository must still validate, build and pass ``ghdigest fmt --check``.

Needs Debian's chromium, node and npm (decap-cms and decap-server are installed from npm into a
cache on first use). Without them the tests skip, or fail when ``GHDIGEST_E2E_REQUIRED=1`` (CI).
See tests/e2e/README.md.
"""

from __future__ import annotations

import difflib
import functools
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pytest

from ghdigest.cms import DECAP_VERSION, unformatted
from ghdigest.config import load_config
from ghdigest.yamlio import load_document

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
#: decap-server's release, pinned like Decap itself (ghdigest.cms.DECAP_VERSION).
DECAP_SERVER_VERSION = "3.11.3"
NPM_PACKAGES = {"decap-cms": DECAP_VERSION, "decap-server": DECAP_SERVER_VERSION}
#: Read at import, before tests/conftest.py points XDG_CACHE_HOME at a fresh folder per test.
NODE_MODULES = Path(
    os.environ.get("GHDIGEST_E2E_NODE_MODULES")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ghdigest-e2e" / "node_modules"
)
REQUIRED = os.environ.get("GHDIGEST_E2E_REQUIRED", "") not in ("", "0")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Generous: the first load parses a 5 MB bundle on a 2-core machine.
UI_TIMEOUT_MS = 60_000
SEED_PAPER = "Theorem proving with language modeling"
SEED_PAPER_FILE = "issues/0002-theorem-proving-with-language-modeling.yml"
WEEK = "2020-W38"

pytestmark = pytest.mark.slow


def _missing(reason: str) -> NoReturn:
    """Skip on a developer's bare machine; fail where the tools are promised (GHDIGEST_E2E_REQUIRED=1)."""
    if REQUIRED:
        pytest.fail(f"GHDIGEST_E2E_REQUIRED is set but {reason}", pytrace=False)
    pytest.skip(f"{reason} (set GHDIGEST_E2E_REQUIRED=1 to make this a failure)")


def _installed_version(package: str) -> str | None:
    manifest = NODE_MODULES / package / "package.json"
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return None


@dataclass(frozen=True)
class Tools:
    chromium: str
    node: str
    node_modules: Path


@pytest.fixture(scope="session")
def tools() -> Tools:
    """Chromium, node, git, Playwright and the npm packages, installed into the cache when npm is there."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("the Python package playwright is not installed (pip install playwright)")
    chromium = os.environ.get("GHDIGEST_E2E_CHROMIUM") or shutil.which("chromium")
    if not chromium or not Path(chromium).is_file():
        _missing("Chromium is not installed (apt-get install chromium)")
    node = shutil.which("node")
    if not node:
        _missing("node is not installed")
    if not shutil.which("git"):
        _missing("git is not installed")
    wanted = [f"{name}@{version}" for name, version in NPM_PACKAGES.items() if _installed_version(name) != version]
    if wanted:
        npm = shutil.which("npm")
        if not npm:
            _missing(f"npm is not installed, and {', '.join(wanted)} are not in {NODE_MODULES}")
        NODE_MODULES.parent.mkdir(parents=True, exist_ok=True)
        command = [npm, "install", "--prefix", str(NODE_MODULES.parent), "--no-audit", "--no-fund", "--silent"]
        done = subprocess.run([*command, *wanted], capture_output=True, text=True, timeout=900, check=False)
        if done.returncode != 0 or any(_installed_version(n) != v for n, v in NPM_PACKAGES.items()):
            _missing(f"'npm install {' '.join(wanted)}' into {NODE_MODULES.parent} failed: {done.stderr[-2000:]}")
    return Tools(chromium=chromium, node=node, node_modules=NODE_MODULES)


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def _git(root: Path, *args: str) -> str:
    done = _run("git", "-C", root, *args)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def _ghdigest(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return _run(sys.executable, "-m", "ghdigest", *args, cwd=cwd)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _copy_example(site: Path) -> None:
    """The example repository as git tracks it: config, entries, schemas (and templates, if any)."""
    listed = _git(PROJECT_ROOT, "ls-files", "-z", "--", "ghdigest.yml", "issues", "schemas", "templates")
    for name in filter(None, listed.split("\0")):
        target = site / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / name, target)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Admin:
    site: Path
    page: Any  # playwright.sync_api.Page
    blocked: list[str]
    page_errors: list[str]


def _wait_for_decap_server(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    request = urllib.request.Request(url, data=b'{"action":"info"}', headers={"Content-Type": "application/json"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"decap-server exited ({server.returncode}):\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if json.load(response).get("type") == "local_git":
                    return
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    pytest.fail(f"decap-server did not answer at {url}:\n{log.read_text(errors='replace')}")


@pytest.fixture
def admin(tools: Tools, tmp_path: Path) -> Iterator[Admin]:
    """The example repository under git, its admin served, decap-server in git mode, a logged-in page."""
    from playwright.sync_api import Route, sync_playwright

    site = tmp_path / "site"
    _copy_example(site)
    # `--vendor` looks for node_modules/decap-cms in ROOT or the current folder: run it from a folder
    # whose node_modules is the cache, so the site itself (which decap-server commits with `git add .`) has none.
    npm_folder = tmp_path / "npm"
    npm_folder.mkdir()
    (npm_folder / "node_modules").symlink_to(tools.node_modules, target_is_directory=True)
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api/v1"  # decap-server is not on its default port 8081
    done = _ghdigest("cms", "decap", site, "--vendor", "--local-backend-url", api, cwd=npm_folder)
    assert done.returncode == 0, done.stderr
    assert (site / "admin" / "decap-cms.js").is_file()
    config = load_document(site / "admin" / "config.yml", "config.yml").data
    assert config["local_backend"] == {"url": api}
    branch = str(config["backend"]["branch"])  # the branch decap-server commits to
    _git(site, "init", "-q", "-b", branch)
    _git(site, "add", "-A")
    _git(site, "-c", "user.name=Seed", "-c", "user.email=seed@example.invalid", "commit", "-q", "-m", "Seed")

    log = tmp_path / "decap-server.log"
    identity = {"GIT_AUTHOR_NAME": "Editor", "GIT_AUTHOR_EMAIL": "editor@example.invalid"}
    identity |= {"GIT_COMMITTER_NAME": "Editor", "GIT_COMMITTER_EMAIL": "editor@example.invalid"}
    env = {**os.environ, **identity, "MODE": "git", "BIND_HOST": "127.0.0.1", "PORT": str(port)}
    env["GIT_REPO_DIRECTORY"] = str(site)
    entry_point = tools.node_modules / "decap-server" / "dist" / "index.js"
    with log.open("wb") as output:
        server = subprocess.Popen([tools.node, str(entry_point)], cwd=site, env=env, stdout=output, stderr=output)
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site / "admin"))
    )
    serving = threading.Thread(target=httpd.serve_forever, daemon=True)
    serving.start()
    try:
        _wait_for_decap_server(api, server, log)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=tools.chromium, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            blocked: list[str] = []

            def only_this_machine(route: Route) -> None:
                if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
                    route.continue_()
                else:
                    blocked.append(route.request.url)
                    route.abort()

            context.route("**/*", only_this_machine)
            page = context.new_page()
            page.set_default_timeout(UI_TIMEOUT_MS)
            page_errors: list[str] = []
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.goto(f"http://127.0.0.1:{httpd.server_port}/")
            page.get_by_role("button", name="Login", exact=True).click()
            page.get_by_text(SEED_PAPER).wait_for()
            yield Admin(site=site, page=page, blocked=blocked, page_errors=page_errors)
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


_FORM_ERRORS_JS = """() => [...document.querySelectorAll('[class*="ControlErrorsList"] li')].map(item => {
  const names = [];
  const container = '[class*="ControlContainer"]';
  for (let c = item.closest(container); c; c = c.parentElement && c.parentElement.closest(container)) {
    const label = c.querySelector('label[for]');
    if (label) names.unshift(label.getAttribute('for').replace(/-field-\\d+$/, ''));
  }
  return names.join('.') + ': ' + item.textContent;
})"""


def _publish(admin: Admin, screenshot: str) -> None:
    """Publish → Publish now, then wait for Decap's verdict; a refused save fails with the fields it flags."""
    page = admin.page
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_text("Publish now", exact=True).click()
    saved = page.get_by_text("Entry saved")
    refused = page.get_by_text("you've missed a required field")
    saved.or_(refused).first.wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / screenshot))
    if not saved.is_visible():
        errors = page.evaluate(_FORM_ERRORS_JS)
        pytest.fail(
            f"Decap refused to save the form (screenshot: test-artifacts/{screenshot}); fields it flags: {errors}",
            pytrace=False,
        )


def _field(page: Any, name: str) -> Any:
    """The control of the top-level field ``name`` (its label and widget)."""
    return page.locator(f'label[for^="{name}-field-"]').first.locator("xpath=../..")


def _check_repository(site: Path, changed: str, headline: str) -> None:
    """The save is one commit of ``changed`` alone, and the repository validates, builds and is in canonical form."""
    assert _git(site, "status", "--porcelain") == "", "decap-server left changes uncommitted"
    assert _git(site, "rev-list", "--count", "HEAD").strip() == "2", "expected the seed commit and one save"
    touched = _git(site, "show", "--name-only", "--format=", "HEAD").split()
    assert touched == [changed], f"the save's commit touches {touched}"

    validated = _ghdigest("validate", site)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    out = site.parent / "out"
    built = _ghdigest("build", site, "--out", out)
    assert built.returncode == 0, built.stdout + built.stderr
    digest = (out / f"{WEEK}.md").read_text(encoding="utf-8")
    assert f"### {headline}\n" in digest

    checked = _ghdigest("fmt", site, "--check")
    if checked.returncode != 0:
        changes, _ = unformatted(load_config(site))
        diffs = [
            "".join(difflib.unified_diff((site / p).read_text("utf-8").splitlines(True), t.splitlines(True), p, p))
            for p, t in changes.items()
        ]
        pytest.fail("ghdigest fmt --check after a save from the admin:\n" + checked.stderr + "\n".join(diffs))


def test_new_paper_from_the_admin_is_a_commit_that_builds(admin: Admin) -> None:
    page = admin.page
    before = {p.name for p in (admin.site / "issues").glob("*.yml")}
    page.locator('a[href$="/collections/papers/new"]').click()
    headline = "Sparse attention from the browser"
    page.get_by_label("Headline", exact=True).fill(headline)
    page.get_by_label("Title (optional)", exact=True).first.fill("Sparse Attention, Written in a Browser")
    page.get_by_label("Url (optional)", exact=True).fill("https://arxiv.org/abs/2009.14794")
    status = _field(page, "status")
    status.get_by_role("combobox").click()
    page.get_by_role("option", name="selected", exact=True).click()
    # The Markdown widget opens in rich text, which escapes what is typed: switch to its Markdown mode.
    summary = _field(page, "summary")
    summary.get_by_role("switch").click()
    summary.get_by_role("textbox").click()
    first = "The authors train *sparse* attention on long documents; the sentence runs past eighty columns."
    page.keyboard.type(first)
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("A second paragraph with [a link](https://example.org/sparse).")
    page.get_by_label("Week (optional)", exact=True).fill(WEEK)

    _publish(admin, "decap-new-paper.png")

    new = sorted({p.name for p in (admin.site / "issues").glob("*.yml")} - before)
    assert new == ["sparse-attention-from-the-browser.yml"]
    data = load_document(admin.site / "issues" / new[0], new[0]).data
    assert data == {
        "kind": "paper",
        "status": "selected",
        "headline": headline,
        "title": "Sparse Attention, Written in a Browser",
        "url": "https://arxiv.org/abs/2009.14794",
        "summary": first + "\n\nA second paragraph with [a link](https://example.org/sparse).",
        "week": WEEK,
    }
    _check_repository(admin.site, f"issues/{new[0]}", headline)
    assert admin.blocked == [], "the vendored admin asked for addresses outside this machine"


def test_editing_a_paper_in_the_admin_changes_only_its_headline(admin: Admin) -> None:
    page = admin.page
    page.get_by_text(SEED_PAPER).click()
    headline = page.get_by_label("Headline", exact=True)
    assert headline.input_value() == SEED_PAPER
    edited = "Theorem proving, edited in a browser"
    headline.fill(edited)

    _publish(admin, "decap-edit-paper.png")

    diff = _git(admin.site, "diff", "--unified=0", "HEAD~1", "HEAD", "--", SEED_PAPER_FILE)
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == [f"-headline: {SEED_PAPER}", f"+headline: {edited}"]
    _check_repository(admin.site, SEED_PAPER_FILE, edited)
    assert admin.blocked == [], "the vendored admin asked for addresses outside this machine"
