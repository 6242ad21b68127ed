"""The GitHub Actions workflows and the composite action: generated, least-privileged, pinned, lint-clean.

The security properties are asserted here directly, so they hold whatever zizmor's rules become;
zizmor (pedantic) and actionlint then run over the same files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from ghdigest.scaffold import WORKFLOW_NAMES, init_repository, workflow_files

from .conftest import PROJECT_ROOT

# A requirement pinned to one commit, as a user passes to `init --install` (never fetched by the tests).
INSTALL = "ghdigest @ git+https://github.com/example/ghdigest@0123456789abcdef0123456789abcdef01234567"

WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"
ACTION = PROJECT_ROOT / "action.yml"
BIN = Path(sys.executable).parent  # the tools of the `test` extra live beside the interpreter

#: Exactly the token permissions each job may have: one more fails the test.
PERMISSIONS: Mapping[tuple[str, str], dict[str, str]] = {
    ("validate.yml", "validate"): {"contents": "read"},
    ("sync.yml", "sync"): {"contents": "write", "issues": "read", "pull-requests": "write"},
    ("publish.yml", "publish"): {"contents": "write"},
}
TRIGGERS = {
    "validate.yml": {"pull_request"},
    "sync.yml": {"issues", "schedule", "workflow_dispatch"},
    "publish.yml": {"schedule", "workflow_dispatch"},
}
# owner/repo(/path)@<40 hex> # vX.Y.Z — a full commit, and the release it is, for people and Dependabot.
PINNED = re.compile(r"^\s*(?:- )?uses: [\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40} # v\d+(?:\.\d+){0,2}$")
LOCAL = re.compile(r"^\s*(?:- )?uses: \./\S*$")


def _load(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def _steps(document: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    if "runs" in document:  # a composite action
        yield from document["runs"]["steps"]
        return
    for job in document["jobs"].values():
        yield from job.get("steps", [])


def assert_secure_workflow(name: str, text: str) -> None:
    """The security properties every workflow here must have (see README, 'The workflows')."""
    document = _load(text)
    triggers = document["on"]
    assert set(triggers) == TRIGGERS[name], f"{name}: triggers"
    assert "pull_request_target" not in triggers
    assert "workflow_run" not in triggers
    assert document["permissions"] == {}, f"{name}: permissions: {{}} at the top"
    assert document["concurrency"]["group"], f"{name}: a concurrency group"
    assert "cancel-in-progress" in document["concurrency"], f"{name}: say whether a new run cancels the old"
    assert "env" not in document, f"{name}: nothing for every step"
    for job_id, job in document["jobs"].items():
        assert job["permissions"] == PERMISSIONS[name, job_id], f"{name}: {job_id}: least privilege"
        assert isinstance(job.get("timeout-minutes"), int), f"{name}: {job_id}: a timeout"
        assert "env" not in job, f"{name}: {job_id}: environment variables belong to the steps that need them"
    _assert_secure_steps(name, text, document)


def _assert_secure_steps(name: str, text: str, document: Mapping[str, Any]) -> None:
    for line in text.splitlines():
        if re.match(r"^\s*(?:- )?uses:", line):
            assert PINNED.match(line) or LOCAL.match(line), f"{name}: not pinned to a commit with its version: {line}"
    assert "zizmor: ignore" not in text, f"{name}: no suppressed findings"
    for step in _steps(document):
        if "run" in step:
            # Stricter than 'no github.event in run': no expression at all, so no data of any origin
            # (issue text, branch names, inputs, step outputs) is ever pasted into a script.
            assert "${{" not in step["run"], f"{name}: an expression inside run: in step {step.get('name')!r}"
        uses = step.get("uses", "")
        if uses.startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False, f"{name}: checkout must not keep the token"
        for key, value in (step.get("env") or {}).items():
            if "secrets." in str(value) or "github.token" in str(value):
                # Only the steps that talk to GitHub see a token: never the install step.
                assert key in {"GITHUB_TOKEN", "GH_TOKEN"}, f"{name}: a token in {key}"
                assert "install" not in str(step.get("name", "")).lower()
        assert step.get("name"), f"{name}: every step says what it does"


def _committed_workflows() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(WORKFLOWS.glob("*.y*ml"))}


# --- generated from one set of templates -------------------------------------------------------


def test_this_repositorys_workflows_are_the_generated_source_variant(update_golden: bool) -> None:
    generated = workflow_files(None)
    if update_golden:
        for name, text in generated.items():
            (WORKFLOWS / name).write_text(text, encoding="utf-8")
    committed = _committed_workflows()
    assert set(committed) == set(generated)
    for name, text in generated.items():
        assert committed[name] == text, (
            f".github/workflows/{name} differs from its template; edit src/ghdigest/scaffold/data/workflows/{name} "
            "and run `pytest tests/test_workflows.py --update-golden`"
        )


def test_the_variants_differ_only_in_what_pip_installs() -> None:
    source, release = workflow_files(None), workflow_files(INSTALL)
    assert list(source) == list(release) == list(WORKFLOW_NAMES)
    pinned = f'pip install --disable-pip-version-check "{INSTALL}"'
    for name in WORKFLOW_NAMES:
        assert "pip install --disable-pip-version-check .\n" in source[name]
        assert pinned in release[name]
        assert "pip install --disable-pip-version-check .\n" not in release[name]
        assert _without_install(source[name]) == _without_install(release[name])


def _without_install(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("#") and "pip install" not in line]


# --- security properties, asserted directly ---------------------------------------------------


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_committed_workflow_is_least_privileged_pinned_and_injection_free(name: str) -> None:
    assert_secure_workflow(name, (WORKFLOWS / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_workflow_init_writes_is_least_privileged_pinned_and_injection_free(name: str) -> None:
    assert_secure_workflow(name, workflow_files(INSTALL)[name])


def test_composite_action_passes_inputs_through_the_environment() -> None:
    text = ACTION.read_text(encoding="utf-8")
    action = _load(text)
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {"args", "python-version"}
    _assert_secure_steps("action.yml", text, action)
    runs = [step for step in action["runs"]["steps"] if "run" in step]
    assert all(step["shell"] == "bash" for step in runs)
    install = next(step for step in runs if "pip install" in step["run"])
    assert install["env"] == {"GHDIGEST_SOURCE": "${{ github.action_path }}"}
    command = next(step for step in runs if "ghdigest " in step["run"])
    assert command["env"] == {"GHDIGEST_ARGS": "${{ inputs.args }}"}


def test_the_security_check_catches_what_it_is_for() -> None:
    # The assertions above are only worth something if they fail on the mistakes they name.
    good = workflow_files(INSTALL)["sync.yml"]
    broken = {
        "expression in run": good.replace(
            'ghdigest sync --repo "$GITHUB_REPOSITORY"', "ghdigest sync --repo ${{ github.repository }}"
        ),
        "tag instead of commit": re.sub(r"checkout@[0-9a-f]{40} # v[\d.]+", "checkout@v5", good),
        "more permissions": good.replace("issues: read #", "issues: write #"),
        "workflow-wide permissions": good.replace("permissions: {}", "permissions: write-all"),
        "credentials kept": good.replace("persist-credentials: false", "persist-credentials: true", 1),
        "target trigger": good.replace("  workflow_dispatch:\n", "  workflow_dispatch:\n  pull_request_target:\n"),
    }
    for what, text in broken.items():
        assert text != good, what
        with pytest.raises(AssertionError):
            assert_secure_workflow("sync.yml", text)


# --- zizmor and actionlint (both in the `test` extra) ---------------------------------------


def _tool(name: str) -> str:
    path = BIN / name
    assert path.is_file(), f"{name} is missing: install the test extra (pip install -e '.[test]')"
    return str(path)


def _zizmor(*inputs: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    # --no-ignores: a suppression comment cannot hide a finding; --no-config: nor can a config file.
    command = [_tool("zizmor"), "--offline", "--persona", "pedantic", "--no-ignores", "--no-config"]
    return subprocess.run([*command, *map(str, inputs)], capture_output=True, text=True, check=False, cwd=cwd)


def _actionlint(*files: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    # With shellcheck, actionlint also checks every run: script.
    command = [_tool("actionlint"), "-shellcheck", _tool("shellcheck"), *map(str, files)]
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd)


#: A workflow that calls the composite action as another repository would: actionlint reads an action's
#: metadata only through a workflow that uses it, and checks the inputs given against those declared.
ACTION_CALLER = """\
name: Use the action
on: push
permissions: {}
jobs:
  use:
    runs-on: ubuntu-latest
    permissions: {}
    steps:
      - name: Run ghdigest
        uses: ./
        with:
          args: validate --strict
          python-version: "3.10"
          working-directory: digest
"""


@pytest.mark.slow
def test_zizmor_and_actionlint_find_nothing_in_this_repository() -> None:
    zizmor = _zizmor(WORKFLOWS, ACTION, cwd=PROJECT_ROOT)
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr
    assert "No findings" in zizmor.stdout
    actionlint = _actionlint(*sorted(WORKFLOWS.glob("*.yml")), cwd=PROJECT_ROOT)
    assert actionlint.returncode == 0, actionlint.stdout + actionlint.stderr


@pytest.mark.slow
def test_actionlint_accepts_a_workflow_calling_the_composite_action(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # actionlint resolves `uses: ./` only inside a project it recognises
    (tmp_path / "action.yml").write_bytes(ACTION.read_bytes())
    caller = tmp_path / ".github" / "workflows" / "use.yml"
    caller.parent.mkdir(parents=True)
    caller.write_text(ACTION_CALLER, encoding="utf-8")
    assert _actionlint(caller, cwd=tmp_path).returncode == 0
    caller.write_text(ACTION_CALLER.replace("args:", "arguments:"), encoding="utf-8")
    wrong = _actionlint(caller, cwd=tmp_path)
    assert wrong.returncode == 1
    assert 'missing input "args"' in wrong.stdout, "the metadata was really read"


@pytest.mark.slow
def test_zizmor_and_actionlint_find_nothing_in_the_workflows_init_writes(tmp_path: Path) -> None:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    for name, text in workflow_files(INSTALL).items():
        (folder / name).write_text(text, encoding="utf-8")
    zizmor = _zizmor(folder, cwd=tmp_path)
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr
    assert "No findings" in zizmor.stdout
    actionlint = _actionlint(*sorted(folder.iterdir()), cwd=tmp_path)
    assert actionlint.returncode == 0, actionlint.stdout + actionlint.stderr


@pytest.mark.slow
def test_the_linters_do_report_a_bad_workflow(tmp_path: Path) -> None:
    # Proof that the two runs above can fail: the publish workflow with an expression in a script,
    # then with an unquoted variable.
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    good = workflow_files(INSTALL)["publish.yml"]
    injected = good.replace('ghdigest release "$WEEK"', "ghdigest release ${{ inputs.week }}")
    (folder / "publish.yml").write_text(injected, encoding="utf-8")
    zizmor = _zizmor(folder, cwd=tmp_path)
    assert zizmor.returncode != 0
    assert "template-injection" in zizmor.stdout, zizmor.stdout
    (folder / "publish.yml").write_text(good.replace("run: ghdigest build", "run: ghdigest build $OUT"))
    actionlint = _actionlint(folder / "publish.yml", cwd=tmp_path)
    assert actionlint.returncode != 0
    assert "SC2086" in actionlint.stdout, actionlint.stdout


# --- the scripts do what they say: each run: script executed with bash, as a runner would ------


def _step(workflow: str, name: str) -> dict[str, Any]:
    document = _load(workflow_files(INSTALL)[workflow])
    return next(step for step in _steps(document) if step.get("name") == name)


def _run_step(
    workflow: str, name: str, cwd: Path, env: Mapping[str, str], path: Path = BIN
) -> subprocess.CompletedProcess[str]:
    """Run one step's script the way a runner does for `shell: bash`, with ``env`` and ``path`` first on PATH."""
    script = _step(workflow, name)["run"]
    full_env = {"PATH": f"{path}:{os.environ['PATH']}", "HOME": os.environ.get("HOME", str(cwd)), **env}
    command = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script]
    return subprocess.run(command, cwd=cwd, env=full_env, capture_output=True, text=True, check=False)


def _outputs(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return dict(line.split("=", 1) for line in lines)


@pytest.mark.slow
def test_the_preview_shows_the_weeks_a_pull_request_changes(tmp_path: Path) -> None:
    workspace, runner = tmp_path / "workspace", tmp_path / "runner"
    runner.mkdir()
    init_repository(workspace / "base")
    shutil.copytree(workspace / "base", workspace / "head")
    entry = workspace / "head" / "issues" / "example-theorem-proving.yml"
    entry.write_text(entry.read_text(encoding="utf-8").replace("2020-W38", "2020-W39"), encoding="utf-8")
    summary = tmp_path / "summary.md"
    env = {"RUNNER_TEMP": str(runner), "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true"}

    for step, folder in (
        ("Build", "head"),
        ("Build the base, for comparison", "."),
        ("Preview the changed weeks", "."),
    ):
        ran = _run_step("validate.yml", step, workspace / folder, env)
        assert ran.returncode == 0, step + ran.stdout + ran.stderr
    shown = summary.read_text(encoding="utf-8")
    assert "<summary>2020-W39</summary>" in shown, "the week the entry moved into"
    assert "# My ML News #Week 39, 2020" in shown
    assert "2020-W38" not in shown, "the week it left has no digest any more, so there is nothing to show"
    assert "index" not in shown

    # A pull request that changes no rendered week says so.
    shutil.rmtree(runner)
    runner.mkdir()
    summary.unlink()
    shutil.rmtree(workspace / "head")
    shutil.copytree(workspace / "base", workspace / "head")
    (workspace / "head" / "README.md").write_text("Changed.\n", encoding="utf-8")
    for step, folder in (
        ("Build", "head"),
        ("Build the base, for comparison", "."),
        ("Preview the changed weeks", "."),
    ):
        assert _run_step("validate.yml", step, workspace / folder, env).returncode == 0
    assert "This pull request changes no week's digest." in summary.read_text(encoding="utf-8")

    # A base that does not build (here: not a digest yet) counts every week as changed, quietly.
    shutil.rmtree(runner)
    runner.mkdir()
    summary.unlink()
    (workspace / "base" / "ghdigest.yml").unlink()
    for step, folder in (
        ("Build", "head"),
        ("Build the base, for comparison", "."),
        ("Preview the changed weeks", "."),
    ):
        ran = _run_step("validate.yml", step, workspace / folder, env)
        assert ran.returncode == 0
        assert "::error" not in ran.stdout, "the base's problems are not annotated on the pull request"
    assert "<summary>2020-W38</summary>" in summary.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("given", "released"),
    [
        ("", "latest"),
        ("latest", "latest"),
        ("2020-W38", "2020-W38"),
        ("2020-W38; touch pwned", None),
        ("$(touch pwned)", None),
        ("2020-W38\ntouch pwned", None),
        ("38", None),
    ],
)
def test_the_publish_week_input_is_checked(tmp_path: Path, given: str, released: str | None) -> None:
    output = tmp_path / "output"
    ran = _run_step("publish.yml", "Check the week", tmp_path, {"WEEK": given, "GITHUB_OUTPUT": str(output)})
    assert not (tmp_path / "pwned").exists()
    if released is None:
        assert ran.returncode == 1
        assert "::error::the week must look like 2020-W38" in ran.stdout
        assert _outputs(output) == {}
    else:
        assert ran.returncode == 0, ran.stderr
        assert _outputs(output) == {"week": released}


@pytest.mark.parametrize(
    ("variable", "ref_type", "mode"),
    [
        ("", "branch", "pull-request"),
        ("pull-request", "branch", "pull-request"),
        ("direct", "branch", "direct"),
        ("Direct; touch pwned", "branch", None),
        ("direct", "tag", None),
    ],
)
def test_the_sync_mode_variable_is_checked(tmp_path: Path, variable: str, ref_type: str, mode: str | None) -> None:
    output = tmp_path / "output"
    env = {"SYNC_MODE": variable, "GITHUB_REF_TYPE": ref_type, "GITHUB_REF_NAME": "v1", "GITHUB_OUTPUT": str(output)}
    ran = _run_step("sync.yml", "Check the settings", tmp_path, env)
    assert not (tmp_path / "pwned").exists()
    assert ran.returncode == (0 if mode else 1)
    assert _outputs(output) == ({"mode": mode} if mode else {})


FAKE_GHDIGEST = """#!/usr/bin/env bash
echo "$*" >> "$CALLS"
exit "${FAKE_EXIT:-0}"
"""


@pytest.mark.parametrize(
    ("event", "action", "full"),
    [
        ("issues", "edited", False),
        ("issues", "labeled", False),
        ("issues", "deleted", True),
        ("issues", "transferred", True),
        ("schedule", "", True),
        ("workflow_dispatch", "", True),
    ],
)
def test_sync_reads_everything_when_an_incremental_read_cannot_see_the_change(
    tmp_path: Path, event: str, action: str, full: bool
) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "ghdigest").write_text(FAKE_GHDIGEST, encoding="utf-8")
    (fake / "ghdigest").chmod(0o755)
    payload = tmp_path / "event.json"
    payload.write_text(json.dumps({"action": action} if action else {"schedule": "23 4 * * *"}), encoding="utf-8")
    env = {
        "CALLS": str(tmp_path / "calls"),
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(payload),
        "GITHUB_REPOSITORY": "owner/name",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
    }
    ran = _run_step("sync.yml", "Sync", tmp_path, env, path=fake)
    assert ran.returncode == 0, ran.stderr
    expected = "sync --repo owner/name --full" if full else "sync --repo owner/name"
    assert (tmp_path / "calls").read_text(encoding="utf-8") == expected + "\n"
    assert _outputs(tmp_path / "output") == {"exit": "0"}


@pytest.mark.parametrize(("code", "step_fails"), [(1, False), (2, True)])
def test_sync_conflicts_are_committed_around_and_a_failure_to_run_stops(
    tmp_path: Path, code: int, step_fails: bool
) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "ghdigest").write_text(FAKE_GHDIGEST, encoding="utf-8")
    (fake / "ghdigest").chmod(0o755)
    (tmp_path / "event.json").write_text("{}", encoding="utf-8")
    env = {
        "CALLS": str(tmp_path / "calls"),
        "FAKE_EXIT": str(code),
        "GITHUB_EVENT_NAME": "issues",
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "GITHUB_REPOSITORY": "owner/name",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
    }
    ran = _run_step("sync.yml", "Sync", tmp_path, env, path=fake)
    assert (ran.returncode != 0) is step_fails
    assert _outputs(tmp_path / "output") == {"exit": str(code)}
    report = _step("sync.yml", "Report conflicts")
    assert report["if"] == "steps.sync.outputs.exit == '1'"


# A stand-in for the GitHub CLI: records its arguments; `gh pr list` applies its --jq filter, as gh
# does, to the open pull requests in $OPEN_PRS (JSON).
FAKE_GH = """#!/usr/bin/env bash
echo "$*" >> "$GH_CALLS"
if [ "$1 $2" = "pr list" ]; then
  while [ "$#" -gt 0 ]; do
    if [ "$1" = --jq ]; then
      jq -r "$2" <<< "${OPEN_PRS:-[]}"
    fi
    shift
  done
fi
"""
#: The sync pull request, open: number 7, from this repository's own branch.
SYNC_PR = '[{"number": 7, "isCrossRepository": false}]'
#: A fork's pull request from a branch that happens to have the sync branch's name.
FORK_PR = '[{"number": 9, "isCrossRepository": true}]'


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def sync_checkout(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A bare origin holding a digest on ``main``, a clone of it, and a folder with a fake ``gh``."""
    seed = tmp_path / "seed"
    init_repository(seed)
    _git("init", "-q", "-b", "main", cwd=seed)
    _git("add", "-A", cwd=seed)
    _git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "init", cwd=seed)
    origin = tmp_path / "origin.git"
    _git("clone", "-q", "--bare", str(seed), str(origin), cwd=tmp_path)
    checkout = tmp_path / "checkout"
    _git("clone", "-q", f"file://{origin}", str(checkout), cwd=tmp_path)
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "gh").write_text(FAKE_GH, encoding="utf-8")
    (fake / "gh").chmod(0o755)
    return origin, checkout, fake


def _commit_step(checkout: Path, fake: Path, mode: str, open_prs: str = "[]") -> subprocess.CompletedProcess[str]:
    env = {
        "GH_TOKEN": "secret-token-value",
        "MODE": mode,
        "OPEN_PRS": open_prs,
        "GH_CALLS": str(fake / "calls"),
        "GITHUB_REF_NAME": "main",
        "GITHUB_REPOSITORY": "owner/name",
        "GITHUB_SERVER_URL": "https://github.com",
    }
    (fake / "calls").write_text("", encoding="utf-8")
    return _run_step("sync.yml", "Commit and push", checkout, env, path=fake)


def _edit_entry(checkout: Path, headline: str) -> None:
    entry = checkout / "issues" / "example-theorem-proving.yml"
    text = entry.read_text(encoding="utf-8").replace("headline: Theorem proving with language modeling", headline)
    entry.write_text(text, encoding="utf-8")


@pytest.mark.slow
def test_sync_in_pull_request_mode_opens_updates_and_closes_one_pull_request(
    sync_checkout: tuple[Path, Path, Path],
) -> None:
    origin, checkout, fake = sync_checkout
    main_before = _git("rev-parse", "main", cwd=origin)
    _edit_entry(checkout, "headline: Edited on GitHub")

    opened = _commit_step(checkout, fake, "pull-request")
    assert opened.returncode == 0, opened.stdout + opened.stderr
    assert _git("rev-parse", "main", cwd=origin) == main_before, "the branch itself is not touched"
    synced = _git("show", "ghdigest-sync/main:issues/example-theorem-proving.yml", cwd=origin)
    assert "headline: Edited on GitHub" in synced
    calls = (fake / "calls").read_text(encoding="utf-8")
    assert "pr create --repo owner/name --head ghdigest-sync/main --base main" in calls
    assert "secret-token-value" not in (checkout / ".git" / "config").read_text(encoding="utf-8")

    # The next event, same result, pull request open: nothing is pushed and no second one is opened.
    sync_commit = _git("rev-parse", "ghdigest-sync/main", cwd=origin)
    _git("reset", "-q", "--hard", "origin/main", cwd=checkout)
    _edit_entry(checkout, "headline: Edited on GitHub")
    again = _commit_step(checkout, fake, "pull-request", open_prs=SYNC_PR)
    assert again.returncode == 0, again.stderr
    assert "already holds these files" in again.stdout
    assert _git("rev-parse", "ghdigest-sync/main", cwd=origin) == sync_commit
    assert "pr create" not in (fake / "calls").read_text(encoding="utf-8")

    # Edited again: the branch is rebuilt and force-pushed, which updates the open pull request.
    _git("reset", "-q", "--hard", "origin/main", cwd=checkout)
    _edit_entry(checkout, "headline: Edited twice")
    updated = _commit_step(checkout, fake, "pull-request", open_prs=SYNC_PR)
    assert updated.returncode == 0, updated.stderr
    assert "headline: Edited twice" in _git("show", "ghdigest-sync/main:issues/example-theorem-proving.yml", cwd=origin)
    assert _git("rev-list", "--count", "main..ghdigest-sync/main", cwd=origin) == "1", "one sync commit on the base"
    assert "pr create" not in (fake / "calls").read_text(encoding="utf-8")

    # The issue is back as the branch has it: nothing to merge, the pull request is closed.
    _git("reset", "-q", "--hard", "origin/main", cwd=checkout)
    closed = _commit_step(checkout, fake, "pull-request", open_prs=SYNC_PR)
    assert closed.returncode == 0, closed.stderr
    assert "pr close 7 --repo owner/name --delete-branch" in (fake / "calls").read_text(encoding="utf-8")


@pytest.mark.slow
def test_sync_leaves_a_forks_pull_request_with_the_same_branch_name_alone(
    sync_checkout: tuple[Path, Path, Path],
) -> None:
    _, checkout, fake = sync_checkout
    nothing = _commit_step(checkout, fake, "pull-request", open_prs=FORK_PR)
    assert nothing.returncode == 0, nothing.stderr
    assert "pr close" not in (fake / "calls").read_text(encoding="utf-8"), "never close someone else's pull request"

    _edit_entry(checkout, "headline: Edited on GitHub")
    opened = _commit_step(checkout, fake, "pull-request", open_prs=FORK_PR)
    assert opened.returncode == 0, opened.stderr
    assert "pr create --repo owner/name --head ghdigest-sync/main --base main" in (fake / "calls").read_text(
        encoding="utf-8"
    ), "the fork's pull request is not the sync pull request"


@pytest.mark.slow
def test_sync_in_direct_mode_commits_onto_the_branch(sync_checkout: tuple[Path, Path, Path]) -> None:
    origin, checkout, fake = sync_checkout
    _edit_entry(checkout, "headline: Edited on GitHub")
    ran = _commit_step(checkout, fake, "direct")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "headline: Edited on GitHub" in _git("show", "main:issues/example-theorem-proving.yml", cwd=origin)
    assert _git("log", "-1", "--format=%an %s", "main", cwd=origin) == "github-actions[bot] Sync issues into issues/"
    assert (fake / "calls").read_text(encoding="utf-8") == "", "no pull request business"
    assert _git("branch", "--list", "ghdigest-sync/*", cwd=origin) == ""

    nothing = _commit_step(checkout, fake, "direct")
    assert nothing.returncode == 0
    assert "Nothing changed." in nothing.stdout
