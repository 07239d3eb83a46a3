"""The client's interpreter: runs the client's pytest in a worktree, through an executor.

ciopt never installs anything into the client's environment. Its stdlib-only helpers
(``ciopt/inject``) reach the client's interpreter through ``PYTHONPATH`` and ``-p``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ciopt.budget import Ledger
from ciopt.client.targets import Target, project_packages
from ciopt.config import Settings
from ciopt.errors import EnvironmentProblem
from ciopt.executors import Command, Executor, run_together, scrubbed_env
from ciopt.git import Git
from ciopt.inject import INJECT_DIR
from ciopt.proc import Completed

__all__ = ["Client", "ProbeReport", "find_python", "open_client"]

PYTEST_BASE = ("-m", "pytest", "-p", "no:cacheprovider", "-p", "ciopt_probe", "-q", "-rN")


class ProbeReport(BaseModel):
    """What ``ciopt_probe`` saw inside one pytest session."""

    exitstatus: int
    tests: dict[str, str] = {}
    args: list[str] = []  # what pytest collected from: the selectors, else its testpaths
    modules: dict[str, dict[str, str | None]] = {}
    python: str = ""
    version: str = ""
    setup: dict[str, Any] = {}  # pinned_cpu, gc, waited_s: how a benchmark process was set up


def _kind(violation: str) -> str:
    return violation.split(" ", 1)[0]


def find_python(repo: Path, configured: str | None) -> str:
    """``--python``, else the project's ``.venv`` interpreter, else ``python3`` on PATH."""
    if configured:
        found = shutil.which(configured) or (configured if Path(configured).is_file() else None)
        if not found:
            raise EnvironmentProblem(f"--python {configured} does not exist; pass an interpreter")
        return os.path.abspath(found)
    venv = repo / ".venv" / "bin" / "python"
    if venv.is_file():
        return str(venv)
    found = shutil.which("python3")
    if not found:
        raise EnvironmentProblem("no python3 on PATH; pass --python /path/to/python")
    return found


class Client:
    """Runs pytest with the client's ``python`` in a worktree, with a scrubbed environment.

    With a ``ledger``, every process is one ``subprocess_calls`` (and is refused past the limit).
    """

    def __init__(
        self,
        python: str,
        executor: Executor,
        *,
        environ: Mapping[str, str],
        pass_env: Sequence[str] = (),
        import_roots: Sequence[str] = ("",),
        modules: Sequence[str] = (),
        ledger: Ledger | None = None,
    ) -> None:
        self.python = python
        self.executor = executor
        self.ledger = ledger
        self._environ = dict(environ)
        self._pass_env = tuple(pass_env)
        self.import_roots = tuple(dict.fromkeys(import_roots))
        self.modules = tuple(modules)
        # what the executor saw jobs do beyond their bounds, by worktree (``Completed.violations``)
        self.violations: dict[Path, list[str]] = {}
        self.tolerated: set[str] = set()

    def env(self, root: Path, **extra: str) -> dict[str, str]:
        paths = [str(root / r) if r else str(root) for r in self.import_roots]
        paths += [str(root), str(INJECT_DIR)]
        return scrubbed_env(
            self._environ,
            self._pass_env,
            PYTHONPATH=os.pathsep.join(dict.fromkeys(paths)),
            PYTHONDONTWRITEBYTECODE="1",
            PYTHONNOUSERSITE="1",
            CIOPT_PROBE_MODULES=",".join(self.modules),
            **extra,
        )

    def job(
        self, root: Path, args: Sequence[str], *, prefix: Sequence[str] = (), **env: str
    ) -> Command:
        """``[*prefix, python, *args]`` in ``root``; ``prefix`` wraps the interpreter (valgrind)."""
        return Command(root, (*prefix, self.python, *args), self.env(root, **env))

    def run(
        self,
        root: Path,
        args: Sequence[str],
        *,
        timeout: float,
        prefix: Sequence[str] = (),
        **env: str,
    ) -> Completed:
        return self.execute(self.job(root, args, prefix=prefix, **env), timeout=timeout)

    def execute(self, job: Command, *, timeout: float) -> Completed:
        """One ``job``, through the executor."""
        with self._charged(1):
            done = self.executor.run(job.cwd, job.argv, env=job.env, timeout=timeout)
        self._note(job, done)
        return done

    def run_together(self, jobs: Sequence[Command], *, timeout: float) -> list[Completed]:
        """``jobs`` started at the same moment (a duet round); one result each, in order."""
        with self._charged(len(jobs)):
            done = run_together(self.executor, jobs, timeout=timeout)
        for job, result in zip(jobs, done, strict=True):
            self._note(job, result)
        return done

    def _note(self, job: Command, done: Completed) -> None:
        for seen in done.violations:
            found = self.violations.setdefault(job.cwd, [])
            if seen not in found:
                found.append(seen)

    def tolerate(self, root: Path) -> None:
        """Accept what the jobs in ``root`` (the baseline, run alone) did beyond their bounds, by
        kind (a process left running, a file written outside): the client's own habits are not
        a candidate's fault."""
        self.tolerated |= {_kind(v) for v in self.violations.get(root, [])}

    def escaped(self, root: Path) -> list[str]:
        """What jobs in ``root`` did beyond their bounds, less the kinds tolerated."""
        return [v for v in self.violations.get(root, []) if _kind(v) not in self.tolerated]

    @contextlib.contextmanager
    def _charged(self, processes: int) -> Iterator[None]:
        """Refuse ``processes`` past the ``subprocess_calls`` limit; count them once run."""
        if self.ledger is not None:
            self.ledger.ensure("subprocess_calls", need=processes)
        try:
            yield
        finally:
            if self.ledger is not None:
                self.ledger.charge(subprocess_calls=processes)

    def check_tools(self, root: Path) -> None:
        done = self.run(root, ["-c", "import pytest, pytest_benchmark"], timeout=120)
        if not done.ok:
            raise EnvironmentProblem(
                f"{self.python} cannot import pytest and pytest-benchmark; install them in the "
                "project's environment (pip install pytest pytest-benchmark) or pass --python"
            )

    def pytest(
        self, root: Path, args: Sequence[str], *, probe_out: Path, timeout: float, **env: str
    ) -> tuple[Completed, ProbeReport]:
        done = self.execute(
            self.pytest_command(root, args, probe_out=probe_out, **env), timeout=timeout
        )
        return done, self.probe(root, done, probe_out)

    def pytest_command(
        self, root: Path, args: Sequence[str], *, probe_out: Path, **env: str
    ) -> Command:
        """A pytest session with ciopt's probe, writing its report to ``probe_out``."""
        probe_out.unlink(missing_ok=True)
        return self.job(root, [*PYTEST_BASE, *args], CIOPT_PROBE_OUT=str(probe_out), **env)

    def probe(self, root: Path, done: Completed, probe_out: Path) -> ProbeReport:
        """What the probe of a finished ``pytest_command`` saw; checks where targets came from."""
        if probe_out.is_file():
            report = ProbeReport.model_validate(json.loads(probe_out.read_text()))
        else:
            report = ProbeReport(exitstatus=done.returncode)
        self.check_imports(root, report)
        return report

    def check_imports(self, root: Path, report: ProbeReport) -> None:
        """Fail when a target module was imported from somewhere other than this worktree."""
        for name, seen in report.modules.items():
            file = seen.get("file")
            if not file:
                continue
            if not Path(file).resolve().is_relative_to(root.resolve()):
                raise EnvironmentProblem(
                    f"{name} was imported from {file}, not from the worktree {root}: an installed "
                    f"copy (often an editable install of the checkout) shadows it in "
                    f"{self.python}; uninstall it there (pip uninstall) or pass another --python"
                )


def open_client(
    settings: Settings,
    git: Git,
    root: Path,
    environ: Mapping[str, str],
    executor: Executor,
    *,
    ledger: Ledger | None = None,
    targets: Sequence[Target] = (),
) -> Client:
    """The client's interpreter for the worktree ``root``, checked to have pytest and
    pytest-benchmark.

    It imports the ``targets``' modules (a run's) from the worktree first; without targets, the
    project's packages (a compare's: those in ``src/`` or at the root). With a ``ledger``, each
    of its processes is charged to ``subprocess_calls``.
    """
    if targets:
        roots = [t.import_root for t in targets]
        modules = [t.module for t in targets]
    else:
        import_root, modules = project_packages(root)
        roots = [import_root]
    client = Client(
        find_python(git.path, settings.python),
        executor,
        environ=environ,
        pass_env=settings.pass_env,
        import_roots=roots,
        modules=modules,
        ledger=ledger,
    )
    client.check_tools(root)
    return client
