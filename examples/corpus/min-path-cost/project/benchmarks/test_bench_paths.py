from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_grid import min_path_cost

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(139)
GRID = [[_RNG.randint(1, 9) for _ in range(9)] for _ in range(8)]


def test_min_path_cost_terrain(benchmark: BenchmarkFixture) -> None:
    assert benchmark(min_path_cost, GRID) >= 17
