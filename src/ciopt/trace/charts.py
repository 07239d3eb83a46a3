"""The figures of ``trace.html``, as geometry: pure functions from a trace's numbers to the
coordinates that the page's template draws as inline SVG (no plotting library, no script).

``rounds_chart``: one measurement (a candidate's, a compare's): each round's head/base ratio as a
point, the interval at each look, and the band of changes too small to claim (``1 ± min_effect``,
as ``stats.decide`` reads it), on a log scale (the statistics work on log ratios).
``budget_chart``: each limited counter's spending as a bar against its limit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeGuard

from ciopt.trace.read import BudgetRow, LookView, MeasureView

__all__ = ["BudgetChart", "RoundsChart", "budget_chart", "rounds_chart"]

WIDTH, HEIGHT = 640, 230  # the rounds chart's view box
LEFT, RIGHT, TOP, BOTTOM = 52, 14, 10, 34  # its margins: axis labels, the rounds' axis below
BAND_MIN = 3.0  # pixels: the least height of the min_effect band
REACH = 3.0  # how far beyond the rounds' ratios the scale stretches for an interval
OVER = 1.25  # the budget chart's scale: 125% of a limit (a step may overrun it)
ROW, LABEL_W, BUDGET_W = 22, 120, 640


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    text: str  # the point's tooltip


@dataclass(frozen=True)
class LookMark:
    x: float
    low: float  # y of the interval's low end (the ratio's high end is up: y grows downward)
    high: float
    at: float | None  # y of the ratio at this look
    open_low: bool  # the interval runs off the chart: no cap drawn
    open_high: bool
    verdict: str
    text: str


@dataclass(frozen=True)
class Tick:
    at: float
    text: str


@dataclass(frozen=True)
class RoundsChart:
    label: str
    verdict: str
    width: int
    height: int
    left: float
    right: float  # x where the plot ends
    top: float
    bottom: float  # y where the plot ends
    points: list[Point]
    looks: list[LookMark]
    band: tuple[float, float] | None  # y of 1 + min_effect, y of 1 - min_effect
    one: float  # y of ratio 1
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    rounds: int
    min_effect: float | None


@dataclass(frozen=True)
class BudgetBar:
    y: float
    counter: str
    width: float
    level: str  # "" (under the limit), "full" (at it) or "over"
    text: str


@dataclass(frozen=True)
class BudgetChart:
    width: int
    height: int
    x0: float  # where bars start
    limit_x: float  # x of 100% of a limit
    end: float  # x of ``OVER`` times a limit, where the scale ends
    bars: list[BudgetBar]


def rounds_chart(m: MeasureView) -> RoundsChart:
    """The chart of one measurement. Rounds without a ratio leave a gap; an interval that runs
    off the scale (one with too few rounds is unbounded) is drawn to the edge, without a cap."""
    n = len(m.rounds)
    me = m.min_effect if m.min_effect is not None and 0 < m.min_effect < 1 else None
    core = [r for r in m.rounds if _positive(r)] + [k.ratio for k in m.looks if _positive(k.ratio)]
    core += [1.0] + ([1 - me, 1 + me] if me else [])
    ends = [v for k in m.looks for v in (k.ci or ()) if _positive(v)]
    # an early look's interval can span decades: the scale reaches it up to REACH times further
    reach = [min(max(v, min(core) / REACH), max(core) * REACH) for v in ends]
    low, high = _domain(core + reach)
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    span = max([n, 1, *(look.rounds for look in m.looks)])

    def x(round_no: float) -> float:
        return LEFT + (round_no - 0.5) / span * (right - LEFT)

    def y(ratio: float) -> float:
        share = (math.log(ratio) - math.log(low)) / (math.log(high) - math.log(low))
        return bottom - min(max(share, 0.0), 1.0) * (bottom - TOP)

    points = [
        Point(round(x(i), 2), round(y(r), 2), f"round {i}: ratio {_fmt(r)}")
        for i, r in enumerate(m.rounds, start=1)
        if _positive(r)
    ]
    shift = min((right - LEFT) / span * 0.3, 7.0)  # beside the look's last round, not on it
    looks = [
        _look(look, x(look.rounds) + shift, y, low, high)
        for look in m.looks
        if look.rounds and (look.ci or _positive(look.ratio))
    ]
    band = None
    if me:  # at least BAND_MIN pixels tall, to be seen on a scale of decades
        top, low_y = y(1 + me), y(1 - me)
        grow = max(BAND_MIN - (low_y - top), 0.0) / 2
        band = (round(top - grow, 2), round(low_y + grow, 2))
    return RoundsChart(
        label=m.label,
        verdict=m.verdict,
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=right,
        top=TOP,
        bottom=bottom,
        points=points,
        looks=looks,
        band=band,
        one=round(y(1.0), 2),
        y_ticks=[Tick(round(y(t), 2), _fmt(t)) for t in _ratio_ticks(low, high)],
        x_ticks=[Tick(round(x(t), 2), str(t)) for t in _round_ticks(span)],
        rounds=n,
        min_effect=me,
    )


def budget_chart(rows: Sequence[BudgetRow]) -> BudgetChart | None:
    """One bar a counter that has a limit, its length the share of the limit spent (drawn up to
    ``OVER`` times the limit); None when no counter has one."""
    limited = [r for r in rows if r.limit is not None and r.fraction is not None]
    if not limited:
        return None
    plot = BUDGET_W - LABEL_W - 150  # room on the right for "spent of limit"
    limit_x = LABEL_W + plot / OVER
    bars = []
    for i, r in enumerate(limited):
        fraction = r.fraction or 0.0
        text = f"{_amount(r.spent)} of {_amount(r.limit)} ({fraction:.0%})"
        width = min(max(fraction, 0.0), OVER) / OVER * plot
        level = "over" if fraction > 1 else "full" if fraction == 1 else ""
        bars.append(BudgetBar(i * ROW + 18, r.counter, round(width, 2), level, text))
    height = len(limited) * ROW + 22  # the first row under the limit's label
    return BudgetChart(BUDGET_W, height, LABEL_W, round(limit_x, 2), LABEL_W + plot, bars)


def _look(
    look: LookView, at_x: float, y: Callable[[float], float], low: float, high: float
) -> LookMark:
    ci_low, ci_high = look.ci if look.ci else (look.ratio, look.ratio)
    lo = ci_low if _positive(ci_low) else low
    hi = ci_high if ci_high is not None and math.isfinite(ci_high) and ci_high > 0 else high
    interval = f"{_fmt(ci_low)}–{_fmt(ci_high)}" if look.ci else "no interval recorded"
    alpha = f", error rate spent {look.alpha:.2g}" if look.alpha is not None else ""
    text = f"look after {look.rounds} rounds: ratio {_fmt(look.ratio)} ({interval}){alpha}: "
    return LookMark(
        x=round(at_x, 2),
        low=round(y(lo), 2),
        high=round(y(hi), 2),
        at=round(y(look.ratio), 2) if _positive(look.ratio) else None,
        open_low=lo <= low,
        open_high=hi >= high,
        verdict=look.verdict,
        text=text + look.verdict,
    )


def _domain(values: Sequence[float]) -> tuple[float, float]:
    """A log-scale range around ``values``, a little wider than they are, and at least ±5%."""
    lo, hi = math.log(min(values)), math.log(max(values))
    mid, half = (lo + hi) / 2, max((hi - lo) / 2 * 1.12, math.log(1.05))
    return math.exp(mid - half), math.exp(mid + half)


def _ratio_ticks(low: float, high: float) -> list[float]:
    """Round ratios to label the axis with: 1-2-5 steps over a wide range (thinned to seven at
    most, 1 kept), even steps over a narrow one."""
    if high / low > 4:
        decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
        ticks = [m * 10.0**d for d in decades for m in (1, 2, 5)]
        ticks = [t for t in ticks if low <= t <= high]
        while len(ticks) > 7:  # every other one, keeping 1
            ticks = [t for i, t in enumerate(ticks) if i % 2 == 0 or t == 1.0]
        return ticks
    step = _nice((high - low) / 5)
    start = math.ceil(low / step) * step
    return [round(start + i * step, 10) for i in range(int((high - start) / step) + 1)]


def _round_ticks(n: int) -> list[int]:
    step = max(1, _nice(n / 6))
    ticks = [1, *range(int(step), n + 1, int(step))]
    return sorted(set(ticks))


def _nice(raw: float) -> float:
    """1, 2 or 5 times a power of ten, at least ``raw``."""
    power = 10.0 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _positive(value: float | None) -> TypeGuard[float]:
    return value is not None and math.isfinite(value) and value > 0


def _fmt(value: float | None) -> str:
    if value is None:
        return "?"
    return "∞" if math.isinf(value) else f"{value:.3g}"


def _amount(value: float | None) -> str:
    if value is None:
        return "–"
    if abs(value) >= 1e4:  # 400k, 537M: short enough to sit beside its bar
        unit, scale = next(
            (u, f) for u, f in (("G", 1e9), ("M", 1e6), ("k", 1e3)) if abs(value) >= f
        )
        return f"{value / scale:.3g}{unit}"
    return str(int(value)) if float(value).is_integer() else f"{value:.4g}"
