"""Statistics for A/B rounds. Pure functions over numbers: no I/O, no imports from ciopt.

The unit of replication is the round: each round runs base and head once (in random order) and
contributes one log ratio of their medians. Pooling samples across rounds would understate the
variance between processes, which is where most of the noise on a shared runner lives.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Decision",
    "Estimate",
    "bimodality",
    "decide",
    "detectable",
    "estimate",
    "holm",
    "log_ratios",
    "median",
    "t_quantile",
]


@dataclass(frozen=True)
class Estimate:
    """The mean log ratio (head/base) over rounds and its standard error.

    Intervals and p-values come from Student's t with ``rounds - 1`` degrees of freedom, so one
    estimate answers at any confidence level (the sequential plan asks at several).
    """

    mean: float
    se: float
    rounds: int

    @property
    def ratio(self) -> float:
        return math.exp(self.mean)

    def interval(self, confidence: float) -> tuple[float, float]:
        """A two-sided ``confidence`` interval for the ratio."""
        if self.rounds < 2:
            return 0.0, math.inf
        if self.se == 0:
            return self.ratio, self.ratio
        half = t_quantile(1 - (1 - confidence) / 2, self.rounds - 1) * self.se
        return math.exp(self.mean - half), math.exp(self.mean + half)

    def p_below(self, ratio: float) -> float:
        """One-sided p-value against "the true ratio is at least ``ratio``" (small: it is below)."""
        return self._p(math.log(ratio) - self.mean)

    def p_above(self, ratio: float) -> float:
        """One-sided p-value against "the true ratio is at most ``ratio``" (small: it is above)."""
        return self._p(self.mean - math.log(ratio))

    def _p(self, margin: float) -> float:
        if self.rounds < 2:
            return 1.0
        if self.se == 0:
            return 0.0 if margin > 0 else 1.0
        return 1 - _t_cdf(margin / self.se, self.rounds - 1)


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("median of no values")
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def log_ratios(base: Sequence[float], head: Sequence[float]) -> list[float]:
    """Per-round ``log(head / base)``; the two sequences are paired by round."""
    if len(base) != len(head):
        raise ValueError("base and head must have one value per round")
    return [math.log(h / b) for b, h in zip(base, head, strict=True)]


def estimate(logs: Sequence[float]) -> Estimate:
    """Mean and standard error of per-round log ratios (the round is the unit of replication)."""
    n = len(logs)
    if n == 0:
        raise ValueError("no rounds to estimate from")
    mean = sum(logs) / n
    if n < 2:
        return Estimate(mean, math.inf, n)
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / (n - 1))
    return Estimate(mean, sd / math.sqrt(n), n)


@dataclass(frozen=True)
class Decision:
    """What an estimate shows at one significance level: a verdict word and its p-value."""

    verdict: str
    p: float  # of the claim made; 1.0 for inconclusive


def decide(est: Estimate, alpha: float, min_effect: float) -> Decision:
    """The claim the data support at two-sided level ``alpha``, if any.

    ``faster`` when the whole interval lies below ``1 - min_effect``, ``slower`` above
    ``1 + min_effect``, ``no_change`` inside both (two one-sided tests), else ``inconclusive``.
    Each claim is a one-sided test at ``alpha / 2``, the same as reading the interval.
    """
    low, high = 1 - min_effect, 1 + min_effect
    claims = {
        "faster": est.p_below(low),
        "slower": est.p_above(high),
        "no_change": max(est.p_above(low), est.p_below(high)),
    }
    word, p = min(claims.items(), key=lambda kv: kv[1])
    return Decision(word, p) if p < alpha / 2 else Decision("inconclusive", 1.0)


def holm(ps: Sequence[float], alpha: float) -> list[bool]:
    """Holm's step-down: which of ``ps`` are rejected with family-wise error ``alpha``."""
    order = sorted(range(len(ps)), key=lambda i: ps[i])
    rejected = [False] * len(ps)
    for rank, i in enumerate(order):
        if ps[i] > alpha / (len(ps) - rank):
            break
        rejected[i] = True
    return rejected


def detectable(est: Estimate, confidence: float, min_effect: float) -> float:
    """The smallest speedup this measurement would have called ``faster`` (at its estimate).

    A true ratio ``r`` is declared faster when ``r * exp(half-width) < 1 - min_effect``, so the
    smallest visible speedup is ``1 - (1 - min_effect) / exp(half-width)``.
    """
    low, high = est.interval(confidence)
    if not math.isfinite(high) or low <= 0:
        return 1.0
    half = (math.log(high) - math.log(low)) / 2
    return 1 - (1 - min_effect) * math.exp(-half)


def bimodality(values: Sequence[float]) -> float:
    """Sarle's bimodality coefficient: above 5/9 (a uniform's) hints at two modes."""
    n = len(values)
    if n < 4:
        return 0.0
    mean = sum(values) / n
    m2 = sum((x - mean) ** 2 for x in values) / n
    if m2 == 0:
        return 0.0
    m3 = sum((x - mean) ** 3 for x in values) / n
    m4 = sum((x - mean) ** 4 for x in values) / n
    skew = m3 / m2**1.5 * math.sqrt(n * (n - 1)) / (n - 2)
    kurt = ((n + 1) * (m4 / m2**2 - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    return float((skew**2 + 1) / (kurt + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom (bisection on the CDF)."""
    if not 0 < p < 1 or df <= 0:
        raise ValueError("need 0 < p < 1 and df > 0")
    if p < 0.5:
        return -t_quantile(1 - p, df)
    lo, hi = 0.0, 1.0
    while _t_cdf(hi, df) < p:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if _t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    return (lo + hi) / 2


def _t_cdf(t: float, df: float) -> float:
    x = df / (df + t * t)
    tail = 0.5 * _betainc(df / 2, 0.5, x)
    return 1 - tail if t >= 0 else tail


def _betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta I_x(a, b) (continued fraction, modified Lentz)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    front = math.exp(log_front + a * math.log(x) + b * math.log1p(-x))
    if x > (a + 1) / (a + b + 2):
        return 1 - _betainc(b, a, 1 - x)
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 500):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1) < 1e-15:
            break
    return front * result / a
