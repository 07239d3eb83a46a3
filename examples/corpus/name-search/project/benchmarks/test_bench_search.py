from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_directory import search_names

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(59)
_FIRST = ["Ann", "José", "Zoë", "Łukasz", "Mía", "Chloé", "Sven", "Ana", "Joanna", "Renée"]
_LAST = ["García", "Müller", "Smith", "Núñez", "Øster", "Brown", "Dubois", "Kowalski"]
NAMES = [f"{_RNG.choice(_FIRST)} {_RNG.choice(_LAST)}" for _ in range(3000)]


def test_search_names_directory(benchmark: BenchmarkFixture) -> None:
    result = benchmark(search_names, NAMES, "José  García")
    assert result
