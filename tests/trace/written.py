"""Traces written by the real ``Tracer`` for the read, summary and HTML tests: a whole run
(``write_run_trace``) and one that crashed half-way (``write_crashed_trace``)."""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from typing import Any

from ciopt.trace import Tracer

SYSTEM = "You make Python functions faster without changing what they return."
CODE = "def slowest(xs):\n    return sorted(xs)[0]  # the code under optimization\n"
CODE_SHA = hashlib.sha256(CODE.encode()).hexdigest()
BAD = "I would use min() here."
REPAIR = "Your answer had no edit block; answer with exactly one."
RESPONSE = 'Use min: <edit file="m.py">return min(xs) if xs & True else None</edit>'
RESPONSE_SHA = hashlib.sha256(RESPONSE.encode()).hexdigest()
POLICY = "propose.default@1f2e3d4c5b6a79881234"


def header(capture: str) -> dict[str, Any]:
    return {
        "command": "run",
        "ciopt_version": "0.1.0",
        "python": "3.11.9",
        "platform": "Linux-x86_64",
        "repo": "/work/repo",
        "content_capture": capture,
        "retention_days": 30,
        "expires_at": "2099-01-31T00:00:00+00:00",
    }


def write_run_trace(path: Path, capture: str = "full") -> Path:
    """A run that tries one candidate, is stopped by ``llm_calls`` and publishes no change."""
    spent: dict[str, float] = {"llm_calls": 0, "input_tokens": 0, "output_tokens": 0}
    spent |= {"cost_usd": 0.0, "candidates": 0, "wall_seconds": 0.5}
    limits = {"llm_calls": 2, "input_tokens": 10_000, "output_tokens": 2_000, "cost_usd": 1.0}
    limits |= {"candidates": 3, "wall_seconds": 600}
    tracer = Tracer(
        path,
        run_id="run-abc123",
        header=header(capture),
        budget=lambda: {"limits": dict(limits), "spent": dict(spent)},
    )
    full = capture == "full"
    with tracer.span("request") as sp:
        sp.set(request={"targets": ["m.py::slowest"]})
    with tracer.span("baseline.tests"):
        pass
    with tracer.span("candidate", candidate=1) as cand:
        spent["candidates"] += 1
        with (
            tracer.span("propose", candidate=1),
            tracer.span("predict", signature="propose", policy=POLICY, model="scripted") as pred,
        ):
            attempts = [
                _call(tracer, spent, 1, BAD, None, decoded=False, full=full),
                _call(tracer, spent, 2, RESPONSE, REPAIR, decoded=True, full=full),
            ]
            pred.set(receipt=_receipt(attempts))
            if full:
                tracer.blob(CODE_SHA, CODE)
                pred.set(ir=_ir())
        with contextlib.suppress(RuntimeError), tracer.span("verify.guard", candidate=1):
            raise RuntimeError("the guard crashed")
        cand.set(outcome="rejected", reason="tests_failed", ratio=None)
    tracer.event("budget.exhausted", limit="llm_calls", spent=2, allowed=2)
    with tracer.span("publish") as sp:
        sp.set(verdict="no_change", reason="budget_exhausted")
    tracer.close()
    return path


def _call(
    tracer: Tracer,
    spent: dict[str, float],
    n: int,
    response: str,
    repair: str | None,
    *,
    decoded: bool,
    full: bool,
) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "n": n,
        "rendered_prompt_hash": f"rendered{n}",
        "response_sha256": hashlib.sha256(response.encode()).hexdigest(),
        "input_tokens": 1000,
        "output_tokens": 100,
        "cost_usd": 0.002,
        "latency_s": 1.5,
        "outcome": "decoded" if decoded else "invalid",
        "error": None if decoded else "no edit block",
    }
    with tracer.span(
        "llm.call", signature="propose", policy=POLICY, model="scripted", attempt=n
    ) as sp:
        spent["llm_calls"] += 1
        spent["input_tokens"] += 1000
        spent["output_tokens"] += 100
        spent["cost_usd"] += 0.002
        sp.set(provider="scripted", response_model="scripted", decoded=decoded)
        sp.set(**{k: v for k, v in facts.items() if k not in ("n", "outcome")})
        if full:
            sp.set(response=response)
            if repair is not None:
                sp.set(repair_prompt=repair)
        else:
            sp.set(response_chars=len(response))
    return facts


def _receipt(attempts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "signature": "propose",
        "signature_hash": "sig123",
        "policy": POLICY,
        "model": "scripted",
        "prompt_ir_hash": "irhash456",
        "rendered_prompt_hash": "rendered2",
        "decode_mode": "edit_blocks",
        "outcome": "ok",
        "input_tokens": 2000,
        "output_tokens": 200,
        "cost_usd": 0.004,
        "latency_s": 3.0,
        "attempts": attempts,
    }


def _ir() -> dict[str, Any]:
    block = {"fence": "", "answer": None, "blob": None}
    return {
        "signature": "propose",
        "signature_hash": "sig123",
        "policy": POLICY,
        "blocks": [
            block | {"kind": "system", "name": "role", "text": SYSTEM},
            block | {"kind": "demo", "name": "example", "text": "x = [1]", "answer": "min(x)"},
            block | {"kind": "context", "name": "m.py", "text": None, "blob": CODE_SHA},
            block | {"kind": "output_format", "name": "edits", "text": "one edit block"},
        ],
    }


def write_crashed_trace(path: Path) -> Path:
    """A run killed inside ``verify.tests``: spans never ended, the last line cut short."""
    tracer = Tracer(path, run_id="run-crash", header=header("full"))
    with tracer.span("request"):
        pass
    # held open: a context manager collected early would write its span's end
    held = [tracer.span("candidate", candidate=1), tracer.span("verify.tests", candidate=1)]
    for span in held:
        span.__enter__()
    tracer.close()  # as a kill would: nothing more is written
    with path.open("a", encoding="utf-8") as fh:
        fh.write('{"run_id": "run-crash", "seq": 5, "ts": "2025-')
    return path


# One look per entry: (rounds, alpha, verdict, ratio, ci) as the experiment records them.
LOOKS_1 = [
    (3, 1e-4, "inconclusive", 0.5, [1e-7, 1500.0]),  # three rounds: decades wide
    (5, 5e-4, "faster", 0.5, [0.45, 0.56]),
]
RATIOS_1 = [0.52, 0.48, 0.5, 0.51, 0.49]
RATIOS_2 = [1.01, 0.99, 1.0]


def write_measured_trace(path: Path, *, older: bool = False) -> Path:
    """A run that measures two candidates, as ``measure_sides`` traces them: candidate 1 is
    faster at its second look, candidate 2 shows no change at its first. ``older``: as traces
    before the rounds' ratios, the looks' intervals and ``min_effect`` were recorded."""
    tracer = Tracer(
        path,
        run_id="run-measured",
        header=header("full"),
        budget=lambda: {
            "limits": {"llm_calls": 4, "candidates": 2, "bench_seconds": 60.0},
            "spent": {"llm_calls": 5, "candidates": 2, "bench_seconds": 12.5, "cost_usd": 0.1},
        },
    )
    plans = [
        (1, RATIOS_1, LOOKS_1, "faster"),
        (2, RATIOS_2, [(3, 1e-4, "no_change", 1.0, [0.99, 1.01])], "no_change"),
    ]
    for number, ratios, looks, verdict in plans:
        with (
            tracer.span("candidate", candidate=number) as cand,
            tracer.span("measure", measure="walltime", pairing="duet", candidate=number) as sp,
        ):
            for i, ratio in enumerate(ratios):
                medians = {"base:b.py::test_f": 2e-3, "head:b.py::test_f": 2e-3 * ratio}
                extra = {} if older else {"ratio": ratio}
                tracer.event("measure.round", round=i, medians=medians, **extra)
            recorded = [
                {"fraction": 0.1, "rounds": n, "alpha": alpha, "verdict": word}
                | ({} if older else {"ratio": r, "ci": ci})
                for n, alpha, word, r, ci in looks
            ]
            last = looks[-1]
            sp.set(verdict=verdict, ratio=last[3], ci=last[4], stopped_by="decided", looks=recorded)
            if not older:
                sp.set(min_effect=0.02)
            cand.set(outcome=verdict, reason="verified_faster", ratio=last[3])
    with tracer.span("publish") as pub:
        pub.set(verdict="faster", reason="verified_faster")
    tracer.close()
    return path
