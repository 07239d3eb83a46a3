from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_serials import first_repeat

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(29)
_UNIQUE = [f"SN-{n:08d}" for n in _RNG.sample(range(10**8), 500)]
SERIALS = [*_UNIQUE, _UNIQUE[250], *_UNIQUE[:50]]


def test_first_repeat_shift(benchmark: BenchmarkFixture) -> None:
    assert benchmark(first_repeat, SERIALS) == 500
