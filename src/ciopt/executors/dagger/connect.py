"""A Dagger engine session, opened within a time limit, without downloading anything.

The engine is started by the ``dagger`` CLI (which needs Docker or another container runtime).
Inside ``dagger run`` (``$DAGGER_SESSION_PORT``) the session exists already. Otherwise the CLI
must be installed: dagger-io would download one from the internet, which ciopt does not do in a
client's CI. The CLI is started with the variables that take it to its engine (``remote``: a
remote engine, Dagger Cloud's token); ``Engine.description`` says which engine it is.
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
from ciopt.executors.dagger.remote import LOCAL_ENGINE, describe, engine_variables

__all__ = ["Engine", "EngineUnavailable", "connect", "find_cli"]

CLOSE_TIMEOUT = 30.0
CLI_VARIABLE = "_EXPERIMENTAL_DAGGER_CLI_BIN"  # dagger-io's way to be told which CLI to run


@dataclass(frozen=True)
class Engine:
    client: dagger.Client
    portal: Portal  # the event loop ``client`` belongs to
    close: Callable[[], None]
    description: str = LOCAL_ENGINE  # which engine, for the trace


def find_cli(environ: Mapping[str, str]) -> str | None:
    return environ.get(CLI_VARIABLE) or shutil.which("dagger", path=environ.get("PATH"))


def connect(
    *, timeout: float, environ: Mapping[str, str] | None = None, engine: str | None = None
) -> Engine:
    """An open session, or ``EngineUnavailable`` within about ``timeout`` seconds.

    ``engine``: the runner host the CLI connects to (``_EXPERIMENTAL_DAGGER_RUNNER_HOST``),
    over the environment's; without either, the CLI starts an engine here."""
    environ = os.environ if environ is None else environ
    in_session = bool(environ.get("DAGGER_SESSION_PORT"))  # inside `dagger run`
    cli = None if in_session else find_cli(environ)
    if cli is None and not in_session:
        raise EngineUnavailable(
            "the dagger CLI is not installed (it starts the engine, with Docker; see "
            "docs.dagger.io/install)"
        )
    variables = engine_variables(environ, engine)
    description = describe(variables, in_session=in_session)
    if in_session and engine:
        description += " (dagger_engine is not used inside `dagger run`)"
    if cli is not None:
        variables[CLI_VARIABLE] = cli
    portal = Portal()
    config = dagger.Config(timeout=dagger.Timeout(None, connect=min(timeout, 10.0)))
    connection = dagger.Connection(config)
    try:
        client = portal.call(_open(connection, variables), timeout=timeout)
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

    return Engine(client, portal, close, description)


async def _open(connection: dagger.Connection, variables: Mapping[str, str]) -> dagger.Client:
    """The session, provisioned with ``variables`` in the environment: dagger-io reads the CLI's
    path from it, and starts the CLI with it (it passes no environment of its own)."""
    before = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)  # read once, when provisioning starts
    try:
        return await connection.__aenter__()
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
