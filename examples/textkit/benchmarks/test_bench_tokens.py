from __future__ import annotations

import random
import string
from typing import TYPE_CHECKING

from textkit import dedupe, tokenize

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        length = rng.randint(3, 10)
        words.add("".join(rng.choices(string.ascii_lowercase, k=length)))
    return sorted(words)


_RNG = random.Random(20260101)
VOCABULARY = _vocabulary(_RNG, 500)
# Tokenize generated text so tokens are fresh string objects, as in real use.
TEXT = " ".join(_RNG.choice(VOCABULARY) for _ in range(2000))
TOKENS = tokenize(TEXT)
DISTINCT = len(set(TOKENS))


def test_dedupe_tokens(benchmark: BenchmarkFixture) -> None:
    result = benchmark(dedupe, TOKENS)
    assert len(TOKENS) == 2000
    assert len(result) == DISTINCT
    assert result[0] == TOKENS[0]
