from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_import import rows_complete

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

ROWS = [{"id": str(n), "name": f"user {n}", "email": f"u{n}@x.io"} for n in range(6_000)]
ROWS[700] = {"id": "700", "name": "", "email": "u700@x.io"}
for _n in range(3_000, 6_000, 3):
    ROWS[_n] = {"id": str(_n), "email": ""}


def test_rows_complete_import(benchmark: BenchmarkFixture) -> None:
    assert benchmark(rows_complete, ROWS) is False
