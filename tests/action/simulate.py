"""Run a composite action's steps as the GitHub Actions runner does, on this machine.

    runner = Runner(action_path, workspace=..., temp=..., event_name="issues", payload={...},
                    github={"repository": "octo/textkit", "token": "...", ...},
                    env={"OPENAI_API_KEY": "..."}, uses={"actions/setup-python@v6": ...})
    job = runner.run({"model": "scripted:/path/to/replies.jsonl"})
    job.outputs["verdict"], job.step("run").outcome, job.summary, job.failed

What it does as the runner does:
- each ``run:`` step is a script file run with ``bash --noprofile --norc -eo pipefail {0}`` in
  its ``working-directory`` (relative to ``GITHUB_WORKSPACE``), with the caller's env, what
  earlier steps wrote to ``$GITHUB_ENV``, the step's ``env:``, and ``$GITHUB_PATH`` entries in
  front of ``PATH``;
- ``$GITHUB_OUTPUT``, ``$GITHUB_ENV``, ``$GITHUB_PATH`` and ``$GITHUB_STEP_SUMMARY`` are fresh
  files per step; outputs (``name=value`` and ``name<<DELIM`` blocks) become
  ``steps.<id>.outputs``, summaries are joined into the job summary;
- ``${{ }}`` in ``env:``, ``with:``, ``working-directory``, ``if:``, input defaults and outputs is
  evaluated by ``expressions`` (strictly: an unknown input, step, context key or function fails);
  an ``if:`` without a status function means ``success() && (...)``;
- a failed step (without ``continue-on-error``) fails the job: later steps run only when their
  ``if:`` says ``always()`` or ``failure()``;
- ``uses:`` steps are played by the stand-ins given for their exact reference (``standins``);
  a reference without one is an error;
- ``RUNNER_TEMP`` is emptied at the start of every run, as each job gets a fresh one, and the
  event payload is written under it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tests.action.expressions import Status, Strict, evaluate_if, interpolate, to_text
from tests.action.standins import Call, StandIn, StepFailed

__all__ = ["Job", "Runner", "SimulationError", "StepResult", "load_yaml", "parse_file_command"]

ANNOTATION = re.compile(r"^::(error|warning|notice)(?: [^:]*)?::(.*)$", re.MULTILINE)


class SimulationError(Exception):
    """The action asks for something the runner (or this simulator) does not do."""


def load_yaml(path: Path) -> Any:
    """YAML 1.2, as the runner reads it (``on:`` stays a string)."""
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def parse_file_command(text: str) -> dict[str, str]:
    """``$GITHUB_OUTPUT`` / ``$GITHUB_ENV`` content: ``name=value`` lines and
    ``name<<DELIM`` ... ``DELIM`` blocks."""
    values: dict[str, str] = {}
    lines = text.splitlines()
    at = 0
    while at < len(lines):
        line = lines[at]
        at += 1
        if not line.strip():
            continue
        heredoc = re.fullmatch(r"([^=<]+)<<(.+)", line)
        if heredoc:
            name, delimiter = heredoc.group(1), heredoc.group(2)
            body: list[str] = []
            while at < len(lines) and lines[at] != delimiter:
                body.append(lines[at])
                at += 1
            if at == len(lines):
                raise SimulationError(f"{name}<<{delimiter}: no closing {delimiter!r} line")
            at += 1
            values[name] = "\n".join(body)
            continue
        if "=" not in line:
            raise SimulationError(f"invalid file command line {line!r}: not name=value")
        name, _, value = line.partition("=")
        values[name] = value
    return values


@dataclass
class StepResult:
    index: int
    id: str
    name: str
    outcome: str  # success, failure, skipped
    conclusion: str  # as outcome, but success for a failure with continue-on-error
    outputs: dict[str, str] = field(default_factory=dict)
    log: str = ""
    summary: str = ""
    env: dict[str, str] = field(default_factory=dict)  # what a run step's process was given
    annotations: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ran(self) -> bool:
        return self.outcome != "skipped"


@dataclass
class Job:
    outputs: dict[str, str]
    steps: list[StepResult]
    summary: str
    failed: bool

    def step(self, step_id: str) -> StepResult:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"no step {step_id!r}; steps: {[s.id for s in self.steps]}")

    def log(self) -> str:
        return "\n".join(
            f"--- step {s.id} ({s.name}): {s.outcome}\n{s.log}" for s in self.steps if s.ran
        )


class Runner:
    def __init__(
        self,
        action_path: Path,
        *,
        workspace: Path,
        temp: Path,
        event_name: str,
        payload: Mapping[str, Any],
        github: Mapping[str, str],
        env: Mapping[str, str],
        uses: Mapping[str, StandIn],
        path: str = "/usr/local/bin:/usr/bin:/bin",
        home: str | None = None,
        runner_os: str = "Linux",
        runner_arch: str = "X64",
        timeout: float = 900.0,
    ) -> None:
        self.action_path = action_path
        self.action = load_yaml(action_path / "action.yml")
        if (self.action.get("runs") or {}).get("using") != "composite":
            raise SimulationError("only composite actions (runs.using: composite) run here")
        self.workspace, self.temp = workspace, temp
        self.event_name, self.payload = event_name, dict(payload)
        self.github, self.caller_env, self.uses = dict(github), dict(env), dict(uses)
        self.path, self.home = path, home or os.environ.get("HOME", "/root")
        self.runner_os, self.runner_arch, self.timeout = runner_os, runner_arch, timeout

    # -- one job ---------------------------------------------------------------------------------

    def run(self, inputs: Mapping[str, str]) -> Job:
        shutil.rmtree(self.temp, ignore_errors=True)
        self.temp.mkdir(parents=True)
        event_path = self.temp / "_github_workflow" / "event.json"
        event_path.parent.mkdir()
        event_path.write_text(json.dumps(self.payload), encoding="utf-8")
        self._base = self._runner_env(event_path)
        self._job_env: dict[str, str] = {}  # from $GITHUB_ENV
        self._path_prepend: list[str] = []  # from $GITHUB_PATH, newest first
        self._contexts: dict[str, Any] = {
            "github": self._github_context(event_path),
            "runner": Strict("runner", self._runner_context()),
            "env": dict(self.caller_env),
            "steps": Strict("steps", {}),
        }
        self._contexts["inputs"] = self._inputs(inputs)
        results: list[StepResult] = []
        failed = False
        for index, step in enumerate(self.action["runs"]["steps"]):
            result = self._step(index, step, Status(failed=failed))
            results.append(result)
            failed = failed or result.conclusion == "failure"
            if result.id in self._contexts["steps"]:
                raise SimulationError(f"two steps have the id {result.id!r}")
            self._contexts["steps"][result.id] = Strict(
                f"steps.{result.id}",
                {
                    "outputs": dict(result.outputs),
                    "outcome": result.outcome,
                    "conclusion": result.conclusion,
                },
            )
        outputs = {
            name: to_text(interpolate(spec.get("value", ""), self._contexts))
            for name, spec in (self.action.get("outputs") or {}).items()
        }
        summary = "".join(r.summary for r in results)
        return Job(outputs=outputs, steps=results, summary=summary, failed=failed)

    def _runner_context(self) -> dict[str, str]:
        return {
            "os": self.runner_os,
            "arch": self.runner_arch,
            "temp": str(self.temp),
            "tool_cache": str(self.temp / "_tool"),
            "name": "simulated",
            "environment": "github-hosted",
            "debug": "",
        }

    def _runner_env(self, event_path: Path) -> dict[str, str]:
        env = {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "HOME": self.home,
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_EVENT_NAME": self.event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_ACTION_PATH": str(self.action_path),
            "RUNNER_OS": self.runner_os,
            "RUNNER_ARCH": self.runner_arch,
            "RUNNER_TEMP": str(self.temp),
            "RUNNER_TOOL_CACHE": str(self.temp / "_tool"),
            "RUNNER_ENVIRONMENT": "github-hosted",
        }
        for key, value in self.github.items():  # the token is no variable on a real runner
            if key != "token":
                env[f"GITHUB_{key.upper()}"] = value
        return env

    def _github_context(self, event_path: Path) -> Strict:
        return Strict(
            "github",
            {
                **self.github,
                "event_name": self.event_name,
                "event": self.payload,
                "event_path": str(event_path),
                "workspace": str(self.workspace),
                "action_path": str(self.action_path),
            },
        )

    def _inputs(self, given: Mapping[str, str]) -> Strict:
        declared: dict[str, Any] = self.action.get("inputs") or {}
        unknown = set(given) - set(declared)
        if unknown:
            raise SimulationError(f"inputs the action does not declare: {sorted(unknown)}")
        values: dict[str, str] = {}
        for name, declaration in declared.items():
            spec = declaration or {}
            if name in given:
                values[name] = str(given[name])
            elif spec.get("required") and "default" not in spec:
                raise SimulationError(f"required input {name!r} not given")
            else:
                values[name] = to_text(interpolate(spec.get("default", ""), self._contexts))
        return Strict("inputs", values)

    # -- one step --------------------------------------------------------------------------------

    def _step(self, index: int, step: dict[str, Any], status: Status) -> StepResult:
        step_id = str(step.get("id") or f"__{index}")
        name = str(step.get("name") or step.get("uses") or step_id)
        if not evaluate_if(step.get("if"), self._contexts, status):
            return StepResult(index, step_id, name, "skipped", "skipped")
        if "run" in step:
            result = self._run_step(index, step_id, name, step)
        elif "uses" in step:
            result = self._uses_step(index, step_id, name, step)
        else:
            raise SimulationError(f"step {name!r} has neither run nor uses")
        if result.outcome == "failure" and interpolate(
            step.get("continue-on-error", False), self._contexts
        ) in (True, "true"):
            result.conclusion = "success"
        return result

    def _env(self, step: dict[str, Any]) -> dict[str, str]:
        env = {**self._base, **self.caller_env, **self._job_env}
        self._contexts["env"] = {**self.caller_env, **self._job_env}
        for key, value in (step.get("env") or {}).items():
            env[key] = to_text(interpolate(value, self._contexts))
        env["PATH"] = os.pathsep.join([*self._path_prepend, self.path])
        return env

    def _run_step(self, index: int, step_id: str, name: str, step: dict[str, Any]) -> StepResult:
        shell = step.get("shell")
        if shell not in ("bash", "sh"):
            raise SimulationError(f"step {name!r}: composite run steps need shell: bash or sh")
        env = self._env(step)
        where = to_text(interpolate(step.get("working-directory", ""), self._contexts))
        cwd = self.workspace / where if where else self.workspace
        files = {}
        for var in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY"):
            file = self.temp / "_runner_file_commands" / f"{var.lower()}_{uuid.uuid4().hex}"
            file.parent.mkdir(exist_ok=True)
            file.touch()
            files[var] = file
            env[var] = str(file)
        script = self.temp / f"{uuid.uuid4()}.sh"
        script.write_text(str(step["run"]), encoding="utf-8")
        program = shutil.which(shell, path=env["PATH"])
        if program is None:
            raise SimulationError(f"{shell} is not on the step's PATH")
        argv = (
            [program, "--noprofile", "--norc", "-eo", "pipefail", str(script)]
            if shell == "bash"
            else [program, "-e", str(script)]
        )
        if not cwd.is_dir():
            log = f"An error occurred trying to start process: {cwd} does not exist"
            return StepResult(index, step_id, name, "failure", "failure", log=log, env=env)
        try:
            done = subprocess.run(
                argv,
                check=False,
                cwd=cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=self.timeout,
            )
            log, code = done.stdout, done.returncode
        except subprocess.TimeoutExpired as exc:
            said = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
            log, code = f"{said}\nThe step timed out after {self.timeout} s", -1
        outputs = parse_file_command(files["GITHUB_OUTPUT"].read_text(encoding="utf-8"))
        self._job_env.update(parse_file_command(files["GITHUB_ENV"].read_text(encoding="utf-8")))
        for line in files["GITHUB_PATH"].read_text(encoding="utf-8").splitlines():
            if line.strip():
                self._path_prepend.insert(0, line.strip())
        outcome = "success" if code == 0 else "failure"
        return StepResult(
            index,
            step_id,
            name,
            outcome,
            outcome,
            outputs=outputs,
            log=log + ("" if code == 0 else f"\nProcess completed with exit code {code}."),
            summary=files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8"),
            env=env,
            annotations=[(m.group(1), m.group(2)) for m in ANNOTATION.finditer(log)],
        )

    def _uses_step(self, index: int, step_id: str, name: str, step: dict[str, Any]) -> StepResult:
        ref = str(step["uses"])
        stand_in = self.uses.get(ref)
        if stand_in is None:
            raise SimulationError(f"no stand-in for uses: {ref} (have: {sorted(self.uses)})")
        given: dict[str, Any] = step.get("with") or {}
        unknown = set(given) - stand_in.inputs
        if unknown:
            raise SimulationError(f"{ref} has no inputs {sorted(unknown)}")
        self._env(step)  # evaluates the step's env: as on GitHub, a bad expression fails here
        call = Call(
            with_={k: to_text(interpolate(v, self._contexts)) for k, v in given.items()},
            runner_temp=self.temp,
            workspace=self.workspace,
        )
        try:
            outputs = stand_in(call)
        except StepFailed as exc:
            log = "\n".join([*call.log, f"Error: {exc}"])
            return StepResult(
                index, step_id, name, "failure", "failure", log=log,
                annotations=[("error", str(exc))],
            )  # fmt: skip
        self._path_prepend[:0] = reversed(call.path_prepend)
        return StepResult(
            index, step_id, name, "success", "success", outputs=outputs, log="\n".join(call.log)
        )
