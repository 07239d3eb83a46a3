from __future__ import annotations

import random
import string
from typing import TYPE_CHECKING

from textkit import render_table

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(4242)


def _label(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 16)))


ROWS = [(_label(_RNG), _RNG.randint(0, 99999)) for _ in range(10000)]


def test_render_large_table(benchmark: BenchmarkFixture) -> None:
    result = benchmark(render_table, ROWS)
    assert result.count("\n") == len(ROWS)
