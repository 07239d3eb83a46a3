"""Is a change correct? The guard, test parity and differential replay, for ``run`` and ``compare``.

The baseline is prepared once (its tests run, and its calls are recorded while its tests and
benchmarks run); each change is then judged against it, cheapest check first:

    guard (only allowed files changed) -> tests (same node ids pass) -> differential replay

A failed check is a :class:`Rejection` with its verdict ``reason``; evidence below the floor
makes the correctness ``low`` confidence, which the caller decides how to treat.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ciopt.client import Client, cannot_import, locate
from ciopt.config import Settings
from ciopt.errors import BaselineError
from ciopt.git import Git
from ciopt.trace import Tracer
from ciopt.verdict import Correctness, Guard
from ciopt.verify.astdiff import recordable
from ciopt.verify.cache import default_cache_dir
from ciopt.verify.differential import Function, Options, Replayer, changed_between, functions_in
from ciopt.verify.equality import Tolerance
from ciopt.verify.guard import violations
from ciopt.verify.parity import TestRun, judge_tests, run_tests

__all__ = ["Rejection", "Scope", "Verifier", "recording_selectors", "replay_options"]


@dataclass(frozen=True)
class Scope:
    """What a change may touch, and what it is checked against."""

    tests: tuple[str, ...]  # test selectors: the parity set
    bench: tuple[str, ...]  # benchmark selectors: protected, and run while recording
    allowed: tuple[str, ...]  # path globs a change may touch
    targets: tuple[str, ...] = ()  # path::qualname always replayed (the request's targets)


@dataclass(frozen=True)
class Rejection:
    reason: str  # forbidden_path, tests_failed, behavior_changed, no_change
    message: str


def recording_selectors(scope: Scope, tests: TestRun) -> tuple[str, ...]:
    """What the recording runs: the tests the baseline ran and the benchmarks, so that the calls
    the benchmarks make are recorded wherever they live (pytest's testpaths often leave them out).
    Empty: pytest's own default, which already collects the benchmarks."""
    ran = scope.tests or tuple(tests.collected_from)
    extra = tuple(b for b in scope.bench if not any(_under(b, r) for r in ran))
    if not scope.tests and not extra:
        return ()
    return (*ran, *extra)


def _under(selector: str, collected: str) -> bool:
    """Whether pytest collecting ``collected`` runs ``selector`` (paths, or node ids)."""
    if "::" in collected:
        return selector == collected or selector.startswith(collected + "::")
    path = PurePosixPath(selector.partition("::")[0])
    root = PurePosixPath(collected)
    return str(root) == "." or path == root or root in path.parents


def replay_options(settings: Settings, *, rel_tol: float | None = None) -> Options:
    return Options(
        tolerance=Tolerance(
            rel=settings.rel_tol if rel_tol is None else rel_tol, abs=settings.abs_tol
        ),
        call_timeout=settings.replay_timeout,
        replay_budget=settings.replay_budget,
        examples=settings.generated_examples,
        generate_seconds=settings.generated_seconds,
        min_calls=settings.min_recorded_calls,
        min_shapes=settings.min_input_shapes,
        max_calls=settings.record_max_calls,
        timeout=settings.test_timeout,
        seed=settings.seed,
        cache_dir=(settings.cache_dir or default_cache_dir(os.environ)).expanduser()
        if settings.record_cache
        else None,
    )


class Verifier:
    def __init__(
        self,
        client: Client,
        base: Path,
        scope: Scope,
        options: Options,
        *,
        tracer: Tracer,
        work: Path,
        test_timeout: float,
    ) -> None:
        self.client = client
        self.base = base
        self.scope = scope
        self.tracer = tracer
        self.work = work
        self.test_timeout = test_timeout
        self.replayer = Replayer(client, base, work / "calls", options)
        self.base_tests = TestRun(exitstatus=0, outcomes={}, seconds=0.0)
        self.notes: list[str] = []

    def baseline(self, record: Sequence[str]) -> TestRun:
        """Run the baseline's tests; then record calls to the functions in the files ``record``."""
        with self.tracer.span("baseline.tests", python=self.client.python) as sp:
            tests = run_tests(
                self.client,
                self.base,
                self.scope.tests,
                probe_out=self.work / "base.tests.probe.json",
                timeout=self.test_timeout,
            )
            sp.set(**tests.summary(), exitstatus=tests.exitstatus, failed_ids=tests.failed[:20])
            if tests.import_errors:
                sp.set(import_errors=tests.import_errors)
        if tests.import_errors and not tests.ok:  # the cause of the failures, said as it is
            raise cannot_import(tests.import_errors)
        if not tests.passed:
            shown = ", ".join(tests.failed[:3]) or " ".join(tests.output_tail.splitlines()[-1:])
            raise BaselineError(
                f"no test passes on the baseline ({shown or 'none ran'}); point tests= at the "
                "tests of the target, or fix them",
                reason="baseline_tests_failed" if tests.failed else "baseline_no_tests",
            )
        if tests.failed:
            self.notes.append(
                f"{len(tests.failed)} test(s) fail on the baseline too and are not held against "
                f"the change: {', '.join(tests.failed[:5])}"
            )
        self.base_tests = tests
        with self.tracer.span("baseline.record") as sp:
            fns = functions_in(self.base, record)
            selectors = recording_selectors(self.scope, tests)
            recorded = self.replayer.record(selectors, fns, self.scope.bench)
            sp.set(selectors=list(selectors), cached=self.replayer.cached)
            sp.set(
                functions={k: len(r.calls) for k, r in recorded.items()},
                counts={k: r.counts for k, r in recorded.items() if r.counts},
                errors={k: r.error for k, r in recorded.items() if r.error},
            )
        return tests

    def verify(
        self, git: Git, base_sha: str, head_sha: str, root: Path, **span: object
    ) -> tuple[Correctness, Rejection | None]:
        """Judge ``head_sha`` (checked out at ``root``) against the baseline."""
        with self.tracer.span("verify.guard", **span) as sp:
            files = git.changed_files(base_sha, head_sha)
            bad = violations(files, self.scope.allowed, (*self.scope.tests, *self.scope.bench))
            sp.set(changed_files=files, violations=bad, allowed=list(self.scope.allowed))
        correctness = Correctness(guard=Guard(changed_files=files, violations=bad))
        if not files:
            return correctness, Rejection("no_change", "the change leaves the code as it was")
        if bad:
            return correctness, Rejection(
                "forbidden_path",
                f"changes {', '.join(bad)}; only {', '.join(self.scope.allowed)} may change, "
                "and never tests, benchmarks, packaging, CI or ciopt's configuration",
            )

        with self.tracer.span("verify.tests", **span) as sp:
            label = "-".join(str(v) for v in span.values()) or "head"
            counts = judge_tests(
                self.client,
                root,
                self.base_tests,
                self.scope.tests,
                probe_out=self.work / f"{label}.tests.probe.json",
                timeout=self.test_timeout,
            )
            sp.set(
                **counts.model_dump(include={"passed", "failed", "skipped"}),
                broken=counts.broken[:20],
                flaky=counts.flaky[:20],
            )
        correctness.tests = counts
        if counts.broken:
            shown = ", ".join(counts.broken[:3])
            more = f" and {len(counts.broken) - 3} more" if len(counts.broken) > 3 else ""
            flaky = f"; {len(counts.flaky)} more failed once, then passed" if counts.flaky else ""
            return correctness, Rejection(
                "tests_failed",
                f"{len(counts.broken)} test(s) broke, failing twice: {shown}{more}{flaky}",
            )

        with self.tracer.span("verify.replay", **span) as sp:
            fns, also = self.functions(root, files)
            found = self.replayer.check(root, fns, label, also)
            sp.set(
                **found.model_dump(exclude={"targets"}),
                functions=[fn.spec for fn in fns],
                affected=[fn.spec for fn in also],
            )
        correctness.differential = found
        if found.mismatches:
            first = found.examples[0]
            return correctness, Rejection(
                "behavior_changed",
                f"{found.mismatches} call(s) behave differently from the baseline; e.g. "
                f"{first.target.split('::')[-1]}{first.input}: {first.difference}",
            )
        low = self.replayer.low_evidence(found)
        correctness.confidence = "low" if low else "high"
        correctness.low_confidence = low
        return correctness, None

    def functions(self, root: Path, files: Sequence[str]) -> tuple[list[Function], list[Function]]:
        """The request's targets and every function the change altered; and the functions of
        files whose shared state changed (replayed, not held to the evidence floor)."""
        chosen: dict[str, Function] = {}
        for spec in self.scope.targets:
            path, _, qualname = spec.partition("::")
            module, _ = locate(self.base, path)
            fn = Function(path, recordable(qualname, (self.base / path).read_text()), module)
            chosen[fn.key] = fn
        changed, affected = changed_between(self.base, root, files)
        for fn in changed:
            chosen.setdefault(fn.key, fn)
        return list(chosen.values()), [fn for fn in affected if fn.key not in chosen]
