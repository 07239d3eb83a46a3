from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_scores import rescale

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(43)
SCORES = [_RNG.gauss(0.0, 3.0) for _ in range(300)]


def test_rescale_scores(benchmark: BenchmarkFixture) -> None:
    result = benchmark(rescale, SCORES)
    assert min(result) == 0.0
    assert max(result) == 1.0
