"""How a job on this machine maps into a container that sees the same paths.

Host folders are mounted at the same absolute paths, so every path ciopt puts into an argument
or a variable means the same file inside. What is mounted: the job's worktree, ciopt's
``inject/`` folder, and the folders of the other absolute paths the job names (its outputs:
``--benchmark-json=...``'s folder, ``$CIOPT_PROBE_OUT``'s, ...), which are exported back after.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ciopt.errors import CioptError
from ciopt.executors.env import unsafe_names
from ciopt.executors.paths import is_interpreter, output_dirs

__all__ = ["HOST_ONLY", "container_argv", "container_env", "output_dirs"]

# Names that describe this machine, not the container: the image's own values stay.
HOST_ONLY = frozenset(
    {"PATH", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "TEMP", "TMP", "VIRTUAL_ENV"}
)


def container_argv(argv: Sequence[str], python: str) -> list[str]:
    """``argv`` with the client's interpreter (an absolute ``.../pythonX.Y``) as ``python``."""
    return [python if is_interpreter(a) else a for a in argv]


def container_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` for the container, sorted; raises if a name ``scrubbed_env`` never passes is in it.

    The guard is the last line: the caller's environment reaches a container (and the engine's
    logs and cache) only through here.
    """
    unsafe = unsafe_names(env)
    if unsafe:
        raise CioptError(
            f"refusing to pass {', '.join(unsafe)} into a container: code under test never gets "
            "secrets or CI variables (a bug in ciopt: please report it)",
            reason="unsafe_env",
        )
    return {name: env[name] for name in sorted(env) if name not in HOST_ONLY}
