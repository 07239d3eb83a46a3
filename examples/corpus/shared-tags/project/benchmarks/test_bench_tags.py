from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_tagging import allowed_tags

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(7)
ALLOWED = [f"topic-{n}" for n in range(250)]
TAGS = [f"Topic-{_RNG.randrange(500)}" for _ in range(2500)]


def test_allowed_tags_posts(benchmark: BenchmarkFixture) -> None:
    result = benchmark(allowed_tags, TAGS, ALLOWED)
    assert 0 < len(result) < len(TAGS)
