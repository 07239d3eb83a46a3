from __future__ import annotations

import random

from ciopt.measure.bench import BenchStats
from ciopt.measure.machine import Load, Sample, load_between, parse_proc_stat
from ciopt.measure.warnings import warnings_for


def figure(median: float, cv: float = 0.01, iterations: int = 1) -> BenchStats:
    return BenchStats(median, median, median * cv, median, 100, iterations)


def test_a_quiet_measurement_has_no_warnings() -> None:
    figures = {"baseline": {"b": [figure(2e-3)] * 5}, "head": {"b": [figure(2e-3)] * 5}}
    assert warnings_for(figures, {"b": [0.0, 0.01, -0.01]}, None) == []


def test_short_rounds_are_flagged_unless_iterations_make_them_long() -> None:
    short = warnings_for({"baseline": {"b": [figure(2e-6)] * 3}}, {}, None)
    assert len(short) == 1 and "< 1 ms" in short[0]
    long = {"baseline": {"b": [figure(2e-6, iterations=1000)] * 3}}
    assert warnings_for(long, {}, None) == []


def test_short_rounds_name_the_side_that_has_them_once_per_side() -> None:
    """A candidate that makes the work 1000 times faster leaves the baseline's rounds long."""
    figures = {"baseline": {"b": [figure(2e-3)] * 3}, "candidate 2": {"b": [figure(2e-6)] * 3}}
    short = warnings_for(figures, {}, None)
    assert len(short) == 1
    assert short[0].startswith("b: the candidate 2's pytest-benchmark rounds last only 2 µs")
    both = warnings_for(
        {"baseline": {"b": [figure(2e-6)]}, "head": {"b": [figure(5e-6)]}}, {}, None
    )
    assert [w.split("'s ")[0] for w in both] == ["b: the baseline", "b: the head"]
    assert "5 µs (< 1 ms)" in both[1]


def test_variation_within_and_between_processes() -> None:
    within = warnings_for({"baseline": {"b": [figure(2e-3, cv=0.3)] * 3}}, {}, None)
    assert "within a process" in within[0]
    between = warnings_for({}, {"b": [0.2, -0.2, 0.1, -0.1]}, None)
    assert "between rounds" in between[0]


def test_bimodal_ratios() -> None:
    rng = random.Random(3)
    two = [rng.gauss(-0.05, 0.002) for _ in range(15)] + [rng.gauss(0.05, 0.002) for _ in range(15)]
    found = warnings_for({}, {"b": two}, None)
    assert any("bimodal" in w for w in found)


def test_busy_machine_and_steal() -> None:
    found = warnings_for({}, {}, Load(others=1.2, steal=0.2, cpus=2))
    assert any("busy" in w for w in found) and any("steal" in w for w in found)
    assert warnings_for({}, {}, Load(others=0.1, steal=0.01, cpus=2)) == []


def test_proc_stat_and_load() -> None:
    text = "cpu  100 0 50 1000 5 1 2 30 0 0\ncpu0 1 2 3\n"
    assert parse_proc_stat(text, 100.0) == (1.53, 0.3)
    start = Sample(wall=0.0, busy=10.0, steal=1.0, ours=2.0, cpus=2)
    end = Sample(wall=10.0, busy=22.0, steal=2.0, ours=9.0, cpus=2)
    load = load_between(start, end)
    assert load is not None
    assert load.others == 0.5  # 12 s busy, 7 of them ours, over 10 s
    assert load.steal == 1 / 13
    assert load_between(None, end) is None
