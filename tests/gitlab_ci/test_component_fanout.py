"""The component in fanout mode, run by gitlab-ci-local with its dynamic child pipeline: the
ciopt job plans the labeled issue's request and writes the child pipeline as an artifact, the
job ciopt-units triggers it (``trigger: include: - artifact:``), the units run as parallel
matrix jobs in waves of ``max_parallel``, and gather publishes against the GitLab fake over HTTP.

gitlab-ci-local (4.75) runs child pipelines (``trigger:include:local`` and ``:artifact``, as
"experimental"): the child gets the trigger job's variables, not the parent's ``--variable``s,
and the trigger job passes whatever the child did (``strategy: depend`` is not followed), so
the child's jobs are checked by their output. The project's CI/CD variables (the token, the
fake's address) come from gitlab-ci-local's variables file, which both pipelines read, as
GitLab hands project variables to every pipeline; the pipeline's own variables (the webhook's
TRIGGER_PAYLOAD) stay with the parent.

``--shell-isolation`` gives each job a checkout of its own (``.gitlab-ci-local/builds/<job>``),
as runners do, so artifacts are what passes between jobs. It re-syncs that checkout before an
``after_script`` (deleting what the job made, its artifacts with it), so the project's ciopt job
drops the component's ``after_script`` (the dotenv report, covered by test_component_run.py).
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.gitlab_ci.component import EXAMPLE, read_include
from tests.gitlab_ci.tools import GitLabCiLocal
from tests.gitlab_ci.wheelhouse import Wheelhouse
from tests.helpers import EXAMPLES, git
from tests.helpers.fake_gitlab import FakeGitLab

pytestmark = pytest.mark.e2e

SCRIPT = EXAMPLES / "scripted" / "textkit-hotspots.jsonl"  # a reply for each hot function
BODY = "Rendering and parsing got slow.\n\n/optimize bench=benchmarks/\n"
TOKENS = ("CIOPT_GITLAB_TOKEN", "GITLAB_TOKEN", "CI_JOB_TOKEN")

PIPELINE = """\
include:
  - local: .gitlab/ciopt-unit.yml
  - component: $CI_SERVER_FQDN/{project}/gitlab-ci@{version}
    inputs:
      mode: fanout
      max_parallel: 2  # 3 units: two at once, then the third
      candidates: "3"  # a unit needs a candidate: 3 of the 4 hot functions
      unit_setup: .gitlab/ciopt-unit.yml

ciopt:
  before_script: !reference [.ciopt-unit, before_script]
  after_script: []  # see the module's docstring: gitlab-ci-local's --shell-isolation
"""
SETUP = """\
# the project's setup, for the ciopt job and the child pipeline's unit and gather jobs
.ciopt-unit:
  before_script:
    - python3 -m venv .venv
    - .venv/bin/pip install --quiet -e '.[test]'
"""


@dataclass
class Seen:
    """The ciopt processes of this project's jobs, read from /proc while they ran."""

    project: Path
    kill_unit: str
    commands: list[tuple[str, ...]] = field(default_factory=list)
    tokens: dict[tuple[str, ...], set[str]] = field(default_factory=dict)
    killed: float | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    def watch(self) -> None:
        while not self.stop.wait(0.2):
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    self._look(entry)

    def _look(self, proc: Path) -> None:
        try:
            argv = tuple(proc.joinpath("cmdline").read_bytes().decode().split("\0")[:-1])
            if len(argv) < 3 or not argv[1].endswith("/bin/ciopt"):
                return
            if not argv[1].startswith(str(self.project)):
                return  # another test's, or someone's
            env = proc.joinpath("environ").read_bytes().split(b"\0")
        except OSError:
            return  # gone meanwhile
        command = argv[2:]
        if command not in self.tokens:
            self.commands.append(command)
            names = {item.split(b"=", 1)[0].decode() for item in env if b"=" in item}
            self.tokens[command] = names & set(TOKENS)
        if command[:3] == ("run", "--unit", self.kill_unit) and self.killed is None:
            out = Path(command[command.index("--out") + 1])
            if (out / "unit.json").is_file():  # it has begun: killed half-way
                os.kill(int(proc.name), signal.SIGKILL)
                self.killed = time.monotonic()


def _pipeline_file(project: Path) -> None:
    include = read_include(EXAMPLE)
    text = PIPELINE.format(project=include.project, version=include.version)
    (project / ".gitlab-ci.yml").write_text(text)
    (project / ".gitlab").mkdir(exist_ok=True)
    (project / ".gitlab" / "ciopt-unit.yml").write_text(SETUP)


def _branch(iid: int, target: str) -> str:
    """gather's branch for one target: ciopt/issue-1-stats-normalize, ciopt/issue-1-render-
    render-table (a branch slug: lower case, runs of anything else one dash)."""
    path, function = target.split("::")
    raw = f"issue-{iid}-{Path(path).stem}-{function}"
    return "ciopt/" + re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")


def _report(stdout: str) -> dict[str, str]:
    """gitlab-ci-local's closing reports, the parent's and the child's (which names a passed
    job's triggerer, not a failed one's): ``{"ciopt": "PASS", "units-1: [2]": "FAIL", ...}``."""
    found = re.findall(r"^ (PASS|FAIL|WARN) +(?:\[[^]]*\] -> )?(.+?) *$", stdout, re.MULTILINE)
    return {name: word for word, name in found}


def _project_variables(home: Path, fake: FakeGitLab) -> list[str]:
    """The project's CI/CD variables in gitlab-ci-local's variables file (every pipeline of the
    project, the child's too, reads it); the names for --ignore-predefined-vars."""
    variables = {
        "CI_SERVER_URL": fake.url,  # CI_API_V4_URL follows
        "CI_PROJECT_ID": str(fake.project_id),
        "CI_PROJECT_PATH": fake.path,
        "CI_JOB_TOKEN": fake.job_token,
        "CIOPT_GITLAB_TOKEN": fake.token,  # the masked CI/CD variable
        "CIOPT_FORGE_WRITE_INTERVAL": "0",
    }
    folder = home / ".gitlab-ci-local"
    folder.mkdir(parents=True, exist_ok=True)
    entries = {k: {"type": "variable", "values": {"*": v}} for k, v in variables.items()}
    (folder / "variables.yml").write_text(json.dumps({"global": entries}))  # JSON is YAML
    return list(variables)


def test_fanout_runs_the_units_in_a_child_pipeline_and_gather_publishes_the_survivors(
    gitlab_ci_local: GitLabCiLocal,
    project: Path,
    remote: Path,
    environ: dict[str, str],
    wheelhouse: Wheelhouse,
    fake: FakeGitLab,
    tmp_path: Path,
) -> None:
    _pipeline_file(project)
    git(project, "add", ".gitlab-ci.yml", ".gitlab/ciopt-unit.yml")
    git(project, "commit", "-qm", "Fan ciopt out")
    git(project, "push", "-q", str(remote), "main")
    git(project, "update-ref", "refs/remotes/origin/main", "HEAD")

    fake.user("alice", access_level=30)  # Developer
    iid = fake.issue("Speed up the hot spots", BODY, author="alice")
    payload = tmp_path / "TRIGGER_PAYLOAD.json"
    hook = fake.issue_hook(iid, sender="alice", previous=[], current=["optimize"])
    payload.write_text(json.dumps(hook))

    names = _project_variables(Path(environ["HOME"]), fake)
    builds = project / ".gitlab-ci-local" / "builds"
    pipeline = {  # the parent's own: not handed down
        "CI_PIPELINE_SOURCE": "trigger",
        "TRIGGER_PAYLOAD": str(payload),
        # gitlab-ci-local sets /builds/<path> for a job with an image, though it runs it here
        "CI_PROJECT_DIR": str(builds / "ciopt"),
    }
    args = ["--ignore-predefined-vars", ",".join([*names, *pipeline])]
    for name, value in pipeline.items():
        args += ["--variable", f"{name}={value}"]
    inputs = {"model": f"scripted:{SCRIPT}", "ciopt_package": str(wheelhouse.ciopt)}
    for name, value in inputs.items():
        args += ["--input", f"{name}={value}"]

    seen = Seen(project=project, kill_unit="2")
    watcher = threading.Thread(target=seen.watch, daemon=True)
    watcher.start()
    started = time.monotonic()
    try:
        done = gitlab_ci_local.run(
            project,
            [*args, "--force-shell-executor", "--shell-isolation"],
            environ=environ | wheelhouse.pip_environ(),
            timeout=2400,
        )
    finally:
        seen.stop.set()
        watcher.join()
    took = time.monotonic() - started
    log = done.stdout + done.stderr
    (tmp_path / "gitlab-ci-local.log").write_text(log)
    print(f"the pipeline took {took:.0f} s")  # shown with -s
    assert done.returncode == 0, log[-8000:]

    # the plan: the issue claimed, 3 of the 4 hot functions, run id of the parent pipeline
    artifacts = project / ".gitlab-ci-local" / "artifacts"
    out = artifacts / "ciopt" / "ciopt-out"
    plan: dict[str, Any] = json.loads((out / "plan.json").read_text())
    assert plan["kind"] == "targets" and [u["id"] for u in plan["units"]] == ["1", "2", "3"]
    assert plan["max_parallel"] == 2 and plan["threads"][0]["author"] == "alice"
    assert (out / "child-pipeline.yml").is_file()
    status = _report(done.stdout)
    assert status["ciopt"] == status["ciopt-units"] == "PASS"  # (strategy: depend: not followed)

    # the child: units 1 and 2 at once, then 3 (when: always: after unit 2 died), then gather
    units = {p.parent.name: p.parent for p in artifacts.glob("*/ciopt-out/unit-*/unit.json")}
    assert set(units) == {"unit-1", "unit-2", "unit-3"}, log[-8000:]
    began = {name: (folder / "unit.json").stat().st_mtime for name, folder in units.items()}
    ended = (units["unit-1"] / "verdict.json").stat().st_mtime
    assert began["unit-2"] < ended  # the first wave ran together
    assert began["unit-3"] > ended  # the second began once the first had ended
    assert not (units["unit-2"] / "verdict.json").exists()  # killed half-way
    assert seen.killed is not None
    assert status["units-1: [1]"] == status["units-2: [3]"] == "PASS"
    assert status["units-1: [2]"] == "FAIL"
    assert status["gather"] == "FAIL"  # a unit failed: said after publishing the others

    # no ciopt process of a unit had a token; gather had the forge's
    unit_commands = [c for c in seen.commands if c[:2] == ("run", "--unit")]
    assert sorted(c[2] for c in unit_commands) == ["1", "2", "3"]
    assert all(seen.tokens[c] == set() for c in unit_commands), seen.tokens
    (gather,) = [c for c in seen.commands if c[0] == "gather"]
    assert "CIOPT_GITLAB_TOKEN" in seen.tokens[gather]

    # gather: one merge request a unit that was verified faster, the same progress note
    verdicts = {
        name: json.loads((units[name] / "verdict.json").read_text())
        for name in ("unit-1", "unit-3")
    }
    faster = {
        _branch(iid, plan["units"][int(name[-1]) - 1]["targets"][0])
        for name, verdict in verdicts.items()
        if verdict["verdict"] == "faster"
    }
    assert faster, verdicts  # normalize or dedupe (unit 3) is quadratic: it wins
    requests = list(fake.merge_requests.values())
    assert {mr["source_branch"] for mr in requests} == faster
    assert all(mr["draft"] and mr["target_branch"] == "main" for mr in requests)
    notes = [n for n in fake.notes[("issue", iid)] if "<!-- ciopt:progress" in n["body"]]
    (note,) = notes  # planned, then finished in place
    body = note["body"]
    killed_target = plan["units"][1]["targets"][0].split("::")[1]
    assert f"| 2 | `{killed_target}` | failed |" in body
    for mr in requests:
        assert mr["web_url"] in body
    assert set(fake.issues[iid]["labels"]) == {"optimize:done"}
    for path in artifacts.rglob("*"):  # the token reaches neither the artifacts nor the log
        if path.is_file():
            assert fake.token.encode() not in path.read_bytes(), path
    assert fake.token not in log
