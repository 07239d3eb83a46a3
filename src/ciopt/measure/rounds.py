"""Interleaved A/B rounds: each round runs base and head in fresh processes, in random order."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ciopt.budget import Ledger
from ciopt.client import Client
from ciopt.errors import BudgetExhausted
from ciopt.measure import stats
from ciopt.measure.bench import BenchOptions, BenchRun, run_benchmarks

__all__ = ["Comparison", "Samples", "compare_sides"]


@dataclass
class Samples:
    """Per-round medians for each benchmark and side, paired by round."""

    base: dict[str, list[float]] = field(default_factory=dict)
    head: dict[str, list[float]] = field(default_factory=dict)

    def add(self, side: str, run: BenchRun) -> None:
        target = self.base if side == "base" else self.head
        for name, value in run.medians.items():
            target.setdefault(name, []).append(value)

    def paired(self) -> dict[str, tuple[list[float], list[float]]]:
        return {
            name: (self.base[name][: len(head)], head)
            for name, head in self.head.items()
            if name in self.base
        }


@dataclass(frozen=True)
class BenchmarkResult:
    name: str
    estimate: stats.Estimate
    verdict: str
    base_median_s: float
    head_median_s: float


@dataclass(frozen=True)
class Comparison:
    """The outcome of A/B rounds: per benchmark and overall (geometric mean over benchmarks)."""

    benchmarks: list[BenchmarkResult]
    overall: stats.Estimate
    verdict: str
    min_effect: float
    stopped_by: str | None = None  # a budget limit that cut the rounds short


def compare_sides(
    client: Client,
    base_root: Path,
    head_root: Path,
    options: BenchOptions,
    *,
    rounds: int,
    confidence: float,
    min_effect: float,
    seed: int,
    ledger: Ledger,
    bench_dir: Path,
    on_round: Callable[[int, dict[str, float]], None] | None = None,
) -> Comparison:
    """Run ``rounds`` interleaved rounds and estimate the head/base ratio over them.

    Both sides of a round share one ``PYTHONHASHSEED``; the seed changes across rounds, so hash
    layout luck averages out instead of favouring one side.
    """
    rng = random.Random(seed)  # noqa: S311 - experiment design, not cryptography
    samples = Samples()
    stopped_by = None
    sides = {"base": base_root, "head": head_root}
    for index in range(rounds):
        try:
            ledger.ensure("bench_seconds")
        except BudgetExhausted as exc:
            if index >= 2:
                stopped_by = exc.limit
                break
            raise
        hashseed = rng.randrange(1, 2**32 - 1)
        order = ["base", "head"]
        rng.shuffle(order)
        medians: dict[str, float] = {}
        for side in order:
            out = bench_dir / f"round-{index:02d}-{side}.json"
            run = run_benchmarks(client, sides[side], options, out, hashseed=hashseed)
            ledger.charge(bench_seconds=run.seconds)
            samples.add(side, run)
            medians.update({f"{side}:{k}": v for k, v in run.medians.items()})
        if on_round is not None:
            on_round(index, medians)
    return summarize(samples, confidence=confidence, min_effect=min_effect, stopped_by=stopped_by)


def summarize(
    samples: Samples, *, confidence: float, min_effect: float, stopped_by: str | None = None
) -> Comparison:
    results = []
    per_round: list[list[float]] = []
    for name, (base, head) in sorted(samples.paired().items()):
        logs = stats.log_ratios(base, head)
        est = stats.estimate(logs, confidence)
        results.append(
            BenchmarkResult(
                name, est, stats.classify(est, min_effect), stats.median(base), stats.median(head)
            )
        )
        per_round.append(logs)
    if not per_round:
        raise ValueError("no benchmark ran on both sides")
    geo = [sum(col) / len(col) for col in zip(*per_round, strict=True)]
    overall = stats.estimate(geo, confidence)
    return Comparison(results, overall, stats.classify(overall, min_effect), min_effect, stopped_by)
