"""An eval's summary as text: ``eval.md`` (the report) and the lines ``ciopt eval`` prints."""

from __future__ import annotations

from pathlib import Path

import jinja2

from ciopt.learn.results import EvalSummary
from ciopt.templating import environment

__all__ = ["render_markdown", "render_text"]


def _env() -> jinja2.Environment:
    env = environment("ciopt.learn")
    env.globals.update(num=_num, pct=_pct)
    return env


def render_markdown(summary: EvalSummary) -> str:
    return _env().get_template("eval.md.j2").render(s=summary, t=summary.totals)


def render_text(summary: EvalSummary, out: Path) -> str:
    """What ``ciopt eval`` prints when it is done; ``out``: where eval.json and eval.md are."""
    return _env().get_template("eval.txt.j2").render(s=summary, t=summary.totals, out=out)


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3g}"


def _pct(share: float) -> str:
    return f"{share * 100:.3g}%"
