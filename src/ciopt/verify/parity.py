"""Running the client's tests in a worktree and comparing outcomes by node id."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from ciopt.client import Client, import_errors
from ciopt.verdict import TestCounts

__all__ = ["TestRun", "judge_tests", "run_tests"]


class TestRun(BaseModel):
    """The outcome of one pytest session, test by test."""

    __test__ = False  # not a pytest test class

    exitstatus: int
    outcomes: dict[str, str]
    seconds: float
    output_tail: str = ""
    import_errors: dict[str, str] = {}  # module -> "path:line: Type: message" (the probe's)
    collected_from: list[str] = []  # pytest's arguments: the selectors, else its testpaths

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
        import_errors=import_errors(report),
        collected_from=report.args,
    )


def judge_tests(
    client: Client,
    root: Path,
    baseline: TestRun,
    selectors: Sequence[str],
    *,
    probe_out: Path,
    timeout: float,
) -> TestCounts:
    """The candidate's tests against the baseline's, by node id.

    Tests the baseline fails are reported, not held against the candidate. A test that passes on
    the baseline and not on the candidate runs once more, alone: passing then, it is flaky;
    failing again, it is broken.
    """
    first = run_tests(client, root, selectors, probe_out=probe_out, timeout=timeout)
    suspects = baseline.broken_by(first)
    rerunnable = [t for t in suspects if "::" in t]  # not "<session>" or a collection error
    broken = [t for t in suspects if t not in rerunnable]
    if rerunnable:
        again = run_tests(client, root, rerunnable, probe_out=probe_out, timeout=timeout)
        broken += [t for t in rerunnable if again.outcomes.get(t) != "passed"]
    return TestCounts(
        **first.summary(),
        broken=sorted(broken),
        flaky=sorted(set(suspects) - set(broken)),
        baseline_failed=baseline.failed,
    )
