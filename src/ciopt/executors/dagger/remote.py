"""Which Dagger engine a session uses, and the variables that take the dagger CLI to it.

The CLI that ciopt starts runs the engine on this machine's Docker, unless
``_EXPERIMENTAL_DAGGER_RUNNER_HOST`` names another one (``tcp://host:1234``,
``docker-container://name``, ``kube-pod://name?...``): the ``dagger_engine`` setting, else the
environment's. ``DAGGER_CLOUD_TOKEN`` connects the engine to Dagger Cloud. The CLI gets these;
code under test never does (``executors.env`` never passes ``DAGGER_*`` names, and the token
looks like a secret to the redactor). An engine's address is shown with its credentials
redacted.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ciopt.trace import SECRET_NAME

__all__ = [
    "CLOUD_TOKEN",
    "LOCAL_ENGINE",
    "RUNNER_HOST",
    "describe",
    "engine_variables",
    "redact_url",
]

RUNNER_HOST = "_EXPERIMENTAL_DAGGER_RUNNER_HOST"
CLOUD_TOKEN = "DAGGER_CLOUD_TOKEN"  # noqa: S105 - the name of a variable
HIDDEN = "***"
LOCAL_ENGINE = "local engine (started by the CLI)"


def engine_variables(environ: Mapping[str, str], engine: str | None = None) -> dict[str, str]:
    """What the dagger CLI is started with to reach its engine: ``engine`` (the setting) over
    the environment's runner host, and Dagger Cloud's token when there is one."""
    found = {name: environ[name] for name in (RUNNER_HOST, CLOUD_TOKEN) if environ.get(name)}
    if engine:
        found[RUNNER_HOST] = engine
    return found


def describe(variables: Mapping[str, str], *, in_session: bool) -> str:
    """The engine in words, for the trace: where it runs, credentials redacted."""
    if in_session:
        return "the engine of the `dagger run` session ciopt runs in"
    host = variables.get(RUNNER_HOST)
    where = f"remote engine {redact_url(host)}" if host else LOCAL_ENGINE
    return where + (", Dagger Cloud" if variables.get(CLOUD_TOKEN) else "")


def redact_url(url: str) -> str:
    """``url`` without the user and password it may hold, and with the values of its
    secret-looking query parameters hidden."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{HIDDEN}@{netloc.rpartition('@')[2]}"
    query = urlencode(
        [
            (name, HIDDEN if SECRET_NAME.search(name) else value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="*",
    )
    if (netloc, query) == (parts.netloc, parts.query):
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
