"""Rendering results as text with jinja2: the PR/MR body (``report.md``)."""

from __future__ import annotations

from pathlib import Path

import jinja2

from ciopt.measure import Calibration
from ciopt.report.charts import mermaid_bars
from ciopt.templating import code, environment
from ciopt.verdict import BenchmarkVerdict, Discovery, Verdict

__all__ = [
    "render_calibration",
    "render_compare",
    "render_discovery",
    "render_report",
    "render_text",
]

DISCOVERY_ROWS = 15  # rows of the terminal table (discovery.json holds them all)


def _env() -> jinja2.Environment:
    env = environment("ciopt.report")
    env.globals.update(
        num=_num,
        dur=_dur,
        pct=_pct,
        pct_delta=_pct_delta,
        speedup=_speedup,
        amount=_amount,
        share=_share,
        bars_chart=mermaid_bars,
    )
    return env


def render_text(template: str, **values: object) -> str:
    """Any other template of ``ciopt.report``, with the same filters."""
    return _env().get_template(template).render(**values)


def render_report(verdict: Verdict) -> str:
    names = ", ".join(code(t.split("::")[-1]) for t in verdict.targets) or "the target"
    return _env().get_template("report.md.j2").render(v=verdict, names=names)


def render_compare(verdict: Verdict, template: str = "compare.md.j2") -> str:
    """``compare.md.j2`` (the report) or ``compare.txt.j2`` (the terminal table)."""
    instructions = verdict.measurement is not None and verdict.measurement.measure == "instructions"
    width = max([len(b.name) for b in verdict.benchmarks] + [9])
    return (
        _env()
        .get_template(template)
        .render(
            v=verdict,
            m=verdict.measurement,
            width=width,
            unit_base="base instr" if instructions else "base",
            unit_head="head instr" if instructions else "head",
        )
    )


def render_discovery(discovery: Discovery) -> str:
    """``ciopt discover``'s terminal table: the hottest functions, the picked ones marked."""
    rows = discovery.rows[: max(DISCOVERY_ROWS, len(discovery.targets))]
    width = max([len(r.target) for r in rows] + [len("function")])
    return _env().get_template("discovery.txt.j2").render(d=discovery, rows=rows, width=width)


def render_calibration(calibration: Calibration, warnings: list[str], saved: Path | None) -> str:
    names = [len(n.name) for n in calibration.benchmarks] + [len("overall (geometric mean)")]
    return (
        _env()
        .get_template("calibration.txt.j2")
        .render(c=calibration, warnings=warnings, saved=saved, width=max(names))
    )


def _amount(bench: BenchmarkVerdict, side: str) -> str:
    count = getattr(bench, f"{side}_instructions")
    if count is not None:
        return f"{count:.4g}"
    seconds = getattr(bench, f"{side}_median_s")
    return "–" if seconds is None else _dur(seconds)


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3g}"


def _dur(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def _pct(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio * 100:.3g}%"


def _pct_delta(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.2g}%"


def _share(fraction: float) -> str:
    """A share of the benchmark time, as a percentage."""
    percent = fraction * 100
    if 0 < percent < 0.1:
        return "<0.1%"
    return f"{percent:.1f}%" if percent < 99.95 else f"{percent:.0f}%"


def _speedup(ratio: float | None) -> str:
    if not ratio:
        return "faster"
    if ratio < 0.5:
        return f"{1 / ratio:.3g}× faster"
    return f"{(1 - ratio) * 100:.2g}% faster"
