"""Rendering results as text with jinja2: the PR/MR body (``report.md``)."""

from __future__ import annotations

import jinja2

from ciopt.verdict import Verdict

__all__ = ["render_report"]


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ciopt.report", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - markdown, not HTML; forges sanitise what they render
    )
    env.globals.update(num=_num, dur=_dur, pct=_pct, pct_delta=_pct_delta, speedup=_speedup)
    return env


def render_report(verdict: Verdict) -> str:
    names = ", ".join(f"`{t.split('::')[-1]}`" for t in verdict.targets) or "the target"
    return _env().get_template("report.md.j2").render(v=verdict, names=names)


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


def _speedup(ratio: float | None) -> str:
    if not ratio:
        return "faster"
    if ratio < 0.5:
        return f"{1 / ratio:.3g}× faster"
    return f"{(1 - ratio) * 100:.2g}% faster"
