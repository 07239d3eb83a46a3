from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_latency import percentiles

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(89)
LATENCIES = [_RNG.lognormvariate(3.0, 0.8) for _ in range(10_000)]
POINTS = [50, 75, 90, 95, 99, 99.9]


def test_percentiles_dashboard(benchmark: BenchmarkFixture) -> None:
    result = benchmark(percentiles, LATENCIES, POINTS)
    assert result == sorted(result)
