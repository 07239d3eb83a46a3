"""From per-round samples to verdicts at one look: per benchmark with Holm, and overall.

Pure functions over numbers. The overall verdict comes from the benchmarks the request names
(``primary``), or, when it names none, from all of them: one log ratio a round, the mean of the
benchmarks' log ratios (the log of their geometric mean).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from ciopt.measure import stats

__all__ = [
    "OVERALL",
    "BenchmarkResult",
    "Samples",
    "analyse",
    "is_primary",
    "mean_logs",
    "round_ratio",
]

OVERALL = "*"  # the key of the overall (geometric mean) in noise floors


@dataclass
class Samples:
    """Per-round medians (seconds per call) of each benchmark on each side, paired by round."""

    base: dict[str, list[float]] = field(default_factory=dict)
    head: dict[str, list[float]] = field(default_factory=dict)

    def add(self, side: str, medians: Mapping[str, float]) -> None:
        target = self.base if side == "base" else self.head
        for name, value in medians.items():
            target.setdefault(name, []).append(value)

    def logs(self) -> dict[str, list[float]]:
        """Per-round log(head/base) of every benchmark both sides ran, in name order."""
        return {
            name: stats.log_ratios(self.base[name][: len(head)], head)
            for name, head in sorted(self.head.items())
            if name in self.base and len(self.base[name]) >= len(head)
        }


@dataclass(frozen=True)
class BenchmarkResult:
    """One benchmark (or the overall geometric mean) at the look that ended the experiment."""

    name: str
    estimate: stats.Estimate
    ci: tuple[float, float]  # at the level of the deciding look
    verdict: str
    p: float
    min_effect: float  # the larger of the asked minimum effect and the measured noise floor
    mde: float
    base_median_s: float | None = None
    head_median_s: float | None = None

    @property
    def ratio(self) -> float:
        return self.estimate.ratio


def is_primary(name: str, selectors: Sequence[str]) -> bool:
    """Whether benchmark ``name`` is one that a ``file::test`` selector names."""
    return any(name == s or name.startswith((f"{s}[", f"{s}::")) for s in selectors)


def analyse(
    samples: Samples,
    *,
    alpha: float,
    min_effect: float,
    primary: Sequence[str] = (),
    floors: Mapping[str, float] | None = None,
) -> tuple[list[BenchmarkResult], BenchmarkResult]:
    """Per-benchmark verdicts (Holm over the benchmarks at ``alpha``) and the overall one."""
    floors = floors or {}
    logs = samples.logs()
    if not logs:
        raise ValueError("no benchmark ran on both sides")
    results = [
        _result(name, series, alpha, max(min_effect, floors.get(name, 0.0)))
        for name, series in logs.items()
    ]
    # Holm's family is the benchmarks; each claim is a one-sided test at alpha / 2.
    keep = stats.holm([r.p for r in results], alpha / 2)
    results = [
        _with_medians(r if kept else _inconclusive(r), samples)
        for r, kept in zip(results, keep, strict=True)
    ]
    named = [n for n in logs if is_primary(n, primary)] or list(logs)
    per_round = mean_logs([logs[n] for n in named])
    label = named[0] if len(named) == 1 else f"geometric mean of {len(named)}"
    overall = _result(label, per_round, alpha, max(min_effect, floors.get(OVERALL, 0.0)))
    if len(named) == 1:
        overall = _with_medians(overall, samples)
    return results, overall


def round_ratio(
    base: Mapping[str, float], head: Mapping[str, float], primary: Sequence[str] = ()
) -> float | None:
    """One round's head/base ratio as the overall verdict sees it: the primary benchmarks' (or,
    when none is named, every benchmark's) geometric mean. None when no benchmark can say."""
    both = sorted(n for n in head if base.get(n, 0) > 0 and head[n] > 0)
    named = [n for n in both if is_primary(n, primary)] or both
    if not named:
        return None
    return math.exp(sum(math.log(head[n] / base[n]) for n in named) / len(named))


def mean_logs(series: Sequence[Sequence[float]]) -> list[float]:
    """Per round, the mean of several benchmarks' log ratios: the log of their geometric mean."""
    return [sum(col) / len(col) for col in zip(*series, strict=True)]


def _result(name: str, logs: Sequence[float], alpha: float, min_effect: float) -> BenchmarkResult:
    est = stats.estimate(logs)
    decision = stats.decide(est, alpha, min_effect)
    return BenchmarkResult(
        name=name,
        estimate=est,
        ci=est.interval(1 - alpha),
        verdict=decision.verdict,
        p=decision.p,
        min_effect=min_effect,
        mde=stats.detectable(est, 1 - alpha, min_effect),
    )


def _inconclusive(result: BenchmarkResult) -> BenchmarkResult:
    return replace(result, verdict="inconclusive", p=1.0)


def _with_medians(result: BenchmarkResult, samples: Samples) -> BenchmarkResult:
    base, head = samples.base.get(result.name), samples.head.get(result.name)
    if not base or not head:
        return result
    return replace(result, base_median_s=stats.median(base), head_median_s=stats.median(head))
