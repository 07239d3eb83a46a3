from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_export import to_csv

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(61)
ROWS = [
    [f"item {n}", str(_RNG.randrange(10**6)), _RNG.choice(["ok", "late", 'said "no"']), "x" * 40]
    for n in range(2500)
]


def test_to_csv_report(benchmark: BenchmarkFixture) -> None:
    result = benchmark(to_csv, ROWS)
    assert result.count("\n") == len(ROWS)
