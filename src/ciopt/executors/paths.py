"""The paths a job names: where it writes (its outputs), and where its interpreter lives.

An executor that does not share this machine's whole file system with the job (a container, a
sandbox) mounts exactly these, at the same absolute paths, so every path ciopt puts into an
argument or a variable means the same file inside.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from ciopt.executors.base import Command
from ciopt.executors.env import HELPER

__all__ = [
    "SYSTEM_DIRS",
    "input_files",
    "interpreter_dirs",
    "is_interpreter",
    "named_paths",
    "output_dirs",
    "system_path",
]

INTERPRETER = re.compile(r"python(\d+(\.\d+)*)?")
# The machine's own programs and libraries: read-only, never a job's input or output.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/nix")


def named_paths(job: Command) -> list[Path]:
    """The absolute paths in ``job``'s arguments (whole, or after ``=``) and in ciopt's helper
    variables (``CIOPT_PROBE_OUT``, ``CIOPT_BARRIER``, ...)."""
    values = [a.rpartition("=")[2] for a in job.argv]
    values += [v for name, v in job.env.items() if HELPER.fullmatch(name)]
    return [Path(v) for v in values if os.path.isabs(v)]


def output_dirs(
    jobs: Iterable[Command], mounted: Sequence[Path], *, inputs: bool = True
) -> list[Path]:
    """The folders of the absolute paths ``jobs`` name outside ``mounted``, outermost only.

    Interpreters and the system's own files (``/usr/bin/valgrind``) are never one, nor is a
    folder right under ``/`` (``/tmp``): it would hide the system's own. ``inputs=False`` leaves
    out the folders of files that exist already (what the job reads: ``input_files``).
    """
    found: set[Path] = set()
    for job in jobs:
        for path in named_paths(job):
            if _skipped(path, mounted) or (not inputs and _existing_file(path)):
                continue
            folder = path if path.is_dir() else path.parent
            if len(folder.parts) > 2:
                found.add(folder)
    return sorted(f for f in found if not any(f != o and f.is_relative_to(o) for o in found))


def input_files(jobs: Iterable[Command], mounted: Sequence[Path]) -> list[Path]:
    """The files ``jobs`` name outside ``mounted`` that exist already: what they read."""
    return sorted(
        {
            path
            for job in jobs
            for path in named_paths(job)
            if not _skipped(path, mounted) and _existing_file(path)
        }
    )


def system_path(path: Path) -> bool:
    return any(path.is_relative_to(d) for d in SYSTEM_DIRS)


def _skipped(path: Path, mounted: Sequence[Path]) -> bool:
    return any(path.is_relative_to(m) for m in mounted) or _interpreter(path) or system_path(path)


def _existing_file(path: Path) -> bool:
    return path.exists() and not path.is_dir()


def interpreter_dirs(argv: Sequence[str]) -> list[Path]:
    """The folders an interpreter named in ``argv`` needs to start: its virtualenv (the folder
    with ``pyvenv.cfg``), the installation that venv was made from, and the installation its
    resolved path lies in. Read without running it: the interpreter is the client's."""
    dirs: list[Path] = []
    for arg in argv:
        path = Path(arg)
        if not (path.is_absolute() and _interpreter(path) and path.exists()):
            continue
        for venv in (path.parent.parent, path.parent):
            cfg = venv / "pyvenv.cfg"
            if cfg.is_file():
                dirs.append(venv)
                home = _home(cfg.read_text(errors="replace"))
                if home is not None:
                    dirs.append(Path(home).resolve().parent)
                break
        dirs.append(path.resolve().parent.parent)
    return sorted(set(dirs))


def is_interpreter(arg: str) -> bool:
    """Whether ``arg`` is an absolute path to a Python interpreter (``.../python3.12``)."""
    return os.path.isabs(arg) and _interpreter(Path(arg))


def _interpreter(path: Path) -> bool:
    return bool(INTERPRETER.fullmatch(path.name))


def _home(cfg: str) -> str | None:
    """``home`` of a ``pyvenv.cfg``: the folder of the interpreter the venv was made from."""
    values: Mapping[str, str] = dict(
        (k.strip(), v.strip()) for k, _, v in (line.partition("=") for line in cfg.splitlines())
    )
    home = values.get("home")
    return home if home and os.path.isabs(home) else None
