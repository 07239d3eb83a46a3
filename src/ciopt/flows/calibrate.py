"""``ciopt calibrate``'s flow: A/A rounds of one commit, to learn this machine's noise floor.

One commit in two worktrees, measured against itself for the whole time budget; from the
per-round log ratios, each benchmark's noise, false-positive rate and smallest visible change
(``measure.calibration``). Saved in ``.git/ciopt/`` for later compares and runs unless asked not.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ciopt.client import Worktrees, default_bench, included_files, open_client, prepare
from ciopt.flows.session import Session
from ciopt.git import Git
from ciopt.measure import (
    OVERALL,
    Calibration,
    Noise,
    bench_options,
    calibration_path,
    design,
    mean_logs,
    measure_sides,
    noise,
)

__all__ = ["Calibrated", "calibrate_machine"]


@dataclass(frozen=True)
class Calibrated:
    calibration: Calibration
    warnings: list[str]  # about the measurement (pyperf-style)
    saved: Path | None  # where it was kept for later commands


def calibrate_machine(
    session: Session,
    repo: Path,
    ref: str = "HEAD",
    *,
    bench: Sequence[str] = (),
    seconds: float,
    save: bool = True,
) -> Calibrated:
    """``seconds`` of A/A rounds of ``ref``; written to ``calibration.json`` in the session's
    folder, and, with ``save``, kept in the repository's ``.git/ciopt/``."""
    settings, environ = session.settings, session.environ
    git = Git.open(repo)
    with Worktrees(git) as trees:
        selectors = tuple(bench or default_bench(git.path))
        included = included_files(git, settings.worktree_include, ())
        session.tracer.event("worktree.include", **included.fields())
        trees.include = included.files
        sides = prepare(trees, git, ref, ref, selectors)
        client = open_client(settings, git, sides.base, environ, session.open_executor())
        exp = replace(
            design(settings, selectors=selectors),
            time_budget=seconds,
            max_rounds=max(settings.rounds, 1000),
            early_stop=False,
        )
        comparison = measure_sides(
            client,
            sides,
            bench_options(settings, selectors),
            exp,
            measure="walltime",
            ledger=session.ledger,
            tracer=session.tracer,
            bench_dir=session.out.bench,
            calibration=True,
        )
    logs = comparison.samples.logs()
    rounds = comparison.overall.estimate.rounds
    round_s = comparison.seconds / max(1, rounds)
    per_compare = settings.time_budget / round_s

    def judged(name: str, series: list[float]) -> Noise:
        return noise(
            name,
            series,
            confidence=exp.confidence,
            min_effect=exp.min_effect,
            rounds_per_compare=per_compare,
        )

    calibration = Calibration(
        sha=sides.base_sha,
        python=client.python,
        pairing=exp.pairing,
        cpus=os.cpu_count() or 1,
        time_budget=settings.time_budget,
        round_seconds=round_s,
        confidence=exp.confidence,
        min_effect=exp.min_effect,
        benchmarks=[judged(name, series) for name, series in logs.items()],
        overall=judged(OVERALL, mean_logs(list(logs.values()))),
    )
    text = calibration.to_json()
    session.out.write("calibration.json", text)
    saved = None
    if save:
        saved = calibration_path(git)
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text(text)
    session.tracer.event("calibration", **calibration.model_dump(by_alias=True))
    return Calibrated(calibration, comparison.warnings, saved)
