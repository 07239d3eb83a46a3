"""examples/github/fanout.yml played job by job (``workflow``) on the simulated runner: an
``issues`` labeled event whose body asks for the example's three hottest functions, by a user
with write access, against FakeGitHub served over HTTP; the plan job (the action in mode plan),
one job per matrix value (mode unit, the scripted model that answers each target), and the
gather job (mode gather) with the units' artifacts downloaded into one folder. One unit's
``ciopt run --unit`` is killed (SIGKILL, with its process tree) while it runs, as a cancelled or
timed-out job is ended; the other two are published.

ciopt is installed once for the module, from its lock (as test_action does), and the jobs after
the first restore it from the cache. The module takes about 3 to 3.5 minutes on a busy 2-core
machine, nearly all of it in the fixture: the install, discovery, the units' measurements.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.action.simulate import load_yaml
from tests.action.workflow import Machine, WorkflowDriver, WorkflowRun
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
from tests.helpers import EXAMPLES, ROOT
from tests.helpers.fake_github import FakeGitHub

pytestmark = pytest.mark.e2e

WORKFLOW = ROOT / "examples" / "github" / "fanout.yml"
SCRIPT = EXAMPLES / "scripted" / "textkit-hotspots.jsonl"
CALLS = 6  # the request's model calls: 2 for each of its 3 units
REQUEST = f"/optimize bench=benchmarks/ top=3 max_llm_calls={CALLS} candidates=3"
# the target whose scripted candidate gains least (a few percent at best): its unit is the one
# killed, so that the two published are the clear wins (normalize, count_keywords)
KILLED_TARGET = "src/textkit/render.py::render_table"
ROW = re.compile(r"^\| (\d+) \| (.*?) \| (\w+) \| (.*) \|$", re.MULTILINE)


# -- ending a unit's process as a cancelled job's is ended ---------------------------------------


def _processes() -> Iterator[tuple[int, list[str], int]]:
    """(pid, argv, parent pid) of every process readable in /proc."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        yield int(entry.name), argv, int(stat.rsplit(")", 1)[1].split()[1])


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for child, _, parent in _processes():
        children.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@dataclass
class Killer:
    """SIGKILLs ``ciopt run --unit UNIT`` of one job, with every process under it, once the unit
    has begun (its unit.json written) and gone a second into its baseline."""

    unit: str
    killed: list[int] = field(default_factory=list)
    environ: dict[str, str] | None = None  # what the unit's ciopt process held, when readable

    @contextmanager
    def watching(self, machine: Machine) -> Iterator[None]:
        stop = threading.Event()
        thread = threading.Thread(target=self._hunt, args=(machine, stop), daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(30)

    def _hunt(self, machine: Machine, stop: threading.Event) -> None:
        mine = str(machine.action_temp)  # the job's own folders: no other test's process
        while not stop.is_set():
            for pid, argv, _ in _processes():
                if "--unit" not in argv or argv[argv.index("--unit") + 1 :][:1] != [self.unit]:
                    continue
                if "--out" not in argv or not argv[argv.index("--out") + 1].startswith(mine):
                    continue
                out = Path(argv[argv.index("--out") + 1])
                while not (out / "unit.json").exists() and not stop.wait(0.05):
                    pass
                stop.wait(1.0)
                self._end(pid)
                return
            stop.wait(0.05)

    def _end(self, pid: int) -> None:
        try:
            raw = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
            self.environ = dict(item.split("=", 1) for item in raw.split("\0") if "=" in item)
        except OSError:
            pass
        try:
            os.kill(pid, signal.SIGSTOP)  # it starts nothing more while its tree is ended
        except ProcessLookupError:
            return
        for child in reversed(_tree(pid)):
            try:
                os.kill(child, signal.SIGKILL)
                self.killed.append(child)
            except ProcessLookupError:
                pass
        os.kill(pid, signal.SIGKILL)
        self.killed.insert(0, pid)


# -- the run -------------------------------------------------------------------------------------


@dataclass
class Fanned:
    run: WorkflowRun
    fake: FakeGitHub
    number: int
    project: Project
    plan: dict[str, Any]
    killed_unit: str
    killer: Killer
    comments_after_plan: list[dict[str, Any]]
    seconds: float


def _plan_of(run: WorkflowRun) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(base64.b64decode(run.job("plan").outputs["plan"]))
    return data


def _killed_unit(plan: dict[str, Any]) -> str:
    (unit,) = [u["id"] for u in plan["units"] if u["targets"] == [KILLED_TARGET]]
    return str(unit)


@pytest.fixture(scope="module")
def fanned(world: World, client_python: str, tmp_path_factory: pytest.TempPathFactory) -> Fanned:
    where = tmp_path_factory.mktemp("fanout")
    project = Project.make(where)
    stand_ins = runner_stand_ins(where / "bin")
    killers: list[Killer] = []
    after_plan: list[dict[str, Any]] = []
    started = time.monotonic()
    with served_github(project) as fake:
        fake.user("alice", permission="write")
        number = fake.issue("Speed up the hot spots", REQUEST, author="alice", labels=["optimize"])
        payload = fake.issues_labeled(number, label="optimize", sender="alice")

        def around(run: WorkflowRun, machine: Machine) -> AbstractContextManager[object]:
            if machine.job == "units" and not after_plan:
                after_plan.extend(json.loads(json.dumps(fake.comments[number])))
            if machine.job == "units" and machine.matrix["unit"] == _killed_unit(_plan_of(run)):
                killers.append(Killer(machine.matrix["unit"]))
                return killers[-1].watching(machine)
            return nullcontext()

        workflow = load_yaml(WORKFLOW)
        installs = {  # the project's environment: the test's client interpreter stands in
            str(step["name"]): 'echo "stand-in: client_python is the project\'s interpreter"'
            for job in workflow["jobs"].values()
            for step in job["steps"]
            if str(step.get("name", "")).startswith("Your project's environment")
        }
        run = WorkflowDriver(
            WORKFLOW,
            world=world,
            fake=fake,
            remote=project.remote,
            event_name="issues",
            payload=payload,
            secrets={"OPENAI_API_KEY": KEY},
            inputs={"python_version": python_version(), "client_python": client_python},
            job_inputs={"units": {"model": f"scripted:{SCRIPT}"}},
            replace=installs,
            machine_env={
                "CIOPT_FORGE_WRITE_INTERVAL": "0",
                # a runner's own package index, and none of this machine's pip configuration
                "PIP_INDEX_URL": world.index_url,
                "PIP_CONFIG_FILE": os.devnull,
            },
            path_first=stand_ins,
            around=around,
        ).play()
    plan = _plan_of(run)
    (killer,) = killers
    return Fanned(
        run,
        fake,
        number,
        project,
        plan,
        _killed_unit(plan),
        killer,
        after_plan,
        time.monotonic() - started,
    )


def _rows(body: str) -> dict[str, tuple[str, str, str]]:
    return {m[1]: (m[2], m[3], m[4]) for m in ROW.finditer(body)}


def _bot_comments(fanned: Fanned, comments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in comments if c["user"]["login"] == fanned.fake.me]


def test_the_plan_job_claims_the_issue_and_hands_the_matrix_on(fanned: Fanned) -> None:
    run = fanned.run
    plan_job = run.job("plan")
    assert plan_job.result == "success", plan_job.log()
    assert plan_job.outputs["matrix"] == '{"unit":["1","2","3"]}'
    assert plan_job.outputs["units"] == "3"
    assert plan_job.outputs["max_parallel"] == "3"  # the workflow's max_parallel input
    plan = fanned.plan
    assert plan["kind"] == "targets" and plan["run"] == "1"
    assert KILLED_TARGET in {t for u in plan["units"] for t in u["targets"]}
    action = plan_job.action
    assert action.step("unit").outcome == "skipped"
    assert (action.outputs["verdict"], action.outputs["reason"]) == ("none", "planned")
    assert action.summary.startswith("## ciopt: planned 3 unit(s)")
    assert action.outputs["artifact"] == "ciopt-1-1-plan"
    assert "plan.json" in run.artifacts.uploaded["ciopt-1-1-plan"].files
    # claimed: one progress comment, listing the units as queued
    (comment,) = _bot_comments(fanned, fanned.comments_after_plan)
    rows = _rows(comment["body"])
    assert sorted(rows) == ["1", "2", "3"]
    assert {state for _, state, _ in rows.values()} == {"queued"}
    # the matrix job as GitHub reads it from the plan's outputs
    legs = run.legs("units")
    assert [leg.matrix for leg in legs] == [{"unit": "1"}, {"unit": "2"}, {"unit": "3"}]
    assert legs[0].strategy["max-parallel"] == 3 and legs[0].strategy["fail-fast"] is False


def test_each_unit_runs_in_its_own_job_without_the_forge_token(fanned: Fanned) -> None:
    token = fanned.fake.token
    legs = {leg.matrix["unit"]: leg for leg in fanned.run.legs("units")}
    killed = fanned.killed_unit
    assert fanned.killer.killed, "the unit's process was never found to be killed"
    for unit, leg in legs.items():
        action = leg.action
        assert action.step("run").outcome == "skipped"  # the step that holds the token
        ran = action.step("unit")
        if unit == killed:
            assert leg.result == "failure" and ran.outcome == "failure"
            assert "exit code -9" in ran.log
        else:
            assert leg.result == "success", leg.log()
            assert ran.outcome == "success"
        assert ran.env["OPENAI_API_KEY"] == KEY  # the LLM key does reach the unit's ciopt
        # ... the token never: not in any step's process, nor any script of the job, nor what
        # the job uploaded
        environments = [
            *[s.env for s in action.steps if s.env],
            *[s.env for s in leg.steps if s.env],
            *leg.scripts,
        ]
        assert len(leg.scripts) >= 4
        for env in environments:
            assert not [k for k, v in env.items() if token in v], unit
            assert "CIOPT_GITHUB_TOKEN" not in env and "GITHUB_TOKEN" not in env
        artifact = fanned.run.artifacts.uploaded[f"ciopt-unit-1-1-units-unit-{unit}"]
        assert files_holding(artifact.root, token) == []
        assert files_holding(artifact.root, KEY) == []
        assert "unit.json" in artifact.files
        assert ("verdict.json" in artifact.files) == (unit != killed)
    if fanned.killer.environ is not None:  # the killed unit's ciopt process itself
        assert fanned.killer.environ.get("OPENAI_API_KEY") == KEY
        assert not [k for k, v in fanned.killer.environ.items() if token in v]


def test_gather_publishes_the_two_others_and_ends_the_one_progress_comment(
    fanned: Fanned,
) -> None:
    run, fake = fanned.run, fanned.fake
    gather = run.job("gather")  # ran although a unit failed (if: always() ...)
    action = gather.action
    step = action.step("run")
    assert step.outcome == "failure" and "exit code 1" in step.log  # a unit failed: said so
    (said,) = [s for s in gather.steps if s.name == "Say what happened"]  # if: always()
    assert said.outcome == "success" and "ciopt: faster " in said.log
    downloads = run.artifacts.uploaded
    assert sorted(n for n in downloads if n.startswith("ciopt-unit-")) == [
        f"ciopt-unit-1-1-units-unit-{u}" for u in ("1", "2", "3")
    ]
    killed = fanned.killed_unit
    others = [u for u in fanned.plan["units"] if u["id"] != killed]
    pulls = list(fake.pulls.values())
    assert len(pulls) == 2, gather.log()
    for unit in others:  # a pull request per target, on ciopt/issue-<n>-<module>-<function>
        path, _, name = unit["targets"][0].partition("::")
        slug = f"issue-{fanned.number}-{Path(path).stem}-{name.replace('_', '-')}"
        (pull,) = [p for p in pulls if p["head"]["ref"] == f"ciopt/{slug}"]
        assert git_head(fanned.project.remote, pull["head"]["ref"]) == pull["head"]["sha"]
    # one progress comment on the issue, the plan's, edited in place to every unit's end
    (before,) = _bot_comments(fanned, fanned.comments_after_plan)
    (comment,) = _bot_comments(fanned, fake.comments[fanned.number])
    assert comment["id"] == before["id"] and comment["body"] != before["body"]
    posted = [c for c in fake.calls if c[0] == "POST" and c[1].endswith("/comments")]
    assert len(posted) == 1
    rows = _rows(comment["body"])
    assert sorted(rows) == ["1", "2", "3"]
    assert rows[killed][1] == "failed" and "killed half-way" in rows[killed][2]
    urls = {p["html_url"] for p in pulls}
    for unit in others:
        _, state, result = rows[unit["id"]]
        assert state == "done" and "verified_faster" in result
        assert [u for u in urls if u in result]
    labels = {label["name"] for label in fake.issues[fanned.number]["labels"]}
    assert "optimize:done" in labels and "optimize:running" not in labels


def test_the_units_spend_no_more_than_the_whole_budget(fanned: Fanned) -> None:
    plan = fanned.plan
    assert plan["limits"]["llm_calls"] == CALLS
    shares = {u["id"]: u["limits"]["llm_calls"] for u in plan["units"]}
    assert sum(shares.values()) <= CALLS
    spent = 0.0
    for unit, share in shares.items():
        if unit == fanned.killed_unit:
            continue
        root = fanned.run.artifacts.uploaded[f"ciopt-unit-1-1-units-unit-{unit}"].root
        verdict = json.loads((root / "verdict.json").read_text())
        assert verdict["unit"] == unit
        assert verdict["budget"]["limits"]["llm_calls"] == share
        assert 0 < verdict["budget"]["spent"]["llm_calls"] <= share
        spent += verdict["budget"]["spent"]["llm_calls"]
    gathered = fanned.run.artifacts.uploaded["ciopt-1-1-gather"].root
    summed = json.loads((gathered / "verdict.json").read_text())["budget"]
    assert summed["limits"]["llm_calls"] == CALLS
    assert summed["spent"]["llm_calls"] == spent <= CALLS
    print(f"fan-out workflow played in {fanned.seconds:.0f} s")
