"""``trace.html``: a run's trace as one self-contained page (inline CSS, no external references).

Everything shown is escaped (jinja2 autoescape); prompts and responses appear only when the run
captured content (``content_capture=full``), otherwise their hashes and sizes. The figures (each
measurement's rounds and looks, the budget) are inline SVG drawn from ``charts``' geometry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ciopt.templating import environment
from ciopt.trace.charts import budget_chart, rounds_chart
from ciopt.trace.read import Predict, SpanView, TraceFile
from ciopt.trace.summary import dur, num, short

__all__ = ["Bar", "EventRow", "render_html", "write_html"]

# attributes with a section of their own: not repeated in the timeline's details
_CONTENT = frozenset(("receipt", "ir", "response", "repair_prompt", "messages"))
_BRIEF = 400  # characters of one attribute value shown in a table


@dataclass(frozen=True)
class Bar:
    """A span on the timeline: ``left`` and ``width`` in percent of the run."""

    span: SpanView
    left: float
    width: float
    attrs: dict[str, Any]


@dataclass(frozen=True)
class EventRow:
    offset_s: float
    name: str
    where: str
    attrs: dict[str, Any]
    traceback: str | None


def write_html(trace: TraceFile, dest: Path) -> Path:
    page = render_html(trace)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(dest)
    return dest


def render_html(trace: TraceFile) -> str:
    env = environment("ciopt.trace", html=True)
    env.globals.update(dur=dur, num=num, amount=amount, short=short, brief=brief, facts=call_facts)
    return env.get_template("trace.html.j2").render(
        t=trace,
        bars=timeline(trace),
        events=events(trace),
        charts=[rounds_chart(m) for m in trace.measures if m.rounds or m.looks],
        budget_bars=budget_chart(trace.budget),
    )


def timeline(trace: TraceFile) -> list[Bar]:
    """Every span, depth first; one still running when the trace ends reaches its end."""
    total = max(trace.duration_s, 1e-9)
    bars = []
    for span in trace.tree():
        length = span.duration_s if span.ended else total - span.offset_s
        left = min(span.offset_s / total * 100, 99.7)
        width = min(max((length or 0.0) / total * 100, 0.3), 100 - left)
        attrs = {k: v for k, v in span.attrs.items() if k not in _CONTENT}
        bars.append(Bar(span, round(left, 3), round(width, 3), attrs))
    return bars


def events(trace: TraceFile) -> list[EventRow]:
    rows = []
    for record in trace.events:
        raw = record.get("attrs")
        attrs: dict[str, Any] = raw if isinstance(raw, dict) else {}
        parent = trace.span_index.get(str(record.get("parent_id") or ""))
        tb = attrs.get("traceback")
        shown = {k: v for k, v in attrs.items() if k != "traceback"}
        name, where = str(record.get("name", "?")), parent.label if parent else "run"
        rows.append(
            EventRow(trace.offset(record), name, where, shown, tb if isinstance(tb, str) else None)
        )
    return rows


def call_facts(call: Predict) -> dict[str, Any]:
    """The receipt without its attempts, or an older trace's call attributes without content."""
    source = call.receipt or {**call.span.attrs, **(call.calls[-1].attrs if call.calls else {})}
    return {k: v for k, v in source.items() if k != "attempts" and k not in _CONTENT}


def amount(value: Any) -> str:
    """A count from an attribute that may be missing or not a number."""
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return num(value) if ok else "–"


def brief(value: Any) -> str:
    """An attribute value as text, cut to a readable length."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    cut = len(text) - _BRIEF
    return text if cut <= 0 else f"{text[:_BRIEF]}… ({cut} more characters)"
