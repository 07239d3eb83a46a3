from __future__ import annotations

import random
from typing import TYPE_CHECKING

from textkit import count_keywords

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(1337)
_WORDS = [
    "error",
    "warning",
    "info",
    "debug",
    "disk",
    "network",
    "timeout",
    "user",
    "request",
    "response",
    "cache",
    "retry",
    "failed",
    "ok",
    "started",
    "stopped",
]
KEYWORDS = ["error", "warning", "timeout", "retry", "failed", "disk", "cache", "user"]


def _log_line(rng: random.Random, length: int) -> str:
    words = [rng.choice(_WORDS) for _ in range(length)]
    return " ".join(word.capitalize() if rng.random() < 0.2 else word for word in words)


LINES = [_log_line(_RNG, 12) for _ in range(200)]


def test_count_keywords_log_lines(benchmark: BenchmarkFixture) -> None:
    result = benchmark(count_keywords, LINES, KEYWORDS)
    assert list(result) == KEYWORDS
    assert sum(result.values()) > 0
