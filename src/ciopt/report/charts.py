"""The report's chart: base against head time per benchmark, as a Mermaid bar chart.

GitHub and GitLab draw a fenced ```mermaid block as a diagram (GitLab with Mermaid 10, 11 since
GitLab 19). The chart is an ``xychart-beta`` (Mermaid 10.5 and later; 11 still reads the
``-beta`` keyword), horizontal so that long names fit, one bar series with a ``base`` and a
``head`` bar per benchmark: two series would be grouped by some Mermaid versions and stacked by
others. At most ``CHART_BENCHMARKS`` benchmarks (the table has them all), one unit per chart.

Benchmark names come from the client's repository: each becomes a quoted Mermaid string of word
characters and ``.-_[]()=+/:`` only (nothing else can end the string, start a comment, an entity
or a directive, or carry markup), cut to ``LABEL_CHARS``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from ciopt.templating import codeblock
from ciopt.verdict import BenchmarkVerdict

__all__ = ["CHART_BENCHMARKS", "mermaid_bars"]

CHART_BENCHMARKS = 6
LABEL_CHARS = 32
UNSAFE = re.compile(r"[^\w.\-\[\]()=+/: ]+")
TIME_UNITS = (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9))
COUNT_UNITS = (("G", 1e9), ("M", 1e6), ("k", 1e3), ("", 1.0))
BAR_PX, FRAME_PX = 26, 110  # the chart's height: per bar, and for its title and axis
COLOR = "#4e79a7"  # the bars', readable on a light and a dark page


def mermaid_bars(
    benchmarks: Sequence[BenchmarkVerdict],
    *,
    head: str = "head",
    limit: int = CHART_BENCHMARKS,
) -> str:
    """A fenced ``mermaid`` block charting each benchmark's base and head medians (times, or
    instructions per call); empty when no benchmark has both."""
    rows = [(b.name, *pair) for b in benchmarks if (pair := _amounts(b)) is not None]
    if not rows:
        return ""
    shown = rows[:limit]
    counts = any(b.base_instructions is not None for b in benchmarks)
    largest = max(max(base, top) for _, base, top in shown)
    unit, scale = _unit(largest, COUNT_UNITS if counts else TIME_UNITS)
    axis = f"{unit} instructions per call".strip() if counts else f"{unit} per call (median)"
    labels = _labels([name for name, _, _ in shown])
    categories = [f"{label} · {side}" for label in labels for side in ("base", head)]
    values = [v / scale for _, base, top in shown for v in (base, top)]
    title = f"base against {head}" + (
        f" (the first {len(shown)} of {len(rows)} benchmarks)" if len(rows) > len(shown) else ""
    )
    height = FRAME_PX + BAR_PX * len(values)
    lines = [
        "%%{init: {"
        + f'"xyChart": {{"width": 640, "height": {height}}}, '
        + f'"themeVariables": {{"xyChart": {{"plotColorPalette": "{COLOR}"}}}}'
        + "}}%%",
        "xychart-beta horizontal",
        f'    title "{_safe(title, 80)}"',
        "    x-axis [" + ", ".join(f'"{c}"' for c in categories) + "]",
        f'    y-axis "{_safe(axis, 80)}" 0 --> {_decimal(_ceiling(max(values)))}',
        "    bar [" + ", ".join(_decimal(v) for v in values) + "]",
    ]
    return codeblock("\n".join(lines), "mermaid")


def _amounts(b: BenchmarkVerdict) -> tuple[float, float] | None:
    """The base and head medians of ``b`` (instructions when counted), if both are usable."""
    if b.base_instructions is not None or b.head_instructions is not None:
        pair = (b.base_instructions, b.head_instructions)
    else:
        pair = (b.base_median_s, b.head_median_s)
    base, head = pair
    ok = all(v is not None and math.isfinite(v) and v >= 0 for v in pair)
    return (float(base), float(head)) if ok and base is not None and head is not None else None


def _labels(names: Sequence[str]) -> list[str]:
    """Short, safe and distinct labels: the test's name (after the last ``::``), numbered when
    two are the same."""
    seen: dict[str, int] = {}
    labels = []
    for i, name in enumerate(names, start=1):
        label = _safe(name.rsplit("::", 1)[-1]) or f"benchmark {i}"
        seen[label] = seen.get(label, 0) + 1
        labels.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return labels


def _safe(text: str, limit: int = LABEL_CHARS) -> str:
    """``text`` as the inside of a Mermaid string: unsafe runs become ``_``, cut with ``…``."""
    clean = " ".join(UNSAFE.sub("_", text).split())
    return clean if len(clean) <= limit else clean[: limit - 1].rstrip() + "…"


def _unit(largest: float, units: Sequence[tuple[str, float]]) -> tuple[str, float]:
    """The largest unit in which ``largest`` is at least 1 (the smallest unit otherwise)."""
    return next(((u, s) for u, s in units if largest >= s), units[-1])


def _ceiling(value: float) -> float:
    """The axis' end: a round number (1, 2 or 5 times a power of ten, a multiple) above value."""
    if value <= 0:
        return 1.0
    step = 10.0 ** math.floor(math.log10(value / 5))
    step = next(m * step for m in (1, 2, 5, 10) if m * step * 5 >= value)
    return math.ceil(value / step) * step


def _decimal(value: float) -> str:
    """A number as Mermaid reads it (digits and a point, never an exponent), to three
    significant digits: a bar 1000 times shorter than the longest is still not zero."""
    if value == 0 or not math.isfinite(value):
        return "0"
    places = min(max(0, 2 - math.floor(math.log10(abs(value)))), 12)
    text = f"{value:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
