from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_graphs import reachable

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(97)
_NODES = [f"pkg{n}" for n in range(12_000)]
GRAPH = {"root": _NODES[:6000]}
for _node in _NODES:
    GRAPH[_node] = _RNG.sample(_NODES, 2)


def test_reachable_dependencies(benchmark: BenchmarkFixture) -> None:
    result = benchmark(reachable, GRAPH, "root")
    assert result[0] == "root"
