"""The executor interface: where the client's code runs (the environment: ``env``).

An executor runs one command (``run``) and may run several at once (``run_together``, for the
duet's two sides). Executors without their own ``run_together`` get ``in_threads``: each command
through ``run``, in its own thread, all started at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from ciopt.proc import Completed

__all__ = [
    "Command",
    "EngineUnavailable",
    "Executor",
    "RunsTogether",
    "in_threads",
    "isolation_of",
    "one_line",
    "run_together",
]


class EngineUnavailable(Exception):
    """A container engine could not be reached or started; ``str()`` is the reason, one line."""


@dataclass(frozen=True)
class Command:
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

    def run_together(self, jobs: Sequence[Command], *, timeout: float) -> list[Completed]: ...


def in_threads(executor: Executor, jobs: Sequence[Command], *, timeout: float) -> list[Completed]:
    """Each job through ``executor.run`` in its own thread, started in order; results in order."""
    with ThreadPoolExecutor(max_workers=max(1, len(jobs))) as pool:
        futures = [
            pool.submit(executor.run, job.cwd, job.argv, env=job.env, timeout=timeout)
            for job in jobs
        ]
        return [future.result() for future in futures]


def run_together(executor: Executor, jobs: Sequence[Command], *, timeout: float) -> list[Completed]:
    """``jobs`` started together: the executor's own way, else ``in_threads``."""
    if isinstance(executor, RunsTogether):
        return executor.run_together(jobs, timeout=timeout)
    return in_threads(executor, jobs, timeout=timeout)


def isolation_of(executor: object) -> str:
    """How ``executor`` keeps the code under test from ciopt's secrets, in words ("none" for an
    executor that says nothing of it)."""
    return str(getattr(executor, "isolation", "none"))


def one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception's message on one line, at most ``limit`` characters: for a user's error."""
    words = " ".join(str(exc).split()) or type(exc).__name__
    return words if len(words) <= limit else words[: limit - 3] + "..."
