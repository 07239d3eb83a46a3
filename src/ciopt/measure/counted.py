"""Comparing instruction counts: deterministic, so a ratio and a threshold, not an interval.

Counts come from ``valgrind --tool=callgrind`` (``instructions.count_instructions``). They suit
CPU-bound pure-Python benchmarks; they do not see cache misses, branch mispredictions, I/O or
waiting, so the verdict says it was made on instructions.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from ciopt.client import Client
from ciopt.errors import BaselineError
from ciopt.measure import stats
from ciopt.measure.analysis import BenchmarkResult, Samples, is_primary
from ciopt.measure.bench import BenchOptions
from ciopt.measure.experiment import Comparison, Design
from ciopt.measure.instructions import count_instructions

__all__ = ["NOT_TIME", "compare_instructions", "exact"]

NOT_TIME = (
    "measured in instructions (callgrind), not time: cache misses, branch mispredictions, "
    "I/O and waiting are not counted"
)


def exact(name: str, base: float, head: float, min_effect: float) -> BenchmarkResult:
    """One deterministic ratio, judged against ``min_effect`` alone."""
    ratio = head / base
    if ratio < 1 - min_effect:
        verdict = "faster"
    elif ratio > 1 + min_effect:
        verdict = "slower"
    else:
        verdict = "no_change"
    return BenchmarkResult(
        name=name,
        estimate=stats.Estimate(math.log(ratio), 0.0, 1),
        ci=(ratio, ratio),
        verdict=verdict,
        p=0.0,
        min_effect=min_effect,
        mde=min_effect,
        base_median_s=base,
        head_median_s=head,
    )


def compare_instructions(
    client: Client,
    base_root: Path,
    head_root: Path,
    options: BenchOptions,
    design: Design,
    *,
    work_dir: Path,
) -> Comparison:
    start = time.monotonic()
    counts = {
        side: count_instructions(
            client, root, options.selectors, work_dir / side, timeout=options.timeout
        ).per_call
        for side, root in (("base", base_root), ("head", head_root))
    }
    names = sorted(set(counts["base"]) & set(counts["head"]))
    if not names:
        raise BaselineError(
            "no benchmark ran on both sides; check that --bench names the same tests on both",
            reason="no_benchmark",
        )
    results = [exact(n, counts["base"][n], counts["head"][n], design.min_effect) for n in names]
    named = [n for n in names if is_primary(n, design.primary)] or names
    base = math.exp(sum(math.log(counts["base"][n]) for n in named) / len(named))
    head = math.exp(sum(math.log(counts["head"][n]) for n in named) / len(named))
    label = named[0] if len(named) == 1 else f"geometric mean of {len(named)}"
    return Comparison(
        benchmarks=results,
        overall=exact(label, base, head, design.min_effect),
        confidence=1.0,
        stopped_by="decided",
        looks=[],
        warnings=[NOT_TIME],
        pairing="instructions",
        seconds=time.monotonic() - start,
        samples=Samples(),
    )
