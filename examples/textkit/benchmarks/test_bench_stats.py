from __future__ import annotations

import random
from typing import TYPE_CHECKING

from textkit import normalize

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(99)
VALUES = [_RNG.uniform(0.0, 1000.0) for _ in range(600)]


def test_normalize_values(benchmark: BenchmarkFixture) -> None:
    result = benchmark(normalize, VALUES)
    assert len(result) == len(VALUES)
    assert max(result) == 1.0
