"""Executors by name: where the client's code runs, and how isolated from ciopt's secrets.

    dagger   containers through a Dagger engine (dagger-io); refuses, with the reason, when no
             engine can start
    sandbox  bubblewrap namespaces: no view of ciopt, its home, its repository or the network
    uid      an unprivileged uid of its own (setpriv), when ciopt runs as root
    local    subprocesses on this machine with a scrubbed environment: no isolation
    auto     the strongest that works here: dagger, else sandbox, else uid; with a note that
             says why the stronger ones did not (and ``local``, flagged unisolated, when none does)

Add one by writing a module against ``Executor`` (``base``) and an opener in ``EXECUTORS``.
What any of them may pass to the client's code is decided in ``env``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ciopt.config import DEFAULT_IMAGE
from ciopt.errors import ConfigError
from ciopt.executors.base import (
    Command,
    EngineUnavailable,
    Executor,
    RunsTogether,
    isolation_of,
    one_line,
    run_together,
)
from ciopt.executors.env import scrubbed_env, unsafe_names
from ciopt.executors.local import LocalExecutor
from ciopt.executors.opened import Opened
from ciopt.executors.sandbox import SandboxExecutor, find_bwrap, sandbox_works
from ciopt.executors.uid import UidExecutor, free_uid, uid_drop_works

CONNECT_TIMEOUT = 120.0  # seconds: a first start pulls the engine's image

__all__ = [
    "EXECUTORS",
    "Command",
    "EngineUnavailable",
    "Executor",
    "ExecutorOptions",
    "Opened",
    "RunsTogether",
    "isolation_of",
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
    dagger_engine: str | None = None  # dagger: a remote engine (_EXPERIMENTAL_DAGGER_RUNNER_HOST)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    network: bool = False  # sandbox: let the code under test reach the network
    hide: tuple[Path, ...] = ()  # uid: folders made 0700 while it runs (the repository's .git)


def open_local(options: ExecutorOptions) -> Opened:
    return Opened(LocalExecutor())


def _sandbox(options: ExecutorOptions) -> Opened:
    """A bubblewrap sandbox; ``EngineUnavailable`` with the reason when none can start here."""
    bwrap = find_bwrap(options.environ)
    if bwrap is None:
        raise EngineUnavailable("bubblewrap is not installed (apt-get install bubblewrap)")
    problem = sandbox_works(bwrap)
    if problem is not None:
        raise EngineUnavailable(f"bubblewrap cannot create namespaces here: {problem}")
    return Opened(SandboxExecutor(bwrap, network=options.network))


def _uid(options: ExecutorOptions) -> Opened:
    problem = uid_drop_works(options.environ)
    if problem is not None:
        raise EngineUnavailable(f"no uid drop: {problem}")
    setpriv = shutil.which("setpriv", path=options.environ.get("PATH")) or "setpriv"
    executor = UidExecutor(setpriv, free_uid(), hide=options.hide)
    return Opened(executor, close=executor.close)


def _refusing(
    name: str, opener: Callable[[ExecutorOptions], Opened], *, why: str = "", fix: str = ""
) -> Callable[[ExecutorOptions], Opened]:
    """``opener`` asked for by name: where it cannot run, a ``ConfigError`` that says why and
    what to do (``why`` leads the reason, ``fix`` comes before the advice to use ``auto``)."""

    def open_named(options: ExecutorOptions) -> Opened:
        try:
            return opener(options)
        except EngineUnavailable as exc:
            raise ConfigError(
                f"executor {name}: {why}{exc}; {fix}use executor auto (the strongest "
                "isolation available)",
                reason="executor_unavailable",
            ) from exc

    return open_named


def _engine(options: ExecutorOptions) -> Opened:
    """A Dagger executor on a new engine session; ``EngineUnavailable`` when none starts.

    dagger-io is imported here, not above: it takes a second, and most runs use ``local``.
    """
    from ciopt.executors.dagger.connect import connect  # noqa: PLC0415
    from ciopt.executors.dagger.executor import DaggerExecutor  # noqa: PLC0415

    engine = connect(
        timeout=options.connect_timeout, environ=options.environ, engine=options.dagger_engine
    )
    executor = DaggerExecutor(
        engine.client, image=options.image, portal=engine.portal, engine=engine.description
    )
    return Opened(executor, close=engine.close)


def open_auto(options: ExecutorOptions) -> Opened:
    """The strongest isolation that works here; the note names the ones that did not."""
    missing = []
    for name, opener in (("dagger", _engine), ("sandbox", _sandbox), ("uid", _uid)):
        try:
            opened = opener(options)
        except EngineUnavailable as exc:
            missing.append(f"{name}: {exc}")
            continue
        if missing:
            opened.note = f"executor auto chose {name} ({'; '.join(missing)})"
        return opened
    note = (
        f"executor auto: no isolation is available ({'; '.join(missing)}); the code under "
        "test runs on this machine with the local executor"
    )
    return Opened(LocalExecutor(), note)


EXECUTORS: dict[str, Callable[[ExecutorOptions], Opened]] = {
    "auto": open_auto,
    "dagger": _refusing(
        "dagger", _engine, why="no Dagger engine: ", fix="install Docker and the dagger CLI, or "
    ),
    "sandbox": _refusing("sandbox", _sandbox),
    "uid": _refusing("uid", _uid),
    "local": open_local,
}


def open_executor(name: str, options: ExecutorOptions | None = None) -> Opened:
    """The executor ``name``, ready to run; close it (or use ``with``) when the run is over."""
    try:
        opener = EXECUTORS[name]
    except KeyError:
        known = ", ".join(sorted(EXECUTORS))
        raise ConfigError(f"unknown executor {name!r}; use one of: {known}") from None
    return opener(options or ExecutorOptions())
