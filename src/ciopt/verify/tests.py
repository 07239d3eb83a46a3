"""Running the client's tests in a worktree and comparing outcomes by node id."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from ciopt.client import Client

__all__ = ["TestRun", "run_tests"]


class TestRun(BaseModel):
    """The outcome of one pytest session, test by test."""

    __test__ = False  # not a pytest test class

    exitstatus: int
    outcomes: dict[str, str]
    seconds: float
    output_tail: str = ""

    @property
    def passed(self) -> list[str]:
        return sorted(k for k, v in self.outcomes.items() if v == "passed")

    @property
    def failed(self) -> list[str]:
        return sorted(k for k, v in self.outcomes.items() if v in ("failed", "error"))

    @property
    def ok(self) -> bool:
        return self.exitstatus == 0 and not self.failed

    def summary(self) -> dict[str, int]:
        counts = {"passed": 0, "failed": 0, "skipped": 0}
        for outcome in self.outcomes.values():
            key = "failed" if outcome == "error" else outcome
            counts[key] = counts.get(key, 0) + 1
        return counts

    def broken_by(self, head: TestRun) -> list[str]:
        """Tests that pass here (the baseline) and do not pass on ``head``."""
        return sorted(t for t in self.passed if head.outcomes.get(t) != "passed")


def run_tests(
    client: Client, root: Path, selectors: Sequence[str], *, probe_out: Path, timeout: float
) -> TestRun:
    """Run the selected tests once; benchmarks run as plain tests (``--benchmark-disable``)."""
    done, report = client.pytest(
        root, [*selectors, "--benchmark-disable"], probe_out=probe_out, timeout=timeout
    )
    outcomes = dict(report.tests)
    if done.timed_out:
        outcomes["<session>"] = "error"
    return TestRun(
        exitstatus=done.returncode,
        outcomes=outcomes,
        seconds=done.seconds,
        output_tail=done.tail(20),
    )
