"""The Dagger executor: the client's code in containers, through a Dagger engine (dagger-io).

Pipelines are built lazily from the ``dagger.Client`` passed in (the engine runs them when a
result is asked for), in the event loop of the ``Portal`` that client belongs to.

The test container (one per set of packaging files, so every worktree of a run shares it): the
image, pip's cache volume at ``/root/.cache/pip`` (named by the packaging files' hash:
``packaging``), the worktree as a fresh clone has it (without ``.git`` and the files git ignores,
such as those ``worktree_include`` copied for the targets) at ``/src``, then ``pip install`` of the
project (``-e .`` when it is packaged, ``-r requirements.txt`` when it has one) with pytest and
pytest-benchmark, and pip's cache unmounted again: the Dagger module's ``test_container``
(``dagger/``), call for call. Nothing in it names the unit, the run, the worktree's path or the
output folder, so every unit of a fanned-out run pointed at one engine asks for the same install
step, and the engine runs it once (its cache keys a host folder by content). Code under test
never sees the cache volume, which outlives the run on a shared engine.

Each job then mounts ciopt's ``inject/`` folder, its worktree afresh (same paths), the folders it
writes to, sets its variables (the scrubbed environment, checked again by ``container_env``) and
runs with the image's ``python``. What the job wrote is exported back to the same folders on this
machine.

A nonce file makes every job a new exec: the engine caches an exec by its inputs, and a
benchmark round must run, not be remembered.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import dagger

from ciopt.config import DEFAULT_IMAGE
from ciopt.errors import EnvironmentProblem
from ciopt.executors.base import Command, one_line
from ciopt.executors.dagger.mapping import container_argv, container_env, output_dirs
from ciopt.executors.dagger.packaging import install_args, packaging_hash, pip_volume
from ciopt.executors.dagger.portal import Portal
from ciopt.executors.dagger.remote import LOCAL_ENGINE
from ciopt.inject import INJECT_DIR
from ciopt.proc import Completed

__all__ = ["PIP_CACHE_PATH", "SOURCE_EXCLUDE", "SOURCE_PATH", "DaggerExecutor"]

PIP_CACHE_PATH = "/root/.cache/pip"
SOURCE_PATH = "/src"  # where the install sees the project: the same path in every unit
SOURCE_EXCLUDE = (".git", "**/__pycache__")  # a worktree's .git names its own path
NONCE_PATH = "/tmp/.ciopt-nonce"  # noqa: S108 - inside the container
SPEC_PATH = "/tmp/.ciopt-together.json"  # noqa: S108 - inside the container
TOGETHER = str(INJECT_DIR / "ciopt_together.py")
KILL_AFTER = 10  # seconds between the timeout's TERM and its KILL
SETUP_SECONDS = 1800.0  # most seconds for the image pull and install, beyond a command's timeout
T = TypeVar("T")


class DaggerExecutor:
    name = "dagger"
    isolation = "containers (Dagger)"

    def __init__(
        self,
        client: dagger.Client,
        *,
        image: str = DEFAULT_IMAGE,
        python: str = "python",
        pip_cache: str = "ciopt-pip",
        portal: Portal | None = None,
        nonce: Callable[[], str] = lambda: secrets.token_hex(8),
        setup_seconds: float = SETUP_SECONDS,
        engine: str = LOCAL_ENGINE,
    ) -> None:
        self.client = client
        self.image = image
        self.python = python
        self.pip_cache = pip_cache  # the prefix of the cache volumes' names
        self.engine = engine  # which engine, in words (``remote.describe``)
        self._portal = portal or Portal()
        self._nonce = nonce
        self.setup_seconds = setup_seconds
        self._containers: dict[str, dagger.Container] = {}
        self._lock = threading.Lock()

    def run(
        self, cwd: Path, argv: Sequence[str], *, env: Mapping[str, str], timeout: float
    ) -> Completed:
        job = Command(cwd, tuple(argv), env)
        return self._call(self._run(job, timeout), timeout)

    def run_together(self, jobs: Sequence[Command], *, timeout: float) -> list[Completed]:
        """One exec of ``ciopt_together.py`` starting every job, all worktrees mounted in one
        container: the duet's barrier and CPU pinning hold there as on a machine."""
        return self._call(self._run_together(list(jobs), timeout), timeout)

    def _call(self, run: Coroutine[Any, Any, T], timeout: float) -> T:
        """``run`` in the client's event loop; an engine that stops answering is given up on
        ``setup_seconds`` after the command's own timeout (the image pull and install)."""
        limit = timeout + self.setup_seconds
        try:
            return self._portal.call(run, timeout=limit)
        except TimeoutError:
            raise EnvironmentProblem(
                f"executor dagger: the engine did not answer within {limit:g} s",
                reason="executor_failed",
            ) from None

    # -- pipelines -----------------------------------------------------------------------------

    def test_container(self, root: Path) -> dagger.Container:
        """The image with the project's dependencies, pytest and pytest-benchmark installed,
        from the first worktree with these packaging files (a run's: the baseline's)."""
        key = packaging_hash(root)
        with self._lock:
            if key not in self._containers:
                install = [*install_args(root), "pytest", "pytest-benchmark"]
                cache = self.client.cache_volume(pip_volume(self.pip_cache, key))
                source = self.client.host().directory(
                    str(root), exclude=list(SOURCE_EXCLUDE), gitignore=True
                )
                self._containers[key] = (
                    self.client.container()
                    .from_(self.image)
                    .with_mounted_cache(PIP_CACHE_PATH, cache)
                    .with_mounted_directory(SOURCE_PATH, source)
                    .with_workdir(SOURCE_PATH)
                    .with_exec([self.python, "-m", "pip", "install", *install])
                    .without_mount(PIP_CACHE_PATH)
                )
            return self._containers[key]

    def _prepared(self, roots: Sequence[Path], outputs: Sequence[Path]) -> dagger.Container:
        ctr = self.test_container(roots[0])
        for folder in (INJECT_DIR, *roots, *outputs):
            ctr = ctr.with_mounted_directory(str(folder), self._host(folder))
        return ctr.with_workdir(str(roots[0])).with_new_file(NONCE_PATH, self._nonce())

    def _host(self, folder: Path) -> dagger.Directory:
        return self.client.host().directory(str(folder))

    def _map(self, job: Command) -> Command:
        return Command(
            job.cwd, tuple(container_argv(job.argv, self.python)), container_env(job.env)
        )

    # -- runs ----------------------------------------------------------------------------------

    async def _run(self, job: Command, timeout: float) -> Completed:
        start = time.perf_counter()
        mapped = self._map(job)
        outputs = output_dirs([mapped], [job.cwd, INJECT_DIR])
        ctr = self._prepared([job.cwd], outputs)
        for name, value in mapped.env.items():
            ctr = ctr.with_env_variable(name, value)
        cmd = ["timeout", "-k", str(KILL_AFTER), f"{timeout:g}", *mapped.argv]
        ctr = ctr.with_exec(cmd, expect=dagger.ReturnType.ANY)
        try:
            code = await ctr.exit_code()
            out, err = await ctr.stdout(), await ctr.stderr()
            await _export(ctr, outputs)
        except dagger.ExecError as exc:  # killed by a signal: outside what ANY expects
            if list(exc.command) != cmd:  # an earlier step: the install
                raise _problem(exc) from exc
            code, out, err = exc.exit_code, exc.stdout, exc.stderr
        except dagger.DaggerError as exc:
            raise _problem(exc) from exc
        seconds = time.perf_counter() - start
        timed_out = code in (124, 137) and seconds >= timeout
        return Completed(job.argv, -1 if timed_out else code, out, err, seconds, timed_out)

    async def _run_together(self, jobs: list[Command], timeout: float) -> list[Completed]:
        mapped = [self._map(job) for job in jobs]
        roots = list(dict.fromkeys(job.cwd for job in jobs))
        outputs = output_dirs(mapped, [*roots, INJECT_DIR])
        spec = {
            "jobs": [{"cwd": str(j.cwd), "argv": list(j.argv), "env": j.env} for j in mapped],
            "timeout": timeout,
        }
        ctr = (
            self._prepared(roots, outputs)
            .with_new_file(SPEC_PATH, json.dumps(spec, sort_keys=True))
            .with_exec([self.python, TOGETHER, SPEC_PATH], expect=dagger.ReturnType.ANY)
        )
        try:
            code, out, err = await ctr.exit_code(), await ctr.stdout(), await ctr.stderr()
            if code != 0:
                raise EnvironmentProblem(
                    f"executor dagger: ciopt_together.py exited {code} in the container: "
                    f"{err.strip()[-300:]}",
                    reason="executor_failed",
                )
            await _export(ctr, outputs)
        except dagger.DaggerError as exc:
            raise _problem(exc) from exc
        return [_completed(job, result) for job, result in zip(jobs, json.loads(out), strict=True)]


async def _export(ctr: dagger.Container, outputs: Sequence[Path]) -> None:
    for folder in outputs:
        await ctr.directory(str(folder)).export(str(folder))


def _completed(job: Command, result: Mapping[str, object]) -> Completed:
    return Completed(
        job.argv,
        int(str(result["returncode"])),
        str(result["stdout"]),
        str(result["stderr"]),
        float(str(result["seconds"])),
        timed_out=bool(result["timed_out"]),
    )


def _problem(exc: dagger.DaggerError) -> EnvironmentProblem:
    """The engine's error as one line that says what failed."""
    if isinstance(exc, dagger.ExecError):
        tail = " ".join((exc.stderr or exc.stdout).split())[-300:]
        what = f"`{' '.join(exc.command)}` exited {exc.exit_code} in the container: {tail}"
    else:
        what = one_line(exc)
    return EnvironmentProblem(f"executor dagger: {what}", reason="executor_failed")
