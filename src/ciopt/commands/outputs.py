"""``ciopt outputs``: a finished run's results for the CI job (step outputs, dotenv, summary).

Run after ``ciopt run``, also when it failed (``if: always()``, ``after_script``): a folder
without a verdict gives verdict ``none`` and still exits 0, so the job's own status stays the
run's.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ciopt.job import collect

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "outputs", help="write a run's verdict as CI step outputs, a dotenv report, a job summary"
    )
    p.add_argument("--out", type=Path, default=Path("ciopt-out"), help="the run's output folder")
    p.add_argument("--artifact", default="", help="the artifact's name, for outputs and summary")
    p.add_argument(
        "--github-output", type=Path, help="append name=value lines here ($GITHUB_OUTPUT)"
    )
    p.add_argument(
        "--step-summary", type=Path, help="append the Markdown summary here ($GITHUB_STEP_SUMMARY)"
    )
    p.add_argument("--dotenv", type=Path, help="write a GitLab dotenv report here")


def run(args: argparse.Namespace) -> int:
    outputs = collect(args.out, args.artifact)
    if args.github_output:
        _append(args.github_output, outputs.github())
    if args.step_summary:
        _append(args.step_summary, outputs.summary())
    if args.dotenv:
        args.dotenv.write_text(outputs.dotenv(), encoding="utf-8")
    values = outputs.values
    shown = " ".join(f"{k}={v}" for k, v in values.items() if v)
    print(f"ciopt outputs: {shown}")
    return 0


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)
