from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_pages import collect_ids

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(109)
PAGES = [[_RNG.randrange(10**9) for _ in range(25)] for _ in range(600)]


def test_collect_ids_pages(benchmark: BenchmarkFixture) -> None:
    assert len(benchmark(collect_ids, PAGES)) == 25 * 600
