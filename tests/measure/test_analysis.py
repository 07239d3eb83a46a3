from __future__ import annotations

import math

import pytest

from ciopt.measure.analysis import Samples, analyse, is_primary, round_ratio


def samples(ratios: dict[str, list[float]]) -> Samples:
    s = Samples()
    for i in range(len(next(iter(ratios.values())))):
        s.add("base", {name: 1e-3 for name in ratios})
        s.add("head", {name: 1e-3 * r[i] for name, r in ratios.items()})
    return s


def test_logs_pair_rounds_and_skip_one_sided_benchmarks() -> None:
    s = samples({"a": [0.5, 0.5]})
    s.add("head", {"only-head": 1.0})
    assert s.logs() == {"a": pytest.approx([math.log(0.5)] * 2)}


@pytest.mark.parametrize(
    ("name", "selectors", "expected"),
    [
        ("b.py::t", ["b.py::t"], True),
        ("b.py::t[1]", ["b.py::t"], True),
        ("b.py::C::t", ["b.py::C"], True),
        ("b.py::t2", ["b.py::t"], False),
        ("b.py::t", [], False),
    ],
)
def test_is_primary(name: str, selectors: list[str], expected: bool) -> None:
    assert is_primary(name, selectors) is expected


def test_holm_makes_a_marginal_benchmark_inconclusive() -> None:
    """Alone, ``edge`` clears the bar; among several, Holm asks more of it."""
    edge = [0.96, 0.975, 0.95, 0.965, 0.955, 0.975]  # p = 0.0055: < 0.025, > 0.025 / 10
    alone, _ = analyse(samples({"edge": edge}), alpha=0.05, min_effect=0.02)
    assert alone[0].verdict == "faster"
    crowd = {
        "edge": edge,
        **{f"null{i}": [1.0 + 0.03 * (-1) ** j for j in range(6)] for i in range(9)},
    }
    results, _ = analyse(samples(crowd), alpha=0.05, min_effect=0.02)
    edge_result = next(r for r in results if r.name == "edge")
    assert edge_result.p == 1.0 and edge_result.verdict == "inconclusive"


def test_overall_is_the_geometric_mean_unless_benchmarks_are_named() -> None:
    data = samples({"x": [0.5] * 4, "y": [1.0] * 4})
    _, overall = analyse(data, alpha=0.01, min_effect=0.02)
    assert overall.ratio == pytest.approx(math.sqrt(0.5))
    assert overall.base_median_s is None  # no single benchmark behind a mean
    _, named = analyse(data, alpha=0.01, min_effect=0.02, primary=["y"])
    assert named.name == "y" and named.verdict == "no_change"
    assert named.base_median_s == pytest.approx(1e-3)


def test_floors_raise_the_minimum_effect_per_benchmark() -> None:
    data = samples({"x": [0.95, 0.951, 0.949, 0.95]})
    results, overall = analyse(data, alpha=0.01, min_effect=0.02, floors={"x": 0.06, "*": 0.07})
    assert results[0].min_effect == 0.06 and overall.min_effect == 0.07
    assert results[0].verdict != "faster" and overall.verdict != "faster"


def test_a_rounds_ratio_is_the_one_the_overall_verdict_sees() -> None:
    base, head = {"f": 2.0, "g": 1.0, "h": 1.0}, {"f": 1.0, "g": 4.0}  # h: the head lacks it
    assert round_ratio(base, head) == pytest.approx(math.sqrt(0.5 * 4))  # geometric mean
    assert round_ratio(base, head, ["f"]) == pytest.approx(0.5)
    assert round_ratio(base, head, ["h"]) == pytest.approx(math.sqrt(2))  # none named ran: all
    assert round_ratio({"f": 0.0}, {"f": 1.0}) is None
