"""The local executor: subprocesses on this machine, in the worktree, with the given environment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ciopt import proc
from ciopt.proc import Completed

__all__ = ["LocalExecutor"]


class LocalExecutor:
    name = "local"
    isolation = "none"

    def run(
        self, cwd: Path, argv: Sequence[str], *, env: Mapping[str, str], timeout: float
    ) -> Completed:
        return proc.run(argv, cwd=cwd, env=env, timeout=timeout)
