"""Flags several commands share: where the client's code runs, and how it is measured."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ciopt.config import DEFAULT_IMAGE
from ciopt.errors import RequestError
from ciopt.learn import EvalOptions, eval_options

MIB = 1024 * 1024

__all__ = [
    "add_executor_flags",
    "add_measure_flags",
    "add_out_flags",
    "add_request_flags",
    "add_run_flags",
    "add_task_run_flags",
    "measure_flags",
    "request_text",
    "run_flags",
    "task_run_options",
]


def add_executor_flags(p: argparse.ArgumentParser) -> None:
    """``--executor`` and ``--image``, for every command that runs the client's code."""
    p.add_argument(
        "--executor",
        help="where code under test runs: auto (default: the strongest of dagger, sandbox and "
        "uid that works here), dagger (containers), sandbox (bubblewrap), uid (setpriv, as "
        "root) or local (no isolation)",
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


def add_request_flags(p: argparse.ArgumentParser, *, example: str, poll: str) -> None:
    """``--repo``, and where the request comes from: ``--request``, ``--request-file`` or
    ``--poll`` (none of them: the CI event that started the job)."""
    p.add_argument("--repo", type=Path, default=Path("."), help="the git checkout (default: .)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--request", help=f"request text, e.g. '{example}'")
    src.add_argument("--request-file", type=Path, help="a file holding the request text")
    src.add_argument("--poll", type=int, nargs="?", const=5, metavar="N", help=poll)


def add_run_flags(p: argparse.ArgumentParser) -> None:
    """The model, the client, the forge and the budget: ``run``, ``plan`` and ``gather``."""
    p.add_argument("--model", help="litellm model string, or scripted:FILE.jsonl")
    p.add_argument("--api-base", help="the model's endpoint (vLLM, llama.cpp, a proxy)")
    p.add_argument("--python", help="the client's interpreter (default: .venv/bin/python, python3)")
    add_out_flags(p)
    p.add_argument("--base", help="the commit to optimize (default: HEAD)")
    add_executor_flags(p)
    p.add_argument(
        "--forge",
        help="where requests come from and the result is published: local (default), none, "
        "github, gitlab, or jira (Jira issues, published on GitHub or GitLab)",
    )
    p.add_argument("--rounds", type=int, help="interleaved A/B rounds per candidate")
    p.add_argument("--candidates", type=int, help="most candidates to try")
    p.add_argument("--max-llm-calls", type=int, help="most model calls")
    p.add_argument("--max-cost-usd", type=float, help="most spent on the model, in USD")
    p.add_argument("--max-minutes", type=float, help="most wall time for the whole run")
    p.add_argument("--max-input-tokens", type=int, help="most prompt tokens sent to the model")
    p.add_argument("--max-output-tokens", type=int, help="most tokens the model may reply")
    p.add_argument("--max-bench-seconds", type=float, help="most seconds spent benchmarking")
    p.add_argument(
        "--max-subprocess-calls",
        type=int,
        help="most processes running the project's code (tests, replays, benchmark rounds)",
    )
    p.add_argument("--max-output-mb", type=float, help="most MiB written into the output folder")


def run_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The settings ``add_run_flags`` gives (None: a flag not given)."""
    limits = {
        "candidates": args.candidates,
        "llm_calls": args.max_llm_calls,
        "cost_usd": args.max_cost_usd,
        "wall_seconds": args.max_minutes * 60 if args.max_minutes else None,
        "input_tokens": args.max_input_tokens,
        "output_tokens": args.max_output_tokens,
        "bench_seconds": args.max_bench_seconds,
        "subprocess_calls": args.max_subprocess_calls,
        "output_bytes": None if args.max_output_mb is None else round(args.max_output_mb * MIB),
    }
    return {
        "model": args.model,
        "api_base": args.api_base,
        "python": args.python,
        "out": args.out,
        "keep_work": args.keep_work,
        "base": args.base,
        "executor": args.executor,
        "image": args.image,
        "forge": args.forge,
        "rounds": args.rounds,
        # merged key by key over the limits from the environment and the repo's files
        "limits": {k: v for k, v in limits.items() if v is not None} or None,
    }


def request_text(args: argparse.Namespace) -> str:
    """The text of ``--request`` or ``--request-file``."""
    if args.request is not None:
        return str(args.request)
    path: Path = args.request_file
    if not path.is_file():
        raise RequestError(f"--request-file {path} does not exist")
    return path.read_text(encoding="utf-8", errors="replace")


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


def add_task_run_flags(p: argparse.ArgumentParser, *, model_help: str) -> None:
    """The corpus, the model, and how each task of it runs: ``eval`` and ``compile``."""
    p.add_argument("--tasks", type=Path, required=True, help="the corpus folder: <name>/task.toml")
    p.add_argument("--model", required=True, help=model_help)
    p.add_argument("--api-base", help="the model's endpoint (vLLM, llama.cpp, a proxy)")
    p.add_argument("--candidates", type=int, help="candidates per task (default: 1)")
    p.add_argument("--max-minutes-per-task", type=float, help="most wall time of one task's run")
    p.add_argument("--max-llm-calls-per-task", type=int, help="most model calls of one task")
    p.add_argument("--max-output-tokens-per-task", type=int, help="most reply tokens of one task")
    p.add_argument(
        "--python", help="the interpreter the tasks' tests run with (pytest, pytest-benchmark)"
    )
    p.add_argument("--executor", help="where the tasks' code runs: auto, sandbox, local, dagger")
    p.add_argument("--rounds", type=int, help="most interleaved A/B rounds per candidate")
    p.add_argument("--time-budget", type=float, help="seconds of measurement per comparison")
    p.add_argument("--cache-dir", type=Path, help="default: $XDG_CACHE_HOME/ciopt")
    p.add_argument(
        "--no-cache", action="store_true", help="run every task, even one run the same before"
    )


def task_run_options(args: argparse.Namespace, **more: Any) -> EvalOptions:
    """The options of ``add_task_run_flags`` (and ``more``), a bad one a one-line error."""
    return eval_options(
        model=args.model,
        api_base=args.api_base,
        python=args.python,
        candidates=args.candidates,
        max_minutes=args.max_minutes_per_task,
        max_llm_calls=args.max_llm_calls_per_task,
        max_output_tokens=args.max_output_tokens_per_task,
        executor=args.executor,
        rounds=args.rounds,
        time_budget=args.time_budget,
        cache_dir=args.cache_dir,
        cache=not args.no_cache,
        **more,
    )
