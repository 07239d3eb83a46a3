from __future__ import annotations

import functools
import math
import random

import pytest

from ciopt.measure import stats
from ciopt.measure.stats import (
    Decision,
    Estimate,
    bimodality,
    decide,
    detectable,
    estimate,
    holm,
    log_ratios,
    median,
    t_quantile,
)

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
        estimate([])


def test_estimate_one_round_has_infinite_interval() -> None:
    est = estimate([math.log(0.8)])
    assert est.ratio == pytest.approx(0.8)
    assert est.interval(0.95) == (0.0, math.inf)
    assert detectable(est, 0.95, 0.02) == 1.0
    assert est.rounds == 1
    assert decide(est, 0.05, 0.02).verdict == "inconclusive"


def test_estimate_identical_logs_zero_width() -> None:
    est = estimate([math.log(0.9)] * 5)
    assert est.interval(0.99) == pytest.approx((0.9, 0.9))
    assert detectable(est, 0.99, 0.02) == pytest.approx(0.02)
    assert decide(est, 0.01, 0.02) == Decision("faster", 0.0)


def test_estimate_matches_hand_computation() -> None:
    logs = [-0.1, -0.2, -0.15, -0.05]
    mean = sum(logs) / 4
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / 3)
    half = 3.182446 * sd / 2  # t(0.975, 3)
    est = estimate(logs)
    assert est.ratio == pytest.approx(math.exp(mean))
    low, high = est.interval(0.95)
    assert low == pytest.approx(math.exp(mean - half), rel=1e-5)
    assert high == pytest.approx(math.exp(mean + half), rel=1e-5)
    assert detectable(est, 0.95, 0.02) == pytest.approx(1 - 0.98 * math.exp(-half), rel=1e-5)
    assert est.rounds == 4


def test_higher_confidence_widens_interval() -> None:
    est = estimate([0.01, -0.02, 0.03, 0.0, -0.01])
    (nl, nh), (wl, wh) = est.interval(0.9), est.interval(0.99)
    assert wl < nl < est.ratio < nh < wh


# One-sided p-values of Student's t (scipy.stats.t.sf(t, df)), t -> p.
T_SF = [(2.0, 4, 0.0580), (3.0, 9, 0.0074), (1.0, 29, 0.1628), (4.0, 2, 0.0286)]


@pytest.mark.parametrize(("t", "df", "p"), T_SF)
def test_p_values_match_the_t_distribution(t: float, df: int, p: float) -> None:
    est = Estimate(mean=-t * 0.01, se=0.01, rounds=df + 1)
    assert est.p_below(1.0) == pytest.approx(p, abs=1e-4)
    assert est.p_above(1.0) == pytest.approx(1 - p, abs=1e-4)


def test_p_value_and_interval_agree() -> None:
    """A claim at level alpha/2 one-sided is the same as the (1 - alpha) interval clearing it."""
    est = estimate([-0.05, -0.04, -0.06, -0.03, -0.05, -0.045])
    for alpha in (0.2, 0.05, 0.01, 0.001):
        high = est.interval(1 - alpha)[1]
        assert (est.p_below(high * 1.0001) < alpha / 2) and not est.p_below(high * 0.9999) < (
            alpha / 2
        )


ME = 0.02
LOW, HIGH = 1 - ME, 1 + ME


def at(ratio: float, half: float) -> Estimate:
    """An estimate whose 99% interval is ``ratio`` times/over ``exp(half)`` (df = 9)."""
    return Estimate(math.log(ratio), half / t_quantile(0.995, 9), 10)


@pytest.mark.parametrize(
    ("ratio", "half", "expected"),
    [
        (0.85, 0.05, "faster"),
        (0.96, 0.01, "faster"),
        (0.975, 0.01, "inconclusive"),  # the interval reaches past 1 - min_effect
        (1.15, 0.05, "slower"),
        (1.0, 0.015, "no_change"),
        (1.0, 0.025, "inconclusive"),
        (0.99, 0.05, "inconclusive"),
    ],
)
def test_decide_reads_the_interval(ratio: float, half: float, expected: str) -> None:
    est = at(ratio, half)
    assert decide(est, 0.01, ME).verdict == expected
    low, high = est.interval(0.99)
    by_interval = (
        "faster"
        if high < LOW
        else "slower"
        if low > HIGH
        else "no_change"
        if low >= LOW and high <= HIGH
        else "inconclusive"
    )
    assert by_interval == expected


def test_decided_claims_carry_their_p_value() -> None:
    decision = decide(at(0.85, 0.05), 0.01, ME)
    assert 0 < decision.p < 0.005
    assert decide(at(0.99, 0.05), 0.01, ME).p == 1.0


@pytest.mark.parametrize(
    ("ps", "alpha", "rejected"),
    [
        ([0.01, 0.04, 0.03, 0.005], 0.05, [True, False, False, True]),
        ([0.01, 0.02, 0.03], 0.05, [True, True, True]),  # 0.01<=.05/3, .02<=.05/2, .03<=.05
        ([0.02, 0.001], 0.05, [True, True]),
        ([0.03, 0.03], 0.05, [False, False]),  # Bonferroni's first step already fails
        ([], 0.05, []),
    ],
)
def test_holm(ps: list[float], alpha: float, rejected: list[bool]) -> None:
    assert holm(ps, alpha) == rejected


def test_holm_keeps_the_family_wise_error_on_nulls() -> None:
    rng = random.Random(5)
    trials = 4000
    any_false = sum(any(holm([rng.random() for _ in range(5)], 0.05)) for _ in range(trials))
    assert 0.035 < any_false / trials <= 0.056


def test_bimodality_coefficient() -> None:
    rng = random.Random(11)
    normal = [rng.gauss(0, 1) for _ in range(2000)]
    two_modes = [rng.gauss(-3, 0.5) for _ in range(1000)] + [rng.gauss(3, 0.5) for _ in range(1000)]
    uniform = [rng.random() for _ in range(2000)]
    assert bimodality(normal) == pytest.approx(1 / 3, abs=0.03)
    assert bimodality(uniform) == pytest.approx(5 / 9, abs=0.03)
    assert bimodality(two_modes) > 0.8
    assert bimodality([1.0, 1.0, 1.0, 1.0]) == 0.0


@pytest.fixture
def cached_t(monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulations call ``t_quantile`` thousands of times with the same (p, df): memoise."""
    monkeypatch.setattr(stats, "t_quantile", functools.cache(t_quantile))


@pytest.mark.usefixtures("cached_t")
def test_interval_coverage() -> None:
    rng = random.Random(20240601)
    true_ratio, experiments = 0.9, 2000
    covered = 0
    for _ in range(experiments):
        low, high = estimate([rng.gauss(math.log(true_ratio), 0.05) for _ in range(10)]).interval(
            0.95
        )
        covered += low <= true_ratio <= high
    assert 0.93 <= covered / experiments <= 0.97


@pytest.mark.usefixtures("cached_t")
def test_a_a_rarely_claims_a_change() -> None:
    rng = random.Random(7)
    experiments = 2000
    claims = 0
    for _ in range(experiments):
        logs = [rng.gauss(0.0, 0.01) for _ in range(10)]
        claims += decide(estimate(logs), 0.01, 0.02).verdict in ("faster", "slower")
    assert claims / experiments < 0.01
