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
    figures: Mapping[str, Mapping[str, Sequence[BenchStats]]],
    logs: Mapping[str, Sequence[float]],
    load: Load | None,
) -> list[str]:
    """``figures``: every process's figures per side (``baseline``, ``head``...) and benchmark;
    ``logs``: per-round log ratios."""
    found = _short_rounds(figures) + _unstable(figures)
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


def _short_rounds(figures: Mapping[str, Mapping[str, Sequence[BenchStats]]]) -> list[str]:
    """Each side whose rounds of a benchmark are too short to time well (said per side)."""
    found = []
    for side, per_name in sorted(figures.items()):
        for name, runs in sorted(per_name.items()):
            round_s = statistics.median(r.round_seconds for r in runs) if runs else MIN_ROUND_S
            if round_s < MIN_ROUND_S:
                found.append(
                    f"{name}: the {side}'s pytest-benchmark rounds last only "
                    f"{round_s * 1e6:.3g} µs (< 1 ms): timer resolution and call overhead weigh "
                    "in; give each round more work"
                )
    return found


def _unstable(figures: Mapping[str, Mapping[str, Sequence[BenchStats]]]) -> list[str]:
    """Benchmarks whose times vary within a process, both sides' processes together."""
    pooled: dict[str, list[BenchStats]] = {}
    for per_name in figures.values():
        for name, runs in per_name.items():
            pooled.setdefault(name, []).extend(runs)
    found = []
    for name, runs in sorted(pooled.items()):
        cv = statistics.median(r.cv for r in runs) if runs else 0.0
        if cv > VARIATION:
            found.append(
                f"{name}: times vary by {cv:.0%} within a process (stddev/mean > 10%): "
                "the benchmark is unstable"
            )
    return found
