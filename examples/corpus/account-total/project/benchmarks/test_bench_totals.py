from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_ledger import total_for

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(3)
ACCOUNTS = [f"acct-{n:03d}" for n in range(300)]
ENTRIES = [(_RNG.choice(ACCOUNTS), round(_RNG.uniform(-500, 5000), 2)) for _ in range(4000)]
WANTED = ACCOUNTS[::3]


def test_total_for_ledger(benchmark: BenchmarkFixture) -> None:
    result = benchmark(total_for, ENTRIES, WANTED)
    assert result != 0.0
