from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_ranks import count_below

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(79)
SIZES = [_RNG.randrange(0, 1_000_000) for _ in range(2000)]
THRESHOLDS = [_RNG.randrange(0, 1_000_000) for _ in range(60)]


def test_count_below_sizes(benchmark: BenchmarkFixture) -> None:
    result = benchmark(count_below, SIZES, THRESHOLDS)
    assert len(result) == len(THRESHOLDS)
