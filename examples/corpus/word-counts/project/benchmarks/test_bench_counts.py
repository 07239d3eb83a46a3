from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_wordfreq import word_counts

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(107)
_VOCAB = [f"w{n}" for n in range(300)]
WORDS = [_RNG.choice(_VOCAB) for _ in range(600)]


def test_word_counts_text(benchmark: BenchmarkFixture) -> None:
    result = benchmark(word_counts, WORDS)
    assert sum(result.values()) == len(WORDS)
