from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_rle import run_lengths

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(127)
SCANLINES = "".join(_RNG.choice(".#") * _RNG.randint(1, 30) for _ in range(2000))


def test_run_lengths_bitmap(benchmark: BenchmarkFixture) -> None:
    result = benchmark(run_lengths, SCANLINES)
    assert sum(n for _, n in result) == len(SCANLINES)
