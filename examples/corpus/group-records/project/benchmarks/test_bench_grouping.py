from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_people import group_by_city

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(101)
_CITIES = [f"City {n}" for n in range(70)]
PEOPLE = [(f"person {n}", _RNG.choice(_CITIES)) for n in range(2500)]


def test_group_by_city_contacts(benchmark: BenchmarkFixture) -> None:
    result = benchmark(group_by_city, PEOPLE)
    assert sum(map(len, result.values())) == len(PEOPLE)
