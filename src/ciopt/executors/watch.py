"""What an isolating executor checks after a job: files it wrote where it should not have.

A job may write its worktree, the paths ciopt named for its results (``--benchmark-json=...``,
``$CIOPT_PROBE_OUT``, a barrier folder), and its private scratch space (``/tmp``, ``HOME``),
which is thrown away. It may not write anything else that outlives it, such as a new file
beside its results in the output folder (which is uploaded as the CI artifact). ``Writes``
lists the output folders before the job and tells what appeared or changed there that ciopt
did not name; ``violations`` says so in words, and removes it. Jobs of one executor may run at
the same time (instruction counts, in parallel): ``InFlight`` tells a job's check every path
named by a job that ran beside it, whose results are no violation either.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from ciopt.executors.base import Command
from ciopt.executors.paths import named_paths

__all__ = ["MAX_LISTED", "InFlight", "Writes", "describe_left"]

MAX_LISTED = 5  # files or processes named in one violation


class Writes:
    """The files under ``folders`` as they are now; ``unexpected`` compares with later."""

    def __init__(self, folders: Iterable[Path]) -> None:
        self.folders = list(folders)
        self.before = self._state()

    def _state(self) -> dict[Path, tuple[int, int]]:
        state: dict[Path, tuple[int, int]] = {}
        for folder in self.folders:
            for dirpath, _dirs, files in os.walk(folder):
                for name in files:
                    path = Path(dirpath) / name
                    try:
                        st = path.lstat()
                    except OSError:
                        continue
                    state[path] = (st.st_mtime_ns, st.st_size)
        return state

    def unexpected(self, allowed: Sequence[Path]) -> list[Path]:
        """Files new or changed since ``__init__`` that are not ``allowed`` (nor in an allowed
        folder)."""
        after = self._state()
        return sorted(
            path
            for path, seen in after.items()
            if self.before.get(path) != seen
            and not any(path == a or path.is_relative_to(a) for a in allowed)
        )

    def violations(self, allowed: Sequence[Path]) -> list[str]:
        """What was written that should not have been, in words; those files are removed."""
        found = self.unexpected(allowed)
        for path in found:
            path.unlink(missing_ok=True)
        if not found:
            return []
        shown = ", ".join(str(p) for p in found[:MAX_LISTED])
        more = f" and {len(found) - MAX_LISTED} more" if len(found) > MAX_LISTED else ""
        return [f"wrote outside its worktree: {shown}{more}"]


class InFlight:
    """The jobs of one executor running now, and the paths each named."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: dict[int, list[Path]] = {}
        self._log: list[list[Path]] = []

    @contextlib.contextmanager
    def running(self, jobs: Sequence[Command]) -> Iterator[Callable[[], list[Path]]]:
        """While ``jobs`` run; yields what they may write: the paths named by them and by every
        job that ran at some moment beside them."""
        named = [p for job in jobs for p in named_paths(job)]
        with self._lock:
            key = len(self._log)
            beside = [p for paths in self._active.values() for p in paths]
            self._active[key] = named
            self._log.append(named)

        def allowed() -> list[Path]:
            with self._lock:
                return beside + [p for paths in self._log[key:] for p in paths]

        try:
            yield allowed
        finally:
            with self._lock:
                del self._active[key]


def describe_left(left: Sequence[str], count: int | None = None) -> list[str]:
    """The processes a job left running (their command lines), as one violation."""
    if not left:
        return []
    total = max(count or 0, len(left))
    shown = "; ".join(c or "?" for c in left[:MAX_LISTED])
    more = f" and {total - MAX_LISTED} more" if total > MAX_LISTED else ""
    return [f"left {total} process(es) running: {shown}{more}"]
