from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_httplog import status_histogram

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(103)
_CODES = list(range(100, 160)) + [200] * 30 + [404] * 5
CODES = [_RNG.choice(_CODES) for _ in range(5000)]


def test_status_histogram_access_log(benchmark: BenchmarkFixture) -> None:
    result = benchmark(status_histogram, CODES)
    assert sum(n for _, n in result) == len(CODES)
