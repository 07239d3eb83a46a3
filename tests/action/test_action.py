"""The composite action run step by step as the Actions runner runs it (``simulate``): a real
``issues`` labeled event against FakeGitHub served over HTTP, the example project as the
checkout, ciopt installed for real from its lock through an index that also offers a newer
release of every locked package (tests/lock/index.py), the scripted model.

The first job installs (cache miss) and is shared by the tests that read its results; later
jobs restore the cache.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import tarfile
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from tests.action.simulate import Job, load_yaml
from tests.action.standins import UploadArtifact
from tests.action.world import (
    KEY,
    Project,
    World,
    files_holding,
    git_head,
    python_version,
    runner_stand_ins,
    served_github,
)
from tests.helpers import ISSUE_BODY, winner_script
from tests.helpers.fake_github import FakeGitHub
from tests.helpers.lock_index import FutureIndex, installed, read_lock

pytestmark = pytest.mark.e2e

CLEAN = "CIOPT_ACTION_CLEAN"
DAGGER_URL = (
    "https://github.com/dagger/dagger/releases/download/v0.21.8/dagger_v0.21.8_linux_amd64.tar.gz"
)


@dataclass
class Labeled:
    job: Job
    fake: FakeGitHub
    number: int
    project: Project
    upload: UploadArtifact
    scripts: list[dict[str, str]]  # the environment each bash started with


def _labeled_by_a_writer(fake: FakeGitHub) -> dict[str, Any]:
    """An issue asking for the demo's optimization, labeled by alice, who has write access."""
    fake.user("alice", permission="write")
    number = fake.issue("Speed up dedupe", ISSUE_BODY, author="alice", labels=["optimize"])
    payload: dict[str, Any] = fake.issues_labeled(number, label="optimize", sender="alice")
    return payload


@pytest.fixture(scope="module")
def labeled(world: World, client_python: str, tmp_path_factory: pytest.TempPathFactory) -> Labeled:
    where = tmp_path_factory.mktemp("labeled")
    project = Project.make(where)
    with served_github(project) as fake:
        payload = _labeled_by_a_writer(fake)
        inputs = {  # the executor is the action's default, auto: a sandbox here
            "model": f"scripted:{winner_script(where)}",
            "client_python": client_python,
            "trace_retention_days": "14",
        }
        stand_ins = runner_stand_ins(where / "bin")
        job = world.run(fake, project, "issues", payload, inputs, path_first=stand_ins)
    number = payload["issue"]["number"]
    return Labeled(job, fake, number, project, world.uploads[-1], world.scripts_environments())


def _outcomes(job: Job) -> dict[str, str]:
    return {step.id: step.outcome for step in job.steps if not step.id.startswith("__")}


def test_a_labeled_issue_leaves_outputs_a_summary_and_the_artifact(labeled: Labeled) -> None:
    job = labeled.job
    assert not job.failed, job.log()
    (pull,) = labeled.fake.pulls.values()
    assert job.outputs["verdict"] == "faster"
    assert 0 < float(job.outputs["ratio"]) < 1
    assert job.outputs["pr_url"] == pull["html_url"]
    assert job.outputs["reason"] == "verified_faster"
    assert job.outputs["artifact"] == "ciopt-1-1-optimize"  # prefix, run id, attempt, job id
    assert git_head(labeled.project.remote, pull["head"]["ref"]) == pull["head"]["sha"]

    artifact = labeled.upload.uploaded["ciopt-1-1-optimize"]
    assert artifact.retention_days == 14
    assert {"verdict.json", "report.md", "patch.diff", "trace.jsonl"} <= set(artifact.files)
    # the recordings of calls (pickles of what the tests passed) stay out of the artifact
    assert not [name for name in artifact.files if name.startswith("work/")]
    report = (artifact.root / "report.md").read_text()
    assert pull["body"] == report
    verdict = json.loads((artifact.root / "verdict.json").read_text())
    assert verdict["pr_url"] == pull["html_url"] and verdict["origin"]["via"] == "label"

    # executor auto, bwrap here: the set-up step installs nothing (apt-get, sudo and sysctl are
    # stand-ins that log), and the code ran in the sandbox (the `if:` for isolation_setup: false
    # is checked in test_static, each branch of the step's script in test_steps)
    step = job.step("isolation")
    assert step.outcome == "success" and step.annotations == []
    assert "bubblewrap is installed: bubblewrap" in step.log
    assert verdict["isolation"].startswith("sandbox (bubblewrap")

    assert job.summary.startswith("## ciopt: faster")
    assert report.strip() in job.summary and "`ciopt-1-1-optimize`" in job.summary
    # every output of the action was written by the step it reads (but mode plan's: the
    # fan-out test checks those)
    for name, spec in load_yaml(Path(job.step("run").env["GITHUB_ACTION_PATH"]) / "action.yml")[
        "outputs"
    ].items():
        if name in ("matrix", "units", "max_parallel", "plan"):
            continue
        step, key = re.findall(r"steps\.(\w+)\.outputs\.(\w+)", spec["value"])[0]
        assert key in job.step(step).outputs, name


def test_the_first_job_installs_from_the_lock_and_saves_the_cache(
    labeled: Labeled, world: World
) -> None:
    job = labeled.job
    assert _outcomes(job) == {
        "python": "success",
        "prep": "success",
        "cache": "success",
        "install": "success",
        # executor auto: the Dagger CLI is fetched where docker is (here: curl cannot connect)
        "dagger": "success" if shutil.which("docker") else "skipped",
        "isolation": "success",  # bwrap is here: nothing to install
        "run": "success",
        "unit": "skipped",  # mode unit's step (examples/github/fanout.yml)
        "outputs": "success",
    }
    assert job.step("cache").outputs["cache-hit"] == "false"
    install = job.step("install").log
    assert "Successfully installed" in install and "litellm-" in install
    assert "ciopt 0.1.0" in install  # `ciopt --version` from the new virtualenv
    key = job.step("prep").outputs["cache_key"]
    assert re.fullmatch(
        rf"ciopt-venv-Linux-X64-py{re.escape(python_version())}\.\d+-lock-[0-9a-f]{{16}}"
        r"-src-[0-9a-f]{16}",
        key,
    )
    restore, _ = world.restore_save
    assert restore.store.saved == [key]


def test_the_install_from_an_index_with_newer_releases_is_exactly_the_lock(
    labeled: Labeled, index: FutureIndex
) -> None:
    """Every locked package had a newer release on the index, httpx (litellm asks for
    httpx[http2]) and h2 (that extra's target) among them; the virtualenv holds the lock's
    versions and nothing else."""
    for name in ("httpx", "h2", "gql", "litellm"):
        assert index.newer[name] > Version(index.locked[name].name.split("-")[1])
    install = labeled.job.step("install")
    assert install.outcome == "success", install.log[-3000:]
    venv = Path(labeled.job.step("prep").outputs["venv"])
    expected = {pin.name: pin.version for pin in read_lock() if pin.applies()}
    got = installed(venv / "bin" / "python")
    assert got.pop("ciopt") == Version("0.1.0")
    del got["pip"]  # the virtualenv's own installer
    assert got == expected
    assert "No broken requirements found" in labeled.job.step("install").log  # pip check


def test_the_llm_key_and_the_token_reach_only_ciopts_step(labeled: Labeled) -> None:
    token = labeled.fake.token
    cleaned = [env for env in labeled.scripts if env.get(CLEAN) == "1"]
    # prep, install, isolation, outputs (and dagger, where docker is): each again under env -i
    scripts = [s.id for s in labeled.job.steps if s.ran and s.env and s.id != "run"]
    assert len(scripts) >= 4 and len(cleaned) == len(scripts)
    for env in cleaned:
        assert not [v for v in env.values() if KEY in v or token in v]
        assert not [name for name in env if re.search("KEY|TOKEN|SECRET", name)]
        assert "CIOPT_FORGE_WRITE_INTERVAL" not in env  # all the caller's variables are gone
    # ... though the runner handed every script the caller's environment
    started = [env for env in labeled.scripts if env.get("GITHUB_ACTION_PATH") and CLEAN not in env]
    assert len(started) >= 4 and all(env.get("OPENAI_API_KEY") == KEY for env in started)
    run_env = labeled.job.step("run").env
    assert run_env["OPENAI_API_KEY"] == KEY and run_env["CIOPT_GITHUB_TOKEN"] == token
    artifact = labeled.upload.uploaded[labeled.job.outputs["artifact"]]
    for secret in (KEY, token):
        assert files_holding(artifact.root, secret) == []
        assert secret not in labeled.job.summary


def test_a_later_job_restores_the_cache_and_skips_the_install(
    labeled: Labeled, world: World, tmp_path: Path
) -> None:
    project = Project.make(tmp_path)
    with served_github(project) as fake:
        fake.user("alice", permission="write")
        number = fake.issue("Unrelated", "", author="alice")
        payload = {**fake.issues_labeled(number, label="bug", sender="alice"), "action": "opened"}
        job = world.run(fake, project, "issues", payload, {"executor": "local"})
    assert not job.failed, job.log()
    assert job.step("cache").outputs["cache-hit"] == "true"
    assert _outcomes(job)["install"] == "skipped"
    assert "ciopt: nothing to do" in job.step("run").log  # the restored virtualenv works
    assert job.outputs["verdict"] == "none" and job.outputs["reason"] == "no_verdict"
    assert "No verdict" in job.summary
    assert world.uploads[-1].uploaded == {}  # nothing to upload: a warning, not a failure
    restore, _ = world.restore_save
    assert len(restore.store.saved) == 1


def test_a_refusal_answers_on_the_issue_and_does_not_fail_the_job(
    labeled: Labeled, world: World, tmp_path: Path
) -> None:
    project = Project.make(tmp_path)
    with served_github(project) as fake:
        fake.user("mallory", permission="triage")  # may label, may not run code
        number = fake.issue("Faster please", ISSUE_BODY, author="mallory", labels=["optimize"])
        payload = fake.issues_labeled(number, label="optimize", sender="mallory")
        job = world.run(fake, project, "issues", payload, {"executor": "local"})
    assert not job.failed, job.log()
    assert (job.outputs["verdict"], job.outputs["reason"]) == ("skipped", "unauthorized")
    assert "@mallory" in fake.comments[number][-1]["body"] and fake.pulls == {}
    assert "verdict.json" in world.uploads[-1].uploaded[job.outputs["artifact"]].files


def test_when_ciopt_exits_1_the_step_fails_and_the_summary_and_artifact_still_come(
    labeled: Labeled, world: World, client_python: str, tmp_path: Path
) -> None:
    project = Project.make(tmp_path)
    with served_github(project) as fake:
        payload = _labeled_by_a_writer(fake)
        inputs = {
            "model": f"scripted:{winner_script(tmp_path)}",
            "executor": "bogus",
            "client_python": client_python,
        }
        job = world.run(fake, project, "issues", payload, inputs)
    assert job.failed
    run = job.step("run")
    assert run.outcome == "failure" and "exit code 1" in run.log
    assert "unknown executor 'bogus'" in run.log
    assert job.step("outputs").outcome == "success"
    assert job.outputs["verdict"] == "error"
    assert job.summary.startswith("## ciopt: error")
    artifact = world.uploads[-1].uploaded[job.outputs["artifact"]]
    assert {"verdict.json", "trace.jsonl"} <= set(artifact.files)
    assert fake.pulls == {}


def _fake_curl(folder: Path, payload: bytes) -> Path:
    """A ``curl`` that writes ``payload`` to its ``--output`` and logs its arguments."""
    folder.mkdir()
    (folder / "payload").write_bytes(payload)
    curl = folder / "curl"
    curl.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {folder}/calls\n'
        f"env > {folder}/env\n"
        'while [ $# -gt 0 ]; do [ "$1" = --output ] && out=$2; shift; done\n'
        f'cp {folder}/payload "$out"\n'
    )
    curl.chmod(0o755)
    return folder


def _ignored_event(fake: FakeGitHub) -> dict[str, object]:
    fake.user("alice", permission="write")
    number = fake.issue("Unrelated", "", author="alice")
    return {**fake.issues_labeled(number, label="bug", sender="alice"), "action": "opened"}


def test_a_dagger_cli_that_fails_its_checksum_is_not_installed(
    labeled: Labeled, world: World, tmp_path: Path
) -> None:
    fake_curl = _fake_curl(tmp_path / "bin", b"not the dagger CLI")
    project = Project.make(tmp_path)
    proxy = {"HTTPS_PROXY": "http://proxy.example:3128"}
    with served_github(project) as fake:
        event = _ignored_event(fake)
        inputs = {"executor": "dagger"}
        job = world.run(
            fake, project, "issues", event, inputs, path_first=fake_curl, caller_env=proxy
        )
    assert (fake_curl / "calls").read_text().split()[-1] == DAGGER_URL
    curl_env = (fake_curl / "env").read_text()
    assert "HTTPS_PROXY=http://proxy.example:3128" in curl_env  # a runner's proxy is kept
    assert KEY not in curl_env and "CIOPT_FORGE_WRITE_INTERVAL" not in curl_env
    dagger = job.step("dagger")
    assert dagger.outcome == "failure"
    assert any("does not match its pinned SHA-256" in text for _, text in dagger.annotations)
    assert job.failed and job.step("run").outcome == "skipped"
    assert job.step("outputs").outcome == "success" and job.outputs["verdict"] == "none"
    assert "ciopt-dagger" not in job.step("outputs").env["PATH"]
    assert not list((world.root / "runner-temp").glob("ciopt-dagger-*/*"))


def test_a_dagger_cli_that_matches_its_checksum_is_put_on_path(
    labeled: Labeled, world: World, tmp_path: Path
) -> None:
    tarball = io.BytesIO()
    with tarfile.open(fileobj=tarball, mode="w:gz") as tar:
        script = b"#!/bin/sh\necho 'dagger v0.21.8 (fake) linux/amd64'\n"
        info = tarfile.TarInfo("dagger")
        info.size, info.mode = len(script), 0o755
        tar.addfile(info, io.BytesIO(script))
    fake_curl = _fake_curl(tmp_path / "bin", tarball.getvalue())
    # the same action, pinned to this tarball's checksum
    action = tmp_path / "action"
    (action / "requirements").mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        (action / name).write_bytes((world.action / name).read_bytes())
    shutil.copytree(world.action / "src", action / "src")
    text = (world.action / "action.yml").read_text()
    pinned = re.search(r"DAGGER_SHA256_AMD64: ([0-9a-f]{64})", text)
    assert pinned
    digest = sha256(tarball.getvalue()).hexdigest()
    (action / "action.yml").write_text(text.replace(pinned.group(1), digest))
    world_here = World(
        world.root, action, world.restore_save, world.shims, world.env_log, world.index_url
    )
    project = Project.make(tmp_path)
    with served_github(project) as fake:
        inputs = {"executor": "dagger"}
        job = world_here.run(
            fake, project, "issues", _ignored_event(fake), inputs, path_first=fake_curl
        )
    assert not job.failed, job.log()
    assert "dagger v0.21.8 (fake)" in job.step("dagger").log
    assert job.step("cache").outputs["cache-hit"] == "true"  # action.yml is not in the key
    later = job.step("run").env["PATH"].split(":")
    assert later[0] == str(world.root / "runner-temp" / "ciopt-dagger-0.21.8")
    assert not list(Path(later[0]).glob("*.tar.gz"))
