from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_accounts import has_overdraft

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(149)
BALANCES = [round(_RNG.uniform(0, 10_000), 2) for _ in range(80_000)]
BALANCES[6_000] = -25.0


def test_has_overdraft_nightly(benchmark: BenchmarkFixture) -> None:
    assert benchmark(has_overdraft, BALANCES) is True
