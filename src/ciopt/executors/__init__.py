"""Executors by name: where the client's code runs.

    local   subprocesses on this machine, in git worktrees, with a scrubbed environment
    dagger  containers through a Dagger engine (dagger-io); refuses, with the reason, when no
            engine can start
    auto    dagger when an engine starts, else local, with a note that says why

Add one by writing a module against ``Executor`` (``base``) and an opener in ``EXECUTORS``.
What any of them may pass to the client's code is decided in ``env``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ciopt.config import DEFAULT_IMAGE
from ciopt.errors import ConfigError
from ciopt.executors.base import (
    Command,
    EngineUnavailable,
    Executor,
    RunsTogether,
    one_line,
    run_together,
)
from ciopt.executors.env import scrubbed_env, unsafe_names
from ciopt.executors.local import LocalExecutor
from ciopt.executors.opened import Opened

CONNECT_TIMEOUT = 120.0  # seconds: a first start pulls the engine's image

__all__ = [
    "EXECUTORS",
    "Command",
    "EngineUnavailable",
    "Executor",
    "ExecutorOptions",
    "Opened",
    "RunsTogether",
    "one_line",
    "open_executor",
    "run_together",
    "scrubbed_env",
    "unsafe_names",
]


@dataclass(frozen=True)
class ExecutorOptions:
    image: str = DEFAULT_IMAGE  # dagger: the image the client's code runs in
    connect_timeout: float = CONNECT_TIMEOUT  # dagger: most seconds to wait for the engine
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


def open_local(options: ExecutorOptions) -> Opened:
    return Opened(LocalExecutor())


def _engine(options: ExecutorOptions) -> Opened:
    """A Dagger executor on a new engine session; ``EngineUnavailable`` when none starts.

    dagger-io is imported here, not above: it takes a second, and most runs use ``local``.
    """
    from ciopt.executors.dagger.connect import connect  # noqa: PLC0415
    from ciopt.executors.dagger.executor import DaggerExecutor  # noqa: PLC0415

    engine = connect(timeout=options.connect_timeout, environ=options.environ)
    executor = DaggerExecutor(engine.client, image=options.image, portal=engine.portal)
    return Opened(executor, close=engine.close)


def open_dagger(options: ExecutorOptions) -> Opened:
    try:
        return _engine(options)
    except EngineUnavailable as exc:
        raise ConfigError(
            f"executor dagger: no Dagger engine: {exc}; install Docker and the dagger CLI, "
            "or use executor local (or auto)",
            reason="executor_unavailable",
        ) from exc


def open_auto(options: ExecutorOptions) -> Opened:
    try:
        return _engine(options)
    except EngineUnavailable as exc:
        note = (
            f"executor auto: no Dagger engine ({exc}); the code under test ran on this "
            "machine with the local executor"
        )
        return Opened(LocalExecutor(), note)


EXECUTORS: dict[str, Callable[[ExecutorOptions], Opened]] = {
    "local": open_local,
    "dagger": open_dagger,
    "auto": open_auto,
}


def open_executor(name: str, options: ExecutorOptions | None = None) -> Opened:
    """The executor ``name``, ready to run; close it (or use ``with``) when the run is over."""
    try:
        opener = EXECUTORS[name]
    except KeyError:
        known = ", ".join(sorted(EXECUTORS))
        raise ConfigError(f"unknown executor {name!r}; use one of: {known}") from None
    return opener(options or ExecutorOptions())
