from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_windows import moving_totals

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(53)
VISITS = [_RNG.randrange(0, 10_000) for _ in range(4000)]


def test_moving_totals_visits(benchmark: BenchmarkFixture) -> None:
    result = benchmark(moving_totals, VISITS, 90)
    assert len(result) == len(VISITS) - 89
