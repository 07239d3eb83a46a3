"""Flags several commands share: where the client's code runs, and how it is measured."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ciopt.config import DEFAULT_IMAGE

__all__ = ["add_executor_flags", "add_measure_flags", "add_out_flags", "measure_flags"]


def add_executor_flags(p: argparse.ArgumentParser) -> None:
    """``--executor`` and ``--image``, for every command that runs the client's code."""
    p.add_argument(
        "--executor",
        help="where code under test runs: local, dagger (containers), auto (dagger when an "
        "engine starts, else local); default: local",
    )
    p.add_argument("--image", help=f"the dagger executor's image (default: {DEFAULT_IMAGE})")


def add_out_flags(p: argparse.ArgumentParser) -> None:
    """``--out`` and ``--keep-work``: the output folder, and whether ``work/`` stays in it."""
    p.add_argument("--out", type=Path, help="output folder (default: ciopt-out)")
    p.add_argument(
        "--keep-work",
        action="store_true",
        default=None,
        help="keep work/ (probe files, the profile, pickled recordings of calls, which may hold "
        "secrets your tests pass) in the output folder; default: a temporary folder, removed",
    )


def add_measure_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--python", help="the client's interpreter (default: .venv/bin/python, python3)")
    add_out_flags(p)
    add_executor_flags(p)
    p.add_argument(
        "--time-budget", type=float, help="seconds of measurement per comparison (default: 60)"
    )
    p.add_argument("--min-effect", type=float, help="smallest change to claim (default: 0.02)")
    p.add_argument("--confidence", type=float, help="overall confidence (default: 0.99)")
    p.add_argument("--max-rounds", type=int, help="most rounds per comparison (default: 200)")
    p.add_argument(
        "--pairing",
        choices=("duet", "sequential"),
        help="duet: both sides share one CPU, timed in CPU time (default); sequential: one "
        "after the other, wall clock (for benchmarks that wait on I/O or threads)",
    )


def measure_flags(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "python": args.python,
        "out": args.out,
        "keep_work": args.keep_work,
        "executor": args.executor,
        "image": args.image,
        "time_budget": args.time_budget,
        "min_effect": args.min_effect,
        "confidence": args.confidence,
        "rounds": args.max_rounds,
        "pairing": args.pairing,
    }
