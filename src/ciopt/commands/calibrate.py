"""``ciopt calibrate``: A/A rounds of one commit, to learn this machine's noise floor."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ciopt.commands.display import Output, add_output_flags
from ciopt.commands.flags import add_measure_flags, measure_flags
from ciopt.flows import Session, calibrate_machine
from ciopt.report import render_calibration

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
    add_output_flags(p, document="calibration.json")


def run(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    output = Output.of(args, environ)
    flags = measure_flags(args)
    with (
        output.running() as display,
        Session("calibrate", args.repo, environ, listeners=display.listeners, **flags) as session,
    ):
        done = calibrate_machine(
            session,
            args.repo,
            args.ref,
            bench=args.bench or (),
            seconds=args.seconds,
            save=not args.no_save,
        )
    output.result(render_calibration(done.calibration, done.warnings, done.saved).rstrip("\n"))
    output.document(session.out.path / "calibration.json")
    return 0
