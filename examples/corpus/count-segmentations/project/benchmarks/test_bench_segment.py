from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_segment import count_segmentations

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

WORDS = {"a", "ab", "b", "ba", "aba", "bab", "abab", "c"}
TEXT = "ab" * 7 + "c"


def test_count_segmentations_tag(benchmark: BenchmarkFixture) -> None:
    assert benchmark(count_segmentations, TEXT, WORDS) > 0
