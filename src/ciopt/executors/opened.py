"""An executor as ``open_executor`` returns it: runs like the one inside, says how it was chosen,
and closes what it opened (a Dagger engine session)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ciopt.executors.base import Command, Executor, isolation_of, run_together
from ciopt.proc import Completed

__all__ = ["Opened"]


def _nothing() -> None:
    return None


class Opened:
    """``executor``, with ``note`` (why it is the one chosen, for the run's notes; ``None`` when
    it is the one asked for) and ``close`` (once, also on leaving a ``with`` block)."""

    def __init__(
        self, executor: Executor, note: str | None = None, close: Callable[[], None] = _nothing
    ) -> None:
        self.executor = executor
        self.note = note
        self._close: Callable[[], None] | None = close

    @property
    def name(self) -> str:
        return self.executor.name

    @property
    def isolation(self) -> str:
        """How the code under test is kept from ciopt's secrets, in words; "none" for local."""
        return isolation_of(self.executor)

    @property
    def engine(self) -> str | None:
        """Which engine runs the containers, in words (dagger: local, a remote host with its
        credentials redacted, `dagger run`'s); ``None`` for an executor without one."""
        engine = getattr(self.executor, "engine", None)
        return None if engine is None else str(engine)

    @property
    def isolated(self) -> bool:
        return self.isolation != "none"

    def run(
        self, cwd: Path, argv: Sequence[str], *, env: Mapping[str, str], timeout: float
    ) -> Completed:
        return self.executor.run(cwd, argv, env=env, timeout=timeout)

    def run_together(self, jobs: Sequence[Command], *, timeout: float) -> list[Completed]:
        return run_together(self.executor, jobs, timeout=timeout)

    def close(self) -> None:
        close, self._close = self._close, None
        if close is not None:
            close()

    def __enter__(self) -> Opened:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
