from __future__ import annotations

import functools
import math
import random

import pytest

from ciopt.measure import stats
from ciopt.measure.stats import Estimate, classify, estimate, log_ratios, median, t_quantile

# Student's t quantiles (standard tables / scipy.stats.t.ppf), p -> value.
T_TABLE: dict[int, dict[float, float]] = {
    1: {0.95: 6.313752, 0.975: 12.706205, 0.995: 63.656741},
    2: {0.95: 2.919986, 0.975: 4.302653, 0.995: 9.924843},
    5: {0.95: 2.015048, 0.975: 2.570582, 0.995: 4.032143},
    9: {0.95: 1.833113, 0.975: 2.262157, 0.995: 3.249836},
    10: {0.95: 1.812461, 0.975: 2.228139, 0.995: 3.169273},
    30: {0.95: 1.697261, 0.975: 2.042272, 0.995: 2.749996},
    1000: {0.95: 1.646379, 0.975: 1.962339, 0.995: 2.580755},
}
CASES = [(df, p, value) for df, row in T_TABLE.items() for p, value in row.items()]


@pytest.mark.parametrize(("df", "p", "expected"), CASES)
def test_t_quantile_table(df: int, p: float, expected: float) -> None:
    assert t_quantile(p, df) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(("df", "p", "expected"), CASES)
def test_t_quantile_symmetry(df: int, p: float, expected: float) -> None:
    assert t_quantile(1 - p, df) == pytest.approx(-expected, abs=1e-4)


@pytest.mark.parametrize("df", [1, 3, 30])
def test_t_quantile_median_is_zero(df: int) -> None:
    assert t_quantile(0.5, df) == pytest.approx(0.0, abs=1e-9)


def test_t_quantile_non_integer_df() -> None:
    low, high = t_quantile(0.975, 9), t_quantile(0.975, 10)
    assert high < t_quantile(0.975, 9.5) < low


@pytest.mark.parametrize(
    ("p", "df"), [(0.0, 5), (1.0, 5), (-0.1, 5), (1.5, 5), (0.9, 0), (0.9, -1)]
)
def test_t_quantile_invalid_args(p: float, df: float) -> None:
    with pytest.raises(ValueError, match="0 < p < 1"):
        t_quantile(p, df)


def test_median() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert median([7.0]) == 7.0
    with pytest.raises(ValueError, match="no values"):
        median([])


def test_median_does_not_sort_in_place() -> None:
    values = [3.0, 1.0, 2.0]
    median(values)
    assert values == [3.0, 1.0, 2.0]


def test_log_ratios_pairs_by_round() -> None:
    logs = log_ratios([1.0, 2.0, 4.0], [0.5, 2.0, 8.0])
    assert logs == pytest.approx([math.log(0.5), 0.0, math.log(2.0)])


def test_log_ratios_length_mismatch() -> None:
    with pytest.raises(ValueError, match="one value per round"):
        log_ratios([1.0, 2.0], [1.0])


def test_estimate_needs_rounds() -> None:
    with pytest.raises(ValueError):
        estimate([], 0.95)


def test_estimate_one_round_has_infinite_interval() -> None:
    est = estimate([math.log(0.8)], 0.95)
    assert est.ratio == pytest.approx(0.8)
    assert est.ci_low == 0.0
    assert est.ci_high == math.inf
    assert est.mde == math.inf
    assert est.rounds == 1
    assert classify(est, 0.02) == "inconclusive"


def test_estimate_identical_logs_zero_width() -> None:
    est = estimate([math.log(0.9)] * 5, 0.99)
    assert est.ratio == pytest.approx(0.9)
    assert est.ci_low == pytest.approx(0.9)
    assert est.ci_high == pytest.approx(0.9)
    assert est.mde == pytest.approx(0.0)
    assert classify(est, 0.02) == "faster"


def test_estimate_matches_hand_computation() -> None:
    logs = [-0.1, -0.2, -0.15, -0.05]
    mean = sum(logs) / 4
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / 3)
    half = 3.182446 * sd / 2  # t(0.975, 3)
    est = estimate(logs, 0.95)
    assert est.ratio == pytest.approx(math.exp(mean))
    assert est.ci_low == pytest.approx(math.exp(mean - half), rel=1e-5)
    assert est.ci_high == pytest.approx(math.exp(mean + half), rel=1e-5)
    assert est.mde == pytest.approx(math.expm1(half), rel=1e-5)
    assert est.rounds == 4
    assert est.confidence == 0.95


def test_higher_confidence_widens_interval() -> None:
    logs = [0.01, -0.02, 0.03, 0.0, -0.01]
    narrow, wide = estimate(logs, 0.9), estimate(logs, 0.99)
    assert wide.ci_low < narrow.ci_low < narrow.ratio < narrow.ci_high < wide.ci_high


def interval(low: float, high: float) -> Estimate:
    return Estimate(
        ratio=(low + high) / 2, ci_low=low, ci_high=high, rounds=10, confidence=0.99, mde=0.0
    )


ME = 0.02
LOW, HIGH = 1 - ME, 1 + ME


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.80, 0.90, "faster"),
        (0.80, math.nextafter(LOW, 0), "faster"),
        (0.80, LOW, "inconclusive"),  # touching the threshold is not clearing it
        (1.10, 1.20, "slower"),
        (math.nextafter(HIGH, 2), 1.20, "slower"),
        (HIGH, 1.20, "inconclusive"),
        (LOW, HIGH, "no_change"),  # boundaries included
        (0.99, 1.01, "no_change"),
        (math.nextafter(LOW, 0), 1.0, "inconclusive"),
        (1.0, math.nextafter(HIGH, 2), "inconclusive"),
        (0.90, 1.10, "inconclusive"),
        (0.0, math.inf, "inconclusive"),
    ],
)
def test_classify_boundaries(low: float, high: float, expected: str) -> None:
    assert classify(interval(low, high), ME) == expected


@pytest.fixture
def cached_t(monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulations call ``estimate`` thousands of times with the same (p, df): memoise."""
    monkeypatch.setattr(stats, "t_quantile", functools.cache(t_quantile))


@pytest.mark.usefixtures("cached_t")
def test_interval_coverage() -> None:
    rng = random.Random(20240601)
    true_ratio, experiments = 0.9, 2000
    covered = 0
    for _ in range(experiments):
        logs = [rng.gauss(math.log(true_ratio), 0.05) for _ in range(10)]
        est = estimate(logs, 0.95)
        covered += est.ci_low <= true_ratio <= est.ci_high
    assert 0.93 <= covered / experiments <= 0.97


@pytest.mark.usefixtures("cached_t")
def test_a_a_rarely_claims_a_change() -> None:
    rng = random.Random(7)
    experiments = 2000
    claims = 0
    for _ in range(experiments):
        logs = [rng.gauss(0.0, 0.01) for _ in range(10)]
        claims += classify(estimate(logs, 0.99), 0.02) in ("faster", "slower")
    assert claims / experiments < 0.01
