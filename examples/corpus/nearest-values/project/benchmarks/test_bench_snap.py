from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_levels import nearest

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(83)
LEVELS = _RNG.sample(range(0, 100_000), 250)
READINGS = [_RNG.randrange(-1000, 101_000) for _ in range(250)]


def test_nearest_readings(benchmark: BenchmarkFixture) -> None:
    result = benchmark(nearest, LEVELS, READINGS)
    assert len(result) == len(READINGS)
