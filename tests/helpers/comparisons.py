"""A measured comparison built by hand, for tests of what is made of one (verdict fields, the
decisions): one benchmark, its interval ±5% around ``ratio``, base median 2 s, 20 rounds."""

from __future__ import annotations

import math

from ciopt.measure import BenchmarkResult, Comparison, Look, Samples
from ciopt.measure.stats import Estimate

__all__ = ["comparison"]


def comparison(
    verdict: str, ratio: float, *, pairing: str = "duet", stopped_by: str = "decided"
) -> Comparison:
    result = BenchmarkResult(
        name="b",
        estimate=Estimate(math.log(ratio), 0.01, 20),
        ci=(ratio * 0.95, ratio * 1.05),
        verdict=verdict,
        p=0.01,
        min_effect=0.02,
        mde=0.03,
        base_median_s=2.0,
        head_median_s=2.0 * ratio,
    )
    return Comparison(
        benchmarks=[result],
        overall=result,
        confidence=0.99,
        stopped_by=stopped_by,
        looks=[Look(fraction=1.0, rounds=20, alpha=0.01, verdict=verdict)],
        warnings=["busy machine"],
        pairing=pairing,
        seconds=30.0,
        samples=Samples(),
    )
