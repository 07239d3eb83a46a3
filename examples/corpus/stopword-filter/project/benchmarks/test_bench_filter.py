from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_stopwords import content_words

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(47)
_VOCAB = ["the", "quick", "brown", "fox", "and", "of", "data", "pipeline", "it", "is", "fast"]
TOKENS = [_RNG.choice(_VOCAB).capitalize() for _ in range(6000)]


def test_content_words_document(benchmark: BenchmarkFixture) -> None:
    result = benchmark(content_words, TOKENS)
    assert 0 < len(result) < len(TOKENS)
