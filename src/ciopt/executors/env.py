"""What code under test may see of ciopt's environment: an allowlist, and names never passed.

``scrubbed_env`` builds the environment of every command of the client's; ``unsafe_names`` is
what an executor that ships the environment elsewhere (a container) refuses to carry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ciopt.trace import SECRET_NAME

__all__ = ["HELPER", "scrubbed_env", "unsafe_names"]

# What code under test may see of ciopt's environment; everything else is dropped.
SAFE_NAMES = re.compile(
    r"PATH|HOME|USER|LOGNAME|SHELL|LANG|LANGUAGE|LC_\w+|TZ|TERM|TMPDIR|TEMP|TMP|"
    r"PYTHONUTF8|PYTHONIOENCODING|PYTHONDONTWRITEBYTECODE|VIRTUAL_ENV|CI|SOURCE_DATE_EPOCH"
)
# Never passed, even when a user lists them in ``pass_env``: the CI system's, ciopt's, and the
# Dagger CLI's (its session, its engine's address, its Dagger Cloud token).
NEVER = re.compile(
    r"GITHUB_\w+|CI_JOB_\w+|ACTIONS_\w+|CIOPT_\w+|GITLAB_\w+|RUNNER_\w+"
    r"|DAGGER_\w+|_EXPERIMENTAL_DAGGER_\w+"
)
# ciopt's own instructions to its injected helpers (``ciopt/inject``), set as ``extra``.
HELPER = re.compile(r"CIOPT_(?:PROBE|RECORD|INSTR|BARRIER|PIN|GC)_?\w*")


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
