from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_pairs import find_pairs

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(17)
AMOUNTS = [_RNG.randrange(-5000, 5000) for _ in range(400)]


def test_find_pairs_statement(benchmark: BenchmarkFixture) -> None:
    result = benchmark(find_pairs, AMOUNTS, 120)
    assert all(AMOUNTS[i] + AMOUNTS[j] == 120 for i, j in result)
