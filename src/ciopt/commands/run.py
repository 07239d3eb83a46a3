"""``ciopt run``: one optimization request, end to end."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ciopt.commands.flags import add_executor_flags, add_out_flags
from ciopt.errors import RequestError
from ciopt.flows import Session, optimize_request
from ciopt.job import answer_requests
from ciopt.verdict import Verdict

__all__ = ["add_parser", "run"]

MIB = 1024 * 1024


def add_parser(sub: Any) -> None:
    p = sub.add_parser("run", help="optimize the target a request names, and publish the result")
    p.add_argument("--repo", type=Path, default=Path("."), help="the git checkout (default: .)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--request", help="request text, e.g. 'target=src/m.py::f bench=benchmarks'")
    src.add_argument("--request-file", type=Path, help="a file holding the request text")
    src.add_argument(
        "--poll",
        type=int,
        nargs="?",
        const=5,
        metavar="N",
        help="with --forge github/gitlab: answer up to N open requests found through the API "
        "(default 5), for scheduled pipelines. Without --request or --poll, the CI event that "
        "started the job is answered",
    )
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


def run(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    if args.request is None and args.request_file is None:
        env = dict(os.environ if environ is None else environ)
        return answer_requests(args.repo, env, _flags(args), poll=args.poll)
    with Session("run", args.repo, environ, **_flags(args)) as session:
        verdict = optimize_request(session, lambda: _request_text(args), args.repo)
    # once the session has closed: the trace's OTLP and HTML copies are written then, and the
    # trace sinks have had it
    print(session.redactor.text(_summary(verdict, session.results_line())))
    return 0


def _flags(args: argparse.Namespace) -> dict[str, Any]:
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


def _request_text(args: argparse.Namespace) -> str:
    if args.request is not None:
        return str(args.request)
    path: Path = args.request_file
    if not path.is_file():
        raise RequestError(f"--request-file {path} does not exist")
    return path.read_text(encoding="utf-8", errors="replace")


def _summary(verdict: Verdict, results: str) -> str:
    lines = [f"ciopt: {verdict.verdict} ({verdict.reason}) - {verdict.message}"]
    if verdict.stopped_message:
        over = verdict.stopped_by in verdict.budget.get("limits", {})  # a limit gone past
        said = "over budget" if over else "stopped early"
        lines.append(f"  {said} ({verdict.stopped_by}): {verdict.stopped_message}")
    for cand in verdict.candidates:
        lines.append(f"  candidate {cand.id}: {cand.outcome:<12} {cand.reason}: {cand.message}")
    if verdict.branch:
        lines.append(f"  published: branch {verdict.branch} ({verdict.pr_url})")
    lines.append(f"  {results}")
    return "\n".join(lines)
