from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_reconcile import reconcile

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(11)
EXPECTED = _RNG.sample(range(100_000), 800)
RECEIVED = [i for i in EXPECTED if _RNG.random() < 0.95] + _RNG.sample(range(100_000, 101_000), 40)
_RNG.shuffle(RECEIVED)


def test_reconcile_batch(benchmark: BenchmarkFixture) -> None:
    missing, unexpected = benchmark(reconcile, EXPECTED, RECEIVED)
    assert len(unexpected) == 40
    assert missing
