from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_shop import order_total

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(37)
CATALOG = [(f"SKU-{n:05d}", _RNG.randrange(100, 100_000)) for n in range(500)]
CART = [_RNG.choice(CATALOG)[0] for _ in range(1200)]


def test_order_total_cart(benchmark: BenchmarkFixture) -> None:
    assert benchmark(order_total, CART, CATALOG) > 0
