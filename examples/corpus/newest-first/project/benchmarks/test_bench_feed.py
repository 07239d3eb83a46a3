from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_activity import newest_first

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(71)
_EVENTS = ["pushed 3 commits", "opened a pull request", "commented on #12", "closed #7"]
ENTRIES = [
    (f"2026-11-{1 + n // 200:02d} {n % 24:02d}:{n % 60:02d}", _RNG.choice(_EVENTS))
    for n in range(3000)
]


def test_newest_first_feed(benchmark: BenchmarkFixture) -> None:
    result = benchmark(newest_first, ENTRIES)
    assert result.count("\n") == len(ENTRIES)
