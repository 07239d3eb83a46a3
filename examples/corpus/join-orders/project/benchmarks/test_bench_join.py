from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_orders import attach_customers

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(31)
CUSTOMERS = [(cid, f"customer {cid}") for cid in _RNG.sample(range(1, 5000), 600)]
ORDERS = [(10_000 + n, _RNG.randrange(1, 5000)) for n in range(1000)]


def test_attach_customers_daily(benchmark: BenchmarkFixture) -> None:
    result = benchmark(attach_customers, ORDERS, CUSTOMERS)
    assert len(result) == len(ORDERS)
