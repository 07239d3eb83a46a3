"""Warnings about a measurement, in the manner of pyperf: said in the verdict and the report."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence

from ciopt.measure import stats
from ciopt.measure.bench import BenchStats
from ciopt.measure.machine import Load

__all__ = ["BIMODAL", "MIN_ROUND_S", "VARIATION", "warnings_for"]

MIN_ROUND_S = 1e-3  # a pytest-benchmark round shorter than this is mostly timer and overhead
VARIATION = 0.10  # within a process (stddev / mean) or between rounds (sd of log ratios)
BIMODAL = 5 / 9  # Sarle's coefficient of a uniform distribution
BUSY_CPUS = 0.5  # other processes' load, in CPUs
STEAL = 0.10


def warnings_for(
    figures: Mapping[str, Sequence[BenchStats]],
    logs: Mapping[str, Sequence[float]],
    load: Load | None,
) -> list[str]:
    """``figures``: every process's figures per benchmark; ``logs``: per-round log ratios."""
    found: list[str] = []
    for name, runs in sorted(figures.items()):
        if not runs:
            continue
        round_s = statistics.median(r.round_seconds for r in runs)
        if round_s < MIN_ROUND_S:
            found.append(
                f"{name}: a pytest-benchmark round lasts only {round_s * 1e6:.3g} µs (< 1 ms): "
                "timer resolution and call overhead weigh in; give each round more work"
            )
        cv = statistics.median(r.cv for r in runs)
        if cv > VARIATION:
            found.append(
                f"{name}: times vary by {cv:.0%} within a process (stddev/mean > 10%): "
                "the benchmark is unstable"
            )
    for name, series in sorted(logs.items()):
        if len(series) >= 3:
            spread = statistics.stdev(series)
            if spread > VARIATION:
                found.append(
                    f"{name}: the head/base ratio varies by {math.expm1(spread):.0%} between "
                    "rounds: a noisy measurement; more time narrows the interval"
                )
        coefficient = stats.bimodality(series) if len(series) >= 10 else 0.0
        if coefficient > BIMODAL:
            found.append(
                f"{name}: the per-round ratios look bimodal (bimodality coefficient "
                f"{coefficient:.2f} > 0.56): something switches between two states"
            )
    if load is not None and load.others > BUSY_CPUS:
        found.append(
            f"the machine was busy: other processes used {load.others:.1f} of {load.cpus} CPUs "
            "while ciopt measured; expect a wider interval"
        )
    if load is not None and load.steal > STEAL:
        found.append(
            f"the host took {load.steal:.0%} of CPU time (steal): a crowded virtual machine"
        )
    return found
