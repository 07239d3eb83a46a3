"""``ciopt calibrate``: A/A rounds of one commit, to learn this machine's noise floor."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ciopt.commands.common import Session, add_measure_flags, measure_flags
from ciopt.comparing import default_bench, measure_sides, open_client, prepare
from ciopt.git import Git
from ciopt.measure.analysis import OVERALL, mean_logs
from ciopt.measure.calibration import Calibration, Noise, noise
from ciopt.measure.setup import bench_options, calibration_path, design
from ciopt.report.render import render_calibration
from ciopt.workspace import Worktrees

__all__ = ["DEFAULT_SECONDS", "add_parser", "run"]

DEFAULT_SECONDS = 120.0


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "calibrate",
        help="A/A rounds of one commit: noise, false-positive rate, smallest visible change",
    )
    p.add_argument("--repo", type=Path, default=Path("."), help="the git checkout (default: .)")
    p.add_argument("--ref", default="HEAD", help="the commit to measure against itself")
    p.add_argument("--bench", action="append", help="benchmarks (default: benchmarks/)")
    p.add_argument(
        "--seconds",
        type=float,
        default=DEFAULT_SECONDS,
        help=f"seconds of A/A measurement (default: {DEFAULT_SECONDS:g})",
    )
    p.add_argument(
        "--no-save",
        action="store_true",
        help="do not keep it in .git/ciopt/ for later compare and run commands",
    )
    add_measure_flags(p)


def run(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    with Session("calibrate", args, environ, **measure_flags(args)) as session:
        settings, environ = session.settings, session.environ
        git = Git.open(args.repo)
        with Worktrees(git) as trees:
            selectors = tuple(args.bench or default_bench(git.path))
            sides = prepare(trees, git, args.ref, args.ref, selectors)
            client = open_client(settings, git, sides.base, environ, session.open_executor())
            exp = replace(
                design(settings, selectors=selectors),
                time_budget=args.seconds,
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

        overall_logs = mean_logs(list(logs.values()))
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
            overall=judged(OVERALL, overall_logs),
        )
        text = calibration.to_json()
        (session.out.path / "calibration.json").write_text(text)
        saved = None
        if not args.no_save:
            saved = calibration_path(git)
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.write_text(text)
        session.tracer.event("calibration", **calibration.model_dump(by_alias=True))
        print(render_calibration(calibration, comparison.warnings, saved), end="")
        return 0
