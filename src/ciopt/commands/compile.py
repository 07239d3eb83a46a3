"""``ciopt compile``: search prompt policies for a signature and a model on the task corpus's
train split, compare the best with the starting policy on holdout, and store it unpromoted."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ciopt
from ciopt.agent import OUTPUT_FORMATS, PolicyRegistry, schema_hashes, short_id
from ciopt.commands.flags import add_task_run_flags, task_run_options
from ciopt.commands.policy import starter
from ciopt.git import Git
from ciopt.learn import (
    Compiled,
    Origin,
    compile_policy,
    compile_settings,
    eval_score,
    load_dataset,
    load_suite,
    search_space,
    write_compiled,
)

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "compile", help="search prompt policies for a model on the task corpus; store the best"
    )
    p.add_argument("--signature", default="propose_optimization", help="default: %(default)s")
    add_task_run_flags(p, model_help="the litellm model string to compile for")
    p.add_argument("--demos", type=Path, help="a `ciopt dataset` file: the demos to choose from")
    p.add_argument("--out", type=Path, default=Path("ciopt-compile"), help="default: %(default)s")
    p.add_argument("--repo", type=Path, default=Path("."), help="whose registry (default: .)")
    p.add_argument("--max-demos", type=int, default=2, help="most demos (default: 2)")
    p.add_argument(
        "--first-tasks",
        type=int,
        default=2,
        help="train tasks each candidate is scored on first (default: 2), doubled each round",
    )
    p.add_argument("--seed", type=int, default=0, help="the train tasks' order (default: 0)")
    p.add_argument(
        "--train-tasks", type=int, help="only the first N train tasks of that order (default: all)"
    )
    p.add_argument(
        "--instructions",
        help="the instruction variants to search, comma-separated (default: all: "
        "default,concise,stepwise,careful)",
    )
    p.add_argument(
        "--formats",
        help="the reply formats to search, comma-separated (default: whole_definition,"
        "search_replace)",
    )


def run(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    env = dict(os.environ if environ is None else environ)
    settings = compile_settings(
        max_demos=args.max_demos,
        first_tasks=args.first_tasks,
        seed=args.seed,
        train_tasks=args.train_tasks,
    )
    options = task_run_options(args)
    space = search_space(
        args.signature,
        formats=_listed(args.formats) or OUTPUT_FORMATS,
        variants=_listed(args.instructions),
    )
    registry = PolicyRegistry(args.repo / ".ciopt" / "policies", schema_hashes())
    start = registry.active(args.signature)
    suite = load_suite(args.tasks)
    pool = load_dataset(args.demos) if args.demos else []
    origin = Origin(
        dataset_hash=suite.hash,
        model=args.model,
        ciopt=ciopt_build(),
        versions=starter(args.signature).versions,
        eval_settings={"candidates": options.candidates},
    )

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    score = eval_score(suite, options, out=args.out, environ=env, progress=progress)
    # the runs' own notes (which executor was chosen) go with the progress, on stderr
    with contextlib.redirect_stdout(sys.stderr):
        compiled = compile_policy(
            space,
            score,
            train=[t for t in suite.tasks if t.split == "train"],
            holdout=[t for t in suite.tasks if t.split == "holdout"],
            start=start,
            pool=pool,
            settings=settings,
            origin=origin,
            progress=progress,
        )
    path = write_compiled(compiled, args.out, registry)
    print(_told(compiled, path, args.out, registry.root))
    return 0


def _listed(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


def _told(compiled: Compiled, path: Path, out: Path, registry: Path) -> str:
    policy, short = compiled.policy, short_id(compiled.policy.id)
    assert policy.evaluation is not None  # compile sets it
    ours, theirs = policy.evaluation.holdout, policy.evaluation.baseline_holdout
    baseline = policy.evaluation.baseline
    return (
        f"compiled policy {short}: {compiled.variant}, {len(policy.demos)} demo(s)\n"
        f"holdout: mean reward {ours.mean_reward:.3f}, {ours.yield_count}/{ours.tasks} faster; "
        f"{'default' if baseline == 'default' else short_id(baseline)}: "
        f"{theirs.mean_reward:.3f}, {theirs.yield_count}/{theirs.tasks} faster\n"
        f"written: {path}, {out / 'compile.json'}, {out / 'compile.md'}\n"
        f"stored in {registry}, not promoted: `ciopt policy promote {short}` makes it active"
    )


def ciopt_build() -> str:
    """ciopt's version, with the commit of its checkout when it runs from one."""
    root = Path(ciopt.__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return ciopt.__version__
    sha = Git(root)("rev-parse", "HEAD", check=False)
    if not re.fullmatch(r"[0-9a-f]{40,64}", sha):
        return ciopt.__version__
    return f"{ciopt.__version__}+g{sha[:12]}"
