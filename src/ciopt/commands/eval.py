"""``ciopt eval``: the task corpus run with a model (and a policy), scored, summed up."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ciopt.commands.display import Output, add_output_flags
from ciopt.commands.flags import add_task_run_flags, task_run_options
from ciopt.learn import evaluate, load_suite, render_text, resolve_policy

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "eval", help="run the task corpus with a model and a policy; score every run"
    )
    add_task_run_flags(
        p,
        model_help="litellm model string, scripted:FILE.jsonl, or reference / trap (each task's "
        "reference.py / trap.py as the reply)",
    )
    p.add_argument("--split", choices=("train", "holdout"), help="only the tasks of this split")
    p.add_argument(
        "--task", action="append", default=[], metavar="NAME", help="only this task (repeatable)"
    )
    p.add_argument(
        "--policy",
        metavar="FILE_OR_ID",
        help="a policy file, or the id of one in ./.ciopt/policies (default: built-in prompts)",
    )
    p.add_argument("--out", type=Path, default=Path("ciopt-eval"), help="default: ciopt-eval")
    p.add_argument("--seed", type=int, help="the measurement's seed (default: 0)")
    add_output_flags(p, document="eval.json")


def run(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    env = dict(os.environ if environ is None else environ)
    suite = load_suite(args.tasks, split=args.split, names=args.task)
    policy = resolve_policy(args.policy, Path(".ciopt", "policies")) if args.policy else None
    options = task_run_options(args, seed=args.seed)
    output = Output.of(args, env)
    # the runs' own notes (which executor was chosen) go with the progress, on stderr
    with output.running() as display, contextlib.redirect_stdout(sys.stderr):
        summary = evaluate(
            suite,
            policy,
            options,
            out=args.out,
            environ=env,
            progress=display.note,
            listeners=display.listeners,
        )
    output.result(render_text(summary, args.out).rstrip("\n"))
    output.document(args.out / "eval.json")
    return 0
