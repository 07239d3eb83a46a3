from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_blogtags import all_tags

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(5)
_VOCAB = [f"tag{n}" for n in range(500)]
POSTS = [_RNG.sample(_VOCAB, _RNG.randint(1, 6)) for _ in range(700)]


def test_all_tags_blog(benchmark: BenchmarkFixture) -> None:
    result = benchmark(all_tags, POSTS)
    assert len(result) == len(set(result))
