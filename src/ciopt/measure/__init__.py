"""Measurement: two commits timed (or counted) against each other, honestly.

sides         two commits measured: the experiment in wall time, or instructions
experiment    the A/B experiment: rounds of fresh processes, looked at on a fixed plan
bench         one pytest-benchmark process in the client's interpreter, and its JSON
analysis      per-round samples to verdicts at one look (Holm across benchmarks)
stats         the statistics: pure functions over numbers (the confidence interval, ...)
instructions  instructions per call under valgrind, and their comparison
calibration   what A/A rounds say of this machine's noise
setup         the measurement's choices from settings and a request
fields        a comparison as the fields of verdict.json, and its one-sentence description
warnings      pyperf-style warnings about a measurement
machine       how busy the machine was while we measured
"""

from __future__ import annotations

from ciopt.measure.analysis import OVERALL, BenchmarkResult, Samples, analyse, mean_logs
from ciopt.measure.bench import BenchOptions, BenchRun, BenchStats, run_benchmarks
from ciopt.measure.calibration import Calibration, Noise, load_calibration, noise
from ciopt.measure.experiment import PAIRINGS, Comparison, Design, Look, run_experiment
from ciopt.measure.fields import describe, measurement_fields
from ciopt.measure.setup import bench_options, calibration_floors, calibration_path, design
from ciopt.measure.sides import measure_sides

__all__ = [
    "OVERALL",
    "PAIRINGS",
    "BenchOptions",
    "BenchRun",
    "BenchStats",
    "BenchmarkResult",
    "Calibration",
    "Comparison",
    "Design",
    "Look",
    "Noise",
    "Samples",
    "analyse",
    "bench_options",
    "calibration_floors",
    "calibration_path",
    "describe",
    "design",
    "load_calibration",
    "mean_logs",
    "measure_sides",
    "measurement_fields",
    "noise",
    "run_benchmarks",
    "run_experiment",
]
