"""A Dagger engine session, opened within a time limit, without downloading anything.

The engine is started by the ``dagger`` CLI (which needs Docker or another container runtime).
Inside ``dagger run`` (``$DAGGER_SESSION_PORT``) the session exists already. Otherwise the CLI
must be installed: dagger-io would download one from the internet, which ciopt does not do in a
client's CI.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import dagger

from ciopt.executors.base import EngineUnavailable, one_line
from ciopt.executors.dagger.portal import Portal

__all__ = ["Engine", "EngineUnavailable", "connect", "find_cli"]

CLOSE_TIMEOUT = 30.0
CLI_VARIABLE = "_EXPERIMENTAL_DAGGER_CLI_BIN"  # dagger-io's way to be told which CLI to run


@dataclass(frozen=True)
class Engine:
    client: dagger.Client
    portal: Portal  # the event loop ``client`` belongs to
    close: Callable[[], None]


def find_cli(environ: Mapping[str, str]) -> str | None:
    return environ.get(CLI_VARIABLE) or shutil.which("dagger", path=environ.get("PATH"))


def connect(*, timeout: float, environ: Mapping[str, str] | None = None) -> Engine:
    """An open session, or ``EngineUnavailable`` within about ``timeout`` seconds."""
    environ = os.environ if environ is None else environ
    in_session = bool(environ.get("DAGGER_SESSION_PORT"))  # inside `dagger run`
    cli = None if in_session else find_cli(environ)
    if cli is None and not in_session:
        raise EngineUnavailable(
            "the dagger CLI is not installed (it starts the engine, with Docker; see "
            "docs.dagger.io/install)"
        )
    portal = Portal()
    config = dagger.Config(timeout=dagger.Timeout(None, connect=min(timeout, 10.0)))
    connection = dagger.Connection(config)
    try:
        client = portal.call(_open(connection, cli), timeout=timeout)
    except TimeoutError:
        portal.stop()
        raise EngineUnavailable(f"the Dagger engine did not start within {timeout:g} s") from None
    except (dagger.DaggerError, OSError) as exc:
        portal.stop()
        raise EngineUnavailable(one_line(exc)) from exc

    def close() -> None:
        with contextlib.suppress(Exception):  # closing: the run's result is already decided
            portal.call(connection.close(), timeout=CLOSE_TIMEOUT)  # type: ignore[no-untyped-call]
        portal.stop()

    return Engine(client, portal, close)


async def _open(connection: dagger.Connection, cli: str | None) -> dagger.Client:
    before = os.environ.get(CLI_VARIABLE)
    if cli is not None:
        os.environ[CLI_VARIABLE] = cli  # read once, when provisioning starts
    try:
        return await connection.__aenter__()
    finally:
        if before is None:
            os.environ.pop(CLI_VARIABLE, None)
        else:
            os.environ[CLI_VARIABLE] = before
