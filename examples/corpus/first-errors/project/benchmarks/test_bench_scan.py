from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_logscan import first_errors

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(131)
_LEVELS = ["INFO"] * 40 + ["WARN"] * 3 + ["DEBUG"] * 20 + ["ERROR"]
LOG = [
    f"2026-12-01T10:{n % 60:02d} {_RNG.choice(_LEVELS)} step {n}: compiling module_{n}.c"
    for n in range(4000)
]


def test_first_errors_build_log(benchmark: BenchmarkFixture) -> None:
    assert len(benchmark(first_errors, LOG, 5)) == 5
