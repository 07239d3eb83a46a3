"""One candidate, from proposed edits to a fate: apply, guard, test, measure."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ciopt.agent import EditError, Proposal, apply_edits
from ciopt.budget import Ledger
from ciopt.client import Client
from ciopt.errors import RequestError
from ciopt.git import Git
from ciopt.measure import BenchOptions, Comparison, compare_sides
from ciopt.output import OutputDir
from ciopt.trace import Tracer
from ciopt.verdict import BenchmarkVerdict, CandidateRecord, Correctness, Guard, TestCounts
from ciopt.verify import TestRun, run_tests, violations
from ciopt.workspace import Worktrees

__all__ = ["Baseline", "Bench", "evaluate"]


@dataclass(frozen=True)
class Baseline:
    sha: str
    root: Path
    tests: TestRun
    test_selectors: tuple[str, ...]


@dataclass(frozen=True)
class Bench:
    """How candidates are measured against the baseline."""

    options: BenchOptions
    rounds: int
    confidence: float
    min_effect: float
    seed: int


def evaluate(
    number: int,
    proposal: Proposal,
    *,
    base: Baseline,
    allowed: list[str],
    git: Git,
    trees: Worktrees,
    client: Client,
    bench: Bench,
    ledger: Ledger,
    tracer: Tracer,
    out: OutputDir,
) -> CandidateRecord:
    """The fate of one decoded proposal. Rejections are results, not exceptions."""
    record = CandidateRecord(
        id=number, outcome="rejected", reason="", message="", rationale=proposal.rationale
    )
    with tracer.span("candidate.apply", candidate=number) as sp:
        current = {
            e.path: (base.root / e.path).read_text()
            for e in proposal.edits
            if _inside(base.root, e.path)
        }
        try:
            changed = apply_edits(current, proposal.edits)
        except EditError as exc:
            sp.set(applied=False, error=str(exc))
            return _rejected(record, "not_applied", str(exc))
        root = trees.add(f"cand-{number}", base.sha)
        try:
            trees.write(root, changed)
        except RequestError as exc:
            return _rejected(record, "not_applied", str(exc))
        head = trees.commit(root, f"perf: ciopt candidate {number}\n\n{proposal.rationale}")
        files = git.changed_files(base.sha, head)
        bad = violations(files, allowed)
        guard = Guard(changed_files=files, violations=bad)
        record = record.model_copy(
            update={
                "head": head,
                "diff": git.diff(base.sha, head),
                "correctness": Correctness(guard=guard),
            }
        )
        sp.set(applied=True, head=head, changed_files=files, violations=bad)
    if not files:
        return _rejected(record, "no_change", "the edits leave the code as it was")
    if bad:
        return _rejected(
            record,
            "forbidden_path",
            f"changes {', '.join(bad)}; only {', '.join(allowed)} may change",
        )

    with tracer.span("candidate.tests", candidate=number) as sp:
        tests = run_tests(
            client,
            root,
            base.test_selectors,
            probe_out=out.work / f"cand-{number}.tests.probe.json",
            timeout=bench.options.timeout,
        )
        broken = base.tests.broken_by(tests)
        counts = TestCounts(**tests.summary(), broken=broken)
        sp.set(**counts.model_dump(exclude={"broken"}), broken=broken[:20])
    record.correctness.tests = counts
    if broken:
        shown = ", ".join(broken[:3]) + (f" and {len(broken) - 3} more" if len(broken) > 3 else "")
        return _rejected(record, "tests_failed", f"{len(broken)} test(s) broke: {shown}")

    with tracer.span("candidate.measure", candidate=number) as sp:
        comparison = compare_sides(
            client,
            base.root,
            root,
            bench.options,
            rounds=bench.rounds,
            confidence=bench.confidence,
            min_effect=bench.min_effect,
            seed=bench.seed + number,
            ledger=ledger,
            bench_dir=out.bench / f"cand-{number}",
            on_round=lambda i, medians: tracer.event("measure.round", round=i, medians=medians),
        )
        sp.set(
            verdict=comparison.verdict,
            ratio=comparison.overall.ratio,
            ci=[comparison.overall.ci_low, comparison.overall.ci_high],
        )
    return measured(record, comparison)


def measured(record: CandidateRecord, comparison: Comparison) -> CandidateRecord:
    est = comparison.overall
    word = comparison.verdict
    messages = {
        "faster": "faster beyond doubt at this confidence",
        "slower": "slower than the baseline",
        "no_change": "no change larger than the minimum effect",
        "inconclusive": "the measurement could not decide",
    }
    return record.model_copy(
        update={
            "outcome": word,
            "reason": "verified_faster" if word == "faster" else "not_faster",
            "message": f"ratio {est.ratio:.3g} ({est.ci_low:.3g}–{est.ci_high:.3g}): "
            + messages[word]
            + (
                f"; rounds cut short by the {comparison.stopped_by} budget"
                if comparison.stopped_by
                else ""
            ),
            "ratio": est.ratio,
            "ci": (est.ci_low, est.ci_high),
            "mde": est.mde,
            "benchmarks": [
                BenchmarkVerdict(
                    name=b.name,
                    ratio=b.estimate.ratio,
                    ci=(b.estimate.ci_low, b.estimate.ci_high),
                    rounds=b.estimate.rounds,
                    base_median_s=b.base_median_s,
                    head_median_s=b.head_median_s,
                    verdict=b.verdict,
                )
                for b in comparison.benchmarks
            ],
        }
    )


def _rejected(record: CandidateRecord, reason: str, message: str) -> CandidateRecord:
    return record.model_copy(update={"outcome": "rejected", "reason": reason, "message": message})


def _inside(root: Path, rel: str) -> bool:
    path = (root / rel).resolve()
    return path.is_relative_to(root.resolve()) and path.is_file()
