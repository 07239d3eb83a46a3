"""How a job on this machine maps into a container that sees the same paths.

Host folders are mounted at the same absolute paths, so every path ciopt puts into an argument
or a variable means the same file inside. What is mounted: the job's worktree, ciopt's
``inject/`` folder, and the folders of the other absolute paths the job names (its outputs:
``--benchmark-json=...``'s folder, ``$CIOPT_PROBE_OUT``'s, ...), which are exported back after.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from ciopt.errors import CioptError
from ciopt.executors.base import Command
from ciopt.executors.env import HELPER, unsafe_names

__all__ = ["HOST_ONLY", "container_argv", "container_env", "output_dirs"]

# Names that describe this machine, not the container: the image's own values stay.
HOST_ONLY = frozenset(
    {"PATH", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "TEMP", "TMP", "VIRTUAL_ENV"}
)
INTERPRETER = re.compile(r"python(\d+(\.\d+)*)?")


def container_argv(argv: Sequence[str], python: str) -> list[str]:
    """``argv`` with the client's interpreter (an absolute ``.../pythonX.Y``) as ``python``."""
    return [
        python if os.path.isabs(a) and INTERPRETER.fullmatch(os.path.basename(a)) else a
        for a in argv
    ]


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


def output_dirs(jobs: Iterable[Command], mounted: Sequence[Path]) -> list[Path]:
    """The folders of the absolute paths ``jobs`` name outside ``mounted``, outermost only.

    Paths come from the arguments (whole, or after ``=``) and ciopt's helper variables; ``jobs``
    are already mapped (``container_argv``). A folder right under ``/`` (``/tmp``, ``/usr``) is
    never one: it would hide the image's own.
    """
    found: set[Path] = set()
    for path in [p for job in jobs for p in (*_in_argv(job.argv), *_in_env(job.env))]:
        if any(path.is_relative_to(m) for m in mounted):
            continue
        folder = path if path.is_dir() else path.parent
        if len(folder.parts) > 2:
            found.add(folder)
    return sorted(f for f in found if not any(f != o and f.is_relative_to(o) for o in found))


def _in_argv(argv: Sequence[str]) -> list[Path]:
    values = [a.rpartition("=")[2] for a in argv]
    return [Path(v) for v in values if os.path.isabs(v)]


def _in_env(env: Mapping[str, str]) -> list[Path]:
    values = [v for name, v in env.items() if HELPER.fullmatch(name)]
    return [Path(v) for v in values if os.path.isabs(v)]
