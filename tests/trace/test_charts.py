"""The figures of ``trace.html`` as geometry: a measurement's rounds and looks, the budget."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ciopt.trace.charts import HEIGHT, budget_chart, rounds_chart
from ciopt.trace.read import BudgetRow, LookView, MeasureView, SpanView, read_trace
from tests.trace.written import RATIOS_1, write_measured_trace


def measures(tmp_path: Path, *, older: bool = False) -> list[MeasureView]:
    return read_trace(write_measured_trace(tmp_path / "trace.jsonl", older=older)).measures


def test_one_point_a_round_placed_by_its_ratio_on_a_log_scale(tmp_path: Path) -> None:
    chart = rounds_chart(measures(tmp_path)[0])
    assert chart.label == "candidate 1" and chart.verdict == "faster"
    assert len(chart.points) == chart.rounds == len(RATIOS_1)
    xs = [p.x for p in chart.points]
    assert xs == sorted(xs) and chart.left < xs[0] and xs[-1] < chart.right
    ys = {r: p.y for r, p in zip(RATIOS_1, chart.points, strict=True)}
    assert ys[0.48] > ys[0.49] > ys[0.5] > ys[0.51] > ys[0.52]  # up is slower
    assert chart.points[2].text == "round 3: ratio 0.5"
    # a log scale: equal ratios, equal distances
    assert ys[0.48] - ys[0.5] == pytest.approx(
        (ys[0.5] - ys[0.52]) * math.log(0.5 / 0.48) / math.log(0.52 / 0.5), abs=0.05
    )


def test_looks_show_their_interval_and_the_band_its_min_effect(tmp_path: Path) -> None:
    chart = rounds_chart(measures(tmp_path)[0])
    early, decided = chart.looks
    assert early.open_low and early.open_high  # decades wide: runs off both ends, no caps
    assert (early.high, early.low) == (chart.top, chart.bottom)
    assert not decided.open_low and not decided.open_high
    assert chart.top < decided.high < decided.at < decided.low < chart.bottom  # type: ignore[operator]
    assert decided.x > chart.points[-1].x  # beside the round it looked after
    assert "look after 5 rounds: ratio 0.5 (0.45–0.56)" in decided.text
    assert decided.verdict == "faster" and early.verdict == "inconclusive"
    assert chart.min_effect == 0.02 and chart.band is not None
    top, bottom = chart.band
    assert top < chart.one < bottom and bottom - top >= 3  # seen even on a wide scale
    assert decided.high > bottom  # the whole interval below the band (further down): faster
    assert any(t.text == "1" for t in chart.y_ticks) and any(t.text == "0.5" for t in chart.y_ticks)


def test_a_narrow_range_is_scaled_to_be_seen(tmp_path: Path) -> None:
    chart = rounds_chart(measures(tmp_path)[1])
    assert [p.text for p in chart.points] == [
        "round 1: ratio 1.01",
        "round 2: ratio 0.99",
        "round 3: ratio 1",
    ]
    assert chart.band is not None
    assert chart.band[1] - chart.band[0] > HEIGHT / 5  # ±2% is a wide stripe here
    assert [t.text for t in chart.y_ticks] == ["0.96", "0.98", "1", "1.02", "1.04"]


def test_an_older_trace_still_draws_its_rounds_and_last_interval(tmp_path: Path) -> None:
    old = measures(tmp_path, older=True)[0]
    assert old.rounds == pytest.approx(RATIOS_1)  # from the medians
    assert old.min_effect is None
    assert [look.ci for look in old.looks] == [None, (0.45, 0.56)]  # the span's interval
    chart = rounds_chart(old)
    assert len(chart.points) == 5 and chart.band is None
    assert len(chart.looks) == 1  # the first look has neither ratio nor interval


def test_missing_and_impossible_numbers_do_not_break_a_chart() -> None:
    span = SpanView("s", "measure", None, 0.0, {"candidate": "<b>"})
    weird = MeasureView(
        span,
        [None, 0.0, math.inf, 0.5],
        [LookView(4, None, "inconclusive", 0.5, (0.0, math.inf)), LookView(0, None, "?", 1, None)],
        5.0,
    )
    chart = rounds_chart(weird)
    assert len(chart.points) == 1 and chart.rounds == 4
    (look,) = chart.looks
    assert look.open_low and look.open_high
    assert chart.band is None  # a min_effect of 500% is no band
    assert chart.label == "candidate <b>"  # the page escapes it


def test_budget_bars_against_their_limits() -> None:
    rows = [
        BudgetRow("llm_calls", 6, 4),
        BudgetRow("candidates", 2, 2),
        BudgetRow("bench_seconds", 12.5, 60.0),
        BudgetRow("cost_usd", 0.1, None),
        BudgetRow("output_bytes", 1_005_882, 536_870_912),
    ]
    chart = budget_chart(rows)
    assert chart is not None
    assert [b.counter for b in chart.bars] == [
        "llm_calls",
        "candidates",
        "bench_seconds",
        "output_bytes",
    ]
    over, full, some, tiny = chart.bars
    assert (over.level, full.level, some.level) == ("over", "full", "")
    assert full.width == pytest.approx(chart.limit_x - chart.x0)
    assert over.width == pytest.approx(chart.end - chart.x0)  # 150%, drawn to the scale's end
    assert some.width == pytest.approx((chart.limit_x - chart.x0) * 12.5 / 60, abs=0.01)
    assert over.text == "6 of 4 (150%)" and tiny.text == "1.01M of 537M (0%)"
    assert budget_chart([BudgetRow("cost_usd", 0.1, None)]) is None
