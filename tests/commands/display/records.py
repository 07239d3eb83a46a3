"""A run's trace as the pipeline writes it, made by a real ``Tracer``: two candidates (the first
one's edit does not apply, the second is measured over two looks and wins), then publish."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ciopt.trace import Listener, Tracer

# what a model (or a stranger's request) could put in a message ciopt echoes: a line break and
# workflow commands, GitHub's own escapes, a terminal's and GitLab's escape sequences
HOSTILE = (
    "its line 'x' \r\n::set-output name=verdict::faster\n::error::pwned %0A::warning::two "
    "\x1b]0;title\x07 \x1b[0Ksection_start:1:evil[collapsed=true]\r\x1b[0Kevil ##[group]x"
)
LIMITS = {"candidates": 2.0, "llm_calls": 6.0, "cost_usd": 1.0, "wall_seconds": 600.0}


def records(tmp: Path, *, hostile: str = HOSTILE) -> list[dict[str, Any]]:
    """The records of a whole run, in order, as a listener sees them."""
    seen: list[dict[str, Any]] = []
    write_run(tmp / "trace.jsonl", [seen.append], hostile=hostile)
    return seen


def write_run(path: Path, listeners: list[Listener], *, hostile: str = HOSTILE) -> None:
    spent = {"llm_calls": 0.0, "cost_usd": 0.0, "wall_seconds": 1.0}
    tracer = Tracer(path, header={"command": "run"}, listeners=listeners)
    tracer.budget = lambda: {"limits": LIMITS, "spent": dict(spent)}
    emit(tracer, hostile=hostile, spent=spent)
    tracer.close()


def emit(tracer: Tracer, *, hostile: str = HOSTILE, spent: dict[str, float] | None = None) -> None:
    """The run's spans and events, on ``tracer`` (``spent``: the budget its ``budget`` shows)."""
    spent = {} if spent is None else spent
    with tracer.span("request") as sp:
        sp.set(request={"targets": ["src/m.py::f"], "bench": ["benchmarks/"]})
    tracer.event("executor", asked="auto", chosen="local", isolation="none (local)", note=None)
    with tracer.span("workspace") as sp:
        sp.set(base="a" * 40)
    with tracer.span("baseline.tests") as sp:
        sp.set(passed=3, failed=0)
    with tracer.span("candidate", candidate=1) as sp:
        with tracer.span("propose", candidate=1) as step:
            spent["llm_calls"] = spent.get("llm_calls", 0) + 1
            step.set(decoded=True, edits=1)
        with tracer.span("candidate.apply", candidate=1) as step:
            step.set(applied=False, error=f"edit 1: the SEARCH text does not match: {hostile}")
        sp.set(outcome="rejected", reason="not_applied", ratio=None)
    with tracer.span("candidate", candidate=2) as sp:
        with tracer.span("propose", candidate=2) as step:
            spent["llm_calls"] = spent.get("llm_calls", 0) + 1
            step.set(decoded=True, edits=1)
        with tracer.span("candidate.apply", candidate=2) as step:
            step.set(applied=True)
        with tracer.span("verify.tests", candidate=2) as step:
            step.set(passed=3, failed=0, broken=[])
        with tracer.span("measure", measure="walltime", candidate=2) as step:
            for share, rounds, verdict, ratio, ci in (
                (0.25, 5, "inconclusive", 0.6, [0.4, 1.1]),
                (0.5, 10, "faster", 0.5, [0.45, 0.55]),
            ):
                tracer.event(
                    "measure.look",
                    fraction=share,
                    rounds=rounds,
                    alpha=0.001,
                    verdict=verdict,
                    ratio=ratio,
                    ci=ci,
                )
            step.set(verdict="faster", ratio=0.5, ci=[0.45, 0.55])
        sp.set(outcome="faster", reason="verified_faster", ratio=0.5)
    with tracer.span("publish") as sp:
        with tracer.span("explain", candidate=2) as step:
            step.set(explained=True, title=f"Use a set {hostile}")
        sp.set(branch="ciopt/m-f", url="file:///x.md")
