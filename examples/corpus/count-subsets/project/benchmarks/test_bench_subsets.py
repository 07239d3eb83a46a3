from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_packing import count_subsets

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(137)
WEIGHTS = [_RNG.randint(1, 12) for _ in range(15)]


def test_count_subsets_parcels(benchmark: BenchmarkFixture) -> None:
    assert benchmark(count_subsets, WEIGHTS, sum(WEIGHTS) // 2) > 0
