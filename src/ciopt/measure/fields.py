"""A measured comparison, as the fields of ``verdict.json`` (for ``run`` and ``compare``)."""

from __future__ import annotations

from typing import Any

from ciopt.measure.analysis import BenchmarkResult
from ciopt.measure.experiment import Comparison
from ciopt.verdict import BenchmarkVerdict, Measurement

__all__ = ["MESSAGES", "describe", "measurement_fields"]

MESSAGES = {
    "faster": "faster beyond doubt at this confidence",
    "slower": "slower than the baseline",
    "no_change": "no change larger than the minimum effect",
    "inconclusive": "the measurement could not decide",
}


def measurement_fields(
    comparison: Comparison, *, measure: str = "walltime", calibration: str | None = None
) -> dict[str, Any]:
    """``ratio``, ``ci``, ``mde``, ``benchmarks``, ``measurement`` and ``warnings``."""
    overall = comparison.overall
    instructions = measure == "instructions"
    return {
        "ratio": overall.ratio,
        "ci": overall.ci,
        "mde": overall.mde,
        "benchmarks": [_benchmark(b, instructions) for b in comparison.benchmarks],
        "measurement": Measurement(
            measure="instructions" if instructions else "walltime",
            pairing=None if instructions else comparison.pairing,
            timer=_timer(comparison.pairing, instructions),
            seconds=comparison.seconds,
            stopped_by=comparison.stopped_by,
            decision_confidence=comparison.confidence,
            looks=list(comparison.looks),
            calibration=calibration,
        ),
        "warnings": comparison.warnings,
    }


def describe(comparison: Comparison) -> str:
    """One sentence: the ratio, its interval and what it shows."""
    o = comparison.overall
    if comparison.pairing == "instructions":
        change = abs(o.ratio - 1)
        return (
            f"head/base instructions per call {o.ratio:.5f}: "
            + {
                "faster": f"{change:.1%} fewer, beyond the ±{o.min_effect:.0%} minimum effect",
                "slower": f"{change:.1%} more, beyond the ±{o.min_effect:.0%} minimum effect",
                "no_change": f"within ±{o.min_effect:.0%}",
            }[o.verdict]
        )
    lead = f"ratio {o.ratio:.3g} ({o.ci[0]:.3g}–{o.ci[1]:.3g}): {MESSAGES[o.verdict]}"
    if o.verdict == "inconclusive":
        lead += f"; it could have seen a speedup of {o.mde:.1%} or more"
    if comparison.stopped_by not in ("decided", "time_budget", "max_rounds"):
        lead += f"; rounds cut short by the {comparison.stopped_by} budget"
    return lead


def _benchmark(b: BenchmarkResult, instructions: bool) -> BenchmarkVerdict:
    return BenchmarkVerdict(
        name=b.name,
        ratio=b.ratio,
        ci=b.ci,
        rounds=b.estimate.rounds,
        base_median_s=None if instructions else b.base_median_s,
        head_median_s=None if instructions else b.head_median_s,
        base_instructions=b.base_median_s if instructions else None,
        head_instructions=b.head_median_s if instructions else None,
        verdict=b.verdict,
        p_value=b.p if b.verdict != "inconclusive" else None,
        min_effect=b.min_effect,
        mde=b.mde,
    )


def _timer(pairing: str, instructions: bool) -> str:
    if instructions:
        return "valgrind --tool=callgrind (instructions per call)"
    return "time.process_time (CPU time)" if pairing == "duet" else "time.perf_counter (wall)"
