"""The report's Mermaid chart: base against head per benchmark, read back line by line."""

from __future__ import annotations

import re

import pytest

from ciopt.report.charts import CHART_BENCHMARKS, LABEL_CHARS, mermaid_bars
from ciopt.verdict import BenchmarkVerdict
from tests.helpers.markdown import PLANTED, XYChart, mermaid_blocks, parse_xychart, tokens


def bench(name: str, base: float, head: float, **more: float) -> BenchmarkVerdict:
    return BenchmarkVerdict(
        name=name,
        ratio=head / base,
        ci=(head / base * 0.9, head / base * 1.1),
        rounds=7,
        base_median_s=base,
        head_median_s=head,
        verdict="faster",
        **more,
    )


def chart_of(block: str) -> XYChart:
    (content,) = mermaid_blocks(block)
    return parse_xychart(content)


def test_a_chart_pairs_base_and_head_bars_in_one_unit() -> None:
    block = mermaid_bars(
        [bench("b.py::test_dedupe", 5.6e-3, 8.7e-5), bench("b.py::test_split", 1.2e-3, 1.25e-3)],
        head="candidate",
    )
    [fence] = [t for t in tokens(block) if t.type == "fence"]
    assert fence.info == "mermaid" and block.startswith("```mermaid\n") and block.endswith("```")
    chart = parse_xychart(fence.content)
    assert chart.orientation == "horizontal"
    assert chart.categories == [
        "test_dedupe · base",
        "test_dedupe · candidate",
        "test_split · base",
        "test_split · candidate",
    ]
    assert chart.axis == "ms per call (median)"
    assert chart.bars == [5.6, 0.087, 1.2, 1.25]
    assert chart.top == 6 and chart.top >= max(chart.bars)
    assert chart.config["xyChart"]["height"] < 300  # small beside the report's text


@pytest.mark.parametrize(
    ("base", "head", "unit", "bars"),
    [
        (2.5, 1.0, "s", [2.5, 1.0]),
        (4.2e-5, 3.1e-6, "µs", [42.0, 3.1]),
        (8e-9, 2e-9, "ns", [8.0, 2.0]),
    ],
)
def test_the_unit_fits_the_largest_bar(
    base: float, head: float, unit: str, bars: list[float]
) -> None:
    chart = chart_of(mermaid_bars([bench("t", base, head)]))
    assert chart.axis == f"{unit} per call (median)"
    assert chart.bars == pytest.approx(bars)


def test_instructions_are_charted_as_counts() -> None:
    counted = BenchmarkVerdict(
        name="t",
        ratio=0.5,
        ci=(0.5, 0.5),
        rounds=1,
        base_instructions=4.0e6,
        head_instructions=2.0e6,
        verdict="faster",
    )
    chart = chart_of(mermaid_bars([counted]))
    assert chart.axis == "M instructions per call"
    assert chart.bars == [4.0, 2.0]


def test_the_number_of_benchmarks_shown_is_capped() -> None:
    many = [bench(f"b.py::test_{i}", 1e-3 * (i + 1), 1e-3) for i in range(CHART_BENCHMARKS + 4)]
    chart = chart_of(mermaid_bars(many))
    assert len(chart.bars) == 2 * CHART_BENCHMARKS
    assert "the first 6 of 10 benchmarks" in chart.title


def test_nothing_to_chart_gives_no_block() -> None:
    assert mermaid_bars([]) == ""
    no_medians = BenchmarkVerdict(name="t", ratio=1.0, ci=(1, 1), rounds=3, verdict="no_change")
    assert mermaid_bars([no_medians]) == ""


def test_a_strangers_benchmark_names_stay_labels() -> None:
    """Names come from the client's repository: nothing in one can end its string, the line or
    the block, start a comment, directive or entity, or carry markup."""
    hostile = [
        f"b.py::test_x[{PLANTED}]",
        'b.py::test_y["]\n    bar [1]\n%%{init: {"theme": "dark"}}%%',
        "b.py::test_z[#quot;;&lt;`x`]",
        "b.py::test_z[#quot;;&lt;`x`]",  # the same label twice stays two bars
        "b.py::\u202etest\u200b\u0000",
        "b.py::",
    ]
    block = mermaid_bars([bench(name, 2e-3, 1e-3) for name in hostile])
    chart = chart_of(block)
    labels = [c.rsplit(" · ", 1)[0] for c in chart.categories[::2]]
    assert len(labels) == len(set(labels)) == CHART_BENCHMARKS
    for label in labels:
        assert re.fullmatch(r"[\w.\-\[\]()=+/: …]+", label), label
        assert len(label) <= LABEL_CHARS + 4  # a number added to tell two apart
    assert labels[-1] == "benchmark 6"
    assert block.count("```") == 2 and block.count("%%") == 2  # its own fence and directive
