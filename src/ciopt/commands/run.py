"""``ciopt run``: one optimization request, end to end."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ciopt.commands.display import Output, add_output_flags
from ciopt.commands.flags import add_request_flags, add_run_flags, request_text, run_flags
from ciopt.config import load_settings
from ciopt.errors import RequestError
from ciopt.flows import Session, optimize_request, run_unit
from ciopt.job import answer_requests
from ciopt.plan import Plan
from ciopt.verdict import Verdict

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("run", help="optimize the target a request names, and publish the result")
    add_request_flags(
        p,
        example="target=src/m.py::f bench=benchmarks",
        poll="with --forge github/gitlab: answer up to N open requests found through the API "
        "(default 5), for scheduled pipelines. Without --request or --poll, the CI event that "
        "started the job is answered",
    )
    add_run_flags(p)
    p.add_argument(
        "--unit",
        metavar="ID",
        help="run one unit of a fanned-out run (a CI matrix job): the unit ID of --plan; "
        "nothing is published, ciopt gather does that",
    )
    p.add_argument(
        "--plan", type=Path, help="with --unit: the plan ciopt plan wrote (JSON, or its base64)"
    )
    add_output_flags(p, document="verdict.json")


def run(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    output = Output.of(args, environ)
    if args.unit is not None or args.plan is not None:
        return _unit(args, environ, output)
    if args.request is None and args.request_file is None:
        return _answer(args, environ, output)
    flags = run_flags(args)
    with (
        output.running() as display,
        Session("run", args.repo, environ, listeners=display.listeners, **flags) as session,
    ):
        verdict = optimize_request(session, lambda: request_text(args), args.repo)
    # once the session has closed: the trace's OTLP and HTML copies are written then, and the
    # trace sinks have had it
    output.result(session.redactor.text(_summary(verdict, session.results_line())))
    output.document(session.out.path / "verdict.json")
    return 0


def _answer(args: argparse.Namespace, environ: Mapping[str, str] | None, output: Output) -> int:
    """The CI event's request (or a poll's), answered on the forge: each its own session."""
    env = dict(os.environ if environ is None else environ)
    flags = run_flags(args)
    started = time.time()
    with output.running(prints_result=True) as display:  # each request's result, as answered
        code = answer_requests(args.repo, env, flags, poll=args.poll, listeners=display.listeners)
    if output.as_json:  # each request's verdict.json: a poll's are in <out>/<thread>/
        out = load_settings(args.repo if args.repo.is_dir() else None, **flags).out
        written = [out / "verdict.json", *sorted(out.glob("*/verdict.json"))]
        output.document(*(p for p in written if p.is_file() and p.stat().st_mtime >= started))
    return code


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


def _unit(args: argparse.Namespace, environ: Mapping[str, str] | None, output: Output) -> int:
    if args.unit is None or args.plan is None:
        raise RequestError("--unit and --plan go together: ciopt run --unit ID --plan plan.json")
    if args.request is not None or args.request_file is not None or args.poll is not None:
        raise RequestError("--unit runs the plan's request; drop --request, --request-file, --poll")
    plan = Plan.read(args.plan)
    unit = plan.unit(str(args.unit))
    flags = {**run_flags(args), "forge": plan.forge}
    shared = _shared(flags, unit.limits)
    with (
        output.running() as display,
        Session("run", args.repo, environ, listeners=display.listeners, **shared) as session,
    ):
        verdict = run_unit(session, args.repo, plan, unit)
    output.result(session.redactor.text(_summary(verdict, session.results_line())))
    output.document(session.out.path / "verdict.json")
    return 1 if verdict.verdict == "error" else 0


def _shared(flags: dict[str, Any], share: Mapping[str, float]) -> dict[str, Any]:
    """The flags with the unit's share of the budget as its limits (a flag's own lower)."""
    limits = dict(share)
    for name, value in (flags.get("limits") or {}).items():
        limits[name] = min(value, limits.get(name, value))
    return {**flags, "limits": limits}
