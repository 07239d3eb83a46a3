"""Measurement: pytest-benchmark processes, interleaved rounds, and the statistics over them."""

from __future__ import annotations

from ciopt.measure.bench import BenchOptions, BenchRun, run_benchmarks
from ciopt.measure.rounds import BenchmarkResult, Comparison, Samples, compare_sides, summarize

__all__ = [
    "BenchOptions",
    "BenchRun",
    "BenchmarkResult",
    "Comparison",
    "Samples",
    "compare_sides",
    "run_benchmarks",
    "summarize",
]
