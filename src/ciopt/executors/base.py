"""The executor interface: where the client's code runs, and with which environment.

An executor runs one command (``run``) and may run several at once (``run_together``, for the
duet's two sides). Executors without their own ``run_together`` get ``in_threads``: each command
through ``run``, in its own thread, all started at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from ciopt.proc import Completed
from ciopt.trace.redact import SECRET_NAME

__all__ = [
    "DEFAULT_IMAGE",
    "EngineUnavailable",
    "Executor",
    "Job",
    "RunsTogether",
    "in_threads",
    "one_line",
    "run_together",
    "scrubbed_env",
    "unsafe_names",
]

# The image the client's code runs in when an executor uses containers (``--image``).
DEFAULT_IMAGE = "python:3.12-slim"
# What code under test may see of ciopt's environment; everything else is dropped.
SAFE_NAMES = re.compile(
    r"PATH|HOME|USER|LOGNAME|SHELL|LANG|LANGUAGE|LC_\w+|TZ|TERM|TMPDIR|TEMP|TMP|"
    r"PYTHONUTF8|PYTHONIOENCODING|PYTHONDONTWRITEBYTECODE|VIRTUAL_ENV|CI|SOURCE_DATE_EPOCH"
)
# Never passed, even when a user lists them in ``pass_env``.
NEVER = re.compile(r"GITHUB_\w+|CI_JOB_\w+|ACTIONS_\w+|CIOPT_\w+|GITLAB_\w+|RUNNER_\w+")
# ciopt's own instructions to its injected helpers (``ciopt/inject``), set as ``extra``.
HELPER = re.compile(r"CIOPT_(?:PROBE|RECORD|INSTR|BARRIER|PIN|GC)_?\w*")


class EngineUnavailable(Exception):
    """A container engine could not be reached or started; ``str()`` is the reason, one line."""


@dataclass(frozen=True)
class Job:
    """One command of the client's: ``argv`` in ``cwd`` with exactly ``env``."""

    cwd: Path
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)


class Executor(Protocol):
    """Runs a command of the client's in a workspace. Implementations must not add variables."""

    @property
    def name(self) -> str: ...

    def run(
        self, cwd: Path, argv: Sequence[str], *, env: Mapping[str, str], timeout: float
    ) -> Completed: ...


@runtime_checkable
class RunsTogether(Protocol):
    """An executor that starts several commands at the same moment, on the same host."""

    def run_together(self, jobs: Sequence[Job], *, timeout: float) -> list[Completed]: ...


def in_threads(executor: Executor, jobs: Sequence[Job], *, timeout: float) -> list[Completed]:
    """Each job through ``executor.run`` in its own thread, started in order; results in order."""
    with ThreadPoolExecutor(max_workers=max(1, len(jobs))) as pool:
        futures = [
            pool.submit(executor.run, job.cwd, job.argv, env=job.env, timeout=timeout)
            for job in jobs
        ]
        return [future.result() for future in futures]


def run_together(executor: Executor, jobs: Sequence[Job], *, timeout: float) -> list[Completed]:
    """``jobs`` started together: the executor's own way, else ``in_threads``."""
    if isinstance(executor, RunsTogether):
        return executor.run_together(jobs, timeout=timeout)
    return in_threads(executor, jobs, timeout=timeout)


def scrubbed_env(
    environ: Mapping[str, str], pass_env: Iterable[str] = (), **extra: str
) -> dict[str, str]:
    """An environment for code under test: safe names, the ones a user allowed, then ``extra``.

    Names that look like secrets (``*TOKEN*``, ``*KEY*``, ...) or belong to the CI system are never
    passed, whatever ``pass_env`` says.
    """
    allowed = set(pass_env)
    env = {
        name: value
        for name, value in environ.items()
        if (SAFE_NAMES.fullmatch(name) or name in allowed)
        and not SECRET_NAME.search(name)
        and not NEVER.fullmatch(name)
    }
    env.update(extra)
    return env


def one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception's message on one line, at most ``limit`` characters: for a user's error."""
    words = " ".join(str(exc).split()) or type(exc).__name__
    return words if len(words) <= limit else words[: limit - 3] + "..."


def unsafe_names(env: Mapping[str, str]) -> list[str]:
    """The names in ``env`` that ``scrubbed_env`` would never pass from a caller's environment.

    ciopt's instructions to its helpers (``CIOPT_PROBE_OUT``, ``CIOPT_BARRIER``, ...) are allowed;
    an executor that ships the environment elsewhere refuses a job that has any other.
    """
    return sorted(
        name
        for name in env
        if SECRET_NAME.search(name) or (NEVER.fullmatch(name) and not HELPER.fullmatch(name))
    )
