from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_leaderboard import top_players

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(73)
SCORES = {f"player{n}": _RNG.randrange(0, 1_000_000) for n in range(20_000)}


def test_top_players_board(benchmark: BenchmarkFixture) -> None:
    result = benchmark(top_players, SCORES, 10)
    assert len(result) == 10
