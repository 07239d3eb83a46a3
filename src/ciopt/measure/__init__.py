"""Measurement: pytest-benchmark processes, the A/B experiment, and the statistics over it."""

from __future__ import annotations

from ciopt.measure.analysis import BenchmarkResult, Samples, analyse
from ciopt.measure.bench import BenchOptions, BenchRun, BenchStats, run_benchmarks
from ciopt.measure.experiment import PAIRINGS, Comparison, Design, Look, run_experiment

__all__ = [
    "PAIRINGS",
    "BenchOptions",
    "BenchRun",
    "BenchStats",
    "BenchmarkResult",
    "Comparison",
    "Design",
    "Look",
    "Samples",
    "analyse",
    "run_benchmarks",
    "run_experiment",
]
