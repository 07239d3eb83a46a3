"""The component run by gitlab-ci-local, offline: the example pipeline includes it by its catalog
name from a stand-in of the publishing project, the job installs ciopt from this checkout into its
own virtualenv, answers a real webhook against the GitLab fake served over HTTP, opens a merge
request, and leaves the artifacts and the dotenv report.

gitlab-ci-local runs the job with its shell executor (``--force-shell-executor``): the job's
``image:`` (python:<version>-slim) and the docker:dind service are ignored, and the script runs
on this machine, in the project's directory, with this machine's git and python3.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from tests.gitlab_ci.tools import GitLabCiLocal
from tests.gitlab_ci.wheelhouse import Wheelhouse
from tests.helpers import ISSUE_BODY, git, winner_script
from tests.helpers.fake_gitlab import FakeGitLab
from tests.helpers.lock_index import installed, read_lock

pytestmark = pytest.mark.e2e


@pytest.fixture
def winner(tmp_path: Path) -> Path:
    """The demo's winning reply and its explanation: one candidate, verified faster."""
    return winner_script(tmp_path)


def _variables(fake: FakeGitLab, project: Path, **more: str) -> list[str]:
    variables = {
        "CI_SERVER_URL": fake.url,  # CI_API_V4_URL follows
        "CI_PROJECT_ID": str(fake.project_id),
        "CI_PROJECT_PATH": fake.path,
        # gitlab-ci-local sets /builds/<path> for a job with an image, even when the shell
        # executor runs it in the project's own directory
        "CI_PROJECT_DIR": str(project),
        "CI_JOB_TOKEN": fake.job_token,
        "CIOPT_GITLAB_TOKEN": fake.token,  # the masked CI/CD variable
        "CIOPT_FORGE_WRITE_INTERVAL": "0",
        **more,
    }
    args = ["--ignore-predefined-vars", ",".join(variables)]
    for name, value in variables.items():
        args += ["--variable", f"{name}={value}"]
    return args


@pytest.mark.parametrize(
    ("source", "runs"),
    [
        ("trigger", True),
        ("schedule", True),
        ("web", True),
        ("api", True),
        ("push", False),
        ("merge_request_event", False),
        ("pipeline", False),
    ],
)
def test_the_job_runs_only_in_trigger_schedule_web_and_api_pipelines(
    source: str,
    runs: bool,
    gitlab_ci_local: GitLabCiLocal,
    project: Path,
    environ: dict[str, str],
) -> None:
    args = ["--list-json", "--variable", f"CI_PIPELINE_SOURCE={source}"]
    args += ["--ignore-predefined-vars", "CI_PIPELINE_SOURCE"]
    done = gitlab_ci_local.run(project, args, environ=environ, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    jobs = {job["name"]: job for job in json.loads(done.stdout)}
    assert set(jobs) == {"ciopt", "ciopt-units"}
    assert (jobs["ciopt"]["when"] != "never") is runs
    assert jobs["ciopt-units"]["when"] == "never"  # the child pipeline's trigger: mode fanout


def test_a_labeled_issue_webhook_gets_a_merge_request_artifacts_and_a_dotenv_report(
    gitlab_ci_local: GitLabCiLocal,
    project: Path,
    remote: Path,
    environ: dict[str, str],
    wheelhouse: Wheelhouse,
    fake: FakeGitLab,
    winner: Path,
    tmp_path: Path,
) -> None:
    fake.user("alice", access_level=30)
    iid = fake.issue("Speed up dedupe", ISSUE_BODY, author="alice")
    payload = tmp_path / "TRIGGER_PAYLOAD.json"  # GitLab's file variable holds the webhook body
    hook = fake.issue_hook(iid, sender="alice", previous=[], current=["optimize"])
    payload.write_text(json.dumps(hook))
    args = _variables(fake, project, CI_PIPELINE_SOURCE="trigger", TRIGGER_PAYLOAD=str(payload))
    package = str(wheelhouse.ciopt)  # built from this checkout
    inputs = {"model": f"scripted:{winner}", "ciopt_package": package}  # executor auto
    for name, value in inputs.items():
        args += ["--input", f"{name}={value}"]

    done = gitlab_ci_local.run(
        project,
        [*args, "--force-shell-executor", "ciopt"],
        environ=environ | wheelhouse.pip_environ(),
        timeout=900,
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-6000:]
    assert "PASS  ciopt" in done.stdout
    assert "downloaded your-group/ciopt 1.0.0 templates/gitlab-ci" in log  # @1 resolved

    artifacts = project / ".gitlab-ci-local" / "artifacts" / "ciopt"
    out = artifacts / "ciopt-out"
    verdict: dict[str, Any] = json.loads((out / "verdict.json").read_text())
    assert (verdict["verdict"], verdict["reason"]) == ("faster", "verified_faster")
    assert verdict["origin"]["via"] == "label" and verdict["origin"]["requested_by"] == "alice"
    (mr,) = fake.merge_requests.values()
    assert mr["source_branch"] == f"ciopt/issue-{iid}" and mr["target_branch"] == "main"
    assert mr["draft"] is True and verdict["pr_url"] == mr["web_url"]
    assert mr["description"] == (out / "report.md").read_text()
    assert git(remote, "rev-parse", f"refs/heads/ciopt/issue-{iid}") == verdict["head"]
    assert set(fake.issues[iid]["labels"]) == {"optimize:done"}
    records = [json.loads(line) for line in (out / "trace.jsonl").read_text().splitlines()]
    assert records and {"intake", "authorize", "claim"} <= {r.get("name") for r in records}
    (chosen,) = [r["attrs"]["chosen"] for r in records if r.get("name") == "executor"]
    assert chosen != "local"  # auto found isolation on this machine (bwrap: already installed)
    assert "ciopt: installed bubblewrap" not in log

    dotenv = artifacts / ".gitlab-ci-reports" / "dotenv" / "ciopt.env"
    reported = dict(line.split("=", 1) for line in dotenv.read_text().splitlines() if line)
    assert reported["CIOPT_VERDICT"] == "faster" and reported["CIOPT_PR_URL"] == mr["web_url"]

    # ciopt's virtualenv holds the lock's versions, though the job's index had newer ones
    got = installed(project / ".ciopt-venv" / "bin" / "python")
    assert got.pop("ciopt") == Version("0.1.0")
    del got["pip"]  # the virtualenv's own installer
    assert got == {pin.name: pin.version for pin in read_lock() if pin.applies()}
    assert wheelhouse.index.newer["httpx"] > got["httpx"]
    assert "No broken requirements found" in log  # pip check

    for path in artifacts.rglob("*"):  # the token reaches neither the artifacts nor the log
        if path.is_file():
            assert fake.token.encode() not in path.read_bytes(), path
    assert fake.token not in log


def test_a_failed_install_still_leaves_a_dotenv_report_and_fails_the_job(
    gitlab_ci_local: GitLabCiLocal,
    project: Path,
    environ: dict[str, str],
    wheelhouse: Wheelhouse,
    fake: FakeGitLab,
) -> None:
    args = _variables(fake, project, CI_PIPELINE_SOURCE="web", CIOPT_ISSUE="1")
    wheel = wheelhouse.index.locked["six"]  # a wheel, but not ciopt's
    args += ["--input", f"ciopt_package={wheel}", "--force-shell-executor", "ciopt"]
    done = gitlab_ci_local.run(
        project, args, environ=environ | wheelhouse.pip_environ(), timeout=300
    )
    assert done.returncode != 0 and "FAIL  ciopt" in done.stdout, done.stdout + done.stderr
    assert "the ciopt_package input must name one ciopt wheel" in done.stdout
    dotenv = project / ".gitlab-ci-local/artifacts/ciopt/.gitlab-ci-reports/dotenv/ciopt.env"
    assert dotenv.read_text().split() == ["CIOPT_VERDICT=none"]  # from the after_script
    assert fake.calls == []  # ciopt never ran
