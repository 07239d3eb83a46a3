"""The recorder's bounds, in a real pytest session of the client's interpreter: the benchmarks'
calls are kept apart from the tests', and the recorder's own work is neither recorded nor
unbounded."""

from __future__ import annotations

import pytest

from ciopt.verify.recording import Recorded, record_calls
from tests.helpers import local_client

CODE = """
class Box:
    def __init__(self, n):
        self.n = n

    def __reduce__(self):  # run by pickle, whenever the recorder keeps a call with a Box
        return (Box, (self.n,))


def size(x):
    return len(x)


def grow(xs):
    xs.append(0)
    return len(xs)


def kind(x):
    return type(x).__name__


def twice(n):
    return list(range(2 * n))
"""

TESTS = """
import threading

from mod import Box, grow, kind, size, twice


def test_many():
    for n in range(6):
        assert size([Box(i) for i in range(n + 1)]) == n + 1
    for _ in range(60):
        kind(threading.Lock())  # unpicklable: looked at a bounded number of times
    assert grow([1]) == 2
    assert len(twice(20_000)) == 40_000
"""

BENCH = """
from mod import Box, size


def test_bench(benchmark):
    assert benchmark(size, [Box(i) for i in range(50)]) == 50
    assert size([Box(0)]) == 1  # the tests' call, made again: now a benchmark's too
"""


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, client_python: str) -> dict[str, Recorded]:
    root = tmp_path_factory.mktemp("record")
    (root / "mod.py").write_text(CODE)
    (root / "tests").mkdir()
    (root / "tests" / "test_mod.py").write_text(TESTS)
    (root / "benchmarks").mkdir()
    (root / "benchmarks" / "test_bench.py").write_text(BENCH)
    client = local_client(client_python, "mod")
    client.import_roots = ("",)
    return record_calls(
        client,
        root,
        ["tests", "benchmarks"],
        ["mod:Box.__reduce__", "mod:size", "mod:grow", "mod:kind", "mod:twice"],
        bench=["benchmarks"],
        out=root / "rec.pkl",
        probe_out=root / "probe.json",
        timeout=120,
        max_calls=3,
        max_bytes=1_000_000,
    )


def test_the_benchmarks_calls_have_a_quota_of_their_own(recorded: dict[str, Recorded]) -> None:
    size = recorded["mod:size"]
    # the tests filled their quota of 3 first; the benchmark's call is kept all the same
    assert [call["bench"] for call in size.calls] == [True, False, False, True]
    assert size.calls[0]["repr"] == "([<mod.Box object at ...>],)" or size.calls[0][
        "repr"
    ].startswith("([<mod.Box")
    assert size.counts["bench_seen"] == 2


def test_what_the_recorder_causes_itself_is_not_recorded(recorded: dict[str, Recorded]) -> None:
    # pickling the arguments of size() runs Box.__reduce__; those calls are the recorder's own
    assert recorded["mod:Box.__reduce__"].counts["seen"] == 0


def test_calls_that_cannot_be_kept_are_looked_at_a_bounded_number_of_times(
    recorded: dict[str, Recorded],
) -> None:
    counts = recorded["mod:kind"].counts
    assert counts["unpicklable"] == 3 * 10  # ten tries for each of the three calls to keep
    assert counts["over"] == 60 - 30


def test_arguments_are_read_after_the_call_only_when_they_can_change(
    recorded: dict[str, Recorded],
) -> None:
    (grow,) = recorded["mod:grow"].calls
    assert grow["after"] is not None  # a list, which grow() appends to
    (twice,) = recorded["mod:twice"].calls
    assert twice["after"] is None  # an int cannot change
    assert twice["value"] is None  # 40,000 values: too many to read cheaply; replayed all the same
    assert twice["outcome"] == "return"
