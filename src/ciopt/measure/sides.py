"""Two commits measured against each other: wall time in rounds (the experiment), or
instructions. The engine of ``ciopt compare`` and ``calibrate``, and of each candidate of a run.
"""

from __future__ import annotations

from pathlib import Path

from ciopt.budget import Ledger
from ciopt.client import Client, Sides
from ciopt.measure.bench import BenchOptions
from ciopt.measure.experiment import WHO, Comparison, Design, run_experiment
from ciopt.measure.instructions import compare_instructions
from ciopt.trace import Tracer

__all__ = ["measure_sides"]


def measure_sides(
    client: Client,
    sides: Sides,
    options: BenchOptions,
    design: Design,
    *,
    measure: str,
    ledger: Ledger,
    tracer: Tracer,
    bench_dir: Path,
    **span: object,
) -> Comparison:
    """Measure head against base in wall time (an experiment) or in instructions.

    Errors and warnings name the head as ``candidate N`` (``span``'s ``candidate``), the
    baseline when it is the same commit (a calibration), else ``head``.
    """
    names = dict(WHO)
    if sides.head_sha == sides.base_sha:
        names["head"] = names["base"]
    elif "candidate" in span:
        names["head"] = f"candidate {span['candidate']}"
    with tracer.span("measure", measure=measure, pairing=design.pairing, **span) as sp:
        if measure == "instructions":
            comparison = compare_instructions(
                client, sides.base, sides.head, options, design, work_dir=bench_dir
            )
        else:
            comparison = run_experiment(
                client,
                sides.base,
                sides.head,
                options,
                design,
                ledger=ledger,
                bench_dir=bench_dir,
                on_round=lambda i, m, r: tracer.event("measure.round", round=i, medians=m, ratio=r),
                on_look=lambda look: tracer.event("measure.look", **look.model_dump(mode="json")),
                names=names,
            )
        sp.set(
            verdict=comparison.verdict,
            ratio=comparison.overall.ratio,
            ci=list(comparison.overall.ci),
            min_effect=comparison.overall.min_effect,
            stopped_by=comparison.stopped_by,
            looks=[look.model_dump() for look in comparison.looks],
            warnings=comparison.warnings,
        )
    return comparison
