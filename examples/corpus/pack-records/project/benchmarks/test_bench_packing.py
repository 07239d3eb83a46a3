from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_telemetry import pack_readings

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(67)
READINGS = [(_RNG.randrange(1, 500), _RNG.uniform(-40.0, 60.0)) for _ in range(6000)]


def test_pack_readings_upload(benchmark: BenchmarkFixture) -> None:
    assert len(benchmark(pack_readings, READINGS)) == 12 * len(READINGS)
