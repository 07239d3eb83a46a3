"""Play a workflow's jobs as GitHub Actions does, on this machine, around the composite action
that ``simulate`` runs step by step.

    run = WorkflowDriver(ROOT / "examples/github/fanout.yml", world=..., fake=..., remote=...,
                         event_name="issues", payload={...}, secrets={...}).play()
    run.job("plan").outputs["matrix"], run.legs("units")[1].result, run.artifacts.uploaded

What it does as GitHub does:
- jobs run in the order their ``needs:`` give; a job's ``if:`` is evaluated with the ``needs``
  context (each needed job's ``result`` and ``outputs``) and, without a status function, means
  ``success() && (...)``: a needed job that failed or was skipped skips it;
- ``strategy.matrix`` (evaluated, so ``fromJSON(needs.x.outputs.matrix)`` works) becomes one job
  per combination of its vectors, each with its ``matrix`` context; a vector without values
  fails the job, as GitHub does. The legs run one after the other: ``max-parallel`` and
  ``fail-fast`` are evaluated and kept (``JobRun.strategy``), not enforced. A matrix job's
  result is ``failure`` when any leg failed;
- a job's ``outputs:`` are evaluated over its steps when it ends;
- every job is a fresh machine: an empty workspace (which the ``actions/checkout`` stand-in
  fills with a clone of the repository), an empty temp folder, ``GITHUB_JOB`` its id;
- its steps: ``uses:`` the action under test (``action_ref``) runs the action through
  ``simulate.Runner`` with the step's evaluated ``with:`` (over which the test's ``inputs``
  go: a scripted model, the Python version this machine has) and the step's ``env:`` as the
  caller's environment;
  another ``uses:`` is played by its stand-in (checkout, setup-python, download-artifact here,
  more from the test); a ``run:`` step runs with ``bash --noprofile --norc -eo pipefail``, or
  runs the replacement the test gives for it by name (a step that installs the project's
  environment from PyPI, say); ``$GITHUB_OUTPUT`` becomes the step's outputs;
- artifacts belong to the run: the upload-artifact stand-in of every job writes to one store,
  which the download-artifact stand-in reads (a name used twice fails, as it does on GitHub).

Simplifications: the action's steps get a temp folder of their own beside the job's (``Runner``
empties its temp folder when it starts); ``$GITHUB_ENV`` and ``$GITHUB_PATH`` of a workflow's own
``run:`` steps are not read; no cancellation, ``continue-on-error`` only on steps, and no
``include``/``exclude`` in a matrix.
"""

from __future__ import annotations

import fnmatch
import itertools
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.action.expressions import Status, Strict, evaluate_if, interpolate, to_text
from tests.action.simulate import Job, Runner, SimulationError, load_yaml, parse_file_command
from tests.action.standins import (
    Call,
    StandIn,
    StepFailed,
    UploadArtifact,
    setup_python,
    upload_artifact,
)
from tests.action.world import BASE_PYTHON, World
from tests.helpers.fake_github import FakeGitHub

__all__ = ["JobRun", "Machine", "StepRun", "WorkflowDriver", "WorkflowRun"]

ACTION_REF = "ciopt-dev/ciopt@v1"  # how the examples name the action


@dataclass
class StepRun:
    index: int
    id: str
    name: str
    outcome: str  # success, failure, skipped
    outputs: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # a run: step's process; the action's caller
    log: str = ""
    action: Job | None = None  # the action under test, step by step


@dataclass
class JobRun:
    id: str
    matrix: dict[str, Any]
    result: str  # success, failure, skipped
    steps: list[StepRun]
    outputs: dict[str, str]
    strategy: dict[str, Any]
    workspace: Path | None
    scripts: list[dict[str, str]]  # the environment of every bash the job started

    def step(self, step_id: str) -> StepRun:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"job {self.id} has no step {step_id!r}: {[s.id for s in self.steps]}")

    @property
    def action(self) -> Job:
        """The run of the action under test (the job's one step that uses it)."""
        (found,) = [s.action for s in self.steps if s.action is not None]
        return found

    def log(self) -> str:
        parts = []
        for step in self.steps:
            if step.outcome == "skipped":
                continue
            text = step.action.log() if step.action is not None else step.log
            parts.append(
                f"=== {self.id} {self.matrix or ''} step {step.id}: {step.outcome}\n{text}"
            )
        return "\n".join(parts)


@dataclass
class Machine:
    """What a job runs on, for the test's ``around`` hook."""

    job: str
    matrix: dict[str, Any]
    workspace: Path
    temp: Path  # the workflow's runner.temp
    action_temp: Path  # RUNNER_TEMP of the action's steps (its output folder is under it)


@dataclass
class WorkflowRun:
    jobs: dict[str, list[JobRun]]
    artifacts: UploadArtifact

    def legs(self, job_id: str) -> list[JobRun]:
        return self.jobs[job_id]

    def job(self, job_id: str) -> JobRun:
        (only,) = self.jobs[job_id]
        return only

    def result(self, job_id: str) -> str:
        return _result(self.jobs[job_id])

    def log(self) -> str:
        return "\n".join(leg.log() for legs in self.jobs.values() for leg in legs)


# -- stand-ins for the actions a workflow uses ---------------------------------------------------


@dataclass
class Checkout:
    """``actions/checkout``: a clone of ``remote`` at ``sha`` in the job's workspace."""

    remote: Path
    sha: str
    calls: list[dict[str, str]] = field(default_factory=list)
    inputs: frozenset[str] = frozenset({
        "repository", "ref", "token", "ssh-key", "ssh-known-hosts", "ssh-strict", "ssh-user",
        "persist-credentials", "path", "clean", "filter", "sparse-checkout",
        "sparse-checkout-cone-mode", "fetch-depth", "fetch-tags", "show-progress", "lfs",
        "submodules", "set-safe-directory", "github-server-url",
    })  # fmt: skip

    def __call__(self, call: Call) -> dict[str, str]:
        self.calls.append(dict(call.with_))
        where = call.workspace / call.with_.get("path", "")
        git = ["git", "-c", "advice.detachedHead=false"]
        for argv in (
            [*git, "clone", "--quiet", "--no-hardlinks", str(self.remote), str(where)],
            [*git, "-C", str(where), "checkout", "--quiet", "-B", "main", self.sha],
        ):
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise StepFailed(f"git {argv[3]} failed: {done.stderr.strip()}")
        call.log.append(f"Checked out {self.sha} into {where}")
        return {"ref": "refs/heads/main", "commit": self.sha}


@dataclass
class SetupPythonNoop:
    """``actions/setup-python`` of the workflow's own steps: only the steps the test replaces
    would use it, so it records the version asked and changes nothing."""

    asked: list[str] = field(default_factory=list)
    inputs: frozenset[str] = setup_python(BASE_PYTHON).inputs

    def __call__(self, call: Call) -> dict[str, str]:
        self.asked.append(call.with_.get("python-version", ""))
        return {"python-version": call.with_.get("python-version", "")}


@dataclass
class DownloadArtifact:
    """``actions/download-artifact@v7``: artifacts of this run from ``store``; by ``name`` into
    ``path`` itself, else every one whose name matches ``pattern`` (all without one) into
    ``path/<name>/`` (``merge-multiple: true``: all into ``path``)."""

    store: UploadArtifact
    downloaded: list[list[str]] = field(default_factory=list)
    inputs: frozenset[str] = frozenset({
        "name", "artifact-ids", "path", "pattern", "merge-multiple", "github-token",
        "repository", "run-id",
    })  # fmt: skip

    def __call__(self, call: Call) -> dict[str, str]:
        if call.with_.get("artifact-ids") or call.with_.get("run-id"):
            raise StepFailed("this stand-in downloads by name or pattern from this run only")
        text = call.with_.get("path", "")
        path = Path(text) if Path(text).is_absolute() else call.workspace / text
        name, pattern = call.with_.get("name", ""), call.with_.get("pattern", "")
        if name:
            if name not in self.store.uploaded:
                raise StepFailed(f"Unable to download artifact(s): Artifact not found: {name}")
            chosen = {name: path}
        else:
            merge = call.with_.get("merge-multiple", "false") == "true"
            chosen = {
                found: path if merge else path / found
                for found in sorted(self.store.uploaded)
                if not pattern or fnmatch.fnmatchcase(found, pattern)
            }
        for found, dest in chosen.items():
            shutil.copytree(self.store.uploaded[found].root, dest, dirs_exist_ok=True)
        self.downloaded.append(sorted(chosen))
        call.log.append(f"Total of {len(chosen)} artifact(s) downloaded")
        return {"download-path": str(path)}


# -- the driver ----------------------------------------------------------------------------------


class WorkflowDriver:
    def __init__(
        self,
        path: Path,
        *,
        world: World,
        fake: FakeGitHub,
        remote: Path,
        event_name: str,
        payload: Mapping[str, Any],
        secrets: Mapping[str, str],
        inputs: Mapping[str, str] | None = None,
        job_inputs: Mapping[str, Mapping[str, str]] | None = None,
        replace: Mapping[str, str] | None = None,
        machine_env: Mapping[str, str] | None = None,
        path_first: Path | None = None,
        uses: Mapping[str, StandIn] | None = None,
        around: Callable[[WorkflowRun, Machine], AbstractContextManager[object]] | None = None,
        action_ref: str = ACTION_REF,
    ) -> None:
        self.workflow = load_yaml(path)
        self.world, self.fake, self.remote = world, fake, remote
        self.event_name, self.payload = event_name, dict(payload)
        self.secrets, self.inputs = dict(secrets), dict(inputs or {})
        self.job_inputs = dict(job_inputs or {})
        self.replace, self.machine_env = dict(replace or {}), dict(machine_env or {})
        self.path_first, self.around, self.action_ref = path_first, around, action_ref
        self.root = world.root / f"workflow-{uuid.uuid4().hex[:8]}"
        self.root.mkdir()
        self.sha = _git(remote, "rev-parse", "refs/heads/main")
        self.store = upload_artifact(self.root / "artifacts")
        self.uses: dict[str, StandIn] = {
            "actions/checkout@v5": Checkout(remote, self.sha),
            "actions/setup-python@v6": SetupPythonNoop(),
            "actions/download-artifact@v7": DownloadArtifact(self.store),
            **(uses or {}),
        }
        self._count = itertools.count(1)

    def play(self) -> WorkflowRun:
        run = WorkflowRun(jobs={}, artifacts=self.store)
        for job_id in self._order():
            spec = self.workflow["jobs"][job_id]
            needs = _needs(spec)
            contexts = self._contexts(job_id, run, needs, matrix={})
            status = Status(failed=any(run.result(n) != "success" for n in needs))
            if not evaluate_if(spec.get("if"), contexts, status):
                run.jobs[job_id] = [_skipped(job_id)]
                continue
            strategy = {
                key: interpolate(value, contexts)
                for key, value in (spec.get("strategy") or {}).items()
            }
            try:
                combinations = _matrix(strategy.get("matrix"))
            except SimulationError as exc:
                failed = JobRun(job_id, {}, "failure", [], {}, strategy, None, [])
                failed.steps.append(StepRun(0, "__matrix", "matrix", "failure", log=str(exc)))
                run.jobs[job_id] = [failed]
                continue
            run.jobs[job_id] = []
            for matrix in combinations:
                run.jobs[job_id].append(self._job(job_id, spec, run, needs, matrix, strategy))
        return run

    # -- jobs ------------------------------------------------------------------------------------

    def _order(self) -> list[str]:
        jobs: dict[str, Any] = self.workflow["jobs"]
        done: list[str] = []
        while len(done) < len(jobs):
            ready = [j for j in jobs if j not in done and set(_needs(jobs[j])) <= set(done)]
            if not ready:
                raise SimulationError(
                    f"the jobs' needs: form a cycle: {sorted(set(jobs) - set(done))}"
                )
            done.extend(ready)
        return done

    def _github(self, job_id: str) -> dict[str, str]:
        env = self.fake.actions_env(
            self.event_name,
            self.payload,
            self.root,
            GITHUB_JOB=job_id,
            GITHUB_SHA=self.sha,
            GITHUB_REF="refs/heads/main",
            GITHUB_WORKFLOW=str(self.workflow.get("name", "")),
        )
        skip = ("GITHUB_ACTIONS", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH")
        return {
            name.removeprefix("GITHUB_").lower(): value
            for name, value in env.items()
            if name.startswith("GITHUB_") and name not in skip
        }

    def _contexts(
        self,
        job_id: str,
        run: WorkflowRun,
        needs: list[str],
        matrix: dict[str, Any],
        machine: Machine | None = None,
    ) -> dict[str, Any]:
        github = {**self._github(job_id), "event_name": self.event_name, "event": self.payload}
        if machine is not None:
            github["workspace"] = str(machine.workspace)
        runner = {"os": "Linux", "arch": "X64", "name": "simulated", "debug": ""}
        if machine is not None:
            runner["temp"] = str(machine.temp)
        return {
            "github": Strict("github", github),
            "needs": Strict(
                "needs",
                {
                    n: {"result": run.result(n), "outputs": dict(_outputs(run.jobs[n]))}
                    for n in needs
                },
            ),
            "matrix": dict(matrix),
            "strategy": {},
            "secrets": dict(self.secrets),
            "vars": {},
            "inputs": {},
            "runner": Strict("runner", runner),
            "env": {},
            "steps": Strict("steps", {}),
        }

    def _job(
        self,
        job_id: str,
        spec: dict[str, Any],
        run: WorkflowRun,
        needs: list[str],
        matrix: dict[str, Any],
        strategy: dict[str, Any],
    ) -> JobRun:
        home = self.root / f"{next(self._count)}-{job_id}"
        machine = Machine(job_id, matrix, home / "work", home / "temp", home / "action-temp")
        machine.workspace.mkdir(parents=True)
        machine.temp.mkdir()
        contexts = self._contexts(job_id, run, needs, matrix, machine)
        contexts["strategy"] = {
            "fail-fast": strategy.get("fail-fast", True),
            "max-parallel": strategy.get("max-parallel"),
        }
        self.world.scripts_environments()  # forget what ran before this job
        steps: list[StepRun] = []
        failed = False
        hook = self.around(run, machine) if self.around else nullcontext()
        with hook:
            for index, step in enumerate(spec.get("steps") or []):
                result = self._step(index, step, contexts, machine, Status(failed=failed))
                steps.append(result)
                if result.outcome == "failure" and not step.get("continue-on-error"):
                    failed = True
                if result.id in contexts["steps"]:
                    raise SimulationError(f"two steps of {job_id} have the id {result.id!r}")
                contexts["steps"][result.id] = {
                    "outputs": dict(result.outputs),
                    "outcome": result.outcome,
                    "conclusion": "success" if result.outcome != "failure" else "failure",
                }
        outputs = {
            name: to_text(interpolate(value, contexts))
            for name, value in (spec.get("outputs") or {}).items()
        }
        ended = "failure" if failed else "success"
        scripts = self.world.scripts_environments()
        return JobRun(job_id, matrix, ended, steps, outputs, strategy, machine.workspace, scripts)

    # -- steps -----------------------------------------------------------------------------------

    def _step(
        self,
        index: int,
        step: dict[str, Any],
        contexts: dict[str, Any],
        machine: Machine,
        status: Status,
    ) -> StepRun:
        step_id = str(step.get("id") or f"__{index}")
        name = str(step.get("name") or step.get("uses") or step_id)
        if not evaluate_if(step.get("if"), contexts, status):
            return StepRun(index, step_id, name, "skipped")
        env = {k: to_text(interpolate(v, contexts)) for k, v in (step.get("env") or {}).items()}
        with_ = {k: to_text(interpolate(v, contexts)) for k, v in (step.get("with") or {}).items()}
        if "run" in step:
            script = self.replace.get(name, str(step["run"]))
            return self._run(index, step_id, name, script, env, machine)
        ref = str(step["uses"])
        if ref == self.action_ref:
            job = self._action(machine, with_, env)
            outcome = "failure" if job.failed else "success"
            return StepRun(index, step_id, name, outcome, job.outputs, env, action=job)
        stand_in = self.uses.get(ref)
        if stand_in is None:
            raise SimulationError(f"no stand-in for uses: {ref} (have: {sorted(self.uses)})")
        unknown = set(with_) - stand_in.inputs
        if unknown:
            raise SimulationError(f"{ref} has no inputs {sorted(unknown)}")
        call = Call(with_=with_, runner_temp=machine.temp, workspace=machine.workspace)
        try:
            outputs = stand_in(call)
        except StepFailed as exc:
            return StepRun(index, step_id, name, "failure", log="\n".join([*call.log, str(exc)]))
        return StepRun(index, step_id, name, "success", outputs, log="\n".join(call.log))

    def _path(self) -> str:
        first = [str(self.path_first)] if self.path_first else []
        return os.pathsep.join([*first, str(self.world.shims), os.environ.get("PATH", "/usr/bin")])

    def _run(
        self,
        index: int,
        step_id: str,
        name: str,
        script: str,
        step_env: dict[str, str],
        machine: Machine,
    ) -> StepRun:
        github = self._github(machine.job)
        env = {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "HOME": os.environ.get("HOME", "/root"),
            "PATH": self._path(),
            "GITHUB_WORKSPACE": str(machine.workspace),
            "GITHUB_EVENT_NAME": self.event_name,
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
            "RUNNER_TEMP": str(machine.temp),
            **{f"GITHUB_{k.upper()}": v for k, v in github.items() if k != "token"},
            **self.machine_env,
            **step_env,
        }
        files = {}
        for var in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY"):
            files[var] = machine.temp / f"_{var.lower()}_{uuid.uuid4().hex}"
            files[var].touch()
            env[var] = str(files[var])
        file = machine.temp / f"{uuid.uuid4()}.sh"
        file.write_text(script, encoding="utf-8")
        bash = shutil.which("bash", path=env["PATH"]) or "bash"
        done = subprocess.run(
            [bash, "--noprofile", "--norc", "-eo", "pipefail", str(file)],
            cwd=machine.workspace,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
            timeout=600,
        )
        outputs = parse_file_command(files["GITHUB_OUTPUT"].read_text(encoding="utf-8"))
        outcome = "success" if done.returncode == 0 else "failure"
        return StepRun(index, step_id, name, outcome, outputs, env, done.stdout)

    def _action(self, machine: Machine, with_: dict[str, str], env: dict[str, str]) -> Job:
        restore, save = self.world.restore_save
        runner = Runner(
            self.world.action,
            workspace=machine.workspace,
            temp=machine.action_temp,
            event_name=self.event_name,
            payload=self.payload,
            github=self._github(machine.job),
            env={**self.machine_env, **env},
            uses={
                "actions/setup-python@v6": setup_python(BASE_PYTHON),
                "actions/cache/restore@v5": restore,
                "actions/cache/save@v5": save,
                "actions/upload-artifact@v6": self.store,
            },
            path=self._path(),
        )
        # the test's inputs replace the workflow's: a scripted model, this machine's Python
        given = {**with_, **self.inputs, **self.job_inputs.get(machine.job, {})}
        return runner.run(given)


def _needs(spec: Mapping[str, Any]) -> list[str]:
    needs = spec.get("needs") or []
    return [needs] if isinstance(needs, str) else list(needs)


def _matrix(matrix: Any) -> list[dict[str, Any]]:
    """The combinations of a matrix's vectors ([{}] without a matrix)."""
    if matrix is None:
        return [{}]
    if not isinstance(matrix, dict):
        raise SimulationError(f"strategy.matrix is no mapping: {matrix!r}")
    if {"include", "exclude"} & set(matrix):
        raise SimulationError("matrix include/exclude: not simulated here")
    for key, values in matrix.items():
        if not isinstance(values, list) or not values:
            raise SimulationError(f"Matrix vector '{key}' does not contain any values")
    keys = list(matrix)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*matrix.values())]


def _result(legs: list[JobRun]) -> str:
    if all(leg.result == "skipped" for leg in legs):
        return "skipped"
    return "failure" if any(leg.result == "failure" for leg in legs) else "success"


def _outputs(legs: list[JobRun]) -> Iterator[tuple[str, str]]:
    for leg in legs:  # a matrix job's outputs: a later leg's value wins, as the last to finish
        for name, value in leg.outputs.items():
            if value:
                yield name, value


def _skipped(job_id: str) -> JobRun:
    return JobRun(job_id, {}, "skipped", [], {}, {}, None, [])


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
