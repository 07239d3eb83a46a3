from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_anagrams import group_anagrams

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(23)
_ROOTS = ["".join(_RNG.choices("abcdefghij", k=_RNG.randint(4, 9))) for _ in range(100)]
WORDS = ["".join(_RNG.sample(root, len(root))) for root in _RNG.choices(_ROOTS, k=280)]


def test_group_anagrams_word_list(benchmark: BenchmarkFixture) -> None:
    result = benchmark(group_anagrams, WORDS)
    assert sum(map(len, result)) == len(WORDS)
