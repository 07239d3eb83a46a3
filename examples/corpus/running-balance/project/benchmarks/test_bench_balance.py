from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_bank import running_balance

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(113)
AMOUNTS = [_RNG.randrange(-20_000, 25_000) for _ in range(1100)]


def test_running_balance_statement(benchmark: BenchmarkFixture) -> None:
    result = benchmark(running_balance, AMOUNTS, 100_000)
    assert len(result) == len(AMOUNTS)
