"""The executor interface: where the client's code runs, and with which environment."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from ciopt.proc import Completed
from ciopt.trace.redact import SECRET_NAME

__all__ = ["Executor", "scrubbed_env"]

# What code under test may see of ciopt's environment; everything else is dropped.
SAFE_NAMES = re.compile(
    r"PATH|HOME|USER|LOGNAME|SHELL|LANG|LANGUAGE|LC_\w+|TZ|TERM|TMPDIR|TEMP|TMP|"
    r"PYTHONUTF8|PYTHONIOENCODING|PYTHONDONTWRITEBYTECODE|VIRTUAL_ENV|CI|SOURCE_DATE_EPOCH"
)
# Never passed, even when a user lists them in ``pass_env``.
NEVER = re.compile(r"GITHUB_\w+|CI_JOB_\w+|ACTIONS_\w+|CIOPT_\w+|GITLAB_\w+|RUNNER_\w+")


class Executor(Protocol):
    """Runs a command of the client's in a workspace. Implementations must not add variables."""

    name: str

    def run(
        self, cwd: Path, argv: Sequence[str], *, env: Mapping[str, str], timeout: float
    ) -> Completed: ...


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
