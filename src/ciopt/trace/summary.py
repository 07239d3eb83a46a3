"""``ciopt trace show``: a run's trace as a terminal summary, rendered from a jinja2 template."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ciopt.templating import environment
from ciopt.trace.read import BudgetRow, TraceFile

__all__ = ["CALL_COLUMNS", "Table", "dur", "money", "num", "percent", "short", "summarize"]

CALL_COLUMNS = (
    "signature",
    "model",
    "policy",
    "attempts",
    "tokens in/out",
    "cost",
    "latency",
    "outcome",
)


@dataclass(frozen=True)
class Table:
    """Cells already formatted; the template pads each column to ``widths``."""

    headers: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]

    @property
    def widths(self) -> list[int]:
        return [
            max(len(r[i]) for r in [self.headers, *self.rows]) for i in range(len(self.headers))
        ]


def summarize(trace: TraceFile) -> str:
    env = environment("ciopt.trace")
    env.globals.update(dur=dur)
    return env.get_template("summary.txt.j2").render(
        t=trace,
        steps=Table(
            ("step", "time", "status"),
            [(s.label, dur(s.duration_s), s.status) for s in trace.roots],
        ),
        candidates=Table(
            ("#", "outcome", "reason", "ratio"),
            [(str(c.number), c.outcome, c.reason, num(c.ratio)) for c in trace.candidates],
        ),
        calls=_calls(trace),
        budget=Table(("counter", "spent", "limit", "used"), [_budget(b) for b in trace.budget]),
    )


def _calls(trace: TraceFile) -> Table:
    rows = [
        (
            str(p.get("signature") or "?"),
            str(p.get("model") or "?"),
            short(p.get("policy")),
            str(len(p.attempts)),
            f"{num(p.total('input_tokens'))}/{num(p.total('output_tokens'))}",
            money(p.total("cost_usd")),
            dur(p.total("latency_s")),
            p.outcome,
        )
        for p in trace.predicts
    ]
    return Table(CALL_COLUMNS, rows)


def _budget(row: BudgetRow) -> tuple[str, str, str, str]:
    return row.counter, num(row.spent), num(row.limit), percent(row.fraction)


def percent(fraction: float | None) -> str:
    if fraction is None:
        return "–"
    return "<1%" if 0 < fraction < 0.01 else f"{fraction:.0%}"


def dur(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    for unit, scale in (("s", 1.0), ("ms", 1e-3)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e6:.3g} µs"


def num(value: float | None) -> str:
    if value is None:
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{value:.4g}"


def money(value: float | None) -> str:
    return "–" if value is None else f"${value:.4f}"


def short(value: object, width: int = 16) -> str:
    """A policy or hash cut to ``width`` characters."""
    text = "–" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"
