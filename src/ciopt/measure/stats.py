"""Statistics for A/B rounds. Pure functions over numbers: no I/O, no imports from ciopt.

The unit of replication is the round: each round runs base and head once (in random order) and
contributes one log ratio of their medians. Pooling samples across rounds would understate the
variance between processes, which is where most of the noise on a shared runner lives.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Estimate", "classify", "estimate", "log_ratios", "median", "t_quantile"]


@dataclass(frozen=True)
class Estimate:
    """head/base time ratio with a confidence interval; ``mde`` is the smallest visible change."""

    ratio: float
    ci_low: float
    ci_high: float
    rounds: int
    confidence: float
    mde: float


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


def estimate(logs: Sequence[float], confidence: float) -> Estimate:
    """Mean log ratio over rounds with a Student-t interval, back on the ratio scale."""
    n = len(logs)
    if n == 0:
        raise ValueError("no rounds to estimate from")
    mean = sum(logs) / n
    if n < 2:
        return Estimate(math.exp(mean), 0.0, math.inf, n, confidence, math.inf)
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / (n - 1))
    half = t_quantile(1 - (1 - confidence) / 2, n - 1) * sd / math.sqrt(n)
    return Estimate(
        ratio=math.exp(mean),
        ci_low=math.exp(mean - half),
        ci_high=math.exp(mean + half),
        rounds=n,
        confidence=confidence,
        mde=math.expm1(half),
    )


def classify(est: Estimate, min_effect: float) -> str:
    """``faster``/``slower`` only when the whole interval clears ``min_effect``."""
    if est.ci_high < 1 - min_effect:
        return "faster"
    if est.ci_low > 1 + min_effect:
        return "slower"
    if 1 - min_effect <= est.ci_low and est.ci_high <= 1 + min_effect:
        return "no_change"
    return "inconclusive"


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
