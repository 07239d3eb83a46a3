"""The ``results:`` line a command prints: its output folder and what is in it.

Printed once the session has closed, when the trace's OTLP and HTML copies have been written.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["results_line"]

SHOWN = (
    "verdict.json",
    "report.md",
    "patch.diff",
    "calibration.json",
    "trace.jsonl",
    "trace.otlp.jsonl",
    "trace.html",
    "bench",
)


def results_line(out: Path) -> str:
    """``results: OUT/ (verdict.json, ..., bench/)``, naming what exists."""
    present = [name for name in SHOWN if (out / name).exists()]
    names = [f"{name}/" if (out / name).is_dir() else name for name in present]
    return f"results: {out}/ ({', '.join(names)})"
