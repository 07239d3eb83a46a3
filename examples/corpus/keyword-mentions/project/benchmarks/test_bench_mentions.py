from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_mentions import count_mentions

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(41)
NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
_WORDS = ["ok", "see", "the", "deploy", "failed", "thanks", "lunch", "?", "merged", "pr"]
LINES = [" ".join(_RNG.choices(_WORDS + NAMES, k=8)) for _ in range(250)]


def test_count_mentions_chat(benchmark: BenchmarkFixture) -> None:
    result = benchmark(count_mentions, LINES, NAMES)
    assert sum(result.values()) > 0
